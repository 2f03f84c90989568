"""Hybrid search and ask latency (p50/p95) at growing library sizes, plus the ANN index choice.

For each size a fresh KB home is filled with synthetic segments through the real stores: SQL
video rows (status ready, 360 segments = one hour each) and LanceDB rows through `SegmentTable`
(bulk appends, then `refresh_index()`, which builds the full-text index and, past
`VECTOR_INDEX_MIN_ROWS`, the ANN index). Segment texts are drawn from Doom HUD messages, events
and commentary phrases; each row's text vector is the MiniLM embedding of its text's template plus
noise (so neighbours have realistic structure), visual/temporal vectors are random unit vectors of
the real dimensions. Keyframes are left empty (a real KB holds ~10 KB of JPEG per segment).

Measured per size: `retrieval.search.search` (query embedding + FTS + vector + RRF + moment
refinement) and `retrieval.evidence.gather` + the extractive reasoner (what `gamekb ask` runs),
p50/p95 over the query set after one warm-up pass; with --index-compare, vector search alone on
each index type: build time, recall@10 against an exact flat scan, p50/p95.

Example: OMP_NUM_THREADS=1 python bench/search_latency.py --sizes 10000 100000 1000000 \
             --index-compare 100000 --json bench/out/search_latency.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("LANCE_LOG", "error")

import numpy as np  # noqa: E402

SEGMENTS_PER_VIDEO = 360  # one hour at 10 s segments
MANIFEST = {"text_vec": {"model": "sentence-transformers/all-MiniLM-L6-v2", "dim": 384},
            "visual_vec": {"model": "colour-layout-v1", "dim": 272},
            "temporal_vec": {"model": "motion-grid-v1", "dim": 32}}
PHRASES = ["I'm low on health", "where is the exit", "that was close", "I need more ammo", "there's a secret here",
           "watch out behind you", "this level is huge", "I found the switch", "let's go left", "oh no not again",
           "nice shot", "the door is locked", "I need the blue key", "going back for armor", "boss fight incoming"]
QUERIES = ["blue passcard", "secret revealed", "missile launcher", "minigun", "armor vest",
           "when did I say I was low on health", "picked up a medikit", "shotgun shells", "the door is locked",
           "rocket", "where is the exit", "health bonus", "died", "berserk pack", "plasma gun", "took damage",
           "yellow skull key", "chainsaw", "I need more ammo", "boss fight"]


def templates() -> list[str]:
    from ingest.rules import get_pack

    msgs = [e.text for e in get_pack("doom").lexicon]
    events = ["damage health 72 to 40", "low health 16", "death", "scene change", "pickup armor",
              "secret area found", "speech", "text on screen"]
    rng = random.Random(0)
    out = []
    for _ in range(3000):
        parts = rng.sample(msgs, rng.randint(1, 4)) + rng.sample(events, rng.randint(0, 2))
        if rng.random() < 0.4:
            parts.append(rng.choice(PHRASES))
        out.append(" . ".join(parts))
    return out


def unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def build(n: int, tmpl: list[str], tvecs: np.ndarray, home: Path) -> dict:
    import pyarrow as pa

    from kb.schema import Video
    from kb.store import KnowledgeBase

    kb = KnowledgeBase.open(home)
    n_videos = (n + SEGMENTS_PER_VIDEO - 1) // SEGMENTS_PER_VIDEO
    with kb.session() as s:
        for v in range(n_videos):
            s.add(Video(name=f"run{v:05d}", path=f"/videos/run{v:05d}.mp4", sha256=f"{v:064x}", duration_s=3600.0,
                        status="ready", game="doom"))
        s.commit()
    ids = [v.id for v in kb.videos()]
    kb.segments.ensure(MANIFEST)
    table = kb.segments.table
    rng = np.random.default_rng(n)
    t0 = time.perf_counter()
    batch = 50_000
    for start in range(0, n, batch):
        m = min(batch, n - start)
        g = np.arange(start, start + m)
        which = rng.integers(0, len(tmpl), m)
        vid = np.array(ids)[g // SEGMENTS_PER_VIDEO]
        idx = (g % SEGMENTS_PER_VIDEO).astype(np.int32)
        st = idx * 10.0
        tv = tvecs[which] + 0.35 * unit(rng, m, 384)
        tv /= np.linalg.norm(tv, axis=1, keepdims=True)
        texts = [tmpl[w] for w in which]
        moments = [json.dumps([[float(a) + 2.0, float(a) + 4.0, "ocr", "text", None, t.split(" . ")[0]]]) for a, t in zip(st, texts)]
        cols = {"video_id": pa.array(vid, pa.int64()), "idx": pa.array(idx, pa.int32()),
                "video": pa.array([f"run{(x // SEGMENTS_PER_VIDEO):05d}" for x in g]),
                "start_s": pa.array(st), "end_s": pa.array(st + 10.0), "keyframe_s": pa.array(st + 5.0),
                "text": pa.array(texts), "moments": pa.array(moments), "keyframe": pa.array([b""] * m, pa.binary())}
        for c, d, v in (("temporal_vec", 32, unit(rng, m, 32)), ("text_vec", 384, tv), ("visual_vec", 272, unit(rng, m, 272))):
            cols[c] = pa.FixedSizeListArray.from_arrays(pa.array(v.reshape(-1)), d)
        table.add(pa.table(cols, schema=table.schema))
    append_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    kb.segments.refresh_index()
    index_s = time.perf_counter() - t0
    # growth path: one more hour-long video through SegmentTable.add (as commit_video does)
    t0 = time.perf_counter()
    extra = [{"video_id": ids[-1], "idx": SEGMENTS_PER_VIDEO + i, "video": f"run{n_videos - 1:05d}", "start_s": 0.0,
              "end_s": 10.0, "keyframe_s": 5.0, "text": tmpl[i], "moments": "[]", "keyframe": b"",
              "text_vec": tvecs[i], "visual_vec": unit(rng, 1, 272)[0], "temporal_vec": unit(rng, 1, 32)[0]}
             for i in range(SEGMENTS_PER_VIDEO)]
    kb.segments.add(extra)
    add_video_s = time.perf_counter() - t0
    indices = [(i.name, i.index_type) for i in kb.segments.table.list_indices()]
    return {"kb": kb, "append_s": round(append_s, 2), "index_s": round(index_s, 2),
            "add_video_s": round(add_video_s, 2), "indices": indices, "videos": n_videos}


def pct(xs: list[float]) -> dict:
    xs = sorted(xs)
    return {"p50_ms": round(1000 * statistics.median(xs), 1),
            "p95_ms": round(1000 * xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))], 1)}


def latency(kb, repeat: int) -> dict:
    from reasoning.extractive import Extractive
    from retrieval.evidence import gather
    from retrieval.search import search

    for q in QUERIES:  # warm-up: model load, index caches
        search(kb, q, limit=10)
    s_times, a_times = [], []
    for _ in range(repeat):
        for q in QUERIES:
            t = time.perf_counter()
            hits = search(kb, q, limit=10)
            s_times.append(time.perf_counter() - t)
            assert hits, q
            t = time.perf_counter()
            Extractive().answer(q, gather(kb, q, limit=6))
            a_times.append(time.perf_counter() - t)
    parts = {}
    from kb.models.embeddings import text_embedder
    from retrieval.query import parse, words

    emb = text_embedder()
    vec = emb.encode(["warm"])[0]
    where = f"video_id IN ({', '.join(str(i) for i in kb.ready_ids())})"
    for name, fn in (("embed", lambda q: emb.encode([q])),
                     ("fts", lambda q: kb.segments.fts(" ".join(words(" ".join(parse(q).words) or q)), where, 30)),
                     ("vector", lambda q: kb.segments.vector("text_vec", vec, where, 30))):
        ts = []
        for q in QUERIES:
            t = time.perf_counter()
            fn(q)
            ts.append(time.perf_counter() - t)
        parts[name] = pct(ts)
    return {"search": pct(s_times), "ask": pct(a_times), "parts": parts}


def index_compare(kb, tvecs: np.ndarray, kinds: list[str]) -> list[dict]:
    table = kb.segments.table
    n = table.count_rows()
    rng = np.random.default_rng(1)
    qs = tvecs[rng.integers(0, len(tvecs), 50)] + 0.35 * unit(rng, 50, 384)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)

    def ids(rows):
        return {(r["video_id"], r["idx"]) for r in rows}

    def run(use_index: bool):
        out, ts = [], []
        for q in qs:
            t = time.perf_counter()
            s = table.search(q, vector_column_name="text_vec").metric("cosine").select(["video_id", "idx"]).limit(10)
            if not use_index:
                s = s.bypass_vector_index()
            out.append(ids(s.to_list()))
            ts.append(time.perf_counter() - t)
        return out, ts

    exact, ts = run(False)
    res = [{"index": "flat (exact scan)", "build_s": 0.0, "recall@10": 1.0, **pct(ts)}]
    for kind in kinds:
        for i in table.list_indices():
            if "text_vec" in (i.columns or []):
                table.drop_index(i.name)
        t = time.perf_counter()
        try:
            table.create_index(metric="cosine", vector_column_name="text_vec", index_type=kind,
                               num_partitions=max(1, int(round(n ** 0.5))), name=f"cmp_{kind.lower()}")
        except Exception as exc:  # an index type this lancedb cannot build: recorded, not fatal
            res.append({"index": kind, "error": str(exc)[:200]})
            continue
        build = time.perf_counter() - t
        got, ts = run(True)
        rec = float(np.mean([len(a & b) / 10 for a, b in zip(got, exact)]))
        res.append({"index": kind, "build_s": round(build, 1), "recall@10": round(rec, 3), **pct(ts)})
        print(f"  {kind}: build {build:.1f} s, recall@10 {rec:.3f}, p50 {res[-1]['p50_ms']} ms, p95 {res[-1]['p95_ms']} ms", flush=True)
    for i in table.list_indices():
        if (i.name or "").startswith("cmp_"):
            table.drop_index(i.name)
    kb.segments.ensure_vector_index(force=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=3, help="passes over the query set")
    ap.add_argument("--index-compare", type=int, nargs="*", default=[100_000], help="sizes at which to compare index types")
    ap.add_argument("--index-types", nargs="+", default=["IVF_FLAT", "IVF_SQ", "IVF_PQ", "IVF_HNSW_SQ"])
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    from kb.models.embeddings import text_embedder

    tmpl = templates()
    t = time.perf_counter()
    tvecs = text_embedder().encode(tmpl)
    print(f"embedded {len(tmpl)} templates in {time.perf_counter() - t:.1f} s", flush=True)
    results = []
    for n in args.sizes:
        home = Path(tempfile.mkdtemp(prefix=f"gamekb-search-{n}-"))
        b = build(n, tmpl, tvecs, home)
        kb = b.pop("kb")
        disk = sum(f.stat().st_size for f in home.rglob("*") if f.is_file())
        print(f"{n} segments ({b['videos']} videos): append {b['append_s']} s, index {b['index_s']} s, "
              f"+1 video {b['add_video_s']} s, indices {b['indices']}, {disk / 1e9:.2f} GB", flush=True)
        r = {"segments": n, **b, "disk_bytes": disk}
        if n in args.index_compare:
            r["index_compare"] = index_compare(kb, tvecs, args.index_types)
        r.update(latency(kb, args.repeat))
        print(f"  search p50 {r['search']['p50_ms']} ms p95 {r['search']['p95_ms']} ms; ask p50 {r['ask']['p50_ms']} ms "
              f"p95 {r['ask']['p95_ms']} ms; parts {r['parts']}", flush=True)
        results.append(r)
        shutil.rmtree(home, ignore_errors=True)
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps({"cpus": os.cpu_count(), "results": results}, indent=2, default=str))


if __name__ == "__main__":
    main()
