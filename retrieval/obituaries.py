"""Who killed whom, read from a kill feed's or death line's own words, for any game: "Sarge was
machinegunned by Tony", "You fragged Major", "Sorceress ate Grism's rocket", "Thorn drowned",
"Fragged by Grism" (the player, killed by Grism). A reading of the text as written, OCR slips and all;
None where the line does not say."""

from __future__ import annotations

import difflib
import re
from typing import Iterable

# "Fragged by Grism", "Got shot by Hawk00 (Purple Team)": no one before "by", so the one the screen
# talks to, killed by the one after it
_BY_SOMEONE = re.compile(r"^(?:\(\?\)\s*)?(?:you\s+)?(?:(?:were|got)\s+)?(?:fragged|killed|slain|eliminated|destroyed|shot)\s+by\b"
                         r"(?:\s+(?:an?\s+|the\s+)?(?P<k>[^\s,.!:;()]+))?", re.I)
# "julian was pierced by roland", "Sarge was machinegunned by Tony": the one before "was ... by"
# (OCR reads "by" as "bv" or "hy", and "was" as "vas" or "uas", in small feeds)
_PASSIVE = re.compile(r"^(?:\(\?\)\s*)?(?P<v>[^\s:]+)\s+(?:[wvu]as|were|is|got)\s.*?\b[bh][yv]\b(?:\s+(?:an?\s+|the\s+)?(?P<k>[^\s,.!:;()]+))?", re.I)
# "Hawk04: killed by Hawk05", "Hawk04: killed by teammate Hawk03": the one named, a colon, and by whom
_NAMED_BY = re.compile(r"^(?:\(\?\)\s*)?(?P<v>[^\s:]+):\s+(?:was\s+|got\s+)?(?:killed|fragged|slain|eliminated|destroyed|shot)"
                       r"\s+[bh][yv]\s+(?:(?:team-?mate|ally)\s+)?(?P<k>[^\s,.!:;()]+)", re.I)
# "You fragged Sorceress", "roland killed julian": the one after the verb, and the one before it
_ACTIVE = re.compile(r"(?:^(?:\(\?\)\s*)?(?P<k>[^\s:]+)\s+)?\b(?:killed|fragged|eliminated|slain|slew|defeated|shot|destroyed)"
                     r"\s+(?!by\b)(?:the\s+)?(?P<v>[^\s,.!:;]+)", re.I)
# "Sorceress ate Grism's rocket", "Major almost dodged Tony's rocket": the first name, then the owner
_OWNER = re.compile(r"^(?:\(\?\)\s*)?(?P<v>[^\s:']+)\s+\D*?\b(?P<k>[^\s']+)['’]s\b", re.I)
# "Tony blew himself up.", "Sarge tripped on his own grenade." ("owngrenade": OCR runs words together),
# "billy was caught up in their own plasma-filled mayhem": the one named first died by their own hand
_SELF = re.compile(r"^(?:\(\?\)\s*)?(?P<v>[^\s:']+)\s+(?:\S+\s+){0,4}?(?:(?:him|her|it|them|one)sel(?:f|ves)"
                   r"|(?:on|by|in|with)\s+(?:his|her|its|their)\s+own)", re.I)
# "glTron core dumped Linux for 3 points": a kill line of a game's own phrase (ingest types those by
# the phrase its video repeats, ingest.words.Duels): the one named first killed the one named next
_DUEL = re.compile(r"^(?:\(\?\)\s*)?(?P<k>[^\W\d_][\w-]*)\s+(?:(?!by\s)[a-z]{2,}\s+){1,3}(?P<v>[^\W\d_][\w-]*)\b")
_DEATH_WORD = re.compile(r"^(?:fragged|killed|died|dead|wasted|eliminated|slain)\W*$", re.I)
_MYSELF = re.compile(r"^(?:\(\?\)\s*)?(?:shot|killed|blew)\s+myself\b", re.I)  # "Shot myself": the player's own death
_POSSESSIVE = re.compile(r"['’]s?$")
KINDS = ("kill", "death")
MIN_CUT_NAME = 4  # letters a cut-off name keeps to still be read as the name it starts ("Ange" for Angelyss)


# the weapon a kill line names: "Sarge's plasmagun", "with a shotgun", "using the railgun", "machinegunned"
_WEAPON_OWNED = re.compile(r"[^\s']\s?['’]\s?s\s+(?P<w>[A-Za-z][\w-]{2,})(?:\s+(?P<w2>launcher|gun|rifle|cannon|blaster))?", re.I)
_WEAPON_WITH = re.compile(r"\b(?:with|using)\s+(?:an?\s+|the\s+|his\s+|her\s+|their\s+|its\s+|my\s+)?"
                          r"(?P<w>[A-Za-z][\w-]{2,})(?:\s+(?P<w2>launcher|gun|rifle|cannon|blaster))?", re.I)
_WEAPON_OWN = re.compile(r"\bown\W{1,2}(?P<w>[A-Za-z][\w-]{2,})", re.I)  # "tripped on his own grenade"
_WEAPON_VERB = re.compile(r"\b(?P<w>[a-z]*gun)ned\b", re.I)  # "machinegunned": a machinegun


def weapon_of(label: str) -> str | None:
    """The weapon a kill line names, lower case ("plasmagun" of "Sorceress was melted by Sarge's
    plasmagun", "rocket launcher" of "Tony killed Grism with a rocket launcher", "machinegun" of "Sarge
    was machinegunned by Tony"), or None."""
    for rx in (_WEAPON_OWNED, _WEAPON_WITH, _WEAPON_OWN, _WEAPON_VERB):
        if (m := rx.search(label)) is not None:
            return " ".join(w for w in m.groupdict().values() if w).lower()
    return None


def victim_of(label: str, kind: str) -> str | None:
    """Who a kill or death line says was killed (as written), or None: a generic reading of kill feeds
    ("X was <verb>ed by Y", "Y killed X", "X ate Y's rocket") and death lines ("Thorn drowned": the
    one it names first; "Fragged by Grism": "you")."""
    if kind not in KINDS:
        return None
    if _BY_SOMEONE.match(label) or _MYSELF.match(label):
        return "you"
    m = _NAMED_BY.match(label) or _PASSIVE.search(label) or _ACTIVE.search(label) or (
        _OWNER.search(label) or _duel(label) if kind == "kill" else None)
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
    m = _BY_SOMEONE.match(label) or _NAMED_BY.match(label) or _PASSIVE.search(label) or _ACTIVE.search(label) or (
        _OWNER.search(label) or _duel(label) if kind == "kill" else None)
    return _name(_POSSESSIVE.sub("", m.group("k") or "")) if m else None


def _duel(label: str) -> re.Match | None:
    """The "X <phrase> Y" shape of a kill line, when both are written as names (with a capital)."""
    m = _DUEL.match(label)
    return m if m is not None and all(any(c.isupper() for c in m.group(g)) for g in ("k", "v")) else None


def _name(word: str) -> str | None:
    """A word read as a name, None when it has no letter ("(?)", "(18)")."""
    return word if re.search(r"[^\W\d_]", word) else None


def numbered_apart(a: str, b: str) -> bool:
    """Two names of one stem and another number of as many digits, or one with a number and one
    without: "hawk03" and "hawk00", "hawk" (the player) and "hawk03" (a robot named after him)
    (lower case, letters and digits only). ingest.screen_events has its own, for lines as read:
    ingest reads no retrieval."""
    da, db = re.sub(r"\D", "", a), re.sub(r"\D", "", b)
    return da != db and (len(da) == len(db) or not da or not db) and re.sub(r"\d", "", a) == re.sub(r"\d", "", b)


def same_name(a: str, b: str) -> bool:
    """Two readings of one name: equal letters and digits, or nearly ("Sarge" and "Sarqe"), or one cut
    short at the edge of the feed ("Tony was gunned down by Sorcer": the last word of a line is the
    one a fading or clipped line loses first) to at least MIN_CUT_NAME letters."""
    ka, kb = re.sub(r"[^a-z0-9]", "", a.lower()), re.sub(r"[^a-z0-9]", "", b.lower())
    if not (ka and kb):
        return False
    if numbered_apart(ka, kb):
        return False  # "Hawk02" and "Hawk04": robots named by number
    short, long_ = sorted((ka, kb), key=len)
    return ka == kb or difflib.SequenceMatcher(None, ka, kb).ratio() >= 0.8 or \
        (len(short) >= MIN_CUT_NAME and long_.startswith(short))


def owner_phrase(label: str) -> str | None:
    """The words a kill line of the "X <words> Y's <weapon>" shape puts between the one killed and the
    killer ("almost dodged" of "Major almost dodged Tony's rocket", "ate"), lower case; else None."""
    m = _OWNER.search(label)
    if not m:
        return None
    between = label[m.end("v"):m.start("k")].strip().lower()
    return between if between and len(between.split()) <= 3 and re.fullmatch(r"[^\W\d_]+(?: [^\W\d_]+)*", between) else None


def read_as(label: str, names: Iterable[str], phrases: Iterable[str] = ()) -> str | None:
    """A line ingest typed as plain text that reads as a kill ("Major ate Sarge's grenade", "Sarge vas
    melted by Angelyss's plasmagun") or a death ("Tony blew himself up."), in a video whose kill and
    death lines name `names`: "kill" or "death", else None. The shapes are the loose ones of
    `victim_of` (a name, then another name's thing), so the one killed, and for a kill line the one
    who killed, must be names the video's kill feed already gave; any other text is no obituary."""
    known = list(names)
    first = label.split()[0] if label.split() else ""
    if not known or not first or ":" in first:
        return None  # a chat line "Tony: I just couldn't take it anymore." is someone talking

    def is_known(name: str | None) -> bool:
        return bool(name) and any(same_name(name or "", n) for n in known)

    if (m := _SELF.match(label)) and is_known(m.group("v")):
        return "death"
    if (m := _PASSIVE.search(label)) and is_known(m.group("v")):
        return "kill"  # "Sarge was shredded by" (the killer cut off): still Sarge's death
    if (m := _OWNER.search(label)) and is_known(m.group("v")) and is_known(_POSSESSIVE.sub("", m.group("k"))):
        return "kill"
    # "Kyonshi almost dodged Sorce": the killer's name cut at the feed's edge, its "'s" with it; the words
    # after a known name are those the video's own kill lines use ("Major almost dodged Tony's rocket"):
    # a death (of the one named; who killed is not read)
    rest = " ".join(label.split()[1:]).lower()
    if is_known(first) and any(rest.startswith(p + " ") for p in phrases):
        return "death"
    return None
