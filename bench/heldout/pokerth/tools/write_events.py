#!/usr/bin/env python3
"""body.tsv (make_events.py) -> NAME.events.txt: '#' header (tools/events_header.txt) + one line per event:
MM:SS.ss [where] [kind] "text as displayed"  (note)
usage: write_events.py body.tsv CLIP_START_FRAME CLIP_FRAMES > NAME.events.txt"""
import sys, collections
tsv, S, N = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = [l.rstrip('\n').split('\t') for l in open(tsv, encoding='utf-8')]
new = [r for r in rows if not r[5].startswith('printed') and 'before the clip' not in r[5]]
cnt = collections.Counter((r[2], r[3]) for r in new)
HEADER = open(__file__.replace('write_events.py', 'events_header.txt'), encoding='utf-8').read().rstrip('\n')
print(HEADER.replace('@S@', str(S)).replace('@N@', str(N)).replace('@DUR@', '%.2f' % (N / 25)))
print('# Counts of events with onset inside the clip (%d): ' % len(new) + ', '.join('%s/%s %d' % (w, k, c) for (w, k), c in sorted(cnt.items())))
for r in rows:
    t, f, where, kind, text, note = r[:6]
    # a quote inside the text (a showdown's hand name, shown in straight quotes) is written “ ” so the
    # line's own quotes stay the outer pair (bench/onscreen_events.py reads the text between them)
    shown = text.replace('"', '\u201c', 1).replace('"', '\u201d', 1) if text.count('"') == 2 else text
    print('%s [%s] [%s] "%s"%s' % (t, where, kind, shown, ('  (' + note + ')') if note else ''))
