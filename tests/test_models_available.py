"""`gamekb models` says what can run on this machine now: packages, weights (and a GPU where one is
needed), else why not and what to do (issue 13: sam3, qwen3-vl, siglip2 and videomae were listed
"available: yes" on a CPU machine without their weights, and `ask --reasoner qwen3-vl` then failed)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli import app
from kb.models import registry
from kb.errors import MissingDependency


def test_models_says_why_a_backend_cannot_run_here(monkeypatch):
    """Available means it can run here now; otherwise the reason and the remedy are listed."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("GAMEKB_OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    r = CliRunner().invoke(app, ["models", "--json"])
    assert r.exit_code == 0, r.output
    rows = {(row["stage"], row["name"]): row for row in json.loads(r.stdout)}
    openai = rows[("reasoner", "openai")]
    assert openai["available"] is False and f"no server answers at http://127.0.0.1:{port}/v1" in openai["why_not"]
    for stage, name in (("reasoner", "qwen3-vl"), ("visual", "siglip2"), ("temporal", "videomae"), ("entities", "sam3")):
        row = rows[(stage, name)]
        assert row["available"] is (row["why_not"] == "")
        if not row["available"]:  # torch missing, or the weights, or (qwen3-vl) a GPU
            assert "install it with" in row["why_not"] or "not in the local Hugging Face cache" in row["why_not"] \
                or "needs a CUDA GPU" in row["why_not"]
    assert rows[("reasoner", "extractive")]["available"] is True


def test_an_hf_backend_without_its_weights_is_not_available():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    for stage, name in (("visual", "siglip2"), ("reasoner", "qwen3-vl"), ("entities", "sam3")):
        why = registry.get(stage, name).why_not({"model": "gamekb-test/no-such-model"})
        assert why and "gamekb-test/no-such-model is not in the local Hugging Face cache" in why
        with pytest.raises(MissingDependency, match="no-such-model is not in the local Hugging Face cache"):
            registry.create(stage, name, model="gamekb-test/no-such-model")
