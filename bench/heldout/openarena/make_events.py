#!/usr/bin/env python3
"""Build the ground-truth text-event list from the instrumented playback log (ev.log).

ev.log lines (written during `demo` playback with `video` capture at cl_aviFrameRate 25):
  RENDER F=k T=t video=1   engine is about to run cgame for the image that becomes AVI frame k (0-based)
  PRINT  F=k T=t |text      console print (obituaries, chat, "X hit the fraglimit." ...) -> drawn in the
                            top-left notify area from AVI frame k on (con_notifytime 3 s)
  CP y= cw= |text           cgame CG_CenterPrint() call ("FIGHT!", "You fragged X\\n1st place with 3") in frame k
  STR x= y= cw= ch= a= |txt every string cgame drew with CG_DrawStringExt in frame k (pickups, scoreboard, HUD ...)
  PROP/BANNER ...           UI_DrawProportionalString / UI_DrawBannerString calls
usage: make_events.py ev.log START_FRAME NUM_FRAMES out_prefix
"""
import re, sys
from collections import OrderedDict

log, S, N, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
strip = lambda s: re.sub(r'\^[^\^]', '', s)

cur = None
prints, cps = [], []
drawn = {}  # frame -> list of (kind, x, y, cw, text)
for line in open(log, encoding='latin-1'):
    line = line.rstrip('\n')
    if line.startswith('RENDER '):
        m = re.match(r'RENDER F=(\d+) T=(-?\d+) video=(\d)', line)
        cur = int(m.group(1)) if m.group(3) == '1' else None
        continue
    if line.startswith('PRINT '):
        m = re.match(r'PRINT F=(\d+) T=(-?\d+) \|(.*)$', line)
        if cur is not None:
            prints.append((int(m.group(1)), m.group(3)))
        continue
    if cur is None:
        continue
    if line.startswith('CP '):
        m = re.match(r'CP y=(-?\d+) cw=(\d+) \|(.*)$', line)
        cps.append((cur, m.group(3)))
    elif line.startswith(('STR ', 'PROP ', 'BANNER ')):
        kind = line.split(' ', 1)[0]
        x = int(re.search(r' x=(-?\d+)', line).group(1)); y = int(re.search(r' y=(-?\d+)', line).group(1))
        cwm = re.search(r' cw=(\d+)', line); cw = int(cwm.group(1)) if cwm else 0
        a = float(re.search(r' a=([0-9.]+)', line).group(1))
        text = line.split('|', 1)[1]
        if strip(text).strip() and a > 0.0:
            chm = re.search(r' ch=(\d+)', line); ch = int(chm.group(1)) if chm else 0
            drawn.setdefault(cur, []).append((kind, x, y, cw, text, ch))

def ts(f):
    t = (f - S) / 25.0
    return '%02d:%05.2f' % (int(t // 60), t - 60 * int(t // 60))

def classify(kind, x, y, cw, text, ch=0):
    t = strip(text)
    if kind != 'STR': return 'ui'
    if y == 408: return 'hud_score'
    if y in (24, 70) and (t.startswith('Starts in') or t.startswith('Waiting') or t == 'Warmup'): return 'warmup'
    if (y == 24 and t == 'following') or (y == 40 and cw == 32) or t.startswith('USE_ITEM'): return 'follow_overlay'
    if y == 440 and t == 'SPECTATOR': return 'spectator_overlay'
    if y == 170: return 'crosshair_name'
    if y == 80 and x > 400: return 'attacker_name'
    if ch == 24 and cw == 16 and 100 <= y <= 200: return 'centerprint_draw'
    if y in (40, 60) and cw == 16 and (t.startswith('Fragged by') or 'place with' in t): return 'scoreboard_header'
    if x == 160 and y >= 100: return 'scoreboard_row'
    if y == 25 and cw == 32: return 'scoreboard_title'
    if y == 400 and x == 64: return 'item_pickup'
    return 'other'

events = []  # (frame, kind, text, end_frame)
# console notify lines
noise = re.compile(r'^(Wrote |Stopped demo|tty console|\^3WARNING|WARNING|execing|Demo file|----)')
for f, t in prints:
    for piece in t.split('\\n'):
        p = strip(piece).strip()
        if p and not noise.match(p):
            events.append((f, 'console_notify', p, f + 75))
# centre prints (one event per displayed line)
for f, t in cps:
    for piece in t.split('\\n'):
        p = strip(piece).strip()
        if p:
            events.append((f, 'centre_print', p, None))
# onsets of drawn strings
active = {}
frames = sorted(drawn)
allf = range(min(frames), max(frames) + 1) if frames else []
for f in allf:
    now = set()
    for kind, x, y, cw, text, ch in drawn.get(f, []):
        key = (classify(kind, x, y, cw, text, ch), kind, x, y, cw, strip(text).strip())
        now.add(key)
        if key not in active:
            active[key] = f
    for key in list(active):
        if key not in now:
            events.append((active[key], key[0], key[5], f))
            del active[key]
for key, f0 in active.items():
    events.append((f0, key[0], key[5], max(allf) + 1))

events = [e for e in events if S <= e[0] < S + N or (e[0] < S and e[3] is not None and e[3] > S and e[1] in ('follow_overlay', 'spectator_overlay'))]
events.sort(key=lambda e: (max(e[0], S), e[1], e[2]))
MAIN = {'console_notify', 'centerprint_draw', 'item_pickup', 'warmup', 'scoreboard_header', 'scoreboard_title', 'follow_overlay', 'spectator_overlay', 'other'}
with open(out + '.tsv', 'w') as fo:
    fo.write('start\tend\tstart_frame\tkind\ttext\n')
    for f, k, t, e in events:
        fo.write('%s\t%s\t%d\t%s\t%s\n' % (ts(max(f, S)), ts(min(e, S + N)) if e is not None else '', max(f, S) - S, k, t))
with open(out + '.txt', 'w') as fo:
    for f, k, t, e in events:
        if k in MAIN:
            fo.write('%s %s\n' % (ts(max(f, S)), t))
from collections import Counter
print(Counter(k for f, k, t, e in events))
