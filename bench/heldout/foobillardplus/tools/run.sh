#!/bin/bash
# run.sh OUTDIR [SECONDS]: FooBillard++ 8-ball, computer against computer, recorded from Xvfb with the text hook.
# Needs: foobillardplus xvfb xdotool ffmpeg; fbhook.so built from fbhook.c (see reproduce.sh).
set -e
OUT=$(realpath -m "$1"); SECS=${2:-240}; T=$(dirname "$(realpath "$0")")
mkdir -p "$OUT/home"; cd "$OUT"
export DISPLAY=:57 HOME=$OUT/home USER=root SDL_VIDEODRIVER=x11 SDL_AUDIODRIVER=dummy FBHOOK_LOG=$OUT/hook.log
# USER must be set (the game strcpy()s getenv("USER")); SDL must be told x11 or it finds no display.
pgrep -f "Xvfb :57" >/dev/null || { Xvfb :57 -screen 0 1280x720x24 -nolisten tcp >xvfb.log 2>&1 & sleep 2; }
rm -f hook.log
LD_PRELOAD=$T/fbhook.so nice -n 10 timeout $((SECS+30)) /usr/games/foobillardplus --player1 ai --player2 ai \
  --name1 Alice --name2 Bob --geometry 1280x720 --usemusic off --usesound off --gamemode match >game.log 2>&1 &
sleep 5
# x11grab stamps each frame with the wall clock (CLOCK_REALTIME); -copyts keeps those stamps in rec.mkv.
nice -n 10 ffmpeg -nostdin -loglevel error -y -f x11grab -draw_mouse 0 -framerate 25 -video_size 1280x720 -t $SECS -i :57 \
  -copyts -c:v libx264 -preset ultrafast -crf 16 rec.mkv &
FF=$!
sleep 3
xdotool mousemove 640 360 click 1 mousemove 1279 719   # dismiss the intro overlay
wait $FF
ffprobe -v error -select_streams v -show_entries frame=pts_time -of csv=p=0 rec.mkv | tr -d , | grep . > rec_pts.txt
