"""Write freeciv_ai_italians.events.txt from the client hook log (fchook.so), ffmpeg's capture start and the clip.

usage: python3 tools/make_events.py HOOK_LOG FFMPEG_LOG CLIP.mp4 > freeciv_ai_italians.events.txt
   or: python3 tools/make_events.py freeciv_ai_italians.hook.log.gz - CLIP.mp4   (the kept, filtered log; its
       "FFMPEG ... start: T" line stands for ffmpeg's log)

Chat lines: every text the gtk3 client inserts into its chat/output buffer (gtk_text_buffer_insert, hooked by
fchook.so), stamped with CLOCK_REALTIME. x11grab stamps each grabbed frame with the same wall clock ("start:" in
its log = wall-clock time of recorded frame 0) and the clip is recorded seconds [TRIM, TRIM + LENGTH), so a line
inserted at wall time T can be drawn no earlier than clip frame f0 = ceil((T - start - TRIM) * 25). The client
draws it some frames later (it first handles the rest of the server's turn-change packets): the onset written is
measured on the clip: the chat view (13 rows of 12.46 px, follows its bottom line) scrolls a turn's lines in over
2-6 consecutive frames. For every such run of changed frames (mean absolute grey difference of the chat area to
the previous frame > 1.0) the scroll of each frame is measured (the vertical shift that best maps the previous
frame onto it); the lines inserted before the run ends are laid out in order (a line longer than 154 characters
wraps to a second row), and a line's onset is the first frame whose accumulated scroll shows half of its first
row (and not before f0). A line that scrolled out again before the run ended (more than 13 rows after it in the
same run) is marked: it is on screen for at most a few frames, partly or not at all.
HUD lines: the info panel label ("Population: ..\\nYear: .. (Tnn)\\nGold: .. (+..)\\nTax: ..") set with
gtk_label_set_text; a [hud] line for each change of its Year (turn) or Gold line, onset = first frame >= f0 in
which that line's band of the panel changes.
"""
import gzip
import math
import re
import subprocess
import sys

import numpy as np

TRIM, LENGTH, FPS = 2.0, 110.0, 25       # clip = recorded seconds [TRIM, TRIM + LENGTH), scaled to 854x720
CHAT = (12, 846, 522, 684)               # x0, x1, y0, y1 of the chat text in the 854x720 clip
BANDS = {"Year": (8, 110, 173, 185), "Gold": (8, 110, 186, 198)}   # info-panel lines in the clip
MAXWAIT = 40                             # frames; a later change is not taken as the line's onset


def diffs(clip: str, box) -> np.ndarray:
    """Mean grey change of `box` from each frame to the next (0 for the first)."""
    fr = grey_frames(clip, box)
    return np.concatenate([[0.0], np.abs(np.diff(fr, axis=0)).mean(axis=(1, 2))])


ROWH, ROWCHARS, ROWS = 12.46, 154, 13


def grey_frames(clip: str, box) -> np.ndarray:
    x0, x1, y0, y1 = box
    w, h = x1 - x0, y1 - y0
    raw = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", clip, "-vf",
                          f"crop={w}:{h}:{x0}:{y0},format=gray", "-f", "rawvideo", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w).astype(np.int16)


def scroll(a: np.ndarray, b: np.ndarray) -> int:
    """Pixels the content moved up from frame a to frame b (best match of a[s:] on b[:h-s])."""
    h = a.shape[0]
    errs = [np.abs(a[s:] - b[:h - s]).mean() for s in range(0, h - 30)]
    return int(np.argmin(errs))


def chat_runs(fr: np.ndarray):
    """Runs of consecutive changed frames: (first, last, {frame: accumulated scroll in px})."""
    d = np.concatenate([[0.0], np.abs(np.diff(fr, axis=0)).mean(axis=(1, 2))])
    changed = [f for f in range(len(d)) if d[f] > 1.0]
    runs, cur = [], []
    for f in changed:
        if cur and f - cur[-1] > 2:
            runs.append(cur)
            cur = []
        cur.append(f)
    if cur:
        runs.append(cur)
    out = []
    for r in runs:
        acc, tot = {}, 0
        for f in r:
            tot += scroll(fr[f - 1], fr[f])
            acc[f] = tot
        out.append((r[0], r[-1], acc))
    return out


def place_chat(lines, runs):
    """lines: [(f0, text)] in insertion order -> [(onset frame or None, scrolled_out)]"""
    res, i = [None] * len(lines), 0
    for first, last, acc in runs:
        batch = []
        while i < len(lines) and lines[i][0] <= last:
            if lines[i][0] >= first - 10:     # else it was drawn by an earlier redraw (none in the clip)
                batch.append(i)
            i += 1
        rows = [max(1, -(-len(lines[j][1]) // ROWCHARS)) for j in batch]
        before = 0
        for j, nrow in zip(batch, rows):
            need = (before + 0.5) * ROWH
            f = next((g for g in sorted(acc) if acc[g] >= need and g >= lines[j][0]), None)
            if f is None:
                f = max(last, lines[j][0]) if lines[j][0] <= last else None
            after = sum(rows) - before - nrow
            res[j] = (f, after >= ROWS)
            before += nrow
    return res


def onset(d: np.ndarray, f0: int, thr: float):
    for f in range(max(f0, 0), min(f0 + MAXWAIT, len(d))):
        if d[f] > thr:
            return f
    return None


def stamp(t: float) -> str:
    return f"{int(t // 60):02d}:{t % 60:05.2f}"


def kind(text: str) -> str:
    rules = [
        (r"^Year: ", "turn"),
        (r"^\*.*\(AI\)\* ", "ai-chat"),
        (r"cease-fire|peace|armistice|treaty|alliance|declares war|at war with|embassy|contact with|shared vision|"
         r"incident", "diplomacy"),
        (r"^Learned |have researched|Technology goal|acquired .* from|steal|focus on|research", "tech"),
        (r"\(W\)|Wonder|wonder", "wonder"),
        (r"destroyed|lost to an attack|survived|captured|killed|defeated|barbarian|attack|wins|lost|no more", "combat"),
        (r"grows to size|may soon grow|starv|famine|celebrat|disorder|is building|finished building|can't build|"
         r"bought|founded|advisor|pollution|shrinks|upkeep|sold|Settlers cost", "city"),
        (r"governs|revolution|anarchy|government", "government"),
    ]
    for pat, k in rules:
        if re.search(pat, text):
            return k
    return "event"


def main(hook_path: str, ffmpeg_path: str, clip: str) -> None:
    opener = gzip.open if hook_path.endswith(".gz") else open
    src = open(ffmpeg_path, errors="replace").read() if ffmpeg_path != "-" else opener(hook_path, "rt", errors="replace").read()
    start = float(re.search(r"start: ([0-9.]+)", src).group(1))
    t0 = start + TRIM
    runs = chat_runs(grey_frames(clip, CHAT))
    dband = {k: diffs(clip, b) for k, b in BANDS.items()}
    chat_buf, out, last = None, [], {}
    for line in opener(hook_path, "rt", errors="replace"):
        parts = line.rstrip("\n").split(" ", 3)
        if len(parts) < 4 or not re.fullmatch(r"[0-9.]+", parts[0]):
            continue
        ts, what, ptr, text = float(parts[0]), parts[1], parts[2], parts[3]
        if what == "TEXT" and chat_buf is None and text.startswith("Freeciv is free software"):
            chat_buf = ptr
        f0 = math.ceil((ts - t0) * FPS)
        if what == "TEXT" and ptr == chat_buf:
            for sub in text.split("\\n"):
                if sub.strip():
                    out.append((f0, None, "chat", kind(sub), sub))
        elif what == "LABEL" and text.startswith("Population:"):
            fields = dict(f.split(": ", 1) for f in text.split("\\n") if ": " in f)
            for key in ("Year", "Gold"):
                if key in fields and last.get(key) != fields[key]:
                    last[key] = fields[key]
                    out.append((f0, onset(dband[key], f0, 0.3), "hud", "turn" if key == "Year" else "gold",
                                f"{key}: {fields[key]}"))
    chat = [i for i, o in enumerate(out) if o[2] == "chat" and o[0] >= 0]
    placed = place_chat([(out[i][0], out[i][4]) for i in chat], runs)
    gone = set()
    for i, pl in zip(chat, placed):
        if pl is not None:
            out[i] = (out[i][0], pl[0]) + out[i][2:]
            if pl[1]:
                gone.add(out[i][4] + str(out[i][0]))
    # a HUD value replaced again before the panel was redrawn was never on screen: keep the last one per redraw
    drawn = {}
    for i, (f0, f, where, k, text) in enumerate(out):
        if where == "hud" and f is not None:
            drawn[(k, f)] = i
    out = [o for i, o in enumerate(out) if o[2] != "hud" or (o[1] is not None and drawn[(o[3], o[1])] == i)]
    out.sort(key=lambda o: (o[1] if o[1] is not None else o[0]))
    print(HEADER)
    for f0, f, where, k, text in out:
        if 0 <= f0 < LENGTH * FPS:
            note = "" if f is not None else "  (no redraw found: time of the hook, not seen drawn)"
            if where == "chat" and text + str(f0) in gone:
                note = "  (scrolled out within the same turn's burst: on screen only briefly, partly or not at all)"
            print(f'{stamp((f if f is not None else f0) / FPS)} [{where}] [{k}] "{text}"{note}')


HEADER = """\
# freeciv_ai_italians.mp4 ground truth. Format: MM:SS.ss [where] [kind] "text as displayed" (clip time; frame = 25*t).
# Clip = an all-AI Freeciv 3.0.6 game (civ2civ3 rules), watched by an observer of the Italians (AI "Luigi Federico
#   Menabrea"), turns T47-T80 (1700-525 BCE), one turn per ~3.3 s of real time; the clip is real time (x11grab).
# [chat] lines: every line the client writes to its chat/output window (bottom of the screen, 13 rows, newest at
#   the bottom; all game event messages were routed there), logged by an LD_PRELOAD hook on gtk_text_buffer_insert
#   with the wall clock, the same clock x11grab stamps frames with. A turn's lines arrive in one burst and the view
#   scrolls them in over 2-6 frames: the onset is the first frame whose measured scroll shows half of the line's
#   first row. Checked by eye (frames before/at/after) at 00:15.48 and 01:15.00 of this render (stop 27): exact to
#   +-1 frame (+-0.04 s), never before the line was written. Lines marked "scrolled out" had 13 or more rows after
#   them in the same burst: on screen for 1-4 frames only, or partly. Lines over 154 characters wrap to 2 rows.
#   kinds (from the text): turn ("Year: 650 BCE", first line of each new turn), city, tech, diplomacy, ai-chat
#   (messages of AI leaders, "*Name (AI)* ..."), wonder, combat, government, event (other).
# [hud] lines: the info panel at the left ("Population: N / Year: Y (Tnn) / Gold: G (+g) / Tax: .. Lux: .. Sci: ..")
#   from the hooked gtk_label_set_text; a line when the Year/turn or the Gold line changes; onset = first frame in
#   which that line's pixels change (+-1 frame). A value replaced before a redraw is left out.
# Not covered: "Population: N" and "Tax: 20 Lux: 0 Sci: 80" lines of the panel, the turn timer under the research
#   and sun icons ("01s", "00s", counting down each turn), the unit panel ("Settlers / Moves: 1 / Hills / Road /
#   Milano", comes and goes, with unit pictures), city labels on the map (name and size: "Innsbruck 1", "Qosqo 6",
#   "Chan Chan 3"), terrain labels ("Thermal Vent", "Great Blue Hole"), menus, the "Turn Done" button, the "Chat"
#   tab, the "Allies Only" and "Clear links" buttons. Lines already in the chat at 00:00.00 are not listed."""

if __name__ == "__main__":
    main(*sys.argv[1:4])
