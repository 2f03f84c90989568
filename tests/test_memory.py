"""Bounded memory (issue 4, part 4): frames and audio stream through ingest. The segment builder
keeps frames only until their segment closes and gives exactly the windows the whole-video
segmenter gives; speech is transcribed in overlapping windows and each phrase is kept once.
(bench/memory.py measures peak RSS on long videos: docs/benchmarks.md, "Peak memory".)"""

import pytest

from ingest import pipeline, stream
from ingest import segment as segmenting
from ingest.probe import probe
from kb import registry
from tests.clips import HAVE_ESPEAK, make_clip, make_silent_video
from tests.kbcheck import lite_models  # noqa: F401 (a fixture)


@pytest.fixture(scope="module")
def models(lite_models):
    return lite_models


def test_segments_close_while_frames_stream(tmp_path, models, monkeypatch):
    clip = make_silent_video(tmp_path / "long.mp4", 40.0, size=(160, 90), fps=4,
                             texts=[(5.0, 9.0, "You got the shotgun!"), (21.0, 26.0, "Picked up a stimpack.")])
    held = []
    real_add = stream.SegmentWindows.add

    def add(self, frame):
        real_add(self, frame)
        held.append(len(self.open) + len(self.pending))

    monkeypatch.setattr(stream.SegmentWindows, "add", add)
    info = probe(clip.path)
    cfg = models.config
    analysis = pipeline.analyse(clip.path, info, models, lambda *_: None)
    assert len(held) == 80  # 40 s at 2 fps
    # never more than one segment (plus the sliver margin) of frames held at once
    assert max(held) <= (cfg.segment_s + cfg.min_segment_s) * cfg.fps + 1
    cuts = [e.t_start for e in analysis.events if e.kind == "scene"]
    assert analysis.spans == segmenting.windows(info.duration_s, cuts, cfg.segment_s, cfg.min_segment_s)
    assert [r["idx"] for r in analysis.rows] == list(range(len(analysis.spans)))
    for (a, b), row in zip(analysis.spans, analysis.rows):
        assert a <= row["keyframe_s"] < b and row["keyframe"][:2] == b"\xff\xd8"  # one JPEG per segment


@pytest.mark.skipif(not HAVE_ESPEAK, reason="needs espeak-ng")
def test_speech_in_overlapping_windows_keeps_each_phrase_once(tmp_path):
    # windows [0, 10) and [6, 16): the second line runs across 10 s, the first window's edge
    lines = [(1.0, "grab the shotgun", "gun"), (8.5, "the red key is behind the wall", "wall"),
             (12.5, "watch out for the imps", "imp")]  # Whisper tiny hears "imp." or "imps"
    clip = make_clip(tmp_path / "talk.mp4", 16.0, size=(160, 90), fps=2, speech=[(t, s) for t, s, _ in lines])
    speech = registry.create("speech", "whisper-tiny.en")
    phrases = stream.listen(clip.path, speech, window_s=10.0, overlap_s=4.0)
    text = " ".join(p.text.lower() for p in phrases)
    for t, line, key in lines:
        assert text.count(key) == 1, (key, [(p.t_start, p.text) for p in phrases])
        assert any(abs(p.t_start - t) <= 1.0 and key in p.text.lower() for p in phrases), line
    assert "behind the wall" in text  # the line across the edge is whole, from the second window
    starts = [p.t_start for p in phrases]
    assert starts == sorted(starts)
