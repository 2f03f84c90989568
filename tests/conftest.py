import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests import pg  # noqa: E402

DATA = Path(__file__).parent / "data"
EXCERPT = DATA / "freedoom_excerpt.mp4"


def pytest_configure(config):
    pg.configure()  # GAMEKB_TEST_DB=postgresql: every KB home on its own PostgreSQL database


def pytest_collection_modifyitems(config, items):
    pg.mark_items(items)
    try:
        import torch

        has_gpu = torch.cuda.is_available()
    except ImportError:
        has_gpu = False
    if not has_gpu:
        skip = pytest.mark.skip(reason="needs a CUDA GPU")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def per_home_databases(tmp_path_factory):
    """The PostgreSQL pass ends by dropping its databases and checking that no KB fell back to SQLite."""
    yield
    pg.finish(tmp_path_factory.getbasetemp())


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty knowledge base folder; GAMEKB_HOME points at it."""
    h = tmp_path / "kb"
    monkeypatch.setenv("GAMEKB_HOME", str(h))
    return h


@pytest.fixture(scope="session")
def library(tmp_path_factory):
    """One KB, built once per run through the CLI: the real Freedoom excerpt plus a generated clip
    ("arena run") with planted screen text (SCORE 1200 from 1 s to 8 s) and speech at 6 s."""
    from typer.testing import CliRunner

    from cli import app
    from tests.clips import make_clip

    home = tmp_path_factory.mktemp("kb")
    clip = make_clip(tmp_path_factory.mktemp("clips") / "arena run.mp4", duration_s=12.0,
                     texts=[(1.0, 8.0, "SCORE 1200")], speech=[(6.0, "the treasure is behind the gate")])
    r = CliRunner().invoke(app, ["ingest", str(EXCERPT), str(clip.path), "--home", str(home)])
    assert r.exit_code == 0, r.output
    return home
