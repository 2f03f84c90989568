#!/bin/bash
# Rebuild pioneers_ai_default_board.{mp4,events.txt} from scratch on Debian 12 (bookworm), as root, no GPU/display.
# usage: bash reproduce.sh [workdir=/tmp/pio] [outdir=./out]      (~6-8 min on 2 busy cores)
# Every run is a new game (the server seeds its own RNG): the events file is regenerated from this run's logs;
# questions.jsonl and the frame checks in the events header fit the committed clip only.
set -euo pipefail
T=$(dirname "$(realpath "$0")"); WORK=$(realpath -m "${1:-/tmp/pio}"); OUT=$(realpath -m "${2:-./out}")
export DEBIAN_FRONTEND=noninteractive
if ! [ -x /usr/games/pioneers ] || ! [ -x /usr/games/pioneersai ] || ! pkg-config --exists gtk+-3.0; then
  apt-get update
  apt-get install -y --no-install-recommends pioneers pioneers-console xvfb xdotool ffmpeg gcc libc6-dev \
    pkg-config libgtk-3-dev python3 python3-numpy iproute2 util-linux
fi
# versions of the committed clip: pioneers 15.6-1+b1 (client, pioneers-server-console, pioneersai), ffmpeg 5.1,
# Xvfb 21.1, GTK 3.24.38
mkdir -p "$WORK"
gcc -O2 -shared -fPIC -Wall -o "$WORK/piohook.so" "$T/piohook.c" $(pkg-config --cflags --libs gtk+-3.0) -ldl
# the game: 4 AIs (1 s per action), spectator client + hook, x11grab 1280x720 @25 fps until 20 s after the win
HK="$WORK/piohook.so"; RUN="$WORK/run"; rm -rf "$RUN"
WORK="$RUN" HOOK="$HK" REC=1200 AITIME=1000 POSTWIN=20 nice -n 10 unshare -n bash "$T/run.sh"
# clip: 116 s, the winner's line at 01:50 (110 s in); track the message rows, write the events file
bash "$T/make_clip.sh" "$RUN" "$OUT" 110.0 2900
grep -v '^row count' "$RUN/disagree.txt" || true
ls -la "$OUT"
