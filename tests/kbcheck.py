"""Helpers for the crash, concurrency and doctor tests: what both stores hold, and what is visible.

`snapshot` reads every SQL and LanceDB row of a knowledge base keyed by video name, leaving out
what legitimately differs between two runs (row ids, timestamps, the file path), so two libraries
built the same way compare equal exactly when they hold the same rows.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select

from kb.schema import Entity, Event, Segment, StateSample, Video
from kb.store import KnowledgeBase
from tests import pg

ROOT = Path(__file__).resolve().parent.parent
# The CLI as a process the tests start; in the PostgreSQL pass it opens each home on its database (tests/pg.py)
CLI = "import tests.pg; tests.pg.install_per_home(); from cli import app; app()"


def snapshot(home: Path) -> dict:
    kb = KnowledgeBase.open(home)
    with kb.session() as s:
        videos = {v.id: v for v in s.exec(select(Video))}
        name = {vid: v.name for vid, v in videos.items()}
        sql = {
            "video": sorted((v.name, v.sha256, v.status, round(v.duration_s, 3), v.game, v.has_audio, v.width,
                             v.height) for v in videos.values()),
            "segment": sorted((name[r.video_id], r.idx, r.start_s, r.end_s, r.keyframe_s) for r in s.exec(select(Segment))),
            "event": sorted((name[r.video_id], r.segment_idx, r.t_start, r.t_end, r.kind, r.label, r.value, r.confidence,
                             r.source, repr(sorted(r.payload.items()))) for r in s.exec(select(Event))),
            "entity": sorted((name[r.video_id], r.track, r.concept) for r in s.exec(select(Entity))),
            "state": sorted((name[r.video_id], r.t, r.name, r.value) for r in s.exec(select(StateSample))),
        }
    lance = []
    if kb.segments.table is not None:
        for row in kb.segments.table.search().limit(None).to_list():
            vecs = tuple((k, tuple(np.round(np.asarray(v, np.float64), 5))) for k, v in sorted(row.items())
                         if k.endswith("_vec") or k.startswith("proj_"))
            lance.append((name.get(row["video_id"], f"?{row['video_id']}"), row["video"], row["idx"], row["start_s"],
                          row["end_s"], row["keyframe_s"], row["text"], row["moments"],
                          hashlib.sha256(row["keyframe"]).hexdigest(), vecs))
    return {"sql": sql, "lance": sorted(lance, key=lambda r: (r[0], r[2]))}


def copy_home(src: Path, dst: Path) -> None:
    """Copy a knowledge base to another home: its folder, and in the PostgreSQL pass its database."""
    shutil.copytree(src, dst, dirs_exist_ok=True)
    if pg.postgres_pass():
        pg.copy_home_database(src, dst)


def visible(home: Path) -> dict:
    """What a user sees: ready videos, and which videos search and events return."""
    from retrieval.search import search

    kb = KnowledgeBase.open(home)
    ready = {v.name for v in kb.videos(status="ready")}
    # closest moments too: what matters is which videos search can reach at all, not whether they match
    hits = {m.video for q in ("score", "shotgun", "nothing on screen") for m in search(kb, q, limit=50, closest=True)}
    events = {v.name for _, v in kb.events()}
    return {"ready": ready, "search": hits, "events": events}


def gamekb(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the real `gamekb` CLI in a fresh Python process."""
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.run([sys.executable, "-c", CLI, *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def start_gamekb(*args: str, env: dict | None = None) -> subprocess.Popen:
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.Popen([sys.executable, "-c", CLI, *args], cwd=ROOT, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="session")
def lite_models():
    """The lite profile's models, loaded once for every test module that imports this fixture."""
    from ingest import pipeline
    from kb.config import IngestConfig

    return pipeline.Models.load(IngestConfig())


def gk(home: Path, *args: str):
    """`gamekb ARGS --home HOME` in this process (typer's CliRunner); a traceback fails the test."""
    from typer.testing import CliRunner

    from cli import app

    result = CliRunner().invoke(app, [*args, "--home", str(home)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result
