"""LanceDB on object storage (issue 8): GAMEKB_LANCE_URI=s3://... against a local S3-compatible
server (moto_server on 127.0.0.1, a random port), endpoint and credentials from the usual AWS_*
environment. Skipped when moto_server is not installed (pip install 'moto[server]')."""

import json
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest
from typer.testing import CliRunner

from cli import app
from kb.doctor import check
from kb.store import KnowledgeBase
from tests.clips import make_silent_video

MOTO = shutil.which("moto_server")
pytestmark = pytest.mark.skipif(MOTO is None, reason="moto_server not found (pip install 'moto[server]')")
runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3():
    port = _free_port()
    proc = subprocess.Popen([MOTO, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(urllib.request.Request(f"{endpoint}/gamekb", method="PUT"), timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("moto_server did not start")
        yield {"AWS_ENDPOINT": endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true"}
    finally:
        proc.terminate()
        proc.wait(10)


def test_ingest_search_and_doctor_with_lance_on_s3(s3, tmp_path, monkeypatch):
    for k, v in s3.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("GAMEKB_LANCE_URI", "s3://gamekb/library/lance")
    home = tmp_path / "kb"
    clips = [make_silent_video(tmp_path / f"{n}.mp4", 3.0, texts=[(0.2, 2.8, t)], size=(320, 180)).path
             for n, t in (("alpha", "You got the shotgun!"), ("bravo", "Picked up a stimpack."))]
    r = runner.invoke(app, ["ingest", *map(str, clips), "--home", str(home), "--json"])
    assert r.exit_code == 0, r.output
    assert not (home / "lance").exists()  # the vectors went to the bucket
    hits = json.loads(runner.invoke(app, ["search", "shotgun", "--home", str(home), "--json"]).stdout)
    assert hits[0]["video"] == "alpha"
    kb = KnowledgeBase.open(home)
    assert kb.segments.uri.startswith("s3://") and kb.segments.count() == 2
    assert check(kb) == []
    # a second machine (another home, nothing shared but the bucket) sees the same table
    monkeypatch.setenv("GAMEKB_DB_URL", kb.settings.sql_url)
    other = KnowledgeBase.open(tmp_path / "other-machine")
    assert other.segments.count() == 2
    r = runner.invoke(app, ["ingest", str(clips[0]), "--home", str(home), "--force", "--json"])
    assert r.exit_code == 0 and other.segments.count() == 2  # redo replaced, never doubled
