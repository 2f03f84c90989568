"""LoRA training on a tiny random-weight Qwen3-VL (CPU): the loss covers answer tokens only, falls
on a toy set, checkpoints reload to identical outputs, resume continues from the saved step, and
`gamekb train lora` runs end to end on pairs built from the real sample clip."""

from __future__ import annotations

import json
from io import BytesIO

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")

import torch  # noqa: E402

from cli import app  # noqa: E402
from kb.store import KnowledgeBase  # noqa: E402
from reasoning.training import lora  # noqa: E402
from reasoning.training.batches import (IGNORE, answer_ids, answer_loss, collate, encode,  # noqa: E402
                                        forward_logits, labels_for)
from reasoning.training.data import EvidenceSource  # noqa: E402
from retrieval.types import Moment  # noqa: E402
from tests.tiny_models import D_LLM  # noqa: E402
from tests.train_helpers import kb_home, qwen, reasoner, runner, toy_pairs  # noqa: E402,F401 (fixtures)

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def evidence(kb_home):
    return EvidenceSource(KnowledgeBase.open(kb_home))


def _jpeg(seed: int) -> bytes:
    from PIL import Image

    buf = BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (40, 56, 3), dtype=np.uint8)).save(buf, format="JPEG")
    return buf.getvalue()


def _moments() -> list[Moment]:
    rng = np.random.default_rng(3)
    return [Moment(video="e1m1", video_path="/v/e1m1.mp4", video_id=1, segment_id=i, start_s=10.0 * i,
                   end_s=10.0 * i + 5, score=1.0, text="player picked up the red key card", keyframe=_jpeg(i),
                   projected={m: rng.standard_normal(D_LLM).astype(np.float16) for m in ("visual", "audio")})
            for i in range(2)]


@pytest.fixture(scope="module")
def masked_batch(qwen):
    """Two pairs with a soft prefix, two keyframes each and answers of different lengths (so padding)."""
    r = reasoner(qwen)
    items = [encode(r, "where is the red key card", "the red key card", _moments()),
             encode(r, "where is the enemy", "the enemy is at the door e1m1@00:10", _moments())]
    return r, items, collate(items, r.tokenizer.pad_token_id)


def test_labels_mark_only_the_answer_tokens(masked_batch):
    r, items, batch = masked_batch
    labels, ids = batch["labels"], batch["input_ids"]
    image_id = r.lm.config.image_token_id
    for row, (enc, answer) in enumerate(zip(items, ["the red key card", "the enemy is at the door e1m1@00:10"])):
        n, start, length = enc.n_prefix, enc.answer_start, enc.input_ids.shape[1]
        expected = answer_ids(r.tokenizer, answer)
        assert n == 4 and (ids[row] == image_id).sum() > 0  # a prefix and images are there to be masked
        assert labels[row, :n].eq(IGNORE).all()  # soft prefix
        assert labels[row][ids[row] == image_id].eq(IGNORE).all()  # image placeholders
        assert labels[row, :start].eq(IGNORE).all()  # the whole prompt
        assert labels[row, start:length].tolist() == expected  # the answer, closed by <|im_end|>
        assert expected[-1] == r.tokenizer.convert_tokens_to_ids("<|im_end|>")
        assert labels[row, length:].eq(IGNORE).all() and batch["attention_mask"][row, length:].eq(0).all()
    assert items[0].input_ids.shape[1] < items[1].input_ids.shape[1]  # row 0 is padded


def test_prompt_image_prefix_and_padding_carry_no_loss(masked_batch):
    r, items, batch = masked_batch
    with torch.no_grad():
        logits = forward_logits(r.lm, batch)
    labels = batch["labels"]
    # the gradient reaches only the logits that predict an answer token
    leaf = logits.clone().requires_grad_(True)
    answer_loss(leaf, labels).backward()
    touched = leaf.grad.abs().sum(-1) > 0  # (B, L)
    predicts_answer = torch.zeros_like(touched)
    predicts_answer[:, :-1] = labels[:, 1:] != IGNORE
    assert torch.equal(touched, predicts_answer)
    # changing the target of a prompt token leaves the loss alone; changing an answer token's does not
    targets, answer_mask = batch["input_ids"].clone(), labels != IGNORE
    base = answer_loss(logits, labels_for(targets, answer_mask))
    assert torch.equal(labels_for(targets, answer_mask), labels)
    for pos in (0, items[0].n_prefix + 3, items[0].answer_start - 1):  # prefix, prompt, last prompt token
        changed = targets.clone()
        changed[0, pos] = (changed[0, pos] + 7) % logits.shape[-1]
        assert answer_loss(logits, labels_for(changed, answer_mask)) == base
    changed = targets.clone()
    changed[0, items[0].answer_start] = (changed[0, items[0].answer_start] + 7) % logits.shape[-1]
    assert answer_loss(logits, labels_for(changed, answer_mask)) != base
    # what fills the padding (embeddings and ids) changes nothing: it comes after every answer
    noisy = dict(batch)
    length = items[0].input_ids.shape[1]
    noisy["inputs_embeds"] = batch["inputs_embeds"].clone()
    noisy["inputs_embeds"][0, length:] = torch.randn_like(noisy["inputs_embeds"][0, length:]) * 5
    noisy["input_ids"] = batch["input_ids"].clone()
    noisy["input_ids"][0, length:] = 11
    with torch.no_grad():
        assert torch.allclose(answer_loss(forward_logits(r.lm, noisy), labels), answer_loss(logits, labels), atol=1e-6)


def test_loss_falls_and_a_saved_checkpoint_reloads_to_identical_outputs(qwen, evidence, tmp_path):
    r = reasoner(qwen)
    out = tmp_path / "lora"
    opts = lora.LoraOptions(lr=2e-2, epochs=6, batch_size=4, eval_split=0.0)
    result = lora.train_lora(toy_pairs(), out, r, evidence, opts)
    losses = [h["loss"] for h in result.history]
    assert len(losses) == 6 and losses[-1] < 0.5 * losses[0], losses
    meta = json.loads((out / lora.METADATA).read_text())
    assert meta["base_model"] == str(qwen) and meta["step"] == 6 and meta["loss"] == pytest.approx(losses[-1], rel=1e-4)
    assert len(meta["data_hash"]) == 64 and meta["options"]["r"] == 16 and meta["options"]["alpha"] == 32
    assert [p.name for p in lora.checkpoints(out)] == [f"step-{i:06d}" for i in range(1, 7)]  # one per epoch

    reloaded = reasoner(qwen, adapter=str(out))
    pairs = toy_pairs()
    batch = collate([encode(r, p.question, p.answer, evidence.moments(p)) for p in pairs], r.tokenizer.pad_token_id)
    r.lm.eval()
    with torch.no_grad():
        trained, again = forward_logits(r.lm, batch), forward_logits(reloaded.lm, batch)
        base = forward_logits(reasoner(qwen).lm, batch)
    assert torch.allclose(trained, again, atol=1e-5)
    assert not torch.allclose(trained, base, atol=1e-3)  # and the adapter is not a no-op
    assert torch.equal(r.generate_ids("where is the key", evidence.moments(pairs[0])),
                       reloaded.generate_ids("where is the key", evidence.moments(pairs[0])))


def test_resume_continues_from_the_saved_step(qwen, evidence, tmp_path):
    def weights(res_out):
        from safetensors.torch import load_file

        return load_file(str(res_out / "adapter_model.safetensors"))

    pairs = toy_pairs()
    opts = lora.LoraOptions(lr=1e-2, epochs=2, batch_size=2, eval_split=0.0)  # 2 steps an epoch
    whole = lora.train_lora(pairs, tmp_path / "whole", reasoner(qwen), evidence, opts)
    first = lora.train_lora(pairs, tmp_path / "split", reasoner(qwen), evidence,
                            lora.LoraOptions(**{**opts.__dict__, "max_steps": 3}))
    assert first.step == 3 and lora.checkpoints(tmp_path / "split")[-1].name == "step-000003"
    with pytest.raises(Exception, match="--resume"):
        lora.train_lora(pairs, tmp_path / "split", reasoner(qwen), evidence, opts)
    rest = lora.train_lora(pairs, tmp_path / "split", reasoner(qwen), evidence, opts, resume=True)
    assert rest.resumed_from == 3 and rest.step == 4 and [h["step"] for h in rest.history] == [1, 2, 3, 4]
    assert rest.history[:3] == first.history
    a, b = weights(tmp_path / "whole"), weights(tmp_path / "split")
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    assert [h["loss"] for h in rest.history] == pytest.approx([h["loss"] for h in whole.history], abs=1e-5)
    # other data: refuse to resume
    with pytest.raises(Exception, match="data_hash"):
        lora.train_lora(pairs[:3], tmp_path / "split", reasoner(qwen), evidence, opts, resume=True)


def test_cli_trains_on_pairs_from_the_knowledge_base(qwen, kb_home, tmp_path):
    data, out = tmp_path / "pairs.jsonl", tmp_path / "run"
    assert runner.invoke(app, ["train", "data", str(data), "--home", str(kb_home)]).exit_code == 0
    args = ["train", "lora", str(data), "--out", str(out), "--home", str(kb_home), "--model", str(qwen),
            "--device", "cpu", "--epochs", "1", "--max-steps", "2", "--r", "4", "--alpha", "8", "--json"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    assert info["step"] == 2 and info["eval_loss"] is not None and info["eval_loss_before"] is not None
    assert (out / "adapter_config.json").is_file() and (out / lora.METADATA).is_file()
    r = runner.invoke(app, args)  # the same --out without --resume: a clean refusal
    assert r.exit_code == 2 and "--resume" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, [*args[:-5], "--max-steps", "3", "--r", "4", "--alpha", "8", "--resume", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["resumed_from"] == 2 and json.loads(r.stdout)["step"] == 3
    # the adapter answers through ask
    r = runner.invoke(app, ["ask", "when did I get the angle grinder?", "--reasoner", "qwen3-vl", "--model", str(qwen),
                            "--adapter", str(out), "--home", str(kb_home), "--json"])
    assert r.exit_code == 0, r.output
