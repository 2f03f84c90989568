#!/usr/bin/env python3
"""Prefix every line read from stdin with the wall-clock time (time.time()) at which it was read."""
import sys, time
out = sys.stdout
while True:
    line = sys.stdin.buffer.readline()
    if not line:
        break
    out.write("%.6f %s" % (time.time(), line.decode("utf-8", "replace")))
    out.flush()
