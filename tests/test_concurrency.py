"""Concurrent use (issue 4, part 5), with real processes: two `gamekb ingest` runs on one library at
once (sharing a file), and searches while ingesting. Per-video locks (files, or PostgreSQL advisory
locks) decide who ingests what; SQLite WAL (or PostgreSQL) and one LanceDB writer lock keep both
stores whole; no row is ever doubled."""

import time

import pytest

from ingest import pipeline
from ingest.sources import Source
from kb.doctor import check
from kb.store import KnowledgeBase
from retrieval.search import search
from tests.clips import make_silent_video
from tests.kbcheck import copy_home, lite_models, snapshot, start_gamekb  # noqa: F401 (a fixture)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("clips")
    return [make_silent_video(d / f"{name}.mp4", 3.0, texts=[(0.2, 2.8, text)], size=(320, 180)).path
            for name, text in (("alpha", "You got the shotgun!"), ("bravo", "You got the chaingun!"),
                               ("charlie", "Picked up a stimpack."))]


@pytest.fixture(scope="module")
def clean(tmp_path_factory, clips, lite_models):
    """alpha, bravo and charlie ingested one after another, in one process."""
    home = tmp_path_factory.mktemp("clean")
    kb = KnowledgeBase.open(home)
    models = lite_models
    assert [pipeline.ingest_source(kb, Source(str(p), path=p), models).status for p in clips] == ["ingested"] * 3
    return home


def test_two_ingests_at_once_and_searches_meanwhile(tmp_path, clips, clean):
    home = tmp_path / "kb"
    copy_home(clean, home)  # start from a library holding alpha only
    kb = KnowledgeBase.open(home)
    alpha = next(v for v in kb.videos() if v.name == "alpha")
    for v in kb.videos():
        if v.id != alpha.id:
            kb.discard_partial(v.id)
            with kb.session() as s:
                s.delete(s.get(type(v), v.id))
                s.commit()
    first = start_gamekb("ingest", str(clips[1]), str(clips[2]), "--home", str(home), "--json")
    second = start_gamekb("ingest", str(clips[2]), str(clips[1]), str(clips[0]), "--home", str(home), "--json")
    searches = 0
    while first.poll() is None or second.poll() is None:
        ready = {v.name for v in kb.videos(status="ready")}
        hits = {m.video for m in search(kb, "picked up got", limit=20)}
        events = {v.name for _, v in kb.events()}
        now_ready = {v.name for v in kb.videos(status="ready")}
        assert "alpha" in hits and "alpha" in events
        assert hits <= now_ready and events <= now_ready and ready <= now_ready
        searches += 1
        time.sleep(0.05)
    out1, err1 = first.communicate()
    out2, err2 = second.communicate()
    assert first.returncode == 0 and second.returncode == 0, (err1, err2)
    assert searches >= 3
    import json

    outcomes = json.loads(out1) + json.loads(out2)
    ingested = sorted(o["video"] for o in outcomes if o["status"] == "ingested")
    assert ingested == ["bravo", "charlie"]  # each exactly once, whichever process got it
    assert snapshot(home) == snapshot(clean)
    assert check(KnowledgeBase.open(home)) == []
