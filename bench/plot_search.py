"""Plot search/ask latency against library size from bench/search_latency.py's JSON.

Example: python bench/plot_search.py bench/out/search_latency.json docs/search_latency.png
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    src, dst = sys.argv[1] if len(sys.argv) > 1 else "bench/out/search_latency.json", \
        sys.argv[2] if len(sys.argv) > 2 else "docs/search_latency.png"
    res = json.loads(Path(src).read_text())["results"]
    n = [r["segments"] for r in res]
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, style in (("search", "o-"), ("ask", "s--")):
        for p in ("p50_ms", "p95_ms"):
            ax.plot(n, [r[key][p] for r in res], style, alpha=1.0 if p == "p95_ms" else 0.6, label=f"{key} {p[:3]}")
    ax.axhline(50, color="grey", lw=0.8, ls=":", label="target p95 50 ms")
    ax.set_xscale("log")
    ax.set_xlabel("segments in the library")
    ax.set_ylabel("latency (ms)")
    ax.set_title("gamekb hybrid search / ask latency, 2 shared CPU cores")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(dst, dpi=110)
    print(f"wrote {dst}")


if __name__ == "__main__":
    main()
