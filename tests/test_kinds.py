"""The kind registry (kb/kinds.py) is the one list of event kinds: answers, timelines, training data
and the CLI read it, so a kind a game pack registers reaches all of them, and a kind nobody
registered still works everywhere."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from cli import app
from kb import kinds
from kb.kinds import EventKind
from kb.lance import SegmentRow
from kb.schema import Event, Segment, StateSample
from kb.store import KnowledgeBase, VideoRecords
from reasoning.extractive import Extractive
from reasoning.training.data import from_kb
from reasoning import timeline
from retrieval.types import Matched, Moment

LAP = EventKind("lap_record", "lap record best lap", "you set a lap record: {label}", 23, "#00e5ff",
                "a new best lap time")


@pytest.fixture
def lap_kind():
    """A pack's own kind, registered as a pack registers it, and gone after the test."""
    kind = kinds.register_kind(LAP)
    yield kind
    kinds._KINDS.pop(LAP.name, None)


def test_register_get_and_defaults():
    assert kinds.get("pickup").phrase == "you picked up {label}"
    # a pack re-registering a generic kind keeps the generic one unless it asks to replace it
    assert kinds.register_kind(EventKind("pickup", phrase="grabbed {label}")).phrase == "you picked up {label}"
    unknown = kinds.get("boss_phase")  # an old library's kind, or a pack that is gone
    assert unknown.name == "boss_phase" and unknown.on_timeline and unknown.colour == kinds.OTHER_COLOUR
    assert kinds.phrase("boss_phase", "two") == "boss phase: two"
    assert "boss_phase" not in kinds.names()
    names = kinds.names()
    assert names.index("pickup") < names.index("speech") < names.index("scene")  # lane order


def test_every_kind_has_its_own_colour_and_a_phrase():
    drawn = [k for k in kinds.all_kinds() if k.on_timeline]
    colours = [k.colour.lower() for k in drawn]
    assert len(set(colours)) == len(colours) and kinds.OTHER_COLOUR not in colours
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)
    for k in kinds.all_kinds():
        said = kinds.phrase(k.name, "LABEL")
        assert said.strip() and (("{label}" in k.phrase) == ("LABEL" in said)), k  # {label} or a fixed text
        assert k.description, k  # the generic path compares unknown text with it


def test_answers_keep_their_wording():
    # tests and users read these; the registry must say them exactly as the extractive reasoner did
    assert kinds.phrase("damage", "health 60 -> 40") == "you took damage (health 60 -> 40)"
    assert kinds.phrase("low_health", "health low (16%)") == "you were low on health (health low (16%))"
    assert kinds.phrase("text", "GAME OVER") == 'the screen read "GAME OVER"'


def test_a_pack_kind_reaches_the_extractive_answer(lap_kind):
    m = Moment(video="race", video_path="/v/race.mp4", video_id=1, segment_id=0, start_s=60.0, end_s=70.0,
               score=1.0, text="", matched=[Matched(t=61.0, source="screen", kind="lap_record", label="1:23.4"),
                                            Matched(t=62.0, source="screen", kind="boss_phase", label="two")])
    text = Extractive().answer("best lap?", [m]).text
    assert "you set a lap record: 1:23.4" in text and "boss phase: two" in text and "[race@01:00]" in text


@pytest.fixture
def race_kb(tmp_path):
    """A library of a game with no Doom in it: generic kinds, a pack's kind, a kind nobody
    registered, and HUD series of any name."""
    kb = KnowledgeBase.open(tmp_path)  # the PostgreSQL pass maps each home to its own database
    video = kb.claim(tmp_path / "race.mp4", "cd" * 32, {"duration_s": 30.0}, "lite")
    ev = [("round", 1.0, "LAP 1"), ("kill", 4.2, "Alice fragged Bob"), ("lap_record", 12.0, "1:23.4"),
          ("objective", 14.0, "Checkpoint reached"), ("achievement", 16.0, "New record"), ("text", 17.0, "GAME PAUSED"),
          ("text", 18.0, "x7 |"), ("boss_phase", 19.0, "phase two"), ("scene", 5.0, "scene change"),
          ("pickup", 22.0, "nitro")]
    states = [(t, name, v) for t in (2.0, 5.0, 5.5, 6.0, 15.0) for name, v in
              (("health", 80.0), ("score", 1200.0 if t < 5 else 1700.0), ("hud@0.85,0.05", 3.0))]
    row = SegmentRow(idx=0, start_s=0.0, end_s=10.0, keyframe_s=5.5, text_vec=[1.0, 0.0, 0.0, 0.0])
    records = VideoRecords(
        segments=[Segment(idx=0, start_s=0, end_s=10, keyframe_s=5.5), Segment(idx=1, start_s=10, end_s=30, keyframe_s=15)],
        events=[Event(t_start=t, t_end=t + 0.5, kind=k, label=label, source="screen", segment_idx=int(t >= 10))
                for k, t, label in ev],
        states=[StateSample(t=t, name=n, value=v) for t, n, v in states],
        rows=[row, replace(row, idx=1, start_s=10.0, end_s=30.0, keyframe_s=15.0)],
        manifest={"text_vec": {"model": "m", "dim": 4}})
    kb.commit_video(video.id, records, {"profile": "lite"})
    return kb, kb.videos(status="ready")[0]


def test_timeline_lanes_and_curves_come_from_the_registry(race_kb, lap_kind, tmp_path):
    kb, video = race_kb
    data = timeline.for_video(kb, video)
    lanes = {lane["kind"]: lane for lane in data["lanes"]}
    assert "scene" not in lanes  # off the timeline by its registry entry
    order = [lane["kind"] for lane in data["lanes"]]
    assert order == sorted(order, key=lambda k: (kinds.get(k).lane, k))
    assert order[0] == "pickup" and order[-1] == "boss_phase"  # unregistered kinds follow the known ones
    assert lanes["lap_record"]["colour"] == LAP.colour and lanes["kill"]["colour"] == kinds.get("kill").colour
    # a kind without a colour of its own still gets one, not the grey of "other"
    assert lanes["boss_phase"]["colour"] != kinds.OTHER_COLOUR
    series = {s["name"]: s for s in data["series"]}
    assert set(series) == {"health", "score", "hud@0.85,0.05"}
    assert series["health"]["colour"] == timeline.SERIES_COLOURS["health"] and series["health"]["shared"]
    assert not series["score"]["shared"]  # 1700 would flatten health on a shared axis
    assert len({s["colour"] for s in series.values()}) == 3
    out = tmp_path / "t.png"
    timeline.render_png(data, out)
    assert out.read_bytes().startswith(b"\x89PNG")


def test_training_pairs_from_a_library_of_any_game(race_kb, lap_kind):
    kb, _ = race_kb
    pairs = {p.kind: p for p in from_kb(kb)}
    assert {"kill", "round", "objective", "achievement", "text", "lap_record", "pickup", "describe", "hud"} <= set(pairs)
    assert "Alice fragged Bob" in pairs["kill"].answer and pairs["kill"].segment == 0
    assert "you set a lap record: 1:23.4" in pairs["lap_record"].answer
    assert pairs["lap_record"].question == "What happened at 00:12?"
    assert pairs["text"].answer.startswith('At 00:17 the screen read "GAME PAUSED"')
    assert not any("x7" in p.answer for p in from_kb(kb) if p.kind == "text")  # OCR junk is not asked about
    assert "health 80%, score 1700" in pairs["hud"].answer and "hud@" not in pairs["hud"].answer
    assert all(p.answer.endswith(".") and "race@" in p.answer for p in pairs.values())


def test_cli_lists_the_kinds(race_kb, lap_kind):
    kb, _ = race_kb
    r = CliRunner().invoke(app, ["events", "--kinds", "--json", "--home", str(kb.settings.home)])
    assert r.exit_code == 0, r.output
    rows = {row["kind"]: row for row in json.loads(r.stdout)}
    assert set(kinds.names()) <= set(rows) and rows["lap_record"]["description"] == LAP.description
    assert rows["boss_phase"]["in_library"] and rows["kill"]["in_library"] and not rows["death"]["in_library"]
    r = CliRunner().invoke(app, ["events", "--help"])
    assert "--kinds" in r.output
