#!/bin/bash
# usage: look.sh CLIP.mp4 OUT.png W:H:X:Y FRAME...   (clip frames): the same crop of each frame, side by side
IN=$1; OUT=$2; CROP=$3; shift 3
sel=$(printf 'eq(n\\,%s)+' "$@"); sel=${sel%+}
ffmpeg -loglevel error -y -i "$IN" -vf "select='$sel',crop=$CROP,tile=${#}x1" -vsync 0 -frames:v 1 "$OUT"
