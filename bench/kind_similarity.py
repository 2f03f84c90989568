"""Can text-embedding similarity type on-screen lines that no pattern knows? (issue 12 part 3)

Embeds each generic event kind's one-sentence description (kb.kinds) and a set of lines read on
screen in the development clips or typical of other games, with the MiniLM text embedder ingest
already loads, and prints each line's two most similar kinds with their cosine similarity.

Example: python bench/kind_similarity.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# (line, the kind a player would give it, or "" for none)
LINES = [
    ("Thorn is short of a raft", "death"), ("Ember should have brought his scuba gear", "death"),
    ("Rusty assumes room temperature", "death"), ("Help for sick hedgehogs", "pickup"), ("Bazooka", ""),
    ("Let's go!", "round"), ("You are on team omega", ""), ("requesting game information from viewer..", ""),
    ("Need. More. Health.", ""), ("GAME PAUSED", ""), ("New lap record!", "achievement"), ("Final lap", "round"),
    ("You have been eliminated", "death"), ("Enemy spotted", ""), ("Mission failed", "objective"), ("Gold +50", "pickup"),
    ("Level up!", "achievement"), ("Wrong way!", ""),
]
SKIP = {"text", "scene", "appear", "disappear", "hud", "speech", "blank"}


def main() -> None:
    from kb import kinds
    from kb.models.embeddings import text_embedder

    embed = text_embedder("minilm", 1).encode
    ks = [k for k in kinds.all_kinds() if k.description and k.name not in SKIP]
    d = np.asarray(embed([k.description for k in ks]), dtype=np.float32)
    t = np.asarray(embed([line for line, _ in LINES]), dtype=np.float32)
    sims = (t / np.linalg.norm(t, axis=1, keepdims=True)) @ (d / np.linalg.norm(d, axis=1, keepdims=True)).T
    right = 0
    for (line, wanted), row in zip(LINES, sims):
        best, second = np.argsort(-row)[:2]
        right += ks[best].name == wanted
        print(f"{line[:42]:42s} wanted {wanted or '-':12s} {ks[best].name}:{row[best]:.2f}  {ks[second].name}:{row[second]:.2f}")
    print(f"top kind = the wanted one for {right} of {sum(1 for _, w in LINES if w)} lines with a kind")


if __name__ == "__main__":
    main()
