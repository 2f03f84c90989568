#!/bin/bash
# Random-ish keyboard driver for the local BZFlag tank (xdotool, XTEST events to the focused window).
# Default BZFlag 2.4 bindings: Up/Down arrows drive, Left/Right turn, Enter fire, Tab jump, I (release) respawn.
# Respawns (key i) only after the client log ($LOG, from tsline.py) shows a new "<callsign>: ..." death line.
# Runs until killed.
export DISPLAY=${DISPLAY:-:61}
W=$(xdotool search --name '^bzflag$' | head -1)
xdotool windowfocus --sync "$W" 2>/dev/null || xdotool windowfocus "$W"
xdotool mousemove --window "$W" 320 240
RANDOM=${SEED:-7}
ME=${ME:-Hawk}; LOG=${LOG:-client.tslog}; DEATHS=0
respawn_if_dead() {
  local n; n=$(grep -cE "^[0-9.]+ ${ME}: " "$LOG" 2>/dev/null); n=${n:-0}
  # the respawn key is ignored while the explosion plays: press it a few times
  if (( n > DEATHS )); then DEATHS=$n; xdotool keyup Up Down Left Right; for d in 2 1 1 1.5; do sleep $d; xdotool key i; done; fi
}
fire_for() {  # fire_for <tenths of seconds>: press Enter every ~0.3 s
  local n=$(( $1 / 3 )); for ((k=0;k<n;k++)); do xdotool key Return; sleep 0.3; respawn_if_dead; done
}
xdotool key i; sleep 0.5            # first spawn ("Press Right Mouse or \"i\" to start")
while true; do
  respawn_if_dead
  xdotool keydown Up
  fire_for $(( 8 + RANDOM % 20 ))
  case $(( RANDOM % 4 )) in
    0) T=Left;;  1) T=Right;;  2) T=Left;;  3) T=Right;;
  esac
  xdotool keydown $T
  fire_for $(( 3 + RANDOM % 8 ))
  xdotool keyup $T
  if (( RANDOM % 5 == 0 )); then xdotool keyup Up; xdotool keydown Down; sleep 0.6; xdotool keyup Down; xdotool keydown Up; fi
  if (( RANDOM % 6 == 0 )); then xdotool key Tab; fi
  xdotool keyup Up
done
