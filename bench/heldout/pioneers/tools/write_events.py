#!/usr/bin/env python3
"""body.tsv (make_events.py) -> NAME.events.txt: '#' header + one line per event:
MM:SS.ss [where] [kind] "text as displayed"  note
usage: write_events.py body.tsv CLIP_START_FRAME CLIP_FRAMES > NAME.events.txt
The header's checked-frames paragraph is in HEADER below (edit it after checking a new render by eye)."""
import sys, collections
tsv, S, N = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = [l.rstrip('\n').split('\t') for l in open(tsv, encoding='utf-8')]
cnt = collections.Counter((r[2], r[3]) for r in rows if not r[5].startswith('printed') and not r[5].startswith('shown since'))
HEADER = open(__file__.replace('write_events.py', 'events_header.txt'), encoding='utf-8').read().rstrip('\n')
print(HEADER.replace('@S@', str(S)).replace('@N@', str(N)).replace('@DUR@', '%.2f' % (N / 25)))
print('# Counts of events with onset inside the clip: ' + ', '.join('%s/%s %d' % (w, k, c) for (w, k), c in sorted(cnt.items())))
for r in rows:
    t, f, where, kind, text, note = r[:6]
    print('%s [%s] [%s] "%s"%s' % (t, where, kind, text, ('  (' + note + ')') if note else ''))
