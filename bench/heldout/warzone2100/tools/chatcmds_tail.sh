#!/bin/bash
# Second chat script for the render of stop 27 (started by hand after killing chatcmds.sh, as for the first clip):
# the same say() and t0 as chatcmds.sh (T0 = the first script's start), the last three commands; "bc caa" moved from
# 633 s to 560 s because this machine rendered ~0.2 s a frame (the clip ended ~617 s after the ready click, not ~750 s).
# usage: T0=$(awk '$2=="t0"{print $1}' $WORK/events.log) DISP=:81 WORK=/tmp/wz/r2 bash tools/chatcmds_tail.sh
#   (chatcmds.sh logs its t0 in events.log; the render of stop 27 took it from its first SAY line minus 121 s: 115 s + the 6 s of say())
export DISPLAY=${DISP:-:81}
W=${WORK:-/tmp/wz/run}
t0=${T0:?set T0 to chatcmds.sh start time}
say() {
  local d; d=$(echo "$t0 + $1 - $(date +%s.%N)" | bc); [ "${d:0:1}" != "-" ] && sleep "$d"
  xdotool mousemove 640 420 key Return; sleep 3; xdotool type --delay 80 "$2"; sleep 3; xdotool key Return
  echo "$(date +%s.%N) SAY $2" >> $W/events.log
}
say ${GMP:-490} "bc gmp"
say ${BTM:-527} "bc btm"
say ${CAA:-560} "bc caa"
