"""Speech events where nobody speaks: phrases the speech stage returns on audio without speech.

Clips (0 phrases wanted on each):
- `redeclipse_bath_tdm_bots.mp4` (../shared/data): 120 s of game sound and music, no commentary;
- `music`: 60 s of generated music (chords, a vibrato lead, kick and hi-hat noise);
- `choir`: 60 s of generated wordless singing (glottal pulses through vowel formants) over chords,
  the kind of music Silero VAD takes for a voice;
- `noise`: 60 s of generated pink noise.
Each is run with the stage's recipe (`default`) and with Silero VAD off (`no-vad`), which hands the
whole track to Whisper: the stress case for the filters after it. Generated audio is deterministic.

Usage (from the repository root):

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 python -m bench.speech_false_alarms
    python -m bench.speech_false_alarms --configs default,no-vad    # with the stress case (minutes)
    python -m bench.speech_false_alarms --models whisper-base --vocabulary doom   # with hotwords
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from ingest.audio import load_audio
from kb.models import registry

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SR = 16000


def music(duration_s: float = 60.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration_s * SR)) / SR
    out = np.zeros_like(t)
    beat, notes = 0.5, [220, 247, 262, 294, 330, 349, 392, 440]
    for k in range(int(duration_s / beat)):
        a, b = int(k * beat * SR), int((k + 1) * beat * SR)
        tt = t[a:b] - t[a]
        f0 = notes[rng.integers(len(notes))] * (1 + 0.01 * np.sin(2 * np.pi * 5.5 * tt))
        env = np.minimum(1, tt / 0.03) * np.exp(-tt * 2)
        out[a:b] += 0.25 * env * sum(np.sin(2 * np.pi * f0 * h * tt) / h for h in range(1, 8))
        for f in (110, 165, 220):
            out[a:b] += 0.08 * np.sin(2 * np.pi * f * tt)
        out[a:b] += 0.5 * np.exp(-tt * 30) * np.sin(2 * np.pi * 60 * tt)
        if k % 2:
            out[a:b] += 0.15 * rng.standard_normal(b - a) * np.exp(-tt * 40)
    return (0.3 * out / np.abs(out).max()).astype(np.float32)


def choir(duration_s: float = 60.0, seed: int = 2) -> np.ndarray:
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    n = int(duration_s * SR)
    out = np.zeros(n)
    vowels = [(730, 1090, 2440), (570, 840, 2410), (300, 870, 2240), (530, 1840, 2480), (270, 2290, 3010)]
    notes = [196, 220, 247, 262, 294, 330]
    pos = 0
    while pos < n:
        length = min(int(SR * rng.uniform(0.6, 1.6)), n - pos)
        f0 = notes[rng.integers(len(notes))]
        tt = np.arange(length) / SR
        phase = np.cumsum(f0 * (1 + 0.015 * np.sin(2 * np.pi * 5 * tt)) / SR)
        y = (np.diff(np.floor(phase), prepend=0) > 0).astype(float)
        for formant, bw in zip(vowels[rng.integers(len(vowels))], (80, 90, 120)):
            r, th = np.exp(-np.pi * bw / SR), 2 * np.pi * formant / SR
            y = lfilter([1 - r], [1, -2 * r * np.cos(th), r * r], y)
        env = np.minimum(1, tt / 0.08) * np.minimum(1, (length / SR - tt) / 0.1)
        out[pos:pos + length] += y * env / (np.abs(y).max() + 1e-9)
        pos += length
    t = np.arange(n) / SR
    out += 0.2 * sum(np.sin(2 * np.pi * f * t) for f in (98, 147, 196)) / 3
    return (0.3 * out / np.abs(out).max()).astype(np.float32)


def noise(duration_s: float = 60.0, seed: int = 1) -> np.ndarray:
    w = np.random.default_rng(seed).standard_normal(int(duration_s * SR))
    f = np.fft.rfft(w)
    f /= np.sqrt(np.maximum(1, np.arange(f.size)))
    p = np.fft.irfft(f, w.size)
    return (0.2 * p / np.abs(p).max()).astype(np.float32)


def clips() -> dict[str, np.ndarray]:
    return {"redeclipse": load_audio(DATA / "redeclipse_bath_tdm_bots.mp4"), "music": music(), "choir": choir(),
            "noise": noise()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="whisper-base")
    ap.add_argument("--configs", default="default", help="default,no-vad: no-vad took 358 s under load 9")
    ap.add_argument("--vocabulary", default="", help="a game pack whose vocabulary is passed as hotwords")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    vocab = ()
    if args.vocabulary:
        from ingest.rules import get_pack

        vocab = get_pack(args.vocabulary).vocabulary()
    audio = clips()
    rows = []
    print("| model | config | vocabulary | " + " | ".join(audio) + " | total | transcribe (s) |")
    print("|---|---|---|" + "---|" * len(audio) + "---|---|")
    for model in args.models.split(","):
        transcriber = registry.create("speech", model, cpu_threads=args.threads)
        for config in args.configs.split(","):
            if config == "no-vad":
                transcriber.options.vad_threshold = 0.0  # every 32 ms window is "voice": Whisper hears it all
                transcriber.options.vad_min_silence_ms = 10_000
            counts, found, secs = {}, {}, 0.0
            for name, samples in audio.items():
                t0 = time.perf_counter()
                kwargs = {"vocabulary": vocab} if vocab else {}
                phrases = transcriber.transcribe(samples, **kwargs)
                secs += time.perf_counter() - t0
                counts[name] = len(phrases)
                found[name] = [(p.t_start, p.text, p.confidence) for p in phrases]
            rows.append(dict(model=model, config=config, vocabulary=args.vocabulary, counts=counts, phrases=found,
                             transcribe_s=round(secs, 2)))
            print(f"| {model} | {config} | {args.vocabulary or '-'} | " + " | ".join(str(c) for c in counts.values())
                  + f" | {sum(counts.values())} | {secs:.1f} |", flush=True)
            for name, ps in found.items():
                for t, text, conf in ps:
                    print(f"    {name} {t:7.2f} {text!r} p={conf}")
            transcriber.options = type(transcriber.options)()
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
