"""Hybrid search across the library: BM25 over segment text + vector search over text embeddings
(+ SigLIP2 text-to-picture vectors when the KB has them), fused with reciprocal rank fusion, then
each segment is narrowed to the moments in it that match the question.

User values never reach a filter string: videos become integer ids through SQL with bound
parameters, times are floats we format ourselves, and the full-text query is reduced to words.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import Any, Collection, Sequence

from kb import kinds
from kb.lance import FoundSegment, RecordedMoment
from kb.models.vocabulary import vocabulary
from kb.schema import clock_series
from kb.store import KnowledgeBase
from retrieval.obituaries import numbered_apart
from retrieval.query import LIGHT_WORDS, Query, parse, words
from retrieval.types import Matched, Moment

RRF_K = 60  # the usual reciprocal-rank-fusion constant (Cormack et al. 2009)
MAX_WINDOW_S = 15.0  # a hit is a moment, not a minute
MIN_RELATIVE_MATCH = 0.6  # a moment's match must reach this share of the best match in the results
MATCH_FLOOR = 0.5  # ... and at least this share of the question's (weighted) words to count as a match
NAME_MISSED = 0.5  # a moment without a name the question gives: its score this much lower, and under the floor
SHORT_NAME_MIN, SHORT_NAME_SHARE = 6, 0.75  # a video's name shortened to at least this many letters and share of it
THING_WORDS = 5  # a label this short may be the name of a thing ("pump-action shotgun", "Picked up a rocket.")
LIGHT_WEIGHT = 0.25  # the weight of a verb that only says how the player asks (retrieval.query.LIGHT_WORDS)
HEAD_MISSED = 0.8  # "shotgun" meets "shotgun shells": a match, ranked after the "pump-action shotgun"
# a word of the question found only among the words a kind of alternatives adds to an event
# (`EventKind.alternatives`: "round lap level wave stage turn match race start ..."): "match start"
# finds any round event so, and "match start, fight!" by its own words first
KIND_ONLY = 0.9
SPEECH_BOOST = 1.5  # a question about speech: speech that holds two thirds of its words is a match
AUTO_CLOSEST = 3  # closest moments shown unasked when nothing matched (those sharing a word with the question)
LEAD_S = 0.5  # a moment's window opens this much before its first sighting (2 fps sampling lag)


@dataclass
class Filters:
    videos: Sequence[str] | None = None
    kinds: Sequence[str] | None = None
    t_from: float | None = None
    t_to: float | None = None
    games: Sequence[str] | None = None  # game packs the videos were read with ("doom", a plugin's ...)


# irregular forms players write for what the screen says ("when did I get ..." / "You got ...")
IRREGULAR = {"got": "get", "gotten": "get", "found": "find", "fell": "fall", "threw": "throw", "thrown": "throw",
             "shot": "shoot", "ran": "run", "saw": "see", "took": "take", "lost": "lose", "won": "win",
             "blew": "blow", "blown": "blow", "ate": "eat", "eaten": "eat", "began": "begin", "begun": "begin",
             "beaten": "beat", "fought": "fight", "caught": "catch", "struck": "strike",
             "left": "leave", "broke": "break", "broken": "break", "froze": "freeze", "frozen": "freeze",
             "drove": "drive", "driven": "drive", "rode": "ride", "ridden": "ride", "flew": "fly", "flown": "fly",
             "swam": "swim", "sank": "sink", "sunk": "sink", "stole": "steal", "stolen": "steal", "hid": "hide",
             "bit": "bite", "bitten": "bite", "gave": "give", "given": "give", "fled": "flee", "led": "lead",
             "grew": "grow", "grown": "grow", "built": "build", "bought": "buy", "sold": "sell", "spent": "spend",
             "held": "hold", "kept": "keep", "paid": "pay", "sent": "send", "brought": "bring", "drew": "draw",
             "drawn": "draw", "dealt": "deal", "slew": "slay", "slain": "slay", "rose": "rise", "risen": "rise",
             "chose": "choose", "chosen": "choose", "went": "go", "came": "come", "made": "make", "told": "tell",
             "wore": "wear", "worn": "wear", "shook": "shake", "spoke": "speak", "spoken": "speak", "knew": "know"}


@functools.lru_cache(maxsize=1 << 16)
def stems_of(w: str) -> frozenset[str]:
    """The word and the stems it may have: "died" -> die/di, "dying" -> die, "weapons" -> weapon,
    "picked" -> pick, "got" -> get, "winner" -> win (so "who won?" meets "Winner: Windows"). A loose
    English stemmer (two words match when their sets meet), enough for players' questions against
    event text."""
    out = {w}
    for suffix, repl in (("ying", "ie"), ("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("ed", ""),
                         ("ed", "e"), ("es", ""), ("s", ""), ("er", "")):
        stem = w[: -len(suffix)] + repl
        if w.endswith(suffix) and len(stem) >= 3:
            out.add(stem)
            if not repl and stem[-1] == stem[-2] and stem[-1] not in "aeioulsfz":
                out.add(stem[:-1])  # "winner" -> win, "stopped" -> stop (not "kill", "pass")
    if w in IRREGULAR:
        out.add(IRREGULAR[w])
    if w.endswith(("self", "selves")) and len(w) > 5:
        out.add("self")  # "blow himself up" meets "Hawk03: blew myself up", a log that speaks for the player
    return frozenset(out)


# short words OCR glues to the word beside them when a font's spaces are narrow ("1st placewith 10")
GLUE_WORDS = ("with", "of", "the", "and", "to", "in", "on", "at", "by", "for", "a")


JOINED_MIN = 3  # letters of each of two words a large font's narrow space runs together ("Finallap!")


@functools.lru_cache(maxsize=1 << 16)
def _glued(q: str, t: str) -> bool:
    """t is q with a short word glued on, before or after ("placewith" holds "place"), or q and
    another word of the dictionary run together where t is no word itself ("finallap" holds
    "final" and "lap")."""
    if not len(t) > len(q) >= JOINED_MIN:
        return False
    rest = t[len(q):] if t.startswith(q) else t[:-len(q)] if t.endswith(q) else None
    if rest is None:
        return False
    vocab = vocabulary()
    return rest in GLUE_WORDS or (len(rest) >= JOINED_MIN and rest in vocab and t not in vocab)


# characters OCR reads for one another in small fonts: "lst" is "1st", "l0st" is "lost", "5core" is "score"
_LOOKALIKE = str.maketrans({"0": "o", "1": "l", "i": "l", "5": "s"})


@functools.lru_cache(maxsize=1 << 16)
def _lookalike(w: str) -> str:
    return w.translate(_LOOKALIKE)


def _word_match(q: str, tw: set[str], stems: set[str]) -> float:
    """1 for the word itself, a shared stem, the word with a short one glued to it by OCR ("placewith")
    or with a digit misread for a letter that looks like it ("lst" for "1st"), 0.7 for a near
    spelling (OCR and ASR noise), else 0."""
    if q in tw or not stems.isdisjoint(stems_of(q)) or any(_glued(q, t) for t in tw):
        return 1.0
    if len(q) >= 3 and any(len(t) == len(q) and t != q and _lookalike(t) == _lookalike(q) for t in tw):
        return 1.0
    if len(q) >= 4 and any(len(t) >= 4 and _near(q, t) and not _other_word(q, t) for t in tw):
        return 0.7
    return 0.0


def _other_word(q: str, t: str) -> bool:
    """Are both words of the dictionary, and not forms of one word? "down" is no misread of "drown",
    nor "last" of "lost" (a read "Arnaqetron" or "Windous" is of "Armagetron", "Windows"). Nor is
    one numbered name another's ("hawk03", "hawk00")."""
    vocab = vocabulary()
    return (q in vocab and t in vocab) or numbered_apart(q, t)


@functools.lru_cache(maxsize=1 << 16)
def _near(a: str, b: str) -> bool:
    """A near spelling: the same word misread or misheard (a library repeats its words: cached)."""
    return SequenceMatcher(None, a, b).ratio() >= 0.8


def _all_stems(ws) -> set[str]:
    return set().union(*map(stems_of, ws)) if ws else set()


def match_score(query_words: Sequence[str], text: str, weights: Sequence[float] | None = None) -> float:
    """Weighted share of the query's content words found in text (weights default to 1 each)."""
    if not query_words:
        return 0.0
    tw = set(words(text))
    stems = _all_stems(tw)
    weights = weights or [1.0] * len(query_words)
    got = sum(w * _word_match(q, tw, stems) for q, w in zip(query_words, weights))
    return got / sum(weights)


def word_weights(query_words: Sequence[str], texts: Sequence[str], light: Collection[str] = ()) -> list[float]:
    """Inverse document frequency of each query word over the candidate moments: in "picked up a
    missile", "picked" and "up" are on every pickup and should count for less than "missile". A verb
    that only says how the player asks ("get", "used", "people") counts for a quarter (retrieval.query.LIGHT_WORDS),
    and for nothing when no candidate holds it: "what weapons did people use?" is about the weapons. So
    do the `light` words of this question ("a hedgehog" of "when did a hedgehog drown?": `Query.subjects`)."""
    docs = [(set(ws), _all_stems(ws)) for ws in (words(t) for t in texts)]
    n = len(docs)
    out = []
    for q in query_words:
        df = sum(1 for tw, stems in docs if _word_match(q, tw, stems) > 0)
        is_light = q in LIGHT_WORDS or q in light
        out.append(0.0 if is_light and df == 0 else math.log(1.0 + (n + 1) / (df + 1)) * (LIGHT_WEIGHT if is_light else 1.0))
    return out


def known_names(q: Query, texts: Sequence[str]) -> list[str]:
    """The names the question gives ("Tony") that the library's moments hold somewhere, as
    written or misread ("Arnaqetron" for "Armagetron"): a match must hold them too. A name found
    nowhere (a player never seen) asks nothing of the moments, as any other word."""
    if len(q.words) < 2 or not q.names:
        return []
    asked = [n for n in q.names if n in q.words]
    found: set[str] = set()
    for text in texts:
        tw = set(words(text))
        stems = _all_stems(tw)
        found.update(n for n in asked if n not in found and _word_match(n, tw, stems) > 0)
        if len(found) == len(asked):
            break
    return [n for n in asked if n in found]


def _holds(text: str, names: Sequence[str]) -> bool:
    """The text holds every one of the names, as written or misread."""
    tw = set(words(text))
    stems = _all_stems(tw)
    return all(_word_match(n, tw, stems) > 0 for n in names)


def _label_words(label: str) -> list[str]:
    """The words of an event label that name the thing, without numbers or a parenthesis
    ("player died (health 0)" -> player, died)."""
    return [w for w in words(re.sub(r"\([^)]*\)", " ", label or "")) if not w.isdigit()]


def judge(q: Query, text: str, label: str = "", source: str = "", weights: Sequence[float] | None = None,
          required: Sequence[str] = (), kind: str = "") -> tuple[float, bool]:
    """How well one recorded moment matches the question: (score 0..1, whether it may count as a match).

    The score is the weighted share of the question's words the moment holds, lowered by a fifth
    when the moment's label is a compound whose head the question does not name: for "shotgun", a
    "pump-action shotgun" is the thing itself and "shotgun shells" are something for it (the head of
    an English noun compound is its last word). The moment cannot count as a match when the question
    names a compound and the moment is the compound's first word alone (its label ends with it): a
    "missile" is not a "missile launcher" (issue 13); "team namna" may still be a misread "team omega".
    A moment that lacks one of the `required` names is about someone else ("Sarge tripped on his own
    grenade" for "when did Tony trip on his own grenade?"): under the match floor whatever else it
    holds, so at most one of the closest moments; so is one that holds the names and nothing else
    the question asks. Both compound rules hold only for labels of up to
    `THING_WORDS` words, and not for a notice of words apart ("match start, fight!").
    `kind`: the moment's event kind, whose words in `text` count `KIND_ONLY` when they are
    alternatives."""
    if not q.words:
        return 0.0, False
    tw = set(words(text))
    stems = _all_stems(tw)
    light = LIGHT_WORDS | set(q.subjects)
    weights = list(weights or [LIGHT_WEIGHT if w in light else 1.0 for w in q.words])
    hits = {w: _word_match(w, tw, stems) for w in q.words}
    own = _own_words(text, kind)
    if own is not None:
        own_stems = _all_stems(own)
        hits = {w: max(_word_match(w, own, own_stems), KIND_ONLY * h) if h else h for w, h in hits.items()}
    if not any(hits[w] for w in q.words if w not in light) and any(w not in light for w in q.words):
        return 0.0, True  # only "get" or "used" in common: nothing about the thing asked for
    score = sum(wt * hits[w] for w, wt in zip(q.words, weights)) / (sum(weights) or 1.0)
    all_lw = _label_words(label)
    head = all_lw[-1] if all_lw else ""
    # a long line that happens to end with the word is no name of a thing: "... Version: bonecrusher
    # (12.01.2021)" is about the "BoneCrusher AI"
    ok = len(words(label or "")) > THING_WORDS or not any(
        hits.get(a, 0) > 0 and hits.get(b, 0) == 0 and _word_match(a, {head}, set(stems_of(head))) == 1.0
        for a, b in q.pairs)
    ok = ok and _numbered_ok(q, label, source)
    lw = all_lw if source != "speech" and not re.search(r"[,!?]\s+\w", label or "") else []
    if 2 <= len(lw) <= THING_WORDS and score > 0:
        head = lw[-1]
        named = [w for w in q.words if w not in LIGHT_WORDS]
        if not any(_word_match(w, {head}, set(stems_of(head))) for w in named) and \
                any(_word_match(w, set(lw[:-1]), _all_stems(lw[:-1])) for w in named):
            score *= HEAD_MISSED
    if any(not hits.get(n, 0.0) for n in required):
        score = min(score * NAME_MISSED, NAME_MISSED * MATCH_FLOOR)
    elif required and (asked := [w for w in q.words if w not in light and w not in required]) and not any(hits[w] for w in asked):
        # the name alone: "BoneCrusher: Here my new shiny Truck" is no answer to "when did BoneCrusher say hello?"
        score = min(score, NAME_MISSED * MATCH_FLOOR)
    return score, ok


def _own_words(text: str, kind: str) -> set[str] | None:
    """The words of an event's searchable text but for those its kind adds (its name and its
    words, `ingest.events.searchable`); None for no kind, or one whose words are synonyms."""
    added = kinds.get(kind) if kind else None
    if added is None or not added.alternatives or not added.words:
        return None
    own = text.replace(added.words, " ")
    name = kind.replace("_", " ")
    return set(words(own[len(name):] if own.startswith(name + " ") else own))


def _numbered_ok(q: Query, label: str, source: str) -> bool:
    """"lap 2", "turn 5", "round 2": a word and the number after it name one of a series; a moment is
    that one only when its own label says both. The words an event kind adds to the searchable text
    ("round lap level wave stage turn ...") make any round event hold "lap", and "Go (round 2 of 30)!"
    holds the 2: it is round 2, not lap 2. Speech and unlabelled windows are not held to it."""
    if not label or source == "speech":
        return True
    numbered = q.numbered
    if not numbered:
        return True
    lw = set(words(label))
    stems = _all_stems(lw)
    # "Lap2": OCR runs a word and its number together
    return all((b in lw and _word_match(a, lw, stems) > 0) or a + b in lw or a + "s" + b in lw for a, b in numbered)


def named(query_words: Sequence[str], names: Sequence[str]) -> list[str]:
    """The names (HUD values such as "health", "armor_pct") whose every word the query holds, exactly or
    by stem: "how much health ..." names "health"; the match clock the generic path found is named by
    "time" and "timer" too ("what was the race time at the end?")."""
    out = []
    for name in names:
        parts = words(name.replace("_", " "))
        if parts and all(any(_word_match(w, {p}, set(stems_of(p))) == 1.0 for w in query_words) for p in parts):
            out.append(name)
        elif clock_series(name) and {"time", "timer"} & set(query_words):
            out.append(name)
    return out


def named_videos(kb: KnowledgeBase, q: Query, f: Filters) -> tuple[Query, Filters]:
    """A question that names videos by their game or name ("deaths in redeclipse", "the openarena
    video", "in doom") asks about those videos: they become the filter, and their words leave the
    words to match. A word every ready video answers to is no filter, nor a question of nothing
    but such words. Nothing changes when the caller already chose videos."""
    if f.videos or q.video or not q.words:
        return q, f
    ready = kb.ready_names()
    if len(ready) < 2:
        return q, f
    keys = {}
    for name, game in ready:
        first = re.split(r"[^a-z0-9]+", name.lower())[0]
        keys[name] = {name.lower(), first, first.rstrip("0123456789")} | (
            {game.lower()} if game and game != "generic" else set())
    chosen: list[str] = []
    used: set[str] = set()
    # a name written in words ("red eclipse", "open arena", "warzone 2100") is the name run together
    spans = [(w, (w,)) for w in q.words] + [("".join(q.words[i:i + n]), tuple(q.words[i:i + n]))
                                           for n in (2, 3) for i in range(len(q.words) - n + 1)]
    for w, parts in spans:
        if len(w) < 4:
            continue
        # "armagetron" for armagetronad_ai_match: most of its first word, as players shorten a game's name
        # (not a word written as a name: "when did Armagetron die?" asks about a player called so)
        hits = [name for name, k in keys.items() if w in k or (w not in q.names and any(
            len(w) >= SHORT_NAME_MIN and len(w) >= SHORT_NAME_SHARE * len(key) and key.startswith(w) for key in k))]
        if hits and len(hits) < len(ready):
            used.update(parts)
            chosen.extend(h for h in hits if h not in chosen)
    rest = [w for w in q.words if w not in used]
    # "doom" alone, or "when did I get the shotgun?" beside a video named shotgun_run, is a search for
    # that word; "at 1:30 in doom", "at the end of doom", "what happened in the hedgewars match?",
    # "how many rounds were played in armagetron?" and "what did I pick up in doom?" are not
    located = any(re.search(rf"\b(?:in|from|during|of)\s+(?:the\s+)?{re.escape(w)}", q.text, re.I) for w in used)
    if not chosen or not ([w for w in rest if w not in LIGHT_WORDS] or q.at is not None or q.edge or q.summary or q.length
                          or q.noun or q.ordinal or (located and rest)):
        return q, f
    # "what team am I on in red eclipse?": the noun asked for, where the video's name was all the rest
    # (`parse` leaves a list's subject out when other words say what it did: "which hedgehog drowned?")
    rest = rest or ([q.noun] if q.noun and q.listing and q.noun.lower() in q.text.lower().split() else [])
    return replace(q, words=rest, pairs=[p for p in q.pairs if not used & set(p)]), replace(f, videos=chosen)


def _where(ids: Sequence[int] | None, window: tuple[float, float] | None,
           pairs: Sequence[tuple[int, int]] | None, hidden: Sequence[int] = ()) -> str | None:
    """A LanceDB filter from typed values only: `ids` (None: every video but the `hidden` ones),
    a time window, and (video, segment) pairs."""
    clauses = []
    if ids is not None:
        clauses.append(f"video_id IN ({', '.join(str(int(i)) for i in ids)})")
    elif hidden:
        clauses.append(f"video_id NOT IN ({', '.join(str(int(i)) for i in hidden)})")
    if window is not None:
        lo, hi = window
        clauses.append(f"end_s >= {float(lo):.3f} AND start_s <= {float(hi):.3f}")
    if pairs is not None:
        by_video: dict[int, list[int]] = {}
        for v, i in pairs:
            by_video.setdefault(int(v), []).append(int(i))
        ors = [f"(video_id = {v} AND idx IN ({', '.join(map(str, sorted(set(ix))))}))" for v, ix in by_video.items()]
        clauses.append("(" + " OR ".join(ors) + ")" if ors else "false")
    return " AND ".join(clauses) or None


def _window(q: Query, f: Filters) -> tuple[float, float] | None:
    lo, hi = (q.window if q.window else (None, None))
    if f.t_from is not None:
        lo = max(lo or 0.0, f.t_from)
    if f.t_to is not None:
        hi = min(hi, f.t_to) if hi is not None else f.t_to
    if lo is None and hi is None:
        return None
    return (lo or 0.0, hi if hi is not None else 1e12)


def asked_ids(kb: KnowledgeBase, q: Query, f: Filters) -> list[int] | None:
    """The ready videos the question or the filters name (or whose game they name); None for every
    video: listing a million segments' worth of ready ids in a filter costs more than the search."""
    names = list(f.videos or []) + ([q.video] if q.video else [])
    return kb.ready_ids(names, f.games) if names or f.games else None


def segment_hits(kb: KnowledgeBase, q: Query, f: Filters, k: int) -> list[tuple[FoundSegment, float]]:
    """Segments ranked by RRF over the full-text and vector lists, within the filters."""
    ids = asked_ids(kb, q, f)
    if ids == []:
        return []
    pairs = None
    if f.kinds:
        pairs = sorted({(e.video_id, e.segment_idx) for e, _ in kb.events(ids, f.kinds) if e.segment_idx is not None})
        if not pairs:
            return []
    where = _where(ids, _window(q, f), pairs, hidden=() if ids is not None else kb.hidden_ids())
    search_text = " ".join(q.words) or q.text
    ranked: list[list[FoundSegment]] = [kb.segments.fts(" ".join(words(search_text)), where, k)]
    if q.text.strip():
        from kb.models.embeddings import query_embedder

        manifest = kb.segments.manifest() or {}
        embedder = query_embedder(manifest.get("text_vec"))  # what made the table's text vectors (None: no table yet)
        if embedder is not None:
            ranked.append(kb.segments.vector("text_vec", embedder.encode([q.text])[0], where, k))
        visual = _visual_text_vector(manifest, q.text)
        if visual is not None:
            ranked.append(kb.segments.vector("visual_vec", visual, where, k))
    elif q.at is not None:  # a bare anchor ("@01:23") asks for whatever is there
        ranked.append(kb.segments.found(where, k))
    fused: dict[tuple[int, int], tuple[FoundSegment, float]] = {}
    for hits in ranked:
        for rank, row in enumerate(hits):
            key = (row.video_id, row.idx)
            prev = fused.get(key, (row, 0.0))[1]
            fused[key] = (row, prev + 1.0 / (RRF_K + rank + 1))
    return sorted(fused.values(), key=lambda rs: -rs[1])


def _visual_text_vector(manifest: dict[str, Any], text: str):
    """The query in the visual space, when the KB's visual vectors come from a model with a text
    tower (SigLIP2 in the full profile); None for the lite colour descriptor."""
    spec = manifest.get("visual_vec", {})
    if not spec.get("text_search"):
        return None
    with _loading:  # the web app's search threads: a cold burst loads the model once, not once per thread
        encoder = _visual_encoder(spec["backend"], spec["model"])
    return encoder.encode_texts([text])[0]


_loading = threading.Lock()


@functools.lru_cache(maxsize=2)
def _visual_encoder(backend: str, model: str):
    from kb.models import registry

    return registry.create("visual", backend, model=model)


def _candidates(moments: list[RecordedMoment], q: Query, f: Filters, weights: Sequence[float] | None,
                memo: dict | None = None, required: Sequence[str] = ()) -> list[tuple[float, bool, RecordedMoment]]:
    """(match score, may count as a match, moment) for each moment recorded in a segment row.
    `memo`: judgements of one search by (text, label, source); a library repeats its messages."""
    out = []
    memo = {} if memo is None else memo
    for moment in moments:
        t0, source, kind, label, text = moment.t_start, moment.source, moment.kind, moment.label, moment.text
        if f.kinds and kind not in f.kinds:
            continue
        if q.at is not None and q.window is not None and not q.words:  # "@01:23 what happened?": everything near that time
            lo, hi = q.window
            s, ok = (1.0 - min(abs(t0 - q.at), 20.0) / 40.0 if lo <= t0 <= hi and kind != "scene" else 0.0), True
        elif q.speech and not q.words:  # "what did I say?": everything said ("what did my allies say?": in the chat)
            s, ok = (1.0 if (kind == "chat" if q.chat else source == "speech") else 0.0), True
        else:
            key = (text, label, source, kind)
            if key not in memo:
                memo[key] = judge(q, text, label, source, weights, required, kind)
            s, ok = memo[key]
            if q.speech and (source == "speech" or kind == "chat"):  # "when did I say ...": in other words, or misheard
                s = min(1.0, s * SPEECH_BOOST)
        out.append((s, ok, moment))
    return out


def _moments(row: FoundSegment, seg_score: float, cands: list[tuple[float, bool, RecordedMoment]], floor: float,
             paths: dict[int, str], q: Query | None = None, recorded: Sequence[RecordedMoment] = (),
             weights: Sequence[float] | None = None, memo: dict | None = None, required: Sequence[str] = ()) -> list[Moment]:
    """Narrow a segment to the moments in it that match the question (a segment can hold several).
    A segment without one stays one moment over its whole window, marked `closest` (not a match),
    described by what in it comes nearest to the question and what else happened there."""
    base: dict[str, Any] = dict(video=row.video, video_path=paths.get(row.video_id, ""), video_id=row.video_id,
                segment_id=row.idx, text=row.text, keyframe_t=row.keyframe_s)
    good = sorted((c for c in cands if c[0] > 0 and c[1] and c[0] >= floor), key=lambda c: (-c[0], c[2].t_start))
    if not good and q is not None and q.words:
        # text the segment holds outside its moments (screen text no event was made of, such as a
        # score that stays on screen) can match too: then the whole window is the match
        rest = row.text
        for m in recorded:
            rest = rest.replace(m.text, " ", 1)
        memo = {} if memo is None else memo
        if (rest, None, None) not in memo:
            memo[(rest, None, None)] = judge(q, rest, weights=weights, required=required)
        s, ok = memo[(rest, None, None)]
        if ok and s >= floor:
            return [Moment(start_s=row.start_s, end_s=min(row.end_s, row.start_s + MAX_WINDOW_S),
                           score=seg_score * (1.0 + s), match=round(s, 4), closest=False,
                           same_thing=True, **base)]
    if not good:
        labels = [_matched(m) for _, _, m in cands if m.kind != "scene"]
        near = max((c for c in cands if c[0] > 0), key=lambda c: (c[1], c[0]), default=None)
        s, ok = (near[0], near[1]) if near else (0.0, False)
        # cited where its nearest line was read, not where its segment begins
        start = max(row.start_s, near[2].t_start - LEAD_S, 0.0) if near else row.start_s
        return [Moment(start_s=start, end_s=min(row.end_s, start + MAX_WINDOW_S),
                       score=seg_score * (0.5 + s), match=round(s, 4), closest=True,
                       matched=[_matched(near[2])] if near else [], nearby=labels, same_thing=ok, **base)]
    out = []
    for s, _ok, m in good:
        start = max(row.start_s - LEAD_S, m.t_start - LEAD_S, 0.0)
        end = min(start + MAX_WINDOW_S, max(m.t_end, m.t_start) + LEAD_S)
        out.append(Moment(start_s=round(start, 2), end_s=round(end, 2), score=seg_score * (1.0 + s),
                          match=round(s, 4), closest=False, matched=[_matched(m)], same_thing=True, **base))
    return out


def said(m: RecordedMoment | Matched) -> bool:
    """Something someone said: speech heard, or a chat line read ("Sarge: Yep")."""
    return m.source == "speech" or m.kind == "chat"


def _matched(m: RecordedMoment) -> Matched:
    return Matched(t=m.t_start, source=m.source, kind=m.kind, label=m.label)


def _diversify(moments: list[Moment]) -> list[Moment]:
    """Each further hit from the same video counts a little less, so other videos get a say."""
    seen: dict[int, int] = {}
    rescored = []
    for m in sorted(moments, key=lambda m: -m.score):
        n = seen.get(m.video_id, 0)
        seen[m.video_id] = n + 1
        rescored.append((m.score / (1.0 + 0.15 * n), m))
    return [m for _, m in sorted(rescored, key=lambda sm: -sm[0])]


def _dedupe(moments: list[Moment]) -> list[Moment]:
    """Drop repeats: the same thing in the same video starting within 2 s (overlapping segments)."""
    out: list[Moment] = []
    starts: dict[tuple[int, str | None], list[float]] = defaultdict(list)  # (video, what) -> starts kept

    for m in moments:
        key = (m.video_id, m.matched[0].label if m.matched else "")
        if any(abs(t - m.start_s) < 2.0 for t in starts[key]):
            continue
        starts[key].append(m.start_s)
        out.append(m)
    return out


def _ranked(moments: list[Moment]) -> list[Moment]:
    """Best match first (in tiers of 0.1, so "pump-action shotgun" comes before "shotgun shells" for
    "shotgun"), and within a tier the fused search order, other videos getting a say."""
    multi = len({m.video_id for m in moments}) > 1
    ordered = _diversify(moments) if multi else sorted(moments, key=lambda m: -m.score)
    return _dedupe(sorted(ordered, key=lambda m: -round(m.match, 1)))  # a stable sort keeps that order


def search(kb: KnowledgeBase, query: str | Query, limit: int = 10, filters: Filters | None = None,
           closest: bool = False, per_video: int | None = None) -> list[Moment]:
    """The moments that match the query, best first (`Moment.closest` False). After them, marked
    `closest`: with `closest`, the nearest moments that are not matches, up to `limit` in all;
    without it, only when nothing matched, and only the few that share a word with the query and
    are not something else ("missile" for "missile launcher"). A query without a word to match
    ("(((", "~") gets nothing unless it asks for closest moments.

    `per_video`: a question about each video of the library ("in each video"): at most this many
    matches per video, each video's matches judged against its own best one (one search over the
    library, not one per video)."""
    f = filters or Filters()
    # a question as the user typed it may name videos; a parsed Query comes from retrieval.evidence,
    # which has resolved them once for all its searches
    q, f = named_videos(kb, parse(query), f) if isinstance(query, str) else (query, f)
    if q.speech and not q.words and not f.kinds:  # "what did I say?": the speech, all of it
        f = replace(f, kinds=["chat"] if q.chat else ["speech"])  # "what did my allies say?": the chat
    if not q.words and q.at is None and not q.speech and not closest:
        return []
    hits = segment_hits(kb, q, f, k=max(limit * 3, 30))
    # Only ready videos are visible: a video whose rows landed in LanceDB after the filter above was
    # built, but whose SQL status is not `ready` yet, is dropped here.
    paths = kb.ready_paths(sorted({row.video_id for row, _ in hits}))
    hits = [(row, score) for row, score in hits if row.video_id in paths]
    recorded = [row.moments for row, _ in hits]
    texts = [m.text for ms in recorded for m in ms]
    weights = word_weights(q.words, texts, q.subjects) if len(q.words) > 1 else None
    required = known_names(q, texts)
    memo: dict = {}
    cands = [(row, score, _candidates(ms, q, f, weights, memo, required)) for (row, score), ms in zip(hits, recorded)]
    # "when did I say ...": what was said, when anything said matches
    if q.speech and any(s >= MATCH_FLOOR and ok and said(m) for _, _, cs in cands for s, ok, m in cs):
        cands = [(row, score, [c for c in cs if said(c[2])]) for row, score, cs in cands]
    # a match must hold half the question's words, and match at least 0.6 as well as the best one
    # anywhere: "pick up health packs" should not list every ammo pickup for sharing "picked up"
    if per_video:
        best_of: dict[int, float] = defaultdict(float)
        for row, _, cs in cands:
            best_of[row.video_id] = max([best_of[row.video_id], *(s for s, ok, _ in cs if ok)])
        floors = {v: max(MATCH_FLOOR, MIN_RELATIVE_MATCH * b) for v, b in best_of.items()}
    else:
        best = max((s for _, _, cs in cands for s, ok, _ in cs if ok), default=0.0)
        floors = defaultdict(lambda: max(MATCH_FLOOR, MIN_RELATIVE_MATCH * best))
    moments = [m for (row, score, cs), ms in zip(cands, recorded)
               for m in _moments(row, score, cs, floors[row.video_id], paths, q, ms, weights, memo, required)]
    matches = _ranked([m for m in moments if not m.closest])
    if per_video:
        taken: dict[int, int] = defaultdict(int)
        kept = []
        for m in matches:
            if taken[m.video_id] < per_video:
                taken[m.video_id] += 1
                kept.append(m)
        matches = kept
    matches = matches[:limit]
    # the closest moments in the fused search order (their few shared words say little about them)
    rest = _dedupe(_diversify([m for m in moments if m.closest]))
    if q.speech:  # a question about speech: what was said comes first among the closest too
        rest.sort(key=lambda m: not (m.matched and said(m.matched[0])))
    if required:  # ... and those about the one the question names ("when did Armagetron die?")
        rest.sort(key=lambda m: not (m.matched and _holds(m.matched[0].label, required)))
    if closest:
        return matches + rest[:limit - len(matches)]
    if matches:
        return matches
    return [m for m in rest if m.match > 0 and m.same_thing][:min(AUTO_CLOSEST, limit)]
