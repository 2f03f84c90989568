#!/bin/bash
# capture a Wesnoth AI-vs-AI game on Xvfb :97 (1280x720) with ffmpeg x11grab; save the game (with its replay) at the end
# usage: WORK=/tmp/wes bash tools/capture.sh      (output in $WORK: raw.mkv, ffcap.log, wes.out, wes.log)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
export WORK=${WORK:-/tmp/wes}
cd "$WORK"
export DISPLAY=${DISPLAY:-:97}
xdotool mousemove 1279 719
rm -f raw.mkv wes.out wes.log
nice -n 19 ffmpeg -hide_banner -loglevel info -y -f x11grab -draw_mouse 0 -framerate 25 -video_size 1280x720 -i $DISPLAY \
  -copyts -c:v libx264 -preset ultrafast -crf 14 -pix_fmt yuv444p raw.mkv > ffcap.log 2>&1 &
FF=$!
sleep 2
bash "$HERE/run1.sh" --turns 8 > wes.out 2> wes.log &
W=$!
# when the scenario ends (turn limit, or a side's leader killed): close "Turns Over"/"Defeat"/"Victory", save the
# game (Ctrl+S, OK), click "End Scenario"
for i in $(seq 600); do grep -qE "GKB [0-9]* (time_over|defeat|victory|enemies_defeated)" wes.out && break; sleep 1; done
sleep 4; xdotool key Return; sleep 4; xdotool key Return; sleep 4
xdotool key ctrl+s; sleep 4; xdotool key Return; sleep 6
xdotool mousemove 1194 706 click 1; sleep 1; xdotool mousemove 1279 719
sleep 10; kill $W 2>/dev/null; wait $W
kill -INT $FF; wait $FF
echo done
