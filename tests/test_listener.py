"""The speech worker process: results come back, and it never outlives a killed ingest."""

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.clips import HAVE_ESPEAK, make_clip


@pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng is not installed")
def test_worker_transcribes_and_thread_mode_agrees(tmp_path):
    from ingest.listener import SpeechStage

    clip = make_clip(tmp_path / "talk.mp4", 4.0, size=(160, 90), fps=5, speech=[(1.0, "open the red door")])
    proc, thread = SpeechStage("whisper-tiny.en"), SpeechStage("whisper-tiny.en", process=False)
    try:
        a, b = proc.start(clip.path).result(timeout=120), thread.start(clip.path).result(timeout=120)
    finally:
        proc.close()
        thread.close()
    assert [p.text for p in a] == [p.text for p in b] and "door" in a[0].text.lower()
    assert abs(a[0].t_start - 1.0) <= 1.0


def test_worker_exits_when_its_parent_is_killed(tmp_path):
    code = ("import time\nfrom ingest.listener import SpeechStage\n"
            "s = SpeechStage('whisper-tiny.en')\n"
            "pid = s._pool.submit(__import__('os').getpid).result(timeout=120)\n"
            "print(pid, flush=True)\ntime.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              cwd=os.path.dirname(os.path.dirname(__file__)))
    worker = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(worker, signal.SIGKILL)
    raise AssertionError("the speech worker outlived its killed parent")
