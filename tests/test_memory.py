"""Bounded memory (issue 4, part 4): frames and audio stream through ingest. The segment builder
keeps frames only until their segment closes and gives exactly the windows the whole-video
segmenter gives; speech is transcribed in overlapping windows and each phrase is kept once.
(bench/memory.py measures peak RSS on long videos: docs/benchmarks.md, "Peak memory".)"""

import re

import pytest

from ingest import pipeline, stream
from ingest import segment as segmenting
from ingest.probe import probe
from kb.models import registry
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
    assert [r.idx for r in analysis.rows] == list(range(len(analysis.spans)))
    for (a, b), row in zip(analysis.spans, analysis.rows):
        assert a <= row.keyframe_s < b and row.keyframe[:2] == b"\xff\xd8"  # one JPEG per segment


def _stems(text: str) -> list[str]:
    """The words that carry a line, as stems: a misheard plural ("imp" for "imps") or a dropped
    article does not change them, and "the", "is", "for" are not among them."""
    return [w[:-1] if w.endswith("s") and len(w) > 3 else w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 3
            and w not in {"the", "for", "and", "out"}]


@pytest.mark.skipif(not HAVE_ESPEAK, reason="needs espeak-ng")
def test_speech_in_overlapping_windows_keeps_each_phrase_once(tmp_path):
    """What is robust about recognised speech: each line is kept once, at its time. Not its exact
    words: Whisper heard "imps" as "imp" with another espeak-ng voice (issue 14), so each line is
    found by its stems, and one of them may be misheard."""
    # windows [0, 10) and [6, 16): the second line runs across 10 s, the first window's edge
    lines = [(1.0, "grab the shotgun"), (8.5, "the red key is behind the wall"), (12.5, "watch out for the imps")]
    clip = make_clip(tmp_path / "talk.mp4", 16.0, size=(160, 90), fps=2, speech=lines)
    speech = registry.create("speech", "whisper-tiny.en")
    phrases = stream.listen(clip.path, speech, window_s=10.0, overlap_s=4.0)
    heard = _stems(" ".join(p.text for p in phrases))
    said = [(p.t_start, p.text) for p in phrases]
    for t, line in lines:
        stems = _stems(line)
        assert all(heard.count(w) <= 1 for w in stems), (line, said)  # never twice: no window repeats it
        assert sum(heard.count(w) for w in stems) >= len(stems) - 1, (line, said)  # once, at most a word misheard
        assert any(abs(p.t_start - t) <= 1.0 and set(stems) & set(_stems(p.text)) for p in phrases), (line, said)
    starts = [p.t_start for p in phrases]
    assert starts == sorted(starts)
