"""Start-up of the quick commands, end to end from the shell (issue 15 part 9): `gamekb videos`,
`events`, `search` and `ask` on a small real library, each run as its own process, as a user runs
them; what a command costs beyond its own work is the interpreter, the imports and the models it loads.

Each source tree given with --tree (default: this checkout) runs every command in turn, the trees
alternating run by run, so a change in the machine's load falls on all of them alike; the table
gives the median and the fastest of --repeat runs, with the load average before and after (the
2-core development machine is shared: quote both). --importtime CMD prints what one command's
imports cost in this checkout (`python -X importtime`), the slowest first.

The library is the two sample clips (Freedoom, Hedgewars) ingested into --home once (kept: pass
the same --home again to skip the ingest).

Example: python bench/cli_startup.py --home /tmp/su-home --tree /tmp/gamekb-before --tree . --repeat 9
         python bench/cli_startup.py --home /tmp/su-home --importtime search
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIPS = [ROOT / "tests" / "data" / "freedoom_excerpt.mp4", ROOT / "tests" / "data" / "hedgewars_excerpt.mp4"]
COMMANDS = {
    "python -c pass": None,  # the interpreter alone
    "--help": ["--help"],
    "videos": ["videos"],
    "events": ["events"],
    "search": ["search", "shotgun shells"],
    "ask": ["ask", "when did I get the shotgun?"],
}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GAMEKB_HOME", "GAMEKB_DB_URL", "GAMEKB_LANCE_URI")}
    env.update(HF_HUB_OFFLINE="1", LANCE_LOG="error")
    return env


def _argv(tree: Path, home: Path, args: list[str] | None) -> list[str]:
    if args is None:
        return [sys.executable, "-c", "pass"]
    # what the `gamekb` console script runs, from this tree (its own packages come first on sys.path)
    return [sys.executable, str(tree / "cli.py"), "--home", str(home), *args]


def run_once(tree: Path, home: Path, args: list[str] | None) -> float:
    t = time.perf_counter()
    r = subprocess.run(_argv(tree, home, args), cwd=tree, env=_env(), capture_output=True, text=True)
    took = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"{tree}: gamekb {' '.join(args or [])} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return took


def ensure_library(home: Path) -> None:
    if (home / "gamekb.sqlite").exists():
        return
    print(f"ingesting the sample clips into {home} ...", file=sys.stderr)
    r = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--home", str(home), "ingest", *map(str, CLIPS)],
                       cwd=ROOT, env=_env(), capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"ingest failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def measure(trees: list[Path], home: Path, repeat: int) -> dict:
    times: dict[str, dict[str, list[float]]] = {str(t): {c: [] for c in COMMANDS} for t in trees}
    for tree in trees:  # warm-up: byte-compiled modules, the page cache, the verified-model cache
        for args in COMMANDS.values():
            run_once(tree, home, args)
    before = load()
    for _ in range(repeat):
        for name, args in COMMANDS.items():
            for tree in trees:
                times[str(tree)][name].append(run_once(tree, home, args))
    return {"load_before": before, "load_after": load(), "repeat": repeat, "cpus": os.cpu_count(),
            "results": {t: {c: {"median_s": round(statistics.median(v), 3), "min_s": round(min(v), 3)}
                            for c, v in cmds.items()} for t, cmds in times.items()}}


def table(result: dict) -> str:
    trees = list(result["results"])
    head = "| command | " + " | ".join(f"{t}: median (fastest), s" for t in trees) + " |"
    lines = [head, "|" + "---|" * (len(trees) + 1)]
    for c in COMMANDS:
        cells = [f"{result['results'][t][c]['median_s']:.2f} ({result['results'][t][c]['min_s']:.2f})" for t in trees]
        shown = c if c == "python -c pass" else f"gamekb {c}" if c == "--help" else f"gamekb {' '.join(COMMANDS[c][:1])}"
        lines.append(f"| {shown} | " + " | ".join(cells) + " |")
    lines.append(f"\n{result['repeat']} runs each, trees alternating; load average (1, 5, 15 min) "
                 f"{result['load_before']} before, {result['load_after']} after; {result['cpus']} CPUs")
    return "\n".join(lines)


def importtime(home: Path, command: str, top: int) -> str:
    python, *rest = _argv(ROOT, home, COMMANDS[command])
    r = subprocess.run([python, "-X", "importtime", *rest], cwd=ROOT, env=_env(), capture_output=True, text=True)
    rows = []
    for line in r.stderr.splitlines():
        parts = line[len("import time:"):].split("|") if line.startswith("import time:") else []
        if len(parts) == 3 and parts[0].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    rows.sort(reverse=True)
    return "cumulative  module\n" + "\n".join(f"{t / 1000:8.1f} ms  {name}" for t, name in rows[:top])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--home", type=Path, default=Path("/tmp/gamekb-startup-home"), help="the sample library (built once)")
    ap.add_argument("--tree", type=Path, action="append", help="a gamekb source tree to time (repeatable; default: this one)")
    ap.add_argument("--repeat", type=int, default=7, help="runs of each command per tree")
    ap.add_argument("--importtime", choices=[c for c in COMMANDS if COMMANDS[c]], help="print this command's slowest imports instead")
    ap.add_argument("--top", type=int, default=25, help="rows of --importtime")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()
    ensure_library(args.home)
    if args.importtime:
        print(importtime(args.home, args.importtime, args.top))
        return
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    result = measure(trees, args.home, args.repeat)
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
