"""Decoding (ingest/decode.py): frames sampled on the same grid, upright as a player shows them, at
most MAX_SIDE, and the decodable head of a damaged file kept. PyAV is the default; decord is a
backend chosen by name (`[ingest] decode = "decord"`), tested here against PyAV and ffmpeg where it
is installed (`pip install 'gamekb[decord]'`: a py3 manylinux2010 x86-64 wheel; CI installs it
when it can and goes on without it)."""

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from ingest import decode
from ingest.probe import probe
from kb.config import IngestConfig
from kb.errors import GamekbError, MissingDependency
from tests.clips import make_clip, make_silent_video, make_truncated

DATA = Path(__file__).parent / "data"
CLIPS = ["freedoom_excerpt.mp4", "hedgewars_excerpt.mp4", "redeclipse_excerpt.mp4"]
FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg command is not installed (.ci/run installs it)")


def decord_or_skip():
    return pytest.importorskip("decord", reason="decord is not installed: pip install 'gamekb[decord]'")


def sample(path, backend, fps=2.0, rotation=0):
    return list(decode.sample_frames(Path(path), fps, backend, rotation))


def ffmpeg_frames(path: Path, width: int, height: int, n: int) -> np.ndarray:
    """The first `n` frames as ffmpeg shows them (its autorotate applied), RGB, (n, h, w, 3)."""
    raw = subprocess.run([FFMPEG, "-loglevel", "error", "-i", str(path), "-frames:v", str(n), "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def with_display_matrix(src: Path, dst: Path, angle: int) -> Path:
    """A copy of `src` whose display matrix turns it by `angle` degrees (phone recordings).

    ffmpeg 5 writes the matrix from the `rotate` tag, ffmpeg 6+ from `-display_rotation`."""
    subprocess.run([FFMPEG, "-loglevel", "error", "-y", "-i", str(src), "-c", "copy",
                    "-metadata:s:v:0", f"rotate={angle}", str(dst)], check=True)
    if not probe(dst).rotation:
        subprocess.run([FFMPEG, "-loglevel", "error", "-y", "-display_rotation", str(angle), "-i", str(src),
                        "-c", "copy", str(dst)], check=True)
    if not probe(dst).rotation:
        pytest.skip("this ffmpeg writes no display matrix")
    return dst


@pytest.fixture(scope="module")
def flat(tmp_path_factory):
    """2 s, 10 fps, 320x180, text in the top-left corner, so a wrong turn shows."""
    d = tmp_path_factory.mktemp("decode")
    return make_silent_video(d / "flat.mp4", 2.0, texts=[(0.0, 2.0, "TOP LEFT")], size=(320, 180)).path


@pytest.fixture(scope="module")
def rotated(flat):
    if FFMPEG is None:
        pytest.skip("the ffmpeg command is not installed")
    return {angle: with_display_matrix(flat, flat.with_name(f"turned{angle}.mp4"), angle) for angle in (90, 180, 270)}


# --- PyAV, the default ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", CLIPS)
def test_pyav_samples_on_the_grid(name):
    frames = sample(DATA / name, "pyav")
    times = [f.t for f in frames]
    assert times[0] == 0.0 and times == sorted(times)
    # one sample per half second: a sample lands on the next reference frame, < 0.1 s late
    assert all(k * 0.5 <= t < k * 0.5 + 0.1 for k, t in enumerate(times)), times


@needs_ffmpeg
@pytest.mark.parametrize("angle", [90, 180, 270])
def test_pyav_turns_a_rotated_video_as_ffmpeg_shows_it(rotated, angle):
    path = rotated[angle]
    info = probe(path)
    frame = sample(path, "pyav", rotation=info.rotation)[0].image
    h, w = frame.shape[:2]
    assert (w, h) == ((180, 320) if angle in (90, 270) else (320, 180))
    shown = ffmpeg_frames(path, w, h, 1)[0]
    assert np.abs(frame.astype(int) - shown).mean() < 1.0


def test_unknown_backend_lists_the_choices():
    with pytest.raises(GamekbError, match="unknown decode backend 'opencv'; choose one of: pyav, decord"):
        decode.sample_frames(DATA / CLIPS[0], 2.0, "opencv")


def test_decode_setting_is_checked():
    assert IngestConfig().decode == "pyav"
    assert IngestConfig(decode="decord").decode == "decord"
    with pytest.raises(GamekbError, match="decode = 'opencv': choose pyav or decord"):
        IngestConfig(decode="opencv")


# --- decord, where it is installed ----------------------------------------------------------------


def test_decord_missing_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "decord", None)  # `import decord` now raises ImportError
    # raised when the backend is chosen, before any frame is asked for
    with pytest.raises(MissingDependency, match=r"decord is not installed; install it with: pip install 'gamekb\[decord\]'"):
        decode.sample_frames(DATA / CLIPS[0], 2.0, "decord")


def test_ingest_asking_for_missing_decord_is_one_clear_line(monkeypatch, tmp_path, flat):
    from cli import app

    monkeypatch.setitem(sys.modules, "decord", None)
    config = tmp_path / "gamekb.toml"
    config.write_text('[ingest]\ndecode = "decord"\n')
    r = CliRunner().invoke(app, ["ingest", str(flat), "--config", str(config), "--home", str(tmp_path / "kb")])
    assert r.exit_code != 0 and "Traceback" not in r.output, r.output
    assert "pip install 'gamekb[decord]'" in r.output, r.output


@pytest.mark.parametrize("name", CLIPS)
def test_decord_samples_what_pyav_samples(name):
    decord_or_skip()
    ours, theirs = sample(DATA / name, "decord"), sample(DATA / name, "pyav")
    assert len(ours) == len(theirs) > 0
    # PyAV skips frames nothing refers to, so its sample can be the next reference frame: a frame or
    # two later (0.03-0.04 s on these clips); decord's is the first frame on the grid.
    for a, b in zip(ours, theirs):
        assert a.t <= b.t + 1e-3 and b.t - a.t < 0.1, (a.t, b.t)
        assert a.image.shape == b.image.shape and a.image.dtype == np.uint8
    same = [np.abs(a.image.astype(int) - b.image.astype(int)).mean() < 0.5 for a, b in zip(ours, theirs) if abs(a.t - b.t) < 1e-3]
    assert len(same) >= len(ours) // 2 and all(same)  # the same frame decodes to the same pixels


def test_decord_fits_large_frames_like_pyav(monkeypatch):
    decord_or_skip()
    monkeypatch.setattr(decode, "MAX_SIDE", 320)
    ours, theirs = sample(DATA / "hedgewars_excerpt.mp4", "decord"), sample(DATA / "hedgewars_excerpt.mp4", "pyav")
    assert {f.image.shape for f in ours} == {f.image.shape for f in theirs} == {(180, 320, 3)}


@needs_ffmpeg
@pytest.mark.parametrize("angle", [90, 180, 270])
def test_decord_turns_a_rotated_video_as_ffmpeg_shows_it(rotated, angle):
    decord_or_skip()
    path = rotated[angle]
    frame = sample(path, "decord", rotation=probe(path).rotation)[0].image
    h, w = frame.shape[:2]
    shown = ffmpeg_frames(path, w, h, 1)[0]
    assert np.abs(frame.astype(int) - shown).mean() < 1.0


@needs_ffmpeg
def test_decord_counts_time_as_pyav_does_when_the_stream_starts_late(flat):
    decord_or_skip()
    late = flat.with_name("late.mp4")
    subprocess.run([FFMPEG, "-loglevel", "error", "-y", "-i", str(flat), "-c", "copy", "-output_ts_offset", "1.5",
                    str(late)], check=True)
    theirs = [round(f.t, 3) for f in sample(late, "pyav")]
    assert theirs[0] == 1.5
    assert [round(f.t, 3) for f in sample(late, "decord")] == theirs


@pytest.mark.parametrize("size, says", [
    ((640, 360), "cut.mp4: decoding stopped at 2.0 s"),  # decord opens it, decodes the head, stops at the damage
    # here the cut falls so that decord, which indexes every packet when it opens a file, refuses it:
    # PyAV takes it over
    ((320, 180), "cut.mp4: decord cannot open it (Error: av_read_frame failed"),
])
def test_decord_keeps_the_head_of_a_truncated_file_and_says_where_it_stopped(tmp_path, caplog, size, says):
    decord_or_skip()
    whole = make_clip(tmp_path / "whole.mp4", 4.0, size=size, audio=False, faststart=True).path
    cut = make_truncated(whole, tmp_path / "cut.mp4")
    theirs = [f.t for f in sample(cut, "pyav")]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ingest.decode"):
        ours = [f.t for f in sample(cut, "decord")]
    assert ours == pytest.approx(theirs, abs=1e-3) and 0 < len(ours) < 8
    assert any(says in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]


def test_ingest_with_decord_from_the_config_file(tmp_path):
    """Reachable from configuration: `[ingest] decode = "decord"` ingests with decord."""
    decord_or_skip()
    import json

    from cli import app

    clip = make_silent_video(tmp_path / "run.mp4", 3.0, size=(320, 180)).path
    config = tmp_path / "gamekb.toml"
    config.write_text('[ingest]\ndecode = "decord"\ngame = "generic"\n')
    calls = []
    real = decode._decord

    def spy(*args):
        calls.append(args[1])
        return real(*args)

    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(decode, "_decord", spy)  # records the call; the real backend decodes
        r = runner.invoke(app, ["ingest", str(clip), "--config", str(config), "--home", str(tmp_path / "kb")])
    assert r.exit_code == 0, r.output
    assert len(calls) == 1  # one video, decoded by decord
    r = runner.invoke(app, ["videos", "--json", "--home", str(tmp_path / "kb")])
    (video,) = json.loads(r.output)
    assert video["video"] == "run" and video["status"] == "ready" and 2.9 <= video["duration_s"] <= 3.1, video
