"""The per-frame stage driver (ingest/stages.py, issue 15): every stage gets frames at its own rate
from one loop, ingest builds its stages from factories, and a stage installed with pip as a
`gamekb.stages` entry point runs in a real ingest with no change to gamekb. The built-in `blank`
stage (a black or flat screen) is the stage that was added by writing one module."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ingest import stages
from ingest.types import EventRecord, Frame
from tests.kbcheck import gamekb
from tests.test_game_plugins import _dist, pip_install

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg (apt-get install ffmpeg)")


class Recorder:
    def __init__(self, name, fps, early_s=0.0, log=None):
        self.name, self.fps, self.early_s = name, fps, early_s
        self.seen: list[float] = []
        self.log = log if log is not None else []

    def observe(self, frame):
        self.seen.append(frame.t)

    def finish(self, found):
        self.log.append(self.name)
        found.events.append(EventRecord(self.seen[-1], self.seen[-1], "text", self.name, "test"))


def _frames(times):
    image = np.zeros((8, 8, 3), np.uint8)
    return [Frame(t=t, image=image) for t in times]


def test_watch_gives_each_stage_its_own_rate_and_finishes_them_in_order():
    # times sampled at 2 fps from a 35 fps video jitter by up to a decoded frame
    times = [0.0, 0.514, 1.0, 1.514, 1.971, 2.514, 3.0, 3.486, 4.0]
    log: list[str] = []
    every = Recorder("every", None, log=log)
    strict = Recorder("strict", 1.0, log=log)
    tolerant = Recorder("tolerant", 1.0, early_s=0.25, log=log)
    seen_frames = []
    found = stages.watch(_frames(times), [every, strict, tolerant], on_frame=lambda i, f: seen_frames.append(i))
    assert every.seen == times and seen_frames == list(range(len(times)))
    # due at 1.0, 2.0 (1.971 is early: skipped), 3.0 (2.514 is due+0.514 -> next due 3.514), 4.0 ...
    assert strict.seen == [0.0, 1.0, 2.514, 4.0]
    # a frame half a sampling interval early counts as on time: one read a second
    assert tolerant.seen == [0.0, 1.0, 1.971, 3.0, 4.0]
    assert log == ["every", "strict", "tolerant"] and [e.label for e in found.events] == log
    assert found.last_t == 4.0


def test_a_stage_with_between_sees_the_frames_it_is_not_due_for():
    class Glancer(Recorder):
        def __init__(self):
            super().__init__("glancer", 1.0, early_s=0.25)
            self.between_seen: list[float] = []

        def between(self, frame):
            self.between_seen.append(frame.t)

    times = [0.0, 0.514, 1.0, 1.514, 1.971, 2.514, 3.0]
    glancer = Glancer()
    stages.watch(_frames(times), [glancer])
    assert glancer.seen == [0.0, 1.0, 1.971, 3.0] and glancer.between_seen == [0.514, 1.514, 2.514]


def test_blank_stage_finds_spans_of_a_flat_screen_and_nothing_in_a_dark_game_view():
    rng = np.random.default_rng(0)
    black = np.full((120, 160, 3), 2, np.uint8)
    # a dark game view: low values, but edges (a noisy corridor at brightness ~20)
    dark = np.clip(rng.normal(20, 12, (120, 160, 3)), 0, 255).astype(np.uint8)
    white = np.full((120, 160, 3), 250, np.uint8)
    seq = [dark] * 4 + [black] * 6 + [dark] * 4 + [black] + [dark] * 2 + [white] * 3 + [dark]
    frames = [Frame(t=0.5 * i, image=im) for i, im in enumerate(seq)]
    found = stages.watch(frames, [stages.BlankStage(2.0)])
    got = [(e.t_start, e.t_end, e.kind, e.label) for e in found.events]
    # 2.0-5.0 black (6 frames), the lone black frame at 7.0 is too short, 8.0-9.5 white
    assert got == [(2.0, 5.0, "blank", "black for 3 s"), (8.5, 10.0, "blank", "white for 1.5 s")], got


@needs_ffmpeg
def test_ingest_finds_a_black_screen_and_search_reaches_it(tmp_path):
    clip = tmp_path / "fade.mp4"
    r = subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=3",
                        "-f", "lavfi", "-i", "color=black:size=320x240:rate=25:duration=3",
                        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=3",
                        "-filter_complex", "[0][1][2]concat=n=3:v=1:a=0", "-pix_fmt", "yuv420p", str(clip)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    home = tmp_path / "kb"
    r = gamekb("ingest", str(clip), "--home", str(home))
    assert r.returncode == 0, r.stderr
    r = gamekb("events", "--kind", "blank", "--json", "--home", str(home))
    assert r.returncode == 0, r.stderr
    [ev] = json.loads(r.stdout)
    assert abs(ev["t_start"] - 3.0) <= 0.5 and abs(ev["t_end"] - 6.0) <= 0.5 and ev["label"] == "black for 3 s"
    r = gamekb("search", "black screen", "--json", "--home", str(home))
    assert r.returncode == 0 and "black for 3 s" in r.stdout, r.stdout


FLASHES = '''
"""A third-party stage: the brightest moment of each video."""
from ingest.types import EventRecord


class Brightest:
    name = "brightest"
    fps = 1.0

    def __init__(self):
        self.best = None

    def observe(self, frame):
        level = float(frame.image.mean())
        if self.best is None or level > self.best[1]:
            self.best = (frame.t, level)

    def finish(self, found):
        if self.best is not None:
            t, level = self.best
            found.events.append(EventRecord(t, t, "text", f"brightest frame ({level:.0f})", "frames"))


def make_stage(setup):
    return Brightest()


def broken(setup):
    raise RuntimeError("needs a GPU")
'''


@needs_ffmpeg
def test_a_pip_installed_stage_runs_in_ingest_and_a_broken_one_is_skipped(tmp_path):
    root = tmp_path / "dists"
    root.mkdir()
    dist = _dist(root, "gamekb-brightest", "0.1.0", "gamekb_brightest", FLASHES,
                 {"brightest": "gamekb_brightest:make_stage", "broken": "gamekb_brightest:broken",
                  "missing": "gamekb_nowhere:make_stage"}, group="gamekb.stages")
    site = pip_install([dist], tmp_path / "site")
    clip = tmp_path / "ramp.mp4"
    r = subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i",
                        "color=white:size=160x120:rate=25:duration=4,fade=in:st=0:d=4", "-pix_fmt", "yuv420p",
                        str(clip)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    home = tmp_path / "kb"
    r = gamekb("ingest", str(clip), "--home", str(home), env={"PYTHONPATH": str(site)})
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert "stage 'broken' skipped for this video: needs a GPU" in r.stderr
    assert "stage 'missing' (gamekb_nowhere:make_stage) skipped: it does not load" in r.stderr
    r = gamekb("events", "--text", "brightest", "--json", "--home", str(home))
    [ev] = json.loads(r.stdout)
    assert ev["t_start"] >= 3.0 and ev["label"].startswith("brightest frame")


def test_builtin_stages_are_factories_that_decline_what_they_cannot_do():
    from types import SimpleNamespace

    from ingest.rules import get_pack
    from kb.config import IngestConfig

    models = SimpleNamespace(ocr=object(), entities=None, text_detector=lambda: object())
    doom = [s.name for s in stages.build(stages.Setup(models, get_pack("doom"), IngestConfig(), 10.0))]
    generic = [s.name for s in stages.build(stages.Setup(models, get_pack("generic"), IngestConfig(), 10.0))]
    assert doom == ["messages", "hud", "blank"]  # no entity detector in the lite profile
    assert generic == ["screen_text", "blank"]  # no pack regions: the screen-text stage reads everything


def test_builtin_stages_are_declared_as_entry_points_too():
    import tomllib

    from tests.kbcheck import ROOT

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["entry-points"]["gamekb.stages"]
    assert declared == {name: f"ingest.stages:{f.__name__}" for name, f in stages.BUILTIN_STAGES.items()}
