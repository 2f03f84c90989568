"""`gamekb doctor` (issue 4, part 2): finds every way the two stores can disagree, repairs it with
--repair without touching healthy videos, and leaves running ingests alone."""

import json

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from cli import app
from kb.schema import Segment, Video
from kb.store import KnowledgeBase
from tests.clips import make_silent_video
from tests.kbcheck import copy_home, snapshot

runner = CliRunner()


def gk(home, *args):
    result = runner.invoke(app, [*args, "--home", str(home)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    d = tmp_path_factory.mktemp("clips")
    paths = [make_silent_video(d / f"{n}.mp4", 2.0, texts=[(0.2, 1.8, t)]).path for n, t in (
        ("healthy", "You got the shotgun!"), ("doubled", "Picked up a stimpack."), ("lost", "You got the chaingun!"),
        ("stale", "Picked up a clip."))]
    home = tmp_path_factory.mktemp("kb")
    assert gk(home, "ingest", *map(str, paths)).exit_code == 0
    return home, paths


def _set_status(kb, vid, status):
    with kb.session() as s:
        v = s.get(Video, vid)
        v.status = status
        s.add(v)
        s.commit()


def test_doctor_finds_and_repairs_every_inconsistency(clean, tmp_path):
    src, paths = clean
    assert gk(src, "doctor").output.strip() == "ok: both stores agree"
    home = tmp_path / "kb"
    copy_home(src, home)
    kb = KnowledgeBase.open(home)
    ids = {v.name: v.id for v in kb.videos()}
    table = kb.segments.table
    rows = table.search().where(f"video_id = {ids['doubled']}").limit(None).to_list()
    clean_rows = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    table.add(clean_rows)  # duplicates of a ready video
    table.add([{**r, "video_id": 999} for r in clean_rows])  # rows of a video SQL does not know
    kb.segments.delete_video(ids["lost"])  # a ready video without Lance rows
    _set_status(kb, ids["stale"], "ingesting")  # a dead process's claim, its rows left in both stores
    for idx in table.list_indices():
        table.drop_index(idx.name)

    r = gk(home, "doctor", "--json")
    assert r.exit_code == 1
    report = json.loads(r.output)
    found = {(p["check"], p["video"]) for p in report["problems"]}
    assert found == {("lance-duplicates", "doubled"), ("lance-orphan", None), ("missing-lance-rows", "lost"),
                     ("stale-ingesting", "stale"), ("lance-orphan", "stale"), ("missing-fts", None)}, found
    assert not report["ok"] and not any(p["repaired"] for p in report["problems"])

    healthy_before = [r for r in snapshot(home)["lance"] if r[0] == "healthy"]
    r = gk(home, "doctor", "--repair")
    assert r.exit_code == 0 and "problems repaired" in r.output and "doubled" in r.output
    r = gk(home, "doctor")
    assert r.exit_code == 0 and "ok" in r.output
    status = {v.name: v.status for v in KnowledgeBase.open(home).videos()}
    assert status == {"healthy": "ready", "doubled": "pending", "lost": "pending", "stale": "pending"}
    assert [r for r in snapshot(home)["lance"] if r[0] == "healthy"] == healthy_before
    assert {h["video"] for h in json.loads(gk(home, "search", "picked up got", "--json").output)} == {"healthy"}

    r = gk(home, "ingest", *map(str, paths), "--json")  # the next ingest redoes exactly the reset videos
    assert sorted(o["video"] for o in json.loads(r.output) if o["status"] == "ingested") == ["doubled", "lost", "stale"]
    assert snapshot(home) == snapshot(src)
    assert gk(home, "doctor").exit_code == 0


def test_doctor_leaves_a_running_ingest_alone(clean, tmp_path):
    src, _ = clean
    home = tmp_path / "kb"
    copy_home(src, home)
    kb = KnowledgeBase.open(home)
    v = next(v for v in kb.videos() if v.name == "stale")
    _set_status(kb, v.id, "ingesting")
    with kb.video_lock(v.sha256) as mine:  # as a live `gamekb ingest` holds it
        assert mine
        r = gk(home, "doctor", "--repair", "--json")
        assert json.loads(r.output)["problems"] == []
    with kb.session() as s:
        assert s.get(Video, v.id).status == "ingesting"
        assert s.exec(select(Segment).where(Segment.video_id == v.id)).first() is not None
