"""Write armagetronad_ai_match.events.txt from the capture log and the centre messages measured on frames.

Console lines: the game's own console log (CONSOLE_LOG 1, var/consolelog.txt), tailed by aavcap.so after
every presented frame ("VTAIL 1 <swaps> <line>"). A line tailed after swap S is drawn in captured frame S-1
(checked on frames: absent in S-2), the clip starts at captured frame 80, so clip time = (S - 81) / 25.
Centre messages (big text in the lower middle, not logged by the game): onsets measured on the clip's frames
(white-pixel count in the band y 340-378, each onset checked by eye on the frames either side).
usage: python3 tools/make_events.py [CAPTURE_LOG.gz] > armagetronad_ai_match.events.txt
(default: armagetronad_ai_match.capture.log.gz in the folder above tools/). A new capture plays another
match: measure CENTRE on its frames again.
"""
import gzip
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
CLIP_START, FPS, FRAMES = 80, 25, 2500

# (clip frame of onset, text, note) measured on armagetronad_ai_match.mp4
CENTRE = [
    (0, "New Match", "white from 00:00.00, replaced at 00:01.04"),
    (26, "3", "round 1 countdown digit, fades out by ~00:01.8"),
    (51, "2", "countdown, fades out by ~00:02.8"),
    (76, "1", "countdown, fades out by ~00:03.8"),
    (101, "0", "countdown (cycles released), fades out by ~00:04.9"),
    (1403, "Winner: Armagetron", "round 1 winner; on screen until ~01:02.1 (fades)"),
    (1586, "3", "round 2 countdown digit"),
    (1611, "2", "countdown"),
    (1636, "1", "countdown"),
    (1661, "0", "countdown (cycles released)"),
    (2158, "Winner: glTron", "round 2 winner; on screen until ~01:32.3 (fades)"),
    (2341, "3", "round 3 countdown digit"),
    (2366, "2", "countdown"),
    (2391, "1", "countdown"),
    (2416, "0", "countdown (cycles released)"),
]


def stamp(frame: int) -> str:
    t = frame / FPS
    return f"{int(t // 60):02d}:{t % 60:05.2f}"


def kind(text: str) -> str:
    if " core dumped " in text:
        return "kill"
    if "general protection fault" in text:
        return "penalty"
    if "was awarded" in text:
        return "round-win"
    if text.startswith("Watching "):
        return "camera"
    if text.startswith("Go (round"):
        return "round-start"
    return "system"


def main() -> None:
    rows = []
    with gzip.open(sys.argv[1] if len(sys.argv) > 1 else HERE / "armagetronad_ai_match.capture.log.gz", "rt", encoding="latin-1") as f:
        for line in f:
            m = re.match(r"^VTAIL 1 (\d+) (?:\[[^]]*\] )?(.*)$", line.rstrip("\n"))
            if not m:
                continue
            frame = int(m.group(1)) - 1 - CLIP_START
            if 0 <= frame < FRAMES:
                text = m.group(2)
                vis = "  (drawn at the top left for 1-8 frames only: the console scrolls/clears at the round start)" \
                    if frame == 0 else ""
                rows.append((frame, 0, f'[console] [{kind(text)}] "{text}"{vis}'))
    for frame, text, note in CENTRE:
        rows.append((frame, 1, f'[centre] "{text}"  {note}'))
    print("# armagetronad_ai_match.mp4 ground truth. Format: MM:SS.ss [where] [kind] \"text as displayed\" (clip time; frame = 25*t).")
    print("# [console] lines: from the game's own console log (var/consolelog.txt), placed by the capture shim's per-frame")
    print("#   markers: exact to the frame (+-0.04 s); onsets checked on frames (e.g. 00:13.84, 00:56.12, 01:15.28, 01:17.44 absent one")
    print("#   frame earlier). Console text: top left, small (~9 px) bitmap font, white with player names in their cycle")
    print("#   colour (Cycles3D on a white box), no background box; newest at the bottom, a line stays ~7-12 s.")
    print("# [centre] messages: measured on the clip's frames (white-pixel onset in the band y 340-378, checked by eye):")
    print("#   exact to the frame. Large outlined-looking bitmap font, white, lower middle of the screen, over the 3D view.")
    print("# Not covered: the HUD at the bottom (\"Scores Me: Top:\", speed gauge value, \"Rubber Used\", \"Brakes\",")
    print("#   \"Fastest: <name> <speed>\" which changes constantly, \"Enemies: N Friends: 1 Ping: 0 ms\"), the player name labels")
    print("#   floating over the cycles (\"Quake\", \"Linux\", ...), the speed numbers over the followed cycle.")
    for frame, _, text in sorted(rows, key=lambda r: (r[0], r[1])):
        print(f"{stamp(frame)} {text}")


if __name__ == "__main__":
    main()
