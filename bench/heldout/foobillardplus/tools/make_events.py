#!/usr/bin/env python3
"""make_events.py RUNDIR FIRST_FRAME NFRAMES > events.tsv
Reads RUNDIR/hook.log (fbhook.so: 'T text T0 "..."' and 'T swap'), RUNDIR/rec_pts.txt (wall time of every
recorded frame) and RUNDIR/rec.mkv. For each text the game made, finds
  swap  = the first frame the game finished after making it (SDL_GL_SwapBuffers),
  hook  = the first recorded frame with pts >= swap time,
  pix   = the recorded frame, from the hook time to 4 frames after 'hook', in which the white text pixels in the
          text's screen rectangle change most (compared with the frame before),
and prints clip time (from pix), the text and the three frame numbers (clip frames)."""
import sys, re, subprocess, bisect
import numpy as np
run, first, nfr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pts = [float(l) for l in open(f"{run}/rec_pts.txt") if l.strip()]
texts, swaps = [], []
for l in open(f"{run}/hook.log", encoding="utf-8", errors="replace"):
    p = l.split(" ", 2)
    if p[1] == "swap": swaps.append(float(p[0]))
    elif p[1] == "text":
        t = float(p[0]); s = re.match(r'[\d.]+ "(.*)"\s*$', p[2]).group(1)
        h = len(s) // 2
        if len(s) % 2 == 0 and s[:h] == s[h:]: s = s[:h]     # the game lays each text out twice (measure, draw)
        texts.append((t, s.strip()))
# regions (x0, y0, x1, y1) where each kind of text is drawn (1280x720)
STATUS = (20, 24, 1000, 50)
def region(s): return STATUS
# white pixels of the status rect for every frame of the clip (and the one before)
x0, y0, x1, y1 = STATUS; w, h = x1 - x0, y1 - y0
lo, hi = first - 1, first + nfr
t_lo = pts[lo] - pts[0]
cmd = ["ffmpeg", "-v", "error", "-ss", f"{t_lo - 1:.3f}", "-i", f"{run}/rec.mkv", "-ss", "1", "-frames:v", str(hi - lo),
       "-vf", f"crop={w}:{h}:{x0}:{y0}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
raw = subprocess.run(cmd, capture_output=True, check=True).stdout
fr = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)
white = (fr.min(axis=3) > 200)
diff = np.array([0] + [int((white[i] != white[i - 1]).sum()) for i in range(1, len(white))])
for t, s in texts:
    if not s or t < pts[lo] - 30 or t > pts[hi - 1]: continue
    i_sw = bisect.bisect_left(swaps, t); tsw = swaps[i_sw] if i_sw < len(swaps) else t
    fh = bisect.bisect_left(pts, tsw)
    # the frame (from the hook time to 4 frames after the swap) with the largest change of white text pixels
    ks = range(max(bisect.bisect_left(pts, t), lo + 1), min(fh + 5, hi))
    fp = max(ks, key=lambda k: diff[k - lo]) if ks else None
    if fp is not None and diff[fp - lo] < 30: fp = None
    on = fp if fp is not None else fh
    print(f"{(on - first) / 25:.2f}\t{on - first}\t{fh - first}\t{(fp - first) if fp is not None else ''}\t"
          f"{t:.3f}\t{tsw:.3f}\t{s}")
