"""One video's timeline: its events in lanes by kind, and a curve per HUD value read (health, armor,
ammo, a score, whatever the game pack or the generic HUD reader tracks). The page draws it as SVG from `for_video`; `render_png` draws the same
picture with matplotlib for `gamekb timeline VIDEO --png out.png`."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any, BinaryIO

from kb import kinds
from kb.errors import GamekbError
from kb.schema import Video, saved_id
from kb.store import KnowledgeBase

# Kinds come from the registry (kb/kinds.py): lane order, colour and whether they are drawn at all.
# A kind without a colour of its own (a pack's, or one nobody registered) and a HUD series without
# a known meaning draw in a palette colour picked from its name, so it keeps that colour in every
# video, on the page (static/app.js reads colours from the API) and in the PNG.
PALETTE = ("#8bc34a", "#00bcd4", "#f06292", "#9575cd", "#ffb74d", "#4db6ac", "#a1887f", "#90a4ae",
           "#dce775", "#ba68c8")
# HUD series by meaning: a pack names its values by meaning ("health", "armor"...), the generic path
# names the ones it recognises the same way and the others by where they sit ("hud@0.85,0.05").
SERIES_COLOURS = {"health": "#e53935", "armor": "#1e88e5", "ammo": "#fbc02d", "score": "#43a047",
                  "lives": "#8e24aa", "time": "#00897b", "lap": "#6d4c41"}
# Values up to this (health, armor, the ammo of most games) share the HUD chart's 0..100 axis; a
# series that goes past it (a score, a timer) is drawn against its own maximum instead, or the
# small ones would be flattened at the bottom.
SHARED_MAX = 200
MAX_EVENTS = 5000  # a timeline strip past this many marks is unreadable anyway
LABELLED_EVENTS = 40  # lanes with more marks than this get no text labels in the PNG: they would overlap
MAX_POINTS = 2000  # per HUD curve: about one point per pixel of a wide screen


def find_video(kb: KnowledgeBase, video: str | int) -> Video:
    """A ready video by id or by name (file stem); unknown ones are an error that lists the library."""
    ready = kb.videos(status="ready")
    if isinstance(video, int) or (isinstance(video, str) and video.isdigit()):
        for v in ready:
            if v.id == int(video):
                return v
        if isinstance(video, int):
            raise GamekbError(f"no ready video with id {video}")
    return kb.resolve_videos([str(video)])[0]


def _thin(points: list[list[float]], n: int) -> list[list[float]]:
    if len(points) <= n:
        return points
    step = len(points) / n
    return [points[int(i * step)] for i in range(n)] + [points[-1]]


def _palette(name: str) -> str:
    return PALETTE[zlib.crc32(name.encode()) % len(PALETTE)]


def kind_colour(kind: str) -> str:
    colour = kinds.get(kind).colour
    return _palette(kind) if colour == kinds.OTHER_COLOUR else colour


def series_colour(name: str) -> str:
    return SERIES_COLOURS.get(name) or _palette(name)


def for_video(kb: KnowledgeBase, video: Video) -> dict[str, Any]:
    """{video, duration_s, lanes: [{kind, colour, events: [...]}],
    series: [{name, colour, shared, points}]}: `shared` series are drawn on one 0-based axis, the
    others each against its own maximum."""
    rows = kb.events([saved_id(video)], limit=MAX_EVENTS)
    kinds_here = sorted({e.kind for e, _ in rows if kinds.get(e.kind).on_timeline},
                        key=lambda k: (kinds.get(k).lane, k))
    lanes = [{"kind": k, "colour": kind_colour(k),
              "events": [{"t_start": e.t_start, "t_end": e.t_end, "label": e.label, "value": e.value,
                          "source": e.source} for e, _ in rows if e.kind == k]} for k in kinds_here]
    by_name: dict[str, list[list[float]]] = {}
    for s in kb.states(saved_id(video)):
        by_name.setdefault(s.name, []).append([round(s.t, 3), s.value])
    order = [n for n in SERIES_COLOURS if n in by_name] + sorted(n for n in by_name if n not in SERIES_COLOURS)
    series = [{"name": n, "colour": series_colour(n), "shared": max(v for _, v in by_name[n]) <= SHARED_MAX,
               "points": _thin(by_name[n], MAX_POINTS)} for n in order]
    last = max([e.t_end for e, _ in rows] + [p[-1][0] for p in by_name.values() if p] + [0.0])
    return {"video_id": video.id, "video": video.name, "duration_s": round(max(video.duration_s, last), 3),
            "lanes": lanes, "series": series}


def render_png(data: dict[str, Any], out: Path | BinaryIO, width_in: float = 12.0, dpi: int = 100) -> None:
    """Draw the timeline (event lanes on top, HUD curves below when there are any) into a PNG file
    or a binary stream."""
    from kb.errors import require_package

    require_package("matplotlib")
    import matplotlib

    matplotlib.use("Agg")  # no display: the CLI and servers draw off-screen
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from retrieval.types import format_ts

    lanes, series = data["lanes"], data["series"]
    shared = [s for s in series if s.get("shared", True)]
    charts = ([shared] if shared else []) + [[s] for s in series if not s.get("shared", True)]
    duration = max(data["duration_s"], 1.0)
    heights = [max(len(lanes), 1) * 0.6 + 0.4] + [2.2 if chart is shared else 1.2 for chart in charts]
    fig, axes = plt.subplots(len(heights), 1, figsize=(width_in, sum(heights) + 0.8), sharex=True,
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    ax = axes[0][0]
    for i, lane in enumerate(lanes):
        y = len(lanes) - 1 - i
        spans = [(e["t_start"], max(e["t_end"] - e["t_start"], duration / 400)) for e in lane["events"]]
        ax.broken_barh(spans, (y - 0.3, 0.6), facecolors=lane["colour"], edgecolors="black", linewidth=0.4)
        if len(lane["events"]) <= LABELLED_EVENTS:
            for e in lane["events"]:
                ax.text(e["t_start"], y + 0.34, e["label"][:28], fontsize=7, va="bottom", clip_on=True)
    ax.set_yticks(range(len(lanes)), [lane["kind"] for lane in reversed(lanes)])
    ax.set_ylim(-0.6, max(len(lanes), 1) - 0.2)
    ax.grid(axis="x", alpha=0.3)
    if not lanes:
        ax.text(duration / 2, 0, "no events", ha="center", va="center", color="gray")
        ax.set_yticks([])
    ax.set_title(f"{data['video']}  ({format_ts(data['duration_s'])})", loc="left")
    for row, chart in enumerate(charts, 1):  # the shared axis first, then one per large-valued series
        cv = axes[row][0]
        for s in chart:
            xs, ys = zip(*s["points"])
            cv.step(xs, ys, where="post", color=s["colour"], label=s["name"], linewidth=1.4)
        top = max(v for s in chart for _, v in s["points"])
        cv.set_ylim(min(0, *(v for s in chart for _, v in s["points"])), max(top, 10) * 1.3)  # legend headroom
        cv.grid(alpha=0.3)
        cv.legend(loc="upper right", fontsize="small", ncol=len(chart))
    last = axes[-1][0]
    last.set_xlim(0, duration)
    last.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: format_ts(x)))
    last.set_xlabel("time in video (MM:SS)")
    fig.tight_layout()
    if isinstance(out, (str, Path)):
        out = Path(out)
        if not out.parent.is_dir():  # a typo in the folder is not a request to create it (issue 14)
            raise GamekbError(f"cannot write {out}: the folder {out.parent} does not exist; create it first "
                              "or write the picture elsewhere")
    try:
        fig.savefig(out, dpi=dpi, format="png")
    except OSError as exc:
        raise GamekbError(f"cannot write {out}: {exc.strerror or exc}") from exc
    finally:
        plt.close(fig)
