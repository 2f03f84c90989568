"""The qwen3-vl reasoner on a tiny random-weight Qwen3-VL built from a config (CPU, no downloads).

Exercises the real loading (image-only processor, no torchvision), keyframes as images, projected
embeddings as soft prefix tokens, LoRA wrapping and adapter loading, generation and streaming.
"""

from __future__ import annotations

from io import BytesIO

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import torch  # noqa: E402

from kb.models import registry  # noqa: E402
from kb.errors import ModelMismatch  # noqa: E402
from retrieval.types import Moment  # noqa: E402

torch.set_num_threads(1)

from tests.tiny_models import D_LLM  # noqa: E402


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def tiny_qwen(tmp_path_factory):
    from tests import tiny_models

    return tiny_models.qwen3vl(tmp_path_factory.mktemp("qwen3vl"))


def jpeg(seed: int, size=(40, 56)) -> bytes:
    from PIL import Image

    rng = np.random.default_rng(seed)
    buf = BytesIO()
    Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(buf, format="JPEG")
    return buf.getvalue()


def moments(projected: bool = True, keyframes: bool = True) -> list[Moment]:
    rng = np.random.default_rng(1)
    out = []
    for i, (video, start) in enumerate([("e1m1", 10.0), ("e1m2", 65.0)]):
        proj = {m: (rng.standard_normal(D_LLM) * 3).astype(np.float16) for m in ("visual", "temporal", "audio")}
        out.append(Moment(video=video, video_path=f"/v/{video}.mp4", video_id=i + 1, segment_id=i + 1,
                          start_s=start, end_s=start + 10, score=1.0, text="player picked up the red key card",
                          keyframe=jpeg(i) if keyframes else None, keyframe_t=start + 2,
                          projected=proj if projected else {}))
    return out


def make(path, **kw):
    return registry.create("reasoner", "qwen3-vl", model=str(path), device="cpu", max_new_tokens=8, **kw)


@pytest.fixture(scope="module")
def reasoner(tiny_qwen):
    return make(tiny_qwen)


def test_inputs_hold_prefix_images_and_citations(reasoner):
    ev = moments()
    inputs = reasoner.build_inputs("where is the red key card", ev)
    n = inputs["n_prefix"]
    assert n == 6  # 2 moments x 3 modalities
    embeds, ids = inputs["inputs_embeds"], inputs["input_ids"]
    assert embeds.shape[:2] == ids.shape == inputs["attention_mask"].shape == inputs["mm_token_type_ids"].shape
    # the soft prefix is exactly the stored projections, in order, before the text embeddings
    expected = np.stack([ev[0].projected[m] for m in ("audio", "temporal", "visual")]).astype(np.float32)
    np.testing.assert_allclose(embeds[0, :3].numpy(), expected, atol=1e-2)
    assert inputs["attention_mask"][0, :n].eq(1).all()
    assert inputs["image_grid_thw"].shape == (2, 3) and inputs["pixel_values"].shape[0] > 0
    text = reasoner.tokenizer.decode(ids[0, n:])
    assert "e1m1@00:10" in text and "e1m2@01:05" in text


def test_empty_prefix_path_matches_plain_generation(reasoner):
    """With nothing to inject, the inputs_embeds path must equal ordinary generate(input_ids)."""
    ev = moments(projected=False)
    inputs = reasoner.build_inputs("where is the red key card", ev)
    assert inputs["n_prefix"] == 0
    plain = {k: v for k, v in reasoner._generate_kwargs(inputs).items() if k != "inputs_embeds"}
    with torch.inference_mode():
        expected = reasoner.lm.generate(**plain)[:, inputs["input_ids"].shape[1]:]
    assert torch.equal(reasoner.generate_ids("where is the red key card", ev), expected)


def test_projected_prefix_changes_the_output(reasoner):
    """The original bug: embeddings were computed but never reached the LLM."""
    q = "where is the red key card"
    with_prefix = reasoner.generate_ids(q, moments(projected=True))
    without = reasoner.generate_ids(q, moments(projected=False))
    assert with_prefix.shape == without.shape == (1, 8)
    assert not torch.equal(with_prefix, without)
    # the same prompt with other vectors in the prefix: only the embeddings differ, and the answer moves
    other = moments(projected=True)
    for m in other:
        m.projected = {k: -v for k, v in m.projected.items()}
    assert not torch.equal(reasoner.generate_ids(q, other), with_prefix)
    # and the logits of the first answer token move too (a finer check than argmax tokens)
    def first_logits(ev):
        inputs = reasoner.build_inputs(q, ev)
        kw = {k: v for k, v in inputs.items() if k not in ("n_prefix", "input_ids")}
        if inputs["n_prefix"]:  # M-RoPE positions over the full sequence, as generate computes them
            pos, _ = reasoner.lm.model.get_rope_index(inputs["input_ids"], inputs["mm_token_type_ids"],
                                                      inputs.get("image_grid_thw"), None,
                                                      attention_mask=inputs["attention_mask"])
            kw["position_ids"] = pos
        with torch.inference_mode():
            return reasoner.lm(**kw).logits[0, -1]
    assert not torch.allclose(first_logits(moments(True)), first_logits(moments(False)), atol=1e-4)


def test_answer_and_stream_agree_and_only_cite_evidence(reasoner):
    ev = moments()
    ans = reasoner.answer("where is the red key card", ev)
    assert ans.backend == "qwen3-vl"
    cited = {(c.video, c.start_s) for c in ans.citations}
    assert cited <= {(m.video, m.start_s) for m in ev}
    streamed = "".join(reasoner.stream("where is the red key card", ev))
    assert streamed.split() == ans.text.split()


def test_wrong_projection_size_is_a_model_mismatch(reasoner):
    ev = moments()
    ev[0].projected["visual"] = np.zeros(D_LLM + 1, np.float16)
    with pytest.raises(ModelMismatch, match="hidden size"):
        reasoner.build_inputs("q", ev)


def test_lora_wraps_and_a_saved_adapter_changes_outputs(tiny_qwen, reasoner, tmp_path):
    pytest.importorskip("peft")
    from transformers import Qwen3VLForConditionalGeneration

    from reasoning.qwen3vl import wrap_lora

    base = Qwen3VLForConditionalGeneration.from_pretrained(tiny_qwen)
    peft_model = wrap_lora(base)
    lora_names = [n for n, _ in peft_model.named_parameters() if "lora_" in n]
    assert lora_names and all("language_model" in n for n in lora_names)  # the ViT is left alone
    assert {n.split(".lora_")[0].rsplit(".", 1)[-1] for n in lora_names} == {"q_proj", "k_proj", "v_proj", "o_proj"}
    trainable = [n for n, p in peft_model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    cfg = peft_model.peft_config["default"]
    assert cfg.r == 16 and cfg.lora_alpha == 32
    torch.manual_seed(1)
    for n, p in peft_model.named_parameters():  # stand-in for training: lora_B starts at zero
        if "lora_B" in n:
            p.data.normal_(0, 0.5)
    peft_model.save_pretrained(tmp_path / "adapter")

    tuned = make(tiny_qwen, adapter=str(tmp_path / "adapter"))
    q, ev = "where is the red key card", moments()
    inputs = reasoner.build_inputs(q, ev)
    kw = {k: v for k, v in inputs.items() if k not in ("n_prefix", "inputs_embeds")}
    with torch.inference_mode():
        base_logits = reasoner.lm(**kw).logits
        tuned_logits = tuned.lm(**kw).logits
    assert not torch.allclose(base_logits, tuned_logits, atol=1e-4)
    assert tuned.answer(q, ev).backend == "qwen3-vl"


@pytest.mark.gpu
def test_real_qwen3vl_on_gpu_answers_with_citations():
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    try:
        r = registry.create("reasoner", "qwen3-vl", max_new_tokens=64)
    except Exception as exc:  # weights not on this machine
        pytest.skip(f"Qwen3-VL weights unavailable: {exc}")
    ans = r.answer("where is the red key card", moments(projected=False))
    assert ans.text
