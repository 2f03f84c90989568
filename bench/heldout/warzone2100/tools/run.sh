#!/bin/bash
# Runs as root inside `unshare -n` (loopback only): Xvfb, Warzone 2100 hosting a local multiplayer game from an
# autohost file (host + 3 AIs), the capture shim wzcap.so in pre-roll mode (real clock, no capture) until $W/go exists.
set -u
W=${WORK:-/tmp/wz/run}; D=${DISP:-:81}; SW=${SW:-1280}; SH=${SH:-720}
mkdir -p $W; cd $W; rm -f go
ip link set lo up
Xvfb $D -screen 0 ${SW}x${SH}x24 -nolisten tcp >xvfb.log 2>&1 & XP=$!
sleep 2
export DISPLAY=$D
WZCAP_FPS=25 WZCAP_W=$SW WZCAP_H=$SH WZCAP_MAXFRAMES=${FRAMES:-3000} WZCAP_TRIGGER=$W/go \
WZCAP_VIDEO_CMD="ffmpeg -loglevel error -y -f rawvideo -pix_fmt rgb24 -s ${SW}x${SH} -r 25 -i - -vf vflip -c:v libx264 -preset ultrafast -crf 12 -pix_fmt yuv420p $W/rec.mkv" \
  nice -n 10 env LD_PRELOAD=${SHIM:-/tmp/wz/wzcap.so} /usr/games/warzone2100 --configdir=${CFG:-/tmp/wz/cfg} --window \
  --resolution=${SW}x${SH} --nosound --noshadows --autohost=${HOSTFILE:-wzclover.json} --startplayers=0 \
  --debug=console --flush-debug-stderr > game.out 2> game.log & GP=$!
t0=$(date +%s)
sleep 14
xdotool mousemove 690 80 click 1; sleep 2                      # dismiss the "Campaign videos are missing" notification
[ "${PRE:-0}" = 0 ] && { touch go; echo "$(date +%s.%N) go" >> events.log; }   # capture from the lobby on
xdotool mousemove 905 84 click 1; sleep 3                      # host's ready button
grep -q "Start with" game.log || { xdotool mousemove 910 90 click 1; sleep 4; }
xdotool mousemove 640 420
echo "$(date +%s.%N) started" >> events.log
[ -n "${CHAT:-}" ] && { DISP=$D WORK=$W $CHAT & }           # the host's chat lines (chatcmds.sh)
[ "${PRE:-0}" != 0 ] && { sleep $PRE; touch go; echo "$(date +%s.%N) go" >> events.log; }
timeout ${TMO:-1500} tail --pid=$GP -f /dev/null
kill $GP 2>/dev/null; sleep 1; kill $XP
