#!/bin/bash
# Record ~2 min of BZFlag: local player (keyboard-driven by drive.sh) + N robot tanks (-solo) on a local bzfs.
# Output: $OUT/raw.mkv (capture), $OUT/client.tslog (client -echo message lines with wall-clock times),
#         $OUT/capture_start.txt (wall-clock time of the first captured video frame, from ffmpeg's x11grab input).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/heldout/bzflag/work/run}
DUR=${DUR:-135}          # seconds captured
ROBOTS=${ROBOTS:-6}
DISP=${DISP:-:61}
mkdir -p "$OUT"; cd "$OUT"
export PATH=$PATH:/usr/games
export XDG_RUNTIME_DIR=$OUT/xdg; mkdir -p "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"

Xvfb $DISP -screen 0 640x480x24 -nolisten tcp > xvfb.log 2>&1 & XPID=$!
# PulseAudio with a null sink: the game plays into it, ffmpeg records its monitor.
pulseaudio -n --daemonize=no --exit-idle-time=-1 --disallow-exit \
  -L "module-null-sink sink_name=gamesink rate=44100" -L "module-native-protocol-unix" \
  --log-target=file:$OUT/pulse.log > /dev/null 2>&1 & PAPID=$!
sleep 2; pactl set-default-sink gamesink
export DISPLAY=$DISP

# Server: random world 300x300, up to 30 super flags (+10 always), ricochet, 3 shots, jumping, spawn on boxes.
nice -n 10 bzfs -p 5154 -i 127.0.0.1 -worldsize 300 -density 3 -s 30 +s 10 -sa -ms 3 +r -j -sb \
  -ts micros -d > bzfs.log 2>&1 & SPID=$!
sleep 2

# Client config: low graphics settings (see README).
CFG=$OUT/bzfcfg; mkdir -p "$CFG"
cp "$HERE/config.cfg" "$CFG/config.cfg"
nice -n 10 env SDL_AUDIODRIVER=pulseaudio LP_NUM_THREADS=1 stdbuf -oL -eL \
  bzflag -configdir "$CFG" -nomotd -nolist -echo -window 640x480 -solo $ROBOTS -team red \
  Hawk@127.0.0.1:5154 2> client.stderr | python3 "$HERE/tsline.py" > client.tslog & 
sleep 1; CPID=$(pgrep -n -x bzflag)
for i in $(seq 30); do W=$(xdotool search --name '^bzflag$' 2>/dev/null | head -1); [ -n "$W" ] && break; sleep 1; done
sleep 6                                   # robots join
SEED=${SEED:-7} LOG=$OUT/client.tslog bash "$HERE/drive.sh" > drive.log 2>&1 & DPID=$!
sleep 3
nice -n 10 ffmpeg -nostdin -nostats -y -loglevel info \
  -thread_queue_size 512 -f x11grab -framerate 25 -video_size 640x480 -draw_mouse 0 -i $DISP \
  -thread_queue_size 512 -f pulse -i gamesink.monitor \
  -t $DUR -c:v libx264 -preset ultrafast -crf 16 -threads 1 -pix_fmt yuv420p \
  -c:a pcm_s16le raw.mkv > ffmpeg.log 2>&1
date +%s.%N > capture_end.txt
grep -m1 -A1 "Input #0, x11grab" ffmpeg.log | grep -o 'start: [0-9.]*' | cut -d' ' -f2 > capture_start.txt
grep -m1 -A1 "Input #1, pulse" ffmpeg.log | grep -o 'start: [0-9.]*' | cut -d' ' -f2 > audio_start.txt
kill $DPID; sleep 0.5; xdotool keyup Up Down Left Right 2>/dev/null
kill $CPID; sleep 1; kill $SPID $PAPID $XPID 2>/dev/null
wait 2>/dev/null
echo "capture start $(cat capture_start.txt)  audio start $(cat audio_start.txt)"
