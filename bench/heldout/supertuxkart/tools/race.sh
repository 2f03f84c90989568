# Capture an AI-only SuperTuxKart race under the fixed-step shim vclock.so (see ../README.md).
# usage: WORK=/tmp/stk DISPLAY=:98 MAXF=2600 OUTN=race2 VCAP_MONOONLY=1 bash tools/race.sh > $WORK/race2.log 2>&1
# Needs: Xvfb on $DISPLAY, vclock.so built in $WORK, $WORK/home/.config/supertuxkart/config-0.10/config.xml = tools/config.xml.
# Writes $WORK/$OUTN.mkv (x264 CRF 14 intermediate, 25 fps, 640x480).
WORK=${WORK:-/tmp/stk}
export DISPLAY=${DISPLAY:-:98} HOME=$WORK/home ALSOFT_DRIVERS=null SDL_AUDIODRIVER=dummy
export VCAP_W=640 VCAP_H=480 VCAP_FPS=25 VCAP_MAXFRAMES=${MAXF:-100}
export VCAP_VIDEO_CMD="ffmpeg -loglevel error -y -f rawvideo -pix_fmt rgb24 -s 640x480 -r 25 -i - -vf vflip -c:v libx264 -preset ultrafast -crf 14 -pix_fmt yuv444p $WORK/${OUTN:-t1}.mkv"
exec nice -n 19 env LD_PRELOAD=$WORK/vclock.so /usr/games/supertuxkart --screensize=640x480 --windowed --track=lighthouse --numkarts=6 --laps=3 --difficulty=2 --seed=7 --profile-laps=3 --log=0 "$@"
