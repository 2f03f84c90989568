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
