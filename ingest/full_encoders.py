"""The `full` profile's embedding models: SigLIP2 (visual), VideoMAE (temporal), Wav2Vec2 (audio).

Each backend is built once per ingest run (`kb.models.registry.create(stage, name, model=..., ...)`) and then
called with batches: numpy in, float32 numpy out. Models are given as a Hugging Face id or a local
directory; offline, an id that is not cached is one MissingDependency (see kb.models.hf).

torch and transformers are imported inside the constructors, never at module level.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

import numpy as np

from kb.models.hf import FULL_INSTALL, attn_implementation, load_pretrained, resolve_device, resolve_dtype, resolve_model, runs_here, to_numpy
from kb.models.registry import register

log = logging.getLogger(__name__)

HF_REQUIRES = ("torch", "transformers")


def _batches(items: Sequence[Any], size: int):
    for i in range(0, len(items), max(1, size)):
        yield items[i:i + size]


def _pooled(output: Any) -> Any:
    """get_*_features returns a tensor in transformers 4 and a ModelOutput with pooler_output in 5."""
    return getattr(output, "pooler_output", output)


def _l2(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


class _HFBackend:
    """Device/dtype/model resolution shared by the three encoders."""

    name = ""
    model: Any  # the transformers model, loaded by each encoder's __init__
    dim: int  # the size of its vectors, read from the loaded model's config

    def __init__(self, model: str, device: str, dtype: str, batch_size: int) -> None:
        import torch

        self.model_id = model
        self.path = resolve_model(model, kind=f"{self.name} model")
        self.device = resolve_device(device)
        self.torch_dtype = resolve_dtype(dtype, self.device)
        self.batch_size = batch_size
        self._torch = torch

    @property
    def dtype(self) -> str:
        return str(self.torch_dtype).removeprefix("torch.")

    def info(self) -> dict[str, Any]:
        """What produced the vectors; the pipeline records it in the LanceDB table metadata."""
        revision = getattr(self.model.config, "_commit_hash", None)  # set when loaded from the hub cache
        return {"backend": self.name, "model_id": self.model_id, "dim": self.dim, "dtype": self.dtype,
                "revision": revision}


@register("visual", "siglip2", profile="full", requires=HF_REQUIRES, install=FULL_INSTALL,
          check=runs_here("google/siglip2-so400m-patch14-384"),
          description="SigLIP2 image + text towers (1152-d for so400m), text-to-picture search")
class SigLIP2Encoder(_HFBackend):
    """SigLIP2 image embeddings per keyframe and text embeddings in the same space, L2-normalised.

    Works for the fixed-resolution checkpoints (model_type "siglip", e.g. the default
    so400m-patch14-384) and the NaFlex ones (model_type "siglip2") alike: both expose
    get_image_features/get_text_features through AutoModel.
    """

    name = "siglip2"

    def __init__(self, model: str = "google/siglip2-so400m-patch14-384", device: str = "auto", dtype: str = "auto",
                 batch_size: int = 16, text_max_length: int = 64) -> None:
        super().__init__(model, device, dtype, batch_size)
        from transformers import AutoImageProcessor, AutoModel, AutoTokenizer

        self.model = load_pretrained(AutoModel, self.path, device=self.device, dtype=self.torch_dtype,
                                     attn=attn_implementation(self.device))
        # AutoImageProcessor picks the PIL backend when torchvision is absent (CPU torch builds).
        self.image_processor = AutoImageProcessor.from_pretrained(self.path)
        self.tokenizer = AutoTokenizer.from_pretrained(self.path)
        # SigLIP's text tower was trained on 64 padded tokens; never pad past what the model can hold
        self.text_max_length = min(text_max_length, int(self.model.config.text_config.max_position_embeddings))
        self.dim = int(self.model.config.vision_config.hidden_size)

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """RGB uint8 HxWx3 images -> (n, dim) float32, L2-normalised."""
        torch = self._torch
        out = [np.zeros((0, self.dim), np.float32)]
        for batch in _batches(list(images), self.batch_size):
            inputs = self.image_processor(images=[np.asarray(im) for im in batch], return_tensors="pt")
            inputs = {k: (v.to(self.device, self.torch_dtype) if v.is_floating_point() else v.to(self.device))
                      for k, v in inputs.items()}
            with torch.inference_mode():
                feats = _pooled(self.model.get_image_features(**inputs))
            out.append(to_numpy(feats))
        return _l2(np.concatenate(out)).astype(np.float32)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """-> (n, dim) float32, L2-normalised, comparable with encode_images (cosine)."""
        torch = self._torch
        out = [np.zeros((0, self.dim), np.float32)]
        for batch in _batches(list(texts), self.batch_size):
            # SigLIP was trained with lower-cased text padded to max_length; padding="longest" hurts recall.
            tok = self.tokenizer([t.lower() for t in batch], padding="max_length", truncation=True,
                                 max_length=self.text_max_length, return_tensors="pt")
            tok = {k: v.to(self.device) for k, v in tok.items() if k in ("input_ids", "attention_mask")}
            if getattr(self.model.config, "model_type", "") == "siglip":
                tok.pop("attention_mask", None)  # fixed-res SigLIP attends to padding by design
            with torch.inference_mode():
                feats = _pooled(self.model.get_text_features(**tok))
            out.append(to_numpy(feats))
        return _l2(np.concatenate(out)).astype(np.float32)


def sample_indices(n: int, k: int) -> np.ndarray:
    """k frame indices spread evenly over n frames; repeats frames when the segment has fewer than k."""
    if n <= 0:
        raise ValueError("a clip needs at least one frame")
    return np.linspace(0, n - 1, num=k).round().astype(int)


@register("temporal", "videomae", profile="full", requires=HF_REQUIRES, install=FULL_INSTALL,
          check=runs_here("MCG-NJU/videomae-base"),
          description="VideoMAE clip embeddings (768-d for base), mean of the last hidden state")
class VideoMAEEncoder(_HFBackend):
    """One embedding per segment: frames sampled (or repeated) to the model's num_frames, then the
    mean of VideoMAE's last hidden state over all tubelet tokens. Not normalised: the projector was
    trained on the raw pooled features."""

    name = "videomae"

    def __init__(self, model: str = "MCG-NJU/videomae-base", device: str = "auto", dtype: str = "auto",
                 batch_size: int = 4) -> None:
        super().__init__(model, device, dtype, batch_size)
        from transformers import AutoImageProcessor, VideoMAEModel

        self.model = load_pretrained(VideoMAEModel, self.path, device=self.device, dtype=self.torch_dtype,
                                     attn=attn_implementation(self.device))
        self.image_processor = AutoImageProcessor.from_pretrained(self.path)
        self.num_frames = int(self.model.config.num_frames)
        self.dim = int(self.model.config.hidden_size)

    def encode_clip(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """RGB frames of one segment, in time order -> (dim,) float32."""
        return self.encode_clips([frames])[0]

    def encode_clips(self, clips: Sequence[Sequence[np.ndarray]]) -> np.ndarray:
        """Several segments at once -> (n, dim) float32."""
        torch = self._torch
        out = [np.zeros((0, self.dim), np.float32)]
        for batch in _batches(list(clips), self.batch_size):
            videos = [[np.asarray(frames[i]) for i in sample_indices(len(frames), self.num_frames)] for frames in batch]
            pixels = self.image_processor(videos, return_tensors="pt")["pixel_values"]
            with torch.inference_mode():
                hidden = self.model(pixel_values=pixels.to(self.device, self.torch_dtype)).last_hidden_state
            out.append(to_numpy(hidden.mean(dim=1)))
        return np.concatenate(out).astype(np.float32)


def resample_linear(audio: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Linear-interpolation resampling; the decoder already delivers 16 kHz, this is only a safety net."""
    if sr_in == sr_out or len(audio) == 0:
        return audio.astype(np.float32)
    n_out = int(round(len(audio) * sr_out / sr_in))
    x_out = np.linspace(0, len(audio) - 1, num=n_out)
    return np.interp(x_out, np.arange(len(audio)), audio).astype(np.float32)


@register("audio", "wav2vec2", profile="full", requires=HF_REQUIRES, install=FULL_INSTALL,
          check=runs_here("facebook/wav2vec2-large"),
          description="Wav2Vec2 audio embeddings (1024-d for large), mean over time")
class Wav2Vec2Encoder(_HFBackend):
    """Mean-pooled last hidden state of Wav2Vec2 over a segment's 16 kHz mono audio. Not normalised."""

    name = "wav2vec2"
    sample_rate = 16000
    min_samples = 400  # the conv feature encoder needs one 25 ms receptive field

    def __init__(self, model: str = "facebook/wav2vec2-large", device: str = "auto", dtype: str = "auto",
                 batch_size: int = 8) -> None:
        super().__init__(model, device, dtype, batch_size)
        from transformers import AutoFeatureExtractor, Wav2Vec2Model

        self.model = load_pretrained(Wav2Vec2Model, self.path, device=self.device, dtype=self.torch_dtype,
                                     attn=attn_implementation(self.device))
        self.feature_extractor = AutoFeatureExtractor.from_pretrained(self.path)
        self.sample_rate = int(getattr(self.feature_extractor, "sampling_rate", 16000))
        self.dim = int(self.model.config.hidden_size)

    def encode_audio(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """mono float32 samples -> (dim,) float32. Silence or empty audio still gets an embedding."""
        return self.encode_audios([audio], sample_rate)[0]

    def encode_audios(self, audios: Sequence[np.ndarray], sample_rate: int) -> np.ndarray:
        """Several segments -> (n, dim) float32.

        Checkpoints without return_attention_mask (wav2vec2-base/large use group norm) must not see
        zero padding, so those run one segment per forward pass; the others batch with a mask.
        """
        torch = self._torch
        clips = []
        for a in audios:
            a = resample_linear(np.asarray(a, dtype=np.float32).reshape(-1), sample_rate, self.sample_rate)
            if len(a) < self.min_samples:
                a = np.pad(a, (0, self.min_samples - len(a)))
            clips.append(a)
        batch_size = self.batch_size if self.feature_extractor.return_attention_mask else 1
        out = [np.zeros((0, self.dim), np.float32)]
        for batch in _batches(clips, batch_size):
            inputs = self.feature_extractor(batch, sampling_rate=self.sample_rate, padding=True, return_tensors="pt",
                                            return_attention_mask=self.feature_extractor.return_attention_mask)
            values = inputs["input_values"].to(self.device, self.torch_dtype)
            mask = inputs.get("attention_mask")
            with torch.inference_mode():
                if mask is not None:
                    mask = mask.to(self.device)
                    hidden = self.model(values, attention_mask=mask).last_hidden_state
                    frame_mask = self.model._get_feature_vector_attention_mask(hidden.shape[1], mask)
                    w = frame_mask.unsqueeze(-1).to(hidden.dtype)
                    pooled = (hidden * w).sum(1) / w.sum(1).clamp(min=1)
                else:
                    pooled = self.model(values).last_hidden_state.mean(dim=1)
            out.append(to_numpy(pooled))
        return np.concatenate(out).astype(np.float32)
