"""Ingest on Ray (issue 8): a local Ray cluster (2 CPUs, loopback, no dashboard) started by the test.
A Ray ingest of several clips gives exactly the rows of a single-process ingest, also when a
worker's process dies mid-video, killed from inside (a crash point) or from outside (SIGKILL)."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from ingest import pipeline
from ingest.sources import Source
from kb.config import IngestConfig
from kb.doctor import check
from kb.store import KnowledgeBase
from tests.clips import make_silent_video
from tests.kbcheck import ROOT, snapshot

ray = pytest.importorskip("ray", reason="Ray is not installed: pip install 'gamekb[ray]'")
from ingest import distributed  # noqa: E402

TEXTS = (("alpha", "You got the shotgun!"), ("bravo", "You got the chaingun!"),
         ("charlie", "Picked up a stimpack."), ("delta", "Picked up the blue keycard."))


@pytest.fixture(scope="module")
def cluster():
    # PYTHONPATH: workers import tests.ray_faults; one thread per model in every worker
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1",
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}})
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("clips")
    return [make_silent_video(d / f"{name}.mp4", 4.0, texts=[(0.2, 3.8, text)], size=(320, 180)).path
            for name, text in TEXTS]


@pytest.fixture(scope="module")
def single(tmp_path_factory, clips):
    """The reference: the same clips ingested one after another in this process."""
    home = tmp_path_factory.mktemp("single")
    outs = pipeline.run(KnowledgeBase.open(home), [Source(str(p), path=p) for p in clips], IngestConfig())
    assert [o.status for o in outs] == ["ingested"] * len(clips)
    return snapshot(home)


def _ray_ingest(home, clips, **kw):
    done = []
    outs = distributed.run(KnowledgeBase.open(home), [Source(str(p), path=p) for p in clips], IngestConfig(),
                           on_done=done.append, **kw)
    assert [o.source for o in outs] == [str(p) for p in clips]  # input order, whatever finished first
    assert sorted(o.source for o in done) == sorted(str(p) for p in clips)  # progress: once per video
    return outs


def test_ray_ingest_gives_the_rows_of_a_single_process_ingest(cluster, clips, single, tmp_path):
    outs = _ray_ingest(tmp_path / "kb", clips)
    assert [o.status for o in outs] == ["ingested"] * len(clips), [o.message for o in outs]
    assert snapshot(tmp_path / "kb") == single
    again = _ray_ingest(tmp_path / "kb", clips)
    assert [o.status for o in again] == ["skipped"] * len(clips)
    assert check(KnowledgeBase.open(tmp_path / "kb")) == []


def test_worker_dying_mid_video_is_retried_and_leaves_the_same_rows(cluster, clips, single, tmp_path):
    from tests.ray_faults import CrashOnceWorker

    home = tmp_path / "kb"
    home.mkdir()
    outs = _ray_ingest(home, clips, worker_cls=CrashOnceWorker)
    assert (home / "crash-once").exists()  # a worker really died after writing LanceDB rows
    assert [o.status for o in outs] == ["ingested"] * len(clips), [o.message for o in outs]
    assert snapshot(home) == single
    assert check(KnowledgeBase.open(home)) == []


def _busy_worker_pids() -> list[int]:
    """Processes of Ray actors running IngestWorker.ingest right now (Ray names them so)."""
    pids = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if b"IngestWorker.ingest" in (p / "cmdline").read_bytes():
                    pids.append(int(p.name))
            except OSError:
                pass
    return pids


def test_worker_killed_from_outside_mid_video(cluster, clips, single, tmp_path):
    home = tmp_path / "kb"
    result = {}
    runner = threading.Thread(target=lambda: result.setdefault("outs", _ray_ingest(home, clips)))
    runner.start()
    killed = None
    deadline = time.time() + 120
    while killed is None and time.time() < deadline and runner.is_alive():
        if home.exists() and any(v.status == "ingesting" for v in KnowledgeBase.open(home).videos()):
            pids = _busy_worker_pids()
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                killed = pids[0]
        time.sleep(0.05)
    runner.join(300)
    assert killed is not None, "no worker was caught mid-video"
    assert [o.status for o in result["outs"]] == ["ingested"] * len(clips), [o.message for o in result["outs"]]
    assert snapshot(home) == single
    assert check(KnowledgeBase.open(home)) == []


def test_cli_ingest_with_ray(cluster, clips, single, tmp_path):
    import json

    from typer.testing import CliRunner

    from cli import app

    # "local": the cluster this test started (ingest.distributed joins an initialised Ray)
    r = CliRunner().invoke(app, ["ingest", *map(str, clips), "--home", str(tmp_path / "kb"), "--json", "--ray", "local"])
    assert r.exit_code == 0, r.output
    assert [o["status"] for o in json.loads(r.stdout)] == ["ingested"] * len(clips)
    assert snapshot(tmp_path / "kb") == single
