#!/usr/bin/env python3
"""Ground truth for the BZFlag clip from the client's own message output.

bzflag -echo copies every line added to the message panel to stdout; tsline.py prefixed each line with
the wall-clock time it was read. ffmpeg's x11grab input reports the wall-clock time of the first captured
frame (capture_start.txt). Clip time = wall - (capture_start + TRIM) + LAG, where TRIM is where the clip
starts in the raw capture and LAG (0.07 s) is the median delay, measured on the capture, from the echo to
the first captured frame that shows the line (next game frame + next 25 fps grab).

usage: make_events.py RUN_DIR [TRIM=8.0] [DUR=120] [LAG=0.07] > bzflag_robots.events.txt
"""
import sys, os

run = sys.argv[1]
trim = float(sys.argv[2]) if len(sys.argv) > 2 else 8.0
dur = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0
lag = float(sys.argv[4]) if len(sys.argv) > 4 else 0.07
start = float(open(os.path.join(run, "capture_start.txt")).read())

def kind(text):
    if ": killed by teammate " in text: return "teamkill"
    if ": killed by " in text: return "kill"
    if text.endswith(": blew myself up"): return "suicide"
    if text.startswith("Got shot by "): return "got_shot"
    if text == "Shot myself": return "shot_myself"
    if text in ("Mouse movement", "Keyboard movement"): return "control_mode"
    if text.startswith("Looking at "): return "identify"
    if ": joining as a robot tank" in text: return "robot_join"
    return "other"

events = []
for line in open(os.path.join(run, "client.tslog"), encoding="utf-8"):
    ts, _, text = line.rstrip("\n").partition(" ")
    text = text.rstrip()
    if not text:
        continue
    t = float(ts) - (start + trim) + lag
    if 0.0 <= t < dur:
        events.append((t, text))

counts = {}
for _, text in events:
    counts[kind(text)] = counts.get(kind(text), 0) + 1
print("# BZFlag 2.4.26 (Debian bzflag-client/bzflag-server 2.4.26-1): local player Hawk (red, keyboard-driven) + 6 robots Hawk00-Hawk05")
print("# clip: bzflag_robots.mp4, 640x480 25 fps, 120.00 s; times are MM:SS.ss from the start of the clip")
print("# source: bzflag -echo (every line added to the bottom-right message panel, tab 'All'), wall-clock stamped when read;")
print(f"#   clip t = wall - (x11grab first-frame wall time {start:.6f} + trim {trim:.2f} s) + {lag:.2f} s display/grab lag")
print("# accuracy: about +-0.05 s (the line is first visible within 1-2 frames of this time); lines land at the bottom of the panel")
print("# some lines are also shown as large HUD alerts at the top centre ('Got shot by ...', 'Shot myself')")
print(f"# {len(events)} events: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])))
for t, text in events:
    m, s = divmod(t, 60)
    print(f"{int(m):02d}:{s:05.2f} {text}")
