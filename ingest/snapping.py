"""Lexicon snapping: a noisy OCR read made into the game message it most resembles.

Both sides are folded to a key first (`lexicon_key`: uppercase, the confusions of pixel fonts
folded together, 0/O, 5/S, U/H, P/D..., spaces and punctuation dropped, since OCR of pixel fonts
drops and invents spaces freely), then compared by difflib character similarity; a read snaps to
the pack's closest lexicon entry when it is at least `RulePack.snap_threshold` similar.
"""

from __future__ import annotations

import difflib
import functools
import re

from ingest.rules import LexiconEntry, RulePack

# Confusions of pixel fonts seen in OCR output, folded the same way on both sides before comparing.
_FOLD = str.maketrans({"0": "O", "Q": "O", "&": "O", "@": "O", "5": "F", "$": "F", "S": "F", "6": "G", "8": "B",
                       "1": "I", "L": "I", "|": "I", "!": "I", "T": "I", "4": "A", "Δ": "A", "P": "D",
                       "M": "H", "N": "H", "U": "H", "W": "H", "V": "Y", "R": "A", "E": "F", "C": "G",
                       "K": "X", "Z": "2"})


def lexicon_key(text: str) -> str:
    """Uppercase, fold confusable glyphs, drop everything but letters and digits (spaces too:
    OCR of pixel fonts drops and invents spaces freely)."""
    return re.sub(r"[^A-Z0-9]", "", text.upper().translate(_FOLD))


def clean(text: str) -> str:
    """Printable single-spaced text; the engine's raw output minus control characters."""
    return re.sub(r"\s+", " ", "".join(c for c in text if c.isprintable())).strip()


@functools.lru_cache(maxsize=64)
def _lexicon_keys(pack_name: str, lexicon: tuple[LexiconEntry, ...]) -> list[tuple[str, LexiconEntry]]:
    return [(lexicon_key(e.text), e) for e in lexicon]


@functools.lru_cache(maxsize=4096)
def _snap_cached(key: str, pack_name: str, lexicon: tuple[LexiconEntry, ...]) -> tuple[LexiconEntry | None, float]:
    best, best_score = None, 0.0
    for k, entry in _lexicon_keys(pack_name, lexicon):
        # ratio <= 2*min/(la+lb): skip entries whose length alone rules them out
        if 2 * min(len(k), len(key)) / (len(k) + len(key)) <= best_score:
            continue
        matcher = difflib.SequenceMatcher(None, key, k, autojunk=False)
        # quick_ratio (shared letters, ignoring order) bounds ratio from above at a fraction of its
        # cost: the same best entry, ~1.5x less snapping time on noisy reads
        if matcher.quick_ratio() <= best_score:
            continue
        score = matcher.ratio()
        if score > best_score:
            best, best_score = entry, score
    return best, best_score


def snap(text: str, pack: RulePack) -> tuple[LexiconEntry | None, float]:
    """The lexicon entry `text` is a noisy read of, with its similarity, or (None, best score)."""
    key = lexicon_key(text)
    if len(key) < 4 or not pack.lexicon:
        return None, 0.0
    entry, score = _snap_cached(key, pack.name, pack.lexicon)
    return (entry, score) if score >= pack.snap_threshold else (None, score)


def similarity(a: str, b: str) -> float:
    """Character similarity 0..1 of two texts after folding OCR confusions (for unsnapped text)."""
    ka, kb = lexicon_key(a), lexicon_key(b)
    if not ka or not kb:
        return 0.0
    return difflib.SequenceMatcher(None, ka, kb, autojunk=False).ratio()
