#!/bin/bash
# The whole thing from scratch (Debian 12, root, no network needed after apt): packages, hook, game, clip, events.
# Each run is a new game (PokerTH shuffles with its own seed), so the events are regenerated and
# eval/pokerth.jsonl fits the committed clip only; pick CLIP_START_FRAME / CLIP_FRAMES for the new recording by
# reading its hook.log (the committed clip: 997 3200, 8 log lines visible in its first frame).
# usage: reproduce.sh [WORKDIR=/tmp/pk] [OUTDIR=/tmp/heldout/pokerth] [CLIP_START_FRAME=997] [CLIP_FRAMES=3200] [LOG_LINES_AT_START=8]
set -eu
T=$(dirname "$(realpath "$0")")
W=${1:-/tmp/pk}; OUT=${2:-/tmp/heldout/pokerth}; S=${3:-997}; N=${4:-3200}; NVIS=${5:-8}
apt-get install -y pokerth qtbase5-dev g++ pkg-config xvfb xdotool pulseaudio ffmpeg python3-numpy
mkdir -p $W
g++ -O1 -fPIC -shared -o $W/pkhook.so $T/pkhook.cpp $(pkg-config --cflags --libs Qt5Widgets Qt5Gui Qt5Core) -ldl
WORK=$W/run HOOK=$W/pkhook.so REC=${REC:-420} unshare -n $T/run.sh
$T/make_clip.sh $W/run $OUT $S $N $NVIS
cat $W/run/notes.txt
