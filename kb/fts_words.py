"""Which full-text queries pylance may answer in lancedb's place (issue 15 part 9).

Searches read the segment table with pylance: importing lancedb costs ~1 s of every command's
start-up (its REST-namespace client builds hundreds of pydantic validators), importing lance
~0.15 s. The two do not bundle the same Lance: lancedb 0.40 carries Lance 13, pylance is Lance 14,
and their full-text tokenizers drop different stop words from a query. Both stem a token
(Snowball English) and drop it when its stem is a stop word; Lance 13's list is NLTK's, Lance 14's
is NLTK's without the contraction fragments (aren, didn, don, ... s, t, ll, ve) and no/nor/not.
Lance 13 built the index and answered every query before, so a query holding a token whose stem
only Lance 13 drops ("won", "not", "don", "haven") still goes through lancedb: the same results as
before, at the old start-up cost, for the few queries that hold one. Every other query gets the
same rows and scores from either (tests/test_lance_reads.py holds them side by side).

The test below over-approximates "its stem is one of those": a token is sent to lancedb when it is
one of them, or one of them followed only by Snowball suffixes (the stemmer only ever strips
suffixes, undoubles a final consonant and turns y into i, so no other token can stem to one).
Measured against both Lances on 12,000 such words (tests/test_lance_reads.py keeps a sample).
"""

from __future__ import annotations

import re

# Stems Lance 13 drops from a full-text query and Lance 14 keeps, by length: a token of one or two
# letters is never stemmed, and one of two letters only loses an -ed/-ing ending.
_EXACT = ("d", "ll", "m", "s", "t", "y")
_SHORT = ("ma", "no", "o", "ve")
_LONG = ("ain", "aren", "couldn", "didn", "doesn", "don", "hadn", "hasn", "haven", "isn", "mightn", "mustn",
         "needn", "nor", "not", "shan", "shouldn", "wasn", "weren", "won", "wouldn")
# Every ending Snowball English (Porter2) removes or rewrites, in its y and i spellings.
_SUFFIXES = (
    "s ies ied sses ed edly ing ingly eed eedly y i e l "  # steps 1a-1c, 5
    "tional enci ency anci ancy abli ably entli ently izer ization ational ation ator alism aliti ality alli ally "
    "fulness ousli ously ousness iveness iviti ivity biliti bility bli bly ogi ogy og fulli fully lessli lessly li ly "  # step 2
    "alize icate iciti icity ical ful ness ative "  # step 3
    "al ance ence er ic able ible ant ement ment ent ism ate iti ity ous ive ize ion"  # step 4
).split()


def _alternation(words) -> str:
    return "|".join(sorted(set(words), key=lambda w: (-len(w), w)))


_LONG_BASES = _alternation([*_LONG, *(b + b[-1] for b in _LONG)])
_ONLY_LANCEDB = re.compile(
    rf"(?:{_alternation(_EXACT)})"
    rf"|(?:{_alternation(_SHORT)})(?:ed|edly|ing|ingly|s)*"
    rf"|(?:{_LONG_BASES})(?:{_alternation(_SUFFIXES)})*")
_TOKEN = re.compile(r"[^\W_]+")  # Lance's "simple" tokenizer: runs of letters and digits


def needs_lancedb(query: str) -> bool:
    """True when Lance 13 and Lance 14 may read this full-text query differently: a token that may
    stem to a stop word only Lance 13 drops, or one that is not plain ASCII (ASCII folding could
    make it one)."""
    return any(not t.isascii() or _ONLY_LANCEDB.fullmatch(t) for t in _TOKEN.findall(query.lower()))
