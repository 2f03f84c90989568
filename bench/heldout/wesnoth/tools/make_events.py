#!/usr/bin/env python3
"""Build wesnoth_ai_weldyn_channel.events.txt from the Lua truth log (stdout of the game, "GKB <ms> ...").
usage: make_events.py wes.out OFFSET CLIP_START CLIP_LEN > events_body.txt   (wes.out, or the kept .gkb_truth.log.gz)
  clip time = ms/1000 + OFFSET - CLIP_START, where OFFSET = (wall clock of ms_since_init()=0) - (pts of the first
  captured frame), measured from the engine log's "turn: N" lines vs the GKB new_turn lines (1.828 s for the render
  of stop 27; 1.890 s for the first one).
HUD (top bar) changes and centre "sighted" labels are not in this log: they were measured on the clip's frames
(measure_frames.py, find_notice.py) and are merged in by hand (see README).
A level-up prints one [level-up] line (the time of the "advance" event, the new type from "post_advance"); the
[log] turn-refresh lines are off (KEEP_LOG): the [turn] lines measured on the frames replace them."""
import gzip, re, sys
path, off, start, length = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
U = re.compile(r'side(\d):(.+?)\((.+?)\)@(\d+),(\d+) hp=(-?\d+)/(\d+)')
def unit(s):
    m = U.search(s)
    return ('side %s %s at hex %s,%s' % (m.group(1), m.group(2), m.group(4), m.group(5)), int(m.group(6)), int(m.group(7))) if m else (s, None, None)
KEEP_LOG = False   # [log] turn-refresh lines: the [turn] lines measured on the frames replace them
pending_adv = None
def ts(t): return '%02d:%05.2f' % (t // 60, t % 60)
for line in (gzip.open(path, 'rt') if path.endswith('.gz') else open(path)):
    m = re.match(r'GKB (\d+) (\S+) ?(.*)$', line.rstrip('\n'))
    if not m: continue
    t = int(m.group(1)) / 1000 + off - start
    if t < 0 or t >= length: continue
    kind, rest = m.group(2), m.group(3)
    if kind == 'attack':
        a, d = rest.split(' -> ')
        ua, ud = unit(a)[0], unit(d)[0]
        print('%s [attack] %s attacks %s' % (ts(t), ua, ud))
    elif kind in ('attacker_hits', 'defender_hits'):
        dmg = re.search(r'damage=(\d+)', rest).group(1)
        u, hp, mx = unit(rest)
        print('%s [damage] floating red "%s" over %s (hp now %d/%d%s)  (on screen at this time; appeared 0.3-0.7 s earlier)'
              % (ts(t), dmg, u, hp, mx, ', lethal' if hp <= 0 else ''))
    elif kind == 'die':
        print('%s [death] %s dies (death animation, unit removed)' % (ts(t), unit(rest)[0]))
    elif kind == 'recruit':
        print('%s [recruit] %s recruited' % (ts(t), unit(rest)[0]))
    elif kind == 'capture':
        print('%s [village] village %s captured by %s' % (ts(t), rest.split()[1], unit(rest)[0]))
    elif kind == 'advance':
        pending_adv = (t, unit(rest)[0])
    elif kind == 'post_advance':
        new_type = re.search(r':(.+?)\(', rest).group(1)
        print('%s [level-up] %s advances to %s (level-up animation)' % (ts(pending_adv[0]), pending_adv[1], new_type))
    elif kind == 'side_turn' and KEEP_LOG:
        print('%s [log] turn-refresh event: turn %s side %s (%s)' % (ts(t), re.search(r'turn=(\d+)', rest).group(1),
              re.search(r'side=(\d+)', rest).group(1), rest.split('| ')[1]))
