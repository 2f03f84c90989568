"""ProjectorBank: the original project's checkpoint format, our own formats, ids and errors."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from kb.errors import GamekbError, ModelMismatch  # noqa: E402
from reasoning.projectors import ProjectorBank  # noqa: E402

torch.set_num_threads(1)
DIMS = {"siglip": 16, "videomae": 12, "audio": 8}
D_LLM = 24


def original_checkpoint(path, seed=0):
    """What the original project published: torch.save({siglip|videomae|audio: state dict})."""
    g = torch.Generator().manual_seed(seed)
    obj = {m: {"net.0.weight": torch.randn(D_LLM, d, generator=g), "net.0.bias": torch.randn(D_LLM, generator=g),
               "net.2.weight": torch.randn(D_LLM, D_LLM, generator=g), "net.2.bias": torch.randn(D_LLM, generator=g)}
           for m, d in DIMS.items()}
    torch.save(obj, path)
    return obj


def reference(sd, x):
    h = torch.nn.functional.gelu(torch.from_numpy(x) @ sd["net.0.weight"].T + sd["net.0.bias"])
    return (h @ sd["net.2.weight"].T + sd["net.2.bias"]).numpy()


def test_original_format_loads_and_projects(tmp_path):
    sds = original_checkpoint(tmp_path / "projectors.pt")
    bank = ProjectorBank.load(tmp_path / "projectors.pt")
    assert bank.d_llm == D_LLM and bank.dims == {"visual": 16, "temporal": 12, "audio": 8}
    rng = np.random.default_rng(0)
    for original, modality in [("siglip", "visual"), ("videomae", "temporal"), ("audio", "audio")]:
        x = rng.standard_normal(DIMS[original]).astype(np.float32)
        y = bank.project(modality, x)
        assert y.shape == (D_LLM,) and y.dtype == np.float16
        np.testing.assert_allclose(y, reference(sds[original], x), rtol=2e-3, atol=2e-2)
        np.testing.assert_array_equal(bank.project(original, x), y)  # the original names still work
    batch = bank.project_batch("visual", rng.standard_normal((5, 16)).astype(np.float32))
    assert batch.shape == (5, D_LLM) and batch.dtype == np.float16
    # the id names the exact file: stable across loads, different for other weights
    assert "sha256:" in bank.checkpoint_id
    assert ProjectorBank.load(tmp_path / "projectors.pt").checkpoint_id == bank.checkpoint_id
    original_checkpoint(tmp_path / "other.pt", seed=1)
    assert ProjectorBank.load(tmp_path / "other.pt").checkpoint_id.split("sha256:")[1] != \
        bank.checkpoint_id.split("sha256:")[1]


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_our_format_round_trips(tmp_path, suffix):
    bank = ProjectorBank.new({"visual": 16, "audio": 8}, d_llm=D_LLM, seed=3, name="align-v1")
    x = np.random.default_rng(1).standard_normal(16).astype(np.float32)
    before = bank.project("visual", x)
    cid = bank.save(tmp_path / f"bank{suffix}")
    loaded = ProjectorBank.load(tmp_path / f"bank{suffix}")
    assert loaded.checkpoint_id == cid and cid.startswith("align-v1@sha256:")
    assert loaded.dims == {"visual": 16, "audio": 8} and loaded.d_llm == D_LLM
    np.testing.assert_array_equal(loaded.project("visual", x), before)
    keys = set(dict(loaded.projectors["visual"].state_dict()))
    assert keys == {"net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"}


def test_mismatches_and_bad_files_are_clear_errors(tmp_path):
    original_checkpoint(tmp_path / "p.pt")
    bank = ProjectorBank.load(tmp_path / "p.pt")
    with pytest.raises(ModelMismatch, match="takes 16-d vectors"):
        bank.project("visual", np.zeros(1152, np.float32))
    with pytest.raises(ModelMismatch, match="no 'depth' projector"):
        bank.project("depth", np.zeros(4, np.float32))
    torch.save({"something": torch.zeros(2)}, tmp_path / "junk.pt")
    with pytest.raises(GamekbError, match="not a projector checkpoint"):
        ProjectorBank.load(tmp_path / "junk.pt")
    with pytest.raises(GamekbError, match="does not exist"):
        ProjectorBank.load(tmp_path / "missing.pt")
