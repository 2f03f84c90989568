"""What screen text tracks mean, for a game without a pack: HUD series, messages and their kinds.

Decided over the whole video, from the tracks of ingest/screen_text.py:
1. words (ingest/words.py): a track's text must be readable (real words, a name, or a number); a
   read that is mostly letters no dictionary knows ("ICKEG USHAU IEAUTHACE") is noise and never
   becomes an event;
2. HUD numbers: numbers that keep showing at one place with changing values are one state series
   (the turn timer, a score, health), named by a label beside them ("HEALTH", "SCORE") or by where
   they sit ("top-right"); the series is charted and its changes are searchable;
3. persistent text (labels, names over characters, the HUD's words: on screen for a large share of
   the video) is context, not an event;
4. transient text (a message, a kill-feed line, a caption, a floating number) is an event at its
   onset, typed by the pack's classifier if any, then by patterns over its words (kill, death,
   pickup, objective, round, achievement, damage); what no pattern types stays `text`.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from ingest.events import UNCERTAIN, despike
from ingest.screen_text import TextTrack, containment, digits, similarity, text_key
from ingest.types import EventRecord, GameState
from ingest.words import NAME, Duels, Names, classify_text, compound, folded, known_words, readable, sure_word, vocabulary
from kb.schema import CLOCK_SERIES, SCREEN_AREAS

_POPUP = re.compile(r"^[-+]?\d{1,4}$")  # a number alone, as a damage or score popup shows it


def pack_classifier(pack) -> Callable[[str], tuple[str, str, dict] | None] | None:
    """A pack's knowledge of its lines as one typing function for the text tracks: its own
    `classify` first, then its lexicon (a read snapped to a message the game prints)."""
    if pack.classify is None and not pack.lexicon:
        return None
    from ingest import snapping

    def classify(text: str) -> tuple[str, str, dict] | None:
        if pack.classify is not None:
            typed = pack.classify(text)
            if typed is not None:
                return typed
        entry, score = snapping.snap(text, pack)
        if entry is None:
            return None
        kind = "pickup" if entry.kind in pack.pickup_categories else entry.kind
        return kind, entry.label, {"category": entry.kind, "lexicon": entry.text, "snap": round(score, 3)}

    return classify


# ---------------------------------------------------------------------------------------------
# HUD numbers
# ---------------------------------------------------------------------------------------------

_VALUE = re.compile(r"^[^\w/]*(?:[xX]\s?)?([-+]?\d{1,6}(?:[.,]\d+)?)(?:\s*/\s*(\d{1,6}))?\s*%?[^\w]*$")  # ("x3": lives by an icon)
# a clock or a race timer: "9:51", "1:23.45", "1:02:03"
_CLOCK = re.compile(r"^(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:\.(\d{1,3}))?$")


def parse_value(text: str) -> float | None:
    """A HUD number: "75", "75%", "+100", "2/3" (the first), "9:51", "1:23.45" or "1:02:03" (in
    seconds), else None."""
    t = text.strip().replace("O", "0").replace("o", "0") if re.fullmatch(r"[\dOo:/%+\-., ]+", text.strip()) else text.strip()
    m = _CLOCK.match(t)
    if m:
        hours, minutes, seconds, fraction = m.groups()
        total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
        return total + float(f"0.{fraction}") if fraction else float(total)
    m = _VALUE.match(t)
    if m:
        return float(m.group(1).replace(",", ""))
    return None


_LABEL_WORDS = ("health", "hp", "life", "lives", "armor", "armour", "shield", "ammo", "score", "points", "pts",
                "lap", "round", "wave", "level", "time", "gold", "coins", "money", "kills", "frags", "stamina")


_LABELLED = re.compile(r"^\s*([A-Za-z][A-Za-z .']{0,18}?)\s*(?:[:=]\s*[$€£¥]|[:=]?)\s*([-+]?\d[\dOo]{0,6}(?:[.,]\d+)?)\s*"
                       r"(?:/\s*\d{1,7})?\s*(?:%|pts|points|hp)?\s*(?:\(\s*[-+]?\d{1,6}\s*\))?\s*$")  # "Gold: 16 (+1)", "Total: $1,260"


# a number with its unit after it ("123 km/h", "12 kills") or its currency before it ("$1,250")
_UNIT_AFTER = re.compile(r"^\s*([-+]?\d{1,3}(?:,\d{3})+|[-+]?\d{1,7}(?:\.\d+)?)\s*"
                         r"(km/h|kmh|kph|mph|m/s|kills|frags|coins|gold|lives|xp|hp)\s*$", re.I)
# (not "pts": Red Eclipse's team scores "[15 pts]", read in fragments beside the team names, "2714pts" among
# them, would make one series of two teams' scores)
_MONEY = re.compile(r"^\s*[$€£¥]\s*(\d{1,3}(?:,\d{3})+|\d{1,9}(?:\.\d+)?)\s*$")
_UNITS = {"km/h": "speed", "kmh": "speed", "kph": "speed", "mph": "speed", "m/s": "speed"}


def labelled_value(text: str) -> tuple[str, float] | None:
    """("health", 75.0) for "HEALTH 75", ("lap", 2.0) for "LAP 2/3", ("gold", 16.0) for "Gold: 16 (+1)"
    (the change beside it left out), ("speed", 123.0) for "123 km/h", ("money", 1250.0) for "$1,250";
    None when the words before the number are no dictionary words (a kill-feed fragment "julian
    (62)" has brackets anyway)."""
    if (unit := _UNIT_AFTER.match(text)) is not None:
        word = unit.group(2).lower()
        return _UNITS.get(word, word), float(unit.group(1).replace(",", ""))
    if (money := _MONEY.match(text)) is not None:
        return "money", float(money.group(1).replace(",", ""))
    m = _LABELLED.match(text)
    if not m:
        return None
    label = " ".join(m.group(1).lower().replace(".", " ").split())
    words = label.split()
    vocab = vocabulary()
    if not words or len(words) > 3 or not all(w in vocab or w in _LABEL_WORDS for w in words) or label == "x":
        return None  # ("x3": a count by an icon, no label: `parse_value`)
    return label, float(m.group(2).replace(",", "").replace("O", "0").replace("o", "0"))  # "6O": a misread 60


def _labelled_groups(tracks: Sequence[TextTrack]) -> list[tuple[str, list[tuple[TextTrack, float]]]]:
    """Tracks of one label at one place, with their values."""
    groups: list[tuple[str, tuple[float, float], list[tuple[TextTrack, float]]]] = []
    for tr in sorted(tracks, key=lambda tr: tr.t_start):
        got = labelled_value(tr.text)
        if got is None:
            continue
        label, value = got
        here = ((tr.first_box[0] + tr.first_box[2]) / 2, (tr.first_box[1] + tr.first_box[3]) / 2)
        for g_label, where, members in groups:
            if g_label == label and abs(where[0] - here[0]) <= 0.1 and abs(where[1] - here[1]) <= 0.05:
                members.append((tr, value))
                break
        else:
            groups.append((label, here, [(tr, value)]))
    return [(label, members) for label, _, members in groups]


def area_name(box: tuple[float, float, float, float]) -> str:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return SCREEN_AREAS[min(2, int(cy * 3))][min(2, int(cx * 3))]


@dataclass
class Slot:
    """A place on screen where numbers keep showing."""

    box: tuple[float, float, float, float]
    tracks: list[TextTrack]

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)


def _slots(numeric: Sequence[TextTrack]) -> list[Slot]:
    slots: list[Slot] = []
    for tr in sorted(numeric, key=lambda tr: tr.t_start):
        if tr.moved:
            continue  # a number that moves (a tag over a character, a floating damage number) is no HUD slot
        cx, cy = (tr.box[0] + tr.box[2]) / 2, (tr.box[1] + tr.box[3]) / 2
        h = tr.box[3] - tr.box[1]
        for s in slots:
            sx, sy = s.centre
            if abs(sy - cy) <= 0.6 * h and abs(sx - cx) <= max(1.5 * h, 0.5 * (s.box[2] - s.box[0])):
                s.tracks.append(tr)
                break
        else:
            slots.append(Slot(tr.box, [tr]))
    return slots


def _label_for(slot: Slot, words: Sequence[TextTrack]) -> str | None:
    """The persistent word just left of or above the slot ("HEALTH 75", "SCORE\\n1200")."""
    x0, y0, x1, y1 = slot.box
    h = y1 - y0
    best, best_d = None, 1e9
    for tr in words:
        key = tr.text.lower().strip(" :")
        if not any(key == w or key.startswith(w) for w in _LABEL_WORDS):
            continue
        bx0, by0, bx1, by1 = tr.box
        left = abs((by0 + by1) / 2 - (y0 + y1) / 2) <= 0.6 * h and 0 <= x0 - bx1 <= 4 * h
        above = 0 <= y0 - by1 <= 1.5 * h and min(x1, bx1) - max(x0, bx0) > 0
        if left or above:
            d = (x0 - bx1) if left else (y0 - by1)
            if d < best_d:
                best, best_d = key, d
    return best


def _clock(slot: Slot) -> str | None:
    """"clock" for a place whose numbers are mostly minutes:seconds ("9:51"), else None."""
    return CLOCK_SERIES if sum(bool(_CLOCK.match(tr.text.strip())) for tr in slot.tracks) > 0.5 * len(slot.tracks) else None


# ---------------------------------------------------------------------------------------------
# The whole video
# ---------------------------------------------------------------------------------------------


@dataclass
class ScreenReading:
    events: list[EventRecord]
    states: list[GameState]
    series: dict[str, str]  # series name -> what it means ("health", "score", "" when unknown)
    persistent: list[str]  # texts that stayed on screen (HUD words, names): no events (not indexed yet)


# a text on screen longer than this share of the video (all its tracks together) is persistent
PERSISTENT_SHARE = 0.15
PERSISTENT_MIN_S = 20.0
SLOT_MIN_VALUES = 3  # a place showing at least this many different numbers is a HUD series
SLOT_MANY_VALUES = 6  # ... and one showing this many is one even when read in few frames
SENTENCE_WORDS = 5  # words of a line that is a sentence, not a label
REPEAT_S = 4.0  # the same text again within this many seconds is the same event
# ... but a number that popped up, seen again more than this long after it was last seen, popped up
# again: damage "4" over one unit at 00:43 and 00:45 is two hits (a popup floats away in a second)
POPUP_REPEAT_S = 1.5
# a templated line's centre within this share of the frame's width and height of its group's first
TEMPLATE_NEAR_X, TEMPLATE_NEAR_Y = 0.08, 0.03
SAME_RUN = 3  # characters in a row that count when a read is found within another (`_same_message`)
LOG_EDGE = 0.02  # lines at left edges this close (of the frame's width) are the rows of one log
LOG_LINES = 3  # ... where at least this many other lines showed in the same row
MIN_TEXT_CONFIDENCE = 0.8  # an untyped line below this recogniser confidence is no event (typed ones: any)
MAX_POPUP_S = 3.0  # a number on screen longer than this (not at a HUD place) is a label, not a popup
SHORT_CALL = 8  # letters of a call ("Go!", "Fight!") that counts once read where other calls came
HUD_SURE = 0.7  # a HUD number read below this recogniser confidence is left out of its series, when most are above
SURE_READ = 0.9  # recogniser confidence from which a line of unknown words is taken as read right
LOG_LINE_SURE = 0.75  # ... and a log's line that scrolled, with a word of the dictionary in it
NOISY_SURE = 0.7  # ... and a noisy read whose words say what happened (below: late, garbled reads of lines up for seconds)
HUD_PLACE_S = 10.0  # numbers read at one place this long apart (3 times or more) are HUD, even unchanged


def read_tracks(tracks: Sequence[TextTrack], duration_s: float,
                classify: Callable[[str], tuple[str, str, dict] | None] | None = None) -> ScreenReading:
    duration_s = max(duration_s, 1.0)
    for tr in tracks:
        if tr.reads:
            # "25Health" twice and "25 Health" once are one text: show it with its words apart (and
            # "ArmorShard", which reads as a name, as "Armor Shard")
            key, apart = text_key(tr.text), len(tr.text.split())
            whole = readable(tr.text)
            tr.shown = next((t for t, _ in tr.reads if text_key(t) == key and (not whole or len(t.split()) > apart) and readable(t)), None)
    numeric = [tr for tr in tracks if parse_value(tr.text) is not None and not _MONEY.match(tr.text)]  # "$1,250": money
    words = [tr for tr in tracks if parse_value(tr.text) is None and readable(tr.text)]

    # 2. HUD numbers
    states: dict[float, dict[str, float]] = defaultdict(dict)
    series: dict[str, str] = {}
    in_series: set[int] = set()
    hud_events: list[EventRecord] = []
    hud_places: list[tuple[float, float, float, float]] = []  # numbers that stay, changing or not

    def record(name: str, meaning: str, readings: list[tuple[TextTrack, float]], of: int | None = None) -> None:
        """One HUD series: its state samples, at both ends of each track (the value held until
        then: a drop is dated from its last sample), and its changes as events. A track that
        went on after the next one began (the old value's pixels still matched for a frame) ends
        where the next begins."""
        while name in series:
            name += "'"
        series[name] = meaning
        readings = sorted(readings, key=lambda r: r[0].t_start)
        starts = [tr.t_start for tr, _ in readings[1:]] + [float("inf")]
        points = sorted({(t, float(v)) for (tr, v), nxt in zip(readings, starts)
                         for t in (tr.t_start, max(tr.t_start, min(tr.t_end, nxt)))})
        for t, v in points:
            states[round(t, 3)][name] = v
        hud_events.extend(_changes(name, points, duration_s, of))

    for slot in _slots(numeric):
        ordered = sorted(slot.tracks, key=lambda tr: tr.t_start)
        counted = _counter_reads(ordered)  # "1/3", "2/3": a counter, its misreads mended or left out
        values = {v for _, v in counted.reads} if counted else {parse_value(tr.text) for tr in slot.tracks}
        span = max(tr.t_end for tr in slot.tracks) - min(tr.t_start for tr in slot.tracks)
        shown_s = sum(tr.duration + 0.5 for tr in slot.tracks)  # + one sampling step per track
        if span < HUD_PLACE_S and sum(len(run) for run in _countdowns(ordered)) == len(slot.tracks):
            continue  # "3", "2", "1" and gone: a countdown, no HUD place
        if len(values) < (2 if counted else SLOT_MIN_VALUES):
            if len(slot.tracks) >= SLOT_MIN_VALUES and span >= HUD_PLACE_S:
                hud_places.extend(tr.box for tr in slot.tracks)  # a number that stays: 100 health all along
            continue
        if sum(tr.popped for tr in slot.tracks) >= 0.5 * len(slot.tracks) and shown_s < 0.15 * span:
            continue  # numbers popping up now and then at one place: damage to a unit that stood there
        for tr in slot.tracks:
            in_series.add(tr.id)  # numbers that keep changing at one place are no popups either way
        # a HUD number shows for most of a long stretch; a tag that stood still a while does not.
        # Small digits over a moving view are read in only some frames (Red Eclipse's health and
        # ammo: a third of them): a place that showed many different numbers needs less.
        if span < min(30.0, 0.3 * duration_s) or shown_s < (0.4 if len(values) < SLOT_MANY_VALUES else 0.15) * span:
            continue
        label = _label_for(slot, words) or _clock(slot)
        if counted:
            record(label or area_name(slot.box), label or "", counted.reads, counted.of)
            continue
        # the place's unsure reads are mostly of what is beside the number (a flag icon read "50"
        # beside a lap counter "1/3"): the series is what was read surely, when that is most of it
        sure = [tr for tr in ordered if tr.confidence >= HUD_SURE]
        ordered = sure if len(sure) >= max(2, len(ordered) // 2) else ordered
        numbers = [v for v in (parse_value(tr.text) for tr in ordered) if v is not None]  # all of them: `numeric`
        # a read unlike both neighbours is a misread, unless the number stayed 10 s or more (gold 4
        # for a minute between two 11s is no spike)
        smooth = despike(numbers)
        record(label or area_name(slot.box), label or "",
               [(tr, v if tr.duration >= HUD_PLACE_S else smoothed) for tr, v, smoothed in zip(ordered, numbers, smooth)])

    # 2b. "HEALTH 75", "LAP 2/3", "Score: 1200": a label and its number read as one line
    for label, group in _labelled_groups(tracks):
        values = {v for _, v in group}
        span = max(tr.t_end for tr, _ in group) - min(tr.t_start for tr, _ in group)
        if len(values) < 2 and span < 0.2 * duration_s:
            continue
        for tr, _ in group:
            in_series.add(tr.id)
        record(label, next((w for w in _LABEL_WORDS if label == w or label.startswith(w)), label), group)

    # 3. persistent text
    total: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    texts: dict[str, str] = {}
    for tr in tracks:
        key = text_key(tr.text)
        total[key] += tr.duration
        count[key] += 1
        texts.setdefault(key, tr.text)
    limit = max(PERSISTENT_MIN_S, PERSISTENT_SHARE * duration_s)
    # long on screen, and either most of the video or again and again (a label, a name tag); one
    # long showing in the middle of the video is a message that stays ("match start, fight!", 30 s),
    # and a sentence shown again and again is a message that recurs (a console's "X lost 2 points
    # since it caused a general protection fault" after each death, 10 s each)
    _fold_misreads(total, count, texts)
    # ... and a line shown in more than one row of a log is a message the log prints again and again
    # ("Mouse movement", "Hawk: blew myself up"), not a label
    anchors = _Anchors(tracks)
    logged = _log_rows(tracks, anchors)
    persistent = {k for k, v in total.items() if v >= limit and (v >= 0.5 * duration_s or (count[k] >= 3 and not _sentence(texts[k])))}
    # (and a misread of such a line, read so in one row only: "Hak: blew myself up")
    log_lines = _Letters(sorted(logged))
    persistent = {k for k in persistent if k not in logged
                  and not any(similarity(k, line) >= 0.8 for line in log_lines.could_be(k, 0.8))}
    places = _places(tracks, logged)
    # a number is a tag where the detector read it at many places ("70" over a hedgehog); where it
    # was found popping up (new pixels, no line the detector saw) it is a popup wherever it shows:
    # damage "5" over one unit, then over others, is no tag, nor is it one for a "5" read in the HUD
    # (a number of the HUD's is no tag: a top bar shows gold "4" and villages "4" at places of their own)
    on_hud_places = _HudBoxes(hud_places).covers
    detected = _places([tr for tr in tracks if not tr.popped and tr.id not in in_series and not on_hud_places(tr.box)])
    places.update({text_key(tr.text): detected.get(text_key(tr.text), 1) for tr in numeric})
    # one read whole in its own box (a fuse's "3", a damage "7" in a frame) is a tag where the
    # detector read it at 3 places or more outside the HUD (a turn timer's "3" makes no tag)
    tagged = _places([tr for tr in numeric if not tr.popped and tr.id not in in_series])
    places.update({text_key(tr.text): tagged.get(text_key(tr.text), 1) for tr in numeric if tr.boxed})
    in_series |= _templated(tracks)
    # where the HUD lives: numbers that keep changing at one place, templated lines
    hud_boxes = _HudBoxes([tr.box for tr in tracks if tr.id in in_series] + hud_places)
    labels = _label_numbers(numeric, places)
    persistent_index = _Persistent(persistent)
    persistent_numbers = [(text_key(tr.text), tr.box) for tr in numeric
                          if text_key(tr.text) in persistent and text_key(tr.text).isdigit() and not tr.popped]
    tags = _Letters(sorted(k for k, n in places.items() if n >= 3 and len(k) >= 6))  # words shown all over: name tags
    fields = _Fields(tr for tr in words if text_key(tr.text) in persistent)

    # 4. transient text -> events
    events: list[EventRecord] = []
    shown: list[list] = []  # [text, last time on screen, where] of the messages of the last seconds

    def kept(tr: TextTrack) -> bool:
        """Not HUD, not a label, not a tag's number: a transient text that may be an event."""
        key = text_key(tr.text)
        if tr.id in in_series:
            return False
        # a number popping up is no persistent text for the same number staying elsewhere (gold "4" in
        # a top bar), but may be a cut-off piece of one beside it; one read whole in its own box is not
        if key.isdigit() and tr.popped:
            if not tr.boxed and any(key in p and _near(tr.box, box) for p, box in persistent_numbers):
                return False  # a piece of a number that stays beside it (the "7" of a "79" tag)
        elif key in persistent or (not tr.boxed and _persistent_like(key, persistent_index)):
            return False
        if fields.holds(tr):
            return False  # "Fastest: Windows 27.5" where the label "Fastest" stays: a HUD field's changing value
        if _piece_of(key, tags) and (classify is None or classify(tr.text) is None):
            return False  # "Brigade" of a "Blue Brigade" tag shown all over
        if parse_value(tr.text) is not None and (hud_boxes.covers(tr.box) or (not tr.popped and hud_boxes.on_bar(tr.box))):
            return False  # a misread or a cut-off part of a HUD number ("33" of the clock "9:33"), or one more
        if parse_value(tr.text) is not None and tr.text.strip()[:1] not in "+-" and digits(tr.text) in labels:
            return False  # a tag's number, or a piece of one ("10", "00" of a "100" tag)
        return True

    ordered = [tr for tr in sorted(tracks, key=lambda tr: tr.t_start) if kept(tr)]
    names = Names((tr.text for tr in words), numbered=(tr.text for tr in tracks))
    known = known_words(tr.text for tr in tracks)  # (all lines: a name read in a bitmap font is seldom readable)
    counting = {tr.id: g for g in _countdowns(ordered) for tr in g}
    made: list[TextTrack] = []  # the tracks that are events (`made_at`: their events' places)
    made_at: dict[int, int] = {}
    unplaced: list[tuple[TextTrack, str]] = []  # texts that are no message on their own, their words mended
    for tr in ordered:
        if tr.id in counting:
            run = counting[tr.id]
            if tr is run[0]:
                events.append(_countdown_event(run))
            continue
        typed = classify(tr.text) if classify is not None else None  # the pack's type of the line
        # its words mended: "glTron core dunped indous" reads as words, and names Windows, not Linux
        text = names.mend(tr.text)
        if not _message_like(tr, anchors, places, typed, text):
            if parse_value(tr.text) is None:
                unplaced.append((tr, text))  # (perhaps a message's other line or its end: `_second_lines`, `_beside`)
            continue
        # the same line read again, or after it scrolled: where it was last seen, or a few lines off;
        # not a copy printed anew at a log's last row while the other scrolled away ("Napoli can't
        # build Settlers yet." each turn), nor a number popping up elsewhere ("5" over another unit)
        shown = [m for m in shown if tr.t_start - m[1] <= REPEAT_S]  # (the rest are too old to come again)
        number = parse_value(tr.text) is not None
        near = _near if number else _rows_near  # (where first: it is cheap to tell)
        again = next((m for m in shown if near(tr.first_box, m[2]) and _same_message(text, m[0], known)
                      and not _shown_apart(tr, m[1], m[2]) and not (number and tr.popped and tr.t_start - m[1] > POPUP_REPEAT_S)), None)
        if again is not None:
            _seen_again(again, tr, text)
            continue
        shown.append([text, tr.t_end, tr.box])
        made.append(tr)
        made_at[tr.id] = len(events)
        event = _event(tr, typed, text)
        onset = _onset(tr, unplaced, known)
        events.append(event if onset >= tr.t_start else replace(event, t_start=onset))
    for m, tr in _beside(made, [tr for tr, _ in unplaced]):  # "Winner:" and, apart, "Armagetron": one line
        e = events[made_at[m.id]]
        label, said = f"{e.label} {tr.text}", f"{e.payload.get('text', e.label)} {tr.text}"
        events[made_at[m.id]] = replace(e, label=label, payload={**e.payload, "text": said})
    mended = {tr.id: text for tr, text in unplaced}
    for m, tr in _second_lines(made, [tr for tr, text in unplaced if readable(text)]):
        events.append(_event(tr, None, mended[tr.id]))
        # the message says what its other line says ("New fastest lap" by whom): an answer shows both
        e = events[made_at[m.id]]
        events[made_at[m.id]] = replace(e, label=f"{e.label} / {mended[tr.id]}")
    events += [_icon_kill(*duel) for duel in _icon_duels([tr for tr, _ in unplaced])]  # "Alice [rifle] Bob"
    events = _duels_typed(events)
    persistent_texts = sorted({tr.text for tr in tracks if text_key(tr.text) in persistent and readable(tr.text)})
    return ScreenReading(events=sorted(events + hud_events, key=lambda e: e.t_start),
                         states=[GameState(t=t, values=v) for t, v in sorted(states.items())],
                         series=series, persistent=persistent_texts)


ONSET_S = 10.0  # a message read surely may have been on screen this long before, read unsure
ONSET_GAP_S = 2.5  # ... its unsure reads each ending at most this long before the next began


def _onset(tr: TextTrack, unsure: list[tuple[TextTrack, str]], known: frozenset[str]) -> float:
    """When a message read surely first showed: a line of a log or a feed over a busy view is read
    garbled for seconds, and scrolls, before one read is sure ("llwaspierred hv" at 00:29, "was
    pierred hy" at 00:34 two rows up). The earliest of a chain of such reads, each in the rows
    near where the next began, on screen until about then, with most of its letters alike."""
    start, box, text = tr.t_start, tr.first_box, tr.text
    for p, _ in reversed(unsure):  # (by start time: the latest first, back over the last seconds only)
        if p.t_start < tr.t_start - ONSET_S:
            break
        if p.t_start >= start or p.t_end < start - ONSET_GAP_S or not _rows_near(p.box, box):
            continue
        if min(p.box[2], box[2]) - max(p.box[0], box[0]) <= 0:
            continue
        if len(text_key(p.text)) < 0.6 * len(text_key(tr.text)):
            continue  # a piece of it, or a word alike ("Sorceress" over her, before "You fragged Sorceress")
        # alike the sure read, or the read after it in the chain (two garbled reads of it may be more alike)
        if all(similarity(p.text, t) < 0.5 and containment(p.text, t, SAME_RUN) < 0.6 for t in {tr.text, text}):
            continue
        if _other_name(p.text, tr.text) or _other_ending(p.text, tr.text) or _words_apart(p.text, tr.text, known):
            continue  # another line of the same words: "You fragged Major" before "You fragged Sorceress"
        start, box, text = p.t_start, p.first_box, p.text
    return start


SECOND_LINE_S = 1.0  # a message's other line comes and goes with it, within this long


BESIDE_GAP = 2.5  # line heights between a message and the word that ends it, which the detector boxed apart
BESIDE_S = 10.0  # ... read at most this long after the message first was (and while it still is)


def _beside(made: list[TextTrack], texts: list[TextTrack]) -> list[tuple[TextTrack, TextTrack]]:
    """(message, its end) for a message that ends in a colon (or is one word), whose line the
    detector cut in two at the wide space after it: a word read surely right after it in its row,
    shown while it is ("Winner:" and, 2.5 heights to its right, "Armagetron", at the centre of
    Armagetron's screen), which is no message alone. Of several reads there, the longest."""
    made = sorted((tr for tr in made if tr.text.rstrip().endswith(":") or len(tr.text.split()) == 1), key=lambda tr: tr.t_start)
    if not texts or not made:
        return []
    starts = [tr.t_start for tr in made]
    best: dict[int, tuple[TextTrack, TextTrack]] = {}
    for tr in texts:
        if tr.confidence < SURE_READ or not re.search(r"[A-Za-z]{3}", tr.text) or tr.moved:
            continue
        for m in made[bisect.bisect_left(starts, tr.t_start - BESIDE_S):bisect.bisect_right(starts, tr.t_start + SECOND_LINE_S)]:
            (_, my0, mx1, my1), x0 = m.first_box, tr.first_box[0]
            h = my1 - my0
            if tr.t_start > m.t_end or not _same_row(m.first_box, tr.first_box) or not -h <= x0 - mx1 <= BESIDE_GAP * h:
                continue
            if not m.text.rstrip().endswith(":") and not re.fullmatch(r"\S*[A-Z]\S*", tr.text.strip()):
                continue  # a word alone ("winner", its colon unread) takes a name only: "glTron", not "fself"
            if m.id not in best or len(text_key(tr.text)) > len(text_key(best[m.id][1].text)):
                best[m.id] = (m, tr)
    return list(best.values())


ICON_GAP = (1.0, 8.0)  # line heights between two names a kill feed's weapon icon stands between
ICON_FEED = 3  # such pairs of names a video shows, its players in two pairs or more each, to be a kill feed
ICON_LIFE_S = 12.0  # ... each pair on screen at most this long
_NAME_TOKEN = re.compile(r"[^\W\d_][\w'.-]{2,23}")


def _same_row(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Do two boxes share most of the height of the lower one: are they on one row?"""
    return min(a[3], b[3]) - max(a[1], b[1]) >= 0.6 * min(a[3] - a[1], b[3] - b[1])


def _icon_duels(texts: list[TextTrack]) -> list[tuple[str, str, list[TextTrack]]]:
    """A kill feed that draws the weapon between the two names ("Alice [rifle] Bob", as most
    shooters do): (the one who killed, on the left; the one killed; the tracks). The detector boxes
    each name apart, or the line whole with the icon read as a glyph or two ("Alice 7 Bob"); either
    way nothing says "killed". Such lines, coming and going together, are a feed's when the video
    shows several of other players, its players in two of them or more."""
    names = sorted((tr for tr in texts if _NAME_TOKEN.fullmatch(tr.text.strip()) and _player_name(tr.text.strip())
                    and tr.confidence >= MIN_TEXT_CONFIDENCE and tr.duration <= ICON_LIFE_S and not tr.moved), key=lambda tr: tr.t_start)
    starts = [tr.t_start for tr in names]
    pairs: list[tuple[str, str, list[TextTrack]]] = []
    used: set[int] = set()
    for a in names:
        if a.id in used:
            continue
        _, y0, x1, y1 = a.first_box
        h = y1 - y0
        lo, hi = bisect.bisect_left(starts, a.t_start - SECOND_LINE_S), bisect.bisect_right(starts, a.t_start + SECOND_LINE_S)
        right = [b for b in names[lo:hi] if b.id != a.id and b.id not in used and abs(b.t_end - a.t_end) <= 1.5
                 and _same_row(a.first_box, b.first_box)
                 and ICON_GAP[0] * h <= b.first_box[0] - x1 <= ICON_GAP[1] * h]
        if right:
            b = min(right, key=lambda b: b.first_box[0])
            pairs.append((a.text.strip(), b.text.strip(), [a, b]))
            used |= {a.id, b.id}
    for tr in texts:  # the line whole, its icon a glyph or two
        if tr.confidence >= MIN_TEXT_CONFIDENCE and tr.duration <= ICON_LIFE_S and (m := _ICON_LINE.fullmatch(tr.text.strip())) \
                and _player_name(m[1]) and _player_name(m[3]) and not re.search(r"[A-Za-z]{2}", m[2]):
            pairs.append((m[1], m[3], [tr]))
    seen = Counter(folded(n) for a, b, _ in pairs for n in (a, b))
    feed = [(a, b, trs) for a, b, trs in pairs if seen[folded(a)] >= 2 or seen[folded(b)] >= 2]
    # (other pairs of other players: not one table row shown again and again, "SPECT  Spectator")
    distinct = {(folded(a), folded(b)) for a, b, _ in feed}
    if len(distinct) < ICON_FEED or len({n for pair in distinct for n in pair}) < ICON_FEED:
        return []
    # a line whose icon was read into the name after it ("Major TAlice"), once the feed's players are known
    players = {folded(n): n for a, b, _ in feed for n in (a, b)}
    for tr in texts:
        if tr.confidence >= MIN_TEXT_CONFIDENCE and tr.duration <= ICON_LIFE_S and (m := _ICON_GLUED.fullmatch(tr.text.strip())):
            victim = next((players[k] for k in players if folded(m[2]).endswith(k) and len(m[2]) - len(k) <= 2), None)
            if victim is not None and folded(m[1]) in players and not any(tr in trs for _, _, trs in feed):
                feed.append((m[1], victim, [tr]))
    return feed


def _player_name(word: str) -> bool:
    """Can this word be a player's name: not a word of the dictionary in small letters ("for",
    "points": "for ∃ points" is no kill line with an icon in it)."""
    return not (word.islower() and word.lower() in vocabulary())


_ICON_GLUED = re.compile(rf"({_NAME_TOKEN.pattern})\s+(\S{{4,25}})")


_ICON_LINE = re.compile(rf"({_NAME_TOKEN.pattern})\s+(\S{{1,2}})\s+({_NAME_TOKEN.pattern})")


def _icon_kill(killer: str, victim: str, tracks: list[TextTrack]) -> EventRecord:
    """The kill event of a feed line drawn with an icon between the names."""
    box = (min(tr.box[0] for tr in tracks), min(tr.box[1] for tr in tracks), max(tr.box[2] for tr in tracks),
           max(tr.box[3] for tr in tracks))
    return EventRecord(min(tr.t_start for tr in tracks), max(tr.t_end for tr in tracks), "kill", f"{killer} killed {victim}", "ocr",
                       round(min(tr.confidence for tr in tracks) * DUEL_CONFIDENCE, 4),
                       payload={"text": " ".join(tr.text for tr in tracks), "box": [round(v, 3) for v in box],
                                "frames": min(tr.frames for tr in tracks), "area": area_name(box), "typed_by": "icon"})


def _second_lines(made: list[TextTrack], lines: list[TextTrack]) -> list[tuple[TextTrack, TextTrack]]:
    """The lines of two words or more, read surely, that are no message on their own but are shown
    with one right under it (or over it), at its centre or its left edge, for as long: the
    message's other lines, each as (message, line). SuperTuxKart's "New fastest lap" over
    "00:32.717 by Pidgin" (a name: no message alone) says who set it; Warzone 2100's "No
    Scavengers" comes with "Locked Teams"."""
    if not lines or not made:
        return []
    made = sorted(made, key=lambda tr: tr.t_start)
    starts = [tr.t_start for tr in made]
    out = []
    for tr in lines:
        if tr.confidence < SURE_READ or len(re.findall(r"[A-Za-z]{2,}", tr.text)) < 2 or not re.match(r"[A-Z\d]", tr.text.strip()):
            continue  # (two words, from its start: not "with 2" or "myself up", pieces of a line)
        lo, hi = bisect.bisect_left(starts, tr.t_start - SECOND_LINE_S), bisect.bisect_right(starts, tr.t_start + SECOND_LINE_S)
        for m in made[lo:hi]:
            (mx0, my0, mx1, my1), (x0, y0, x1, y1) = m.first_box, tr.first_box
            h = my1 - my0
            gap = y0 - my1 if my0 < y0 else my0 - y1
            if abs(tr.t_end - m.t_end) <= SECOND_LINE_S and -0.2 * h <= gap <= h and (
                    abs((mx0 + mx1) - (x0 + x1)) / 2 <= 2 * h or abs(mx0 - x0) <= h):
                out.append((m, tr))
                break
    return out


def _fold_misreads(total: dict[str, float], count: dict[str, int], texts: dict[str, str]) -> None:
    """Add the time on screen of a text's misreads to the text ("USE_ITEM to stop folloving" is
    "... following" read with one letter wrong): a label on screen all along is read so in pieces.
    A line about someone else is no misread ("Quake lost 2 points since it caused a general
    protection fault" after "Windows lost 2 points ...": eleven deaths, not one label), nor one
    with other numbers ("Year: 1600 BCE" after "Year: 1650 BCE": a log's turns)."""
    groups: dict[str, list[str]] = {}  # the text most on screen -> its misreads
    heads = _Letters()
    for key in sorted((k for k, v in total.items() if v >= 2.0 and len(k) >= 6), key=lambda k: -total[k]):
        head = next((h for h in heads.could_be(key, 0.9) if similarity(key, h) >= 0.9
                     and not any(_other_name(texts[key], texts[k]) or _other_number(texts[key], texts[k]) for k in groups[h])), None)
        if head is None:
            heads.add(key)
        groups.setdefault(head or key, []).append(key)
    for keys in groups.values():
        t, n = sum(total[k] for k in keys), sum(count[k] for k in keys)
        for k in keys:  # a misread of a persistent text is persistent too
            total[k], count[k] = t, n


class _Letters:
    """Texts (`text_key`s) to find the ones alike to a text among, in the order they were added:
    the letters each one has rule out most of them at once (`similarity` >= r needs the two to
    share r/2 of their letters), so a long video's thousands of lines are not compared pair by
    pair with the slow test."""

    def __init__(self, keys: Sequence[str] = ()):
        self.keys: list[str] = []
        self._counts = np.zeros((max(16, len(keys)), 36), np.int32)
        self._lengths = np.zeros(len(self._counts), np.int32)
        for key in keys:
            self.add(key)

    @staticmethod
    def _count(key: str) -> np.ndarray:
        codes = np.frombuffer(key.encode("ascii", "replace"), np.uint8).astype(np.int32)
        return np.bincount(np.where(codes >= 97, codes - 97, codes - 48 + 26).clip(0, 35), minlength=36)

    def add(self, key: str) -> None:
        n = len(self.keys)
        if n == len(self._counts):
            self._counts = np.concatenate([self._counts, np.zeros_like(self._counts)])
            self._lengths = np.concatenate([self._lengths, np.zeros_like(self._lengths)])
        self._counts[n], self._lengths[n] = self._count(key), len(key)
        self.keys.append(key)

    def could_be(self, key: str, ratio: float) -> list[str]:
        """The texts that may be `ratio` alike to `key` (a superset of them), in the order added."""
        lengths, shared = self._shared(key)
        both = lengths + len(key)
        return self._where((2 * np.minimum(lengths, len(key)) >= ratio * both) & (2 * shared >= ratio * both))

    def could_hold(self, key: str, share: float) -> list[str]:
        """The longer texts (by two letters or more) that may hold `share` of `key`'s letters in
        order (`containment`): a superset of them."""
        lengths, shared = self._shared(key)
        return self._where((lengths > len(key) + 1) & (shared >= share * len(key)))

    def _shared(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Each text's length, and how many of its letters `key` has too."""
        n = len(self.keys)
        return self._lengths[:n], np.minimum(self._counts[:n], self._count(key)).sum(axis=1)

    def _where(self, fits: np.ndarray) -> list[str]:
        return [self.keys[i] for i in np.flatnonzero(fits)]


def _other_number(a: str, b: str) -> bool:
    """Do both lines hold numbers, different ones ("Year: 1600 BCE", "Year: 1650 BCE")? (A read that
    lost its number, "Enemies: L Friends:", may still be a misread of the other.)"""
    return bool(digits(a)) and bool(digits(b)) and digits(a) != digits(b)


def _label_numbers(numeric: Sequence[TextTrack], places: dict[str, int]) -> set[str]:
    """Numbers (their digits) that label things rather than pop up: one shown at 3 places or more
    (a health tag over each character: "100"), the pieces of such a number that a read cut off
    ("10", "00"), and numbers written with a leading zero ("00", "07"), which no popup shows."""
    tags = {digits(tr.text) for tr in numeric if places.get(text_key(tr.text), 1) >= 3}
    out = set(tags)
    for tr in numeric:
        d = digits(tr.text)
        if re.fullmatch(r"0\d+", d) or (len(d) >= 2 and any(d in t and d != t for t in tags)):
            out.add(d)
    return out


def _piece_of(key: str, tags: _Letters) -> bool:
    """Is this text a part of a longer tag, read cut off ("brigadee" of "blue brigade")?"""
    return len(key) >= 3 and any(containment(key, t) >= 0.85 for t in tags.could_hold(key, 0.85))


def _countdowns(ordered: Sequence[TextTrack]) -> list[list[TextTrack]]:
    """Runs of single numbers at one place, one less each second, down to 1 or 0 ("3", "2", "1"
    before a race, a fuse over a bomb): a countdown, not damage."""
    runs: list[list[TextTrack]] = []
    going: list[list[TextTrack]] = []  # the runs whose last number came recently enough to go on
    for tr in ordered:
        if not re.fullmatch(r"\d{1,2}", tr.text.strip()) or tr.confidence < MIN_TEXT_CONFIDENCE:
            continue  # (an unsure "0" after a fuse's "1" is no end of its countdown)
        value = int(tr.text)
        cx, cy = (tr.box[0] + tr.box[2]) / 2, (tr.box[1] + tr.box[3]) / 2
        going = [run for run in going if tr.t_start - run[-1].t_start <= 1.6]
        for run in going:
            last = run[-1]
            lx, ly = (last.box[0] + last.box[2]) / 2, (last.box[1] + last.box[3]) / 2
            if int(last.text) - value == 1 and 0.4 <= tr.t_start - last.t_start <= 1.6 and \
                    abs(lx - cx) <= 0.1 and abs(ly - cy) <= 0.1:
                run.append(tr)
                break
        else:
            runs.append([tr])
            going.append(runs[-1])
    return [run for run in runs if len(run) >= 2 and int(run[-1].text) <= 1]


def _countdown_event(run: Sequence[TextTrack]) -> EventRecord:
    values = [tr.text.strip() for tr in run]
    first = run[0]
    return EventRecord(first.t_start, run[-1].t_end, "round", "countdown " + ", ".join(values), "ocr",
                       round(min(tr.confidence for tr in run), 4),
                       payload={"text": " ".join(values), "box": [round(v, 3) for v in first.box],
                                "frames": sum(tr.frames for tr in run), "area": area_name(first.box),
                                "typed_by": "countdown"})


EDGE = 0.1  # share of the frame's height at its top and bottom where HUD bars run


class _HudBoxes:
    """Where HUD text shows: its boxes, filed by the cells of a coarse grid they cover, so that a
    long video's thousands of HUD reads are not each compared with every track."""

    CELL = 0.05

    def __init__(self, boxes: Iterable[tuple[float, float, float, float]]):
        self._cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = defaultdict(list)
        bars = set()
        for box in set(boxes):
            for cell in self._cells_of(box):
                self._cells[cell].append(box)
            if box[3] <= EDGE or box[1] >= 1 - EDGE:
                bars.add((box[1], box[3]))
        self._bars = sorted(bars)
        self._bar_tops = [y0 for y0, _ in self._bars]
        self._tallest = max((y1 - y0 for y0, y1 in self._bars), default=0.0)

    def _cells_of(self, box: tuple[float, float, float, float]) -> Iterator[tuple[int, int]]:
        x0, y0, x1, y1 = box
        for cx in range(int(x0 // self.CELL), int(x1 // self.CELL) + 1):
            for cy in range(int(y0 // self.CELL), int(y1 // self.CELL) + 1):
                yield cx, cy

    def covers(self, box: tuple[float, float, float, float]) -> bool:
        """Does most of `box` lie on a box where HUD text shows?"""
        x0, y0, x1, y1 = box
        area = max(1e-9, (x1 - x0) * (y1 - y0))
        seen = set()
        for cell in self._cells_of(box):
            for hud in self._cells.get(cell, ()):
                if hud in seen:
                    continue
                seen.add(hud)
                hx0, hy0, hx1, hy1 = hud
                if max(0.0, min(x1, hx1) - max(x0, hx0)) * max(0.0, min(y1, hy1) - max(y0, hy0)) >= 0.5 * area:
                    return True
        return False

    def on_bar(self, box: tuple[float, float, float, float]) -> bool:
        """Is `box` on the row of a HUD number at the frame's top or bottom edge (a strategy game's
        top bar: turn, gold, villages, units side by side)? A number there read once is one more
        HUD value, not a popup."""
        _, y0, _, y1 = box
        if EDGE < y0 and y1 < 1 - EDGE:
            return False
        lo = bisect.bisect_left(self._bar_tops, y0 - self._tallest)
        hi = bisect.bisect_right(self._bar_tops, y1)
        return any(min(y1, hy1) - max(y0, hy0) >= 0.5 * min(y1 - y0, hy1 - hy0) for hy0, hy1 in self._bars[lo:hi])


def _near(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Are two boxes within a tenth of the frame of each other (a popup floats up a little)?"""
    return abs(a[0] + a[2] - b[0] - b[2]) / 2 <= 0.1 and abs(a[1] + a[3] - b[1] - b[3]) / 2 <= 0.1


# "was capped by": what a kill feed says between two names, when the names are not read (a team's
# colour over a bright view): a clause, even in three words, and no label however often it shows
_PASSIVE = re.compile(r"\b(?:was|were|got)\s+[A-Za-z-]{3,}(?:\s+[A-Za-z-]+){0,3}\s+by\b", re.IGNORECASE)


def _sentence(text: str) -> bool:
    return len(re.findall(r"[A-Za-z]{2,}", text)) >= SENTENCE_WORDS or _PASSIVE.search(text) is not None


def _templated(tracks: Sequence[TextTrack]) -> set[int]:
    """Tracks of a line whose words stay and whose numbers change at one place ("[15 pts]" ->
    "[16 pts]"): seen so over half a minute or more, it is part of the HUD, no event. (Within a
    few seconds it may be a run of messages, "3 remaining", "2 remaining": each one counts; and a
    sentence is a message each time: "Quake lost 2 points since it caused a ...".)"""
    groups: list[list[TextTrack]] = []
    heads: list[tuple[float, float, str]] = []  # where each group's first line was, and its words
    near: dict[tuple[int, int], list[int]] = defaultdict(list)  # groups by cell (TEMPLATE_NEAR_X x _Y)
    for tr in sorted(tracks, key=lambda tr: tr.t_start):
        if not digits(tr.text) or parse_value(tr.text) is not None or _sentence(tr.text) or _scrolled(tr):
            continue  # (a line that scrolled up is a log's: "Year: 1650 BCE" heads each turn's messages)
        shape = re.sub(r"\d", "", text_key(tr.text))
        if len(shape) < 3:
            continue
        cx, cy = (tr.first_box[0] + tr.first_box[2]) / 2, (tr.first_box[1] + tr.first_box[3]) / 2
        col, row = int(cx // TEMPLATE_NEAR_X), int(cy // TEMPLATE_NEAR_Y)
        for i in sorted(i for c in (col - 1, col, col + 1) for r in (row - 1, row, row + 1) for i in near.get((c, r), ())):
            gx, gy, words = heads[i]
            if abs(gx - cx) <= TEMPLATE_NEAR_X and abs(gy - cy) <= TEMPLATE_NEAR_Y and \
                    _lengths_allow(shape, words, 0.75) and similarity(shape, words) >= 0.75:
                groups[i].append(tr)
                break
        else:
            near[col, row].append(len(groups))
            groups.append([tr])
            heads.append((cx, cy, shape))
    out: set[int] = set()
    for g in groups:
        if len(g) < 3:
            continue
        span = max(tr.t_end for tr in g) - g[0].t_start
        if span > 30.0 and sum(tr.duration + 1.0 for tr in g) >= 0.5 * span:  # and on screen most of it
            out |= {tr.id for tr in g}
    return out


def _seen_again(shown: list, tr: TextTrack, text: str) -> None:
    """A message ([text, last time on screen, where]) read again in `tr`: on screen until it ends,
    where it is now, its text the longest read when it holds all of the one before (a cut "Go
    (round 2 of" is "Go (round 2 of 30)!"; a read alike in part is no more of it: "Fo: killed by
    Hawk00" is not "Hawk04: killed by teammate Hawk3")."""
    shown[1], shown[2] = max(shown[1], tr.t_end), tr.box
    before, now = text_key(shown[0]), text_key(text)
    if len(now) > len(before) and _cut(before, now):
        shown[0] = text


def _shown_apart(tr: TextTrack, until: float, box: tuple[float, float, float, float]) -> bool:
    """Was a line of the same words still on screen, in another row, when this one appeared? Then
    it is another message: a robot killed by the same one again, printed at the log's newest row
    while the first one is still up the log."""
    return until > tr.t_start and abs(box[1] - tr.first_box[1]) >= 0.8 * (tr.first_box[3] - tr.first_box[1])


def _rows_near(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Is `a` within 3 of its line heights of `b`, up or down?"""
    return abs(a[1] + a[3] - b[1] - b[3]) / 2 <= 3 * (a[3] - a[1])


def _log_rows(tracks: Sequence[TextTrack], anchors: "_Anchors") -> set[str]:
    """The texts (keys) of lines of words seen in two rows or more at one left edge, where other
    lines keep coming: a log's lines, printed at its newest row and scrolled on (a label stays in
    its row; a team's name over a character that jumps has no lines coming and going beside it)."""
    rows: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for tr in tracks:
        x0, y0, _x1, y1 = tr.first_box
        if _log_line(tr.text) and y1 > y0 and anchors.anchored(tr, LOG_LINES):
            rows[text_key(tr.text)].append((x0, round((y0 + y1) / 2 / (y1 - y0))))
            if tr.moved:  # (a line that scrolled up from the newest row: PokerTH's "Erik calls $40", one track)
                rows[text_key(tr.text)].append((tr.box[0], round((tr.box[1] + tr.box[3]) / 2 / (y1 - y0))))
    return {k for k, seen in rows.items()
            if any(abs(a[0] - b[0]) <= LOG_EDGE and a[1] != b[1] for i, a in enumerate(seen) for b in seen[i + 1:])}


def _log_line(text: str) -> bool:
    """Words enough to be a log's line ("Mouse movement"), not a name tag or a number ("Red", "1 Goblins")."""
    return len(re.findall(r"[A-Za-z]{2,}", text)) >= 2


def _scrolled(tr: TextTrack) -> bool:
    """Did the line move up or down by more than its height (a log or a feed scrolling), not just
    change its width in place?"""
    return abs(tr.box[1] - tr.first_box[1]) > tr.first_box[3] - tr.first_box[1]


def _in_column(tr: TextTrack, heights: float = 0.5) -> bool:
    """Did the line stay at its left edge as it moved (within half its height, or `heights`: a
    read that took in a leading "---" or not)?"""
    return abs(tr.box[0] - tr.first_box[0]) <= heights * (tr.first_box[3] - tr.first_box[1])


def _same_message(a: str, b: str, known: frozenset[str] = frozenset()) -> bool:
    """Two reads of one line: alike, with the same numbers; or, for long lines (a kill feed read
    cut or garbled as it scrolls), most of the shorter read found in the longer."""
    ka, kb = text_key(a), text_key(b)
    if ka == kb:
        return True
    if digits(a) != digits(b) and min(len(ka), len(kb)) < 12 and not _cut(ka, kb):
        return False  # "3 remaining" -> "2 remaining" (but "Go (round 2 of" is cut from "Go (round 2 of 30)!")
    if sum((Counter(ka) & Counter(kb)).values()) < 0.75 * min(len(ka), len(kb)):
        return False  # too few letters in common to be 0.8 alike or mostly contained (a quick test first)
    if _other_name(a, b) or _other_ending(a, b) or _words_apart(a, b, known):
        return False  # "Tony was electrocuted by Sarge" after "Angelyss was electrocuted by Sarge"
    if similarity(a, b) >= 0.8:
        return True
    return min(len(ka), len(kb)) >= 10 and containment(a, b, SAME_RUN) >= 0.75


def _cut(ka: str, kb: str) -> bool:
    """Is one key the other's start or end: a read cut at the box's edge?"""
    short, long = sorted((ka, kb), key=len)
    return len(short) >= 6 and (long.startswith(short) or long.endswith(short))


def _other_ending(a: str, b: str) -> bool:
    """Do the two lines read the same but for their last word, and is that word another one, not a
    misread of it? Chat after chat from one sender: "[09:15] Player (Global): bc gmp", then "... bc
    gaa" (the words of a chat are often no dictionary word: "gg", "gl", "gmp")."""
    wa, wb = a.split(), b.split()
    if len(wa) < 2 or len(wb) < 2 or text_key(" ".join(wa[:-1])) != text_key(" ".join(wb[:-1])):
        return False
    ea, eb = text_key(wa[-1]), text_key(wb[-1])
    return len(ea) >= 2 and len(eb) >= 2 and similarity(ea, eb) < 0.5


def _other_name(a: str, b: str) -> bool:
    """Do the two lines differ in their first or their last word, each read surely? Kill-feed lines
    share most of their words and differ in a name: "Tony was electrocuted by Sarge" after
    "Angelyss was electrocuted by Sarge", "You fragged Sorceress" after "You fragged Major". Not
    when either word is a scrap or a misread (a garbled read of one line: "ikTr", "ed"), a misread
    or a cut of the other's ("Angelys", "Sorcer"), or a word found in the other line (a read cut at
    its start or end: "down by Kyonshi" of "Tony was gunned down by Kyonshi")."""
    wa, wb = a.split(), b.split()
    if not wa or not wb:
        return False
    for i in (0, -1):
        if _numbered_apart(wa[i], wb[i]):
            return True  # "Hawk05: killed by Hawk03" after "Hawk02: killed by Hawk03": robots named by number
        if i == 0 and _other_head(wa, wb):
            return True
        if not sure_word(wa[i]) or not sure_word(wb[i]):
            continue
        ha, hb = text_key(wa[i]), text_key(wb[i])
        if not any(_alike(ha, text_key(w)) for w in wb) and not any(_alike(hb, text_key(w)) for w in wa):
            return True
    return False


def _other_head(wa: list[str], wb: list[str]) -> bool:
    """Do two lines of one template (four words or more alike after the first) begin with two
    words of 5 letters or more that are nothing alike, each read unsure perhaps? "g1Trön lost 2
    points since ..." is not "CuclesaDl0st 2 points since ...": another name in a bitmap font."""
    ha, hb = text_key(wa[0]), text_key(wb[0])
    if min(len(ha), len(hb)) < 5 or min(len(wa), len(wb)) < 5 or similarity(ha, hb) >= 0.4:
        return False
    return similarity(" ".join(wa[1:]), " ".join(wb[1:])) >= 0.8 or \
        similarity(" ".join(wa[2:]), " ".join(wb[1:])) >= 0.8 or similarity(" ".join(wa[1:]), " ".join(wb[2:])) >= 0.8


def _words_apart(a: str, b: str, known: frozenset[str]) -> bool:
    """Does each line hold one of the video's `known` words (its names and the words of its lines,
    seen in several lines) that the other has no word alike to? "glTron core dumped indous for 3
    points" and "Armagetron core dumped Linux for 3 points" share their template, not their names;
    "Arnaqetron lost 2 points" is not "Araaqetron core dumped Windows"."""
    wa, wb = re.findall(r"[^\W\d_]{4,}", a), re.findall(r"[^\W\d_]{4,}", b)
    return _one_alone(wa, wb, known) and _one_alone(wb, wa, known)


def _one_alone(wa: list[str], wb: list[str], known: frozenset[str]) -> bool:
    """Is one of the `known` words of `wa` unlike every word of `wb`?"""
    return any(folded(w) in known and not any(_alike(text_key(w), text_key(o)) for o in wb) for w in wa)


def _numbered_apart(a: str, b: str) -> bool:
    """Two names of one stem and another number, both read whole: "Hawk05" and "Hawk02" (not "Hawk0z",
    a digit misread as a letter); or one with a number and one without ("Hawk:" and "Hawk05:")."""
    da, db = digits(a), digits(b)
    return da != db and (len(da) == len(db) or not da or not db) and \
        re.sub(r"[\d\W_]", "", a.lower()) == re.sub(r"[\d\W_]", "", b.lower()) != ""


def _alike(a: str, b: str) -> bool:
    """One word, perhaps misread or cut ("Sorcer" of "Sorceress")."""
    short, long = sorted((a, b), key=len)
    return (len(short) >= 3 and long.startswith(short)) or (_lengths_allow(a, b, 0.75) and similarity(a, b) >= 0.75)


def _lengths_allow(a: str, b: str, ratio: float) -> bool:
    """Can texts of these lengths be `ratio` alike (`similarity`: twice the matched characters
    over both lengths)? A quick test before the slow one, for videos with hundreds of lines."""
    return 2 * min(len(a), len(b)) >= ratio * (len(a) + len(b))


def _places(tracks: Sequence[TextTrack], logged: set[str] | None = None) -> dict[str, int]:
    """How many different places each text showed at: a name over a character shows all over (the
    rows of one log, where a `logged` line shows a row higher each time, are one place)."""
    seen: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for tr in tracks:
        x0, y0, x1, y1 = tr.first_box
        here = ((x0 + x1) / 2, (y0 + y1) / 2, x0)
        key = text_key(tr.text)
        spots = seen[key]
        edge = LOG_EDGE if logged and key in logged else -1.0
        if all((abs(here[0] - a) > 0.05 or abs(here[1] - b) > 0.05) and abs(x0 - left) > edge for a, b, left in spots):
            spots.append(here)
    return {k: len(v) for k, v in seen.items()}


class _Anchors:
    """Where each text appeared, by its row (sorted by the centre of its first box), so that the
    texts on one line are found without going through a long video's thousands of tracks."""

    def __init__(self, tracks: Sequence[TextTrack]):
        # only the lines of words count: no number, no noise
        rows = sorted(((tr.first_box[1] + tr.first_box[3]) / 2, tr.first_box, text_key(tr.text)) for tr in tracks
                      if parse_value(tr.text) is None and readable(tr.text))
        self._ys = [y for y, _, _ in rows]
        self._rows = [(box, key) for _, box, key in rows]

    def anchored(self, tr: TextTrack, others: int, box: tuple[float, float, float, float] | None = None) -> bool:
        """Did at least `others` other texts appear where this one did (same line, same left edge
        or centre: `box`, by default where it appeared)? A message line, a caption box, a kill
        feed shows text after text at one anchor."""
        x0, y0, x1, y1 = box or tr.first_box
        h = y1 - y0
        key = text_key(tr.text)
        seen, alike = set(), {key}  # other texts found here; this one and its misreads
        lo, hi = bisect.bisect_left(self._ys, (y0 + y1) / 2 - 0.6 * h), bisect.bisect_right(self._ys, (y0 + y1) / 2 + 0.6 * h)
        for i in range(lo, hi):  # (a long log's row holds thousands: no copy of them)
            (ox0, _, ox1, _), k = self._rows[i]
            if k in seen or k in alike or not (abs(ox0 - x0) <= 0.5 * h or abs((ox0 + ox1) - (x0 + x1)) / 2 <= h):
                continue
            if _lengths_allow(k, key, 0.8) and similarity(k, key) >= 0.8:
                alike.add(k)
                continue
            seen.add(k)
            if len(seen) >= others:
                return True
        return False


def _message_like(tr: TextTrack, anchors: _Anchors, places: dict[str, int],
                  typed: tuple[str, str, dict] | None, mended: str | None = None) -> bool:
    """Is this transient track a message (an event) rather than a label, a tag or a misread?
    `mended`: its text with its words mended (`Names.mend`), when that was done."""
    text = tr.text
    if parse_value(text) is not None:
        if not _POPUP.match(text.strip()):
            return False  # "6.83", "(66)": a part of a longer line, cut off
        # a number that shows briefly where no HUD number stays: a damage or score popup, a
        # countdown; not one that shows all over (a health tag over a moving character)
        return (tr.duration <= MAX_POPUP_S and ((tr.frames >= 2 and tr.confidence >= HUD_SURE) or tr.confidence >= 0.9)
                and places.get(text_key(text), 1) < 3)
    if not re.search(r"[A-Za-z]", text) and typed is None:
        return False  # numbers read as one line ("100 0 125": health, armor, ammo side by side)
    if not readable(text) and mended is not None and readable(mended):
        text = mended  # a bitmap font's letters read as letters alike: "glTron core dunped indous for 3 points"
    if not readable(text):
        if typed is not None:
            return True  # the pack knows this line
        # a log's line that scrolled up row by row where lines keep coming, read surely, a word in
        # it: "--- Flop --- [Q♥,T♠,T♣]" (its cards read as letters and signs: no words)
        if tr.moved and _scrolled(tr) and _in_column(tr, 2.0) and tr.confidence >= LOG_LINE_SURE and \
                any(len(w) >= 4 and w.lower() in vocabulary() for w in re.findall(r"[A-Za-z]+", text)) and \
                anchors.anchored(tr, 3):
            return True
        # a noisy read (small text over a moving view) still counts when its words say what happened,
        # as read or mended ("Grism vas machinegunned by S")
        said = classify_text(text) or (classify_text(mended) if mended is not None else None)
        if said is not None and said[0] not in ("kill", "death"):
            # a short call read well twice ("GO!"), or once where other calls came ("Ready!", "Set!",
            # "Go!" a second each at the centre: sampled once a second, each is read once)
            return (tr.frames >= 2 and tr.confidence >= 0.9) or (
                len(text_key(text)) <= SHORT_CALL and tr.confidence >= 0.8 and anchors.anchored(tr, 1))
        return said is not None and (tr.frames >= 2 or tr.confidence >= 0.8) and tr.confidence >= NOISY_SURE
    if typed is not None:
        return True
    words = re.findall(r"[A-Za-z]{2,}", text)
    if classify_text(text) is not None:
        # (one word read unsure says little: a HUD's "AMMO" label read now and then, 0.65-0.78 sure)
        return tr.confidence >= MIN_TEXT_CONFIDENCE or len(words) >= 2
    if tr.confidence < MIN_TEXT_CONFIDENCE:
        return False  # untyped and unsure: on the Red Eclipse clip such reads were misreads ("joan the qin")
    if places.get(text_key(text), 1) >= 3:
        return False  # the same words all over the screen: a name tag, a label in the world
    if len(words) <= 2 and words[-1:] and words[-1].lower() in _LABEL_WORDS and not re.search(r"[\d.!?]", text):
        return False  # "Team Score", "Kills": a field's name, over a score table shown now and then
    if len(words) >= 3:
        return True  # a sentence
    if tr.moved:
        # a name tag following its character; but a caption that slid up when the one above it
        # went ("Grenade, 3 sec" under "Let's go!") ends where captions keep appearing, and a log's
        # line of two words or more scrolls straight up or down by rows ("Watching glTron")
        return anchors.anchored(tr, 3, tr.box) or (len(words) >= 2 and _scrolled(tr) and _in_column(tr))
    vocab = vocabulary()
    if not all(w.lower() in vocab or compound(w.lower(), vocab) for w in words):
        # a word no dictionary knows ("Bazooka", or a name: "Marlin") is a message only where
        # messages keep appearing; a name alone elsewhere labels something
        return anchors.anchored(tr, 3)
    return anchors.anchored(tr, 2)


def _persistent_like(key: str, persistent: _Persistent) -> bool:
    """A misread or a part of a persistent text ("Goblins" of "Green Goblins")."""
    if key.isdigit():
        return key in persistent.numbers  # "10", "00": cut-off reads of a "100" tag
    if len(key) < 3:
        return False
    return key in persistent.joined or any(similarity(key, p) >= 0.8 for p in persistent.letters.could_be(key, 0.8))


class _Persistent:
    """The persistent texts, ready for `_persistent_like` to look a text up in."""

    def __init__(self, keys: set[str]):
        self.joined = "\n".join(sorted(keys))  # (keys hold no newline: a part of one is found within it)
        self.numbers = "\n".join(sorted(k for k in keys if k.isdigit()))
        self.letters = _Letters(sorted(keys))


FIELD_S = 5.0  # a persistent label shown this long at once is a HUD field's name, its value beside it


class _Fields:
    """The places of a HUD's labels (persistent words, one or two, shown a while at one place).
    A text that begins where one does, with its letters ("Fastest: Windows 27.5"; "Fasy", the label
    misread), or that begins right after it on its row ("Quake 17.1"), is the field's value."""

    def __init__(self, labels: Iterable[TextTrack]):
        self.boxes: dict[tuple[float, float], tuple[str, tuple[float, float, float, float]]] = {}
        for tr in labels:
            key = text_key(tr.text)
            if tr.duration >= FIELD_S and not tr.moved and len(tr.text.split()) <= 2 and re.search(r"[^\W\d_]{3}", tr.text):
                self.boxes.setdefault((round(tr.first_box[0], 2), round(tr.first_box[1], 2)), (key, tr.first_box))

    def holds(self, tr: TextTrack) -> bool:
        key, (x0, _, _, _) = text_key(tr.text), tr.first_box
        for label, box in self.boxes.values():
            if key == label or not _same_row(box, tr.first_box):
                continue
            h = box[3] - box[1]
            if abs(x0 - box[0]) <= h and key[:3] == label[:3] or box[2] - h <= x0 <= box[2] + 3 * h:
                return True
        return False


def _event(tr: TextTrack, typed: tuple[str, str, dict] | None, mended: str) -> EventRecord:
    """The event of a message track: the pack's type when it gave one, else the words' own, of
    its words `mended` (misreads of the dictionary's words and of the video's names: `Names.mend`)."""
    text = tr.text
    payload = {"text": text, "box": [round(v, 3) for v in tr.box], "frames": tr.frames, "area": area_name(tr.box)}
    if typed is not None:
        kind, label, extra = typed
        return EventRecord(tr.t_start, tr.t_end, kind, label, "ocr", round(tr.confidence, 4),
                           payload={**payload, **extra})
    text = mended  # "Uindous core dunped Quake" -> "Windows core dumped Quake"
    if text != tr.text:
        payload.update(text=text, read=tr.text)
    found = classify_text(text)
    if found is None:
        return EventRecord(tr.t_start, tr.t_end, "text", text, "ocr", round(tr.confidence * 0.8, 4), payload=payload)
    kind, conf = found
    number = parse_value(text)
    value = number if kind == "damage" else None
    label = text
    if number is None and not readable(text) and tr.confidence < SURE_READ:
        # a kill line read in fragments ("was alr toudittoned by"): its words say a kill, its
        # letters are half guesses; every listing shows it as such, like unclear speech (a sure
        # read of words no dictionary knows, "You fragged Sorceress", "GO!", is no guess)
        label = f"{UNCERTAIN} {text}"
        payload["uncertain"] = True
    return EventRecord(tr.t_start, tr.t_end, kind, label, "ocr", round(tr.confidence * conf, 4), value=value,
                       payload={**payload, "typed_by": "pattern"})


DUEL_CONFIDENCE = 0.75  # a kill known by the video's own phrase, not by a kill word: this share of a text line's


def _duels_typed(events: list[EventRecord]) -> list[EventRecord]:
    """The untyped lines of the phrase the video's own kill feed puts between two players
    ("glTron core dumped Linux for 3 points", `ingest.words.Duels`) are kills; then the lines that
    say what befell the one killed (`_death_notices`) are deaths."""
    duels = Duels((e.label for e in events if e.kind == "text"), (e.label for e in events if e.source == "ocr"))
    if duels.phrases:
        events = [replace(e, kind="kill", confidence=round(e.confidence * DUEL_CONFIDENCE, 4),
                          payload={**e.payload, "typed_by": "phrase"})
                  if e.kind == "text" and e.source == "ocr" and duels.read(e.label) else e for e in events]
    return _death_notices(events, duels)


NOTICE_S = 4.0  # a notice about the one a kill line killed comes within this long of it
NOTICE_LINES = 2  # ... and a video's lines of one notice must do so this many times, for two players or more
NOTICE_SHARE = 0.15  # ... and that often among its lines (the rest: their kill lines were not read, or read garbled)
_NOTICE = re.compile(rf"^(?P<name>{NAME})\s+(?P<rest>\S+(?:\s+\S+){{2,}})")
_PASSIVE_KILL = re.compile(rf"^(?P<b>{NAME})\s+(?:was|got)\s+.{{3,40}}?\bby\s+(?P<a>{NAME})")


def _killed(label: str, duels: Duels) -> str | None:
    """Who a kill line says was killed, when it says it in a shape: "A core dumped B", "B was
    fragged by A"."""
    if (pair := duels.read(label)) is not None:
        return pair[1]
    m = _PASSIVE_KILL.match(label.strip())
    return m["b"] if m else None


def _death_notices(events: list[EventRecord], duels: Duels) -> list[EventRecord]:
    """A game's own way of saying someone died, learned from one video: the untyped lines that
    begin with a name and go on alike ("Linux lost 2 points since it caused a general protection
    fault", "Quake 10st 2 points ...": Armagetron's penalty for a crash) are deaths when, again and
    again, they name the one a kill line killed at that moment ("Armagetron core dumped Linux for 3
    points"). Then each of them is a death, also where its kill line was not read."""
    killed = sorted((e.t_start, folded(v)) for e in events
                    if e.kind == "kill" and e.source == "ocr" and (v := _killed(e.label, duels)) is not None)
    if len(killed) < NOTICE_LINES:
        return events
    times = [t for t, _ in killed]
    heads = _Letters()  # how each group's first line goes on (a long video's chat: thousands of them)
    groups: dict[str, tuple[list[int], set[str]]] = {}  # ... -> its lines' events, the killed they named
    for i, e in enumerate(events):
        if e.kind != "text" or e.source != "ocr" or (m := _NOTICE.match(e.label.strip())) is None:
            continue
        # how the line goes on, a small font's letters alike taken as one: "lost 2 points since" and
        # "10st 2 points since" alike ("lostpointssi")
        how = re.sub(r"[^a-z]", "", folded(m["rest"]))[:12]
        if len(how) < 6:
            continue
        head = next((h for h in heads.could_be(how, 0.75) if similarity(h, how) >= 0.75), None)
        if head is None:
            head = how
            heads.add(how)
            groups[how] = ([], set())
        lines, named = groups[head]
        lines.append(i)
        name = folded(m["name"])
        lo, hi = bisect.bisect_left(times, e.t_start - NOTICE_S), bisect.bisect_right(times, e.t_start + NOTICE_S)
        if any(similarity(name, v) >= 0.8 for _, v in killed[lo:hi]):
            named.add(name)
    deaths = {i for lines, named in groups.values() if len(named) >= NOTICE_LINES and len(named) >= NOTICE_SHARE * len(lines)
              for i in lines}
    return [replace(e, kind="death", confidence=round(e.confidence * DUEL_CONFIDENCE, 4),
                    payload={**e.payload, "typed_by": "notice"}) if i in deaths else e for i, e in enumerate(events)]


def _changes(name: str, points: list[tuple[float, float]], duration_s: float, of: int | None = None) -> list[EventRecord]:
    """Changes of one HUD series as `hud` events, unless it changes all the time (a clock); a
    counter's with what it counts to ("top-right 1/3 -> 2/3")."""
    changes = [(t, a, b) for (_, a), (t, b) in zip(points, points[1:]) if a != b]
    if not changes or len(changes) > duration_s / 4:
        return []  # a clock or a counter that ticks every few seconds: charted, not listed
    out = f"/{of}" if of else ""
    return [EventRecord(t, t, "hud", f"{name} {a:g}{out} -> {b:g}{out}", "hud", 0.8, value=b - a,
                        payload={"series": name, "from": a, "to": b, **({"of": of} if of else {})}) for t, a, b in changes]


@dataclass
class Counted:
    """A place showing a counter "A/B" (a lap "2/3", a turn "5/8"): its tracks' values A, mended."""

    reads: list[tuple[TextTrack, float]]
    of: int | None  # B, when the place counts to one number throughout


_FRACTION = re.compile(r"(\d{1,4})/(\d{1,4})")


def _counter_reads(ordered: Sequence[TextTrack]) -> Counted | None:
    """The values of a place that mostly shows "A/B", or None. The recogniser reads a counter's
    slash as "7", "1" or "l" ("173" for "1/3") and an icon beside it as one more digit ("2/32"):
    a read that is one of the place's denominators B after A and a slash, or after A and a
    character taken for the slash, counts as A; what else is read there is left out."""
    texts = [re.sub(r"[^\dA-Za-z/]", "", tr.text) for tr in ordered]
    plain = [_FRACTION.fullmatch(t) for t in texts]
    if sum(tr.frames for tr, m in zip(ordered, plain) if m) < 0.5 * sum(tr.frames for tr in ordered):
        return None  # (by the frames that showed them: a misread is mostly read once)
    dens = Counter(m[2] for m in plain if m)
    common = [d for d, n in dens.most_common() if n >= 2 or n == max(dens.values())]
    reads: list[tuple[TextTrack, float]] = []
    used: set[str] = set()
    for tr, text in zip(ordered, texts):
        for den in common:
            m = re.fullmatch(rf"(\d{{1,4}})[/71l|I]{den}\D?\d?", text) or re.fullmatch(rf"(\d{{1,4}})/{den}.?", text)
            # an icon before the counter read as one more digit in front: "54/8" for the "4/8" by a flag
            count = int(m[1]) if m and int(m[1]) <= int(den) else int(m[1][1:]) if m and len(m[1]) > 1 and int(m[1][1:]) <= int(den) else None
            if count is not None:
                reads.append((tr, float(count)))
                used.add(den)
                break
    return Counted(reads, int(next(iter(used))) if len(used) == 1 else None) if reads else None


