#!/bin/bash
# The host's chat lines, typed with xdotool into the running game (DISPLAY $DISP) at these real-time offsets
# (seconds after run.sh clicked "ready"; the game itself runs ~6x slower than real time while it is captured).
# Each: Enter (opens the chat box "Chat: All"), the text, Enter (sends it to everyone). BoneCrusher AIs that
# are allied with the sender answer "bc ..." commands: gmp = give money, gaa = give all army, gtn = give a
# truck, ver = version, btm = where is your base, caa = take the army back.
# The offsets are wall-clock seconds, so where the commands land in the clip depends on the machine's speed (the
# first render: 120 s of clip in 750 s; the render of stop 27: in 614 s, which put 633 s past the clip's end).
# Scheduling by captured frame (waiting for "VCAP <swaps> <index>" lines in $W/game.log) would not depend on it.
# (The first render: the first five were typed by this script, the last two by a second one started by hand; the
# offsets below are the ones logged in that run's events.log. The render of stop 27: the first four by this script,
# then it was killed and tools/chatcmds_tail.sh typed gmp, btm, caa at 490, 527, 560 s from the same t0.)
export DISPLAY=${DISP:-:81}
W=${WORK:-/tmp/wz/run}
t0=$(date +%s.%N)
echo "$t0 t0" >> $W/events.log     # chatcmds_tail.sh takes it as T0
say() {
  local d; d=$(echo "$t0 + $1 - $(date +%s.%N)" | bc); [ "${d:0:1}" != "-" ] && sleep "$d"
  xdotool mousemove 640 420 key Return; sleep 3; xdotool type --delay 80 "$2"; sleep 3; xdotool key Return
  echo "$(date +%s.%N) SAY $2" >> $W/events.log
}
say 115 "bc gmp"
say 171 "bc gaa"
say 268 "bc gtn"
say 364 "bc ver"
say 490 "bc gmp"
say 527 "bc btm"
say 633 "bc caa"
