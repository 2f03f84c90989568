"""The full profile on a CUDA GPU: the tiny random-weight models of tests/tiny_models.py, run with
device "cuda" and dtype "auto" (bf16), must give the same answers as the same models on the CPU in
float32, up to bf16 rounding. Catches device mismatches, dtype leaks and host copies that only a
GPU run can show. Skipped without a GPU (tests/conftest.py); run with `pytest -m gpu`.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import torch  # noqa: E402

from kb.models import registry  # noqa: E402
from tests import tiny_models  # noqa: E402
from tests.tiny_models import D_LLM, frames  # noqa: E402

pytestmark = pytest.mark.gpu

GPU = {"device": "cuda", "dtype": "auto"}  # what `--device auto` picks on a GPU machine
CPU = {"device": "cpu", "dtype": "float32"}
REL = 5e-2  # bf16 keeps 8 mantissa bits; a few layers of random weights stay well inside 5 %


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def rel_err(got: np.ndarray, ref: np.ndarray) -> float:
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    return float(np.linalg.norm(got - ref) / max(np.linalg.norm(ref), 1e-12))


def on_gpu(model) -> bool:
    params = list(model.parameters())
    return bool(params) and all(p.device.type == "cuda" for p in params)


def pair(stage: str, name: str, path, **kwargs):
    """The same backend built twice: on the GPU in bf16, and on the CPU in float32."""
    return (registry.create(stage, name, model=str(path), **GPU, **kwargs),
            registry.create(stage, name, model=str(path), **CPU, **kwargs))


def check_encoder(gpu, vecs: np.ndarray, ref: np.ndarray, shape: tuple[int, ...]) -> None:
    assert gpu.device == "cuda" and gpu.info()["dtype"] == "bfloat16" and on_gpu(gpu.model)
    assert vecs.shape == ref.shape == shape and vecs.dtype == np.float32 and np.isfinite(vecs).all()
    assert rel_err(vecs, ref) < REL


def test_auto_resolves_to_cuda_and_bf16():
    from kb.models.hf import attn_implementation, resolve_device, resolve_dtype

    assert resolve_device("auto") == "cuda"
    assert resolve_dtype("auto", "cuda") is torch.bfloat16
    assert attn_implementation("cuda") in {"sdpa", "flash_attention_2"}


def test_siglip2_on_gpu_matches_cpu(tmp_path):
    gpu, cpu = pair("visual", "siglip2", tiny_models.siglip(tmp_path), batch_size=2, text_max_length=16)
    imgs = gpu.encode_images(frames(5))
    check_encoder(gpu, imgs, cpu.encode_images(frames(5)), (5, 32))
    np.testing.assert_allclose(np.linalg.norm(imgs, axis=1), 1.0, atol=1e-5)
    texts = ["the enemy", "a red key card", "health pack"]
    check_encoder(gpu, gpu.encode_texts(texts), cpu.encode_texts(texts), (3, 32))


def test_siglip2_naflex_on_gpu_matches_cpu(tmp_path):
    """NaFlex checkpoints add an integer patch mask and spatial shapes, which must follow to the GPU."""
    gpu, cpu = pair("visual", "siglip2", tiny_models.siglip2_naflex(tmp_path), text_max_length=16)
    images = frames(2) + frames(1, h=64, w=32)  # two aspect ratios: different patch grids in one batch
    check_encoder(gpu, gpu.encode_images(images), cpu.encode_images(images), (3, 32))
    check_encoder(gpu, gpu.encode_texts(["the enemy"]), cpu.encode_texts(["the enemy"]), (1, 32))


def test_videomae_on_gpu_matches_cpu(tmp_path):
    gpu, cpu = pair("temporal", "videomae", tiny_models.videomae(tmp_path), batch_size=2)
    clips = [frames(1), frames(9, seed=1), frames(4, seed=2)]
    check_encoder(gpu, gpu.encode_clips(clips), cpu.encode_clips(clips), (3, 32))


@pytest.mark.parametrize("mask", [False, True])
def test_wav2vec2_on_gpu_matches_cpu(tmp_path, mask):
    gpu, cpu = pair("audio", "wav2vec2", tiny_models.wav2vec2(tmp_path, attention_mask=mask), batch_size=4)
    speech = np.random.default_rng(0).standard_normal(16000).astype(np.float32) * 0.1
    audios = [speech, speech[:4000], np.zeros(0, np.float32)]
    check_encoder(gpu, gpu.encode_audios(audios, 16000), cpu.encode_audios(audios, 16000), (3, 32))


def test_sam3_on_gpu_matches_cpu(tmp_path):
    gpu, cpu = pair("entities", "sam3", tiny_models.sam3(tmp_path), batch_size=2, threshold=0.0)
    assert gpu.torch_dtype is torch.bfloat16 and on_gpu(gpu.model)
    images = frames(3, seed=3)
    prompts = ["enemy", "health pack", "key card"]
    got, ref = gpu.detect(images, prompts), cpu.detect(images, prompts)
    assert gpu.frames_run == 3
    for dets, ref_dets in zip(got, ref):
        assert len(dets) == len(ref_dets) == 3 * 10  # threshold 0: every query of every prompt
        for prompt in prompts:
            # bf16 may swap near-equal scores, so compare what each prompt found, not its order
            mine = [d for d in dets if d.concept == prompt]
            theirs = [d for d in ref_dets if d.concept == prompt]
            np.testing.assert_allclose(sorted(d.score for d in mine), sorted(d.score for d in theirs), atol=2e-2)
            box, ref_box = np.mean([d.box for d in mine], 0), np.mean([d.box for d in theirs], 0)
            np.testing.assert_allclose(box, ref_box, atol=1.0)  # pixels of a 64x48 frame
            assert all(0 <= d.score <= 1 and np.isfinite(d.box).all() for d in mine)


def test_projector_bank_on_gpu_matches_cpu(tmp_path):
    from reasoning.projectors import ProjectorBank

    ProjectorBank.new({"visual": 32, "temporal": 32, "audio": 32}, d_llm=D_LLM, seed=1).save(tmp_path / "p.safetensors")
    gpu = ProjectorBank.load(tmp_path / "p.safetensors", device="cuda")
    cpu = ProjectorBank.load(tmp_path / "p.safetensors")
    assert all(on_gpu(p) for p in gpu.projectors.values())
    x = np.random.default_rng(2).standard_normal((4, 32)).astype(np.float32)
    for modality in ("visual", "temporal", "audio"):
        y = gpu.project_batch(modality, x)
        assert y.shape == (4, D_LLM) and y.dtype == np.float16 and np.isfinite(y).all()
        assert rel_err(y, cpu.project_batch(modality, x)) < 1e-2  # float32 on both: only TF32/fp16 rounding


# ---- Qwen3-VL ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_qwen(tmp_path_factory):
    return tiny_models.qwen3vl(tmp_path_factory.mktemp("qwen3vl"))


@pytest.fixture(scope="module")
def adapter(tiny_qwen, tmp_path_factory):
    """A LoRA adapter made on the CPU with wrap_lora, its B matrices set off zero (as training would)."""
    pytest.importorskip("peft")
    from transformers import Qwen3VLForConditionalGeneration

    from reasoning.qwen3vl import wrap_lora

    model = wrap_lora(Qwen3VLForConditionalGeneration.from_pretrained(tiny_qwen))
    torch.manual_seed(1)
    for n, p in model.named_parameters():
        if "lora_B" in n:
            p.data.normal_(0, 0.5)
    path = tmp_path_factory.mktemp("adapter")
    model.save_pretrained(path)
    return path


def qwen_pair(path, **kwargs):
    return pair("reasoner", "qwen3-vl", path, max_new_tokens=8, **kwargs)


def evidence():
    from tests.test_full_qwen3vl import moments

    return moments()


def first_logits(reasoner, question: str, ev) -> np.ndarray:
    """Logits of the first answer token through the soft-prefix path, as float32 numpy."""
    inputs = reasoner.build_inputs(question, ev)
    kw = {k: v for k, v in inputs.items() if k not in ("n_prefix", "input_ids")}
    kw["position_ids"], _ = reasoner.lm.model.get_rope_index(
        inputs["input_ids"], inputs["mm_token_type_ids"], inputs.get("image_grid_thw"), None,
        attention_mask=inputs["attention_mask"])
    with torch.inference_mode():
        return reasoner.lm(**kw).logits[0, -1].float().cpu().numpy()


def test_qwen3vl_inputs_live_on_the_gpu_in_bf16(tiny_qwen):
    gpu, _ = qwen_pair(tiny_qwen)
    assert gpu.device == "cuda" and gpu.torch_dtype is torch.bfloat16 and on_gpu(gpu.model)
    inputs = gpu.build_inputs("where is the red key card", evidence())
    assert inputs["n_prefix"] == 6
    for key in ("input_ids", "inputs_embeds", "attention_mask", "mm_token_type_ids", "pixel_values", "image_grid_thw"):
        assert inputs[key].device.type == "cuda", key
    assert inputs["inputs_embeds"].dtype == inputs["pixel_values"].dtype == torch.bfloat16


@pytest.mark.parametrize("with_adapter", [False, True])
def test_qwen3vl_answers_on_gpu_like_on_cpu(tiny_qwen, adapter, with_adapter):
    kwargs = {"adapter": str(adapter)} if with_adapter else {}
    gpu, cpu = qwen_pair(tiny_qwen, **kwargs)
    q, ev = "where is the red key card", evidence()
    logits = first_logits(gpu, q, ev)
    assert np.isfinite(logits).all() and rel_err(logits, first_logits(cpu, q, ev)) < REL
    ans = gpu.answer(q, ev)
    assert ans.backend == "qwen3-vl" and ans.text
    assert {(c.video, c.start_s) for c in ans.citations} <= {(m.video, m.start_s) for m in ev}
    assert "".join(gpu.stream(q, ev)).split() == ans.text.split()
    if with_adapter:
        lora = [p for n, p in gpu.model.named_parameters() if "lora_" in n]
        assert lora and all(p.device.type == "cuda" for p in lora)
        base, _ = qwen_pair(tiny_qwen)
        assert rel_err(logits, first_logits(base, q, ev)) > 10 * REL  # the adapter is really applied
