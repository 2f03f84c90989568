#!/usr/bin/env python3
"""Pioneers ground truth: hook log (piohook.so) + x11grab recording -> on-screen text events with frame-exact onsets.

Sources (piohook.so logs each with CLOCK_REALTIME, the clock x11grab stamps its frames with):
 - [messages]: the client writes every message into its "Messages" GtkTextBuffer as a time-stamp part
   "HH:MM:SS ", one or more text parts (chat: "Name said: " + the chat text), then "\\n".  A line = the parts
   from its time stamp to its "\\n"; its hook time = the time of its last part.
 - [statusbar]: gtk_statusbar_push texts (bottom left), e.g. "Escher must move the robber."; pushes within 50 ms
   collapse to the last; a push of the text already shown, or of an empty text (status cleared), is not an event.
 - [popup]: the end-of-game dialog (see below).
Frame times: frame f of rec.mkv was grabbed at START + pts(f) (START = "start:" in ffmpeg.log; pts from ffprobe,
rounded by x11grab to the 40 ms grid; x11grab may skip frames when the machine is busy, then pts jumps by 80-120 ms).
Onsets:
 - [messages]: from RUNDIR/counts.tsv (track_rows.py: number of message lines visible so far, per frame, counted
   from the time-stamp rows on screen): a line's onset = the first frame whose count includes it.  Checked against
   the hook time: the onset must lie between 1 frame before and 5 frames after the first frame grabbed after the
   hook time (otherwise the first change of the panel after the hook time is used and the line is flagged).
 - [statusbar], [popup]: the first frame grabbed at/after the hook time (-20 ms for the pts rounding) in which the
   event's screen area differs from the previous frame (status bar x 0-900 y 686-716; dialog x 480-800 y 290-430).
Clip time of frame f = pts(f) - pts(CLIP_START_FRAME) (the clip is encoded at a constant 25 fps in time: a frame
x11grab skipped is filled by repeating the previous one).
usage: make_events.py RUNDIR CLIP_START_FRAME CLIP_FRAMES ['' | FIRST_VISIBLE_LINE_SUBSTRING] > body.tsv
   '' = the lines already visible at the clip start are taken from counts.tsv.  Disagreements go to stderr.
Output (TSV): clip_time  frame  where  kind  text  note  lag_frames (onset time - hook time, in frames)
"""
import bisect, re, subprocess, sys
import numpy as np

run, S, N, firstvis = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
FPS, WF, HF = 25, 1280, 720
REG = {'messages': (884, 1272, 170, 678), 'statusbar': (0, 900, 686, 716), 'popup': (480, 800, 290, 430)}

start = float(re.search(r'start: ([\d.]+)', open(run + '/ffmpeg.log').read()).group(1))
pts = [float(x) for x in subprocess.run(['ffprobe', '-v', 'error', '-select_streams', 'v', '-show_entries',
       'packet=pts_time', '-of', 'csv=p=0', run + '/rec.mkv'], capture_output=True, text=True).stdout.split()]
ftime = [start + p for p in pts]
for f in range(1, len(pts)):
    if pts[f] - pts[f - 1] > 0.05:
        sys.stderr.write('x11grab skipped %d frame(s) before recording frame %d (clip time %.2f)\n'
                         % (round((pts[f] - pts[f - 1]) * FPS) - 1, f, pts[f] - pts[S]))

events = []   # (hook_time, where, text)
cur = None
status = []   # (time of the first push of a pass, text after the pass)
for l in open(run + '/hook.log', encoding='utf-8', errors='replace'):
    m = re.match(r'([\d.]+) (\w+) \S+ ?(.*)$', l.rstrip('\n'))
    if not m:
        continue
    t, typ, part = float(m.group(1)), m.group(2), m.group(3)
    if typ == 'TEXT':
        if re.fullmatch(r'\d\d:\d\d:\d\d ', part):
            cur = part
        elif cur is not None:
            if part.endswith('\\n'):
                events.append((t, 'messages', cur + part[:-2])); cur = None
            else:
                cur += part
    elif typ == 'STATUS':
        # the client clears and re-pushes in one pass: pushes within 50 ms collapse to the last one
        if status and t - status[-1][0] < 0.05:
            status[-1] = (status[-1][0], part)
        else:
            status.append((t, part))
# The end-of-game dialog is not built with gtk_message_dialog_new in Pioneers 15.6, so the hook does not see it:
# its text is the client's own two strings ("%s has won the game with %d victory points!", "All praise %s, Lord of
# the known world!") filled in from the winner's message line; checked on the clip's frames.
for t, w, x in list(events):
    m = re.search(r'(\S+) has won the game with (\d+) victory points!', x)
    if w == 'messages' and m:
        events.append((t, 'popup', '%s has won the game with %s victory points! / All praise %s, Lord of the known world!'
                       % (m.group(1), m.group(2), m.group(1))))
shown = None
status_end = {}   # status event time -> time of the next push (the text is replaced or cleared then)
for j, (t, part) in enumerate(status):
    if part != shown and part != '':
        events.append((t, 'statusbar', part))
        nxt = next((t2 for t2, p2 in status[j + 1:] if p2 != part), None)
        status_end[t] = nxt
    shown = part
events.sort(key=lambda e: e[0])

# changed frames per area, recording frames S-200 .. S+N+50
F0 = max(S - 200, 1)
p = subprocess.Popen(['ffmpeg', '-loglevel', 'error', '-i', run + '/rec.mkv', '-vf',
                      'select=gte(n\\,%d),format=gray' % (F0 - 1), '-vsync', '0', '-f', 'rawvideo', '-'],
                     stdout=subprocess.PIPE)
changed = {k: set() for k in REG}
prev = None
f = F0 - 1
while f < S + N + 50:
    b = p.stdout.read(WF * HF)
    if len(b) < WF * HF:
        break
    a = np.frombuffer(b, np.uint8).reshape(HF, WF).astype(np.int16)
    if prev is not None:
        for k, (x0, x1, y0, y1) in REG.items():
            if np.count_nonzero(np.abs(a[y0:y1, x0:x1] - prev[y0:y1, x0:x1]) > 40) > 3:
                changed[k].add(f)
    prev = a
    f += 1
p.kill()

def kind(where, t):
    if where == 'popup': return 'win'
    if where == 'statusbar': return 'status'
    if ' said: ' in t or re.match(r'\d\d:\d\d:\d\d \S+ says ', t): return 'chat'
    if 'has won the game' in t: return 'win'
    if ' has quit' in t: return 'system'
    if re.search(r'Begin turn \d+ for', t): return 'turn'
    if re.search(r' rolled \d+\.$', t): return 'dice'
    if ' receives ' in t or ' takes ' in t: return 'income'
    if re.search(r' built a | upgraded ', t): return 'build'
    if 'development card' in t: return 'devcard'
    if re.search(r'robber|pirate| stole | discarded ', t): return 'robber'
    if ' exchanged ' in t or ' gave ' in t or 'trade' in t.lower(): return 'trade'
    if 'longest road' in t.lower() or 'largest army' in t.lower(): return 'award'
    if ' spent ' in t: return 'spend'
    if 'etup for' in t: return 'setup'
    return 'system'

def ts(fr):
    s = max(pts[fr] - pts[S], 0) if fr >= 0 else 0
    return '%02d:%05.2f' % (s // 60, s % 60)

# track_rows.py counts: frame -> number of message lines shown so far, time-stamp rows visible
counts, runs_at = {}, {}
for l in open(run + '/counts.tsv'):
    fr, c, dy, nr = map(int, l.split()[:4])
    counts[fr], runs_at[fr] = c, nr
shown_from = {}   # line index (0-based, hook order) -> first frame showing it
for fr in sorted(counts):
    for k in range(len(shown_from), counts[fr]):
        shown_from[k] = fr
msg_index = {}
k = 0
for i, (t, w, x) in enumerate(events):
    if w == 'messages':
        msg_index[i] = k; k += 1

if firstvis:
    ivis = next(i for i, (_, w, x) in enumerate(events) if w == 'messages' and firstvis in x)
else:   # from track_rows.py: the lines whose time-stamp row is visible in the clip's first frame
    first_shown = counts[S] - runs_at[S]
    ivis = next(i for i, k in msg_index.items() if k == first_shown)
lastst = None
out = []
for i, (t, where, text) in enumerate(events):
    f0 = bisect.bisect_left(ftime, t - (0.0 if where == 'messages' else 0.02))  # first frame grabbed at/after t
    on = next((g for g in range(f0, f0 + 50) if g in changed[where]), None)
    note = ''
    if on is None:
        if where == 'statusbar' and F0 <= f0 < S + N:
            sys.stderr.write('status text never seen on screen (replaced within %.0f ms): %s\n'
                             % ((status_end[t] - t) * 1000 if status_end.get(t) else -1, text))
            continue
        on, note = f0, 'no change seen in its screen area within 2 s: onset = hook time'
    if where == 'statusbar' and status_end.get(t):
        note = 'replaced/cleared %.2f s later' % (status_end[t] - t)
    if where == 'messages':
        rows_on = shown_from.get(msg_index[i])
        if rows_on is not None and f0 - 1 <= rows_on <= f0 + 5:
            if rows_on != on:
                sys.stderr.write('row count %d, first change after hook %d: %s\n' % (rows_on, on, text))
            on = rows_on
        else:
            sys.stderr.write('FLAG row count %s outside [%d, %d]: %s\n' % (rows_on, f0 - 1, f0 + 5, text))
            note = 'not found by the row count: onset = first change of the panel after the hook time'
    if pts[on] - pts[S] >= N / FPS - 1e-6:
        break
    if on < S:
        if where == 'statusbar':
            lastst = (t, text, on)
        if where != 'messages' or i < ivis:
            continue
        note = 'printed %.2f s before the clip start, already in the Messages panel at 00:00' % (pts[S] - pts[on])
    if where == 'statusbar' and lastst is not None:
        out.append((S, '%s\t%d\t%s\t%s\t%s\t%s\t%.3f' % (ts(S), S, 'statusbar', 'status', lastst[1],
                    'shown since %.2f s before the clip start' % (pts[S] - pts[lastst[2]]), 0)))
        lastst = None
    out.append((max(on, S), '%s\t%d\t%s\t%s\t%s\t%s\t%.3f' % (ts(on), on, where, kind(where, text), text, note,
                                                               (ftime[on] - t) * FPS)))
out.sort(key=lambda r: r[0])   # stable: same-frame events keep the order the client produced them in
for _, r in out:
    print(r)
