"""Inputs that crashed or misled a new user (issue 14, part 3): each is one line that says what to
do and a non-zero exit where it is an error, never a traceback; odd but valid inputs work."""

import json

import pytest

from kb.errors import GamekbError
from retrieval.query import parse_ts
from tests.kbcheck import gk


def _one_line_error(result, *words):
    assert result.exit_code != 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gamekb: "), result.output
    assert all(w in lines[0] for w in words), result.output
    return lines[0]


@pytest.mark.parametrize("bad", ["00:60", "99:99", "1:60:00", "0:00:60"])
def test_a_clock_time_past_59_is_refused(tmp_path, bad):
    with pytest.raises(GamekbError, match="00 to 59"):
        parse_ts(bad)
    _one_line_error(gk(tmp_path, "search", "shotgun", "--from", bad), "--from", bad)
    _one_line_error(gk(tmp_path, "events", "--to", bad), "--to", bad)


def test_times_a_clock_shows_still_parse():
    assert [parse_ts(t) for t in ("00:59", "01:00", "1:02:03", "83", "90.5", "0:59.5")] == [59, 60, 3723, 83, 90.5, 59.5]


def test_a_model_citing_an_impossible_time_is_not_an_error():
    from reasoning.prompting import parse_citations

    assert parse_citations("it happened at demo@00:75 and demo@99:99", []) == []


# -- file names: not UTF-8, control characters ------------------------------------------------------

EVIL = "evil\x1b]0;owned\x07\x1b[31mred\u202eline\nbreak"  # an OSC title, an ANSI colour, a bidi override, a newline


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    """One library holding a video whose file name is not UTF-8 and one whose name holds escapes."""
    import os

    from tests.clips import make_silent_video

    d = tmp_path_factory.mktemp("names")
    home = tmp_path_factory.mktemp("kb")
    bad = os.fsdecode(bytes(d) + b"/bad\xffutf8.mp4")
    os.rename(make_silent_video(d / "a.mp4", 2.0, texts=[(0.2, 1.8, "You got the shotgun!")]).path, bad)
    evil = str(d / f"{EVIL}.mp4")
    os.rename(make_silent_video(d / "b.mp4", 2.0, texts=[(0.2, 1.8, "Picked up a stimpack.")]).path, evil)
    result = gk(home, "ingest", bad, evil)
    return home, result, bad, evil


def test_a_file_name_that_is_not_utf8_ingests_and_is_found(named):
    from kb.names import path_of

    home, result, bad, _ = named
    assert result.exit_code == 0, result.output
    assert "bad\\xffutf8.mp4: 1 segments" in result.output
    rows = {r["video"]: r for r in json.loads(gk(home, "videos", "--json").output)}
    assert rows["bad\\xffutf8"]["status"] == "ready"
    assert str(path_of(rows["bad\\xffutf8"]["video_path"])) == bad  # the path leads back to the file
    assert "bad\\xffutf8" in gk(home, "videos").output
    hits = json.loads(gk(home, "search", "shotgun", "--video", "bad\\xffutf8", "--json").output)
    assert hits and hits[0]["video"] == "bad\\xffutf8"
    assert gk(home, "search", "shotgun").output.startswith(" 1. bad\\xffutf8@00:0")
    again = gk(home, "ingest", bad)  # found again by its stored path: a skip, not a second copy
    assert again.exit_code == 0 and "already ingested as bad\\xffutf8" in again.output


def test_control_characters_in_names_are_printed_escaped(named, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # the videos table keeps each name on one line
    home, result, _, _ = named
    shown = "evil\\x1b]0;owned\\x07\\x1b[31mred\\u202eline\\nbreak"
    outputs = {"ingest": result.output, "videos": gk(home, "videos").output,
               "search": gk(home, "search", "stimpack").output,
               "events": gk(home, "events", "--kind", "pickup").output,
               "timeline": gk(home, "timeline", EVIL).output}
    for command, out in outputs.items():
        assert shown in out, (command, out)
        assert not any(ch in out for ch in "\x1b\x07\u202e"), (command, out)
        assert "line\nbreak" not in out, (command, out)
    [line] = [ln for ln in result.output.splitlines() if "evil" in ln]
    assert line.startswith("ok   ") and line.endswith("s)")
    assert json.loads(gk(home, "videos", "--json").output)[1]["video"] == EVIL  # JSON keeps the name exact
