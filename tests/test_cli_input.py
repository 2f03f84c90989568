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
    assert "\n 1. bad\\xffutf8@00:0" in gk(home, "search", "shotgun").output
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


# -- what ingest is given: empty names, symbolic links, pictures -----------------------------------

def test_an_empty_name_is_an_error_not_this_folder(tmp_path, monkeypatch):
    from ingest.sources import expand
    from kb.errors import BadInput

    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "a.mp4").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    for empty in ("", "  "):
        with pytest.raises(BadInput, match="unset shell variable"):
            expand([empty])
    line = _one_line_error(gk(tmp_path / "kb", "ingest", ""), "empty name")
    assert "for this folder write ." in line


def test_symbolic_links_named_on_the_command_line(tmp_path):
    (tmp_path / "a.mp4").symlink_to(tmp_path / "b.mp4")
    (tmp_path / "b.mp4").symlink_to(tmp_path / "a.mp4")
    (tmp_path / "gone.mp4").symlink_to(tmp_path / "nowhere.mp4")
    result = gk(tmp_path / "kb", "ingest", str(tmp_path / "a.mp4"), str(tmp_path / "gone.mp4"))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"FAIL {tmp_path}/a.mp4: symbolic link loop: it leads back to itself",
        f"FAIL {tmp_path}/gone.mp4: broken symbolic link: its target {tmp_path}/nowhere.mp4 does not exist",
        "0 ingested, 0 skipped, 2 failed"]


def test_folders_follow_symlinked_folders_once_and_name_broken_links(tmp_path):
    """A folder holding only a link to a folder of videos holds those videos; a link back up the
    tree is walked once; a broken or looping link named like a video is one line each."""
    from ingest.sources import expand

    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    for name in ("one.mp4", "sub/two.mkv", "notes.txt"):
        (real / name).write_bytes(b"x")
    (real / "sub" / "up").symlink_to(real)  # a loop through folders
    (real / "dead.mp4").symlink_to(tmp_path / "missing.mp4")
    (real / "loop.mp4").symlink_to(real / "loop.mp4")
    (real / "dead.txt").symlink_to(tmp_path / "missing.txt")  # not a video: not reported
    only_link = tmp_path / "links"
    only_link.mkdir()
    (only_link / "videos").symlink_to(real)
    sources, problems = expand([str(only_link)])
    assert sorted(s.path.name for s in sources) == ["one.mp4", "two.mkv"]
    assert sorted((p.rsplit("/", 1)[1], why.split(":")[0]) for p, why in problems) == [
        ("dead.mp4", "broken symbolic link"), ("loop.mp4", "symbolic link loop")]
    sources, problems = expand([str(real), str(only_link)])  # the same files by two routes: once
    assert sorted(s.path.name for s in sources) == ["one.mp4", "two.mkv"]


@pytest.mark.parametrize("picture", ["pic.jpg", "pic.png", "still.gif", "hedgewars_nature_3.88s.webp"])
def test_a_still_image_is_not_a_video(tmp_path, picture):
    from PIL import Image

    from tests.kbcheck import ROOT

    path = ROOT / "tests" / "data" / picture
    if not path.exists():
        path = tmp_path / picture
        Image.new("RGB", (64, 48), "red").save(path)
    result = gk(tmp_path / "kb", "ingest", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"FAIL {path}: " + {
        ".jpg": "a still image (mjpeg), not a video", ".png": "a still image (png), not a video",
        ".gif": "a still image (gif), not a video", ".webp": "a still image (webp), not a video"}[path.suffix]
    assert json.loads(gk(tmp_path / "kb", "videos", "--json").output) == []


# -- where things are written -----------------------------------------------------------------------

@pytest.mark.parametrize("home", ["/etc/passwd", "/proc", "/etc/passwd/kb", "FILE"])
def test_a_home_that_cannot_hold_a_library_is_one_line(tmp_path, home):
    if home == "FILE":
        home = tmp_path / "notes.txt"
        home.write_text("mine")
    _one_line_error(gk(home, "videos"), "knowledge base", str(home), "--home")
    if not str(home).startswith("/"):
        assert home.read_text() == "mine"


def test_timeline_png_into_a_missing_folder_is_refused(named, tmp_path):
    home = named[0]
    target = tmp_path / "no" / "such" / "t.png"
    _one_line_error(gk(home, "timeline", "bad\\xffutf8", "--png", str(target)), "does not exist", str(target.parent))
    assert not (tmp_path / "no").exists()
    ok = gk(home, "timeline", "bad\\xffutf8", "--png", str(tmp_path / "t.png"))
    assert ok.exit_code == 0 and (tmp_path / "t.png").read_bytes().startswith(b"\x89PNG")


# -- the global options, before or after the command name ---------------------------------------------

def _cli(*args, env=None):
    from typer.testing import CliRunner

    from cli import app

    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_home_and_verbose_go_before_or_after_the_command(named, tmp_path):
    home, _, bad, _ = named
    after = _cli("videos", "--json", "--home", str(home), "--verbose")
    before = _cli("--home", str(home), "--verbose", "videos", "--json")
    assert after.exit_code == before.exit_code == 0 and after.output == before.output
    assert "bad\\xffutf8" in [r["video"] for r in json.loads(before.output)]
    again = _cli("--home", str(home), "ingest", bad)
    assert again.exit_code == 0 and "already ingested as bad\\xffutf8" in again.output
    # a --home typed before the command wins over GAMEKB_HOME; one typed after it wins over both
    assert "bad\\xffutf8" in _cli("--home", str(home), "videos", env={"GAMEKB_HOME": str(tmp_path / "x")}).output
    assert "empty" in _cli("--home", str(home), "videos", "--home", str(tmp_path / "y")).output
    assert _cli("--home", str(home), "models", "--home", str(home), "--json").exit_code == 0


@pytest.mark.own_sql_store
def test_db_goes_before_or_after_the_command(named, tmp_path):
    import os

    home = named[0]
    url = f"sqlite:///{home}/gamekb.sqlite"
    for args in (["--db", url, "videos", "--json"], ["videos", "--json", "--db", url]):
        rows = json.loads(_cli(*args, "--home", str(tmp_path)).output)
        assert [r["video"] for r in rows][:1] == ["bad\\xffutf8"], args
        assert os.environ.get("GAMEKB_DB_URL") is None  # restored for the next in-process caller


def test_version():
    from importlib.metadata import version

    result = _cli("--version")
    assert result.exit_code == 0 and result.output == f"gamekb {version('gamekb')}\n"
