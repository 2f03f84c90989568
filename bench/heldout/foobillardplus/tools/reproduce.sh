#!/bin/bash
# reproduce.sh WORKDIR: the whole thing from scratch (Debian 12): packages, the hook, a game, the clip, the events.
# Each run is a new game (the AI's shots have random error), so the clip window (782, 3000) and the events are
# for the committed recording only; pick a new window for a new run (the game ends ~150 s after the start).
set -e
W=$(realpath -m "$1"); T=$(dirname "$(realpath "$0")")
apt-get install -y --no-install-recommends foobillardplus xvfb xdotool ffmpeg gcc libfreetype-dev python3-numpy
gcc -O2 -shared -fPIC -I/usr/include/freetype2 -o "$T/fbhook.so" "$T/fbhook.c" -ldl
"$T/run.sh" "$W/rec1" 240
"$T/make_clip.sh" "$W/rec1" "$W/foobillard_ai_8ball.mp4" 782 3000
python3 "$T/make_events.py" "$W/rec1" 782 3000 > "$W/ev1.tsv"
python3 "$T/name_changes.py" "$W/rec1" 782 3000 > "$W/names1.txt"
python3 "$T/write_events.py" "$W/ev1.tsv" "$W/names1.txt" "$T/events_header.txt" > "$W/foobillard_ai_8ball.events.txt"
