#!/usr/bin/env python3
"""PokerTH ground truth: hook log (pkhook.so) + x11grab recording -> on-screen text events with frame-exact onsets.

Sources (pkhook.so logs each with CLOCK_REALTIME, the clock x11grab stamps its frames with; geometry in screen px):
 - [log]  QTextEdit::append on textBrowser_Log (the "Log" tab, bottom right): one line per game event.
 - [pot]  QLabel::setText on textLabel_Pot ("Total: $X") and textLabel_Sets ("Bets: $X"), left of the board.
 - [round] textLabel_handLabel ("Preflop", "Flop", "Turn", "River"; cleared after the showdown) and
          label_handNumberValue ("Hand: N"), right of the board.
 - [seat] per seat N (0 = the knocked-out human, empty): textLabel_CashN (stack "$2,960"), textLabel_SetN (the chips
          put in this betting round "$40", next to the cards), textLabel_StatusN (the action picture "Fold", "Check",
          "Call", "Bet", "Raise", "All-In", "Winner" drawn over the cards: QLabel::setPixmap; which picture is which is
          learned from the log line of the same player at the same moment).
Only texts that appear are events (a label cleared to "" or the 1-px blank picture is not), and a label set to the
text it already shows is not either (the hook logs only changes).
Onset = the first frame grabbed at/after the hook time (-20 ms: x11grab rounds pts to the 40 ms grid) in which the
widget's rectangle differs from the previous frame (> 3 px with a grey-level change > 40), searched over 25 frames.
Frame times: frame f was grabbed at START + pts(f) (START = "start:" in ffmpeg.log; pts from ffprobe).
Clip time of frame f = pts(f) - pts(S) (the clip is cut by time: a frame x11grab skipped is filled by repeating
the previous one).
usage: make_events.py RUNDIR CLIP_START_FRAME CLIP_FRAMES LOG_LINES_VISIBLE_AT_START > body.tsv  (notes on stderr)
Output (TSV): clip_time  frame  where  kind  text  note  lag_frames
"""
import bisect, collections, re, subprocess, sys
import numpy as np

run, S, N, NVIS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
WF, HF = 1280, 720
start = float(re.search(r'start: ([\d.]+)', open(run + '/ffmpeg.log').read()).group(1))
pts = [float(x) for x in subprocess.run(['ffprobe', '-v', 'error', '-select_streams', 'v', '-show_entries',
       'packet=pts_time', '-of', 'csv=p=0', run + '/rec.mkv'], capture_output=True, text=True).stdout.split()]
pts.sort()
ftime = [start + p for p in pts]
for f in range(1, len(pts)):
    if pts[f] - pts[f - 1] > 0.05 and S - 50 <= f < S + N + 50:
        sys.stderr.write('x11grab skipped %d frame(s) before recording frame %d (clip time %.2f)\n'
                         % (round((pts[f] - pts[f - 1]) * 25) - 1, f, pts[f] - pts[S]))

# ---- hook log
rows = []   # (t, typ, name, (x,y,w,h), text)
for l in open(run + '/hook.log', encoding='utf-8', errors='replace'):
    m = re.match(r'([\d.]+) (\w+) (\S+) (-?\d+),(-?\d+),(-?\d+),(-?\d+) (\d) ?(.*)$', l.rstrip('\n'))
    if m:
        rows.append((float(m.group(1)), m.group(2), m.group(3), tuple(int(m.group(i)) for i in range(4, 8)),
                     m.group(9).replace('\\n', '\n').replace('\\\\', '\\')))
seatname = {}
names_at = []   # (t, seat, name)
for t, typ, name, g, text in rows:
    m = re.fullmatch(r'label_PlayerName(\d)', name)
    if typ == 'LABEL' and m and text:
        names_at.append((t, int(m.group(1)), text))
def seat_player(seat, t):
    r = None
    for t2, s2, n2 in names_at:
        if s2 == seat and t2 <= t + 1:
            r = n2
    return r

# action pictures: hash -> word, from the log line of the same player at the same time
VERB = [(' folds.', 'Fold'), (' checks.', 'Check'), (' calls ', 'Call'), (' bets ', 'Bet'), (' raises', 'Raise'),
        (' is all in', 'All-In'), (' wins ', 'Winner')]
logs = [(t, x) for t, typ, n, g, x in rows if typ == 'LOG' and n == 'textBrowser_Log']
votes = collections.defaultdict(collections.Counter)
stage = ''
for t, typ, name, g, text in rows:
    if typ == 'LABEL' and name == 'textLabel_handLabel':
        stage = text
    m = re.fullmatch(r'textLabel_Status(\d)', name)
    if typ == 'PIXMAP' and m and text.startswith('img'):
        p = seat_player(int(m.group(1)), t)
        for t2, x in logs:
            if abs(t2 - t) < 0.05 and p and x.startswith(p + ' '):
                for v, w in VERB:
                    if v in x:
                        # the log says "bets" for a raise too; preflop (the big blind is a bet) it is always a raise
                        votes[text]['Raise' if w == 'Bet' and stage == 'Preflop' else w] += 1
PIC = {}
for h, c in votes.items():
    (w, n), = c.most_common(1)
    PIC[h] = w
    sys.stderr.write('action picture %s = %s (%s)\n' % (h, w, dict(c)))

def classify(typ, name, text):
    """-> (where, kind, shown text) or None"""
    if typ == 'LOG' and name == 'textBrowser_Log':
        x = text
        if x.startswith('## Game'): k = 'hand'
        elif x.startswith('---'): k = 'board'
        elif ' posts ' in x: k = 'blind'
        elif ' shows ' in x or ' has [' in x: k = 'showdown'
        elif ' wins ' in x: k = 'win'
        elif ' sits out' in x: k = 'out'
        elif any(v in x for v, w in VERB): k = 'action'
        else: k = 'other'
        return ('log', k, x)
    if typ == 'LABEL' and text:
        if name == 'textLabel_Pot': return ('pot', 'total', 'Total: ' + text)
        if name == 'textLabel_Sets': return ('pot', 'bets', 'Bets: ' + text)
        if name == 'textLabel_handLabel': return ('round', 'stage', text)
        if name == 'label_handNumberValue': return ('round', 'handno', 'Hand: ' + text)
        if name == 'label_gameNumberValue': return ('round', 'gameno', 'Game: ' + text)
        m = re.fullmatch(r'textLabel_(Cash|Set)(\d)', name)
        if m: return ('seat', 'stack' if m.group(1) == 'Cash' else 'bet', text)
    if typ == 'PIXMAP':
        m = re.fullmatch(r'textLabel_Status(\d)', name)
        if m and text in PIC: return ('seat', 'action', PIC[text])
        if m and text.startswith('img'): sys.stderr.write('unknown action picture %s\n' % text)
    return None

events = []   # (t, name, geom, where, kind, text, seatnote)
cur = {}
lastidx = {}   # widget -> times at which what it shows changed (to any text, "" or blank picture included)
for t, typ, name, g, text in rows:
    if typ in ('LABEL', 'PIXMAP'):
        if cur.get(name) == text:
            continue   # the same picture set again (the hook logs every setPixmap): nothing changes on screen
        cur[name] = text
        lastidx.setdefault(name, []).append(t)
    c = classify(typ, name, text)
    if c is None or g[0] < 0 or g[2] <= 0:
        continue
    m = re.search(r'(\d)$', name) if c[0] == 'seat' else None
    note = ''
    if m:
        note = 'seat %s: %s' % (m.group(1), seat_player(int(m.group(1)), t))
    events.append((t, name, g, c[0], c[1], c[2], note))

# ---- changed frames per widget rectangle
regions = sorted({(e[1], e[2]) for e in events if ftime[0] <= e[0] <= ftime[-1]}, key=str)
F0, F1 = max(S - 300, 1), min(S + N + 60, len(pts))
p = subprocess.Popen(['ffmpeg', '-loglevel', 'error', '-i', run + '/rec.mkv', '-vf',
                      'select=gte(n\\,%d),format=gray' % (F0 - 1), '-vsync', '0', '-f', 'rawvideo', '-'],
                     stdout=subprocess.PIPE)
changed = collections.defaultdict(set)
prev = None
f = F0 - 1
while f < F1:
    b = p.stdout.read(WF * HF)
    if len(b) < WF * HF:
        break
    a = np.frombuffer(b, np.uint8).reshape(HF, WF).astype(np.int16)
    if prev is not None:
        d = np.abs(a - prev) > 40
        for key in regions:
            x, y, w, h = key[1]
            if np.count_nonzero(d[max(y, 0):y + h, max(x, 0):x + w]) > 3:
                changed[key].add(f)
    prev = a
    f += 1
p.kill()

def ts(fr):
    s = max(pts[fr] - pts[S], 0)
    return '%02d:%05.2f' % (s // 60, s % 60)

def until_frame(name, g, tu):
    """the frame in which a text replaced/cleared at hook time tu disappears (first change of its rectangle)"""
    f0 = bisect.bisect_left(ftime, tu - 0.02)
    return next((q for q in range(f0, f0 + 25) if q in changed[(name, g)]), f0)

out = []
state_at_start = {}   # widget -> event shown at frame S (labels/pictures), for the "already on screen" lines
log_before = []
lags = collections.Counter()
for t, name, g, where, kind, text, note in events:
    if t > ftime[min(F1, len(ftime)) - 26]:
        continue
    if t < ftime[S] - 2.0:   # long before the clip: on screen before it (if not replaced since)
        later = [t2 for t2 in lastidx.get(name, []) if t2 > t + 1e-4]
        if where == 'log':
            log_before.append((None, t, where, kind, text, note))
        else:
            state_at_start[name] = (None, t, where, kind, text, note, later[0] if later else None, g)
        continue
    f0 = bisect.bisect_left(ftime, t - 0.02)
    on = next((q for q in range(f0, f0 + 25) if q in changed[(name, g)]), None)
    later = [t2 for t2 in lastidx.get(name, []) if t2 > t + 1e-4]
    until = later[0] if later else None
    if on is None:
        if S <= f0 < S + N:
            sys.stderr.write('not seen on screen (no change of %s in 1 s): %s %s\n' % (name, ts(f0), text))
        continue
    if on < S:
        if where == 'log':
            log_before.append((on, t, where, kind, text, note))
        else:
            state_at_start[name] = (on, t, where, kind, text, note, until, g)
        continue
    if on >= S + N:
        continue
    n2 = note
    if until is not None and where != 'log':
        fu = until_frame(name, g, until)
        n2 = (n2 + '; ' if n2 else '') + ('until %s' % ts(fu) if fu < S + N else 'until after the clip')
    lag = on - f0
    lags[lag] += 1
    out.append((pts[on] - pts[S], on, where, kind, text, n2, lag))
sys.stderr.write('onset - first frame after hook time (frames): %s\n' % dict(sorted(lags.items())))
pre = []
for on, t, where, kind, text, note in log_before[-NVIS:]:
    pre.append((0.0, S, where, kind, text, 'printed %.2f s before the clip start, still in the Log panel at 00:00' % (ftime[S] - t), 0))
for name, (on, t, where, kind, text, note, until, g) in sorted(state_at_start.items(), key=lambda kv: kv[1][1]):
    if until is not None and until_frame(name, g, until) <= S:
        continue   # replaced/cleared before the clip
    n2 = (note + '; ' if note else '') + 'shown since %.2f s before the clip' % (ftime[S] - t)
    if until is not None:
        fu = until_frame(name, g, until)
        n2 += '; until %s' % (ts(fu) if fu < S + N else 'after the clip')
    pre.append((0.0, S, where, kind, text, n2, 0))
order = {'log': 0, 'round': 1, 'pot': 2, 'seat': 3}
pre.sort(key=lambda r: order[r[2]])
for r in pre + sorted(out, key=lambda r: (r[1], order[r[2]])):
    print('%s\t%d\t%s\t%s\t%s\t%s\t%d' % (ts(r[1]) if r[1] > S else '00:00.00', r[1] - S, r[2], r[3], r[4], r[5], r[6]))
