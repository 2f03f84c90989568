#!/bin/bash
# look.sh CLIP.mp4 OUT.png "w:h:x:y" FRAME...: stacks the crop of each clip frame and of the frame before it
# (frames picked by number with the select filter, in one decoding pass), top to bottom in frame order.
set -e
CLIP=$1; OUT=$2; CROP=$3; shift 3; sel=""; n=0
for f in "$@"; do for g in $((f-1)) $f; do sel="$sel+eq(n\,$g)"; n=$((n+1)); done; done
ffmpeg -v error -y -i "$CLIP" -vf "select='${sel:1}',crop=$CROP,tile=1x$n" -frames:v 1 "$OUT"
