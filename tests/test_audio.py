"""ingest.audio on generated clips: lengths, streaming, no audio, damaged and bad files."""

from __future__ import annotations

import logging
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pytest

from ingest.audio import has_audio, iter_audio, load_audio
from kb.errors import BadInput
from tests.clips import (HAVE_ESPEAK, make_audio_only, make_clip, make_not_a_video, make_silent_video,
                         make_truncated)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    # A tone burst from 1.0 to 1.5 s marks a known instant without needing espeak-ng.
    path = tmp_path_factory.mktemp("audio") / "clip.mp4"
    return make_clip(path, 3.0, size=(160, 90), fps=5, faststart=True)


@pytest.fixture(scope="module")
def tone_clip(tmp_path_factory):
    import av
    from fractions import Fraction

    path = tmp_path_factory.mktemp("audio") / "tone.m4a"
    rate = 44100
    t = np.arange(int(3.0 * rate)) / rate
    track = np.where((t >= 1.0) & (t < 1.5), 0.5 * np.sin(2 * np.pi * 440 * t), 0.0).astype(np.float32)
    stereo = np.stack([track, track])
    with av.open(str(path), "w", format="ipod") as out:
        s = out.add_stream("aac", rate=rate, layout="stereo")
        s.time_base = Fraction(1, rate)
        for i in range(0, track.size, 1024):
            f = av.AudioFrame.from_ndarray(np.ascontiguousarray(stereo[:, i:i + 1024]), format="fltp", layout="stereo")
            f.sample_rate, f.pts = rate, i
            out.mux(s.encode(f))
        out.mux(s.encode(None))
    return path


def test_load_audio_is_mono_float32_of_the_clip_length(clip):
    audio = load_audio(clip.path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert audio.size / 16000 == pytest.approx(3.0, abs=0.1)
    assert load_audio(clip.path, sample_rate=8000).size / 8000 == pytest.approx(3.0, abs=0.1)


def test_stereo_44k_is_resampled_and_time_aligned(tone_clip):
    audio = load_audio(tone_clip)
    loud = np.flatnonzero(np.abs(audio) > 0.1)
    assert loud[0] / 16000 == pytest.approx(1.0, abs=0.02)
    assert loud[-1] / 16000 == pytest.approx(1.5, abs=0.02)
    assert np.abs(audio).max() == pytest.approx(0.5, abs=0.05)  # mono downmix keeps the level


def test_iter_audio_chunks_add_up_to_load_audio(tone_clip):
    chunks = list(iter_audio(tone_clip, chunk_s=1.0))
    assert [round(o, 3) for o, _ in chunks] == [0.0, 1.0, 2.0, 3.0][:len(chunks)]
    assert all(c.size == 16000 for _, c in chunks[:-1]) and 0 < chunks[-1][1].size <= 16000
    np.testing.assert_array_equal(np.concatenate([c for _, c in chunks]), load_audio(tone_clip))


def test_video_without_audio_gives_empty(tmp_path):
    path = make_silent_video(tmp_path / "silent.mp4", 1.0, size=(160, 90)).path
    assert not has_audio(path)
    audio = load_audio(path)
    assert audio.dtype == np.float32 and audio.size == 0
    assert list(iter_audio(path)) == []


@pytest.mark.parametrize("suffix", [".wav", ".m4a"])
def test_audio_only_files(tmp_path, suffix):
    path = make_audio_only(tmp_path / f"a{suffix}", 1.5).path
    assert has_audio(path)
    assert load_audio(path).size / 16000 == pytest.approx(1.5, abs=0.1)


def test_truncated_with_index_returns_the_head_and_warns(clip, tmp_path, caplog):
    cut = make_truncated(clip.path, tmp_path / "cut.mp4")
    with caplog.at_level(logging.WARNING, logger="ingest.audio"):
        audio = load_audio(cut)
    assert 0 < audio.size < load_audio(clip.path).size
    assert any("truncated" in r.message or "decoding stopped" in r.message for r in caplog.records)


@pytest.mark.parametrize("make", [
    lambda d: make_truncated(make_clip(d / "c.mp4", 2.0, size=(160, 90)).path),  # index lost
    lambda d: make_not_a_video(d / "x.mp4"),
    lambda d: d / "missing.mp4",
])
def test_unreadable_files_raise_bad_input(tmp_path, make):
    path = make(tmp_path)
    with pytest.raises(BadInput):
        load_audio(path)
    with pytest.raises(BadInput):
        has_audio(path)


def test_iter_audio_rejects_bad_chunk(clip):
    with pytest.raises(ValueError):
        list(iter_audio(clip.path, chunk_s=0))


@pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng not installed")
def test_planted_speech_onset_survives_aac(tmp_path):
    c = make_clip(tmp_path / "s.mp4", 3.0, speech=[(1.2, "hello there")], size=(160, 90), fps=5)
    audio = load_audio(c.path)
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    assert loud[0] / 16000 == pytest.approx(1.2, abs=0.03)
