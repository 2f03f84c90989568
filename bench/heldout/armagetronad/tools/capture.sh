#!/bin/bash
# Capture an AI-only Armagetron Advanced match under the fixed-step shim aavcap.so (see README.md).
# usage: WORK=/tmp/aa DISPLAY=:97 MAXF=2750 OUTN=r3 bash capture.sh > r3.log 2>&1
# Needs: Xvfb running on $DISPLAY, aavcap.so built in $WORK (gcc -O2 -shared -fPIC -o aavcap.so aavcap.c -ldl).
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/tmp/aa}
export HOME=$WORK/home SDL_AUDIODRIVER=dummy DISPLAY=${DISPLAY:-:97}
U=$HOME/.armagetronad
mkdir -p "$U/var"
cp "$HERE/autoexec.cfg" "$U/autoexec.cfg"
rm -f "$U"/var/*log.txt
# menu keys (SDL 1.2 key syms), injected through SDL_PollEvent after N presented frames:
# 30: Return (leave the splash screen), 50: Return ("Play Game"), 70: Down, 80: Return ("Local Game")
export VCAP_KEYS="${KEYS:-30:13,50:13,70:274,80:13}"
export VCAP_TAIL=$U/var/ladderlog.txt:$U/var/consolelog.txt VCAP_MAXFRAMES=${MAXF:-2750}
export VCAP_VIDEO_CMD="ffmpeg -loglevel error -y -f rawvideo -pix_fmt rgb24 -s 640x480 -r 25 -i - -vf vflip -c:v libx264 -preset veryfast -crf 14 $WORK/${OUTN:-r3}.mkv 2>$WORK/${OUTN:-r3}.ff.log"
# loopback-only network namespace; LD_PRELOAD only for the game binary (not the wrapper script)
exec timeout ${TMO:-590} unshare -n env LD_PRELOAD=$WORK/aavcap.so /usr/games/armagetronad.real -w \
  --datadir /usr/share/games/armagetronad --configdir /etc/armagetronad --userconfigdir $U --vardir $U/var
