"""Entities: IoU tracking and appear/disappear events on planted detections, and the sam3 backend
on a tiny random-weight Sam3Model built from a config (CPU, no downloads)."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.entities import EntityTrack, events, iou, track
from ingest.stages import EntityStage, watch
from ingest.protocols import Detection
from ingest.types import Frame


def D(concept, x, y, w=20, h=20, score=0.9):
    return Detection(concept, (x, y, x + w, y + h), score)


def test_tracks_follow_moving_entities_per_concept():
    times = [0.0, 2.0, 4.0, 6.0, 8.0]
    frames = [
        [D("enemy", 10, 10), D("enemy", 200, 50)],
        [D("enemy", 14, 12), D("enemy", 205, 52), D("health pack", 100, 100, score=0.7)],
        [D("enemy", 18, 14), D("health pack", 101, 100, score=0.8)],  # 2nd enemy missed once
        [D("enemy", 22, 16), D("enemy", 210, 55)],  # ...and found again; health pack gone
        [D("enemy", 400, 300)],  # a new enemy far away, the others gone
    ]
    tracks = track(frames, times)
    assert [(t.concept, t.first_seen, t.last_seen) for t in tracks] == [
        ("enemy", 0.0, 6.0), ("enemy", 0.0, 6.0), ("health pack", 2.0, 4.0), ("enemy", 8.0, 8.0)]
    assert [len(t.boxes) for t in tracks] == [4, 3, 2, 1]
    assert tracks[2].score == pytest.approx(0.8)
    # concepts never merge, even on the same spot
    same_spot = track([[D("enemy", 0, 0)], [D("key card", 0, 0)]], [0.0, 2.0])
    assert len(same_spot) == 2


def test_a_gap_longer_than_max_missed_starts_a_new_track():
    frames = [[D("enemy", 10, 10)], [], [], [D("enemy", 10, 10)]]
    assert len(track(frames, [0, 2, 4, 6], max_missed=1)) == 2
    assert len(track(frames, [0, 2, 4, 6], max_missed=2)) == 1


def test_appear_and_disappear_events():
    tracks = [EntityTrack(1, "enemy", 0.0, 6.0, [(0.0, (0, 0, 5, 5), 0.9), (6.0, (1, 1, 6, 6), 0.8)]),
              EntityTrack(2, "key card", 4.0, 8.0, [(4.0, (9, 9, 12, 12), 0.6), (8.0, (9, 9, 12, 12), 0.7)])]
    evs = events(tracks, end_t=8.0)
    assert [(e.t_start, e.kind, e.label) for e in evs] == [
        (0.0, "appear", "enemy"), (4.0, "appear", "key card"), (6.0, "disappear", "enemy")]
    assert all(e.source == "entity" for e in evs)
    assert evs[0].payload == {"track": 1, "box": [0, 0, 5, 5]} and evs[0].confidence == 0.9
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(1 / 3)
    assert track([], []) == [] and events([]) == []


# ---- SAM3 on a tiny random-weight model ----------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_sam3(tmp_path_factory):
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tests import tiny_models

    torch.set_num_threads(1)
    return tiny_models.sam3(tmp_path_factory.mktemp("sam3"))


def test_sam3_detects_in_batches_and_skips_near_identical_frames(tiny_sam3, monkeypatch):
    from kb.models import registry

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    det = registry.create("entities", "sam3", model=str(tiny_sam3), device="cpu", batch_size=2,
                          threshold=0.0)  # random weights: keep every query so the structure is visible
    rng = np.random.default_rng(0)
    a, b, c = (rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(3))
    a_again = np.clip(a.astype(int) + 1, 0, 255).astype(np.uint8)  # a near-identical frame
    prompts = ["enemy", "health pack", "key card"]
    out = det.detect([a, a_again, b, c], prompts)
    assert len(out) == 4 and det.frames_run == 3  # a_again reused a's result
    assert out[1] == out[0]
    for dets in out:
        assert {d.concept for d in dets} == set(prompts)
        assert len(dets) == 3 * 10  # threshold 0: every query of every prompt
        for d in dets:
            x0, y0, x1, y1 = d.box
            assert 0 <= x0 <= x1 <= 64 and 0 <= y0 <= y1 <= 48 and 0 <= d.score <= 1
    # batching does not change results
    alone = det.detect([c], prompts)[0]
    assert [d.concept for d in alone] == [d.concept for d in out[3]]
    np.testing.assert_allclose([d.score for d in alone], [d.score for d in out[3]], atol=1e-4)
    # several prompts per pass of the detector heads (pairs of image and prompt) give the same
    # detections as one prompt per pass, whatever the split
    for pair_batch in (1, 6):  # 1 or 2 prompts a pass for 3 images
        det.pair_batch = pair_batch
        split = det.detect([a, b, c], prompts)
        for got, want in zip(split, [out[0], out[2], out[3]]):
            assert [d.concept for d in got] == [d.concept for d in want]
            np.testing.assert_allclose([d.box for d in got], [d.box for d in want], atol=1e-3)
            np.testing.assert_allclose([d.score for d in got], [d.score for d in want], atol=1e-4)
    det.pair_batch = 32
    # a real threshold keeps fewer, and the whole stage yields tracks and events
    det.threshold = float(np.median([d.score for d in out[0]]))
    frames = [Frame(t=2.0 * i, image=im) for i, im in enumerate([a, a_again, b, c])]
    found = watch(frames, [EntityStage(det, prompts, fps=0.5)])  # the stage as ingest drives it
    tracks, evs = found.entities, found.events
    assert tracks and all(t.concept in prompts for t in tracks)
    assert {e.kind for e in evs} <= {"appear", "disappear"} and any(e.kind == "appear" for e in evs)
    assert det.detect([], prompts) == [] and det.detect([a], []) == [[]]
