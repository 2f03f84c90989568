#!/bin/bash
# Runs inside `unshare -n` as root: loopback up, Xvfb, freeciv-server (AI only, driven through a fifo),
# the gtk3 client as observer with fchook.so, commands from $CMDS (lines "SECONDS server-command").
set -u
W=${WORK:-/tmp/fc/run}; D=${DISP:-:95}
mkdir -p $W; chown fc $W; cd $W
ip link set lo up
Xvfb $D -screen 0 ${SW:-1280}x${SH:-720}x24 -nolisten tcp >xvfb.log 2>&1 & XP=$!
sleep 2
rm -f cmd; mkfifo cmd; chown fc cmd
AS="setpriv --reuid fc --regid fc --init-groups env HOME=/home/fc"
$AS /usr/games/freeciv-server -p 5556 -b 127.0.0.1 -r /tmp/fc/tools/game.serv -l server.log < cmd > server.out 2>&1 & SP=$!
exec 3>cmd
sleep 2
$AS DISPLAY=$D GDK_DPI_SCALE=${DPI:-1.2} FCHOOK_LOG=$W/hook.log FCHOOK_PANE=${PANE:-400} FCHOOK_FOLLOW=1 LD_PRELOAD=/tmp/fc/fchook.so /usr/games/freeciv-gtk3.22 -a -s 127.0.0.1 -p 5556 -n observer -P none > client.out 2>&1 & CP=$!
t0=$(date +%s.%N)
(for i in $(seq 400); do sleep 1; for w in $(DISPLAY=$D xdotool search --onlyvisible --name "Freeciv" 2>/dev/null); do DISPLAY=$D xdotool windowsize $w ${SW:-1280} ${SH:-720} windowmove $w 0 0; done; done) 2>/dev/null & RZ=$!
while read -r at c; do
  now=$(date +%s.%N); d=$(echo "$t0 + $at - $now" | bc); [ "${d:0:1}" != "-" ] && sleep $d
  case "$c" in
    REC*) set -- $c; echo "$(date +%s.%N) REC start" >> hook.log
          nice -n 5 ffmpeg -nostdin -y -loglevel info -f x11grab -draw_mouse 0 -framerate 25 -video_size ${SW:-1280}x${SH:-720} -i $D -t $2 -c:v libx264 -preset ultrafast -crf 16 -pix_fmt yuv420p rec.mkv > ffmpeg.log 2>&1 & ;;
    SHOT*) set -- $c; DISPLAY=$D import -window root $W/shot_$2.png 2>/dev/null || ffmpeg -nostdin -loglevel error -y -f x11grab -video_size ${SW:-1280}x${SH:-720} -i $D -frames:v 1 $W/shot_$2.png ;;
    DRAG*) set -- $c; DISPLAY=$D xdotool mousemove $2 $3 mousedown 1 sleep 0.3 mousemove $2 $(( ($3+$5)/2 )) sleep 0.2 mousemove $4 $5 sleep 0.3 mouseup 1 mousemove 1270 30; echo "$(date +%s.%N) DRAG $2 $3 $4 $5" >> hook.log ;;
    CLOSEPOPUP*) for w in $(DISPLAY=$D xdotool search --onlyvisible --name "Popup Request" 2>/dev/null); do eval $(DISPLAY=$D xdotool getwindowgeometry --shell $w); DISPLAY=$D xdotool mousemove $((X+WIDTH-45)) $((Y+HEIGHT-17)) click 1 mousemove 1275 3; echo "$(date +%s.%N) CLOSEPOPUP $w $X $Y $WIDTH $HEIGHT" >> hook.log; done ;;
    POINTER*) set -- $c; DISPLAY=$D xdotool mousemove $2 $3; echo "$(date +%s.%N) POINTER $2 $3" >> hook.log ;;
    CLICK*) set -- $c; DISPLAY=$D xdotool mousemove $2 $3 click 1; echo "$(date +%s.%N) CLICK $2 $3" >> hook.log ;;
    KEY*) set -- $c; DISPLAY=$D xdotool key $2; echo "$(date +%s.%N) KEY $2" >> hook.log ;;
    WINS*) for w in $(DISPLAY=$D xdotool search --onlyvisible --name "" 2>/dev/null); do echo "$(date +%s.%N) WIN $w $(DISPLAY=$D xdotool getwindowname $w) $(DISPLAY=$D xdotool getwindowgeometry $w | tr '\n' ' ')" >> hook.log; done ;;
    UNMAP*) set -- $c; for w in $(DISPLAY=$D xdotool search --onlyvisible --name "$2" 2>/dev/null); do DISPLAY=$D xdotool windowunmap $w; echo "$(date +%s.%N) UNMAP $w $2" >> hook.log; done ;;
    OBSX*) N=$(grep "user observer" server.out | tail -1 | sed 's/ \[#.*//'); echo "aitoggle \"$N\"" >&3; echo "$(date +%s.%N) CMD aitoggle $N" >> hook.log ;;
    *) echo "$c" >&3; echo "$(date +%s.%N) CMD $c" >> hook.log ;;
  esac
done < $CMDS
wait $(jobs -p | grep -v "^$XP$" | grep -v "^$SP$" | grep -v "^$CP$" | grep -v "^$RZ$") 2>/dev/null
echo quit >&3; sleep 1; kill $RZ $CP $SP $XP 2>/dev/null
