"""The small interfaces each ingest backend implements. Backends are looked up by name in kb.models.registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from ingest.types import SpeechObservation


class FrameEncoder(Protocol):
    """Per-image embeddings (lite: colour-layout descriptor; full: SigLIP2)."""

    name: str
    model_id: str  # hub id, local path or descriptor name; recorded in the LanceDB metadata
    dim: int

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """RGB uint8 HxWx3 images -> (n, dim) float32, L2-normalised."""


class TextImageEncoder(FrameEncoder, Protocol):
    """A FrameEncoder with a text tower in the same space (SigLIP2), for text-to-picture search."""

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """-> (n, dim) float32, L2-normalised."""


class ClipEncoder(Protocol):
    """One embedding per short clip of frames (lite: motion features; full: VideoMAE)."""

    name: str
    model_id: str
    dim: int

    def encode_clip(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """RGB frames of one segment, in time order -> (dim,) float32."""


class AudioEncoder(Protocol):
    """One embedding per segment of audio (full: Wav2Vec2)."""

    name: str
    model_id: str
    dim: int

    def encode_audio(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """mono float32 samples -> (dim,) float32."""


class Transcriber(Protocol):
    name: str
    model_id: str

    def transcribe(self, audio: np.ndarray, sample_rate: int = 16000, offset_s: float = 0.0) -> list[SpeechObservation]:
        """mono float32 audio -> phrases with times (offset_s added), [] for silence. A transcriber
        that can be biased towards a game's words also takes `vocabulary: Sequence[str]`."""


@dataclass(frozen=True)
class Detection:
    concept: str  # the text prompt that found it ("enemy", "health pack")
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels
    score: float


class EntityDetector(Protocol):
    """Concept segmentation / detection on frames (full: SAM3)."""

    name: str
    model_id: str

    def detect(self, images: Sequence[np.ndarray], prompts: Sequence[str]) -> list[list[Detection]]:
        """-> for each image, the detections of any of the prompts."""
