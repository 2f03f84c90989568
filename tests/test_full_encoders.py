"""The full profile's encoders on tiny random-weight models built from configs (CPU, no downloads).

The weights are random, so only invariants are checked: shapes, dims read from the config, unit norm
where promised, determinism, batching that agrees with one-at-a-time, and the offline error.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import torch  # noqa: E402

from kb.models import registry  # noqa: E402
from kb.errors import MissingDependency  # noqa: E402
from tests import tiny_models  # noqa: E402
from tests.tiny_models import frames  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def tiny_siglip(tmp_path_factory):
    return tiny_models.siglip(tmp_path_factory.mktemp("siglip"))


def test_siglip2_images_and_texts_share_a_unit_norm_space(tiny_siglip):
    enc = registry.create("visual", "siglip2", model=str(tiny_siglip), device="cpu", batch_size=2, text_max_length=16)
    assert enc.dim == 32 and enc.dtype == "float32"
    imgs = enc.encode_images(frames(3))
    txts = enc.encode_texts(["the enemy", "a red key card", "health pack"])
    assert imgs.shape == (3, 32) and txts.shape == (3, 32)
    assert imgs.dtype == np.float32 and txts.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(imgs, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(txts, axis=1), 1.0, atol=1e-5)
    # batching (2 + 1) agrees with one image at a time, and distinct inputs give distinct vectors
    np.testing.assert_allclose(enc.encode_images(frames(3)[2:]), imgs[2:], atol=1e-5)
    assert not np.allclose(imgs[0], imgs[1])
    assert enc.encode_images([]).shape == (0, 32)
    assert enc.info()["model_id"] == str(tiny_siglip)


def test_siglip2_naflex_checkpoint_loads_through_the_same_backend(tmp_path):
    enc = registry.create("visual", "siglip2", model=str(tiny_models.siglip2_naflex(tmp_path)), device="cpu",
                          text_max_length=16)
    imgs, txts = enc.encode_images(frames(2)), enc.encode_texts(["the enemy"])
    assert imgs.shape == (2, 32) and txts.shape == (1, 32)
    np.testing.assert_allclose(np.linalg.norm(imgs, axis=1), 1.0, atol=1e-5)


def test_videomae_pools_one_vector_per_segment_whatever_its_length(tmp_path):
    tiny_models.videomae(tmp_path)
    enc = registry.create("temporal", "videomae", model=str(tmp_path), device="cpu", batch_size=2)
    assert enc.dim == 32 and enc.num_frames == 4
    one = enc.encode_clip(frames(1))  # too few frames: repeated up to num_frames
    many = enc.encode_clip(frames(9, seed=1))  # too many: sampled evenly
    assert one.shape == (32,) and many.shape == (32,) and one.dtype == np.float32
    assert not np.allclose(one, many)
    batch = enc.encode_clips([frames(1), frames(9, seed=1), frames(4, seed=2)])
    assert batch.shape == (3, 32)
    np.testing.assert_allclose(batch[0], one, atol=1e-4)
    np.testing.assert_allclose(batch[1], many, atol=1e-4)


def test_wav2vec2_mean_pools_audio_with_and_without_attention_masks(tmp_path):
    tiny_models.wav2vec2(tmp_path)
    rng = np.random.default_rng(0)
    speech = rng.standard_normal(16000).astype(np.float32) * 0.1
    for mask in (False, True):
        tiny_models.wav2vec2(tmp_path, attention_mask=mask)
        enc = registry.create("audio", "wav2vec2", model=str(tmp_path), device="cpu", batch_size=4)
        assert enc.dim == 32
        v = enc.encode_audio(speech, 16000)
        assert v.shape == (32,) and v.dtype == np.float32 and np.isfinite(v).all()
        # 8 kHz input is resampled to the model's 16 kHz; empty audio still yields a vector
        assert enc.encode_audio(speech[::2], 8000).shape == (32,)
        assert np.isfinite(enc.encode_audio(np.zeros(0, np.float32), 16000)).all()
        batch = enc.encode_audios([speech, speech[:4000]], 16000)
        assert batch.shape == (2, 32)
        np.testing.assert_allclose(batch[0], v, atol=1e-4)  # padding never leaks into the mean


def test_missing_model_offline_is_one_clear_error():
    with pytest.raises(MissingDependency) as err:
        registry.create("visual", "siglip2", model="gamekb-test/no-such-model", device="cpu")
    msg = str(err.value)
    assert "gamekb-test/no-such-model" in msg and "HF_HUB_OFFLINE" in msg and "download" in msg
    with pytest.raises(MissingDependency, match="does not exist"):
        registry.create("temporal", "videomae", model="/nonexistent/videomae", device="cpu")


def test_backends_are_registered_as_full_profile():
    names = {(b.stage, b.name): b for b in registry.backends()}
    for key in [("visual", "siglip2"), ("temporal", "videomae"), ("audio", "wav2vec2")]:
        assert names[key].profile == "full" and "gamekb[full]" in names[key].install
