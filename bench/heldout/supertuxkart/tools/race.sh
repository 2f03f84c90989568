export DISPLAY=:98 HOME=/tmp/stk/home ALSOFT_DRIVERS=null SDL_AUDIODRIVER=dummy
export VCAP_W=640 VCAP_H=480 VCAP_FPS=25 VCAP_MAXFRAMES=${MAXF:-100}
export VCAP_VIDEO_CMD="ffmpeg -loglevel error -y -f rawvideo -pix_fmt rgb24 -s 640x480 -r 25 -i - -vf vflip -c:v libx264 -preset ultrafast -crf 14 -pix_fmt yuv444p /tmp/stk/${OUTN:-t1}.mkv"
exec nice -n 10 env LD_PRELOAD=/tmp/stk/vclock.so /usr/games/supertuxkart --screensize=640x480 --windowed --track=lighthouse --numkarts=6 --laps=3 --difficulty=2 --seed=7 --profile-laps=3 --log=0 "$@"
