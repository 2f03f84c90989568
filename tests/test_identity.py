"""Identity and resumability (issue 4, part 1): a video is its content hash; the same content under
another name or folder is a no-op that says so, --force redoes it, and an interrupted run's videos
(ingesting, failed, pending) are redone while ready ones are left alone."""

import json
import shutil

import pytest
from typer.testing import CliRunner

from cli import app
from kb.schema import Video
from kb.store import KnowledgeBase
from tests.clips import make_silent_video
from tests.kbcheck import snapshot

runner = CliRunner()


def gk(home, *args):
    result = runner.invoke(app, [*args, "--home", str(home)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture
def library(tmp_path):
    d = tmp_path / "clips"
    d.mkdir()
    paths = [make_silent_video(d / f"{n}.mp4", 2.0, texts=[(0.2, 1.8, t)]).path
             for n, t in (("one", "You got the shotgun!"), ("two", "Picked up a stimpack."), ("three", "You got the chaingun!"))]
    home = tmp_path / "kb"
    assert gk(home, "ingest", *map(str, paths)).exit_code == 0
    return home, paths


def test_same_content_renamed_and_moved_is_a_noop_that_says_so(library, tmp_path):
    home, paths = library
    before = snapshot(home)
    moved = tmp_path / "elsewhere" / "renamed copy.mp4"
    moved.parent.mkdir()
    shutil.copy(paths[0], moved)
    r = gk(home, "ingest", str(moved))
    assert r.exit_code == 0
    assert f"skip {moved}: already ingested as one (same content; path updated)" in r.output
    rows = {v["video"]: v for v in json.loads(gk(home, "videos", "--json").output)}
    assert rows["one"]["video_path"] == str(moved) and "renamed copy" not in rows
    assert snapshot(home) == before


def test_force_reingests_without_duplicating_rows(library):
    home, paths = library
    before = snapshot(home)
    r = gk(home, "ingest", str(paths[1]), "--force", "--json")
    assert r.exit_code == 0 and [o["status"] for o in json.loads(r.output)] == ["ingested"]
    assert snapshot(home) == before


@pytest.mark.parametrize("status", ["ingesting", "failed", "pending"])
def test_rerun_redoes_only_unfinished_videos(library, status):
    home, paths = library
    before = snapshot(home)
    kb = KnowledgeBase.open(home)
    two = next(v for v in kb.videos() if v.name == "two")
    with kb.session() as s:  # what an interrupted run leaves: status not ready (rows may remain)
        v = s.get(Video, two.id)
        v.status = status
        s.add(v)
        s.commit()
    assert "two" not in {v["video"] for v in json.loads(gk(home, "search", "stimpack", "--json").output)}
    r = gk(home, "ingest", *map(str, paths), "--json")
    assert r.exit_code == 0
    assert [(o["video"], o["status"]) for o in json.loads(r.output)] == [
        ("one", "skipped"), ("two", "ingested"), ("three", "skipped")]
    assert snapshot(home) == before
