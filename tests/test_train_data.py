"""`gamekb train data`: grounded pairs from the real sample clip, and the original formats converted."""

from __future__ import annotations

import json

import pytest

from cli import app
from kb.store import KnowledgeBase
from retrieval.types import format_ts
from tests.train_helpers import VIDEO, kb_home, runner  # noqa: F401 (kb_home is a fixture)


@pytest.fixture(scope="module")
def pairs(kb_home, tmp_path_factory):
    out = tmp_path_factory.mktemp("data") / "pairs.jsonl"
    r = runner.invoke(app, ["train", "data", str(out), "--home", str(kb_home), "--json"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert info["pairs"] == len(lines) and info["videos"] == [VIDEO]
    return lines


def test_pairs_carry_the_kb_events_times_and_segments(kb_home, pairs):
    kb = KnowledgeBase.open(kb_home)
    events = {(e.kind, round(e.t_start, 3)): e for e, v in kb.events() if v.name == VIDEO}
    grounded = [p for p in pairs if p["kind"] in ("pickup", "speech", "hud_message", "damage", "death")]
    assert grounded
    for p in grounded:
        kind = "pickup" if p["kind"] == "hud_message" else p["kind"]
        e = events.get((kind, p["t"]))
        assert e is not None, p  # the pair's time is an event's start, to the millisecond
        assert p["segment"] == e.segment_idx and p["video"] == VIDEO
        assert format_ts(p["t"]) in p["answer"] or format_ts(p["t"]) in p["question"]
        lo, hi = p["window"]
        assert lo <= p["t"] <= hi and hi - lo <= 15.0
        assert p["answer"].endswith(f"{VIDEO}@{format_ts(lo)}.")  # cites the moment as the prompt prints it
    # every pickup the clip's README lists is asked about, at its time (OCR onsets within a second)
    picked = {(p["answer"].split("picked up the ")[1].split(" freedoom")[0].split(" at ")[0], p["t"])
              for p in pairs if p["kind"] == "pickup" and p["question"].startswith("What did I pick up")}
    for label, t in [("shotgun shells", 0.8), ("small health pack", 2.46), ("shotgun shells", 6.0),
                     ("angle grinder", 7.77), ("small health pack", 16.46)]:
        assert any(lab == label and abs(tt - t) <= 1.0 for lab, tt in picked), (label, t, picked)
    # "when did I pick up X" only for things picked up once (the one segment must hold the answer)
    when = [p for p in pairs if p["question"].startswith("When did I pick up")]
    assert {p["question"] for p in when} >= {"When did I pick up the angle grinder?"}
    assert not any("shotgun shells" in p["question"] for p in when)


def test_segment_and_hud_pairs(kb_home, pairs):
    kb = KnowledgeBase.open(kb_home)
    segments = {r["idx"]: r for r in kb.segments.rows("video_id > 0", columns=["idx", "start_s", "end_s", "keyframe_s"])}
    describe = [p for p in pairs if p["kind"] == "describe"]
    assert {p["segment"] for p in describe} == set(segments)
    first = next(p for p in describe if p["segment"] == 0)
    assert "angle grinder" in first["answer"] and "Time for the angle grinder" in first["answer"]
    for p in (p for p in pairs if p["kind"] == "hud"):
        seg = segments[p["segment"]]
        assert p["t"] == pytest.approx(seg["keyframe_s"], abs=1e-3)  # the keyframe shows the status bar
        assert p["values"]["health"] in (89.0, 91.0, 99.0)  # the README's health values


def test_original_formats_convert(tmp_path, kb_home):
    qa = tmp_path / "qa.json"
    qa.write_text(json.dumps([{"question": "What is the angle grinder?", "answer": "Freedoom's chainsaw."},
                              {"question": "Which map is this?", "answer": "E2M3.", "video": VIDEO, "timestamp": 3}]))
    chat = tmp_path / "chat.jsonl"
    chat.write_text("\n".join(json.dumps(r) for r in [
        {"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi?"},
                      {"role": "assistant", "content": [{"type": "text", "text": "hello"}]},
                      {"role": "user", "content": "what now?"}, {"role": "assistant", "content": "run"}]}]))
    out = tmp_path / "converted.jsonl"
    r = runner.invoke(app, ["train", "data", str(out), "--input", str(qa), "--input", str(chat), "--json",
                            "--home", str(kb_home)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["grounded"] == 0  # --input alone: no KB pairs
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(p["question"], p["answer"], p["source"]) for p in rows] == [
        ("What is the angle grinder?", "Freedoom's chainsaw.", "qa"), ("Which map is this?", "E2M3.", "qa"),
        ("hi?", "hello", "messages"), ("what now?", "run", "messages")]
    assert rows[1]["video"] == VIDEO and rows[1]["t"] == 3.0
    # our own output reads back unchanged, and --kb adds the library's pairs
    from reasoning.training.data import read_pairs

    assert [p.to_json() for p in read_pairs(out)] == rows
    r = runner.invoke(app, ["train", "data", str(out), "--input", str(qa), "--kb", "--home", str(kb_home)])
    assert r.exit_code == 0 and "tied to a video moment" in r.stdout


def test_bad_input_is_one_clean_line(tmp_path, kb_home):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "x"}\n')
    r = runner.invoke(app, ["train", "data", str(tmp_path / "o.jsonl"), "--input", str(bad), "--home", str(kb_home)])
    assert r.exit_code == 2 and "question/answer or messages" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["train", "data", str(tmp_path / "o.jsonl"), "--input", str(tmp_path / "nope.json")])
    assert r.exit_code == 2 and "does not exist" in r.output
