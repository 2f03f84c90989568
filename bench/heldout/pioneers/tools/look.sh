#!/bin/bash
# usage: look.sh CLIP.mp4 OUT.png FRAME...   (clip frames): the Messages panel + status bar of each frame, side by side
IN=$1; OUT=$2; shift 2
sel=$(printf 'eq(n\\,%s)+' "$@"); sel=${sel%+}
ffmpeg -loglevel error -y -i "$IN" -vf "select='$sel',crop=400:560:880:150,tile=${#}x1" -vsync 0 -frames:v 1 "$OUT"
