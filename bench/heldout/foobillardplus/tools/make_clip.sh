#!/bin/bash
# make_clip.sh RUNDIR OUT.mp4 FIRST_FRAME NFRAMES: cut recording frames FIRST..FIRST+N-1 of RUNDIR/rec.mkv
# (by time, from rec_pts.txt) and encode H.264 CRF $CRF (default 29) yuv420p, 25 fps, no sound (the game was run with sound off).
set -e
RUN=$1; OUT=$2; FIRST=$3; N=$4
T=$(python3 -c "p=[float(l) for l in open('$RUN/rec_pts.txt') if l.strip()]; print(f'{p[$FIRST]-p[0]-1:.3f}')")
nice -n 10 ffmpeg -v error -y -ss $T -i $RUN/rec.mkv -ss 1 -frames:v $N -r 25 -c:v libx264 -preset slow -crf ${CRF:-29} \
  -pix_fmt yuv420p -movflags +faststart -an "$OUT"
