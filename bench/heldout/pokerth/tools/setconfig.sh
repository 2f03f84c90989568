#!/bin/bash
# usage: setconfig.sh CONFIG.xml  -- the settings used for the held-out clip (edits PokerTH's config.xml in place)
C=$1
set_() { sed -i "s|<$1 value=\"[^\"]*\"|<$1 value=\"$2\"|" "$C"; }
set_ ShowGameSettingsDialogOnNewGame 0
set_ DisableSplashScreenOnStartup 1
set_ NumberOfPlayers ${PLAYERS:-10}
set_ StartCash ${CASH:-3000}
set_ FirstSmallBlind ${SB:-20}
set_ RaiseBlindsAtHands 1
set_ RaiseSmallBlindEveryHands ${RAISE_EVERY:-4}
set_ AlwaysDoubleBlinds 1
set_ GameSpeed ${SPEED:-6}
set_ PauseBetweenHands 0
set_ ShowCardsChanceMonitor 1
set_ SoundVolume 8
set_ MyName "Observer"
i=1
for n in ${NAMES:-Doyle Annie Stu Vanessa Johnny Erik Phil Chris Daniel}; do set_ Opponent${i}Name "$n"; i=$((i+1)); done
