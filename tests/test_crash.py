"""Crash safety across SQL + LanceDB (issue 4, part 2).

A crash is injected at every named point of ingest (kb.store.CRASH_POINTS: stage boundaries and
inside each write). Afterwards nothing of the crashed video is visible, the video ingested before it
is untouched, and a rerun leaves exactly the rows a clean ingest leaves in both stores. The sweep
crashes in-process (the exit hook raises instead of exiting: sessions roll back and locks free as
they would when the OS ends a process); real processes are ended with os._exit and with SIGKILL.
"""

import signal
import time

import pytest

import kb.store as store
from ingest import pipeline
from ingest.sources import Source
from kb.store import CRASH_POINTS, KnowledgeBase
from tests.clips import make_silent_video
from tests.conftest import EXCERPT
from tests.kbcheck import copy_home, gamekb, lite_models, snapshot, start_gamekb, visible  # noqa: F401 (a fixture)


class SimulatedCrash(BaseException):
    """Not an Exception: nothing in the pipeline may catch it, as nothing can catch kill -9."""


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("clips")
    first = make_silent_video(d / "first.mp4", 3.0, texts=[(0.5, 2.5, "SCORE 1200")], size=(320, 180))
    second = make_silent_video(d / "second run.mp4", 4.0, texts=[(1.0, 3.5, "GRAB THE SHOTGUN")], size=(320, 180))
    return first.path, second.path


@pytest.fixture(scope="module")
def models(lite_models):
    return lite_models


def ingest(home, paths, models, force=False):
    kb = KnowledgeBase.open(home)
    return [pipeline.ingest_source(kb, Source(str(p), path=p), models, force=force) for p in paths]


@pytest.fixture(scope="module")
def libraries(tmp_path_factory, clips, models):
    """`before`: only the first clip; `clean`: both clips, ingested without a crash."""
    before = tmp_path_factory.mktemp("before")
    assert [o.status for o in ingest(before, clips[:1], models)] == ["ingested"]
    clean = tmp_path_factory.mktemp("clean")
    copy_home(before, clean)
    assert [o.status for o in ingest(clean, clips[1:], models)] == ["ingested"]
    return before, snapshot(before), snapshot(clean)


def _raise(_code):
    raise SimulatedCrash()


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_crash_at_each_point_leaves_nothing_half_visible_and_rerun_repairs(point, tmp_path, monkeypatch, clips,
                                                                          models, libraries):
    before, before_rows, clean_rows = libraries
    home = tmp_path / "kb"
    copy_home(before, home)
    monkeypatch.setattr(store, "_exit", _raise)
    monkeypatch.setenv("GAMEKB_FAULT", point)
    with pytest.raises(SimulatedCrash):
        ingest(home, clips[1:], models)
    monkeypatch.delenv("GAMEKB_FAULT")

    seen = visible(home)
    if point == "sql-commit":  # the crash came after the commit: the video is complete
        assert seen["ready"] == {"first", "second run"}
        assert snapshot(home) == clean_rows
    else:
        assert seen == {"ready": {"first"}, "search": {"first"}, "events": {"first"}}
        rows = snapshot(home)
        assert rows["sql"]["segment"] == before_rows["sql"]["segment"]
        assert rows["sql"]["event"] == before_rows["sql"]["event"]
        assert [r for r in rows["lance"] if r[0] == "first"] == before_rows["lance"]

    again = ingest(home, clips, models)
    assert [o.status for o in again] == ["skipped", "skipped" if point == "sql-commit" else "ingested"]
    assert snapshot(home) == clean_rows
    from kb.doctor import check

    assert check(KnowledgeBase.open(home)) == []


def test_real_process_exit_between_lance_append_and_sql_commit(tmp_path, clips, models, libraries):
    """os._exit in a real `gamekb ingest` process right after its LanceDB append: the rows are there
    but the video is not ready, so nothing shows; doctor names it; the rerun leaves one copy of each row."""
    from kb.doctor import check

    before, _, clean_rows = libraries
    home = tmp_path / "kb"
    copy_home(before, home)
    r = gamekb("ingest", str(clips[1]), "--home", str(home), env={"GAMEKB_FAULT": "lance-add"})
    assert r.returncode == 86, r.stderr
    assert visible(home) == {"ready": {"first"}, "search": {"first"}, "events": {"first"}}
    assert {f.check for f in check(KnowledgeBase.open(home))} == {"stale-ingesting", "lance-orphan"}
    assert [o.status for o in ingest(home, clips, models)] == ["skipped", "ingested"]
    assert snapshot(home) == clean_rows


def test_kill_9_during_ingest_of_real_clip(tmp_path, models):
    """SIGKILL a real ingest of the Freedoom excerpt mid-analysis; the rerun gives a clean run's rows."""
    clean = tmp_path / "clean"
    assert [o.status for o in ingest(clean, [EXCERPT], models)] == ["ingested"]
    home = tmp_path / "kb"
    proc = start_gamekb("ingest", str(EXCERPT), "--home", str(home))
    deadline = time.time() + 60
    while time.time() < deadline:  # wait until the video is claimed, i.e. analysis is running
        if home.exists() and any(v.status == "ingesting" for v in KnowledgeBase.open(home).videos()):
            break
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert visible(home)["ready"] == set()
    out = ingest(home, [EXCERPT], models)
    assert [o.status for o in out] == ["ingested"], out
    assert snapshot(home) == snapshot(clean)
