"""Peak memory of `gamekb ingest` against video length (issue 4: memory must not grow with length).

Generates synthetic videos of the given lengths (320x180, 10 fps, H.264 + AAC, a line of speech
every 20 s over low noise, a HUD-like pickup message every 15 s), ingests each into a fresh
knowledge base in its own process, and reads that process's peak resident set size (ru_maxrss from
wait4). Each ingest loads the same models, so a flat column means memory does not grow with length.

Usage (from the repository root):

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 python -m bench.memory                  # 2, 4 and 8 minutes
    python -m bench.memory --minutes 1 2 --keep /tmp/clips --pythonpath /tmp/old-checkout
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINES = ["grab the shotgun before the door", "the red key is behind the wall", "watch out for the imps on the left",
         "I need more health now", "there is a secret room here"]
MESSAGES = ["You got the shotgun!", "Picked up a stimpack.", "You got the chaingun!", "Picked up a clip."]


def make_long_clip(path: Path, minutes: float) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.clips import make_clip

    duration = 60.0 * minutes
    speech = [(t, LINES[i % len(LINES)]) for i, t in enumerate(range(5, int(duration) - 5, 20))]
    texts = [(t, t + 3.0, MESSAGES[i % len(MESSAGES)]) for i, t in enumerate(range(8, int(duration) - 5, 15))]
    make_clip(path, duration, texts=texts, speech=speech, size=(320, 180), fps=10, noise_db=-45)
    return path


def peak_rss_mb(args: list[str], env: dict, cwd: Path) -> tuple[float, float, int]:
    """Run a command; (its peak RSS in MiB, wall seconds, exit status)."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024.0, time.perf_counter() - started, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[2, 4, 8])
    ap.add_argument("--keep", type=Path, help="folder for the generated clips (reused when present)")
    ap.add_argument("--pythonpath", help="run another checkout of gamekb (e.g. the previous commit) instead")
    opts = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gamekb-mem-"))
    clips_dir = opts.keep or work
    clips_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "PYTHONPATH": opts.pythonpath or str(ROOT)}
    print("| video length | peak RSS (MiB) | ingest wall time (s) |\n|---|---|---|")
    for minutes in opts.minutes:
        clip = clips_dir / f"long-{minutes:g}min.mp4"
        if not clip.exists():
            make_long_clip(clip, minutes)
        home = work / f"kb-{minutes:g}"
        cmd = [sys.executable, "-c", "from cli import app; app()", "ingest", str(clip), "--home", str(home)]
        rss, wall, code = peak_rss_mb(cmd, env, Path(opts.pythonpath or ROOT))
        if code != 0:
            raise SystemExit(f"ingest of {clip} failed with status {code}")
        print(f"| {minutes:g} min | {rss:.0f} | {wall:.0f} |", flush=True)


if __name__ == "__main__":
    main()
