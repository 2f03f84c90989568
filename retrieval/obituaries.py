"""Who killed whom, read from a kill feed's or death line's own words, for any game: "Sarge was
machinegunned by Tony", "You fragged Major", "Sorceress ate Grism's rocket", "Thorn drowned",
"Fragged by Grism" (the player, killed by Grism). A reading of the text as written, OCR slips and all;
None where the line does not say."""

from __future__ import annotations

import difflib
import re

# "Fragged by Grism": no one before "by", so the one the screen talks to, killed by the one after it
_BY_SOMEONE = re.compile(r"^(?:\(\?\)\s*)?(?:fragged|killed|slain|eliminated|destroyed)\s+by\b"
                         r"(?:\s+(?:an?\s+|the\s+)?(?P<k>[^\s,.!:;()]+))?", re.I)
# "julian was pierced by roland", "Sarge was machinegunned by Tony": the one before "was ... by"
# (OCR reads "by" as "bv" or "hy" in small feeds)
_PASSIVE = re.compile(r"^(?:\(\?\)\s*)?(?P<v>[^\s:]+)\s+(?:was|were|is|got)\s.*?\b[bh][yv]\b(?:\s+(?:an?\s+|the\s+)?(?P<k>[^\s,.!:;()]+))?", re.I)
# "You fragged Sorceress", "roland killed julian": the one after the verb, and the one before it
_ACTIVE = re.compile(r"(?:^(?:\(\?\)\s*)?(?P<k>[^\s:]+)\s+)?\b(?:killed|fragged|eliminated|slain|slew|defeated|shot|destroyed)"
                     r"\s+(?:the\s+)?(?P<v>[^\s,.!:;]+)", re.I)
# "Sorceress ate Grism's rocket", "Major almost dodged Tony's rocket": the first name, then the owner
_OWNER = re.compile(r"^(?:\(\?\)\s*)?(?P<v>[^\s:']+)\s+\D*?\b(?P<k>[^\s']+)['’]s\b", re.I)
_DEATH_WORD = re.compile(r"^(?:fragged|killed|died|dead|wasted|eliminated|slain)\W*$", re.I)
_POSSESSIVE = re.compile(r"['’]s?$")
KINDS = ("kill", "death")


def victim_of(label: str, kind: str) -> str | None:
    """Who a kill or death line says was killed (as written), or None: a generic reading of kill feeds
    ("X was <verb>ed by Y", "Y killed X", "X ate Y's rocket") and death lines ("Thorn drowned": the
    one it names first; "Fragged by Grism": "you")."""
    if kind not in KINDS:
        return None
    if _BY_SOMEONE.match(label):
        return "you"
    m = _PASSIVE.search(label) or _ACTIVE.search(label) or (_OWNER.search(label) if kind == "kill" else None)
    if m:
        return _name(m.group("v"))
    first = re.sub(r"^\(\?\)\s*", "", label).split()
    if kind != "death" or not first:
        return None
    # "Fragged: Down for 5", "Wasted", "Died": a death screen that names no one is the player's
    return "you" if _DEATH_WORD.match(first[0]) else first[0].rstrip(":,.!")


def killer_of(label: str, kind: str) -> str | None:
    """Who a kill line (or a death line such as "Fragged by Grism") says did the killing, as written
    ("Tony" of "Sarge was machinegunned by Tony", "You" of "You fragged Major", "Grism" of "Sorceress
    ate Grism's rocket"), or None when it names no one."""
    if kind not in KINDS:
        return None
    m = _BY_SOMEONE.match(label) or _PASSIVE.search(label) or _ACTIVE.search(label) or (_OWNER.search(label) if kind == "kill" else None)
    return _name(_POSSESSIVE.sub("", m.group("k") or "")) if m else None


def _name(word: str) -> str | None:
    """A word read as a name, None when it has no letter ("(?)", "(18)")."""
    return word if re.search(r"[^\W\d_]", word) else None


def same_name(a: str, b: str) -> bool:
    """Two readings of one name: equal letters and digits, or nearly ("Sarge" and "Sarqe")."""
    ka, kb = re.sub(r"[^a-z0-9]", "", a.lower()), re.sub(r"[^a-z0-9]", "", b.lower())
    return bool(ka and kb) and (ka == kb or difflib.SequenceMatcher(None, ka, kb).ratio() >= 0.8)
