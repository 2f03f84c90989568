"""Disk use that stays near the live data as a library grows (issue 14, part 1).

Before: every commit's optimize() rewrote all rows into a new file and every old version was kept,
so the table's folder grew with the square of the library (200 clips: 202 MB for 1.9 MB of rows).
Now small fragments are merged in tiers and replaced versions are removed as part of every commit:
at once when no query is running, else once replaced more than a grace period ago, so a query on
a version just replaced still reads it; `gamekb doctor` reports dead space and --repair reclaims it.
"""

import os

import lance
import numpy as np
import pytest

from kb.lance import SegmentRow
from kb.schema import Event, Segment
from kb.store import KnowledgeBase, VideoRecords
from tests.kbcheck import gk, snapshot

KEYFRAME = 20_000  # bytes of (incompressible) keyframe per row: the table's bulk, as real JPEGs are


def _du(path) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def _commit(kb: KnowledgeBase, i: int, rng, sha: str | None = None, keyframe: int = KEYFRAME) -> int:
    video = kb.claim(kb.settings.home / f"clip{i}.mp4", sha or f"{i:064x}", {"duration_s": 2.0}, "lite")
    row = SegmentRow(idx=0, start_s=0.0, end_s=2.0, keyframe_s=1.0, text=f"picked up the shotgun word{i}x",
                     keyframe=rng.bytes(keyframe), text_vec=rng.random(4).astype("float32").tolist())
    kb.commit_video(video.id, VideoRecords(segments=[Segment(idx=0, start_s=0, end_s=2, keyframe_s=1)],
                                           events=[Event(t_start=0, t_end=1, kind="pickup", label="shotgun", source="ocr")],
                                           rows=[row], manifest={"text_vec": {"model": "m1", "dim": 4}}),
                    {"profile": "lite"})
    return video.id


def _lance_dir(home) -> str:
    return str(home / "lance" / "segments.lance")


def test_disk_stays_within_twice_the_live_rows_and_versions_stay_bounded(tmp_path):
    kb = KnowledgeBase.open(tmp_path)  # no query runs meanwhile: replaced versions go at once
    rng = np.random.default_rng(0)
    n = 40
    for i in range(n):
        _commit(kb, i, rng)
        table = kb.segments.table
        live = table.stats()["total_bytes"]  # the rows' data files, as LanceDB counts them
        assert _du(_lance_dir(tmp_path)) <= 2 * live, f"after {i + 1} videos: {_du(_lance_dir(tmp_path))} bytes on disk for {live} of rows"
        assert len(table.list_versions()) <= 3, f"after {i + 1} videos: {len(table.list_versions())} versions kept"
    assert table.count_rows() == n
    assert len(table.to_lance().get_fragments()) <= 16  # merged in tiers, not one fragment per video
    for i in (0, 17, n - 1):  # every row still found through the merged fragments and index deltas
        assert [r.video_id for r in kb.segments.fts(f"word{i}x", None, 5)] == [i + 1]


def test_a_query_running_on_a_replaced_version_still_reads_it(tmp_path):
    """A query (in another process; here another KnowledgeBase) that opened the latest version just
    before a writer replaced it, and merged the fragments it reads, must still read all of it."""
    kb = KnowledgeBase.open(tmp_path)
    rng = np.random.default_rng(1)
    for i in range(5):
        _commit(kb, i, rng)
    other = KnowledgeBase.open(tmp_path)
    with other.segments.reading():  # a query in flight: it has read this manifest
        reader = lance.dataset(_lance_dir(tmp_path))
        before = reader.to_table(columns=["video_id", "keyframe"])
        for i in range(5, 30):  # fragments merged (8 at a time), replaced versions cleaned after each commit
            _commit(kb, i, rng)
        latest = {f.fragment_id for f in kb.segments.table.to_lance().get_fragments()}
        assert not latest & {f.fragment_id for f in reader.get_fragments()}  # the reader's fragments were merged away
        assert reader.to_table(columns=["video_id", "keyframe"]).equals(before)
    _commit(kb, 30, rng)  # the query has ended: the next commit removes every replaced version
    assert len(kb.segments.table.list_versions()) <= 2


def test_doctor_reports_dead_space_and_repair_reclaims_it(tmp_path, monkeypatch):
    home = tmp_path / "kb"
    monkeypatch.setenv("GAMEKB_LANCE_GRACE_S", "3600")  # versions kept, as the old code kept them
    kb = KnowledgeBase.open(home)
    rng = np.random.default_rng(2)
    with KnowledgeBase.open(home).segments.reading():  # a query running all along
        for round_ in range(6):  # the same 10 videos committed again and again (ingest --force)
            for i in range(10):
                _commit(kb, i, rng)
    assert gk(home, "doctor").exit_code == 0  # what readers may still use is not dead space
    monkeypatch.setenv("GAMEKB_LANCE_GRACE_S", "0")
    rows_before = snapshot(home)
    r = gk(home, "doctor")
    assert r.exit_code == 1 and "dead-space" in r.output and "MB of old versions" in r.output, r.output
    live = kb.segments.table.stats()["total_bytes"]
    assert _du(_lance_dir(home)) > 3 * live
    r = gk(home, "doctor", "--repair")
    assert r.exit_code == 0 and "fixed dead-space" in r.output and "freed" in r.output, r.output
    assert _du(_lance_dir(home)) <= 2 * live
    assert snapshot(home) == rows_before  # nothing live was touched
    assert gk(home, "doctor").output.strip() == "ok: both stores agree"

