#!/usr/bin/env python3
"""Which message lines does each frame of the recording show?  (Pioneers Messages panel, 1280x720 layout)

Every message line starts with its black "HH:MM:SS" time stamp at the panel's left edge (x 884-944); a wrapped
second row starts with coloured text, never black.  So, in the time-stamp column, each run of near-black pixel rows
(8-12 px high, fully inside the text view y 166-678) is the first row of one message line.  Between two frames the
panel either gains rows below its last line (not yet full) or scrolls up: the scroll dy (pixels) is found by
matching per-row signatures of the panel (mean grey level of 8 column blocks) of frame f against frame f-1 shifted
by dy, over the candidates given by differences of run positions (and 0).  A run of frame f whose position, moved
back by dy, lies below the last run of frame f-1 is a new line.  Counting new lines from the first frame of the
recording (whose lines are all visible: the panel is not yet full) gives, for every frame, the number of message
lines shown so far, i.e. the index of the newest visible line.
usage: track_rows.py REC.mkv LAST_FRAME > counts.tsv   (columns: frame  lines_shown  dy  runs_visible)
"""
import subprocess, sys
import numpy as np

rec, last = sys.argv[1], int(sys.argv[2])
WF, HF = 1280, 720
X0, X1, Y0, Y1 = 884, 1268, 166, 678
TS0, TS1 = 884, 945

def runs(a):
    col = (a[Y0:Y1, TS0:TS1].max(axis=2) < 90).sum(axis=1) > 0
    out, y = [], 0
    while y < len(col):
        if col[y]:
            z = y
            while z < len(col) and col[z]:
                z += 1
            if y > 0 and z < len(col) and 7 <= z - y <= 13:
                out.append(y)
            y = z
        else:
            y += 1
    return out

def sig(a):
    g = a[Y0:Y1, X0:X1].mean(axis=2)
    return g.reshape(Y1 - Y0, 8, (X1 - X0) // 8).mean(axis=2)

p = subprocess.Popen(['ffmpeg', '-loglevel', 'error', '-i', rec, '-frames:v', str(last + 1), '-vsync', '0',
                      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], stdout=subprocess.PIPE)
prev = None
count = 0
f = 0
while f <= last:
    b = p.stdout.read(WF * HF * 3)
    if len(b) < WF * HF * 3:
        break
    a = np.frombuffer(b, np.uint8).reshape(HF, WF, 3)
    r, s = runs(a), sig(a)
    dy = 0
    if prev is None:
        count = len(r)
    else:
        pr, ps = prev
        if np.abs(s - ps).max() > 1e-9:
            cands = sorted({0} | {x - y for x in pr for y in r if x - y > 0})
            best, dy = None, 0
            for d in cands:
                n = (Y1 - Y0) - d
                if n < 30:
                    continue
                e = np.abs(s[:n] - ps[d:d + n]).mean()
                if best is None or e < best - 1e-6:
                    best, dy = e, d
            lastp = pr[-1] if pr else -100
            count += sum(1 for y in r if y + dy > lastp + 3)
    print('%d\t%d\t%d\t%d' % (f, count, dy, len(r)))
    prev = (r, s)
    f += 1
p.kill()
