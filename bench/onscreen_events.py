"""On-screen event recall and precision of a whole ingest, per clip, against the game's own log.

For each clip, ingests it into a fresh knowledge base with `--game` (generic, auto or a pack name),
reads back the events whose source is the screen (OCR), and compares them with every line of the
clip's `.events.txt` that quotes on-screen text (`00:10.20 "anastasia was plasmified by billy ..."`,
`01:39.24 health tag ... floating damage number "205"`). Lines without quoted text (a turn start,
a hedgehog removed) are not on-screen text and are not counted.

- recall: share of logged lines with an event that starts within +-2 s and whose text matches;
- precision: share of screen events that match a logged line, or one of the texts the clip's
  README lists as on screen but not logged (`ALSO_ON_SCREEN` below: title cards, centre notices),
  within +-2 s of when the README says they show;
- a text matches when at least 60% of the event's letters and digits appear in order in the
  logged line (noisy partial reads of a long kill-feed line count; a number must be exact);
- one event per line: the most logged lines that can each be matched by an event of its own, the
  stricter recall for a dense log, where one event can match several lines alike.
Also prints the ingest time as a multiple of real time (2 cores; say the load when quoting it).

Example: python bench/onscreen_events.py ../shared/data/redeclipse_bath_tdm_bots.mp4 \
             ../shared/data/hedgewars_ai_match_nature.mp4 --game generic
Before (a library ingested by an older commit, opened and migrated by this one):
         git worktree add /tmp/old 14463ed && (cd /tmp/old && python -m cli ingest CLIPS --home /tmp/oldkb)
         python bench/onscreen_events.py CLIPS --home /tmp/oldkb
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OMP_NUM_THREADS", "1")

WINDOW_S = 2.0
MIN_MATCH = 0.6

# Text on screen that no log line records, from each clip's README section (shared/data/README.md),
# with the times it shows: (text, from_s, to_s).
ALSO_ON_SCREEN = {
    "redeclipse_bath_tdm_bots": [
        ("Bath", 0, 2.5), ("by LuckyStrike-Rx", 0, 2.5), ("[ deathmatch ]", 0, 2.5), ("[ SpecTV ]", 0, 2.5),
        ("readying", 0, 2.5), ("You are on team omega", 3.4, 8.5),
        # "Fragged: Down for N" counts down for 5 s after each of lukjan's deaths
        *[(f"Fragged: Down for {n}", t, t + 5.5) for t in (35.60, 81.48, 92.32, 107.60) for n in range(6)],
        *[("Fragged: Down for", t, t + 5.5) for t in (35.60, 81.48, 92.32, 107.60)],
    ],
    "hedgewars_ai_match_nature": [("Loading ...", 0, 1.0)],
    # the held-out clip (bench/heldout/openarena) begins mid-match: on its first frame already
    "openarena_bots_dm": [("Sorceress was melted by Sarge's plasmagun", 0, 0.3), ("You fragged Sorceress", 0, 0.3),
                          ("Tied for 4th place with 2", 0, 0.3), ("USE_ITEM to stop following", 0, 120.0),
                          ("following", 0, 120.0), ("Sarge", 0, 120.0)],
    # bench/heldout/bzflag: the message panel's lines from before the clip began, on its first frame; and
    # the status line at the top, which the log does not hold ("Ready", and while dead the prompt to respawn)
    "bzflag_robots": [*((line, 0, 0.5) for line in (
        "Keyboard movement", "Hawk04: killed by Hawk05", "Hawk00: killed by Hawk03", "Got shot by Hawk00 (Purple Team)",
        "Hawk: killed by Hawk00", "Hawk02: killed by Hawk03", "Hawk01: killed by Hawk03", "Mouse movement",
        "Hawk05: killed by Hawk03")),
        ("Ready", 0, 120.0), ('Press Right Mouse or "i" to start', 0, 120.0)],
    # bench/heldout/freeciv: the message log's lines from before the clip began, on its first frame
    "freeciv_ai_italians": [(line, 0, 0.5) for line in (
        "Settlers cost 2 population. Napoli shrinks to size 1.",
        "The cease-fire with Theodor Körner has run out. You are now at war with the Austrians.", "Year: 1750 BCE",
        "You bought Settlers in Palermo.", "Technology goal is Masonry.",
        "The Austrians have started building The Pyramids(W) in Wien.",
        "Napoli can't build Settlers yet. (city size: 1, unit population cost: 2)",
        "Palermo can't build Settlers yet. (city size: 2, unit population cost: 2)",
        "Milano can't build Settlers yet. (city size: 2, unit population cost: 2)",
        "Learned Masonry. Scientists choose to research Writing.", "Year: 1700 BCE",
        "A treaty containing 1 clause was agreed upon.",
        "*Theodor Körner (AI)* Agreed. No more hostilities, Luigi Federico Menabrea.",
        "You agree on a cease-fire with Theodor Körner.")],
}


def _secs(s: str) -> float:
    m, sec = s.split(":")
    return int(m) * 60 + float(sec)


def truth(path: Path) -> list[tuple[float, str]]:
    """(onset, text) of every logged line that quotes on-screen text. A log that quotes nothing
    (bench/heldout: "MM:SS.ss text as drawn") gives every line's text, but for those at 00:00.00:
    on screen from before the clip began (`ALSO_ON_SCREEN`), they have no onset in it."""
    lines = [m for m in (re.match(r"^(\d+:\d+\.\d+)\s+(.*)$", line)
                         for line in path.read_text(encoding="utf-8").splitlines()) if m]
    if not any('"' in m.group(2) for m in lines):
        return [(_secs(m.group(1)), m.group(2).strip()) for m in lines if _secs(m.group(1)) > 0]
    out = []
    for m in lines:
        quoted = re.findall(r'"([^"]+)"', m.group(2))
        if quoted:
            out.append((_secs(m.group(1)), quoted[-1] if "floating damage number" in m.group(0) else quoted[0]))
    return out


def tagged(path: Path, where: str) -> list[tuple[float, str]]:
    """The lines of `truth` whose first tag is [where] (a log that tags where each text shows,
    bench/heldout/pokerth: "[log]", "[seat]", "[pot]")."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if re.match(r"^\d+:\d+\.\d+\s", line) and '"' in line]
    logged = truth(path)
    if len(lines) != len(logged):
        raise SystemExit(f"{path}: --where needs one quoted text per line")
    return [item for line, item in zip(lines, logged) if re.match(rf"^\S+\s+\[{re.escape(where)}\]", line)]


def _key(text: str) -> str:
    from ingest.screen_text import text_key

    return text_key(text)


def text_match(found: str, logged: str) -> float:
    """Share of the found text's characters that appear, in order, in the logged text."""
    a, b = _key(found), _key(logged)
    if not a or not b:
        return 0.0
    if a.isdigit() or b.isdigit():
        return 1.0 if a == b else 0.0
    if len(a) < min(4, len(b)):
        return 0.0
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return sum(bl.size for bl in blocks) / len(a)


def score(events: list[tuple[float, str]], logged: list[tuple[float, str]],
          extra: list[tuple[str, float, float]] = ()) -> dict:
    found = [any(abs(t - lt) <= WINDOW_S and text_match(x, lx) >= MIN_MATCH for t, x in events) for lt, lx in logged]
    good = []
    for t, x in events:
        ok = any(abs(t - lt) <= WINDOW_S and text_match(x, lx) >= MIN_MATCH for lt, lx in logged) or \
            any(a - WINDOW_S <= t <= b + WINDOW_S and text_match(x, ex) >= MIN_MATCH for ex, a, b in extra)
        good.append(ok)
    return {"logged": len(logged), "found": sum(found), "recall": sum(found) / max(1, len(logged)),
            "events": len(events), "correct": sum(good), "precision": sum(good) / max(1, len(events)),
            "paired": _paired(events, logged),
            "missed": [f"{lt:.2f} {lx}" for (lt, lx), f in zip(logged, found) if not f],
            "wrong": [f"{t:.2f} {x}" for (t, x), g in zip(events, good) if not g]}


def _paired(events: list[tuple[float, str]], logged: list[tuple[float, str]]) -> int:
    """The most logged lines that can each be matched by an event of its own (a maximum matching):
    in a dense log (1-8 lines a second, alike but for a name or a number) one event can match
    several lines, so `found` flatters it; this does not."""
    matches: list[list[int]] = [[i for i, (t, x) in enumerate(events) if abs(t - lt) <= WINDOW_S and text_match(x, lx) >= MIN_MATCH]
                                for lt, lx in logged]
    owner: dict[int, int] = {}  # event -> the logged line it is paired with

    def pair(j: int, seen: set[int]) -> bool:  # an augmenting path from logged line j
        for i in matches[j]:
            if i not in seen:
                seen.add(i)
                if i not in owner or pair(owner[i], seen):
                    owner[i] = j
                    return True
        return False

    return sum(pair(j, set()) for j in range(len(logged)))


def show(s: dict, indent: str = "") -> None:
    """The logged lines `score` found missed and the events it found wrong, one a line."""
    print(f"{indent}missed:", *s["missed"], sep=f"\n{indent}  ")
    print(f"{indent}wrong:", *s["wrong"], sep=f"\n{indent}  ")


def ingest_events(clip: Path, game: str, home: Path, config: Path | None = None) -> tuple[list[tuple[float, str, str]], float]:
    """Ingest `clip` with the real CLI; its screen events (t, text as read, kind) and the wall time.
    The text is the line as read (payload "text"), not the label a pack gives it ("Thorn" for
    "Thorn is short of a raft"), so packs and the generic path are compared on the same footing."""
    env = {**os.environ, "GAMEKB_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cli", "ingest", str(clip), "--game", game,
                    *(["--config", str(config)] if config else [])],
                   check=True, env=env, cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL)
    return screen_events(home, clip.stem), time.perf_counter() - started


def screen_events(home: Path, video: str) -> list[tuple[float, str, str]]:
    """(t, text as read, kind) of one video's screen events in a knowledge base."""
    from kb.store import KnowledgeBase

    kb = KnowledgeBase.open(home)
    return [(e.t_start, (e.payload or {}).get("text") or e.label, e.kind) for e, v in kb.events()
            if e.source == "ocr" and v.name == video]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="+", type=Path, help="clips, each with CLIP.events.txt beside it")
    ap.add_argument("--game", default="generic", help="generic, auto or a pack name")
    ap.add_argument("--show", action="store_true", help="list missed lines and wrong events")
    ap.add_argument("--config", type=Path, help="a gamekb.toml for the ingest (e.g. [ingest] text_fps = 2)")
    ap.add_argument("--home", type=Path, help="score the clips already ingested in this library instead of "
                                              "ingesting them (e.g. by an older gamekb, to compare with before)")
    ap.add_argument("--where", help="recall (and one event per line) over the logged lines tagged [WHERE] only, "
                                    "e.g. log: PokerTH's log panel, not its seats' numbers; precision over all")
    args = ap.parse_args()
    from ingest.probe import probe

    for clip in args.clips:
        logged = truth(clip.with_suffix(".events.txt"))
        if args.home is not None:
            events, seconds = screen_events(args.home, clip.stem), None
        else:
            with tempfile.TemporaryDirectory(prefix="gamekb-bench-") as home:
                events, seconds = ingest_events(clip, args.game, Path(home), args.config)
        duration = probe(clip).duration_s
        s = score([(t, x) for t, x, _ in events], logged, ALSO_ON_SCREEN.get(clip.stem, []))
        if args.where:
            sub = score([(t, x) for t, x, _ in events], tagged(clip.with_suffix(".events.txt"), args.where))
            s.update({k: sub[k] for k in ("logged", "found", "recall", "paired", "missed")})
        kinds: dict[str, int] = {}
        for _, _, k in events:
            kinds[k] = kinds.get(k, 0) + 1
        how = f"--home {args.home}" if args.home is not None else f"--game {args.game}"
        how += f" --where {args.where}" if args.where else ""
        speed = "" if seconds is None else f"; ingest {seconds:.1f} s = {duration / seconds:.1f}x real time (with model load)"
        print(f"{clip.name} {how}: recall {s['found']}/{s['logged']} = {s['recall']:.2f}, "
              f"precision {s['correct']}/{s['events']} = {s['precision']:.2f}; "
              f"one event per line {s['paired']}/{s['logged']} = {s['paired'] / max(1, s['logged']):.2f}; kinds {kinds}{speed}")
        if args.show:
            show(s, "  ")


if __name__ == "__main__":
    main()
