"""The `paddle` OCR backend without PaddleOCR's weights: what can be checked is that it is registered,
that a missing package or a missing/incomplete model directory is one clear MissingDependency, and
(only where paddleocr and local models are present) that it reads text."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from ingest.paddle_ocr import PaddleOcrEngine, check_model_dir
from kb.models import registry
from kb.errors import MissingDependency


def test_registered_as_full_ocr_backend():
    b = registry.get("ocr", "paddle")
    assert b.profile == "full" and "paddleocr" in b.requires and "gamekb[paddle]" in b.install


@pytest.mark.skipif(importlib.util.find_spec("paddleocr") is not None, reason="paddleocr is installed here")
def test_missing_package_names_the_install():
    with pytest.raises(MissingDependency, match=r"paddleocr.*gamekb\[paddle\]"):
        registry.create("ocr", "paddle", det_model_dir="/x", rec_model_dir="/y")


def test_model_directories_are_checked_before_anything_loads(tmp_path):
    with pytest.raises(MissingDependency, match="needs a local det model directory"):
        PaddleOcrEngine(det_model_dir=None, rec_model_dir=str(tmp_path))
    with pytest.raises(MissingDependency, match="does not exist"):
        PaddleOcrEngine(det_model_dir=str(tmp_path / "nope"), rec_model_dir=str(tmp_path))
    (tmp_path / "det").mkdir()
    (tmp_path / "det" / "inference.json").write_text("{}")
    with pytest.raises(MissingDependency, match="inference.pdiparams"):
        check_model_dir(tmp_path / "det", "det")
    (tmp_path / "det" / "inference.pdiparams").write_bytes(b"")
    assert check_model_dir(tmp_path / "det", "det") == tmp_path / "det"


@pytest.mark.slow
def test_reads_text_with_real_models():
    det, rec = os.environ.get("GAMEKB_PADDLE_DET_DIR"), os.environ.get("GAMEKB_PADDLE_REC_DIR")
    if importlib.util.find_spec("paddleocr") is None or not det or not rec:
        pytest.skip("needs paddleocr and GAMEKB_PADDLE_DET_DIR / GAMEKB_PADDLE_REC_DIR model directories")
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 64), "black")
    ImageDraw.Draw(img).text((10, 20), "PICKED UP A SHOTGUN", fill="white")
    engine = registry.create("ocr", "paddle", det_model_dir=det, rec_model_dir=rec)
    text, conf = engine.read_line(np.asarray(img))
    assert "SHOTGUN" in text.upper() and 0 <= conf <= 1
