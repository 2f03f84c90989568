#!/bin/bash
# Runs inside `unshare -n` as root: loopback up, Xvfb, pioneers-server-console (4 seats, Default board),
# the GTK client as spectator with piohook.so, four computer players (pioneersai), x11grab recording.
# env: WORK (output dir), DISP, SW/SH (screen size), AITIME (ms AI waits between actions), REC (seconds to record),
#      SEED-less: the server seeds its RNG itself, so every run is a different game.
set -u
W=${WORK:-/tmp/pio/run}; D=${DISP:-:97}; SW=${SW:-1280}; SH=${SH:-720}
mkdir -p $W; cd $W
ip link set lo up
export HOME=$W/home; rm -rf $HOME; mkdir -p $HOME/.config/gtk-3.0
# no GTK animations: the Messages view then jumps to its newest line in one redraw instead of scrolling over
# several frames, so a line's onset is the first frame in which the panel changes
printf '[Settings]\ngtk-enable-animations=0\n' > $HOME/.config/gtk-3.0/settings.ini
Xvfb $D -screen 0 ${SW}x${SH}x24 -nolisten tcp >xvfb.log 2>&1 & XP=$!
sleep 2
/usr/games/pioneers-server-console -g Default -P 4 -p 5556 -a 5555 -x > server.out 2>&1 & SP=$!
sleep 2
DISPLAY=$D PIOHOOK_LOG=$W/hook.log LD_PRELOAD=${HOOK:-/tmp/pio/piohook.so} /usr/games/pioneers -s 127.0.0.1 -p 5556 -n Viewer -v > client.out 2>&1 & CP=$!
sleep ${CLIENT_WAIT:-6}
for w in $(DISPLAY=$D xdotool search --onlyvisible --name "Pioneers" 2>/dev/null); do DISPLAY=$D xdotool windowsize $w $SW $SH windowmove $w 0 0; done
sleep 1
echo "$(date +%s.%N) REC start" >> hook.log
nice -n 5 ffmpeg -nostdin -y -loglevel info -f x11grab -draw_mouse 0 -framerate 25 -video_size ${SW}x${SH} -i $D -t ${REC:-60} -c:v libx264 -preset ultrafast -crf 16 -pix_fmt yuv420p rec.mkv > ffmpeg.log 2>&1 & FP=$!
sleep ${AI_DELAY:-3}
i=0
for n in ${AINAMES:-Napoleon Escher Pikachu Gorbachev}; do
  /usr/games/pioneersai -s 127.0.0.1 -p 5556 -n $n -t ${AITIME:-1000} > ai_$i.out 2>&1 & AIP="${AIP:-} $!"
  i=$((i+1)); sleep 0.5
done
# stop the recording POSTWIN seconds after the game's winner message (ffmpeg finalises the file on SIGINT)
( while kill -0 $FP 2>/dev/null; do
    if grep -q 'has won the game' hook.log 2>/dev/null; then sleep ${POSTWIN:-20}; kill -INT $FP 2>/dev/null; break; fi
    sleep 1
  done ) & WP=$!
wait $FP
kill $WP 2>/dev/null
kill $AIP $CP $SP $XP 2>/dev/null
sleep 1
