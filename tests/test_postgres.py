"""PostgreSQL as the SQL store (issue 8): the same alembic revisions, every command, and the same
rows as SQLite. Runs against the server GAMEKB_TEST_PG_URL names (`.ci/start-postgres` starts one
on 127.0.0.1); skipped without it."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timezone

import pytest
import sqlalchemy as sa

from migrations import HEAD
from typer.testing import CliRunner

from cli import app
from kb import sql
from kb.config import Settings
from kb.schema import Video
from kb.store import KnowledgeBase
from tests.conftest import EXCERPT
from tests.kbcheck import ROOT, snapshot
from tests.pg import db_url, fresh_database  # noqa: F401  (db_url: a fixture)

pytestmark = pytest.mark.own_sql_store  # every case names its stores (--db, fresh_database, db_url)
runner = CliRunner()


def test_upgrade_from_the_previous_revision_keeps_rows(tmp_path, db_url):
    engine = sql.make_engine(Settings(home=tmp_path, db_url=db_url).sql_url)
    sql.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO video (name, path, sha256, size_bytes, duration_s, fps, width, height, "
                             "has_audio, status, created_at, updated_at) VALUES ('old', '/v/old.mp4', 'ab', 7, 1.5, "
                             "30, 640, 480, false, 'ready', '2026-01-02 03:04:05', '2026-01-02 03:04:05')"))
    sql.upgrade(engine)
    assert sql.current_revision(engine) == HEAD
    kb = KnowledgeBase(Settings(home=tmp_path, db_url=db_url))
    (old,) = kb.videos()
    assert (old.name, old.size_bytes, old.status) == ("old", 7, "ready")
    assert (old.created_at.replace(tzinfo=None).isoformat(), old.created_at.utcoffset() in (None, timezone.utc.utcoffset(None))) \
        == ("2026-01-02T03:04:05", True)


def test_recordings_over_2_gib_and_aware_timestamps(tmp_path, db_url):
    kb = KnowledgeBase(Settings(home=tmp_path, db_url=db_url))
    video = kb.claim(tmp_path / "long.mkv", "c" * 64, {"size_bytes": 7 * 2**30, "duration_s": 7200.0}, "lite")
    got = kb.video_by_sha("c" * 64)
    assert got.size_bytes == 7 * 2**30 and got.id == video.id
    assert got.updated_at.utcoffset() == timezone.utc.utcoffset(None)


def test_two_machines_migrating_a_new_database_at_once(tmp_path):
    """Processes with no shared file system (separate homes) open one new database together."""
    with fresh_database() as url:
        code = ("import sys; from kb.config import Settings; from kb.store import KnowledgeBase; from pathlib import Path;"
                "KnowledgeBase(Settings(home=Path(sys.argv[1]), db_url=sys.argv[2])); print('ok')")
        procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / f"home{i}"), url], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        assert sql.current_revision(sql.make_engine(url)) == HEAD


def test_advisory_lock_is_shared_and_released_when_its_holder_is_killed(tmp_path):
    with fresh_database() as url:
        engine = sql.make_engine(url)
        holder = subprocess.Popen(
            [sys.executable, "-c", "import sys, time; from kb import sql\n"
             "with sql.advisory_lock(sql.make_engine(sys.argv[1]), 'video-abc') as got:\n"
             "    print(got, flush=True); time.sleep(600)", url],
            cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "True"
            with sql.advisory_lock(engine, "video-abc", blocking=False) as got:
                assert got is False  # held by another process (in production: another machine)
            with sql.advisory_lock(engine, "video-other", blocking=False) as got:
                assert got is True
            holder.send_signal(signal.SIGKILL)
            holder.wait(30)
            deadline = time.time() + 20
            while True:  # the server ends the dead client's session, and with it the lock
                with sql.advisory_lock(engine, "video-abc", blocking=False) as got:
                    if got or time.time() > deadline:
                        break
                time.sleep(0.2)
            assert got is True
        finally:
            holder.kill()
        engine.dispose()


@pytest.fixture(scope="module")
def pg_library(tmp_path_factory):
    """The real excerpt ingested through the CLI into PostgreSQL (`--db`) + local LanceDB."""
    with fresh_database() as url:
        home = tmp_path_factory.mktemp("pgkb")
        r = runner.invoke(app, ["--db", url, "ingest", str(EXCERPT), "--home", str(home), "--json"])
        assert r.exit_code == 0, r.output
        assert os.environ.get("GAMEKB_DB_URL") is None  # --db did not leak into this process
        yield home, url


def gk(lib, *args):
    home, url = lib
    r = runner.invoke(app, [*args, "--home", str(home)], env={"GAMEKB_DB": url})  # the short env name
    assert r.exit_code == 0, r.output
    return r


def test_cli_on_postgres_finds_the_planted_facts(pg_library):
    rows = json.loads(gk(pg_library, "videos", "--json").stdout)
    assert [(r["video"], r["status"]) for r in rows] == [("freedoom_excerpt", "ready")]
    home, url = pg_library
    assert not (home / "gamekb.sqlite").exists()  # every SQL row went to PostgreSQL
    hits = json.loads(gk(pg_library, "search", "angle grinder", "--limit", "5", "--json").stdout)
    assert hits[0]["video"] == "freedoom_excerpt" and abs(hits[0]["start_s"] - 7.77) <= 2
    ev = json.loads(gk(pg_library, "events", "--kind", "pickup", "--json").stdout)
    assert any(e["label"] == "angle grinder" and abs(e["t_start"] - 7.77) <= 1.0 for e in ev)
    assert json.loads(gk(pg_library, "events", "--kind", "pickup' OR 1=1 --", "--json").stdout) == []
    out = json.loads(gk(pg_library, "ask", "when did I get the angle grinder?", "--json").stdout)
    assert any(c["video"] == "freedoom_excerpt" and abs(c["start_s"] - 7.77) <= 2 for c in out["citations"])
    assert "ok" in gk(pg_library, "doctor").stdout
    r = gk(pg_library, "ingest", str(EXCERPT))
    assert "already ingested as freedoom_excerpt" in r.output


def test_postgres_holds_exactly_the_rows_sqlite_holds(pg_library, library, monkeypatch):
    sqlite_rows = snapshot(library)
    monkeypatch.setenv("GAMEKB_DB_URL", pg_library[1])
    pg_rows = snapshot(pg_library[0])

    def only_excerpt(snap):
        return {"sql": {t: [r for r in rows if r[0] == "freedoom_excerpt"] for t, rows in snap["sql"].items()},
                "lance": [r for r in snap["lance"] if r[0] == "freedoom_excerpt"]}

    assert only_excerpt(pg_rows) == only_excerpt(sqlite_rows)
    assert only_excerpt(pg_rows)["sql"]["event"]
