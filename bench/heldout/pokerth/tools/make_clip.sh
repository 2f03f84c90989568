#!/bin/bash
# usage: make_clip.sh RUNDIR OUTDIR CLIP_START_FRAME CLIP_FRAMES LOG_LINES_VISIBLE_AT_START
# Cuts the clip out of RUNDIR/rec.mkv (recording frames S .. S+N-1, cut by time), adds the game's sound from
# RUNDIR/audio.wav at the same wall-clock time, encodes it (H.264 CRF 24 yuv420p 1280x720 25 fps + AAC) and writes
# the ground truth next to it.
set -eu
RUN=$1; OUT=$2; S=$3; N=$4; NVIS=$5
T=$(dirname "$(realpath "$0")")
NAME=${NAME:-pokerth_ai_holdem}
mkdir -p "$OUT"
V0=$(grep -o 'start: [0-9.]*' "$RUN/ffmpeg.log" | head -1 | cut -d' ' -f2)
A0=$(grep -o 'start: [0-9.]*' "$RUN/ffmpeg_audio.log" | head -1 | cut -d' ' -f2)
P0=$(ffprobe -v error -select_streams v -show_entries packet=pts_time -of csv=p=0 "$RUN/rec.mkv" | sort -n | sed -n "$((S + 1))p")
P1=$(python3 -c "print('%.6f' % ($P0 + $N / 25 - 0.02))")
AOFF=$(python3 -c "print('%.6f' % ($V0 + $P0 - $A0))")   # second of audio.wav recorded at the clip's first frame
DUR=$(python3 -c "print('%.2f' % ($N / 25))")
echo "clip = recording frames $S .. $((S + N - 1)) (pts $P0 ..), audio from $AOFF s of audio.wav"
nice -n 10 ffmpeg -loglevel error -y -i "$RUN/rec.mkv" -ss "$AOFF" -i "$RUN/audio.wav" \
  -filter_complex "[0:v]trim=start=$P0:end=$P1,setpts=PTS-STARTPTS[v]" -map '[v]' -map 1:a -t "$DUR" \
  -r 25 -c:v libx264 -preset slow -crf 24 -pix_fmt yuv420p -c:a aac -b:a 96k -movflags +faststart "$OUT/$NAME.mp4"
nice -n 10 python3 "$T/make_events.py" "$RUN" $S $N $NVIS > "$RUN/body.tsv" 2> "$RUN/notes.txt"
python3 "$T/write_events.py" "$RUN/body.tsv" $S $N > "$OUT/$NAME.events.txt"
