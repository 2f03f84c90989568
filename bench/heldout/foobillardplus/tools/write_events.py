#!/usr/bin/env python3
"""write_events.py EVENTS.TSV NAMES.TXT HEADER.TXT > events.txt
EVENTS.TSV: make_events.py output (status-line texts with onsets). NAMES.TXT: name_changes.py output.
Writes the ground truth: status line messages (texts made at the same moment are the lines of one message),
the player name at the table (bottom left) and the 'X wins' 3D text."""
import sys
ev = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
names = [l.split() for l in open(sys.argv[2]) if l.strip()]
out = []
def mmss(t):
    sg = "-" if t < 0 else ""; t = abs(t)
    return f"{sg}{int(t // 60):02d}:{t - 60 * int(t // 60):05.2f}"
for i, e in enumerate(ev):
    clip_t, on, fh, fp, th, tsw, s = float(e[0]), int(e[1]), e[2], e[3], float(e[4]), e[5], e[6]
    if not s: continue
    if s in ("Alice", "Bob"):   # the name put into the 3D 'NAME WINS' banner
        out.append((on, 2, f'[centre] [win] "{s} wins"  (3D letters "{s.upper()}" over "WINS", first seen mirrored over the far end of the table, then turning and falling into a pile; the status line is cleared in the same frame)'))
        continue
    q = s.replace('"', '\u201c')
    if on < 0:
        # made before the clip: on screen at 00:00 if no later status text was made before the clip starts
        later = [x for x in ev[i + 1:] if x[6] and abs(float(x[4]) - th) > 0.01]
        if later and int(later[0][1]) <= 0: continue
        out.append((0, 0, f'[status] [message] "{q}"  (already on screen: shown from {mmss(on / 25)}, before the clip)'))
        continue
    out.append((on, 1, f'[status] [message] "{q}"  (hook frame {fh}, first changed frame {fp})'))
import re
# the two names at the bottom: the player at the table bottom left (white, with his ball-type icon above), the
# other bottom right (blue). They swap when the turn passes, in the frame of the "Player X court." message.
cur = "Bob"   # at 00:00 (after "Player Bob court." at -6.72)
out.append((0, 3, f'[names] [player] "Bob"  (bottom left, white: the player at the table; already on screen)'))
out.append((0, 3, f'[names] [player] "Alice"  (bottom right, blue: the other player; already on screen)'))
for n in names:
    if n[0] != "left" or int(n[3]) < 250: continue
    f = int(n[1])
    who = None
    for e in ev:
        if int(e[1]) <= f + 2:
            m = re.search(r"Player (\w+) court", e[6]) or (re.fullmatch(r"(Alice|Bob)", e[6]))
            if m: who = m.group(1)
    other = "Alice" if who == "Bob" else "Bob"
    out.append((f, 3, f'[names] [player] "{who}"  (bottom left, white: now at the table; "{other}" moves to bottom right, blue, in the same frame)'))
sys.stdout.write(open(sys.argv[3], encoding="utf-8").read())
for l in sorted(out, key=lambda x: (x[0], x[1])):
    print(f"{mmss(l[0] / 25)} {l[2]}")
