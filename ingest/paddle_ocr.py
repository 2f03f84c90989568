"""OCR backend `paddle`: PaddleOCR 3.x (PP-OCRv5) from local model directories (full profile).

PaddleOCR's own models are not shipped in any package and PaddleOCR downloads them on first use;
gamekb never lets it: the detection and recognition models must be given as local directories
(an exported inference model: `inference.json` or `inference.pdmodel`, plus `inference.pdiparams`),
e.g. fetched once with `hf download PaddlePaddle/PP-OCRv5_server_det --local-dir ...`.
Implements ingest.ocr_engines.OcrEngine: `read(image)` (detect + recognise) and `read_line(image)`
(recognition only; the rule pack's HUD regions are already single lines).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from kb.errors import MissingDependency
from kb.models.registry import register

log = logging.getLogger(__name__)

PADDLE_INSTALL = "pip install 'gamekb[paddle]'  (paddleocr and paddlepaddle; GPU wheels: paddlepaddle.org.cn)"


def check_model_dir(path: str | Path | None, role: str) -> Path:
    """An exported Paddle inference model directory, or MissingDependency saying what to provide."""
    if not path:
        raise MissingDependency(f"the paddle OCR backend needs a local {role} model directory "
                                f"(--ocr-{role}-dir); download one on a connected machine, e.g. "
                                f"`hf download PaddlePaddle/PP-OCRv5_server_{role} --local-dir DIR`")
    p = Path(path).expanduser()
    if not p.is_dir():
        raise MissingDependency(f"PaddleOCR {role} model directory {p} does not exist")
    has_graph = (p / "inference.json").is_file() or (p / "inference.pdmodel").is_file()
    if not has_graph or not (p / "inference.pdiparams").is_file():
        raise MissingDependency(f"{p} is not an exported PaddleOCR {role} model: it needs inference.json "
                                f"(or inference.pdmodel) and inference.pdiparams")
    return p


@register("ocr", "paddle", profile="full", requires=("paddleocr", "paddle"), install=PADDLE_INSTALL,
          description="PaddleOCR PP-OCRv5 det+rec from local model directories")
class PaddleOcrEngine:
    """PaddleOCR text detection + recognition, models from local directories only."""

    name = "paddle"

    def __init__(self, det_model_dir: str | None = None, rec_model_dir: str | None = None,
                 det_model_name: str = "PP-OCRv5_server_det", rec_model_name: str = "en_PP-OCRv5_mobile_rec",
                 device: str = "cpu") -> None:
        # Directories first: a missing model is the user's to fix, before any heavy import.
        det, rec = check_model_dir(det_model_dir, "det"), check_model_dir(rec_model_dir, "rec")
        from paddleocr import PaddleOCR, TextRecognition

        self.model_id = f"{rec_model_name}+{det_model_name}"
        self.pipeline = PaddleOCR(text_detection_model_name=det_model_name, text_detection_model_dir=str(det),
                                  text_recognition_model_name=rec_model_name, text_recognition_model_dir=str(rec),
                                  use_doc_orientation_classify=False, use_doc_unwarping=False,
                                  use_textline_orientation=False, device=device)
        self.recognizer = TextRecognition(model_name=rec_model_name, model_dir=str(rec), device=device)

    @staticmethod
    def _bgr(image: np.ndarray) -> np.ndarray:
        img = np.asarray(image)
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        return np.ascontiguousarray(img[..., ::-1])  # Paddle expects OpenCV's BGR order

    def read(self, image: np.ndarray) -> list[tuple[str, float]]:
        """Text lines found anywhere in an RGB or grayscale image, with confidence 0..1."""
        out = []
        for res in self.pipeline.predict(self._bgr(image)):
            for text, score in zip(res["rec_texts"], res["rec_scores"]):
                if text.strip():
                    out.append((text.strip(), float(score)))
        return out

    def read_line(self, image: np.ndarray, charset: str | None = None) -> tuple[str, float]:
        """Recognise one text line (no detection). `charset` filters the output characters."""
        res = next(iter(self.recognizer.predict(input=self._bgr(image), batch_size=1)), None)
        if res is None:
            return "", 0.0
        text, score = str(res["rec_text"]), float(res["rec_score"])
        if charset is not None:
            text = "".join(ch for ch in text if ch in charset)
        return text.strip(), score
