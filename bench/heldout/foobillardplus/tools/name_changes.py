#!/usr/bin/env python3
"""name_changes.py RUNDIR FIRST_FRAME NFRAMES: frames (clip numbering) where the white name of the player at the
table (bottom left, x 30-230 y 662-702) changes, and where the other player's name (bottom right, blue) changes."""
import sys, subprocess, numpy as np
run, first, nfr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pts = [float(l) for l in open(f"{run}/rec_pts.txt") if l.strip()]
for name, (x0, y0, x1, y1), test in [("left", (30, 662, 230, 702), lambda f: f.min(axis=3) > 200),
                                      ("right", (1100, 662, 1270, 702), lambda f: (f[..., 2] > 150) & (f[..., 0] < 120))]:
    w, h = x1 - x0, y1 - y0
    t_lo = pts[first - 1] - pts[0]
    raw = subprocess.run(["ffmpeg", "-v", "error", "-ss", f"{t_lo - 1:.3f}", "-i", f"{run}/rec.mkv", "-ss", "1",
                          "-frames:v", str(nfr + 1), "-vf", f"crop={w}:{h}:{x0}:{y0}", "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    m = test(np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3))
    for i in range(1, len(m)):
        d = int((m[i] != m[i - 1]).sum())
        if d > 40: print(name, i - 1, f"{(i - 1) / 25:.2f}", d, int(m[i].sum()))
