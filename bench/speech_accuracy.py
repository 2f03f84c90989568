"""Speech accuracy and speed on the real gameplay clip: commentary over loud game audio.

For each ground-truth line of `<clip>.speech.txt` the phrases that overlap it (±1 s) are joined and
compared with it: onset error (first phrase start - true start, seconds) and word error rate after
normalising case, punctuation and numbers ("16%" == "sixteen percent"). Phrases that overlap no
line are counted as false alarms. Speed is the transcribe call alone (model already loaded); RTF is
that time over the audio duration.

Usage (from the repository root):

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 python -m bench.speech_accuracy            # the sweep
    python -m bench.speech_accuracy --models whisper-tiny.en --configs default --per-line
    # both commentary clips, with and without the game's vocabulary as Whisper hotwords:
    python -m bench.speech_accuracy --clip all --models whisper-base --configs default,vocabulary --repeat 1
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ingest.audio import load_audio
from ingest.speech import phrases_from_segments
from ingest.types import SpeechObservation
from kb.models import registry

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"  # ../shared/data beside the repository
CLIP = DATA / "freedoom1_e2m3_demo2.mp4"
CLIPS = {"freedoom1_e2m3_demo2.mp4": "doom", "hedgewars_ai_match_nature.mp4": "hedgewars"}  # clip -> its pack

# Named option sets swept by default. "fw-defaults" is faster-whisper's own VAD defaults.
CONFIGS: dict[str, dict] = {
    "default": {},
    "fw-defaults": dict(vad_threshold=0.5, vad_min_silence_ms=2000, vad_speech_pad_ms=400, vad_min_speech_ms=0,
                        vad_max_speech_s=float("inf")),
    "vad-0.35": dict(vad_threshold=0.35),
    "vad-0.65": dict(vad_threshold=0.65),
    "silence-250": dict(vad_min_silence_ms=250, vad_speech_pad_ms=200),
    "vad-0.35-silence-250": dict(vad_threshold=0.35, vad_min_silence_ms=250, vad_speech_pad_ms=200),
    "greedy": dict(beam_size=1),
    "no-fallback": dict(temperature=(0.0,)),
    "vad-0.35-silence-250-no-fallback": dict(vad_threshold=0.35, vad_min_silence_ms=250, vad_speech_pad_ms=200,
                                             temperature=(0.0,)),
    "no-vad": dict(vad_threshold=-1.0),  # special-cased below: Whisper alone on the whole track
    "vocabulary": {},  # special-cased below: the clip's pack vocabulary passed as hotwords
    "vocabulary-40": dict(max_vocabulary_tokens=40),  # the same, cut to 40 tokens
}

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
        "sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _number_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + _number_words(rest))
    return str(n)


def normalise(text: str) -> list[str]:
    """Lowercase words without punctuation; digits spelt out, % as 'percent'."""
    text = text.lower().replace("%", " percent ")
    text = re.sub(r"\d+", lambda m: " " + _number_words(int(m.group())) + " ", text)
    return re.sub(r"[^a-z0-9' ]+", " ", text).replace("'", "").split()


def wer(ref: list[str], hyp: list[str]) -> float:
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[len(hyp)] / max(1, len(ref))


@dataclass
class LineResult:
    t_true: float
    text_true: str
    t_found: float | None
    text_found: str
    onset_error_s: float | None
    wer: float


def read_truth(path: Path) -> list[tuple[float, float, str]]:
    rows = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            start, end, text = line.split("\t", 2)
            rows.append((float(start), float(end), text.strip()))
    return rows


def score(truth: list[tuple[float, float, str]], found: list[SpeechObservation], slack_s: float = 1.0):
    lines, used = [], set()
    for start, end, text in truth:
        hits = [i for i, o in enumerate(found) if o.t_end >= start - slack_s and o.t_start <= end + slack_s]
        used.update(hits)
        hyp = " ".join(found[i].text for i in hits)
        t_found = found[hits[0]].t_start if hits else None
        lines.append(LineResult(start, text, t_found, hyp, None if t_found is None else round(t_found - start, 2),
                                round(wer(normalise(text), normalise(hyp)), 3)))
    false_alarms = [o for i, o in enumerate(found) if i not in used]
    return lines, false_alarms


def run_config(transcriber, audio, config: dict, vocabulary=()):
    base = transcriber.options
    transcriber.options = replace(base, **config)
    try:
        t0 = time.perf_counter()
        if config.get("vad_threshold", 0) < 0:
            segments, _ = transcriber.model.transcribe(audio, language=transcriber.language, beam_size=base.beam_size,
                                                       temperature=list(base.temperature),
                                                       word_timestamps=True, condition_on_previous_text=False)
            found = phrases_from_segments(segments, transcriber.options, duration_s=audio.size / 16000)
        elif vocabulary:
            found = transcriber.transcribe(audio, vocabulary=vocabulary)
        else:
            found = transcriber.transcribe(audio)
        return found, time.perf_counter() - t0
    finally:
        transcriber.options = base


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clip", default=str(CLIP), help='a clip with a .speech.txt beside it, or "all" (the commentary clips)')
    ap.add_argument("--models", default="whisper-tiny.en,whisper-base")
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--language", default=None, help="force a language (default: en for .en models, else detect)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per config: time is the median, WER the mean (decoding can sample, see docs)")
    ap.add_argument("--per-line", action="store_true", help="print each line's result")
    ap.add_argument("--json", type=Path, help="also write all results here")
    args = ap.parse_args(argv)

    clips = [DATA / name for name in CLIPS] if args.clip == "all" else [Path(args.clip)]
    results = []
    for clip in clips:
        results += run_clip(clip, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    return 0


def run_clip(clip: Path, args) -> list[dict]:
    from ingest.rules import get_pack

    truth = read_truth(clip.with_suffix(".speech.txt"))
    audio = load_audio(clip)
    duration = audio.size / 16000
    pack = CLIPS.get(clip.name, "generic")
    print(f"clip {clip.name}: {duration:.1f} s, {len(truth)} spoken lines, pack {pack}, cpu_threads={args.threads}\n")
    print("| model | config | mean abs onset err (s) | max abs onset err (s) | mean WER (min-max over repeats) | distinct outputs | lines found | false alarms "
          "| load (s) | transcribe (s) | RTF |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    results = []
    for model in args.models.split(","):
        t0 = time.perf_counter()
        transcriber = registry.create("speech", model, cpu_threads=args.threads, language=args.language)
        load_s = time.perf_counter() - t0
        for name in args.configs.split(","):
            times, wers, texts = [], [], set()
            for _ in range(args.repeat):
                vocabulary = get_pack(pack).vocabulary() if name.startswith("vocabulary") else ()
                found, secs = run_config(transcriber, audio, CONFIGS[name], vocabulary)
                times.append(secs)
                lines, false_alarms = score(truth, found)
                wers.append(statistics.mean(r.wer for r in lines))
                texts.add(tuple((o.t_start, o.text) for o in found))
            secs = statistics.median(times)
            errs = [abs(r.onset_error_s) for r in lines if r.onset_error_s is not None]
            row = dict(clip=clip.name, model=model, config=name, options=CONFIGS[name],
                       mean_abs_onset_s=round(statistics.mean(errs), 2) if errs else None,
                       max_abs_onset_s=round(max(errs), 2) if errs else None,
                       mean_wer=round(statistics.mean(wers), 3), wer_range=(round(min(wers), 3), round(max(wers), 3)),
                       distinct_outputs=len(texts),
                       found=sum(r.t_found is not None for r in lines), false_alarms=len(false_alarms),
                       load_s=round(load_s, 2), transcribe_s=round(secs, 2), rtf=round(secs / duration, 3),
                       lines=[asdict(r) for r in lines], extra=[asdict(o) for o in false_alarms])
            results.append(row)
            print(f"| {model} | {name} | {row['mean_abs_onset_s']} | {row['max_abs_onset_s']} | {row['mean_wer']} ({row['wer_range'][0]}-{row['wer_range'][1]}) | {len(texts)}/{args.repeat} "
                  f"| {row['found']}/{len(lines)} | {row['false_alarms']} | {row['load_s']} | {row['transcribe_s']} "
                  f"| {row['rtf']} |", flush=True)
            if args.per_line:
                for r in lines:
                    print(f"    {r.t_true:6.2f} {r.onset_error_s!s:>6} wer={r.wer:.2f}  {r.text_true!r} -> {r.text_found!r}")
                for o in false_alarms:
                    print(f"    extra {o.t_start:.2f}-{o.t_end:.2f} {o.text!r} p={o.confidence}")
    print()
    return results


if __name__ == "__main__":
    sys.exit(main())
