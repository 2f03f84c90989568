#!/bin/bash
# Cut the final 120 s clip out of the raw capture and write the ground truth.
# usage: make_clip.sh RUN_DIR DEST_DIR [TRIM=8.0]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
RUN=$1; DEST=$2; TRIM=${3:-8.0}
mkdir -p "$DEST"
# x11grab and pulse inputs are each shifted to 0 by ffmpeg: re-delay the audio by its later start.
AD=$(python3 -c "print(round((float(open('$RUN/audio_start.txt').read())-float(open('$RUN/capture_start.txt').read()))*1000))")
nice -n 10 ffmpeg -nostdin -loglevel error -y -i "$RUN/raw.mkv" -filter_complex \
  "[0:v]trim=start=$TRIM:duration=120,setpts=PTS-STARTPTS[v];[0:a]adelay=${AD}:all=1,atrim=start=$TRIM:duration=120,asetpts=PTS-STARTPTS[a]" \
  -map "[v]" -map "[a]" -r 25 -c:v libx264 -preset veryfast -crf 26 -pix_fmt yuv420p -threads 1 \
  -c:a aac -b:a 96k -movflags +faststart "$DEST/bzflag_robots.mp4"
python3 "$HERE/make_events.py" "$RUN" "$TRIM" 120 0.07 > "$DEST/bzflag_robots.events.txt"
