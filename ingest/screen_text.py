"""Screen text tracks: every line of text on screen, followed over time, for games without a pack.

Phases, per sampled frame (`TextTracker.observe`):
1. gate: a frame that barely differs from the last one detected (a coarse grey thumbnail) changes
   no text; every open track just goes on, with no model call;
2. detect text lines anywhere in the frame (PP-OCR's detector at `max_side` px);
3. for each line box, its pixels are compared with the open track at the same place: unchanged
   pixels are the same text (no recognition call), changed ones are recognised;
3b. small numbers the detector missed (a damage number over busy terrain: ingest/floating_numbers.py)
   are read with digits only and join the frame's reads;
3c. places where a number stood still are read again where no number was read this time (a small
   HUD digit the detector finds now and then); a frame larger than the detector's size is also
   detected at its own size every 30 s (every 10 s in the first minute), for HUD numbers too small
   at that size, and where that look reads sentences the detector missed (a console in a small
   font), the tracker detects the rows around them at the frame's own size from then on;
4. a read joins the open track at the same place when the text is alike, or an open track elsewhere
   with the same text (a kill feed scrolls up, a tag follows a character); otherwise a track starts;
5. tracks not seen for `max_gap_s` close; a short line of words that closes marks a message place.
Between two such frames (`TextTracker.glance`, on the sampled frames the reads skip), each place
where messages keep coming is read with one recogniser call when its strokes changed, and the
detector looks there only when that read is a new line: a caption shown for 0.4 s between two
reads a second apart is caught (for 8-17% more CPU than the reads alone on the clips measured).
`finish` returns every track: a text with a start, an end and a place. What the tracks mean
(persistent = HUD, transient = message, numbers at one place = a HUD series) is decided over the
whole video in ingest/screen_events.py.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ingest import floating_numbers
from ingest.snapping import clean
from ingest.types import Frame
from kb.models.vocabulary import vocabulary

# Pixel-font and video-compression confusions, folded on both sides before texts are compared
# (the same idea as ingest.snapping's lexicon key, but milder: these fonts are not Doom's).
_FOLD = str.maketrans({"0": "o", "1": "l", "|": "l", "!": "l", "i": "l", "5": "s", "$": "s", "8": "b", "@": "a"})


# a letter read apart from the rest of its word: a letter-spaced title font ("W inner", "M atch",
# Armagetron's "w inner"); "A" and "I" are words themselves ("A round", not "Around")
_SPACED_CAPITAL = re.compile(r"(?<![\w'])([B-HJ-Zb-hj-z]) ([a-z]{2,})")


def respace(text: str) -> str:
    """"W indows" -> "Windows", "w inner" -> "winner": a letter the recogniser set apart from the
    rest of its word, where the two make a word ("team B wins", "Press F to pay" and "A bomb" stay
    as they are)."""
    if not _SPACED_CAPITAL.search(text):
        return text
    from ingest.words import vocabulary

    vocab = vocabulary()
    return _SPACED_CAPITAL.sub(lambda m: m[1] + m[2] if (m[1] + m[2]).lower() in vocab else m[0], text)


def text_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower().translate(_FOLD))


def similarity(a: str, b: str) -> float:
    ka, kb = text_key(a), text_key(b)
    if not ka or not kb:
        return 0.0
    return difflib.SequenceMatcher(None, ka, kb, autojunk=False).ratio()


def digits(text: str) -> str:
    """The digits of a text, in order ("3 remaining" -> "3")."""
    return re.sub(r"\D", "", text)


def containment(a: str, b: str, run: int = 1) -> float:
    """Share of the shorter text's characters found, in order, in the longer one: a line read
    whole in one frame and cut or garbled in the next still scores high. With `run` > 1, only
    runs of that many characters or more count (letters picked one by one from other words make
    no match: "Arnaqetron lost 2 points" is not in "Araaqetron core duAped Windows for 3 points")."""
    ka, kb = text_key(a), text_key(b)
    if not ka or not kb:
        return 0.0
    blocks = difflib.SequenceMatcher(None, ka, kb, autojunk=False).get_matching_blocks()
    return sum(bl.size for bl in blocks if bl.size >= run) / min(len(ka), len(kb))


# a HUD number as read: "75", "75%", "+100", "2/3", "9:51", "1:23.45"
_HUD_NUMBER = re.compile(r"[-+]?\d[\d/:.,]*%?")
# a count out of a total ("3/8": a turn, a lap, a wave): a HUD number's place read once surely
_OUT_OF = re.compile(r"\d{1,3}/\d{1,3}")


def _next_count(before: str, after: str) -> bool:
    """Is `after` the count after `before`, out of the same total ("4/8" -> "5/8")?"""
    a, b = _OUT_OF.fullmatch(before.strip()), _OUT_OF.fullmatch(after.strip())
    if a is None or b is None:
        return False
    (na, da), (nb, db) = (m.group(0).split("/") for m in (a, b))
    return da == db and int(nb) == int(na) + 1 and int(nb) <= int(db)


def _line_of_words(text: str) -> bool:
    """Three words, or two that read as words with a verb or the like in lower case ("Johnny
    checks.": a poker log's line); not a label of one word with its number ("Game: 1"), nor a
    name of two ("Red Raiders" over a team's hedgehogs, a "Drake Glider" unit)."""
    from ingest.words import readable  # (ingest.words reads text keys from here)

    found = re.findall(r"[A-Za-z]{2,}", text)
    return len(found) >= 3 or (len(found) == 2 and readable(text) and
                               any(w.islower() and len(w) >= 3 and w in vocabulary() for w in found))


def _unusable(track: "TextTrack") -> bool:
    """No read of it the recogniser was fairly sure of (small text over a moving view)."""
    return all(conf < 0.7 for _, conf in track.reads)


def _first_words_differ(a: str, b: str) -> bool:
    """"Major ate ..." and "Grism ate ...", not "Red" and "Red Raiders", "ed Raiders" (cut off at
    the left) and "Red Raiders", nor "Sarge vas" and "Sarge was"."""
    wa, wb = text_key(a.split()[0]) if a.split() else "", text_key(b.split()[0]) if b.split() else ""
    return bool(wa and wb) and not (wa.startswith(wb) or wb.startswith(wa) or wa.endswith(wb) or wb.endswith(wa))


def _same_geometry(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    wa, wb = a[2] - a[0], b[2] - b[0]
    return _iou(a, b) >= 0.85 and abs(wa - wb) <= 0.03 * wa


def _moved(first: tuple[float, float, float, float], box: tuple[int, int, int, int], size: tuple[int, int]) -> bool:
    """Has the text moved by more than half its height since it appeared? A line read in two
    pieces and then whole ("Grenade," then "Grenade, 3 sec") keeps its left edge, its right edge
    or its centre where it was: that line stood still."""
    w, h = size
    tol = 0.5 * (box[3] - box[1])
    fx0, fy0, fx1, fy1 = first[0] * w, first[1] * h, first[2] * w, first[3] * h
    if abs((box[1] + box[3]) / 2 - (fy0 + fy1) / 2) > tol:
        return True
    return min(abs(box[0] - fx0), abs(box[2] - fx1), abs((box[0] + box[2]) / 2 - (fx0 + fx1) / 2)) > tol


def _strokes(grey: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Where a box holds strokes (pixels far from the mean of their surroundings), as the share of
    them per cell of a 32x4 grid: a line of text changes it, a view moving behind a line that
    stays hardly does (its edges are soft next to a font's)."""
    import cv2

    x0, y0, x1, y1 = box
    crop = grey[y0:y1, x0:x1]
    k = max(3, (y1 - y0) | 1)
    strokes = (cv2.absdiff(crop, cv2.blur(crop, (k, k))) > 40).astype(np.float32)
    return cv2.resize(strokes, (32, 4), interpolation=cv2.INTER_AREA)


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    inter = floating_numbers.shared_area(a, b)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def merge_line_boxes(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Join boxes that are words of one line: the detector splits a line at wide letter gaps
    ("Red" + "Raiders"), and a split line is read as two texts that each mean less."""
    out: list[list[int]] = []
    for b in sorted(boxes, key=lambda b: (b[0], b[1])):
        h = b[3] - b[1]
        for m in out:
            mh = m[3] - m[1]
            overlap = min(m[3], b[3]) - max(m[1], b[1])
            if overlap >= 0.6 * min(h, mh) and max(h, mh) <= 1.5 * min(h, mh) and -2 <= b[0] - m[2] <= 0.8 * max(h, mh):
                m[:] = [min(m[0], b[0]), min(m[1], b[1]), max(m[2], b[2]), max(m[3], b[3])]
                break
        else:
            out.append(list(b))
    return sorted((tuple(m) for m in out), key=lambda b: (b[1], b[0]))  # type: ignore[misc]


@dataclass
class TextTrack:
    """One text at one place (or following one thing), from its first to its last sampled frame."""

    id: int
    t_start: float
    t_end: float
    box: tuple[float, float, float, float]  # last box, as fractions of the frame (x0, y0, x1, y1)
    reads: list[tuple[str, float]] = field(default_factory=list)  # recognised (text, confidence)
    frames: int = 1  # sampled frames that showed it
    moved: bool = False  # it followed text that moved (kill feed scrolling, a name tag)
    first_box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    shown: str | None = None  # which of its alike reads to show, when the most frequent one is run together
    popped: bool = False  # first read as a small number the detector missed (or saw and could not read), on new pixels
    boxed: bool = False  # ... read as the whole mark inside a box (so no cut-off piece of a longer number)

    @property
    def text(self) -> str:
        """The most frequent read (ties: the most confident); worked out again only when a read
        was added (matching asks for it thousands of times per video)."""
        if self.shown is not None:
            return self.shown
        if not self.reads:
            return ""
        cached = self.__dict__.get("_text")
        if cached is not None and cached[0] == len(self.reads):
            return cached[1]
        counts = Counter(text_key(t) for t, _ in self.reads)
        text = max(self.reads, key=lambda r: (counts[text_key(r[0])], r[1]))[0]
        self.__dict__["_text"] = (len(self.reads), text)
        return text

    @property
    def confidence(self) -> float:
        best = text_key(self.text)
        confs = [c for t, c in self.reads if text_key(t) == best]
        return float(np.mean(confs)) if confs else 0.0

    @property
    def duration(self) -> float:
        return self.t_end - self.t_start


@dataclass
class _Place:
    """Rows of the frame where short messages were shown (`TextTracker.glance`)."""

    box: tuple[float, float, float, float]  # the widest extent of those messages (fractions of the frame)
    count: int = 1  # messages seen there
    sig: np.ndarray | None = None  # its strokes (`_strokes`) when last looked at
    looks: int = 0  # glances that read it
    found: int = 0  # lines found there that were gone at the next `observe`

    def pixels(self, w: int, h: int) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = self.box
        return int(x0 * w), int(y0 * h), max(int(x0 * w) + 1, int(x1 * w)), max(int(y0 * h) + 1, int(y1 * h))


@dataclass
class _NumberPlace:
    """Where a HUD number stood still and was read surely (`TextTracker._hud_numbers`)."""

    box: tuple[int, int, int, int]  # pixels: where the number was last read surely
    misses: int = 0  # reads in a row there that found no number
    sig: np.ndarray | None = None  # its pixels (`TextTracker._signature`) when a read found no number


@dataclass
class _Open:
    track: TextTrack
    box: tuple[int, int, int, int]  # pixels
    sig: np.ndarray
    last_seen: float
    last_read: float = 0.0  # when its pixels were last recognised
    steady: int = 0  # detections in a row that found its box at the same place and width
    strokes: np.ndarray | None = None  # `_strokes` of its box, for a line with a number in it


@dataclass
class _Numbers:
    """What the number finders saw in one frame (`TextTracker._numbers`)."""

    read: list[tuple[tuple[int, int, int, int], tuple[str, float]]]  # sure digit reads where the detector saw no line
    boxed: set[tuple[int, int, int, int]]  # ... those that are a mark read whole in its box
    held: dict[tuple[int, int, int, int], floating_numbers.Boxed]  # detected lines that are a box with a mark in it
    going_on: list[tuple[tuple[int, int, int, int], _Open]]  # numbers in boxes read before, still there unchanged


@dataclass
class Prepared:
    """A frame's grey image, whether it moved since the last frame that did, and its lines' boxes
    (a future) with the bands of small text they were detected with."""

    grey: np.ndarray
    moved: bool
    bands: list[tuple[int, int]] = field(default_factory=list)
    boxes: Any = None


class TextTracker:
    """Follows the text on screen across sampled frames. One per video; `observe` each frame in
    time order, then `finish`. `engine` recognises lines; `detector` (default: `engine`) finds them,
    so an engine without a detector still reads tracks with the packaged one."""

    # largest |difference| (0..255) between cells of 64x36 grey thumbnails under which nothing
    # changed: a max, not a mean, so that one small new line (a damage number) is not missed
    GATE_DIFF = 6.0
    # mean |difference| of a line's 64x12 grey signature under which it is unchanged; the box's
    # margin shows the background, which moves under a panning camera (up to ~18 for an unchanged
    # name tag in Hedgewars), while another text in the same box differs by 40 or more
    SIG_DIFF = 16.0
    REREAD_S = 4.0  # a line of words at a steady place and width is read again after this long
    SIG_DIFF_DIGITS = 8.0  # one digit changed in the turn timer "29" -> "28": ~20
    SAME_PLACE_SIM = 0.6  # text similarity that joins a read to the open track at the same place
    SURE, SURE_SIM = 0.9, 0.95  # ... but two reads both this sure that begin differently must be this alike
    MOVED_SIM = 0.8  # ... to an open track elsewhere (moving text)
    SCROLL_CONTAINMENT = 0.75  # ... to an open track a few lines up or down at the same left or centre
    MIN_BOX_H = 9  # px with the detector's margin; glyphs about 5 px high, too small to read
    MIN_CONFIDENCE = 0.5  # recogniser confidence under which a read is a sprite or a texture
    UNREAD_JOIN_S = 3.0  # a line first read this long after an unreadable box appeared there started with it
    # boxes per frame where the detector found nothing but a small number may be (a read each; the
    # tallest new marks first, and units that animate are marks too: Wesnoth 22/53 with 3, 35/53 with 6)
    NUMBER_CANDIDATES = 6
    FRAMED_CANDIDATES = 2  # boxes per frame with a glyph in them and no line over them (a read each; 1 when the view moved)
    FOLLOW = 0.1  # share of the frame a number in a box may move between two sampled frames and be the same
    NUMBER_CONFIDENCE = 0.95  # digits-only reads of sprites and terrain are mostly under this
    GLANCE_MAX_S = 3.0  # a line of words shown at most this long is a message; where it was, `glance` looks
    GLANCE_AFTER = 2  # ... once this many were seen at that place
    # mean difference of a place's stroke shares (`_strokes`) above which it is read
    GLANCE_DIFF = 0.05
    # after this many glances at a place, this share of them must have found a line gone by the next
    # read (a feed whose lines stay for seconds gains nothing from them)
    GLANCE_TRIAL, GLANCE_YIELD = 20, 0.05
    GLANCE_PLACES = 8  # places looked at, at most (one recogniser call each when its pixels changed)
    NUMBER_PLACES = 8  # HUD number places read where the detector missed them (one call each when changed)
    NUMBER_PLACE_READS = 2  # sure reads of a number standing still that make its place one
    NUMBER_PLACE_MISSES = 6  # reads in a row that found no number there end a place (the HUD went)
    HUD_CHARS = "0123456789/:.,%+-"  # what a HUD number place is read with
    # ... and how sure a read there must be that is the next count of the one there ("4/8" -> "5/8"):
    # Wesnoth's "5/8" is read 0.84 sure, and was read ten seconds late, by the detector
    NEXT_COUNT_CONFIDENCE = 0.7
    DIGIT_STROKES = 0.25  # change of a cell of `_strokes` in a line with a number in it that says a digit changed
    DISCOVER_S = 30.0  # a frame larger than `max_side` is looked at whole this often, for small HUD numbers
    DISCOVER_EARLY_S, DISCOVER_EARLY_UNTIL = 10.0, 60.0  # ... and this often in the video's first minute
    DISCOVER_READS = 12  # ... with at most this many recogniser calls
    # ... and, when a look read nothing, again at the next frame, this many times in a video (a
    # frame still fading in from black: Warzone 2100's console at 00:00 is up, but dim)
    DISCOVER_RETRIES = 2
    SMALL_TEXT_LINES = 2  # sentences read surely at a large frame's own size only: their rows are read at that size
    BAND_LINES = 6  # ... the rows this many line heights above and below each

    def __init__(self, engine, detector=None, max_side: int = 640, max_gap_s: float = 1.6):
        self.engine = engine
        self.detector = detector or engine
        self.max_side = max_side
        self.max_gap_s = max_gap_s
        self._open: list[_Open] = []
        self._closed: list[TextTrack] = []
        self._next_id = 0
        self._gate_thumb: np.ndarray | None = None  # the thumbnail of the last prepared frame that moved
        self._prev_small: np.ndarray | None = None  # the last detected frame, shrunk (floating_numbers)
        self._now = 0.0
        self.detections = 0  # detector calls
        self.recognitions = 0  # recogniser calls
        self.reused = 0  # line boxes whose pixels had not changed
        self.frames = 0
        self.glances = 0  # recogniser calls at message places between two reads
        self._observed = 0.0  # the time of the last frame `observe` detected on
        self._places: list[_Place] = []
        self._glanced: list[tuple[_Open, _Place]] = []  # tracks the glances since the last `observe` started
        self._number_places: list[_NumberPlace] = []
        self._discovered = -1e9  # when `_discover` last looked
        self._rediscovered = 0  # looks that read nothing, made again at the next frame
        # rows (y0, y1) where lines too small for `max_side` were read: detected at the frame's own size
        self._bands: list[tuple[int, int]] = []
        # an executor of two threads beside this one: the next frame's lines are detected there (`prepare`),
        # and half of a frame's new lines read (`_read_ahead`); None: all of it in this thread
        self.pool: Any = None

    @staticmethod
    def _grey(image: np.ndarray) -> np.ndarray:
        import cv2

        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image

    @staticmethod
    def _signature(grey: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        import cv2

        x0, y0, x1, y1 = box
        # one size for every box: the detector's boxes jitter by a pixel or two from frame to frame
        return cv2.resize(grey[y0:y1, x0:x1], (64, 12), interpolation=cv2.INTER_AREA).astype(np.int16)

    def prepare(self, frame: Frame) -> "Prepared":
        """What `observe` will need first for this frame, worked out ahead: whether anything moved
        since the last frame that did (the gate), and if so the frame's lines, detected in `pool`
        (beside the reading of the frame before, which the stage does meanwhile).
        Frames must be prepared in the order they are observed; `observe` detects again when the
        bands of small text changed since (the result is what observing alone gives)."""
        import cv2

        grey = self._grey(frame.image)
        thumb = cv2.resize(grey, (64, 36), interpolation=cv2.INTER_AREA).astype(np.int16)
        if self._gate_thumb is not None and float(np.abs(thumb - self._gate_thumb).max()) < self.GATE_DIFF:
            return Prepared(grey, moved=False)
        self._gate_thumb = thumb
        bands = list(self._bands)
        boxes = self.pool.submit(self._detect_frame, frame.image, bands) if self.pool is not None else None
        return Prepared(grey, moved=True, bands=bands, boxes=boxes)

    def observe(self, frame: Frame, prepared: "Prepared | None" = None) -> None:
        self.frames += 1
        t, image = frame.t, frame.image
        self._now = t
        h, w = image.shape[:2]
        prepared = prepared or self.prepare(frame)
        grey = prepared.grey
        if not prepared.moved:
            for still in self._open:  # nothing moved: what was on screen still is
                if t - still.last_seen <= self.max_gap_s:
                    still.last_seen, still.track.t_end = t, t
                    still.track.frames += 1
            return
        self.detections += 1
        if prepared.boxes is not None and prepared.bands == self._bands:
            boxes = prepared.boxes.result()
        else:
            if prepared.boxes is not None:
                prepared.boxes.result()  # (detected with the bands of before `_discover` added one)
            boxes = self._detect_frame(image)
        self._observed = t
        numbers = self._numbers(image, grey, boxes)
        entries: list[tuple[tuple[int, int, int, int], tuple[str, float] | None, _Open | None]] = [
            *((b, None, None) for b in boxes), *((b, n, None) for b, n in numbers.read), *((b, None, o) for b, o in numbers.going_on)]
        self._read(t, image, grey, entries, numbers.held, set(numbers.boxed), ahead=self._read_ahead(image, grey, entries))
        self._hud_numbers(t, image, grey)
        every = self.DISCOVER_EARLY_S if t < self.DISCOVER_EARLY_UNTIL else self.DISCOVER_S
        if t >= self._discovered + every and max(h, w) > 1.25 * self.max_side:
            self._discover(t, image, grey, boxes)
        for place in self._places:
            if not self._retired(place):
                place.sig = _strokes(grey, place.pixels(w, h))
        for o, place in self._glanced:  # a line only a glance saw: what glances at its place are for
            place.found += o.last_seen < t
        self._glanced = []
        self._close(t)

    def glance(self, frame: Frame) -> None:
        """A frame between two `observe`s: at each place where messages keep replacing each other
        (captions, a notice line), a message shown for less than the time between two reads ("No
        weapon selected" for 0.4 s) is caught here. One recogniser call on the place's box, when
        its pixels changed, says whether a new line of words is there (a sure read unlike the
        lines read there last time); only then does the detector look at the place's rows, and
        the new lines found there start tracks."""
        t, image = frame.t, frame.image
        h, w = image.shape[:2]
        self._now = t
        grey = self._grey(image)
        for place in self._places:
            if place.count < self.GLANCE_AFTER or self._retired(place):
                continue  # not a message place yet, or one where glances find nothing new
            box = place.pixels(w, h)
            sig = _strokes(grey, box)
            if place.sig is not None and float(np.abs(place.sig - sig).mean()) <= self.GLANCE_DIFF:
                continue
            place.sig = sig
            place.looks += 1
            self.glances += 1
            self.recognitions += 1
            x0, y0, x1, y1 = box
            text, conf = self.engine.read_line(image[y0:y1, x0:x1])
            # a line on screen at the last read, here or elsewhere (a feed scrolls), waits for the next
            shown = [o for o in self._open if o.last_seen >= self._observed]
            if conf < self.SURE or not re.search(r"[A-Za-z]{3}", text) or \
                    any(len(text_key(o.track.text)) >= 0.75 * len(text_key(text)) and
                        containment(text, o.track.text) >= self.SCROLL_CONTAINMENT for o in shown):
                continue
            shown = [o for o in shown if floating_numbers.shared_area(o.box, box) > 0]
            # the detector misses or splits lines in a strip only a line or two high: it sees at
            # least 64 rows (at the frame's edge, all of them on the side away from it)
            rows = min(h, max(y1 - y0 + 2 * (y1 - y0), int(64 * max(h, w) / self.max_side)))
            top = min(max(0, (y0 + y1 - rows) // 2), h - rows)
            self.detections += 1
            # the strip scaled as the whole frame is (a frame's longer side to `max_side`), or at
            # its own size in a band of small text
            small = any(b0 < top + rows and top < b1 for b0, b1 in self._bands)
            strip = self._detect(image[top:top + rows], max(w, rows) if small else self.max_side * max(w, rows) // max(w, h))
            new = [b for b in ((b[0], b[1] + top, b[2], b[3] + top) for b in strip)
                   if floating_numbers.holds(box, b, 0.5) and not any(floating_numbers.holds(o.box, b, 0.5) for o in shown)]
            known = {id(o) for o in self._open}
            self._read(t, image, grey, [(b, None, None) for b in new], {}, set(), popped=False)
            self._glanced += [(o, place) for o in self._open if id(o) not in known]

    def _hud_numbers(self, t: float, image: np.ndarray, grey: np.ndarray) -> None:
        """HUD numbers the detector missed in this frame: small digits (a turn counter "5/8" in a
        top bar, a health count over a moving view) are found in some frames only, and a HUD
        series read in a third of them misses most changes. Where a number stood still and was
        read surely, its place is read again whenever no number was read there in this frame and
        its pixels changed: one recogniser call, with the characters of numbers only."""
        for o in self._open:  # the places: numbers that stood still, read surely
            if o.last_seen == t and not o.track.moved and _HUD_NUMBER.fullmatch(o.track.text) and o.track.confidence >= self.SURE \
                    and (o.track.frames >= self.NUMBER_PLACE_READS or _OUT_OF.fullmatch(o.track.text)):
                self._number_place(o.box)
        entries: list[tuple[tuple[int, int, int, int], tuple[str, float] | None, _Open | None]] = []
        # numbers read in this frame already (by the detector's lines or a number finder)
        read = [o.box for o in self._open if o.last_seen == t and _HUD_NUMBER.fullmatch(o.track.text)]
        for place in self._number_places:
            box = place.box
            if any(floating_numbers.shared_area(b, box) > 0 for b in read):
                place.misses = 0
                continue
            # the tracks at this place (a number finder's box is tighter than the place's)
            here = [o for o in self._open if not o.track.moved and floating_numbers.holds(box, o.box, 0.5)]
            kept = next((o for o in here if float(np.abs(o.sig - self._signature(grey, o.box)).mean()) <= self.SIG_DIFF_DIGITS), None)
            if kept is not None:
                entries.append((kept.box, None, kept))  # the number there has not changed
                continue
            sig = self._signature(grey, box)
            if place.sig is not None and float(np.abs(place.sig - sig).mean()) <= self.SIG_DIFF_DIGITS:
                continue  # what was read there last time, no number, is still there
            place.sig = sig
            x0, y0, x1, y1 = box
            pad = (y1 - y0) // 2  # a number finder's box is tight: the recogniser wants a margin
            self.recognitions += 1
            text, conf = self.engine.read_line(image[max(0, y0 - pad // 2):y1 + pad // 2, max(0, x0 - pad):x1 + pad],
                                               charset=self.HUD_CHARS)
            text = clean(text)
            if (conf >= self.SURE and _HUD_NUMBER.fullmatch(text)) or (conf >= self.NEXT_COUNT_CONFIDENCE and any(
                    _next_count(o.track.text, text) for o in here)):
                place.misses, place.sig = 0, None
                same = next((o for o in here if text_key(o.track.text) == text_key(text)), None)
                entries.append((same.box, None, same) if same else (box, (text, float(conf)), None))
            else:
                place.misses += 1
        self._number_places = [p for p in self._number_places if p.misses < self.NUMBER_PLACE_MISSES]
        if entries:
            self._read(t, image, grey, entries, {}, set(), popped=False)

    def _discover(self, t: float, image: np.ndarray, grey: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> None:
        """Small HUD numbers the detector misses at `max_side` (a strategy game's top bar at 720p:
        digits 12 px high, 6 px once the frame is shrunk): now and then the frame is detected at
        its own size, and the lines found only there are read; the sure numbers among them start
        tracks and become number places, read again from then on (`_hud_numbers`). Sentences read
        there start tracks too, and SMALL_TEXT_LINES of them make the tracker detect the rows
        around them (`_bands`) at the frame's own size from then on."""
        self._discovered = t
        self.detections += 1
        known = boxes + [p.box for p in self._number_places]
        small = [b for b in self._detect(image, max(image.shape[:2])) if not any(floating_numbers.shared_area(b, k) > 0 for k in known)]
        unread = []
        for b in small:
            o = next((o for o in self._open if o.last_seen == t and floating_numbers.shared_area(b, o.box) > 0), None)
            if o is None:
                unread.append(b)
            elif _HUD_NUMBER.fullmatch(o.track.text) and o.track.confidence >= self.SURE and not o.track.moved:
                self._number_place(b)  # read this frame already (a number finder: new pixels)
        entries: list[tuple[tuple[int, int, int, int], tuple[str, float] | None, _Open | None]] = []
        sentences: list[tuple[int, int, int, int]] = []
        for x0, y0, x1, y1 in sorted(unread, key=lambda b: b[3] - b[1])[:self.DISCOVER_READS]:  # the smallest first
            self.recognitions += 1
            text, conf = self.engine.read_line(image[y0:y1, x0:x1])
            text = clean(text)
            if conf >= self.SURE and _HUD_NUMBER.fullmatch(text):
                entries.append(((x0, y0, x1, y1), (text, float(conf)), None))
                self._number_place((x0, y0, x1, y1))
            elif conf >= self.SURE and _line_of_words(text):
                entries.append(((x0, y0, x1, y1), (text, float(conf)), None))  # a line of words too small at `max_side`
                sentences.append((x0, y0, x1, y1))
        if len(sentences) >= self.SMALL_TEXT_LINES or (sentences and self._bands):
            # a console or a log in a font too small for the detector at `max_side` (Warzone 2100's
            # ~10 px lines at 720p: 5 px once shrunk, none found): from now on it sees the rows
            # around those lines at the frame's own size
            for _, y0, _, y1 in sentences:
                self._band(y0, y1, image.shape[0])
        if entries:
            self._read(t, image, grey, entries, {}, set(), popped=False)
        elif self._rediscovered < self.DISCOVER_RETRIES:
            self._rediscovered += 1
            self._discovered = -1e9

    def _band(self, y0: int, y1: int, h: int) -> None:
        """Rows around a line of small text (a console's lines come above and below it), joined
        with the bands they overlap."""
        pad = self.BAND_LINES * (y1 - y0)
        lo, hi = max(0, y0 - pad), min(h, y1 + pad)
        for b0, b1 in list(self._bands):
            if b0 <= hi and lo <= b1:
                self._bands.remove((b0, b1))
                lo, hi = min(lo, b0), max(hi, b1)
        # a whole number of the detector's 32 px steps: a band it resized would squash its letters
        rows = min(h, -(-(hi - lo) // 32) * 32)
        lo = max(0, min(lo, h - rows))
        self._bands = sorted([*self._bands, (lo, lo + rows)])

    def _detect_frame(self, image: np.ndarray, bands: list[tuple[int, int]] | None = None) -> list[tuple[int, int, int, int]]:
        """The frame's lines: detected at `max_side`, and in the bands of small text (`bands`,
        default the tracker's) at the frame's own size (a box found there stands for the shrunk
        frame's boxes it overlaps, which merge or cut its small lines)."""
        bands = self._bands if bands is None else bands
        boxes = self._detect(image)
        if not bands:
            return boxes
        w = image.shape[1]
        fine = [(x0, y0 + b0, x1, y1 + b0) for b0, b1 in bands
                for x0, y0, x1, y1 in self._detect(image[b0:b1], max(w, b1 - b0))]
        return sorted([b for b in boxes if not any(floating_numbers.shared_area(b, f) > 0 for f in fine)] + fine,
                      key=lambda b: (b[1], b[0]))

    def _number_place(self, box: tuple[int, int, int, int]) -> None:
        for place in self._number_places:
            if _iou(place.box, box) >= 0.3:
                place.box = box  # the last box read there: a wider one takes in what is around the number
                return
        if len(self._number_places) < self.NUMBER_PLACES:
            self._number_places.append(_NumberPlace(box))

    def _detect(self, image: np.ndarray, max_side: int | None = None) -> list[tuple[int, int, int, int]]:
        w = image.shape[1]
        # a box touching the frame's edge holds text cut off by it: half a word reads as another word
        return [b for b in merge_line_boxes(self.detector.detect(image, max_side=max_side or self.max_side))
                if b[3] - b[1] >= self.MIN_BOX_H and b[2] - b[0] >= (b[3] - b[1]) * 0.6
                and b[0] > 1 and b[2] < w - 1]

    def _read_ahead(self, image: np.ndarray, grey: np.ndarray,
                    entries: list[tuple[tuple[int, int, int, int], tuple[str, float] | None, _Open | None]]) -> dict:
        """The reads this frame's boxes will want, every other one in `pool` (beside this thread):
        the boxes no open track's pixels match. A box `_read` finds unchanged after all is read for
        nothing; one it reads that is not here is read then. Empty without a pool."""
        if self.pool is None:
            return {}
        todo = list(dict.fromkeys(box for box, number, going_on in entries if number is None and going_on is None
                                  and self._unchanged(box, self._signature(grey, box), set(), grey) is None))
        if len(todo) < 2:
            return {}
        there = {box: self.pool.submit(self.engine.read_line, image[box[1]:box[3], box[0]:box[2]]) for box in todo[::2]}
        here = {box: self.engine.read_line(image[box[1]:box[3], box[0]:box[2]]) for box in todo[1::2]}
        return {**here, **{box: f.result() for box, f in there.items()}}

    def _read(self, t: float, image: np.ndarray, grey: np.ndarray,
              entries: list[tuple[tuple[int, int, int, int], tuple[str, float] | None, _Open | None]],
              held: dict, boxed: set, popped: bool = True, ahead: dict | None = None) -> None:
        """This frame's boxes into tracks: each with its read when it was read already (a small
        number), or the open track it goes on without a read (a number in a box, unchanged);
        `held`: lines that are a box with a mark in it; `boxed`: the boxes of numbers in boxes."""
        h, w = image.shape[:2]
        claimed: set[int] = set()
        for box, number, going_on in entries:
            if going_on is not None and id(going_on) in claimed:
                continue
            sig = self._signature(grey, box)
            o = going_on or (None if number else self._unchanged(box, sig, claimed, grey))
            if o is None:
                x0, y0, x1, y1 = box
                if number is None:
                    self.recognitions += 1
                    raw, conf = (ahead or {}).get(box) or self.engine.read_line(image[y0:y1, x0:x1])
                    if (conf < self.MIN_CONFIDENCE or not re.search(r"[A-Za-z0-9]", clean(raw))) and box in held:
                        # a box with a digit in it, its border read as strokes: the digit read alone
                        number = self._number(floating_numbers.cut_out(image, held[box]))
                        if number is not None:  # the number's place is its box's, not the line's margin and all
                            box = held[box].mark
                            sig = self._signature(grey, box)
                            boxed.add(box)
                if number is not None:
                    raw, conf = number
                text = respace(clean(raw))
                if conf < self.MIN_CONFIDENCE or not re.search(r"[A-Za-z0-9]", text):
                    # no text after all (a sprite, a texture): remembered as an empty track, so
                    # that the same pixels are not recognised again
                    o = self._start(t, box, (w, h), sig)
                else:
                    o = self._match(box, text, claimed, float(conf), box in boxed, (w, h)) or self._unread(box, claimed) or \
                        self._start(t, box, (w, h), sig)
                    o.track.popped = o.track.popped or (popped and number is not None and not o.track.reads)
                    o.track.boxed = o.track.boxed or (box in boxed and not o.track.reads)
                    o.track.reads.append((text, float(conf)))
                o.last_read = t
            else:
                self.reused += 1
            claimed.add(id(o))
            if o.last_seen != t or o.track.frames == 0:
                o.track.frames += 1
            if _moved(o.track.first_box, box, (w, h)):
                o.track.moved = True
            o.steady = o.steady + 1 if o.last_seen != t and _same_geometry(o.box, box) else 0
            o.box, o.sig, o.last_seen = box, sig, t
            o.strokes = _strokes(grey, box) if re.search(r"\d", o.track.text) else None
            o.track.t_end = t
            o.track.box = (box[0] / w, box[1] / h, box[2] / w, box[3] / h)

    def _numbers(self, image: np.ndarray, grey: np.ndarray, boxes) -> _Numbers:
        """Small numbers the detector missed (a damage number floating over a unit, a digit in a
        box), read with digits only; the detected lines that are a box with a mark in it, read so
        when the line's own read fails (a box's border read with its digit: "日"); and numbers in
        boxes read before and still there (a health tag): they go on without a read, so that a
        label stays on screen and a popup goes."""
        prev, small = self._prev_small, floating_numbers.shrink(image)
        self._prev_small = small
        marks = floating_numbers.boxed_marks(image, grey)
        held: dict[tuple[int, int, int, int], floating_numbers.Boxed] = {}
        for line in boxes:
            for m in marks:
                if floating_numbers.holds(line, m.mark):
                    held.setdefault(line, m)
        going_on: list[tuple[tuple[int, int, int, int], _Open]] = []
        framed: list[floating_numbers.Boxed] = []
        # the whole view moved (a scroll, a turn): every box is new, and most are labels
        limit = 1 if floating_numbers.view_moved(small, prev) else self.FRAMED_CANDIDATES
        for m in marks:
            if m in held.values():
                continue
            o = self._unchanged(m.mark, self._signature(grey, m.mark), {id(kept) for _, kept in going_on})
            if o is not None and o.track.boxed:
                going_on.append((m.mark, o))
            elif len(framed) < limit and floating_numbers.changed(m.inside, small, prev):
                framed.append(m)
        # a box found around a number is not looked at again as loose glyphs (its border would be one)
        around = [(x0 - 4, y0 - 4, x1 + 4, y1 + 4) for x0, y0, x1, y1 in (m.inside for m in framed)]
        loose = floating_numbers.number_boxes(image, prev, boxes + around, self.NUMBER_CANDIDATES, small)
        read = []
        for box, crop in [(m.mark, floating_numbers.cut_out(image, m)) for m in framed] + \
                [(b, image[b[1]:b[3], b[0]:b[2]]) for b in loose]:
            number = self._number(crop)
            if number:
                read.append((box, number))
        return _Numbers(read, {m.mark for m in framed}, held, going_on)

    def _number(self, crop: np.ndarray) -> tuple[str, float] | None:
        """A sure digits-only read of `crop`, or None."""
        self.recognitions += 1
        text, conf = self.engine.read_line(crop, charset="0123456789+-")
        return (text, float(conf)) if conf >= self.NUMBER_CONFIDENCE and re.fullmatch(r"[-+]?\d{1,4}", text) else None

    def _unchanged(self, box, sig, claimed, grey: np.ndarray | None = None) -> _Open | None:
        """The open track whose last pixels these are: at the same place, or moved (a name tag
        following its character, a scrolled line) with pixels closer still. Over a moving view
        (a first-person game) the pixels around the letters change every frame: a line of words
        read alike twice whose box keeps its place and width is taken as unchanged too (a new
        line of the same width at the same place is rare; lines holding digits are always read)."""
        for o in self._open:
            if id(o) in claimed or o.steady < 1 or re.search(r"\d", o.track.text):
                continue
            if _same_geometry(o.box, box) and self._now - o.last_read < self.REREAD_S:
                return o
        best, best_diff = None, 0.0
        aspect = (box[2] - box[0]) / max(1, box[3] - box[1])
        for o in self._open:
            if id(o) in claimed or abs((o.box[2] - o.box[0]) / max(1, o.box[3] - o.box[1]) / aspect - 1) > 0.2:
                continue
            # digits change few pixels ("29" -> "28"): a number must look more alike than words
            limit = self.SIG_DIFF_DIGITS if re.fullmatch(r"[\d\W]*", o.track.text) else self.SIG_DIFF
            if _iou(o.box, box) < 0.6:
                limit *= 0.7  # elsewhere on screen: must look more alike still
            diff = float(np.abs(o.sig - sig).mean())
            if diff <= limit and (best is None or diff < best_diff):
                if o.strokes is not None and grey is not None and _same_geometry(o.box, box) and \
                        float(np.abs(_strokes(grey, box) - o.strokes).max()) > self.DIGIT_STROKES:
                    continue  # a digit of the line changed ("Year: 1700 BCE (T47)" -> "... (T48)"), not the view behind it
                best, best_diff = o, diff
        return best

    def _match(self, box, text: str, claimed, conf: float = 0.0, boxed: bool = False,
               size: tuple[int, int] = (1, 1)) -> _Open | None:
        best, best_score = None, 0.0
        h = box[3] - box[1]
        key, number = text_key(text), digits(text)
        for o in self._open:
            if id(o) in claimed:
                continue
            other = o.track.text
            if number and digits(other) and number != digits(other):
                continue  # "3 remaining" -> "2 remaining", "29" -> "28": a new value is a new text
            other_key = text_key(other)
            same_place = _iou(o.box, box) >= 0.3
            # a line of a feed that scrolled: same left or centre, a few lines up or down (and most
            # of the shorter read found in the other: reads of small text over a moving view vary)
            scroll_place = (abs(o.box[1] - box[1]) <= 6 * h and min(len(key), len(other_key)) >= 6
                            and (abs(o.box[0] - box[0]) <= h or abs((o.box[0] + o.box[2]) - (box[0] + box[2])) <= 2 * h))
            # a number in a box that moved with what it labels (a health tag over a falling
            # character): the same number in a box, not far off (its pixels changed: not `_unchanged`)
            followed = boxed and o.track.boxed and key == other_key and \
                abs(o.box[0] - box[0]) <= self.FOLLOW * size[0] and abs(o.box[1] - box[1]) <= self.FOLLOW * size[1]
            if not scroll_place and not followed and \
                    2 * min(len(key), len(other_key)) < (self.SAME_PLACE_SIM if same_place else self.MOVED_SIM) * (len(key) + len(other_key)):
                continue  # too unlike in length to be alike enough (the similarity's bound), and nothing else joins them
            # two sure reads that begin differently are two lines ("Major ate Sorceress's rocket",
            # then "Grism ate Sorceress's rocket" in its place); an unsure one may be a misread
            sure = conf >= self.SURE and o.track.confidence >= self.SURE
            sim = similarity(text, other)
            if sure and sim < self.SURE_SIM and _first_words_differ(text, other):
                continue
            scrolled = scroll_place and containment(text, other) >= self.SCROLL_CONTAINMENT
            if (same_place and sim >= self.SAME_PLACE_SIM) or scrolled or followed or (len(key) >= 4 and sim >= self.MOVED_SIM):
                score = sim + (0.5 if same_place else 0.0)
                if score > best_score:
                    best, best_score = o, score
        return best

    def _unread(self, box, claimed) -> _Open | None:
        """An open track at this place that has shown a line since then without a usable read:
        small text over a moving view is often readable only after a second or two, and the line
        appeared when its box did."""
        for o in self._open:
            # (one unreadable for longer is something else at that place: a line shows up readable soon)
            if id(o) not in claimed and _unusable(o.track) and _iou(o.box, box) >= 0.5 and \
                    self._now - o.track.t_start <= self.UNREAD_JOIN_S:
                return o
        # or one a few lines below at the same left edge, seen last time: a feed line that was
        # unreadable when it appeared and was read only after the feed scrolled up
        h = box[3] - box[1]
        below = [o for o in self._open if id(o) not in claimed and _unusable(o.track) and o.last_seen < self._now
                 and abs(o.box[0] - box[0]) <= h and 0 < o.box[1] - box[1] <= 3 * h]
        return min(below, key=lambda o: o.box[1] - box[1], default=None)

    def _start(self, t: float, box, size, sig) -> _Open:
        w, h = size
        rel = (box[0] / w, box[1] / h, box[2] / w, box[3] / h)
        track = TextTrack(self._next_id, t, t, rel, first_box=rel, frames=0)
        self._next_id += 1
        o = _Open(track, box, sig, t)
        self._open.append(o)
        return o

    def _close(self, t: float) -> None:
        closing = [o for o in self._open if t - o.last_seen > self.max_gap_s]
        for o in closing:
            self._message_place(o.track)
        self._closed += [o.track for o in closing]
        self._open = [o for o in self._open if t - o.last_seen <= self.max_gap_s]

    def _retired(self, place: _Place) -> bool:
        """Glances at this place found nothing a read missed (a view moving behind a feed): none
        look at it again, so it never finds more."""
        return place.looks >= self.GLANCE_TRIAL and place.found < self.GLANCE_YIELD * place.looks

    def _message_place(self, track: TextTrack) -> None:
        """A line of words shown briefly, standing still and read surely, marks a message place:
        the rows it was on, across the widest line seen there (a caption is centred, a feed line
        starts at the left: either way the next one lies within or near it)."""
        if track.moved or track.duration > self.GLANCE_MAX_S or track.confidence < 0.8 or \
                not re.search(r"[A-Za-z]{3}", track.text):
            return
        b = track.box
        for place in self._places:
            p = place.box
            # the same rows, and overlapping: a feed line at the left and a label at the right are two places
            if min(p[3], b[3]) - max(p[1], b[1]) >= 0.6 * max(p[3] - p[1], b[3] - b[1]) and min(p[2], b[2]) > max(p[0], b[0]):
                place.box = (min(p[0], b[0]), min(p[1], b[1]), max(p[2], b[2]), max(p[3], b[3]))
                place.count += 1
                return
        if len(self._places) < self.GLANCE_PLACES:
            self._places.append(_Place(b))

    def finish(self) -> list[TextTrack]:
        tracks = self._closed + [o.track for o in self._open]
        self._open, self._closed = [], []
        return sorted((tr for tr in tracks if tr.reads), key=lambda tr: (tr.t_start, tr.box[1]))
