"""Projector training on a tiny random-weight Qwen3-VL (CPU): only the projectors learn, the loss
falls on answers the prompt text does not hold, and the prefix ablation reports its numbers."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import torch  # noqa: E402

from cli import app  # noqa: E402
from kb.store import KnowledgeBase  # noqa: E402
from reasoning.projectors import ProjectorBank  # noqa: E402
from reasoning.training import projectors  # noqa: E402
from reasoning.training.data import EvidenceSource  # noqa: E402
from tests.train_helpers import kb_home, qwen, reasoner, runner, toy_pairs  # noqa: E402,F401 (fixtures)

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def trained(qwen, kb_home, tmp_path_factory):
    r = reasoner(qwen)
    before = {k: v.clone() for k, v in r.lm.state_dict().items()}
    out = tmp_path_factory.mktemp("proj") / "toy.safetensors"
    opts = projectors.ProjectorOptions(lr=3e-2, epochs=12, batch_size=4, eval_split=0.0)
    result = projectors.train_projectors(toy_pairs(), out, r, EvidenceSource(KnowledgeBase.open(kb_home)), opts)
    return r, before, result


def test_the_prompt_holds_no_answer_and_the_prefix_is_the_projection(qwen, kb_home):
    r = reasoner(qwen)
    ev = EvidenceSource(KnowledgeBase.open(kb_home))
    pair = toy_pairs()[0]
    pp = projectors.PrefixPairs(r, ev, ["temporal", "visual"])
    bank = ProjectorBank.new(ev.raw_dims, d_llm=r.d_llm)
    enc = pp.encode(pair, bank)
    assert enc.n_prefix == 2 and enc.pixel_values is None  # no keyframe: the prefix is the only view
    from reasoning.prompting import user_prompt

    shown = pp._moments(pair, with_prefix=True)
    prompt = user_prompt(pair.question, shown)
    assert shown[0].keyframe is None and "(no text found in this moment)" in prompt
    assert "ammo clip" not in prompt and "freedoom_excerpt@00:00" in prompt  # the citation stays, the facts go
    raw = ev.raw_vectors(pair, ["temporal", "visual"])
    expected = [bank.project(m, raw[m]).astype("float32") for m in ("temporal", "visual")]
    for i, vec in enumerate(expected):
        assert torch.allclose(enc.inputs_embeds[0, i], torch.from_numpy(vec), atol=1e-2)
    text = ev.moments(pair)[0].text
    assert "picked up" in text  # the text the prompt leaves out


def test_only_the_projectors_learn_and_the_loss_falls(trained):
    r, before, result = trained
    after = r.lm.state_dict()
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)
    losses = [h["loss"] for h in result.history]
    # two soft tokens steering a frozen random 2-layer LLM: a steady fall that levels off near 4.8
    assert len(losses) == 12 and losses[-1] < losses[0] - 0.3, losses
    assert sum(b < a for a, b in zip(losses, losses[1:])) >= 9, losses
    saved = ProjectorBank.load(result.out)
    initial = ProjectorBank.new(saved.dims, d_llm=saved.d_llm, seed=0)
    assert saved.dims == {"visual": 272, "temporal": 32} and saved.d_llm == r.d_llm
    for m in saved.modalities:
        w, w0 = saved.projectors[m].net[0].weight, initial.projectors[m].net[0].weight
        assert not torch.allclose(w, w0)


def test_ablation_reports_loss_with_and_without_the_prefix(trained):
    _, _, result = trained
    train = result.ablation["train"]
    assert set(train) == {"trained_prefix", "initial_prefix", "zero_prefix", "no_prefix"}
    assert all(isinstance(v, float) for v in train.values())
    assert train["trained_prefix"] < train["zero_prefix"] and train["trained_prefix"] < train["no_prefix"]
    assert train["trained_prefix"] < train["initial_prefix"]
    report = json.loads(result.report.read_text())
    assert report["ablation"]["train"] == pytest.approx(train) and report["checkpoint_id"] == result.checkpoint_id
    assert report["base_model"] and len(report["data_hash"]) == 64


def test_cli_trains_projectors_from_kb_pairs_and_starts_from_the_original_format(qwen, kb_home, tmp_path):
    data = tmp_path / "pairs.jsonl"
    assert runner.invoke(app, ["train", "data", str(data), "--home", str(kb_home)]).exit_code == 0
    # the original project's checkpoint layout ({"siglip": sd, "videomae": sd}) as the starting point
    bank = ProjectorBank.new({"visual": 272, "temporal": 32}, d_llm=32, seed=5)
    original = tmp_path / "original.pt"
    torch.save({"siglip": bank.projectors["visual"].state_dict(), "videomae": bank.projectors["temporal"].state_dict()},
               original)
    out = tmp_path / "aligned.safetensors"
    r = runner.invoke(app, ["train", "projectors", str(data), "--out", str(out), "--home", str(kb_home), "--model",
                            str(qwen), "--device", "cpu", "--epochs", "1", "--max-steps", "2", "--init", str(original),
                            "--json"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    assert info["step"] == 2 and set(info["ablation"]) == {"eval", "train"}
    for row in info["ablation"].values():
        assert row["trained_prefix"] is not None and row["no_prefix"] is not None
    assert ProjectorBank.load(out).dims == {"visual": 272, "temporal": 32}
    r = runner.invoke(app, ["train", "projectors", str(data), "--out", str(out), "--home", str(kb_home), "--model",
                            str(qwen), "--device", "cpu", "--modality", "audio"])
    assert r.exit_code == 2 and "no audio vectors" in r.output
