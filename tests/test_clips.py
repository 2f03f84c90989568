"""The clip generators plant what they say they plant."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import av
import numpy as np
import pytest

from tests.clips import (HAVE_ESPEAK, make_audio_only, make_clip, make_not_a_video, make_silent_video,
                         make_truncated, probe, render_frame, synth_speech)

needs_espeak = pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng not installed (apt-get install espeak-ng)")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clips") / "clip.mp4"
    speech = [(1.0, "grab the shotgun")] if HAVE_ESPEAK else []
    return make_clip(path, 3.0, texts=[(1.0, 2.0, "SCORE 1200")], speech=speech, size=(320, 180), fps=10)


def test_clip_has_the_asked_duration_size_and_streams(clip):
    info = probe(clip.path)
    assert info["has_video"] and info["has_audio"]
    assert info["duration_s"] == pytest.approx(3.0, abs=0.1)
    assert (info["width"], info["height"]) == (320, 180)
    assert info["fps"] == pytest.approx(10.0)
    with av.open(str(clip.path)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 30


def test_text_is_drawn_only_while_active_and_background_moves():
    texts = [(1.0, 2.0, "SCORE 1200")]
    before, during = render_frame(0.9, (320, 180), texts), render_frame(1.0, (320, 180), texts)
    band = slice(180 // 2 - 10, 180 // 2 + 10)
    # The text sits on a dark band across the middle with white glyphs in it.
    assert during[band].min() < 20 and during[band].max() > 240
    assert (during[band] > 240).all(axis=-1).sum() > 200
    assert (before[band] > 240).all(axis=-1).sum() == 0
    assert np.abs(render_frame(0.0, (320, 180)).astype(int) - render_frame(0.5, (320, 180)).astype(int)).mean() > 5


@needs_espeak
def test_speech_is_planted_at_the_asked_time(clip):
    (spoken,) = clip.speech
    assert spoken.t_start == 1.0 and 1.3 < spoken.t_end < 3.0
    voice = synth_speech("grab the shotgun")
    assert voice.dtype == np.float32 and abs(voice[0]) > 0.005  # silence trimmed


def test_silent_video_has_no_audio_stream_unless_asked(tmp_path):
    assert not probe(make_silent_video(tmp_path / "a.mp4", 1.0).path)["has_audio"]
    assert probe(make_silent_video(tmp_path / "b.mp4", 1.0, silent_track=True).path)["has_audio"]


@pytest.mark.parametrize("suffix", [".wav", ".m4a"])
def test_audio_only_files(tmp_path, suffix):
    info = probe(make_audio_only(tmp_path / f"a{suffix}", 1.5).path)
    assert info["has_audio"] and not info["has_video"]
    assert info["duration_s"] == pytest.approx(1.5, abs=0.1)


def test_truncated_mp4_loses_its_index(clip, tmp_path):
    cut = make_truncated(clip.path, tmp_path / "cut.mp4")
    assert cut.stat().st_size == clip.path.stat().st_size // 2
    with pytest.raises(av.error.InvalidDataError):
        av.open(str(cut))


def test_truncated_faststart_mp4_keeps_a_decodable_head(tmp_path):
    src = make_clip(tmp_path / "fs.mp4", 2.0, size=(160, 90), faststart=True).path
    with av.open(str(make_truncated(src))) as c:
        assert c.streams.video  # the index survived; only media data at the tail is gone


def test_not_a_video(tmp_path):
    with pytest.raises(av.error.InvalidDataError):
        av.open(str(make_not_a_video(tmp_path / "x.mp4")))
