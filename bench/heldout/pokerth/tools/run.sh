#!/bin/bash
# Runs inside `unshare -n` (no network; only unix sockets): Xvfb 1280x720, a PulseAudio null sink for the game's
# sound, PokerTH 1.1.2 with pkhook.so, a local game of 10 seats (the seat of the human "Observer" + 9 computer
# players).  The human seat is taken out of the game before anything is recorded: xdotool presses F4 (All-In) at
# each of its turns until it is knocked out ("Observer sits out"); a try in which it wins a called all-in is thrown
# away and the game restarted.  Then x11grab + the sink's monitor are recorded for $REC seconds: computer players only.
# usage: WORK=/tmp/pk/run1 REC=420 unshare -n tools/run.sh
set -u
T=$(dirname "$(realpath "$0")")
W=${WORK:-/tmp/pk/run}; D=${DISP:-:73}; SW=1280; SH=720
HOOK=${HOOK:-/tmp/pk/pkhook.so}
mkdir -p $W; cd $W
ip link set lo up 2>/dev/null
Xvfb $D -screen 0 ${SW}x${SH}x24 -nolisten tcp > xvfb.log 2>&1 & XP=$!
mkdir -p $W/pulse; chmod 700 $W/pulse
export XDG_RUNTIME_DIR=$W/pulse HOME=$W/home PULSE_SERVER=unix:$W/pulse/sock
pulseaudio --daemonize=no --exit-idle-time=-1 -n --use-pid-file=no \
  --load="module-null-sink sink_name=vsink rate=44100" \
  --load="module-native-protocol-unix socket=$W/pulse/sock auth-anonymous=1" > pulse.log 2>&1 & PP=$!
sleep 2
export DISPLAY=$D
try=0
while :; do
  try=$((try+1)); echo "try $try" >> tries.log
  rm -rf $HOME; mkdir -p $HOME/.pokerth; sed "s|@HOME@|$HOME|g" $T/config.xml > $HOME/.pokerth/config.xml
  : > hook.log
  SDL_AUDIODRIVER=pulse PKHOOK_LOG=$W/hook.log PKHOOK_PIX=1 LD_PRELOAD=$HOOK nice -n 10 /usr/games/pokerth > pokerth.out 2>&1 & GP=$!
  sleep 6
  xdotool mousemove 225 94 click 1      # start window: "1 Start Local Game" (no settings dialog: see config.xml)
  sleep 3
  for w in $(xdotool search --onlyvisible --name "Texas Holdem"); do xdotool windowsize $w $SW $SH windowmove $w 0 0; done
  xdotool mousemove 1270 8              # pointer parked on the empty menu bar (x11grab does not draw it anyway)
  ok=0
  for i in $(seq 300); do
    if grep -q " Observer sits out$" hook.log; then ok=1; break; fi
    # Observer won a pot that someone called: it would have more chips than it started with -> restart
    if grep " LOG textBrowser_Log .* Observer wins \$" hook.log | grep -qvE "wins \\\$3[01][0-9][0-9]$"; then break; fi
    xdotool key F4; sleep 1
  done
  [ $ok = 1 ] && break
  kill $GP; wait $GP 2>/dev/null; sleep 1
  [ $try -ge ${MAXTRY:-15} ] && { echo "no luck" >> tries.log; kill $PP $XP; exit 1; }
done
echo "$(date +%s.%N) REC start" >> hook.log
# sound and picture in two processes: each log's "start:" is the wall time (CLOCK_REALTIME) of its first sample/frame
nice -n 5 ffmpeg -nostdin -y -loglevel info -f pulse -i vsink.monitor -t $(( ${REC:-420} + 5 )) -c:a pcm_s16le audio.wav > ffmpeg_audio.log 2>&1 & AP=$!
sleep 1
nice -n 5 ffmpeg -nostdin -y -loglevel info -f x11grab -draw_mouse 0 -framerate 25 -video_size ${SW}x${SH} -i $D -t ${REC:-420} \
  -c:v libx264 -preset ultrafast -crf 16 -pix_fmt yuv420p rec.mkv > ffmpeg.log 2>&1 & FP=$!
wait $FP; wait $AP
cp $HOME/.pokerth/config.xml config.used.xml; cp -r $HOME/.pokerth/log-files . 2>/dev/null
kill $GP; sleep 1; kill $PP $XP 2>/dev/null
