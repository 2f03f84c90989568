# Start the local AI-vs-AI game (both sides RCA AI) on $DISPLAY; extra arguments go to wesnoth (e.g. --turns 8).
# usage: WORK=/tmp/wes bash run1.sh --turns 8 > $WORK/wes.out 2> $WORK/wes.log
# Needs: $WORK/ud/data/add-ons/gkb_truth (tools/gkb_truth) and $WORK/uc/preferences (tools/preferences).
WORK=${WORK:-/tmp/wes}
export DISPLAY=${DISPLAY:-:97} HOME=$WORK/home SDL_AUDIODRIVER=dummy
mkdir -p $HOME
exec nice -n 19 stdbuf -oL /usr/games/wesnoth-1.16 --userdata-dir $WORK/ud --userconfig-dir $WORK/uc --nosound --windowed --resolution 1280x720 \
  -m --controller 1:ai --controller 2:ai --scenario gkb_Weldyn_Channel --exit-at-end --rng-seed 1 --log-precise --log-info=engine "$@"
