"""Disk use and table versions as a library grows, clip by clip (issue 14), beside older code.

Generates N distinct two-second clips (ffmpeg `testsrc2`, 320x180, 10 fps, no audio: one segment
each, as in the issue), then ingests them with the real `gamekb ingest` CLI, one process per
batch of --every clips (a user adding a folder at a time), into a fresh home. After each batch it
reads the LanceDB folder: bytes on disk, bytes the latest version uses (its data, deletion and
index files and its manifest: "live"), bytes only versions replaced less than the grace period
ago use ("held" for readers, freed by the next commit after it), and the number of versions.
Disk per hour of video is bytes on disk / (clips x 2 s).

With --reader, a thread of this process queries the library back to back (a search and a read of
50 rows with their keyframes, as `gamekb serve` would) all through each ingest, and counts the
queries that fail: a cleanup after a commit that finds a query running removes only versions
replaced more than the grace period ago.

With --old PATH (a checkout of older code, e.g. `git worktree add /tmp/old-disk 82e86fd`) the
same clips go through that code too, batch by batch, alternating with this tree's, so both see the
same machine load. --old-clips caps the old run (its disk grows with the square of the clips).

Example: python bench/disk_growth.py --clips 1000 --every 100 --old /tmp/old-disk --old-clips 500 \\
             --json bench/out/disk_growth.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

CLIP_S = 2.0
CLI = "from cli import app; app()"


def make_clips(folder: Path, n: int, every: int) -> list[Path]:
    """n distinct clips (each with its own hue, and its number in the file's metadata), in one
    sub-folder per batch of `every`."""
    out = []
    for i in range(n):
        batch = folder / f"b{i // every:03d}"
        batch.mkdir(parents=True, exist_ok=True)
        path = batch / f"clip{i:05d}.mp4"
        if not path.exists():
            subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                            f"testsrc2=duration={CLIP_S}:size=320x180:rate=10", "-vf", f"hue=h={i % 360}",
                            "-metadata", f"comment=clip {i}", "-c:v", "libx264", "-preset", "ultrafast",
                            "-pix_fmt", "yuv420p", str(path)], check=True)
        out.append(path)
    return out


def du(path: Path) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def measure(home: Path, clips: int) -> dict:
    from kb.lance import SegmentTable

    space = SegmentTable(str(home / "lance")).space()
    disk = du(home / "lance")
    hours = clips * CLIP_S / 3600
    return {"clips": clips, "hours": round(hours, 4), "lance_bytes": disk, "home_bytes": du(home),
            "live_bytes": space.live_bytes, "held_bytes": space.held_bytes, "dead_bytes": space.dead_bytes,
            "versions": space.versions, "fragments": space.fragments,
            "mb_per_hour": round(disk / 1e6 / hours, 1), "live_mb_per_hour": round(space.live_bytes / 1e6 / hours, 1),
            "disk_over_live": round(disk / max(space.live_bytes, 1), 2)}


def searching(home: Path, stop, tally: dict) -> None:
    """Search the library back to back until `stop` is set (each query holds the readers' lock);
    count the queries and the errors in `tally`."""
    from kb.store import KnowledgeBase

    segments = None
    while not stop.is_set():
        try:
            if segments is None and (home / "gamekb.sqlite").exists():
                segments = KnowledgeBase.open(home).segments
            if segments is not None:
                segments.fts("clip", None, 10)
                segments.rows(None, ["video_id", "keyframe"], limit=50)
                tally["queries"] += 1
        except Exception as exc:  # noqa: BLE001 - a failed query is what this measures
            tally["errors"] += 1
            tally.setdefault("first_error", repr(exc)[:300])


def ingest(code: Path, home: Path, batch: Path, tally: dict | None = None) -> float:
    import threading

    env = {**os.environ, "PYTHONPATH": str(code)}
    started = time.perf_counter()
    stop = threading.Event()
    thread = threading.Thread(target=searching, args=(home, stop, tally), daemon=True) if tally is not None else None
    if thread:
        thread.start()
    try:
        r = subprocess.run([sys.executable, "-c", CLI, "ingest", str(batch), "--home", str(home), "--json"],
                           cwd=code, env=env, capture_output=True, text=True)
    finally:
        stop.set()
        if thread:
            thread.join()
    if r.returncode != 0:
        raise SystemExit(f"ingest with {code} failed ({r.returncode}): {r.stderr[-2000:]}")
    statuses = [o["status"] for o in json.loads(r.stdout)]
    if set(statuses) != {"ingested"}:
        raise SystemExit(f"ingest with {code}: {statuses}")
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", type=int, default=1000)
    ap.add_argument("--every", type=int, default=100, help="Clips per ingest run, and between measurements.")
    ap.add_argument("--old", type=Path, help="Also run this checkout of older code on the same clips.")
    ap.add_argument("--old-clips", type=int, help="Stop the old code's run after this many clips.")
    ap.add_argument("--reader", action="store_true", help="Search in a loop during every ingest of this tree's code.")
    ap.add_argument("--work", type=Path, default=Path("/tmp/gamekb-disk-growth"), help="Clips and homes go here.")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    clips = make_clips(args.work / "clips", args.clips, args.every)
    runs = {"new": ROOT, **({"old": args.old.resolve()} if args.old else {})}
    limit = {"new": args.clips, "old": args.old_clips or args.clips}
    homes = {name: args.work / f"home-{name}{'-reader' if args.reader and name == 'new' else ''}" for name in runs}
    for home in homes.values():
        if home.exists():
            raise SystemExit(f"{home} exists: remove it or give another --work")
    rows: dict[str, list] = {name: [] for name in runs}
    batches = sorted({p.parent for p in clips})
    print(f"{len(clips)} clips of {CLIP_S:.0f} s in {len(batches)} batches{'; searching all through' if args.reader else ''}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'code':<4} {'clips':>5} {'hours':>6} {'disk MB':>8} {'live MB':>8} {'held MB':>8} {'disk/live':>9} "
          f"{'MB/hour':>8} {'versions':>8} {'frags':>5} {'ingest s':>8}")
    for i, batch in enumerate(batches):
        done = min((i + 1) * args.every, len(clips))
        for name, code in runs.items():
            if done > limit[name]:
                continue
            tally = {"queries": 0, "errors": 0} if args.reader and name == "new" else None
            seconds = ingest(code, homes[name], batch, tally)
            row = {**measure(homes[name], done), "ingest_s": round(seconds, 1), "load": round(os.getloadavg()[0], 2),
                   **({"reader": tally} if tally is not None else {})}
            rows[name].append(row)
            print(f"{name:<4} {done:>5} {row['hours']:>6.3f} {row['lance_bytes'] / 1e6:>8.2f} {row['live_bytes'] / 1e6:>8.2f} "
                  f"{row['held_bytes'] / 1e6:>8.2f} {row['disk_over_live']:>9.2f} {row['mb_per_hour']:>8.1f} "
                  f"{row['versions']:>8} {row['fragments']:>5} {seconds:>8.1f}"
                  + (f"  {tally['queries']} queries, {tally['errors']} failed {tally.get('first_error', '')}" if tally else ""),
                  flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"clips": args.clips, "every": args.every, "reader": args.reader, "runs": rows},
                                        indent=2))


if __name__ == "__main__":
    main()
