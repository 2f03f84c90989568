#!/bin/bash
# usage: make_clip.sh RUNDIR OUTDIR [SECONDS_BEFORE_WIN=110.0] [CLIP_FRAMES=2900]
# Cuts the clip out of RUNDIR/rec.mkv so that the winner's message line falls SECONDS_BEFORE_WIN into it,
# encodes it (H.264 CRF 24, yuv420p, 1280x720, 25 fps, no audio) and writes the ground truth next to it.
set -eu
RUN=$1; OUT=$2; BEFORE=${3:-110.0}; N=${4:-2900}
T=$(dirname "$(realpath "$0")")
NAME=pioneers_ai_default_board
mkdir -p "$OUT"
START=$(grep -o 'start: [0-9.]*' "$RUN/ffmpeg.log" | head -1 | cut -d' ' -f2)
WIN=$(grep -m1 'TEXT .* has won the game' "$RUN/hook.log" | cut -d' ' -f1)
S=$(python3 -c "print(max(0, round(($WIN - $START - $BEFORE) * 25)))")
echo "clip = recording frames $S .. $((S + N - 1))"
# cut by time (x11grab may have skipped a frame: -r 25 then repeats the previous one, so the clip stays real time)
P0=$(ffprobe -v error -select_streams v -show_entries packet=pts_time -of csv=p=0 "$RUN/rec.mkv" | sed -n "$((S + 1))p")
P1=$(python3 -c "print('%.6f' % ($P0 + $N / 25 - 0.02))")
nice -n 10 ffmpeg -loglevel error -y -i "$RUN/rec.mkv" -vf "trim=start=$P0:end=$P1,setpts=PTS-STARTPTS" \
  -r 25 -an -c:v libx264 -preset slow -crf 24 -pix_fmt yuv420p -movflags +faststart "$OUT/$NAME.mp4"
# message lines shown per frame (from the recording's first frame: the panel is not full yet)
nice -n 10 python3 "$T/track_rows.py" "$RUN/rec.mkv" $((S + N + 50)) > "$RUN/counts.tsv"
# FIRSTVIS: substring of the first Messages line visible at the clip's first frame; empty = from track_rows
nice -n 10 python3 "$T/make_events.py" "$RUN" $S $N "${FIRSTVIS:-}" > "$RUN/body.tsv" 2> "$RUN/disagree.txt"
python3 "$T/write_events.py" "$RUN/body.tsv" $S $N > "$OUT/$NAME.events.txt"
