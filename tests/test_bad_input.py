"""Bad input (issue 4, part 3): every broken file gets one line naming it and the cause, the rest
of the batch is ingested, the exit status is 1 with a summary, no traceback, and nothing ingested
before is touched. Odd but valid videos (no audio, huge, variable frame rate, rotated, one frame,
unicode names) ingest."""

import io
import json
import os
import random
import sys
import types
from fractions import Fraction

import pytest
from typer.testing import CliRunner

from cli import app
from kb.store import KnowledgeBase
from tests.clips import make_audio_only, make_clip, make_not_a_video, make_silent_video, make_truncated, render_frame
from tests.kbcheck import snapshot

runner = CliRunner()


def gk(home, *args):
    result = runner.invoke(app, [*args, "--home", str(home)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def make_vfr(path, size=(320, 180)):
    """Frames 33 ms apart, with a 200 ms gap every third frame."""
    import av

    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=30)
        vs.width, vs.height, vs.pix_fmt = size[0], size[1], "yuv420p"
        vs.time_base = Fraction(1, 1000)
        t = 0
        for i in range(40):
            frame = av.VideoFrame.from_ndarray(render_frame(t / 1000, size, [(0.0, 9.0, "VARIABLE")]), format="rgb24")
            frame.pts, frame.time_base = t, Fraction(1, 1000)
            out.mux(vs.encode(frame))
            t += 200 if i % 3 == 0 else 33
        out.mux(vs.encode(None))
    return path


def make_rotated(src, dst):
    """A copy of src whose display matrix says: show it turned by 90 degrees (phone recordings)."""
    import subprocess

    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(src), "-c", "copy",
                    "-metadata:s:v:0", "rotate=90", str(dst)], check=True)
    return dst


def make_corrupt_midway(path):
    """A faststart MP4 whose middle bytes are overwritten: the head decodes, then garbage."""
    clip = make_clip(path.with_name("intact.mp4"), 4.0, size=(320, 180), faststart=True,
                     texts=[(0.2, 1.5, "EARLY TEXT")])
    data = bytearray(clip.path.read_bytes())
    rnd = random.Random(1)
    mid = len(data) // 2
    data[mid:mid + 6000] = bytes(rnd.randrange(256) for _ in range(6000))
    path.write_bytes(bytes(data))
    clip.path.unlink()
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A library holding one good video, then one batch mixing broken and odd-but-valid files."""
    home = tmp_path_factory.mktemp("kb")
    d = tmp_path_factory.mktemp("inputs")
    keep = make_silent_video(d / "keep.mp4", 2.0, texts=[(0.2, 1.8, "ALREADY HERE")])
    assert gk(home, "ingest", str(keep.path)).exit_code == 0
    before = snapshot(home)
    (d / "empty.mp4").write_bytes(b"")
    good = make_clip(d / "good.mp4", 3.0, size=(320, 180), audio=False, texts=[(0.2, 2.8, "SCORE 1200")])
    bad = {
        "empty.mp4": "empty file (0 bytes)",
        "truncated.mp4": "MP4 file without its index (moov)",
        "notes.mp4": "not a video file",
        "voice.m4a": "audio only",
        "voice.wav": "audio only",
    }
    make_truncated(good.path, d / "truncated.mp4")
    make_not_a_video(d / "notes.mp4")
    make_audio_only(d / "voice.m4a", 1.5)
    make_audio_only(d / "voice.wav", 1.5)
    odd = {
        "mute.mp4": make_silent_video(d / "mute.mp4", 3.0, texts=[(0.2, 2.8, "You got the shotgun!")]).path,
        "corrupt.mp4": make_corrupt_midway(d / "corrupt.mp4"),
        "huge.mp4": make_clip(d / "huge.mp4", 1.0, size=(4000, 3000), fps=2, audio=False).path,
        "vfr.mp4": make_vfr(d / "vfr.mp4"),
        "rotated.mp4": make_rotated(make_silent_video(d / "flat.mp4", 2.0).path, d / "rotated.mp4"),
        "one.mp4": make_clip(d / "one.mp4", 0.1, size=(320, 180), fps=10, audio=False).path,
        "spiel ümlaut 日本 run.mp4": make_silent_video(d / "spiel ümlaut 日本 run.mp4", 2.0,
                                                       texts=[(0.2, 1.8, "UNICODE")]).path,
    }
    args = [str(d / n) for n in bad] + [str(p) for p in odd.values()] + [str(good.path), str(d / "missing.mp4")]
    result = gk(home, "ingest", *args)
    return home, result, bad, odd, before


def test_batch_exits_1_with_one_line_per_broken_file_and_a_summary(batch):
    home, result, bad, odd, _ = batch
    out = result.output
    assert result.exit_code == 1
    assert "Traceback" not in out and "Error:" not in out
    lines = out.splitlines()
    for name, cause in {**bad, "missing.mp4": "file not found"}.items():
        mine = [ln for ln in lines if ln.startswith("FAIL ") and name in ln]
        assert len(mine) == 1 and cause in mine[0], (name, out)
    assert lines[-1] == f"{len(odd) + 1} ingested, 0 skipped, {len(bad) + 1} failed"


def test_odd_but_valid_videos_are_ingested(batch):
    home, _, _, odd, _ = batch
    rows = {r["video"]: r for r in json.loads(gk(home, "videos", "--json").output)}
    for name in [*odd, "good.mp4"]:
        stem = name.rsplit(".", 1)[0]
        assert rows[stem]["status"] == "ready" and rows[stem]["segments"] >= 1, (name, rows.get(stem))
    assert not {"empty", "truncated", "notes", "voice"} & {r for r, v in rows.items() if v["status"] == "ready"}


def test_video_without_audio_is_searchable_by_screen_text(batch):
    home = batch[0]
    hits = json.loads(gk(home, "search", "shotgun", "--json").output)
    assert hits and hits[0]["video"] == "mute" and hits[0]["start_s"] <= 2.8
    ev = json.loads(gk(home, "events", "--video", "mute", "--kind", "pickup", "--json").output)
    assert [e["label"] for e in ev] == ["shotgun"]
    name = "spiel ümlaut 日本 run"
    hits = json.loads(gk(home, "search", "anything", "--video", name, "--closest", "--json").output)
    assert hits and {h["video"] for h in hits} == {name} and hits[0]["video_path"].endswith(name + ".mp4")


def test_rotated_video_is_turned_upright_and_huge_one_scaled(batch):
    from PIL import Image

    kb = KnowledgeBase.open(batch[0])
    by_name = {v.name: v.id for v in kb.videos()}
    rotated = kb.segments.rows(f"video_id = {by_name['rotated']}", columns=["keyframe"])[0]["keyframe"]
    w, h = Image.open(io.BytesIO(rotated)).size
    assert h > w  # stored 320x180, displayed 180x320
    huge = kb.segments.rows(f"video_id = {by_name['huge']}", columns=["keyframe"])[0]["keyframe"]
    assert Image.open(io.BytesIO(huge)).size[0] == 320
    vfr = next(v for v in kb.videos() if v.name == "vfr")
    assert 3.3 <= vfr.duration_s <= 3.8  # 40 frames 33 ms apart with 14 gaps of 200 ms: last at 3.46 s


def test_nothing_ingested_before_is_touched(batch):
    home, _, _, _, before = batch
    now = snapshot(home)
    assert [r for r in now["sql"]["segment"] if r[0] == "keep"] == before["sql"]["segment"]
    assert [r for r in now["sql"]["event"] if r[0] == "keep"] == before["sql"]["event"]
    assert [r for r in now["lance"] if r[0] == "keep"] == before["lance"]


def test_unexpected_error_in_one_video_fails_it_and_the_batch_goes_on(tmp_path, monkeypatch):
    from ingest.screen_text import TextTracker

    bad = make_silent_video(tmp_path / "boom.mp4", 2.0).path
    good = make_silent_video(tmp_path / "fine.mp4", 2.0, texts=[(0.2, 1.8, "FINE")]).path
    real = TextTracker.observe  # generated clips have no game pack: the generic path's text tracks read them
    calls = {"n": 0}

    def picky(self, frame, *a, **kw):  # fail only while ingesting boom.mp4 (the first input)
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("simulated bug in a stage")
        return real(self, frame, *a, **kw)

    monkeypatch.setattr(TextTracker, "observe", picky)
    home = tmp_path / "kb"
    r = gk(home, "ingest", str(bad), str(good))
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "FAIL " + str(bad) + ": unexpected error: RuntimeError: simulated bug in a stage" in r.output
    assert "ok   " + str(good) in r.output
    kb = KnowledgeBase.open(home)
    status = {v.name: (v.status, v.error) for v in kb.videos()}
    assert status["boom"][0] == "failed" and "simulated bug" in status["boom"][1]
    assert status["fine"][0] == "ready"
    assert kb.segment_counts().get(next(v.id for v in kb.videos() if v.name == "boom"), 0) == 0
    # the failed video is redone by the next run
    monkeypatch.setattr(TextTracker, "observe", real)
    r = gk(home, "ingest", str(bad), str(good))
    assert r.exit_code == 0 and "1 ingested, 1 skipped, 0 failed" in r.output


def test_unreadable_file(tmp_path, monkeypatch):
    good = make_silent_video(tmp_path / "ok.mp4", 2.0).path
    locked = make_silent_video(tmp_path / "locked.mp4", 2.0).path
    if os.geteuid() != 0:
        locked.chmod(0)
    else:  # root reads any file: make opening this one fail the way chmod 000 would
        import ingest.pipeline as pipeline

        real = pipeline.sha256_file

        def sha(path, *a, **kw):
            if path.name == "locked.mp4":
                raise PermissionError(13, "Permission denied", str(path))
            return real(path, *a, **kw)

        monkeypatch.setattr(pipeline, "sha256_file", sha)
    r = gk(tmp_path / "kb", "ingest", str(locked), str(good))
    assert r.exit_code == 1
    assert f"FAIL {locked}: not readable (check its permissions)" in r.output
    assert "1 ingested, 0 skipped, 1 failed" in r.output


def test_url_without_yt_dlp_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "yt_dlp", None)  # import yt_dlp -> ImportError, as when not installed
    r = gk(tmp_path / "kb", "ingest", "https://example.com/run.mp4")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "FAIL https://example.com/run.mp4: yt_dlp is not installed; install it with: pip install 'gamekb[url]'" in r.output


def test_url_while_offline_says_so(tmp_path, monkeypatch):
    class YoutubeDL:  # what yt-dlp raises when DNS fails
        def __init__(self, opts):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def extract_info(self, url, download):
            raise Exception("ERROR: [generic] Unable to download webpage: <urlopen error [Errno -3] "
                            "Temporary failure in name resolution> (caused by URLError)")

    monkeypatch.setitem(sys.modules, "yt_dlp", types.SimpleNamespace(YoutubeDL=YoutubeDL))
    good = make_silent_video(tmp_path / "local.mp4", 2.0).path
    r = gk(tmp_path / "kb", "ingest", "https://example.com/run.mp4", str(good))
    assert r.exit_code == 1
    assert "FAIL https://example.com/run.mp4: cannot download: no network connection" in r.output
    assert "1 ingested, 0 skipped, 1 failed" in r.output


@pytest.mark.parametrize("setting", ["fps = 0", "entities_fps = -1", "hud_fps = \"fast\"", "segment_s = 0"])
def test_config_file_with_an_impossible_rate_is_one_clear_line(tmp_path, setting):
    clip = make_silent_video(tmp_path / "fine.mp4", 1.0).path
    config = tmp_path / "gamekb.toml"
    config.write_text(f"[ingest]\n{setting}\n")
    r = gk(tmp_path / "kb", "ingest", str(clip), "--config", str(config))
    name = setting.split(" =")[0]
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    assert f"ingest setting {name} = " in r.output and "must be" in r.output, r.output
    assert not (tmp_path / "kb").exists() or not KnowledgeBase.open(tmp_path / "kb").videos()
