"""Per-stage GPU timings of the `full` profile at real model sizes, on the sample clip.

No weights can be downloaded where this runs, but speed does not depend on weight values: each
model is built at its published architecture size from a config written below, with random
weights, in bf16 on the GPU. The encoders (SigLIP2 so400m-patch14-384, VideoMAE-base, Wav2Vec2-large)
and SAM3 are saved to a scratch folder and loaded back through gamekb's own backends by local
path, so the timed code is the product's (preprocessing, batching, pooling, host copies). Qwen3-VL-8B
(16 GiB in bf16) is not written to disk: its folder holds the config, a tokenizer and the image
processor, and the reasoner's `load_pretrained` is swapped for a random init on the GPU; everything
after loading (prompt building, keyframes, soft prefix, generate) is the product's code.

Input: the clip's frames at the lite pipeline's 2 fps (OpenCV), its audio as 16 kHz mono float32
(a .npy made with `--dump-audio` through ingest.audio, the pipeline's own decoder), 10 s segments.

Usage (repository root, on a CUDA machine):

    python -m bench.full_profile --dump-audio clip.npy VIDEO          # once, where PyAV is installed
    python -m bench.full_profile VIDEO --audio clip.npy --out DIR       # writes DIR/full_profile.{json,md}
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Callable
from unittest import mock

import numpy as np

FPS = 2.0  # IngestConfig.fps
ENTITIES_FPS = 0.5  # IngestConfig.entities_fps
SEGMENT_S = 10.0  # IngestConfig.segment_s
SAMPLE_RATE = 16000
DOOM_PROMPTS = None  # filled from the doom rule pack in main(): the pipeline's SAM3 prompts
DEVICE = "cuda"  # --device; "cpu" only to smoke-test this script with small configs

# Published architecture sizes (config.json of each checkpoint).
SIGLIP_SO400M_384 = dict(  # google/siglip2-so400m-patch14-384 (model_type "siglip")
    text_config=dict(vocab_size=256000, hidden_size=1152, intermediate_size=4304, num_hidden_layers=27,
                     num_attention_heads=16, max_position_embeddings=64, projection_size=1152),
    vision_config=dict(image_size=384, patch_size=14, hidden_size=1152, intermediate_size=4304,
                       num_hidden_layers=27, num_attention_heads=16))
VIDEOMAE_BASE = dict(  # MCG-NJU/videomae-base
    image_size=224, patch_size=16, num_frames=16, tubelet_size=2, hidden_size=768, intermediate_size=3072,
    num_hidden_layers=12, num_attention_heads=12, use_mean_pooling=False)
WAV2VEC2_LARGE = dict(  # facebook/wav2vec2-large
    hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096,
    feat_extract_norm="group", do_stable_layer_norm=False, conv_bias=False)
QWEN3VL_8B = dict(  # Qwen/Qwen3-VL-8B-Instruct: 8.77 B parameters
    text_config=dict(vocab_size=151936, hidden_size=4096, intermediate_size=12288, num_hidden_layers=36,
                     num_attention_heads=32, num_key_value_heads=8, head_dim=128, max_position_embeddings=262144,
                     rope_parameters={"rope_type": "default", "rope_theta": 5000000.0, "mrope_section": [24, 20, 20],
                                      "mrope_interleaved": True}, tie_word_embeddings=False),
    vision_config=dict(depth=27, hidden_size=1152, intermediate_size=4304, num_heads=16, patch_size=16,
                       temporal_patch_size=2, spatial_merge_size=2, out_hidden_size=4096,
                       num_position_embeddings=2304, deepstack_visual_indexes=[8, 16, 24]),
    tie_word_embeddings=False)
SAM3: dict = {}  # one size exists; transformers' Sam3Config() defaults are facebook/sam3 (ViT-L 1024x32, 1008 px)

QUESTION = "where did the player pick up the shotgun and what killed him at the end"
EVIDENCE_TEXT = ("Picked up some shotgun shells . You got the pump-action shotgun ! Picked up an ammo clip . "
                 "pistol fight with a group of zombies ; health 58 % -> 16 % ; minigun fight vs a crowd of "
                 "monsters ; said: watch out for the imps on the left , the red key is behind the wall . ")


# ---- timing -------------------------------------------------------------------------------------


def torch_mod():
    import torch

    return torch


def on_cuda() -> bool:
    return DEVICE.startswith("cuda")


def sync() -> None:
    if on_cuda():
        torch_mod().cuda.synchronize()


def peak_gib() -> float:
    return torch_mod().cuda.max_memory_allocated() / 2**30 if on_cuda() else 0.0


def clock(fn: Callable[[], Any], repeat: int = 2, warm: Callable[[], Any] | None = None) -> float:
    """Median wall seconds of fn() after one warm-up (kernel selection, allocator), GPU work included."""
    (warm or fn)()
    sync()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


class Report:
    """Rows of (stage, variant, work, seconds), with the clip's real-time multiple and peak GPU memory."""

    def __init__(self, clip_s: float) -> None:
        self.clip_s = clip_s
        self.rows: list[dict[str, Any]] = []
        self.notes: list[str] = []

    def add(self, stage: str, variant: str, work: str, seconds: float, *, per_clip_s: float | None = None,
            **extra: Any) -> None:
        """`per_clip_s`: the seconds this stage costs for the whole clip when `seconds` covers only part."""
        clip_cost = seconds if per_clip_s is None else per_clip_s
        row = {"stage": stage, "variant": variant, "work": work, "seconds": round(seconds, 4),
               "clip_seconds": round(clip_cost, 4),
               "x_realtime": round(self.clip_s / clip_cost, 1) if clip_cost else None,  # None: per query, not per clip
               "peak_gib": round(peak_gib(), 2), **extra}
        self.rows.append(row)
        rt = f"{row['x_realtime']}x real time" if row["x_realtime"] is not None else "per query"
        print(f"{stage:10s} {variant:40s} {work:28s} {seconds:9.4f} s  clip {clip_cost:8.3f} s  {rt}  "
              f"peak {row['peak_gib']} GiB", flush=True)

    def markdown(self) -> str:
        lines = ["| stage | variant | work timed | seconds | seconds for the 80 s clip | × real time | peak GPU GiB |",
                 "|---|---|---|---|---|---|---|"]
        for r in self.rows:
            per_clip = (f"{r['clip_seconds']:.3f} | {r['x_realtime']}" if r["x_realtime"] is not None
                        else "per query | –")
            lines.append(f"| {r['stage']} | {r['variant']} | {r['work']} | {r['seconds']:.3f} | {per_clip} "
                         f"| {r['peak_gib']} |")
        return "\n".join(lines)


def fresh() -> None:
    gc.collect()
    if on_cuda():
        torch_mod().cuda.empty_cache()
        torch_mod().cuda.reset_peak_memory_stats()


# ---- input --------------------------------------------------------------------------------------


def sample_frames(video: Path) -> tuple[list[float], list[np.ndarray]]:
    """RGB frames at FPS, picked as ingest.decode does: the first frame at or after each step."""
    import cv2

    cap = cv2.VideoCapture(str(video))
    if not cap.isOpened():
        raise RuntimeError(f"OpenCV cannot open {video}")
    times, images, next_t = [], [], 0.0
    while cap.grab():
        t = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
        if t + 1e-6 < next_t:
            continue
        ok, bgr = cap.retrieve()
        if ok:
            times.append(t)
            images.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            next_t = (np.floor(t / (1.0 / FPS)) + 1) / FPS
    cap.release()
    return times, images


def segments(times: list[float], clip_s: float) -> list[tuple[float, float, list[int]]]:
    """The pipeline's windows (ingest.segment.windows, no scene cuts: at most 10 s) and their frames."""
    from ingest.segment import windows

    return [(a, b, [i for i, t in enumerate(times) if a <= t < b]) for a, b in windows(clip_s, [], SEGMENT_S)]


def duration_s(video: Path) -> float:
    import cv2

    cap = cv2.VideoCapture(str(video))
    try:
        return cap.get(cv2.CAP_PROP_FRAME_COUNT) / cap.get(cv2.CAP_PROP_FPS)
    finally:
        cap.release()


def dump_audio(video: Path, out: Path) -> None:
    from ingest.audio import iter_audio

    audio = np.concatenate([a for _, a in iter_audio(video, chunk_s=30.0, sample_rate=SAMPLE_RATE)])
    np.save(out, audio.astype(np.float32))
    print(f"{out}: {len(audio) / SAMPLE_RATE:.2f} s of 16 kHz mono")


# ---- model folders ------------------------------------------------------------------------------


def word_tokenizer(path: Path, specials: list[str], **kwargs) -> None:
    """A word-level tokenizer (no tokenizer can be downloaded); the towers pad to fixed lengths anyway."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(dict.fromkeys(specials + "a the enemy door key red health pack".split()))}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="[UNK]", **kwargs).save_pretrained(path)


def save_random(model_cls, config, path: Path) -> Path:
    """Random weights at the config's size, initialised on the GPU in bf16, written as safetensors."""
    torch = torch_mod()
    with torch.device(DEVICE):
        model = model_cls._from_config(config, dtype=torch.bfloat16)
    model.save_pretrained(path)
    del model
    fresh()
    return path


def siglip_folder(root: Path) -> Path:
    from transformers import SiglipConfig, SiglipModel
    from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

    path = save_random(SiglipModel, SiglipConfig(**SIGLIP_SO400M_384), root / "siglip2-so400m-patch14-384")
    SiglipImageProcessorPil(size={"height": 384, "width": 384}).save_pretrained(path)
    word_tokenizer(path, ["[PAD]", "[UNK]", "</s>"], pad_token="[PAD]", eos_token="</s>")
    return path


def videomae_folder(root: Path) -> Path:
    from transformers import VideoMAEConfig, VideoMAEModel
    from transformers.models.videomae.image_processing_pil_videomae import VideoMAEImageProcessorPil

    path = save_random(VideoMAEModel, VideoMAEConfig(**VIDEOMAE_BASE), root / "videomae-base")
    VideoMAEImageProcessorPil(size={"shortest_edge": 224},
                              crop_size={"height": 224, "width": 224}).save_pretrained(path)
    return path


def wav2vec2_folder(root: Path) -> Path:
    from transformers import Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2Model

    path = save_random(Wav2Vec2Model, Wav2Vec2Config(**WAV2VEC2_LARGE), root / "wav2vec2-large")
    Wav2Vec2FeatureExtractor(return_attention_mask=False, do_normalize=True).save_pretrained(path)
    return path


def sam3_folder(root: Path) -> Path:
    from transformers import Sam3Config, Sam3Model

    cfg = Sam3Config(**SAM3)
    path = save_random(Sam3Model, cfg, root / "sam3")
    side = cfg.vision_config.backbone_config.image_size
    (path / "preprocessor_config.json").write_text(json.dumps(
        {"size": {"height": side, "width": side}, "image_mean": [0.5] * 3, "image_std": [0.5] * 3}))
    word_tokenizer(path, ["[PAD]", "[UNK]", "</s>"], pad_token="[PAD]", eos_token="</s>")
    return path


QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
                 "<|image_pad|>", "<|video_pad|>", "[UNK]"]
QWEN_TEMPLATE = (  # Qwen's chat layout; spaces separate the special tokens for the word-level tokenizer
    "{% for message in messages %}<|im_start|> {{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for c in message['content'] %}"
    "{% if c['type'] == 'image' %}<|vision_start|> <|image_pad|> <|vision_end|> "
    "{% elif c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %} <|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|> assistant\n{% endif %}")


def qwen_folder(root: Path) -> Path:
    """Config, tokenizer, chat template and image processor of Qwen3-VL-8B; no weights."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen3VLConfig
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    path = root / "qwen3-vl-8b"
    path.mkdir(parents=True, exist_ok=True)
    vocab = {w: i for i, w in enumerate(QWEN_SPECIALS)}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()  # words and punctuation apart: near BPE's count for English
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="[UNK]", eos_token="<|im_end|>",
                                  pad_token="<|endoftext|>", additional_special_tokens=QWEN_SPECIALS[:7])
    tok.chat_template = QWEN_TEMPLATE
    tok.save_pretrained(path)
    (path / "chat_template.jinja").write_text(QWEN_TEMPLATE)
    Qwen2VLImageProcessorPil(size={"shortest_edge": 65536, "longest_edge": 16777216}, patch_size=16,
                             temporal_patch_size=2, merge_size=2, image_mean=[0.5] * 3,
                             image_std=[0.5] * 3).save_pretrained(path)
    cfg = Qwen3VLConfig(**QWEN3VL_8B, image_token_id=vocab["<|image_pad|>"], video_token_id=vocab["<|video_pad|>"],
                        vision_start_token_id=vocab["<|vision_start|>"], vision_end_token_id=vocab["<|vision_end|>"])
    cfg.text_config.eos_token_id = None  # random weights: always generate the asked number of tokens
    cfg.save_pretrained(path)
    return path


def random_weights(cls, source, *, device: str, dtype: Any, attn: str | None = None, **kwargs: Any):
    """kb.models.hf.load_pretrained's stand-in for a folder with a config and no weights: random init on `device`."""
    from transformers import AutoConfig

    opts = {"attn_implementation": attn} if attn else {}
    with torch_mod().device(device):
        model = cls._from_config(AutoConfig.from_pretrained(source), dtype=dtype, **opts)
    model.generation_config.eos_token_id = None
    return model.eval()


# ---- stages -------------------------------------------------------------------------------------


def create(stage: str, name: str, path: Path, report: Report, **kwargs: Any):
    from kb.models import registry

    fresh()
    t = time.perf_counter()
    backend = registry.create(stage, name, model=str(path), device=DEVICE, dtype="auto", **kwargs)
    sync()
    n = sum(p.numel() for p in backend.model.parameters())
    report.notes.append(f"{name}: {n / 1e6:.0f} M parameters, loaded from disk to GPU in "
                        f"{time.perf_counter() - t:.1f} s, dtype {backend.torch_dtype}, "
                        f"attention {backend.model.config._attn_implementation}, {weight_std(backend.model)}")
    return backend


def weight_std(model) -> str:
    """The spread of the largest weight matrix: timings on all-zero (never initialised) weights would flatter."""
    w = max((p for p in model.parameters() if p.dim() == 2), key=lambda p: p.numel())
    return f"largest weight matrix {tuple(w.shape)} std {w.float().std().item():.4f}"


def stage_siglip(ctx: dict, report: Report) -> None:
    enc = create("visual", "siglip2", siglip_folder(ctx["root"]), report)
    frames, n = ctx["frames"], len(ctx["frames"])
    pipeline_batch = enc.batch_size  # ingest.stream.SegmentWindows collects this many frames a call

    def per_frame():  # what SegmentWindows.add did before it batched: one frame per call
        for f in frames:
            enc.encode_images([f])

    enc.encode_images(frames[:4])  # warm-up
    report.add("siglip2", f"batch {pipeline_batch} (pipeline)", f"{n} frames",
               clock(lambda: enc.encode_images(frames)))
    report.add("siglip2", "batch 1, one call per frame (pipeline before)", f"{n} frames", clock(per_frame, 1))
    for bs in (8, 32, 64):
        enc.batch_size = bs
        report.add("siglip2", f"batch {bs}", f"{n} frames", clock(lambda: enc.encode_images(frames)))
    report.add("siglip2", "of which CPU preprocessing (batch 32)", f"{n} frames",
               clock(lambda: [enc.image_processor(images=frames[i:i + 32], return_tensors="pt")
                              for i in range(0, n, 32)], 1))
    report.add("siglip2", "text query (search), 1 query", "1 query", clock(lambda: enc.encode_texts([QUESTION]), 5),
               per_clip_s=0.0)
    enc.batch_size = 32
    enc.model.set_attn_implementation("eager")
    report.add("siglip2", "batch 32, eager attention", f"{n} frames", clock(lambda: enc.encode_images(frames)))


def square_clips(ctx: dict) -> list[list[np.ndarray]]:
    import cv2

    return [[cv2.resize(ctx["frames"][i], (224, 224), interpolation=cv2.INTER_AREA) for i in idx]
            for _, _, idx in ctx["segments"]]


def stage_videomae(ctx: dict, report: Report) -> None:
    enc = create("temporal", "videomae", videomae_folder(ctx["root"]), report)
    clips, k = square_clips(ctx), len(ctx["segments"])

    def per_segment():  # ingest.stream: one encode_clip per closed segment
        for c in clips:
            enc.encode_clip(c)

    report.add("videomae", "one call per segment (pipeline)", f"{k} segments x 16 frames", clock(per_segment, 3))
    enc.batch_size = k
    report.add("videomae", f"all segments in one batch of {k}", f"{k} segments",
               clock(lambda: enc.encode_clips(clips), 3))
    enc.model.set_attn_implementation("eager")
    report.add("videomae", "one call per segment, eager attention", f"{k} segments", clock(per_segment, 3))


def stage_wav2vec2(ctx: dict, report: Report) -> None:
    enc = create("audio", "wav2vec2", wav2vec2_folder(ctx["root"]), report)
    audio = ctx["audio"]
    pieces = [audio[int(a * SAMPLE_RATE):int(b * SAMPLE_RATE)] for a, b, _ in ctx["segments"]]

    def per_segment():  # ingest.pipeline._rows: one encode_audio per segment
        for p in pieces:
            enc.encode_audio(p, SAMPLE_RATE)

    report.add("wav2vec2", "one call per 10 s segment (pipeline)",
               f"{len(pieces)} segments, {len(audio) / SAMPLE_RATE:.0f} s",
               clock(per_segment, 3))
    enc.model.set_attn_implementation("eager")
    report.add("wav2vec2", "one call per segment, eager attention", f"{len(pieces)} segments", clock(per_segment, 3))


def stage_sam3(ctx: dict, report: Report) -> None:
    det = create("entities", "sam3", sam3_folder(ctx["root"]), report,
                 dedup_threshold=-1.0)  # every frame through the model: the worst case, what we time
    frames, n_all = ctx["frames"], len(ctx["frames"])
    pick = [frames[i] for i in np.linspace(0, n_all - 1, ctx["sam3_frames"]).round().astype(int)]
    n_pipeline = int(np.ceil(ctx["clip_s"] * ENTITIES_FPS))  # frames SAM3 sees in the pipeline
    prompts = list(DOOM_PROMPTS)

    def add(variant: str, seconds: float, frames_timed: int, frames_in_clip: int) -> None:
        report.add("sam3", variant, f"{frames_timed} frames", seconds,
                   per_clip_s=seconds / frames_timed * frames_in_clip, per_frame_s=round(seconds / frames_timed, 4))

    pipeline_batch, pipeline_pairs = det.batch_size, det.pair_batch
    det.detect(pick[:pipeline_batch], prompts)  # warm-up
    add(f"batch {pipeline_batch}, {len(prompts)} prompts, {pipeline_pairs} pairs a pass, {ENTITIES_FPS} fps (pipeline)",
        clock(lambda: det.detect(pick, prompts), 1), len(pick), n_pipeline)
    det.batch_size, det.pair_batch = 1, 1  # the pipeline before: every 2 fps frame, one prompt a pass

    def one_by_one(prompt_list, images):
        return lambda: [det.detect([im], prompt_list) for im in images]

    add(f"batch 1, {len(prompts)} prompts, one prompt a pass, every 2 fps frame (pipeline before)",
        clock(one_by_one(prompts, pick), 1, warm=one_by_one(prompts, pick[:1])), len(pick), n_all)
    det.batch_size = 4
    add(f"batch 4, {len(prompts)} prompts, one prompt a pass", clock(lambda: det.detect(pick, prompts), 1),
        len(pick), n_all)
    add("of which vision backbone (once per frame)", clock(lambda: [backbone(det, im) for im in pick], 1),
        len(pick), n_all)


def backbone(det, image: np.ndarray) -> None:
    """SAM3's image encoder alone, as Sam3Detector runs it once per batch before the prompts."""
    with torch_mod().inference_mode():
        det.model.get_vision_features(pixel_values=det._pixels([image]))


def stage_projectors(ctx: dict, report: Report) -> None:
    from reasoning.projectors import ProjectorBank

    path = ctx["root"] / "projectors.safetensors"
    dims = {"visual": 1152, "temporal": 768, "audio": 1024}
    ProjectorBank.new(dims, d_llm=4096).save(path)
    k = len(ctx["segments"])
    rng = np.random.default_rng(0)
    rows = [{m: rng.standard_normal(d).astype(np.float32) for m, d in dims.items()} for _ in range(k)]
    for device in dict.fromkeys(("cpu", DEVICE)):
        fresh()
        bank = ProjectorBank.load(path, device=device)

        def project():  # ingest.pipeline._rows: one vector per call
            for row in rows:
                for m, v in row.items():
                    bank.project(m, v)

        where = "CPU (pipeline loads the bank there)" if device == "cpu" else "GPU"
        report.add("projectors", f"3 MLPs -> 4096, one vector per call, {where}", f"{k} segments x 3",
                   clock(project, 3))


def qwen_evidence(ctx: dict) -> list:
    """8 moments as search returns them: a 320 px keyframe JPEG, ~600 characters of evidence text,
    and three projected 4096-d vectors each."""
    from ingest.visual import thumbnail_jpeg
    from retrieval.types import Moment

    rng = np.random.default_rng(0)
    out = []
    for i, (a, b, idx) in enumerate(ctx["segments"][:8]):
        key = ctx["frames"][idx[len(idx) // 2]]
        out.append(Moment(video="freedoom1_e2m3_demo2", video_path="/v/demo2.mp4", video_id=1, segment_id=i + 1,
                          start_s=a, end_s=b, score=1.0 - 0.05 * i, text=EVIDENCE_TEXT * 2,
                          keyframe=thumbnail_jpeg(key), keyframe_t=ctx["times"][idx[len(idx) // 2]],
                          projected={m: (rng.standard_normal(4096) * 0.02).astype(np.float16)
                                     for m in ("visual", "temporal", "audio")}))
    return out


def stage_qwen(ctx: dict, report: Report) -> None:
    from kb.models import registry
    from reasoning import qwen3vl

    fresh()
    path = qwen_folder(ctx["root"])
    t = time.perf_counter()
    with mock.patch.object(qwen3vl, "load_pretrained", random_weights):
        reasoner = registry.create("reasoner", "qwen3-vl", model=str(path), device=DEVICE, dtype="auto",
                                   max_new_tokens=64)
    sync()
    n_params = sum(p.numel() for p in reasoner.lm.parameters())
    report.notes.append(f"qwen3-vl: {n_params / 1e9:.2f} B parameters, random init on the GPU in "
                        f"{time.perf_counter() - t:.1f} s, dtype {reasoner.torch_dtype}, "
                        f"attention {reasoner.lm.config._attn_implementation}, {weight_std(reasoner.lm)}")
    ev = qwen_evidence(ctx)
    inputs = reasoner.build_inputs(QUESTION, ev)
    n_tokens, n_prefix = int(inputs["input_ids"].shape[1]), inputs["n_prefix"]
    n_images = int(inputs["image_grid_thw"].shape[0])
    image_tokens = int((inputs["image_grid_thw"].prod(-1) // 4).sum())
    report.notes.append(f"qwen3-vl prompt: {n_tokens} tokens = {n_prefix} soft prefix + {image_tokens} image tokens "
                        f"({n_images} keyframes of 320x240) + text, 8 evidence moments")
    for attn in ("sdpa", "eager"):
        reasoner.lm.set_attn_implementation(attn)
        fresh()
        build = clock(lambda: reasoner.build_inputs(QUESTION, ev), 3)
        reasoner.max_new_tokens = 1
        first = clock(lambda: reasoner.generate_ids(QUESTION, ev), 3)
        reasoner.max_new_tokens = 64
        new = reasoner.generate_ids(QUESTION, ev).shape[1]
        total = clock(lambda: reasoner.answer(QUESTION, ev), 2)
        rate = (new - 1) / (total - first)
        label = f"{attn} attention"
        report.add("qwen3-vl", f"build_inputs (CPU: processor, template), {label}", f"{n_tokens} prompt tokens", build,
                   per_clip_s=0.0)
        report.add("qwen3-vl", f"first token (inputs + ViT + prefill), {label}", f"{n_tokens} prompt tokens", first,
                   per_clip_s=0.0)
        report.add("qwen3-vl", f"answer, {new} new tokens ({rate:.1f} tok/s decode), {label}", "1 question", total,
                   per_clip_s=0.0, tokens_per_s=round(rate, 1), new_tokens=int(new))


STAGES = {"siglip2": stage_siglip, "videomae": stage_videomae, "wav2vec2": stage_wav2vec2, "sam3": stage_sam3,
          "projectors": stage_projectors, "qwen3-vl": stage_qwen}


def environment() -> dict[str, Any]:
    import shutil
    import subprocess

    import transformers

    torch = torch_mod()
    gpu = "none"
    if shutil.which("nvidia-smi"):
        gpu = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True).stdout.strip()
    return {"gpu": gpu, "torch": torch.__version__, "transformers": transformers.__version__,
            "flash_attn": _has("flash_attn"), "ffmpeg": shutil.which("ffmpeg")}


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def main() -> None:
    global DOOM_PROMPTS, DEVICE
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("video", type=Path)
    ap.add_argument("--audio", type=Path, help="16 kHz mono float32 .npy of the clip's audio (see --dump-audio)")
    ap.add_argument("--dump-audio", type=Path, help="decode the clip's audio to this .npy and exit")
    ap.add_argument("--out", type=Path, default=Path("bench/out"))
    ap.add_argument("--stages", nargs="+", choices=list(STAGES), default=list(STAGES))
    ap.add_argument("--device", default=DEVICE)
    ap.add_argument("--sam3-frames", type=int, default=16, help="frames SAM3 is timed on (then scaled to the clip)")
    opts = ap.parse_args()
    if opts.dump_audio:
        dump_audio(opts.video, opts.dump_audio)
        return
    from ingest.rules.doom import DOOM_PACK

    DEVICE = opts.device
    DOOM_PROMPTS = DOOM_PACK.entity_prompts
    t = time.perf_counter()
    times, frames = sample_frames(opts.video)
    decode_s = time.perf_counter() - t
    audio = np.load(opts.audio) if opts.audio else np.zeros(int(times[-1] * SAMPLE_RATE), np.float32)
    clip_s = duration_s(opts.video)
    ctx = {"frames": frames, "times": times, "audio": audio, "segments": segments(times, clip_s),
           "sam3_frames": opts.sam3_frames, "clip_s": clip_s, "root": Path(tempfile.mkdtemp(prefix="gamekb-full-"))}
    report = Report(clip_s)
    fresh()
    report.add("decode", f"OpenCV, {FPS:g} fps, {frames[0].shape[1]}x{frames[0].shape[0]}", f"{len(frames)} frames",
               decode_s)
    env = environment()
    print(json.dumps(env), flush=True)
    failed: dict[str, str] = {}
    for name in opts.stages:
        try:
            STAGES[name](ctx, report)
        except Exception as exc:  # one stage's failure must not lose the others' numbers
            traceback.print_exc()
            failed[name] = f"{type(exc).__name__}: {exc}"
        fresh()
        md = write(opts.out, report, env, failed, frames=len(frames), segments=len(ctx["segments"]))
    print("\n" + md)
    if failed:
        print("FAILED stages:", json.dumps(failed, indent=2))


def write(out: Path, report: Report, env: dict, failed: dict, **facts: Any) -> str:
    """JSON and markdown so far (after every stage: a run cut short keeps what it measured)."""
    out.mkdir(parents=True, exist_ok=True)
    result = {"environment": env, "clip_s": report.clip_s, **facts, "rows": report.rows, "notes": report.notes,
              "failed": failed}
    (out / "full_profile.json").write_text(json.dumps(result, indent=2))
    md = report.markdown() + "\n\n" + "\n".join(f"- {n}" for n in report.notes)
    (out / "full_profile.md").write_text(md + "\n")
    return md


if __name__ == "__main__":
    main()
