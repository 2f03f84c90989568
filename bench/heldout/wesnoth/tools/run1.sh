export DISPLAY=:97 HOME=/tmp/wes/home SDL_AUDIODRIVER=dummy
mkdir -p $HOME
exec nice -n 10 stdbuf -oL /usr/games/wesnoth-1.16 --userdata-dir /tmp/wes/ud --userconfig-dir /tmp/wes/uc --nosound --windowed --resolution 1280x720 \
  -m --controller 1:ai --controller 2:ai --scenario gkb_Weldyn_Channel --exit-at-end --rng-seed 1 --log-precise --log-info=engine "$@"
