"""Write warzone2100_ai_skirmish.events.txt from the game's console log interleaved with the capture shim's frame markers.

Warzone 2100 writes every line it adds to its on-screen console to its debug log (`--debug=console`:
"console |HH:MM:SS: [addConsoleMessage:NNN] (to player P): TEXT", flushed at once with --flush-debug-stderr).
wzcap.so writes "VCAP <swaps> <captured_index> <virtual_ms> <wallclock>" to the same stream (stderr) right
after presenting each captured frame, so a console line logged after the marker of captured frame k-1 was
added while frame k was computed; the console is drawn at the end of that same frame (game update, then
render), so it shows from captured frame k + LAG (LAG = 0, checked on frames, see README.md).
P = -3 (INFO_MESSAGE): the top-right bar, which shows only the newest such line; a line replaced by another
in the same frame is never drawn and is left out.  Other lines (P = -1 system, -2 notify, >= 0 a player's
chat): the console at the top left, newest at the bottom.
usage: python3 tools/make_events.py LOG CLIP_START_FRAME CLIP_FRAMES > warzone2100_ai_skirmish.events.txt
       (LOG: the capture log, plain or .gz)
"""
import gzip
import re
import sys

FPS, LAG = 25, 0
# Lines added while the map was loading (within LOADING frames before the clip's first frame, a black frame
# with the HUD) are drawn from the clip's frame FIRST_SHOWN, as the view fades in (checked on frames 0-2).
LOADING, FIRST_SHOWN = 5, 1
# Onsets measured on the clip where the log's frame is not the first that shows the line (text prefix: frame):
# the notify line added in the first frame of the game is drawn from the next one (dim, fading in with the view).
MEASURED = {"Error! (Check your logs!)": 2}
HEADER = """\
# warzone2100_ai_skirmish.mp4 ground truth. Format: MM:SS.ss [where] [kind] "text as displayed" (clip time; frame = 25*t).
# Every line Warzone 2100 4.3.3 added to its on-screen console during the clip, from its own debug log
#   (--debug=console logs each line as it is added, with the text as drawn, already cut to the console width),
#   placed by the capture shim's per-frame markers written into the same stream: exact to the frame (+-0.04 s).
#   Checked by eye on frames of the MP4 (absent one frame earlier, present at the onset): 00:00.04 and 00:00.08
#   (the view fades in from black: lines dim at first), 00:06.92, 00:23.56, 00:23.72, 01:38.52, 01:38.92, 01:51.08.
# [console]: top left (system lines of the game start centred), white sans (DejaVu, ~10 px letters) on a
#   translucent blue band over the 3D map; newest at the bottom; a line stays 4.5-7.7 s. [info]: a dark blue
#   bar across the top with green right-aligned text; only the newest such line is drawn (a line replaced in
#   the same frame, e.g. the first of two gifts, is never drawn and is not listed).
# kinds: chat (a player's or an AI's chat line "[HH:MM] Name (Global|private to Player): text"; HH:MM is the
#   wall clock of the render, not game time), system (game settings, errors, gifts from allies).
# Inner double quotes of a line are written as typographic quotes.
# Not covered: the chat input box ("Chat: All" + the text being typed, top centre, ~0.5-1 s before each of the
#   host's lines), the power number (bottom centre), the map name and game clock (bottom left), the minimap,
#   health bars, the reticule buttons.
"""


def stamp(frame: int) -> str:
    t = frame / FPS
    return f"{int(t // 60):02d}:{t % 60:05.2f}"


def kind(player: int, text: str) -> str:
    if player == -3 and text.endswith(" Lost!"):
        return "unit-lost"
    if player >= 0 or re.match(r"^\[\d\d:\d\d\] ", text):
        return "chat"
    return "system"


def rows(path: str):
    """(frame, player, text) of every console line, frame = captured index that first shows it."""
    opener = gzip.open if path.endswith(".gz") else open
    cur = None
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            p = line.split()
            if len(p) >= 3 and p[0] == "VCAP" and p[1].isdigit():
                if p[2] != "-1":
                    cur = int(p[2]) + 1
                continue
            if p[:1] == ["VCAP"] and len(p) > 1 and p[1] == "live":
                cur = 0
                continue
            m = re.match(r"^console\s*\|[\d:]+: \[addConsoleMessage:\d+\] \(to player (-?\d+)\): (.*)$", line)
            if m and cur is not None:
                yield cur + LAG, int(m.group(1)), m.group(2)


def quoted(text: str) -> str:
    """The text between the events file's double quotes: inner double quotes become typographic ones."""
    n = [0]

    def q(_m):
        n[0] += 1
        return "\u201c" if n[0] % 2 else "\u201d"
    return re.sub('"', q, text)


def main() -> None:
    log, start, nframes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    lines = list(rows(log))
    out = []
    for i, (f, player, text) in enumerate(lines):
        if start - LOADING <= f < start:
            f = start + FIRST_SHOWN  # added while the map loaded: drawn from the first frame of the game
        if not start <= f < start + nframes:
            continue
        for prefix, g in MEASURED.items():
            if text.startswith(prefix) and f - start < g:
                f = start + g
        if player == -3 and any(g == f and p == -3 for g, p, _ in lines[i + 1:]):
            continue  # replaced in the info bar before it was drawn
        out.append((f - start, player, text))
    sys.stdout.write(HEADER)
    for f, player, text in out:
        where = "info" if player == -3 else "console"
        print(f'{stamp(f)} [{where}] [{kind(player, text)}] "{quoted(text)}"')


if __name__ == "__main__":
    main()
