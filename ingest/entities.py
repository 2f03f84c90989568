"""Entities: concept detection on sampled frames (SAM3), tracking across frames, appear/disappear events.

Phases, each usable on its own:
1. `EntityDetector.detect(images, prompts)`: per frame, the boxes of each text prompt from the game's
   rule pack ("enemy", "health pack", "key card"). The `sam3` backend batches frames, computes each
   prompt's text features once, and reuses the previous result for near-identical frames.
2. `track(detections_per_frame, times)`: greedy IoU matching per concept into `EntityTrack`s
   (concept, first_seen, last_seen, boxes); pure Python, no model.
3. `events(tracks, end_t)`: `appear` / `disappear` EventRecords (source "entity") that search and
   answers use.
`run(frames, detector, prompts)` chains the three.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ingest.protocols import Detection
from ingest.types import EventRecord
from kb.models.hf import FULL_INSTALL, load_pretrained, resolve_device, resolve_dtype, resolve_model, runs_here, to_numpy
from kb.models.registry import register

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]


def _box(box: Sequence[float]) -> Box:
    x0, y0, x1, y1 = map(float, box)
    return x0, y0, x1, y1


# ---- tracking (pure Python) ------------------------------------------------------------------


@dataclass
class EntityTrack:
    """One entity followed across sampled frames; becomes one row of the SQL `entity` table."""

    track_id: int
    concept: str
    first_seen: float  # seconds
    last_seen: float  # seconds
    boxes: list[tuple[float, Box, float]] = field(default_factory=list)  # (t, x0 y0 x1 y1 pixels, score)

    @property
    def score(self) -> float:
        return max((s for _, _, s in self.boxes), default=0.0)


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def track(detections_per_frame: Sequence[Sequence[Detection]], times: Sequence[float], iou_threshold: float = 0.2,
          max_missed: int = 1) -> list[EntityTrack]:
    """Link detections of the same concept across frames by IoU into tracks.

    iou_threshold is low because frames are sampled ~2 s apart (0.5 fps) and things move; a track
    survives `max_missed` frames without a detection (occlusion, a missed detection) before it ends.
    Tracks are returned in order of first appearance.
    """
    if len(detections_per_frame) != len(times):
        raise ValueError("one list of detections per frame time is needed")
    tracks: list[EntityTrack] = []
    active: list[tuple[EntityTrack, int]] = []  # (track, index of the frame it was last seen in)
    for f, (dets, t) in enumerate(zip(detections_per_frame, times)):
        active = [(tr, last) for tr, last in active if f - last - 1 <= max_missed]
        pairs = sorted(((iou(tr.boxes[-1][1], d.box), ai, di) for ai, (tr, _) in enumerate(active)
                        for di, d in enumerate(dets) if tr.concept == d.concept), reverse=True)
        used_tracks, used_dets = set(), set()
        for overlap, ai, di in pairs:
            if overlap < iou_threshold or ai in used_tracks or di in used_dets:
                continue
            used_tracks.add(ai)
            used_dets.add(di)
            tr = active[ai][0]
            tr.boxes.append((float(t), _box(dets[di].box), float(dets[di].score)))
            tr.last_seen = float(t)
            active[ai] = (tr, f)
        for di, d in enumerate(dets):
            if di in used_dets:
                continue
            tr = EntityTrack(len(tracks) + 1, d.concept, float(t), float(t),
                             [(float(t), _box(d.box), float(d.score))])
            tracks.append(tr)
            active.append((tr, f))
    return tracks


def events(tracks: Sequence[EntityTrack], end_t: float | None = None) -> list[EventRecord]:
    """`appear` at each track's first sighting, `disappear` at its last one, unless it is still on
    screen at `end_t` (the last sampled frame), in time order."""
    out = []
    for tr in tracks:
        payload = {"track": tr.track_id, "box": list(tr.boxes[0][1])}
        out.append(EventRecord(tr.first_seen, tr.first_seen, "appear", tr.concept, "entity", tr.boxes[0][2],
                               payload=payload))
        if end_t is None or tr.last_seen < end_t:
            out.append(EventRecord(tr.last_seen, tr.last_seen, "disappear", tr.concept, "entity", tr.boxes[-1][2],
                                   payload={"track": tr.track_id, "box": list(tr.boxes[-1][1])}))
    return sorted(out, key=lambda e: (e.t_start, e.kind != "disappear"))


# ---- SAM3 ------------------------------------------------------------------------------------


def thumbnail(image: np.ndarray, size: int = 32) -> np.ndarray:
    """A small grey version of the frame, for the near-duplicate check."""
    from PIL import Image

    return np.asarray(Image.fromarray(np.asarray(image)).convert("L").resize((size, size), Image.Resampling.BILINEAR),
                      dtype=np.float32)


def _repeat_each(output: Any, times: int) -> Any:
    """A model output with every per-image tensor (also inside tuples) repeated `times` times in a
    row along the batch, so each image meets each prompt of a chunk."""
    def rep(v: Any) -> Any:
        if hasattr(v, "repeat_interleave"):
            return v if times == 1 else v.repeat_interleave(times, dim=0)
        if isinstance(v, tuple):
            return tuple(rep(x) for x in v)
        return v

    return type(output)(**{k: rep(v) for k, v in output.items()})


@register("entities", "sam3", profile="full", requires=("torch", "transformers", "PIL"), install=FULL_INSTALL,
          check=runs_here("facebook/sam3"),
          description="SAM3 concept segmentation with text prompts from the game's rule pack")
class Sam3Detector:
    """Boxes of text-prompted concepts with transformers' Sam3Model.

    Preprocessing is done here (resize to the model's square input, rescale, normalise, as
    Sam3ImageProcessor does) because Sam3ImageProcessor imports torchvision, which does not load
    beside the CPU torch build; the tokenizer is the checkpoint's own.
    """

    name = "sam3"

    def __init__(self, model: str = "facebook/sam3", device: str = "auto", dtype: str = "auto", batch_size: int = 4,
                 threshold: float = 0.4, max_per_prompt: int = 20, dedup_threshold: float = 2.0,
                 pair_batch: int = 32) -> None:
        import torch
        from transformers import AutoTokenizer, Sam3Model

        self._torch = torch
        self.model_id = model
        path = resolve_model(model, kind="SAM3 model")
        self.device = resolve_device(device)
        self.torch_dtype = resolve_dtype(dtype, self.device)
        # SAM3's attention layers are its own; no flash-attn/sdpa switch to pass.
        self.model = load_pretrained(Sam3Model, path, device=self.device, dtype=self.torch_dtype)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        cfg = self._preprocessor_config(path)
        size = cfg.get("size") or {}
        side = int(self.model.config.vision_config.backbone_config.image_size)
        self.input_hw = (int(size.get("height", side)), int(size.get("width", side)))
        self.mean = np.asarray(cfg.get("image_mean", [0.5, 0.5, 0.5]), np.float32)
        self.std = np.asarray(cfg.get("image_std", [0.5, 0.5, 0.5]), np.float32)
        self.text_len = int(self.model.config.text_config.max_position_embeddings)  # 32: the processor pads to it
        self.batch_size = batch_size
        self.pair_batch = pair_batch  # (image, prompt) pairs per pass of the detector heads
        self.threshold = threshold  # on sigmoid(logit) * sigmoid(presence), as post_process_object_detection
        self.max_per_prompt = max_per_prompt
        self.dedup_threshold = dedup_threshold  # mean abs grey difference (0-255) on 32x32 thumbnails
        self.frames_run = 0  # frames that went through the model (the rest were near-duplicates)
        self._text_cache: dict[tuple[str, ...], tuple[Any, Any]] = {}

    @staticmethod
    def _preprocessor_config(path: str) -> dict[str, Any]:
        p = Path(path) / "preprocessor_config.json"
        if p.is_file():
            return json.loads(p.read_text())
        p = Path(path) / "processor_config.json"
        if p.is_file():
            return json.loads(p.read_text()).get("image_processor", {})
        return {}

    def _pixels(self, images: Sequence[np.ndarray]) -> Any:
        from PIL import Image

        h, w = self.input_hw
        arr = np.stack([np.asarray(Image.fromarray(np.asarray(im)).convert("RGB").resize((w, h), Image.Resampling.BILINEAR),
                                   dtype=np.float32) / 255.0 for im in images])
        arr = (arr - self.mean) / self.std
        return self._torch.from_numpy(arr.transpose(0, 3, 1, 2).copy()).to(self.device, self.torch_dtype)

    def _text(self, prompts: tuple[str, ...]) -> tuple[Any, Any]:
        if prompts not in self._text_cache:
            tok = self.tokenizer(list(prompts), padding="max_length", max_length=self.text_len, truncation=True,
                                 return_tensors="pt")
            ids, mask = tok["input_ids"].to(self.device), tok["attention_mask"].to(self.device)
            with self._torch.inference_mode():
                feats = self.model.get_text_features(input_ids=ids, attention_mask=mask).pooler_output
            self._text_cache[prompts] = (feats, mask)
        return self._text_cache[prompts]

    def _detect_batch(self, images: Sequence[np.ndarray], prompts: tuple[str, ...]) -> list[list[Detection]]:
        """The image backbone once per image, then the detector heads on (image, prompt) pairs, as
        many pairs per forward pass as `pair_batch` allows: one prompt per pass cost 43 ms a prompt
        on an H100 at 17 prompts (docs/gpu.md)."""
        from transformers.modeling_outputs import BaseModelOutputWithPooling

        torch = self._torch
        feats, mask = self._text(prompts)
        n = len(images)
        out: list[list[Detection]] = [[] for _ in range(n)]
        step = max(1, self.pair_batch // n)  # prompts per pass
        with torch.inference_mode():
            vision = self.model.get_vision_features(pixel_values=self._pixels(images))
            for p0 in range(0, len(prompts), step):
                chunk = prompts[p0:p0 + step]
                c = len(chunk)
                # pairs image-major: (image 0, prompt 0), (image 0, prompt 1), ..., (image 1, prompt 0), ...
                text = BaseModelOutputWithPooling(pooler_output=feats[p0:p0 + c].repeat(n, 1, 1))
                res = self.model(vision_embeds=_repeat_each(vision, c), text_embeds=text,
                                 attention_mask=mask[p0:p0 + c].repeat(n, 1))
                scores = res.pred_logits.float().sigmoid()
                if res.presence_logits is not None:
                    scores = scores * res.presence_logits.float().sigmoid()
                scores, boxes = to_numpy(scores), to_numpy(res.pred_boxes)  # boxes: xyxy in [0, 1]
                for i, im in enumerate(images):
                    hh, ww = np.asarray(im).shape[:2]
                    for j, prompt in enumerate(chunk):
                        row = i * c + j
                        keep = np.flatnonzero(scores[row] > self.threshold)
                        keep = keep[np.argsort(-scores[row][keep])][: self.max_per_prompt]
                        for k in keep:
                            x0, y0, x1, y1 = np.clip(boxes[row, k], 0.0, 1.0) * [ww, hh, ww, hh]
                            out[i].append(Detection(prompt, (float(x0), float(y0), float(x1), float(y1)),
                                                    float(scores[row, k])))
        self.frames_run += n
        return out

    def detect(self, images: Sequence[np.ndarray], prompts: Sequence[str]) -> list[list[Detection]]:
        """-> for each image, the detections of any of the prompts (boxes in that image's pixels)."""
        prompts = tuple(dict.fromkeys(p.strip() for p in prompts if p.strip()))
        if not images or not prompts:
            return [[] for _ in images]
        # Near-identical consecutive frames (menus, pauses, static scenes) reuse the last result.
        source: list[int] = []  # for each image, the index of the image whose detections it takes
        unique: list[int] = []
        last_thumb = None
        for i, im in enumerate(images):
            thumb = thumbnail(im)
            same_shape = unique and np.asarray(images[unique[-1]]).shape == np.asarray(im).shape
            if last_thumb is not None and same_shape and np.abs(thumb - last_thumb).mean() < self.dedup_threshold:
                source.append(unique[-1])
                continue
            unique.append(i)
            source.append(i)
            last_thumb = thumb
        results: dict[int, list[Detection]] = {}
        for start in range(0, len(unique), max(1, self.batch_size)):
            idx = unique[start:start + self.batch_size]
            for i, dets in zip(idx, self._detect_batch([images[i] for i in idx], prompts)):
                results[i] = dets
        return [list(results[s]) for s in source]
