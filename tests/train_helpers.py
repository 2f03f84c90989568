"""Shared by the tests/test_train_*.py files: the real sample clip ingested with the lite profile and a
tiny random-weight Qwen3-VL, each built once per test session (cached under pytest's basetemp, as
several modules use them), plus a toy pair set whose answers use the tiny tokenizer's words."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import EXCERPT

runner = CliRunner()
VIDEO = EXCERPT.stem


def _cached(tmp_path_factory, name: str, build) -> Path:
    root = tmp_path_factory.getbasetemp() / f"train-cache-{name}"
    done = root / ".done"
    if not done.exists():
        root.mkdir(parents=True, exist_ok=True)
        build(root)
        done.touch()
    return root


def excerpt_kb(tmp_path_factory) -> Path:
    """tests/data/freedoom_excerpt.mp4 ingested with the lite profile: real pickup and speech events."""
    from cli import app

    def build(root: Path) -> None:
        r = runner.invoke(app, ["ingest", str(EXCERPT), "--home", str(root / "kb")])
        assert r.exit_code == 0, r.output

    return _cached(tmp_path_factory, "excerpt-kb", build) / "kb"


def tiny_qwen(tmp_path_factory) -> Path:
    from tests import tiny_models

    return _cached(tmp_path_factory, "qwen3vl", tiny_models.qwen3vl)


@pytest.fixture(scope="session")
def qwen(tmp_path_factory) -> Path:
    """The tiny Qwen3-VL folder (fixture; import it into a test module to use it)."""
    return tiny_qwen(tmp_path_factory)


@pytest.fixture(scope="session")
def kb_home(tmp_path_factory) -> Path:
    """The excerpt's knowledge base folder (fixture)."""
    return excerpt_kb(tmp_path_factory)


def reasoner(path: Path, **kw):
    from kb.models import registry

    return registry.create("reasoner", "qwen3-vl", model=str(path), device="cpu", max_new_tokens=4, **kw)


def toy_pairs():
    """Four pairs on the clip's two segments; the answer depends on the segment, never on the question."""
    from reasoning.training.data import Pair

    answers = {0: "the player picked up the red key card", 1: "the enemy is at the door"}
    windows = {0: [0.0, 10.0], 1: [10.0, 18.04]}
    out = []
    for seg, question in [(0, "where is the key"), (1, "where is the key"), (0, "what is in the image"),
                          (1, "what is in the image")]:
        out.append(Pair(question=question, answer=answers[seg], video=VIDEO, t=windows[seg][0], segment=seg,
                        window=windows[seg], kind="toy", source="test", id=f"toy{len(out)}"))
    return out

