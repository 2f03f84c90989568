"""The SQL schema. Changed only through alembic revisions in migrations/ (a test checks they agree)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional, Protocol

from sqlalchemy import JSON, BigInteger, Column, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class _Row(Protocol):
    id: Optional[int]


def saved_id(row: _Row) -> int:
    """The id of a row read from the database. SQL assigns it on insert, so only a row that was
    never written has none (the tables declare it Optional for that moment alone)."""
    if row.id is None:
        raise ValueError(f"this {type(row).__name__} row was never written: it has no id yet")
    return row.id


class Video(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)  # the file's stem, made unique in the library
    path: str
    sha256: str = Field(index=True, unique=True)  # identity: the same content is never ingested twice
    # BIGINT on PostgreSQL: recordings pass 2 GiB (int4's limit); SQLite's INTEGER is 64-bit already (0002)
    size_bytes: int = Field(default=0, sa_type=BigInteger().with_variant(Integer(), "sqlite"))
    duration_s: float = 0.0
    fps: float = 0.0
    width: int = 0
    height: int = 0
    has_audio: bool = False
    game: Optional[str] = None  # the game pack it was read with (ingest/rules: doom, generic, a plugin's)
    game_score: Optional[float] = None  # 0..1: how well that pack matched when chosen automatically; None when named (0003)
    status: str = Field(default="pending", index=True)  # pending | ingesting | ready | failed
    error: Optional[str] = None
    profile: Optional[str] = None
    models: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Segment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("video_id", "idx"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    video_id: int = Field(foreign_key="video.id", index=True)
    idx: int  # position in the video; joins to the LanceDB row (video_id, idx)
    start_s: float
    end_s: float
    keyframe_s: float


class Event(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    video_id: int = Field(foreign_key="video.id", index=True)
    segment_idx: Optional[int] = None
    t_start: float = Field(index=True)
    t_end: float
    kind: str = Field(index=True)
    label: str
    value: Optional[float] = None
    confidence: float = 1.0
    source: str
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class Entity(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    video_id: int = Field(foreign_key="video.id", index=True)
    track: int
    concept: str = Field(index=True)
    first_seen: float
    last_seen: float
    boxes: list[Any] = Field(default_factory=list, sa_column=Column(JSON))  # [[t, x0, y0, x1, y1, score], ...]


class StateSample(SQLModel, table=True):
    """One HUD value read from one sampled frame (health, armor, ammo ...): the game-state time series."""

    id: Optional[int] = Field(default=None, primary_key=True)
    video_id: int = Field(foreign_key="video.id", index=True)
    t: float
    name: str
    value: float


# How a series is named when no label names it (ingest/screen_events.py writes these names; answers
# read them): by the screen area where the number stayed, a second one in the same area with a "'"
# ("bottom-right'"); a place that reads minutes:seconds is the clock, its values in seconds.
SCREEN_AREAS = (("top-left", "top", "top-right"), ("left", "centre", "right"), ("bottom-left", "bottom", "bottom-right"))
CLOCK_SERIES = "clock"


def unlabelled_series(name: str) -> bool:
    """Is this series named only by where it was on screen ("bottom-left", "top-right'")?"""
    return any(name.rstrip("'") in row for row in SCREEN_AREAS)


def clock_series(name: str) -> bool:
    return name.rstrip("'") == CLOCK_SERIES


class IngestRun(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: Optional[datetime] = None
    profile: str = "lite"
    inputs: int = 0
    ingested: int = 0
    skipped: int = 0
    failed: int = 0
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
