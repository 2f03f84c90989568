"""Per-frame stages and the one driver that runs them, for ingest, tests and benchmarks alike.

A stage sees the sampled frames of one video as they stream past (`observe`) and, once the video
is over, adds what it found to a `Found` (`finish`): text reads, HUD values, typed events, entity
tracks. The driver (`watch`) hands each frame to every stage at the stage's own rate (`fps`; None
means every sampled frame), so no stage keeps its own clock and a test drives a stage exactly as
ingest does. This is PySceneDetect's shape: detectors with `process_frame` / `post_process`, one
`SceneManager` loop.

Stages are made per video by a factory that gets a `Setup` (the run's models and settings, the
video's game pack and duration) and returns a stage, or None where the stage has nothing to do
(no message regions in a generic game, no entity detector in the lite profile). The built-in
factories are in `BUILTIN_STAGES` (and declared in gamekb's pyproject.toml like a plug-in's); another package adds one through the entry-point group
`gamekb.stages` (a factory, or a module attribute that is one), with no edit to the pipeline:

    [project.entry-points."gamekb.stages"]
    flashes = "gamekb_flashes:make_stage"

A factory that raises, or an entry point that does not load, is skipped with a warning: a broken
plug-in must not stop an ingest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol, Sequence

import numpy as np

from ingest.types import EventRecord, Frame, GameState
from kb.config import IngestConfig
from kb.kinds import EventKind, register_kind

if TYPE_CHECKING:
    from ingest.entities import EntityTrack

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "gamekb.stages"


@dataclass
class Setup:
    """What a stage factory may use: the run's models and settings, and this video's pack."""

    models: Any  # ingest.pipeline.Models (models.ocr, models.entities, models.text_detector(), ...)
    pack: Any  # the ingest.rules.RulePack chosen for this video
    config: IngestConfig
    duration_s: float  # as probed; 0 when the container does not say


@dataclass
class Found:
    """What the per-frame stages found in one video, for the timeline indexer (ingest.events)."""

    texts: list = field(default_factory=list)  # ingest.types.TextObservation: the pack's message lines
    states: list[GameState] = field(default_factory=list)  # HUD values over time
    events: list[EventRecord] = field(default_factory=list)  # events a stage typed itself
    entities: list[EntityTrack] = field(default_factory=list)  # entity tracks (ingest.pipeline.records stores them)
    health_keys: list[str] = field(default_factory=list)  # state names that mean health
    last_t: float = 0.0  # time of the last sampled frame (set by `watch` before the stages finish)


class Stage(Protocol):
    # read-only to the driver: a stage may declare them as class attributes or set them in __init__
    @property
    def name(self) -> str: ...

    @property
    def fps(self) -> float | None: ...  # frames per second it wants; None: every sampled frame

    # optional: `early_s`, how early a frame may come and still count as due (see `watch`), and
    # `between(frame)`, which sees the sampled frames it is not due for

    def observe(self, frame: Frame) -> None: ...

    def finish(self, found: Found) -> object: ...  # what it returns is not read


Factory = Callable[[Setup], "Stage | None"]


def watch(frames: Iterable[Frame], stages: Sequence[Stage], on_frame: Callable[[int, Frame], None] | None = None,
          found: Found | None = None) -> Found:
    """Hand every frame to every stage at the stage's rate, then let each stage finish, in order.

    A stage with an `early_s` attribute also takes a frame up to that much before it is due:
    sampled times jitter by up to a decoded frame, and without it a once-a-second stage over
    frames at 0.0, 0.52, 0.98, ... skips 0.98 and reads at 1.5. A stage with a `between` method
    gets the frames it is not due for there (a cheap look between two full ones)."""
    due = [0.0] * len(stages)
    found = found if found is not None else Found()
    for i, frame in enumerate(frames):
        found.last_t = frame.t
        if on_frame is not None:
            on_frame(i, frame)
        for k, stage in enumerate(stages):
            if stage.fps is None:
                stage.observe(frame)
            elif frame.t + 1e-6 >= due[k]:
                due[k] = frame.t + 1.0 / stage.fps - getattr(stage, "early_s", 0.0)
                stage.observe(frame)
            elif hasattr(stage, "between"):
                stage.between(frame)
    for stage in stages:
        stage.finish(found)
    return found


# ---- the built-in stages --------------------------------------------------------------------


class MessageStage:
    """The pack's message regions on every frame (a cache skips unchanged lines), plus a read of
    the whole screen every `screen_every`-th frame; at the end, reads of one line become one
    observation each (`ingest.ocr.merge`)."""

    name = "messages"
    fps = None

    def __init__(self, engine: Any, pack: Any, screen_every: int = 0, screen_offset: int = 0):
        from ingest import ocr

        self.engine, self.pack = engine, pack
        self.screen_every, self.screen_offset = screen_every, screen_offset
        self.cache = ocr.RegionCache()
        self.reads: list = []
        self.seen = 0

    def observe(self, frame: Frame) -> None:
        from ingest import ocr

        screen = bool(self.screen_every) and self.seen % self.screen_every == self.screen_offset
        self.seen += 1
        self.reads.extend(ocr.read_frame(frame, self.engine, self.pack, self.cache, screen=screen))

    def finish(self, found: Found) -> None:
        from ingest import ocr

        found.texts.extend(ocr.merge(self.reads, self.pack))


def messages_stage(setup: Setup) -> MessageStage | None:
    cfg, pack = setup.config, setup.pack
    if pack.reads_screen_tracks:
        return None  # the screen-text stage reads all of it
    every = max(1, round(cfg.fps * cfg.screen_every_s)) if cfg.screen_every_s > 0 else 0
    if not pack.message_regions and not every:
        return None
    # first full-screen read 1.5 s in (past fade-ins), so short clips are read at least once
    return MessageStage(setup.models.ocr, pack, every, min(every // 2, round(cfg.fps * 1.5)))


class ScreenTextStage:
    """A game without a pack: text tracks over the whole screen (ingest/screen_text.py), made into
    HUD series and typed events at the end (ingest/screen_events.py)."""

    name = "screen_text"

    def __init__(self, engine: Any, detector: Any, pack: Any, fps: float, duration_s: float, early_s: float = 0.0,
                 ahead: bool = True):
        from ingest.screen_text import TextTracker

        self.fps, self.pack, self.duration_s, self.early_s = fps, pack, duration_s, early_s
        # a line missed on one read (a flash, a misdetection) still continues its track
        self.tracker = TextTracker(engine, detector, max_gap_s=max(1.6, 1.6 / fps))
        # One frame ahead: a frame's lines are detected in a thread while the frame before is read,
        # and half of a frame's new lines are recognised in another (ONNX and OpenCV let go of the
        # GIL), on the core that decoding and speech leave free. Frames are read in their order all the same.
        if ahead:
            from concurrent.futures import ThreadPoolExecutor

            self.tracker.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gamekb-text")
        self._waiting: list[tuple[Frame, Any]] = []  # frames not read yet: (frame, its Prepared, or None for a glance)

    def observe(self, frame: Frame) -> None:
        prepared = self.tracker.prepare(frame)
        self._catch_up()
        self._waiting.append((frame, prepared))

    def between(self, frame: Frame) -> None:
        self._waiting.append((frame, None))  # a glance: a message shown for less than 1/fps s, at a place messages are shown

    def _catch_up(self) -> None:
        for frame, prepared in self._waiting:
            if prepared is None:
                self.tracker.glance(frame)
            else:
                self.tracker.observe(frame, prepared)
        self._waiting = []

    def finish(self, found: Found) -> None:
        from ingest.screen_events import pack_classifier, read_tracks

        self._catch_up()
        if self.tracker.pool is not None:
            self.tracker.pool.shutdown()
        reading = read_tracks(self.tracker.finish(), self.duration_s or found.last_t, pack_classifier(self.pack))
        found.events.extend(reading.events)
        found.states.extend(reading.states)
        found.health_keys.extend(name for name, meaning in reading.series.items() if meaning in ("health", "hp", "life"))


def screen_text_stage(setup: Setup) -> ScreenTextStage | None:
    if not setup.pack.reads_screen_tracks:
        return None
    cfg = setup.config
    return ScreenTextStage(setup.models.ocr, setup.models.text_detector(), setup.pack, cfg.text_fps,
                           setup.duration_s, early_s=0.5 / cfg.fps)  # half a sampling interval


class HudStage:
    """The pack's HUD numbers (a cache skips numbers whose ink did not change)."""

    name = "hud"

    def __init__(self, engine: Any, pack: Any, fps: float):
        from ingest import hud

        self.engine, self.pack, self.fps = engine, pack, fps
        self.cache = hud.ValueCache()
        self.states: list[GameState] = []

    def observe(self, frame: Frame) -> None:
        from ingest import hud

        state = hud.read_state(frame, self.pack, self.engine, self.cache)
        if state is not None and state.values:
            self.states.append(state)

    def finish(self, found: Found) -> None:
        found.states.extend(self.states)
        found.health_keys.extend(name for name, v in self.pack.hud_values.items() if v.meaning == "health")


def hud_stage(setup: Setup) -> HudStage | None:
    return HudStage(setup.models.ocr, setup.pack, setup.config.hud_fps) if setup.pack.hud_values else None


class EntityStage:
    """Text-prompted entity detection (SAM3 in the full profile) on batches of frames, tracked
    across frames at the end; appear/disappear events and the tracks as stored rows."""

    name = "entities"

    def __init__(self, detector: Any, prompts: Sequence[str], fps: float):
        self.detector, self.prompts, self.fps = detector, list(prompts), fps
        # SAM3 runs on batches of frames (4 a call: 3.3x faster on an H100, docs/gpu.md)
        self.batch = max(1, int(getattr(detector, "batch_size", 1)))
        self.frames: list[Frame] = []
        self.hits: list[tuple[float, list]] = []

    def observe(self, frame: Frame) -> None:
        self.frames.append(frame)
        if len(self.frames) >= self.batch:
            self._detect()

    def _detect(self) -> None:
        frames, self.frames = self.frames, []
        if frames:
            self.hits += list(zip([f.t for f in frames], self.detector.detect([f.image for f in frames], self.prompts)))

    def finish(self, found: Found) -> None:
        from ingest.entities import events, track

        self._detect()
        if not self.hits:
            return
        tracks = track([h for _, h in self.hits], [t for t, _ in self.hits])
        found.events.extend(events(tracks, end_t=found.last_t))
        found.entities.extend(tracks)


def entities_stage(setup: Setup) -> EntityStage | None:
    detector = setup.models.entities
    if detector is None or not setup.pack.entity_prompts:
        return None
    return EntityStage(detector, setup.pack.entity_prompts, setup.config.entities_fps)


BLANK = register_kind(EventKind(
    "blank", "black screen blank screen blackout fade loading screen freeze", "the screen went blank ({label})",
    70, "#212121", "the picture was black or one flat colour: a fade, a loading screen, a black-screen bug"))


class BlankStage:
    """Spans where the picture is one flat colour (black between levels, a fade, a loading screen,
    a black-screen bug a tester is looking for): an event `blank` per span of at least `min_s`.

    A frame is blank when, on a 64x48 grey copy, its pixels spread less than `max_spread` grey
    levels (a compressed black frame: 1-3; any game view, even a dark one, has edges of 30+)."""

    name = "blank"

    def __init__(self, fps: float, min_s: float = 1.0, max_spread: float = 8.0, early_s: float = 0.0):
        self.fps, self.min_s, self.max_spread, self.early_s = fps, min_s, max_spread, early_s
        self.step = 1.0 / fps
        self.spans: list[list[float]] = []  # [start, end, mean grey]
        self.open = False

    def observe(self, frame: Frame) -> None:
        import cv2

        small = cv2.resize(frame.image, (64, 48), interpolation=cv2.INTER_AREA)
        grey = small.mean(axis=2) if small.ndim == 3 else small
        lo, hi = np.percentile(grey, (2, 98))
        if hi - lo <= self.max_spread:
            if self.open:
                self.spans[-1][1] = frame.t + self.step  # blank at least until the next sample is due
            else:
                self.spans.append([frame.t, frame.t + self.step, float(grey.mean())])
                self.open = True
        elif self.open:
            self.spans[-1][1] = frame.t  # the first frame that shows something again
            self.open = False

    def finish(self, found: Found) -> None:
        for start, end, level in self.spans:
            if end - start < self.min_s:
                continue
            colour = "black" if level < 24 else "white" if level > 230 else "flat colour"
            found.events.append(EventRecord(t_start=start, t_end=end, kind=BLANK.name,
                                            label=f"{colour} for {_seconds(end - start)}", confidence=1.0,
                                            source="frames", payload={"grey": round(level, 1)}))


def _seconds(s: float) -> str:
    return f"{s:.0f} s" if s >= 2.0 else f"{s:.1f} s"


def blank_stage(setup: Setup) -> BlankStage:
    fps = setup.config.fps
    return BlankStage(min(fps, 2.0), early_s=0.5 / fps)


BUILTIN_STAGES: dict[str, Factory] = {
    "messages": messages_stage,
    "screen_text": screen_text_stage,
    "hud": hud_stage,
    "entities": entities_stage,
    "blank": blank_stage,
}


def _plugin_factories() -> list[tuple[str, Factory]]:
    from kb.plugins import entries

    out = []
    for entry in entries(ENTRY_POINT_GROUP):
        if entry.own or entry.name in BUILTIN_STAGES:
            continue  # gamekb's own are BUILTIN_STAGES (declared in its pyproject.toml as well)
        try:
            out.append((entry.name, entry.load()))
        except Exception as exc:
            log.warning("stage %r (%s) skipped: it does not load: %s", entry.name, entry.value, exc)
    return out


def factories() -> list[tuple[str, Factory]]:
    """Every stage factory, built-ins first, then installed ones by name."""
    return [*BUILTIN_STAGES.items(), *sorted(_plugin_factories(), key=lambda p: p[0])]


def build(setup: Setup) -> list[Stage]:
    """The stages that have something to do on this video."""
    out = []
    for name, factory in factories():
        try:
            stage = factory(setup)
        except Exception as exc:
            if name in BUILTIN_STAGES:
                raise
            log.warning("stage %r skipped for this video: %s", name, exc)
            continue
        if stage is not None:
            out.append(stage)
    return out
