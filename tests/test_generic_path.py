"""The generic path (issue 12 part 3): games without a pack.

Text tracks on generated clips with planted text (onsets and ends known to the frame), what the
tracks mean (HUD series, persistent labels, typed messages, noise kept out) on tracks built by
hand, and real footage of two games gamekb has no Doom knowledge for: short excerpts of the
Hedgewars and Red Eclipse clips in tests/data (licences in tests/data/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ingest import decode
from ingest.ocr_engines import split_lines
from ingest.screen_events import _same_message, read_tracks
from ingest.words import classify_text, mend, readable, run_together, wordness
from ingest.screen_text import TextTrack, TextTracker, merge_line_boxes
from tests.clips import make_silent_video
from tests.conftest import DATA
from tests.kbcheck import gk as gamekb


@pytest.fixture(scope="module")
def engine():
    from ingest.ocr_engines import OnnxOcrEngine

    return OnnxOcrEngine()


def _track(tid, t0, t1, text, box, frames=None, moved=False, conf=0.95):
    return TextTrack(tid, t0, t1, box, reads=[(text, conf)], frames=frames or max(1, int((t1 - t0) * 2) + 1),
                     moved=moved, first_box=box)


# ---- text tracks on planted text -------------------------------------------------------------------

def test_tracks_follow_planted_text_from_onset_to_end(tmp_path, engine):
    clip = make_silent_video(tmp_path / "planted.mp4", 6.0, texts=[(1.0, 3.0, "LAP 2 COMPLETE"), (3.5, 5.0, "NEW RECORD")])
    tracker = TextTracker(engine)
    for frame in decode.sample_frames(clip.path, 2.0):
        tracker.observe(frame)
    tracks = tracker.finish()
    by_text = {t.text.upper(): t for t in tracks}
    lap, record = by_text.get("LAP 2 COMPLETE"), by_text.get("NEW RECORD")
    assert lap is not None and record is not None, [t.text for t in tracks]
    assert abs(lap.t_start - 1.0) <= 0.55 and abs(lap.t_end - 2.5) <= 0.55
    assert abs(record.t_start - 3.5) <= 0.55 and abs(record.t_end - 4.5) <= 0.55
    # a line whose pixels did not change between frames is not recognised again
    assert tracker.reused > 0 and tracker.recognitions < tracker.detections * 2



def _terrain(seed: int) -> np.ndarray:
    """A busy green map at 1280x720: blocks of random colour under pixel noise (grass, trees)."""
    import cv2

    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 255, (180, 320, 3)).astype(np.uint8)
    image = cv2.resize(blocks, (1280, 720), interpolation=cv2.INTER_NEAREST).astype(np.int16) // 2
    return np.clip(image + np.array([20, 70, 20]) + rng.integers(-30, 30, image.shape), 0, 255).astype(np.uint8)


def _floating(image: np.ndarray, text: str, xy: tuple[int, int], colour: tuple[int, int, int], px: int) -> np.ndarray:
    from PIL import Image, ImageDraw

    from tests.clips import _font

    out = Image.fromarray(image)
    ImageDraw.Draw(out).text(xy, text, font=_font(px), fill=colour, stroke_width=1, stroke_fill=(20, 10, 10))
    return np.asarray(out)


def test_a_message_shown_between_two_reads_is_caught_at_a_place_where_messages_come(tmp_path, engine):
    """Captions come and go at the screen's centre; then one is shown for 0.4 s, between two reads
    a second apart (Hedgewars' "No weapon selected" before the weapon's name). Ingest samples 2
    frames a second and reads text on one: the other is glanced at where messages come."""
    from ingest.rules import get_pack
    from ingest.stages import ScreenTextStage, watch

    texts = [(1.0, 3.0, "Help is on the way"), (4.0, 6.0, "Bazooka selected"), (7.0, 9.0, "Grenade ready now"),
             (12.4, 12.8, "No weapon selected")]
    clip = make_silent_video(tmp_path / "short.mp4", 15.0, texts=texts, size=(640, 360))

    def said(sample_fps):
        stage = ScreenTextStage(engine, None, get_pack("generic"), 1.0, clip.duration_s, early_s=0.5 / sample_fps)
        return [(round(e.t_start, 1), e.label) for e in watch(decode.sample_frames(clip.path, sample_fps), [stage]).events]

    with_glances = said(2.0)
    assert (12.5, "No weapon selected") in with_glances, with_glances
    assert [label for _, label in with_glances] == [text for _, _, text in texts]
    assert not any("weapon" in label for _, label in said(1.0))  # reads alone, a second apart, never see it


def test_a_small_number_the_detector_misses_over_busy_terrain_is_read(engine):
    from ingest.types import Frame

    ground = _terrain(0)
    # a red "22" and a cyan "7" (a team's colour) with a dark outline pop up over the map
    shown = _floating(_floating(ground, "22", (300, 440), (230, 30, 30), 20), "7", (800, 200), (90, 230, 230), 16)
    assert engine.detect(shown, max_side=640) == []  # what the finder is for
    tracker = TextTracker(engine)
    for t, image in enumerate([ground, shown, _terrain(0)]):
        tracker.observe(Frame(float(t), image))
    tracks = tracker.finish()
    assert sorted((tr.text, tr.t_start, tr.popped) for tr in tracks) == [("22", 1.0, True), ("7", 1.0, True)]
    # busy terrain alone, changing from frame to frame, reads as nothing
    quiet = TextTracker(engine)
    for t in range(3):
        quiet.observe(Frame(float(t), _terrain(t)))
    assert quiet.finish() == []


def _boxed(image: np.ndarray, text: str, xy: tuple[int, int], px: int) -> np.ndarray:
    """`text` in white in a small black box with a 1-px white border (a fuse timer, a framed popup)."""
    from PIL import Image, ImageDraw

    from tests.clips import _font

    out = Image.fromarray(image)
    draw = ImageDraw.Draw(out)
    font = _font(px)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x, y = xy
    draw.rectangle((x, y, x + right - left + 7, y + bottom - top + 7), fill=(0, 0, 0), outline=(255, 255, 255))
    draw.text((x + 4 - left, y + 4 - top), text, font=font, fill=(255, 255, 255))
    return np.asarray(out)


class _Blind:
    """A detector that finds no line: the case of a box too small for it at 640 px."""

    def detect(self, image, max_side=640):
        return []


@pytest.mark.parametrize("detector", [None, _Blind()], ids=["detected", "missed"])
def test_a_digit_in_a_framed_box_is_read_without_the_frame(engine, detector):
    from ingest.types import Frame

    ground = _terrain(0)
    # two digits ~8 px tall in bordered boxes pop up over the map and stay a second; read with its
    # box, a digit is its border's strokes ("日", "0"); the detector, when it finds a box, reads junk
    shown = _boxed(_boxed(ground, "3", (400, 300), 11), "7", (900, 200), 11)
    tracker = TextTracker(engine, detector)
    for t, image in enumerate([ground, shown, shown, _terrain(0)]):
        tracker.observe(Frame(float(t), image))
    tracks = tracker.finish()
    assert sorted((tr.text, tr.t_start, tr.t_end, tr.popped) for tr in tracks) == [("3", 1.0, 2.0, True), ("7", 1.0, 2.0, True)]
    assert all(tr.boxed and tr.frames == 2 for tr in tracks)


def _top_bar(values: list[str], shade: int) -> np.ndarray:
    """A 1280x720 frame with a strategy game's top bar: numbers 11 px high (5 px at 640)."""
    image = np.full((720, 1280, 3), (40, 35, 30), np.uint8)
    image[:24] = (70, 60, 45)
    image[300:340, 600:640] = shade  # something else in the view changes (the gate lets it through)
    for i, v in enumerate(values):
        image = _floating(image, v, (200 + 150 * i, 5), (230, 230, 230), 11)
    return image


def test_small_hud_numbers_of_a_large_frame_are_found_at_its_own_size_and_then_followed(engine):
    from ingest.types import Frame

    frames = [_top_bar(["4/8", "11", "6/14", "6", "8"], 10 * t) for t in range(3)] + \
             [_top_bar(["5/8", "4", "6/14", "7", "8"], 10 * t) for t in range(3, 6)]
    assert len(engine.detect(frames[0], max_side=640)) < 5  # what the look at the frame's own size is for
    tracker = TextTracker(engine)
    for t, image in enumerate(frames):
        tracker.observe(Frame(float(t), image))
    seen = {(tr.text, tr.t_start, tr.t_end) for tr in tracker.finish()}
    # every number from the first frame on, and the changed ones from their change on, read at their
    # place (one recogniser call each) with no second look at the whole frame (that comes every 30 s)
    assert {("4/8", 0.0, 2.0), ("11", 0.0, 2.0), ("6/14", 0.0, 5.0), ("5/8", 3.0, 5.0), ("4", 3.0, 5.0), ("7", 3.0, 5.0)} <= seen, seen
    assert tracker.detections == 7  # six frames at 640 px, one at 1280


def _console(lines: list[str], shade: int, px: int = 10) -> np.ndarray:
    """A 1280x720 frame with a console of small lines at its top left (Warzone 2100's ~10 px font:
    5 px at 640, where the detector finds none of them)."""
    image = np.full((720, 1280, 3), (30, 40, 35), np.uint8)
    image[400:440, 600:640] = shade  # something else in the view changes
    for i, line in enumerate(lines):
        image = _floating(image, line, (10, 10 + 16 * i), (230, 230, 230), px)
    return image


def test_a_console_too_small_for_the_detector_at_640_px_is_read_at_the_frames_own_size(engine):
    """0 of Warzone 2100's 39 console lines were found: at 640 px its text is 5 px. A look at the
    frame's own size in the first minute reads the sentences there, and the tracker reads the rows
    around them at that size from then on (not the whole frame: the tracker read Warzone 2100's
    clip in 16.0 s instead of 22.3 s, bench/text_tracks.py); lines that come later start tracks when
    they come. A frame whose small text is a label or a number (a strategy game's top bar) stays at 640 px."""
    from ingest.types import Frame

    first = ["[09:13] Yellow (private to Player): hello there friend", "Black gives you a new truck with wheels"]
    later = first + ["[09:15] Black (private to Player): I have more power now"]
    frames = [_console(first, 10 * t) for t in range(12)] + [_console(later, 10 * t) for t in range(12, 16)]
    assert not [b for b in engine.detect(frames[0], max_side=640) if b[1] < 100]  # what the look at full size is for
    tracker = TextTracker(engine)
    for t, image in enumerate(frames):
        tracker.observe(Frame(float(t), image))
    assert tracker._bands and tracker._bands[0][0] == 0 and tracker._bands[-1][1] <= 720 // 3, tracker._bands  # the console's rows
    assert all((b1 - b0) % 32 == 0 for b0, b1 in tracker._bands)  # as many rows as the detector takes unresized
    seen = {tr.text: tr.t_start for tr in tracker.finish()}
    assert seen.get("[09:15] Black (private to Player): I have more power now") == 12.0, seen
    assert seen.get("Black gives you a new truck with wheels") == 0.0, seen  # read at the first look, at 00:00
    labels = TextTracker(engine)
    for t in range(3):
        labels.observe(Frame(float(t), _top_bar(["4/8", "11", "6/14"], 10 * t)))
    assert labels._bands == []



def test_a_look_at_full_size_that_read_nothing_looks_again_at_the_next_frame(engine):
    """Warzone 2100's clip fades in from black with the game's settings already in its console:
    the first look at the frame's own size, at 00:00, read nothing, the next came at 00:10, and the
    six lines of its first five seconds were never read (30/41 of its lines; 38/41 with a second
    look). A look that read nothing is made again at the next frame, DISCOVER_RETRIES times in a
    video, so a game with no small text pays for two more looks, not one a frame."""
    from ingest.types import Frame

    lines = ["[09:13] Yellow (private to Player): hello there friend", "Black gives you a new truck with wheels"]
    frames = [(_console(lines, 0) * 0.04).astype(np.uint8)] + [_console(lines, 10 * t) for t in range(1, 6)]
    tracker = TextTracker(engine)
    for t, image in enumerate(frames):
        tracker.observe(Frame(float(t), image))
    seen = {tr.text: tr.t_start for tr in tracker.finish()}
    assert seen.get("Black gives you a new truck with wheels") == 1.0, seen
    blank = TextTracker(engine)
    for t in range(6):
        blank.observe(Frame(float(t), _console([], 10 * t)))
    assert blank.detections == 6 + 1 + TextTracker.DISCOVER_RETRIES
def test_a_digit_changing_in_a_line_of_words_is_a_new_text_though_the_line_looks_almost_the_same(engine):
    from ingest.types import Frame

    def panel(year: str, turn: int, shade: int) -> np.ndarray:
        image = np.full((360, 640, 3), (235, 225, 200), np.uint8)
        image[300:340, 500:540] = shade  # something else changes (the gate lets the frame through)
        return _floating(image, f"Year: {year} BCE (T{turn})", (20, 100), (20, 20, 20), 18)

    frames = [panel("1700", 47, 10 * t) for t in range(3)] + [panel("1650", 48, 10 * t) for t in range(3, 6)]
    tracker = TextTracker(engine)
    for t, image in enumerate(frames):
        tracker.observe(Frame(float(t), image))
    shown = [(tr.text, tr.t_start) for tr in tracker.finish()]
    assert shown == [("Year: 1700 BCE (T47)", 0.0), ("Year: 1650 BCE (T48)", 3.0)], shown


class _SeesFirst:
    """A detector that finds lines in the first `n` frames only: small HUD digits it finds now
    and then (a 12-px top bar, a count over a moving view)."""

    def __init__(self, engine, n):
        self.engine, self.n = engine, n

    def detect(self, image, max_side=640):
        self.n -= max_side == 640  # (a look at a large frame's own size finds the same)
        return self.engine.detect(image, max_side=max_side) if self.n >= 0 else []


def test_a_hud_number_found_once_is_read_again_at_its_place_when_the_detector_misses_it(engine):
    from ingest.types import Frame

    ground = np.full((720, 1280, 3), (40, 60, 90), np.uint8)
    frames = [_floating(ground.copy(), value, (1100, 620), (250, 250, 250), 40) for value in ["12"] * 3 + ["13"] * 3 + ["7"] * 3]
    frames = [f.copy() for f in frames]
    for i, f in enumerate(frames):
        f[:40, :40] = 10 * i  # something else changes in each frame (the gate lets it through)
    tracker = TextTracker(engine, _SeesFirst(engine, 2))
    for t, image in enumerate(frames):
        tracker.observe(Frame(float(t), image))
    tracks = tracker.finish()
    assert [(tr.text, tr.t_start, tr.t_end) for tr in tracks] == [("12", 0.0, 2.0), ("13", 3.0, 5.0), ("7", 6.0, 8.0)]
    assert not any(tr.popped for tr in tracks)  # read at its place, not found popping up
    # found once only (one frame): no place is known, and the number is not followed
    once = TextTracker(engine, _SeesFirst(engine, 1))
    for t, image in enumerate(frames):
        once.observe(Frame(float(t), image))
    assert [tr.text for tr in once.finish()] == ["12"]


def test_a_count_out_of_a_total_read_once_is_read_again_when_it_changes(engine):
    # a turn counter in a top bar ("3/8" -> "4/8") that the detector found in one frame only, while
    # units taller than its digits move about (the number finder's few boxes go to them first)
    from PIL import Image, ImageDraw

    from ingest.types import Frame

    def counter(values: list[str]) -> list[np.ndarray]:
        frames = []
        for t, value in enumerate(values):
            image = Image.fromarray(_floating(np.full((720, 1280, 3), (40, 60, 90), np.uint8), value, (200, 8), (250, 250, 250), 18))
            draw = ImageDraw.Draw(image)
            for k in range(10):  # rings 34 px tall, somewhere else each frame
                x, y = 100 + 110 * k, 300 + 40 * ((k + t) % 4)
                draw.ellipse((x, y, x + 30, y + 34), outline=(230, 200, 40), width=4)
            frames.append(np.asarray(image).copy())
        return frames

    class _Unsure:
        """The recogniser, reading one text less surely (Wesnoth's "5/8" at its place: 0.84)."""

        def __init__(self, unsure):
            self.unsure = unsure

        def detect(self, image, max_side=640):
            return engine.detect(image, max_side=max_side)

        def read_line(self, image, charset=None):
            text, conf = engine.read_line(image, charset=charset)
            return (text, 0.84) if text == self.unsure else (text, conf)

    # read surely; the next count read less surely is still the next count (it was read ten seconds
    # late, by the detector); a count that skips one, read so, is not taken
    for values, reads, seen in ((["3/8"] * 3 + ["4/8"] * 3, engine, [("3/8", 0.0), ("4/8", 3.0)]),
                                (["3/8"] * 3 + ["4/8"] * 3, _Unsure("4/8"), [("3/8", 0.0), ("4/8", 3.0)]),
                                (["3/8"] * 3 + ["5/8"] * 3, _Unsure("5/8"), [("3/8", 0.0)])):
        tracker = TextTracker(reads, _SeesFirst(engine, 1))
        for t, image in enumerate(counter(values)):
            tracker.observe(Frame(float(t), image))
        assert [(tr.text, tr.t_start) for tr in tracker.finish() if "/" in tr.text] == seen, (values, reads)


def test_a_box_with_a_number_that_stays_is_read_once_and_a_box_without_one_is_no_number(engine):
    from ingest import floating_numbers
    from ingest.types import Frame

    ground = _terrain(0)
    shown = _boxed(ground, "42", (600, 400), 11)
    tracker = TextTracker(engine, _Blind())
    for t, image in enumerate([ground, shown, shown, shown]):
        tracker.observe(Frame(float(t), image))
    # unchanged pixels in the box: the track goes on with no read
    assert [(tr.text, tr.t_start, tr.t_end, tr.frames) for tr in tracker.finish()] == [("42", 1.0, 3.0, 3)]
    # busy terrain and an empty box hold no mark in a box
    import cv2

    empty = cv2.rectangle(cv2.rectangle(ground.copy(), (600, 400), (614, 415), (0, 0, 0), -1), (600, 400), (614, 415), (255, 255, 255), 1)
    assert floating_numbers.boxed_marks(empty, cv2.cvtColor(empty, cv2.COLOR_RGB2GRAY)) == []
    assert [m.mark for m in floating_numbers.boxed_marks(shown, cv2.cvtColor(shown, cv2.COLOR_RGB2GRAY))] != []


def test_when_the_whole_view_moves_the_number_finder_reads_one_box_a_frame():
    from ingest import floating_numbers

    numbers = _terrain(0)
    for k, xy in enumerate([(200, 200), (600, 300), (1000, 500)]):
        numbers = _floating(numbers, str(20 + k), xy, (230, 30, 30), 20)
    still = floating_numbers.shrink(_terrain(0))  # the map stood still: three new numbers, three reads
    assert len(floating_numbers.number_boxes(numbers, still, [], 3)) == 3
    # a first-person view turning: most of the frame is new, and being new says little
    turned = floating_numbers.shrink(_terrain(5))
    assert len(floating_numbers.number_boxes(numbers, turned, [], 3)) == 1


def test_a_popup_number_shown_at_many_places_is_an_event_each_time_but_a_tag_is_not():
    # damage "5" over one unit, then another, then a third, each in one sampled frame and found
    # only as a popup; a "100" tag read by the detector at as many places is a label
    popups = [_track(k, 10.0 + 5 * k, 10.0 + 5 * k, "5", (0.2 * k + 0.1, 0.5, 0.2 * k + 0.12, 0.53), frames=1)
              for k in range(3)]
    for tr in popups:
        tr.popped = True
    tags = [_track(10 + k, 2.0 + 9 * k, 3.0 + 9 * k, "100", (0.2 * k, 0.3, 0.2 * k + 0.03, 0.33)) for k in range(4)]
    events = read_tracks([*popups, *tags], 60).events
    assert [(e.t_start, e.label) for e in events if e.source == "ocr"] == [(10.0, "5"), (15.0, "5"), (20.0, "5")]

def test_damage_popping_up_again_and_again_at_one_place_or_twice_at_once_is_a_hit_each_time():
    # a strategy game: units fight at one hex all game, so damage numbers pop up at one place at
    # times far apart ("5", "2", "4", "4"); two "5"s pop up 2 s apart over two units; the turn bar at
    # the top shows numbers the detector reads, one of them ("6", the income) read only once, one
    # of them "4" all along
    hex_ = (0.69, 0.68, 0.71, 0.72)
    # and "4" again 2 s after one: a popup floats away in a second, so two hits (Wesnoth: 35/53 -> 43/53)
    popups = [_track(k, t, t, v, hex_, frames=1, conf=1.0)
              for k, (t, v) in enumerate([(20.0, "5"), (50.0, "2"), (80.0, "4"), (82.0, "4"), (110.0, "4")])]
    popups += [_track(10, 4.0, 4.0, "5", (0.3, 0.4, 0.32, 0.44), frames=1, conf=1.0),
               _track(11, 6.0, 6.0, "5", (0.6, 0.5, 0.62, 0.54), frames=1, conf=1.0),
               _track(12, 6.5, 6.5, "5", (0.6, 0.48, 0.62, 0.52), frames=1, conf=1.0),  # the same one, floated up
               _track(13, 70.0, 70.0, "6", (0.5, 0.3, 0.52, 0.34), frames=1, conf=1.0)]
    for tr in popups:
        tr.popped = True
    turn = [_track(20 + k, 10.0 + 30 * k, 39.0 + 30 * k, f"{k + 3}/8", (0.18, 0.01, 0.2, 0.03)) for k in range(4)]
    income = _track(30, 35.0, 35.0, "6", (0.53, 0.01, 0.54, 0.03), frames=1, conf=0.94)
    gold = _track(31, 35.0, 125.0, "4", (0.26, 0.01, 0.27, 0.03))  # on screen 90 s: persistent, and no tag
    events = read_tracks([*popups, *turn, income, gold], 130.0).events
    assert [(e.t_start, e.label) for e in events if e.source == "ocr"] == \
        [(4.0, "5"), (6.0, "5"), (20.0, "5"), (50.0, "2"), (70.0, "6"), (80.0, "4"), (82.0, "4"), (110.0, "4")]


def test_a_number_read_whole_in_its_box_is_no_piece_of_a_tag_nor_a_tag_for_a_timer_showing_it():
    # a health tag "79" stays on screen (persistent); a damage "7" pops up in a box beside it, and
    # fuse digits "3" in a box over a bomb at three places while the turn timer reads "3" in the corner
    tag = [_track(k, 10.0 * k, 10.0 * k + 8, "79", (0.7, 0.6, 0.72, 0.62)) for k in range(4)]
    damage = _track(10, 21.0, 21.0, "7", (0.7, 0.57, 0.71, 0.59), frames=1, conf=0.99)
    fuses = [_track(20 + k, 5.0 + 12 * k, 5.0 + 12 * k, "3", (0.2 + 0.2 * k, 0.4, 0.21 + 0.2 * k, 0.42), frames=1, conf=0.99)
             for k in range(3)]
    timer = [_track(30 + k, 6.0 + 12 * k, 6.0 + 12 * k, "3", (0.03, 0.92, 0.07, 0.98), frames=1) for k in range(3)]
    for tr in [damage, *fuses]:
        tr.popped = tr.boxed = True

    def shown(tracks):
        return [(e.t_start, e.label) for e in read_tracks(tracks, 40).events if e.source == "ocr" and e.t_start in (5.0, 17.0, 21.0, 29.0)]

    assert shown([*tag, damage, *fuses, *timer]) == [(5.0, "3"), (17.0, "3"), (21.0, "7"), (29.0, "3")]
    # found loose (not in a box), the "7" may be a cut-off read of the tag, and a "3" read by the
    # detector at three places other than the timer's makes the fuse's "3" a tag
    damage.boxed = False
    elsewhere = [_track(40 + k, 1.0 + k, 1.5 + k, "3", (0.5, 0.1 + 0.2 * k, 0.52, 0.12 + 0.2 * k)) for k in range(3)]
    assert shown([*tag, damage, *fuses, *timer, *elsewhere]) == []


def test_words_of_one_line_are_one_box():
    # "Red" and "Raiders" 8 px apart on one 16 px line; a box on the next line stays apart
    assert merge_line_boxes([(10, 100, 40, 116), (48, 100, 120, 116), (10, 120, 60, 136)]) == \
        [(10, 100, 120, 116), (10, 120, 60, 136)]


def _two_lines(second: str, x: int, dy: int) -> np.ndarray:
    """A kill-feed line and a second line `dy` px lower starting at `x`, white on a dark view."""
    from PIL import Image, ImageDraw

    from tests.clips import _font

    img = Image.new("RGB", (640, 360), (40, 30, 25))
    draw = ImageDraw.Draw(img)
    draw.text((8, 20), "Grism ate Sorceress's rocket", font=_font(12), fill=(235, 235, 235))
    draw.text((x, 20 + dy), second, font=_font(12), fill=(235, 235, 235))
    return np.asarray(img)


@pytest.mark.parametrize("second, x, dy", [
    ("Major ate Sarge's grenade", 8, 11),  # a kill feed line right under another: their text regions touch
    ("following", 200, 5),  # an overlay half a line lower, beside the line (OpenArena's spectator view)
])
def test_two_touching_lines_are_read_as_two(engine, second, x, dy):
    # the detector's text regions of both lines merge into one; read as one box, neither line comes out
    image = _two_lines(second, x, dy)
    reads = [engine.read_line(image[y0:y1, x0:x1])[0] for x0, y0, x1, y1 in engine.detect(image, max_side=640)]
    assert "Grism ate Sorceress's rocket" in reads and second in reads, reads


def test_split_lines_keeps_one_line_whole():
    line = np.zeros((20, 200), np.float32)
    line[2:18, :] = 0.95  # one big line: no valley, no other height
    assert split_lines(line) == [(0, 0, 200, 20)]
    stacked = np.zeros((20, 200), np.float32)
    stacked[1:9, :], stacked[9:11, :], stacked[11:19, :] = 0.95, 0.4, 0.95  # two lines meeting at a dimmer row
    assert [(y0, y1) for _, y0, _, y1 in split_lines(stacked)] == [(1, 9), (9, 19)]  # cut at the dim rows


# ---- what the tracks mean -------------------------------------------------------------------------

def test_noise_is_never_an_event():
    assert not readable("ICKEG USHAU IEAUTHACE")
    assert not readable("07T8 9ptS")
    assert readable("Help for sick hedgehogs") and readable("You got the shotgun!")
    assert wordness("match start, fight!") > 0.9
    tracks = [_track(1, 10, 11.5, "ICKEG USHAU IEAUTHACE", (0.3, 0.4, 0.6, 0.45)),
              _track(2, 20, 21, "wasi gntghi uphn thelrnw0", (0.3, 0.5, 0.6, 0.55))]
    assert read_tracks(tracks, 60).events == []


def test_messages_are_typed_from_their_words():
    assert classify_text("anastasia was plasmified by billy @0.77m (78)")[0] == "kill"
    assert classify_text("You died")[0] == "death" and classify_text("Major blew herself up.")[0] == "death"
    # a line with no one before "by" is the player's own death; with someone, that one's
    assert classify_text("Fragged by Grism")[0] == "death" and classify_text("Grism was fragged by Tony")[0] == "kill"
    assert classify_text("Checkpoint reached")[0] == "objective"
    # a chat line: a name and a colon, perhaps a time before and to whom after it
    assert classify_text("Sarge: Back in my day, frags weren't so cheap.")[0] == "chat"
    assert classify_text("[09:15] Black-Crusher (private to Player): All my new shiny army for you.")[0] == "chat"
    assert classify_text("Lap 2/3")[0] == "round"
    assert classify_text("Achievement unlocked: Sharpshooter")[0] == "achievement"
    assert classify_text("Picked up 50 gold")[0] == "pickup"
    assert classify_text("-25")[0] == "damage"
    assert classify_text("Bazooka") is None
    # an amount of something picked up, with or without its plus; not a HUD label and its value
    assert classify_text("25 Health")[0] == classify_text("+25 Health")[0] == classify_text("+10 gold")[0] == "pickup"
    assert classify_text("Health 75") is None and classify_text("7") is None
    # a word of a kind's is no prefix of another word: a city founded is nothing found
    assert classify_text("You found a secret")[0] == "pickup" and classify_text("You have founded Torino") is None
    # what other genres put on screen: a team's round, a strategy game's alerts, a fighter's knockout
    kinds = {text: (classify_text(text) or ("",))[0] for text in (
        "Terrorists win", "Time's up", "Bomb has been planted", "Our base is under attack", "Unit lost", "K.O.",
        "+50 XP", "Extra life", "I will win this", "Koala")}
    assert kinds == {"Terrorists win": "round", "Time's up": "round", "Bomb has been planted": "objective",
                     "Our base is under attack": "objective", "Unit lost": "death", "K.O.": "kill", "+50 XP": "achievement",
                     "Extra life": "achievement", "I will win this": "", "Koala": ""}, kinds


def test_letters_a_small_font_is_misread_as_are_mended_where_one_word_is_meant():
    # Armagetron's and OpenArena's console fonts: w read u or v, m read n, g read q, l read I or 1
    assert mend("Uindous vas auarded 10 points for being last active tean") == "Windows was awarded 10 points for being last active team"
    assert mend("qITron Iost 2 points since it caused a general protect1on fault") == "qITron lost 2 points since it caused a general protection fault"
    assert mend("Quake entered the gane.") == "Quake entered the game." and mend("Arnaqetron l0st 2") == "Arnaqetron lost 2"
    assert mend("Lap2") == "Lap 2" and mend("Round10 begins") == "Round 10 begins" and mend("Cycles3D") == "Cycles3D"
    # OpenArena's "1st place with 10" read "lst placewith 10": a 1 read as an l, a narrow space lost
    assert mend("lst placewith 10") == "1st place with 10" and mend("Stanford") == "Stanford"
    # ... and read "lstplaçe_with 10" as the match ended: an ordinal run into its word, a mark read
    # on a plain letter, an underscore for a space: readable words once mended
    assert mend("lstplaçe_with 10") == "1st place_with 10" and readable("1st place_with 10")
    assert mend("2ndplace") == "2nd place" and mend("1stblorp") == "1stblorp" and readable("USE_ITEM")
    # "You fraggedGrism": a narrow space lost before a name; a name of joined words stays one
    assert mend("You fraggedGrism") == "You fragged Grism" and classify_text(mend("You fraggedGrism"))[0] == "kill"
    assert mend("DarkLord glTron xXSniperXx") == "DarkLord glTron xXSniperXx"
    # a number's 0 read as an O, its 1 as an l ("5O Health" is OpenArena's "50 Health"); not in a name
    assert mend("5O Health") == "50 Health" and mend("l00 armor") == "100 armor"
    assert mend("Hawk0z") == "Hawk0z" and mend("3D view") == "3D view" and mend("lO") == "lO"
    # names, words of the dictionary, ordinals, letters of other scripts stay as read
    for kept in ("Arnaqetron core dumped Kyonshi", "Theodor Körner", "GAME PAUSED", "Tied for 1st place"):
        assert mend(kept) == kept
    # and a line so mended is typed by its words: "vas ... by" is a kill once it reads "was"
    tracks = [_track(1, 10, 12, "Sarge vas melted by Angelyss's plasmagun", (0.0, 0.02, 0.5, 0.06))]
    (event,) = read_tracks(tracks, 60).events
    assert (event.kind, event.label, event.payload["read"]) == ("kill", "Sarge was melted by Angelyss's plasmagun",
                                                                "Sarge vas melted by Angelyss's plasmagun")


def test_a_games_own_kill_phrase_is_learned_from_the_lines_that_put_it_between_two_players():
    from ingest.words import Duels

    # Armagetron's feed says "core dumped": no kill word, but two lines put it between players the video names elsewhere
    lines = ["Linux entered the game", "Quake entered the game", "glTron lost 2 points", "Windows entered the game",
             "glTron core dumped Linux for 3 points", "Windows core dumped Quake for 3 points"]
    tracks = [_track(i, 5.0 * i, 5.0 * i + 3, text, (0.0, 0.02 + 0.04 * (i % 3), 0.5, 0.06 + 0.04 * (i % 3)))
              for i, text in enumerate(lines, 1)]
    kinds = {e.label: e.kind for e in read_tracks(tracks, 60).events}
    assert kinds["glTron core dumped Linux for 3 points"] == kinds["Windows core dumped Quake for 3 points"] == "kill", kinds
    assert kinds["Linux entered the game"] == kinds["glTron lost 2 points"] == "text", kinds
    assert Duels(lines).read("Quake core dumped Windows") == ("Quake", "Windows")
    # names counted in the video's other lines too, typed ones included, a misread "I" for "l" as one name
    duels = ["qlTron core dumped Linux for 3 points", "Windows core dumped Quake for 3 points"]
    others = ["qITron lost 2 points", "Linux entered the game", "Windows entered the game", "Go (round 1 of 30)! Quake"]
    assert Duels(duels, others).phrases == {"core dumped"} and Duels(duels).phrases == set()
    # a phrase one line only says, what is no kill ("overtook", "has finished building"), an owner's
    # thing after it ("Major ate Sarge's grenade": Major was killed), names not written as names: none
    for texts in (lines[:5], ["Tux overtook Konqi", "Konqi overtook Tux"],
                  ["Napoli has finished building City Walls", "Roma has finished building Napoli"],
                  ["Major ate Sarge's grenade", "Sarge ate Major's rocket"], ["anna core dumped bob", "bob core dumped anna"]):
        assert Duels(texts).phrases == set(), texts


def test_a_bitmap_fonts_kill_lines_are_each_an_event_though_read_with_letters_alike():
    # a console's lines in a bitmap font: "dumped" read "dunped", "Windows" read "Uindous"; two kill
    # lines within seconds share their template ("core dumped ... for 3 points") and differ in names
    # that are not read surely ("glTron": no capital first, no dictionary word)
    console = ["Linux entered the game", "Quake entered the game", "glTron entered the game",
               "Windows entered the game", "Arnaqetron entered the game", "Linux lost 2 points",
               "Windows lost 2 points", "glTron lost 2 points", "Arnaqetron core dumped Linux for 3 points",
               "Quake core dumped Windows for 3 points"]
    tracks = [_track(i, 2.0 * i, 2.0 * i + 1.5, text, (0.02, 0.02 + 0.03 * (i % 4), 0.6, 0.05 + 0.03 * (i % 4)))
              for i, text in enumerate(console, 1)]
    # two lines printed together at 30 s: the second reads as no words before its letters are mended
    tracks += [_track(20, 30.0, 34.0, "Arnaqetron core dunped Linux for 3 points", (0.02, 0.14, 0.6, 0.17)),
               _track(21, 31.0, 34.0, "glTron core dunped Uindous for 3 points", (0.02, 0.17, 0.6, 0.2))]
    events = [e for e in read_tracks(tracks, 60).events if e.t_start >= 30]
    assert [(e.t_start, e.label) for e in events] == [
        (30.0, "Arnaqetron core dumped Linux for 3 points"), (31.0, "glTron core dumped Windows for 3 points")], events
    assert {e.kind for e in events} == {"kill"}

    # as read on Armagetron's clip: a line read again cut off is the same line; two lines that share
    # the console's template but not the names the video shows in its other lines are two; nor is a
    # line made of letters picked one by one from another's words the same
    from ingest.screen_events import _same_message
    from ingest.words import known_words

    known = known_words(console + ["qlTron lost 2 points", "Linux lost 2 points"])
    assert _same_message("Arnagetron core dumped glTron for 3 points", "Arnagetron core dumped qlTron", known)
    assert not _same_message("glTron core dumped indous for 3 points", "Arnaqetron core dumped Linux for ∃ points", known)
    assert not _same_message("Arnaqetron lost 2 points", "Araaqetron core duAped Windows for 3 points", known)


def test_a_line_that_names_the_one_a_kill_line_killed_again_and_again_is_a_death():
    """Armagetron says a death twice: "Armagetron core dumped Linux for 3 points" and, at once,
    "Linux lost 2 points since it caused a general protection fault". The second kind of line is
    no kill and was untyped text: "when did Armagetron die?" found nothing. Where lines that go on
    alike name the one killed by a kill line at that moment, for two players or more, each of them
    is a death (also when its kill line was not read, and read with letters alike: "10st"); lines
    that go on alike but name no one killed ("... entered the game") stay text."""
    lines = [(1.0, "Linux entered the game"), (1.0, "Quake entered the game"), (1.0, "Windows entered the game"),
             (10.0, "Arnaqetron core dumped Linux for 3 points"), (10.5, "Linux lost 2 points since it caused a general protection fault"),
             (20.0, "Quake core dumped Windows for 3 points"), (21.0, "Windows 10st 2 points since it caused a general protection fault"),
             (30.0, "Windows core dumped Quake for 3 points"),
             (50.0, "Arnaqetron lost 2 points since it caused a general protection fault"),  # its kill line unread
             (60.0, "Quake entered the game")]
    tracks = [_track(i, t, t + 3.0, text, (0.02, 0.02 + 0.03 * (i % 4), 0.7, 0.05 + 0.03 * (i % 4)))
              for i, (t, text) in enumerate(lines, 1)]
    kinds = {(e.t_start, e.kind) for e in read_tracks(tracks, 90).events if e.source == "ocr"}
    assert {(10.5, "death"), (21.0, "death"), (50.0, "death")} <= kinds, kinds
    assert {(1.0, "text"), (60.0, "text")} <= kinds and (10.0, "kill") in kinds, kinds
    # one such line that met a kill is no pattern yet
    one = [tr for tr in tracks if tr.t_start not in (20.0, 21.0)]
    assert {e.kind for e in read_tracks(one, 90).events if e.t_start in (10.5, 50.0)} == {"text"}


def test_a_name_misread_or_cut_off_is_the_name_the_video_shows_most():
    from ingest.words import Names

    names = Names(["Torino grows to size 2.", "Torino is building Settlers.", "You bought Settlers in Torino.",
                   "Tony was gunned down by Kyonshi", "Kyonshi blew herself up", "Grism ate Kyonshi's rocket"])
    assert names.mend("You have founded Torine") == "You have founded Torino"  # e read for o
    assert names.mend("Iorino is building Phalanx.") == "Torino is building Phalanx."
    assert Names(["Quake lost 2 points"] * 3).mend("Fastest: Duake 28.3") == "Fastest: Quake 28.3"  # a D for a Q, not a d for a q
    # a g read as a q most of the time ("qlTron" 4 lines, "glTron" 1): "q" goes with "u", so the
    # name is the one read with a g, whichever is read more
    tron = Names(["qlTron core dumped Linux", "Watching qlTron", "qlTron lost 2 points", "Winner: qlTron", "Watching glTron"])
    assert tron.mend("Vatching glTron") == "Watching glTron" and tron.mend("qlTron was awarded") == "glTron was awarded"
    assert Names(["Iqbal won", "Iqbal lost", "Iqbal left"]).mend("Iqbal is back") == "Iqbal is back"  # no g read: as read
    assert names.mend("Sarge was gunned down by Kyonsh") == "Sarge was gunned down by Kyonshi"  # cut off at the line's end
    # a shorter word elsewhere in the line, a name seen too seldom, another word: as read
    for kept in ("Kyonsh was gunned down by Sarge", "Torrent grows", "Tony was gunned down by Grisn"):
        assert names.mend(kept) == kept


def test_a_capital_read_apart_from_its_word_joins_it_where_they_make_a_word():
    from ingest.screen_text import respace

    # Armagetron's letter-spaced centre font: "Winner: Windows" read "W inner :" and "W indows"
    assert respace("W inner :") == "Winner :" and respace("W indows") == "Windows" and respace("NeW M atch") == "NeW Match"
    assert respace("w inner") == "winner"  # (its small letter too: Armagetron's round 2, re-rendered)
    for kept in ("team B wins", "Press F to pay", "A round begins", "I won", "X marks the spot", "team b wins", "u dead"):
        assert respace(kept) == kept


def test_a_line_read_run_together_most_often_shows_its_words_apart():
    pickup = TextTrack(1, 5.0, 7.0, (0.1, 0.83, 0.32, 0.87), reads=[("25Health", 0.95), ("25Health", 0.93), ("25 Health", 0.9)],
                       frames=3, first_box=(0.1, 0.83, 0.32, 0.87))
    assert [(e.kind, e.label) for e in read_tracks([pickup], 60).events] == [("pickup", "25 Health")]


def test_hud_numbers_become_a_named_series_and_labels_are_no_events():
    box = (0.08, 0.90, 0.12, 0.95)
    label = _track(0, 0, 120, "HEALTH", (0.01, 0.90, 0.07, 0.95))
    values = [100, 100, 85, 85, 60, 20, 20, 100]
    health = [_track(i + 1, i * 15.0, i * 15.0 + 14.5, str(v), box) for i, v in enumerate(values)]
    message = _track(50, 40.0, 42.0, "Checkpoint reached", (0.35, 0.2, 0.65, 0.25))
    reading = read_tracks([label, *health, message], 120)
    assert reading.series == {"health": "health"}
    samples = [(s.t, s.values["health"]) for s in reading.states]
    assert samples[0] == (0.0, 100.0) and (75.0, 20.0) in samples
    kinds = [(e.kind, e.label) for e in reading.events]
    assert ("objective", "Checkpoint reached") in kinds
    assert ("hud", "health 85 -> 60") in kinds
    assert not any(e.label == "HEALTH" for e in reading.events)  # the label stays context
    assert "HEALTH" in reading.persistent


def test_a_count_written_with_an_x_by_its_icon_is_a_hud_number():
    # a platformer's lives by a head icon, "x3" -> "x2" -> "x1": a series whose changes are events,
    # no line of text
    lives = [_track(i, 40.0 * i, 40.0 * i + 39.5, f"x{3 - i}", (0.05, 0.03, 0.09, 0.07)) for i in range(3)]
    reading = read_tracks(lives, 120)
    assert [e.label for e in reading.events] == ["top-left 3 -> 2", "top-left 2 -> 1"], reading.events

def test_a_cut_off_read_of_a_hud_number_is_no_damage_popup_but_a_popup_elsewhere_is():
    # a clock at the top right ticks every second; once it is read only in part ("33" of "9:33")
    clock_box = (0.93, 0.03, 0.99, 0.07)
    clock = [_track(i + 1, i * 1.0, i * 1.0 + 0.5, f"9:{59 - i:02d}", clock_box) for i in range(60)]
    # its box jittered between two reads, so it is no part of the clock's slot itself
    cut_off = _track(100, 26.0, 26.5, "33", (0.935, 0.031, 0.99, 0.067), frames=2, moved=True)
    popup = _track(101, 40.0, 41.0, "-25", (0.45, 0.40, 0.50, 0.44), frames=2)
    events = read_tracks([*clock, cut_off, popup], 60).events
    assert [(e.kind, e.label) for e in events if e.kind == "damage"] == [("damage", "-25")]


def test_the_hud_boxes_index_finds_what_comparing_every_box_finds():
    # a long video's HUD reads are filed by grid cell; the answers must be those of going through
    # every box: most of a box on one HUD box, or a number on the row of a HUD bar at an edge
    from ingest.screen_events import EDGE, _HudBoxes

    rng = np.random.default_rng(7)

    def box(size):
        x0, y0 = rng.uniform(-0.02, 1.0, 2)
        w, h = rng.uniform(0.005, size, 2)
        return (float(x0), float(y0), float(x0 + w), float(y0 + h))

    hud = [box(0.2) for _ in range(300)] + [box(0.05) for _ in range(300)]
    index = _HudBoxes(hud + hud[:50])  # the same box read in many frames

    def covers(b):
        area = max(1e-9, (b[2] - b[0]) * (b[3] - b[1]))
        return any(max(0.0, min(b[2], h[2]) - max(b[0], h[0])) * max(0.0, min(b[3], h[3]) - max(b[1], h[1])) >= 0.5 * area
                   for h in hud)

    def on_bar(b):
        if EDGE < b[1] and b[3] < 1 - EDGE:
            return False
        return any(min(b[3], h[3]) - max(b[1], h[1]) >= 0.5 * min(b[3] - b[1], h[3] - h[1])
                   and (h[3] <= EDGE or h[1] >= 1 - EDGE) for h in hud)

    queries = [box(0.1) for _ in range(2000)]
    assert [index.covers(q) for q in queries] == [covers(q) for q in queries]
    assert [index.on_bar(q) for q in queries] == [on_bar(q) for q in queries]
    assert 0 < sum(map(covers, queries)) < len(queries) and 0 < sum(map(on_bar, queries)) < len(queries)


def test_a_tags_number_and_its_cut_off_pieces_are_no_popups_but_a_lone_number_is():
    # "100" over each character, seen at four places as the camera moves; reads that lost a digit
    # ("10", "00") of it, a number at a HUD place that never changed, and one real popup
    tracks = [_track(k, 2.0 + 5 * k, 3.0 + 5 * k, "100", (0.2 * k, 0.5, 0.2 * k + 0.03, 0.53)) for k in range(4)]
    tracks += [_track(10, 30.0, 31.0, "10", (0.61, 0.3, 0.63, 0.33), frames=2),
               _track(11, 35.0, 36.0, "00", (0.41, 0.7, 0.43, 0.73), frames=2)]
    tracks += [_track(20 + k, 4.0 + 9 * k, 4.5 + 9 * k, "40", (0.94, 0.85, 0.96, 0.87)) for k in range(3)]
    tracks.append(_track(30, 44.0, 45.0, "25", (0.5, 0.2, 0.52, 0.23), frames=2))
    events = read_tracks(tracks, 60).events
    assert [(e.t_start, e.label) for e in events if e.source == "ocr"] == [(44.0, "25")]


def test_a_countdown_is_one_round_start_not_three_damage_numbers():
    centre = (0.47, 0.4, 0.53, 0.5)
    tracks = [_track(k, 10.0 + k, 10.8 + k, str(3 - k), centre, frames=2) for k in range(3)]
    tracks.append(_track(5, 13.0, 14.0, "GO!", (0.44, 0.4, 0.56, 0.5), frames=2))
    tracks.append(_track(6, 40.0, 41.0, "3", (0.2, 0.6, 0.22, 0.63), frames=2))  # a lone number: a popup, untyped
    events = [(e.t_start, e.kind, e.label) for e in read_tracks(tracks, 60).events]
    assert events == [(10.0, "round", "countdown 3, 2, 1"), (13.0, "round", "GO!"), (40.0, "text", "3")]


def test_a_label_read_with_one_letter_wrong_half_the_time_is_still_persistent_and_hud_digits_are_no_text():
    box = (0.67, 0.0, 0.99, 0.04)
    tracks = [_track(1, 0.0, 57.0, "USE_ITEM to stop following", box),
              _track(2, 58.0, 111.0, "USE_ITEM to stop folloving", box),  # neither alone is half the video
              _track(3, 30.0, 30.5, "1000 125", (0.01, 0.9, 0.45, 0.99), frames=1),  # health, armor, ammo as one line
              _track(4, 40.0, 42.0, "Sarge was railed by Tony", (0.01, 0.05, 0.5, 0.08))]
    reading = read_tracks(tracks, 120)
    assert [e.label for e in reading.events] == ["Sarge was railed by Tony"]
    assert "USE_ITEM to stop following" in reading.persistent


def test_a_console_sentence_after_each_death_is_a_message_each_time_not_a_label():
    """Armagetron prints "X lost 2 points since it caused a general protection fault" after each
    death, on screen about 10 s and read in several tracks as the console scrolls: eight of them,
    about four names, are not one label on screen for 40 s."""
    line = "{} lost 2 points since it caused a general protection fault"
    names = ["Quake", "Linux", "Windows", "Armagetron"]
    tracks = [_track(2 * i + k, 12.0 * i + 5 * k, 12.0 * i + 5 * k + 4.5, line.format(name if k == 0 else name + "s"),
                     (0.01, 0.01 + 0.03 * k, 0.6, 0.04 + 0.03 * k), moved=k == 1)
              for i, name in enumerate(names) for k in (0, 1)]
    reading = read_tracks(tracks, 100)
    assert not reading.persistent
    said = [e.label for e in reading.events]
    assert [n for n in names if any(label.startswith(n + " lost") for label in said)] == names, said
    # a short label shown again and again still is one
    label = [_track(20 + i, 20.0 * i, 20.0 * i + 9.0, "Rubber Used", (0.7, 0.93, 0.9, 0.96)) for i in range(5)]
    assert "Rubber Used" in read_tracks(label, 100).persistent


class _Scripted:
    """A detector and recogniser that find one box on every frame and read what the script says
    for the frame's time (the tracker under test gets real pixels; only the models are scripted)."""

    def __init__(self, script):
        self.script, self.t = script, 0.0

    def detect(self, image, max_side=640):
        return [(40, 40, 40 + 6 * max(10, len(self.script(self.t)[0])), 60)]  # as wide as its text

    def read_line(self, crop, charset=None):
        # a digits-only read is of a box the tracker found itself (floating numbers), not the scripted one
        return self.script(self.t) if charset is None else ("", 0.0)


def test_a_line_read_long_after_an_unreadable_box_appeared_there_starts_when_it_is_read():
    import numpy as np

    from ingest.types import Frame

    models = _Scripted(lambda t: ("You fragged Bob", 0.95) if t >= 6 else ("", 0.2))
    tracker = TextTracker(models)
    rng = np.random.default_rng(0)
    still = rng.integers(0, 255, (120, 320, 3), dtype=np.uint8)  # something unreadable stays there 6 s
    for k in range(10):
        models.t = float(k)
        tracker.observe(Frame(float(k), still if k < 6 else rng.integers(0, 255, (120, 320, 3), dtype=np.uint8)))
    read = [t for t in tracker.finish() if t.text == "You fragged Bob"]
    assert len(read) == 1 and read[0].t_start == 6.0  # not 0.0, when something unreadable first showed there


def test_a_new_kill_line_in_the_place_of_one_that_shared_its_words_is_a_new_line():
    import numpy as np

    from ingest.types import Frame

    lines = {0: ("Major ate Sorceress's rocket", 0.97), 3: ("Kyonshi ate Sorceress's rocket", 0.98),
             5: ("Kyonshi ate Sorceress's rocket", 0.62)}  # then an unsure read of the same line
    models = _Scripted(lambda t: lines[max(k for k in lines if k <= t)])
    tracker = TextTracker(models)
    rng = np.random.default_rng(1)
    for k in range(7):
        models.t = float(k)
        tracker.observe(Frame(float(k), rng.integers(0, 255, (120, 320, 3), dtype=np.uint8)))
    assert [(t.t_start, t.text) for t in tracker.finish()] == [(0.0, "Major ate Sorceress's rocket"),
                                                               (3.0, "Kyonshi ate Sorceress's rocket")]


def test_kill_lines_about_other_players_are_new_events_but_rereads_of_one_line_are_not():
    box = (0.02, 0.1, 0.45, 0.13)

    def lines(*texts: str) -> list[str]:
        tracks = [_track(k + 1, 10.0 + 2 * k, 11.5 + 2 * k, text, box, frames=3) for k, text in enumerate(texts)]
        return [e.payload["text"] for e in read_tracks(tracks, 90).events]

    # one line's words with another name first or last: another kill, whatever shape the feed has
    assert lines("Angelyss was electrocuted by Sarge", "Tony was electrocuted by Sarge") == \
        ["Angelyss was electrocuted by Sarge", "Tony was electrocuted by Sarge"]
    assert lines("Major ate Sorceress's rocket", "Grism ate Sorceress's rocket") == \
        ["Major ate Sorceress's rocket", "Grism ate Sorceress's rocket"]
    assert lines("You fragged Major", "You fragged Sorceress") == ["You fragged Major", "You fragged Sorceress"]
    # the same line read again with its name misread, cut, or starting with a scrap of junk
    assert lines("Angelyss ate Kyonshi's rocket", "Angelys ate Kyonshi's rocket") == ["Angelyss ate Kyonshi's rocket"]
    assert lines("Tony was gunned down by Kyonshi", "down by Kyonshi") == ["Tony was gunned down by Kyonshi"]
    assert lines("anastasia was pierced by billy @3.98m (97)", "ikTr was pierced by billy @3.98m (97)") == \
        ["anastasia was pierced by billy @3.98m (97)"]


def test_a_log_that_prints_the_same_lines_again_and_robots_named_by_number():
    """BZFlag's message panel: newest line at the bottom, each line a row up at the next; robots
    "Hawk00".."Hawk05" and "Mouse movement" after each respawn. A line seen in two rows of the log
    is a message each time it is printed (no label, however often and long it shows), the rows of a
    log are one place (no name tag shown all over), another robot's number is another kill, and the
    same line printed anew while the first is still up the log is another message."""
    row = 0.022

    def at(k: int) -> tuple[float, float, float, float]:  # the log's k-th row from the bottom
        return (0.28, 0.94 - k * row, 0.55, 0.94 - k * row + 0.02)

    tracks, tid = [], 0
    printed = ["Mouse movement", "Keyboard movement", "Shot myself", "Hawk: blew myself up"] * 3
    for i, text in enumerate(printed):
        t = 20.0 + 7.5 * i
        for k in range(5):  # read again in each row as the log of five rows scrolls on: 7.5 s a row
            tid += 1
            tracks.append(_track(tid, t + 7.5 * k, t + 7.5 * k + 7.0, text, at(k)))
    kills = [(9.0, "Hawk05: killed by Hawk03"), (10.0, "Hawk02: killed by Hawk03"), (12.0, "Hawk05: killed by Hawk03")]
    for t, text in kills:
        tid += 1
        tracks.append(_track(tid, t, t + 7.0, text, at(0 if t != 9.0 else 1)))
    reading = read_tracks(tracks, 150)
    assert "Mouse movement" not in reading.persistent and "Shot myself" not in reading.persistent
    said = [(e.t_start, e.payload["text"], e.kind) for e in reading.events]
    assert [t for t, text, _ in said if text == "Mouse movement"] == [20.0, 50.0, 80.0], said
    assert [(t, kind) for t, text, kind in said if text == "Shot myself"] == [(35.0, "death"), (65.0, "death"), (95.0, "death")]
    assert [(t, text, kind) for t, text, kind in said if "killed" in text] == \
        [(9.0, "Hawk05: killed by Hawk03", "kill"), (10.0, "Hawk02: killed by Hawk03", "kill"),
         (12.0, "Hawk05: killed by Hawk03", "kill")], said


def test_a_numbered_name_read_with_a_digit_as_a_letter_is_that_name_and_another_number_is_another_name():
    from ingest.words import Names
    from retrieval.obituaries import killer_of, same_name, victim_of

    names = Names([], numbered=["Hawk02: killed by Hawk03"] * 3 + ["Hawk04: killed by Hawk00"] * 3 + ["Hawk05: blew myself up"])
    assert names.mend("Hawk0z: killed by Hawkoo") == "Hawk02: killed by Hawk00"
    assert names.mend("Hawko4: killed by Hawk3") == "Hawk04: killed by Hawk3"  # a digit lost: not guessed
    assert not same_name("Hawk02", "Hawk04") and same_name("Hawk02", "Hawk02") and same_name("Sarge", "Sarqe")
    # the player "Hawk" is none of the robots named after him ("Hawk: blew myself up" is not Hawk03's)
    assert not same_name("Hawk", "Hawk03") and same_name("Hawk0", "Hawk03")
    from ingest.screen_events import _numbered_apart
    assert _numbered_apart("Hawk:", "Hawk05:") and not _numbered_apart("Hawk0z", "Hawk02")
    # "X: killed by Y": X died, Y killed; no one talking
    assert classify_text("Hawk04: killed by teammate Hawk03") == ("kill", 0.75)
    assert (victim_of("Hawk04: killed by teammate Hawk03", "kill"), killer_of("Hawk04: killed by teammate Hawk03", "kill")) == \
        ("Hawk04", "Hawk03")
    assert classify_text("Hawk: blew myself up")[0] == "death" and classify_text("Sarge: Yep") == ("chat", 0.6)
    assert victim_of("Shot myself", "death") == "you" and killer_of("Got shot by Hawk05 (Green Team)", "death") == "Hawk05"


def test_a_piece_of_a_name_tag_is_no_event():
    tracks = [_track(k, 5.0 + 10 * k, 6.0 + 10 * k, "Blue Brigade", (0.1 * k, 0.5, 0.1 * k + 0.08, 0.53)) for k in range(4)]
    # cut off as its character walked under the caption box, where messages keep appearing
    tracks.append(_track(10, 14.0, 15.0, "Brigadee", (0.45, 0.02, 0.55, 0.05), frames=3))
    captions = ("Bazooka", "Grenade", "Bazooka", "Shotgun", "Desert Eagle")
    tracks += [_track(20 + k, 8.0 + 12 * k, 10.0 + 12 * k, text, (0.4, 0.02, 0.6, 0.05)) for k, text in enumerate(captions)]
    assert [e.label for e in read_tracks(tracks, 70).events] == list(captions)


def test_a_name_over_characters_is_no_event_but_a_repeated_caption_is():
    tracks = []
    for k in range(6):  # a name tag that shows up all over the screen as the camera moves
        tracks.append(_track(k, 5.0 + 10 * k, 6.0 + 10 * k, "Marlin", (0.1 * k, 0.5, 0.1 * k + 0.05, 0.53)))
    captions = ("Bazooka", "Grenade", "Bazooka", "Shotgun", "Desert Eagle")
    for k, text in enumerate(captions):  # weapon captions at the top centre
        tracks.append(_track(100 + k, 8.0 + 15 * k, 10.0 + 15 * k, text, (0.45, 0.02, 0.55, 0.05)))
    events = read_tracks(tracks, 90).events
    assert [e.label for e in events] == list(captions)


def test_a_line_shown_with_a_message_right_under_it_is_one_of_its_lines():
    # SuperTuxKart: "New fastest lap" over "00:32.717 by Pidgin" (a name and short words: no message
    # alone, and no words at all before); Warzone 2100: "No Scavengers" over "Locked Teams"; a
    # piece of a line ("with 2") or a name alone under a message stays out
    assert readable("00:32.717 by Pidgin") and not readable("Arnaqetron a.7")
    tracks = [_track(1, 38.0, 41.0, "New fastest lap", (0.44, 0.915, 0.56, 0.94)),
              _track(2, 38.0, 41.0, "00:32.717 by Pidgin", (0.43, 0.954, 0.57, 0.981)),
              _track(3, 2.0, 4.0, "No Scavengers", (0.46, 0.05, 0.54, 0.07)),
              _track(4, 2.0, 4.0, "Locked Teams", (0.47, 0.072, 0.53, 0.09)),
              _track(5, 60.0, 62.0, "Sarge tripped on his own grenade.", (0.02, 0.2, 0.4, 0.23)),
              _track(6, 60.0, 62.0, "with 2", (0.02, 0.235, 0.06, 0.265)),
              _track(7, 80.0, 82.0, "Sarge tripped on his own grenade.", (0.02, 0.2, 0.4, 0.23)),
              _track(8, 80.0, 82.0, "Angelyss", (0.02, 0.235, 0.1, 0.265))]
    events = [e for e in read_tracks(tracks, 120).events if e.source == "ocr"]
    labels = {e.label for e in events}
    # the message says its other line too ("who set the fastest lap?" reads the name in it); each
    # line keeps its own text, as read
    assert {"New fastest lap / 00:32.717 by Pidgin", "00:32.717 by Pidgin", "Locked Teams / No Scavengers",
            "No Scavengers"} <= labels, labels
    assert {e.payload["text"] for e in events} >= {"New fastest lap", "Locked Teams"}
    assert not {"with 2", "Angelyss"} & {e.payload["text"] for e in events}, labels
    assert "Sarge tripped on his own grenade." in labels


def test_a_message_ending_in_a_colon_takes_the_word_the_detector_boxed_apart_beside_it():
    # Armagetron's centre "Winner:      Armagetron": two boxes, the name read whole only in the
    # second second; a kill line and a name beside it are two texts (no colon)
    tracks = [_track(1, 57.0, 61.0, "Winner:", (0.125, 0.719, 0.503, 0.775)),
              _track(2, 57.0, 58.0, "magetron", (0.542, 0.725, 0.88, 0.781), conf=0.98),
              _track(3, 59.0, 61.0, "Armagetron", (0.461, 0.725, 0.881, 0.779), conf=0.97),
              _track(4, 11.0, 13.0, "You fragged Major", (0.3, 0.3, 0.6, 0.33)),
              _track(5, 11.0, 13.0, "Sorceress", (0.62, 0.3, 0.75, 0.33)),
              # its colon unread: a word alone takes a name beside it, not a piece of a word
              _track(6, 87.0, 92.0, "winner", (0.163, 0.715, 0.452, 0.781)),
              _track(7, 87.0, 92.0, "glTron", (0.555, 0.715, 0.845, 0.792)),
              _track(8, 61.0, 62.0, "Shot", (0.1, 0.5, 0.2, 0.53)),
              _track(9, 61.0, 62.0, "fself", (0.22, 0.5, 0.3, 0.53))]
    labels = [e.label for e in read_tracks(tracks, 120).events if e.source == "ocr"]
    assert {"Winner: Armagetron", "You fragged Major", "winner glTron"} <= set(labels), labels
    assert not [label for label in labels if "fself" in label or "Sorceress" in label], labels


def test_a_fields_name_over_a_table_shown_now_and_then_is_no_message_but_a_caption_ending_in_one_is():
    # BZFlag's score table comes up for a second at each death: its "Team Score" header at the
    # top right, where its other lines come and go too, was five wrong events; "Need. More.
    # Health." is a caption at the place where captions come
    tracks = [_track(k, 4.0 + 15 * k, 5.0 + 15 * k, text, (0.84, 0.13, 0.92, 0.15))
              for k, text in enumerate(["Team Score", "Purple Team 3", "Team Score", "Red Team 2", "Team Score"])]
    captions = ("Bazooka", "Need. More. Health.", "Grenade")
    tracks += [_track(100 + k, 8.0 + 15 * k, 10.0 + 15 * k, text, (0.45, 0.02, 0.55, 0.05)) for k, text in enumerate(captions)]
    labels = [e.label for e in read_tracks(tracks, 90).events if e.source == "ocr"]
    assert "Team Score" not in labels and "Need. More. Health." in labels, labels

def test_a_caption_that_slid_up_is_still_a_message_but_a_moving_name_is_not():
    tracks = []
    for k, text in enumerate(("Bazooka", "Shotgun", "Desert Eagle")):  # captions at the top centre
        tracks.append(_track(100 + k, 8.0 + 15 * k, 10.0 + 15 * k, text, (0.45, 0.02, 0.55, 0.05)))
    # "Grenade" appeared under another caption and slid up to the top line when that one went
    slid = _track(200, 60.0, 62.0, "Grenade", (0.45, 0.02, 0.55, 0.05), moved=True)
    slid.first_box = (0.45, 0.06, 0.55, 0.09)
    # a name that followed its character across the middle of the screen
    name = _track(201, 70.0, 73.0, "Splash", (0.70, 0.50, 0.75, 0.53), moved=True)
    name.first_box = (0.60, 0.40, 0.65, 0.43)
    labels = [e.label for e in read_tracks([*tracks, slid, name], 90).events]
    assert "Grenade" in labels and "Splash" not in labels


def test_a_line_read_in_pieces_then_whole_did_not_move():
    from ingest.screen_text import _moved

    size = (1280, 720)
    first = (538 / 1280, 12 / 720, 670 / 1280, 38 / 720)  # "Grenade," read alone
    assert not _moved(first, (538, 12, 742, 38), size)  # then "Grenade, 3 sec": same left edge
    assert not _moved(first, (470, 12, 738, 38), size)  # or grown on both sides about its centre
    assert _moved(first, (538, 50, 670, 76), size)  # a line lower
    assert _moved(first, (700, 12, 832, 38), size)  # elsewhere on the line


def test_hud_numbers_read_in_few_frames_still_make_a_series_and_a_clock_is_named():
    # a health number over a moving first-person view: read in one sampled frame of three, but
    # with many different values at one place; the match clock top right counts down in m:ss
    box = (0.01, 0.88, 0.04, 0.91)
    values = [90, 82, 82, 20, 12, 12, 65, 100, 100, 28, 100, 45]  # on screen about a fifth of the time
    health = [_track(i + 1, 10.0 + i * 8.0, 11.0 + i * 8.0, str(v), box, frames=2) for i, v in enumerate(values)]
    clock = [_track(100 + i, 4.0 + i * 2.0, 4.0 + i * 2.0, f"9:{57 - 2 * i:02d}", (0.93, 0.03, 0.99, 0.07), frames=1)
             for i in range(25)]
    reading = read_tracks([*health, *clock], 120)
    assert reading.series == {"bottom-left": "", "clock": "clock"}
    assert ("hud", "bottom-left 82 -> 20") in [(e.kind, e.label) for e in reading.events]


def test_a_race_timer_is_a_clock_not_a_flood_of_messages():
    # a racing game's lap timer ticks in hundredths at one place: each sample reads a new text
    box = (0.80, 0.05, 0.95, 0.09)
    timer = [_track(i, 10.0 + i, 10.0 + i, f"{(20 + i) // 60}:{(20 + i) % 60:02d}.{(37 * i) % 100:02d}", box, frames=1)
             for i in range(60)]
    reading = read_tracks(timer, 90)
    assert reading.events == [] and reading.series == {"clock": "clock"}
    assert (10.0, 20.0) in [(s.t, s.values["clock"]) for s in reading.states]
    from reasoning.extractive import _shown_state

    assert _shown_state("clock", 83.45) == "clock 1:23.45" and _shown_state("clock", 3723.0) == "clock 1:02:03"


def test_a_garbled_kill_line_is_an_event_marked_unclear():
    line = _track(1, 30.0, 33.0, "was alr toudittoned bvkmi :6 2b (el assisted byHu(0)", (0.02, 0.1, 0.5, 0.13), frames=3,
                  conf=0.8)
    clear = _track(2, 50.0, 52.0, "anastasia was pierced by billy @3.98m (97)", (0.02, 0.1, 0.5, 0.13), frames=3)
    sure = _track(3, 70.0, 72.0, "You fragged Sorceress", (0.3, 0.3, 0.7, 0.34), frames=3, conf=0.96)  # unknown words, read surely
    events = read_tracks([line, clear, sure], 90).events
    assert [(e.kind, e.label.startswith("(?) ")) for e in events] == [("kill", True), ("kill", False), ("kill", False)]
    assert events[0].payload["uncertain"] is True


def test_no_game_knowledge_in_the_generic_words():
    # a game's own jokes are its pack's to know ("Thorn is short of a raft" means drowned only in
    # Hedgewars); a loading screen is a level starting in any game
    assert classify_text("Thorn is short of a raft") is None
    assert classify_text("Loading ...")[0] == "round"


# ---- real footage of other games --------------------------------------------------------------------

@pytest.mark.slow
def test_detecting_a_frame_ahead_in_a_thread_reads_the_same_tracks(engine):
    """The text stage detects each frame's lines in a thread while it reads the frame before, and
    reads half of a frame's new lines in another; what it reads is what reading the frames one by
    one gives (the Red Eclipse excerpt's kill feed over a moving view: frames that move, frames that
    do not, glances between reads)."""
    from ingest.rules import get_pack
    from ingest.stages import ScreenTextStage, watch

    def tracks(ahead: bool):
        stage = ScreenTextStage(engine, None, get_pack("generic"), 1.0, 20.0, early_s=0.25, ahead=ahead)
        found = watch(decode.sample_frames(DATA / "redeclipse_excerpt.mp4", 2.0), [stage])
        t = stage.tracker
        return (t.detections, t.recognitions, t.glances), [(e.t_start, e.kind, e.label) for e in found.events]

    alone, ahead = tracks(False), tracks(True)
    assert alone == ahead and alone[0][0] > 5 and alone[1], alone


def test_hedgewars_excerpt_without_its_pack(home):
    """Hedgewars, 00:10-00:17 of the dev clip: the captions "Thorn is short of a raft" (11.68 s)
    and "Help for sick hedgehogs" (15.12 s) found by the generic path. (Only the pack knows that
    the joke means Thorn drowned: the generic words hold no game's death jokes.)"""
    r = gamekb(home, "ingest", str(DATA / "hedgewars_excerpt.mp4"), "--game", "generic")
    assert r.exit_code == 0, r.output
    assert "read as generic" in r.output
    events = json.loads(gamekb(home, "events", "--json").output)
    screen = {e["label"]: e for e in events if e["source"] == "ocr"}
    thorn = screen.get("Thorn is short of a raft")
    assert thorn is not None and abs(thorn["t_start"] - 1.68) <= 1.0, screen
    crate = screen.get("Help for sick hedgehogs")
    assert crate is not None and abs(crate["t_start"] - 5.12) <= 1.0
    assert not any(e["label"] in ("Green Goblins", "Blue Brigade", "Red Raiders") for e in screen.values())
    videos = json.loads(gamekb(home, "videos", "--json").output)
    assert videos[0]["game"] == "generic" and videos[0]["game_score"] is None


@pytest.mark.slow
def test_redeclipse_excerpt_kill_feed(home):
    """Red Eclipse, 00:25.36-00:32.64 (cut at keyframes, not re-encoded): kill-feed lines at 26.52,
    27.64 and 29.16 s (1.16, 2.28, 3.80 s into the excerpt), small text over a moving first-person
    view; at least one is read and typed a kill or a death near its onset."""
    r = gamekb(home, "ingest", str(DATA / "redeclipse_excerpt.mp4"))
    assert r.exit_code == 0, r.output
    # no pack knows Red Eclipse: auto falls back, and says so (its score is how sure no pack fits,
    # which read as a match when printed "generic (1.00)")
    assert "read as generic (auto: no game pack knows it)" in r.output, r.output
    listed = gamekb(home, "videos").output
    assert "generic" in listed and "generic (" not in listed, listed
    events = json.loads(gamekb(home, "events", "--json").output)
    kills = [e for e in events if e["kind"] in ("kill", "death")]
    assert any(abs(e["t_start"] - t) <= 2.0 for e in kills for t in (1.16, 2.28, 3.80)), \
        [(e["t_start"], e["kind"], e["label"]) for e in events]


def test_openarena_excerpt_a_game_the_generic_path_was_not_written_for(home):
    """OpenArena, 00:08.00-00:16.50 of the held-out clip (tests/data/README.md): obituary lines in
    the kill feed are kills near their onset and answer "who killed ...?"; no number is taken for
    damage (the scores and frag counts on its HUD are not)."""
    r = gamekb(home, "ingest", str(DATA / "openarena_excerpt.mp4"))
    assert r.exit_code == 0 and "read as generic" in r.output, r.output
    events = json.loads(gamekb(home, "events", "--json").output)
    seen = [(round(e["t_start"], 2), e["kind"], e["label"]) for e in events]
    kills = [e for e in events if e["kind"] == "kill"]
    assert any(abs(e["t_start"] - 6.96) <= 2.0 and "gunned down by Sarge" in e["label"] for e in kills), seen
    assert not [e for e in events if e["kind"] == "damage"], seen
    answer = gamekb(home, "ask", "who killed Sorceress?").output
    assert "Sorceress was gunned down by Sarge [openarena_excerpt@00:0" in answer, answer


def test_auto_picks_doom_for_doom_and_generic_for_a_game_it_does_not_know(tmp_path, engine):
    from ingest import game_choice

    doom = list(decode.sample_frames(DATA / "freedoom_excerpt.mp4", 2.0))[:game_choice.FRAMES]
    choice = game_choice.choose(doom, engine)
    assert choice.name == "doom" and choice.score >= 0.6
    other = make_silent_video(tmp_path / "other.mp4", 4.0, texts=[(0.5, 3.5, "WAVE 3 INCOMING")])
    choice = game_choice.choose(list(decode.sample_frames(other.path, 2.0)), engine)
    assert choice.name == "generic" and choice.scores.get("doom", 0.0) < 0.5


def test_a_hud_label_that_is_a_word_of_another_games_pack_does_not_pick_that_pack(tmp_path, engine):
    """Armagetron's HUD shows "Rubber Used" on every frame; "Rubber" is a Hedgewars weapon. One
    label shown all along is no evidence of Hedgewars; its captions are."""
    from ingest import game_choice

    label = make_silent_video(tmp_path / "label.mp4", 10.0, texts=[(0.0, 10.0, "Rubber")], size=(640, 360))
    choice = game_choice.choose(list(decode.sample_frames(label.path, 2.0))[:game_choice.FRAMES], engine)
    assert choice.name == "generic" and choice.scores.get("hedgewars", 0.0) < 0.5, choice.scores
    hedgewars = list(decode.sample_frames(DATA / "hedgewars_excerpt.mp4", 2.0))[:game_choice.FRAMES]
    assert game_choice.choose(hedgewars, engine).name == "hedgewars"


def test_auto_choice_is_stored_and_shown(home):
    r = gamekb(home, "ingest", str(DATA / "freedoom_excerpt.mp4"))
    assert r.exit_code == 0 and "read as doom (auto, 1.00)" in r.output, r.output
    videos = json.loads(gamekb(home, "videos", "--json").output)
    assert videos[0]["game"] == "doom" and videos[0]["game_score"] == 1.0


def test_sample_excerpts_are_small():
    for name in ("hedgewars_excerpt.mp4", "redeclipse_excerpt.mp4", "openarena_excerpt.mp4"):
        assert Path(DATA / name).stat().st_size < 700_000


def test_a_labelled_hud_number_is_a_series_and_health_makes_damage_events(home, tmp_path):
    """A game gamekb has never seen: "HEALTH 100", then 60, then 15, then "GAME OVER", each at the
    same place. The label names the series; health falling makes damage and low-health events."""
    clip = make_silent_video(tmp_path / "unseen.mp4", 13.0, texts=[
        (0.0, 4.0, "HEALTH 100"), (4.0, 8.0, "HEALTH 60"), (8.0, 11.0, "HEALTH 15"), (11.0, 13.0, "GAME OVER")]).path
    r = gamekb(home, "ingest", str(clip))
    assert r.exit_code == 0 and "read as generic" in r.output, r.output
    events = json.loads(gamekb(home, "events", "--json").output)
    kinds = [(e["kind"], e["label"]) for e in events if e["kind"] != "scene"]
    assert ("hud", "health 100 -> 60") in kinds and ("hud", "health 60 -> 15") in kinds, kinds
    damage = [e for e in events if e["kind"] == "damage"]
    assert damage and abs(damage[0]["t_start"] - 3.0) <= 1.5, kinds
    assert any(k == "low_health" for k, _ in kinds)
    assert ("death", "GAME OVER") in kinds
    from kb.store import KnowledgeBase

    kb = KnowledgeBase.open(home)
    (video,) = kb.videos()
    assert sorted({s.value for s in kb.states(video.id) if s.name == "health"}) == [15.0, 60.0, 100.0]


def test_a_race_start_read_once_a_second_and_lap_notices():
    # "Ready!", "Set!", "Go!" a second each at the centre: sampled once a second, each is read once
    centre = (0.44, 0.37, 0.56, 0.43)
    calls = [_track(1, 3.0, 3.0, "Ready!", centre, frames=1, conf=0.99), _track(2, 4.0, 4.0, "Set!", centre, frames=1),
             _track(3, 5.0, 5.0, "Go!", centre, frames=1, conf=0.84)]
    events = read_tracks(calls, 100).events
    assert [(e.kind, e.payload["text"]) for e in events] == [("round", "Ready!"), ("round", "Set!"), ("round", "Go!")]
    # a lone "Go!" read once, unsure, where nothing else was ever read: no event
    assert read_tracks([_track(3, 5.0, 5.0, "Go!", centre, frames=1, conf=0.84)], 100).events == []
    assert classify_text("Lap2")[0] == "round" and classify_text("New fastest lap")[0] == "achievement"
    assert classify_text("Settings") is None and classify_text("lapse") is None


def test_a_counters_misread_slash_and_icon_are_mended_and_a_change_says_what_it_counts_to():
    # a lap counter "1/3" beside a flag icon: the slash read as "7" or "1", the icon as one more
    # digit ("2/32"), a read with the lap cut off ("73"); sure reads, all of them
    box = (0.88, 0.12, 0.96, 0.17)
    reads = [(5.0, 9.0, "1/3"), (10.0, 12.0, "1/32"), (13.0, 13.0, "173"), (14.0, 30.0, "1/3"), (31.0, 31.0, "73"),
             (32.0, 37.0, "1/3"), (38.0, 47.0, "2/3"), (48.0, 49.0, "2132"), (50.0, 75.0, "2/3"), (77.0, 80.0, "3/3"),
             (81.0, 81.0, "313"), (82.0, 99.0, "3/3")]
    tracks = [_track(k, t0, t1, text, box) for k, (t0, t1, text) in enumerate(reads)]
    reading = read_tracks(tracks, 100.0)
    assert [(e.t_start, e.label, e.payload["of"]) for e in reading.events] == \
        [(38.0, "top-right 1/3 -> 2/3", 3), (77.0, "top-right 2/3 -> 3/3", 3)]
    # a race of two laps is a counter too, though it shows two values only; two numbers at one
    # place that are no counter stay no series
    two = read_tracks([_track(1, 5.0, 40.0, "1/2", box), _track(2, 41.0, 90.0, "2/2", box)], 100.0)
    assert [e.label for e in two.events] == ["top-right 1/2 -> 2/2"]
    assert read_tracks([_track(1, 5.0, 40.0, "12", box), _track(2, 41.0, 90.0, "22", box)], 100.0).series == {}


def test_a_counter_read_with_its_icon_as_a_digit_and_a_value_held_long_between_two_reads_are_kept():
    # a turn counter "4/8" beside a flag read "54/8"; gold 11, then 4 for a minute, then 11 again:
    # the 4 is unlike both neighbours but no misread; a "13" read once between two 9s is one
    turn = [_track(1, 0.0, 2.0, "3/8", (0.18, 0.01, 0.21, 0.03)), _track(2, 3.0, 33.0, "54/8", (0.18, 0.01, 0.21, 0.03)),
            _track(3, 34.0, 90.0, "5/8", (0.18, 0.01, 0.21, 0.03)), _track(4, 91.0, 119.0, "6/8", (0.18, 0.01, 0.21, 0.03))]
    box = (0.26, 0.5, 0.27, 0.52)
    gold = [_track(10 + k, t0, t1, v, box) for k, (t0, t1, v) in enumerate(
        [(0.0, 2.0, "3"), (3.0, 33.0, "11"), (34.0, 90.0, "4"), (91.0, 96.0, "9"), (97.0, 97.0, "13"), (98.0, 119.0, "9")])]
    labels = [(e.t_start, e.label) for e in read_tracks([*turn, *gold], 120.0).events]
    assert labels == [(3.0, "top-left 3/8 -> 4/8"), (3.0, "left 3 -> 11"), (34.0, "top-left 4/8 -> 5/8"), (34.0, "left 11 -> 4"),
                      (91.0, "top-left 5/8 -> 6/8"), (91.0, "left 4 -> 9")], labels


def test_a_labelled_number_with_its_change_beside_it_is_a_series_and_a_log_line_is_no_hud():
    from ingest.screen_events import labelled_value

    assert labelled_value("Gold: 16 (+1)") == ("gold", 16.0) and labelled_value("Gold: 11 (-1)") == ("gold", 11.0)
    assert labelled_value("julian (62)") is None and labelled_value("Year: 1650 BCE") is None
    # a sum of money with its label (PokerTH's pot "Total: $1,260"): the label names it, not the sign
    assert labelled_value("Total: $1,260") == ("total", 1260.0) and labelled_value("$2,880") == ("money", 2880.0)
    panel = [_track(k, 2.0 + 3.3 * k, 5.0 + 3.3 * k, f"Gold: {g} (+1)", (0.01, 0.26, 0.08, 0.28)) for k, g in enumerate([12, 13, 14, 15])]
    # a strategy game's message log: each turn's messages print at its last row and scroll up, the
    # first of them "Year: N BCE", and the same message again a turn later is a new message
    log = [TextTrack(10 + k, 2.4 + 10 * k, 8.0 + 10 * k, (0.02, 0.55, 0.2, 0.57), reads=[(f"Year: {1650 - 50 * k} BCE", 0.97)],
                     frames=12, moved=True, first_box=(0.02, 0.94, 0.2, 0.96)) for k in range(5)]
    log += [TextTrack(20 + k, 2.45 + 3.3 * k, 6.0 + 3.3 * k, (0.02, 0.7, 0.5, 0.72), reads=[("Napoli can't build Settlers yet.", 0.97)],
                    frames=8, moved=True, first_box=(0.02, 0.94, 0.5, 0.96)) for k in range(2)]
    reading = read_tracks([*panel, *log], 60.0)
    assert reading.series == {"gold": "gold"}
    said = [(e.t_start, e.label) for e in reading.events if e.source == "ocr"]
    assert [t for t, label in said if label.startswith("Year")] == [2.4 + 10 * k for k in range(5)], said
    assert [t for t, label in said if label.startswith("Napoli")] == [2.45, 5.75], said


def test_a_number_named_by_its_unit_or_currency_is_a_series_of_that_name():
    from ingest.screen_events import labelled_value

    assert labelled_value("123 km/h") == ("speed", 123.0) and labelled_value("45 MPH") == ("speed", 45.0)
    assert labelled_value("$1,250") == ("money", 1250.0) and labelled_value("12 kills") == ("kills", 12.0)
    assert labelled_value("75%") is None and labelled_value("julian (62)") is None
    speed = [_track(k, 2.0 + 4 * k, 5.5 + 4 * k, f"{v} km/h", (0.80, 0.90, 0.95, 0.95)) for k, v in enumerate([0, 88, 142, 97, 160])]
    money = [_track(10 + k, 1.0 + 10 * k, 10.5 + 10 * k, f"${v:,}", (0.02, 0.02, 0.12, 0.06)) for k, v in enumerate([800, 1250, 1400])]
    reading = read_tracks([*speed, *money], 40.0)
    assert reading.series == {"speed": "speed", "money": "money"}, reading.series
    assert max(s.values.get("speed", 0) for s in reading.states) == 160.0
    assert not [e for e in reading.events if e.source == "ocr"]  # HUD, no messages


def test_a_lap_counter_series_leaves_out_unsure_reads_of_its_icon():
    box = (0.88, 0.12, 0.95, 0.17)
    reads = [(5.0, 20.0, "1/3", 0.95), (21.0, 22.0, "50", 0.54), (22.5, 23.0, "2", 0.5), (24.0, 35.0, "1/3", 0.95),
             (38.0, 50.0, "2/3", 0.94), (51.0, 52.0, "/3", 0.74), (52.5, 54.0, "/3", 0.74), (55.0, 75.0, "2/3", 0.94),
             (76.0, 77.0, "50", 0.5), (77.5, 78.0, "50", 0.5), (79.0, 99.0, "3/3", 0.95)]
    tracks = [_track(k, t0, t1, text, box, conf=conf) for k, (t0, t1, text, conf) in enumerate(reads)]
    reading = read_tracks(tracks, 100.0)
    values = {v for g in reading.states for v in g.values.values()}
    assert values == {1.0, 2.0, 3.0}, values  # not the flag icon's "50", nor "/3" with its lap cut off


def test_the_quick_letter_test_never_rules_out_a_text_that_is_alike():
    """A long video's lines are first sorted out by the letters they share (`_Letters`), before
    the slow similarity test: that must only drop pairs the slow test would drop too."""
    from ingest.screen_events import _Letters
    from ingest.screen_text import containment, similarity, text_key

    rng = np.random.default_rng(7)
    alphabet = np.array(list("abcdefghijklmnopqrstuvwxyz0123456789"))
    base = ["".join(rng.choice(alphabet[:12], rng.integers(6, 40))) for _ in range(60)]

    def misread(key: str) -> str:  # a letter or two changed, dropped or added
        chars = list(key)
        for _ in range(int(rng.integers(0, 3))):
            i = int(rng.integers(0, len(chars)))
            op = rng.integers(0, 3)
            if op == 0:
                chars[i] = str(rng.choice(alphabet))
            elif op == 1 and len(chars) > 1:
                del chars[i]
            else:
                chars.insert(i, str(rng.choice(alphabet)))
        return "".join(chars)

    keys = [text_key(k) for k in base + [misread(k) for k in base for _ in range(3)] + [k[3:] for k in base]]
    letters = _Letters(keys)
    checked = pieces = 0
    for key in keys[-80:]:
        for ratio in (0.8, 0.9):
            alike = {k for k in keys if similarity(key, k) >= ratio}
            found = letters.could_be(key, ratio)
            assert alike <= set(found), (key, ratio)
            assert found == [k for k in keys if k in set(found)]  # in the order added
            assert len(found) < len(keys)  # and it does rule out the others
            checked += len(alike)
        held = {k for k in keys if len(k) > len(key) + 1 and containment(key, k) >= 0.85}
        assert held <= set(letters.could_hold(key, 0.85)), key  # (the pieces of a longer tag)
        pieces += len(held)
    assert checked > 200 and pieces > 20


def test_a_consoles_lines_with_a_clock_in_them_are_messages_and_a_panel_line_is_hud():
    """Warzone 2100's console prints "[09:15] Player (Global): bc gmp", then "[09:15] Player (Global):
    bc gaa" ... at its first row, 4 s each, a few times a minute: its words stay, its numbers change,
    but it is on screen a third of the time, as messages are, not most of it, as a HUD line is
    (Freeciv's "Tax: 30 Lux: 0 Sci: 70" panel line). The host's seven lines were no events. And a
    line that reads as the one before but for its last word, another word, is a new line, not a
    reread of it (the reread of a line garbles a letter or two: "bc gnp")."""
    commands = ["gmp", "gaa", "gtn", "ver", "gmp", "btm", "caa"]
    starts = [19.5, 27.9, 42.8, 62.6, 81.9, 87.4, 103.1]  # "bc btm" 1.5 s after "bc gmp" went, same clock
    console = [_track(k, t, t + 4.0, f"[09:{15 + k // 2:02d}] Player (Global): bc {c}", (0.01, 0.03, 0.16, 0.05))
               for k, (t, c) in enumerate(zip(starts, commands))]
    panel = [_track(20 + k, 10.0 * k, 10.0 * k + 9.5, f"Tax: {30 + 10 * k} Lux: 0 Sci: {70 - 10 * k}", (0.01, 0.3, 0.12, 0.32))
             for k in range(6)]
    reading = read_tracks([*console, *panel], 120.0)
    said = [e.label for e in reading.events if e.source == "ocr"]
    assert [label.rsplit(" ", 1)[-1] for label in said if "Player" in label] == commands, said
    assert not [label for label in said if label.startswith("Tax")], said
    from ingest.screen_events import _same_message

    assert not _same_message("[09:21] Player (Global): bc gmp", "[09:21] Player (Global): bc btm")
    assert _same_message("[09:21] Player (Global): bc gmp", "[09:21] Player (Global): bc gnp")
    assert _same_message("Sarge was railed by Tony", "Sarge was railed by Tany")


def _icon_feed(lines: list[tuple[float, str, str]], t: float) -> np.ndarray:
    """A 1280x720 frame of a shooter whose kill feed (top right) draws a weapon icon between the
    names: each (time, killer, victim) on screen for 4 s from its time, a row each."""
    from PIL import Image, ImageDraw

    from tests.clips import _font

    image = Image.fromarray(_terrain(int(t)))  # the view moves
    draw = ImageDraw.Draw(image)
    font = _font(18)
    for row, (at, killer, victim) in enumerate(lines):
        if not at <= t < at + 4.0:
            continue
        y = 20 + 28 * row
        x1 = 1260 - draw.textlength(victim, font=font)
        draw.rectangle((x1 - 70, y - 2, 1265, y + 24), fill=(20, 20, 20))
        draw.text((x1, y), victim, font=font, fill=(80, 160, 255))
        ix = x1 - 50  # a rifle: a bar and a grip
        draw.polygon([(ix, y + 6), (ix + 36, y + 6), (ix + 36, y + 12), (ix + 14, y + 12), (ix + 10, y + 20), (ix + 4, y + 20),
                      (ix + 6, y + 12), (ix, y + 12)], fill=(230, 230, 230))
        x0 = ix - 14 - draw.textlength(killer, font=font)
        draw.rectangle((x0 - 6, y - 2, ix - 6, y + 24), fill=(20, 20, 20))
        draw.text((x0, y), killer, font=font, fill=(255, 90, 80))
    return np.asarray(image).copy()


def test_a_kill_feed_with_a_weapon_icon_between_the_names_is_read_as_kills(engine):
    """Most shooters draw the weapon between the names ("Alice [rifle] Bob"): the detector boxes each
    name apart and nothing says "killed", so no line was an event. Pairs of names an icon's width
    apart on one row, coming and going together, several of them with the same players, are a
    kill feed: the one on the left killed the one on the right."""
    from ingest.types import Frame

    lines = [(1.0, "Alice", "Bob"), (4.0, "Grunt", "Major"), (7.0, "Major", "Alice"), (10.0, "Bob", "Grunt")]
    tracker = TextTracker(engine)
    for t in range(16):
        tracker.observe(Frame(float(t), _icon_feed(lines, float(t))))
    kills = {e.label for e in read_tracks(tracker.finish(), 16.0).events if e.kind == "kill"}
    assert kills == {"Alice killed Bob", "Grunt killed Major", "Major killed Alice", "Bob killed Grunt"}, kills
    # the names boxed apart, nothing read between them
    boxed = [(5.0, "Alice", "Bob"), (9.0, "Grunt", "Major"), (14.0, "Major", "Alice")]
    tracks = [tr for k, (t, a, b) in enumerate(boxed) for tr in (
        _track(2 * k, t, t + 3, a, (0.80, 0.03 + 0.04 * k, 0.86, 0.06 + 0.04 * k)),
        _track(2 * k + 1, t, t + 3, b, (0.92, 0.03 + 0.04 * k, 0.98, 0.06 + 0.04 * k)))]
    assert {e.label for e in read_tracks(tracks, 30.0).events if e.kind == "kill"} == {
        "Alice killed Bob", "Grunt killed Major", "Major killed Alice"}
    # one table row shown again and again ("SPECT  Spectator") is no feed
    rows = [_track(k, 10.0 * k, 10.0 * k + 1, "SPECT", (0.27, 0.5, 0.35, 0.54)) for k in range(4)] + \
        [_track(10 + k, 10.0 * k, 10.0 * k + 1, "Spectator", (0.4, 0.5, 0.55, 0.54)) for k in range(4)]
    assert not [e for e in read_tracks(rows, 60.0).events if e.kind == "kill"]


def _moved_track(tid, t0, t1, text, first_box, box, conf=0.95):
    tr = _track(tid, t0, t1, text, box, moved=True, conf=conf)
    tr.first_box = first_box
    return tr


def test_a_poker_logs_short_lines_are_small_text_too_but_two_word_names_are_not(engine):
    """PokerTH's log at 720p ("Johnny checks.", "Phil calls $320.": two words, ~11 px) made no band
    of small text, as a line needed three words: its lines were read late and in pieces (40 of
    406 logged texts). Two words with a verb in lower case are a sentence; a name of two words
    ("Red Raiders" over Hedgewars' hedgehogs) is not."""
    from ingest.screen_text import _line_of_words
    from ingest.types import Frame

    assert _line_of_words("Johnny checks.") and _line_of_words("Phil calls $320") and _line_of_words("Stu folds.")
    assert not any(_line_of_words(t) for t in ("Red Raiders", "Drake Glider", "Game: 1", "Team Score"))
    log = ["Johnny checks.", "Phil checks.", "Doyle folds.", "Annie checks.", "Phil calls $320."]
    tracker = TextTracker(engine)
    for t in range(3):
        tracker.observe(Frame(float(t), _console(log, 10 * t)))
    assert tracker._bands, "no band of small text"
    names = TextTracker(engine)
    for t in range(3):
        names.observe(Frame(float(t), _console(["Red Raiders", "Green Goblins", "Blue Brigade"], 10 * t)))
    assert names._bands == []


def test_a_log_line_printed_again_and_again_as_it_scrolls_up_is_no_label():
    """PokerTH's log prints "Erik calls $40." in every hand; each time it comes at the newest row and
    scrolls up (one track that moved), 33 s on screen in all: it was taken for a label, as a text
    shown that long and that often is, and none was an event. A line seen in two rows of a log
    (where it began and where it scrolled to) is a log's line. So is a line of cards that scrolled
    up in it ("--- Flop --- [Q♥,T♠,T♣]", read "Flop---[QV,T,T]": no words but its first)."""
    row = 0.0194

    def scrolled(tid, t0, text, conf=0.97, rows=6):
        first = (0.802, 0.933, 0.802 + 0.006 * len(text), 0.947)
        last = (first[0], first[1] - rows * row, first[2], first[3] - rows * row)
        return _moved_track(tid, t0, t0 + 8.0, text, first, last, conf=conf)

    lines = ["Erik calls $40.", "Stu folds.", "Phil calls $40.", "Doyle bets $60.", "Annie folds."]
    tracks = [scrolled(10 * k + i, 25.0 * k + 1.2 * i, text) for k in range(4) for i, text in enumerate(lines)]
    tracks.append(scrolled(99, 31.0, "Flop---[QV,T,T]", conf=0.85))
    events = [e for e in read_tracks(tracks, 128.0).events if e.source == "ocr"]
    assert sum(e.label == "Erik calls $40." for e in events) == 4, [(e.t_start, e.label) for e in events]
    assert "Flop---[QV,T,T]" in {e.label for e in events}
    # a label that stays in its row, shown again and again, is still no event
    labels = [_track(200 + k, 30.0 * k, 30.0 * k + 8, "Team Score", (0.4, 0.3, 0.5, 0.33)) for k in range(4)]
    assert not [e for e in read_tracks(labels, 128.0).events if e.label == "Team Score"]


def test_a_console_line_read_cut_then_whole_as_it_scrolls_is_one_message():
    # Armagetron's console: "Go (round 2 of" cut at its box's edge, then whole a row up, then
    # garbled ("e" for "2") two rows up: one round start; a counter's other count is another line
    row = 0.029
    tracks = [_moved_track(1, 63.0, 65.0, "Go (round 2 of", (0.025, 0.15, 0.25, 0.15 + row), (0.025, 0.123, 0.21, 0.15)),
              _moved_track(2, 66.0, 68.0, "Go (round 2 of 30)!", (0.025, 0.094, 0.26, 0.123), (0.025, 0.065, 0.26, 0.092)),
              _moved_track(3, 69.0, 72.0, "Go (round e of 30)!", (0.025, 0.062, 0.26, 0.092), (0.027, 0.008, 0.26, 0.029))]
    events = [e for e in read_tracks(tracks, 120).events if e.source == "ocr"]
    assert [(e.t_start, e.label) for e in events] == [(63.0, "Go (round 2 of")], events
    assert not _same_message("3 remaining", "2 remaining") and not _same_message("Go (round 2 of", "Go (round 3 of 30)!")


def test_a_feed_line_read_garbled_before_it_is_read_surely_starts_when_it_first_showed():
    # Red Eclipse's kill feed over a moving view: "julian was pierced by roland" shows at 00:27.6,
    # is read garbled (too unsure to be an event) for five seconds as it scrolls up, and surely at
    # 00:34; the event starts at the first garbled read. A name tag over a player, or an unsure
    # line that names another player, is no earlier read of it.
    tracks = [_track(1, 29.0, 33.0, "llwaspierred hv", (0.083, 0.062, 0.23, 0.092), conf=0.74),
              _moved_track(2, 34.0, 37.0, "was pierced by", (0.072, 0.033, 0.686, 0.06), (0.072, 0.006, 0.686, 0.033), conf=0.89),
              _track(3, 79.5, 80.0, "Sor ceress", (0.40, 0.30, 0.55, 0.33), conf=0.9),
              _track(4, 80.0, 82.0, "You fraged Major", (0.35, 0.32, 0.65, 0.35), conf=0.75),
              _track(5, 82.5, 85.0, "You fragged Sorceress", (0.35, 0.32, 0.65, 0.35), conf=0.96)]
    # a chain of garbled reads, each alike the sure read though not alike each other
    tracks += [_track(6, 52.04, 52.04, "fe e astadiiGihwith haies by", (0.025, 0.096, 0.327, 0.123), conf=0.72),
               _track(7, 53.0, 53.0, "hoiarwan ciddiea with hafes by", (0.019, 0.094, 0.327, 0.121), conf=0.81),
               _track(8, 54.04, 55.0, "was riddled with holes by", (0.081, 0.067, 0.323, 0.087), conf=0.95)]
    events = {e.label: e.t_start for e in read_tracks(tracks, 120).events if e.source == "ocr"}
    assert events.get("was pierced by") == 29.0, events
    assert events.get("You fragged Sorceress") == 82.5, events
    assert events.get("was riddled with holes by") == 52.04, events


def test_a_hud_fields_changing_value_beside_its_label_is_no_message():
    # Armagetron's bottom bar: "Fastest:" stays, the name and speed after it change all the time
    # and are read with it, without it, or with it misread ("Fasy"); a message elsewhere counts
    label = (0.306, 0.965, 0.395, 0.992)
    tracks = [_track(1, 11.0, 44.0, "Fastest", label), _track(2, 53.0, 62.0, "Fastest", label), _track(3, 65.0, 75.0, "Fastest", label)]
    values = [(5.0, "Fastest: Arnaqetron 15.8", 0.292), (7.0, "Fasy", 0.317), (8.0, "Quake 17.1", 0.397),
              (44.0, "Fastest:Windows 27", 0.308), (52.0, "Windows 27.5", 0.398), (87.0, "Fastest:Arnaqetron", 0.306)]
    tracks += [_track(10 + k, t, t + 1.0, text, (x, 0.965, x + 0.2, 0.994)) for k, (t, text, x) in enumerate(values)]
    tracks.append(_track(30, 30.0, 33.0, "Linux lost 2 points since it caused a general protection fault", (0.025, 0.006, 0.78, 0.033)))
    labels = [e.label for e in read_tracks(tracks, 100).events if e.source == "ocr"]
    assert labels == ["Linux lost 2 points since it caused a general protection fault"], labels


def test_two_lines_of_one_template_that_begin_with_other_names_read_unsure_are_two_messages():
    # a bitmap font: neither name is read as a word, the rest of the line is the same
    tracks = [_track(1, 47.0, 52.0, "CuclesaDl0st 2 points since it caused a general protection fault", (0.025, 0.065, 0.82, 0.094)),
              _track(2, 55.0, 56.0, "g1Trön lost 2 points since it caused a general protection fault", (0.025, 0.035, 0.8, 0.062))]
    labels = [e.label for e in read_tracks(tracks, 100).events if e.source == "ocr"]
    assert len(labels) == 2, labels


def test_a_log_line_that_scrolled_straight_up_is_a_message_and_a_name_is_a_name():
    # "Watching glTron" printed at the console's newest row, scrolled up row by row: its name is of
    # joined words, read unsure ("qlTron"), and "Uatching" is "Watching" misread
    assert readable("Watching glTron") and wordness("DarkLord") > 0 and wordness("EqUEstUg") == 0
    line = _moved_track(1, 81.0, 92.0, "Uatching qlTron", (0.025, 0.152, 0.211, 0.181), (0.025, 0.006, 0.209, 0.033), conf=0.88)
    name = _moved_track(2, 70.0, 73.0, "Splash Damage", (0.70, 0.50, 0.85, 0.53), (0.60, 0.40, 0.75, 0.43))
    labels = [e.label for e in read_tracks([line, name], 100).events if e.source == "ocr"]
    assert labels == ["Watching glTron"] or labels == ["Watching qlTron"], labels


def test_a_number_read_unsure_for_two_frames_is_no_popup():
    tracks = [_track(1, 3.0, 4.0, "10", (0.96, 0.21, 0.99, 0.24), frames=2, conf=0.62),
              _track(2, 43.0, 44.0, "7", (0.5, 0.4, 0.52, 0.44), frames=2, conf=0.85)]
    labels = [e.label for e in read_tracks(tracks, 100).events if e.source == "ocr"]
    assert "10" not in labels and "7" in labels, labels


def test_words_read_run_together_and_apart_are_shown_apart_and_a_wrong_chain_keeps_its_first_read():
    # OpenArena's pickup "Armor Shard", read twice run together (which reads as a name) and once apart
    shard = TextTrack(1, 71.8, 74.0, (0.02, 0.8, 0.2, 0.83), reads=[("ArmorShard", 0.9), ("ArmorShard", 0.9), ("Armor Shard", 0.85)],
                      frames=3, first_box=(0.02, 0.8, 0.2, 0.83))
    # BZFlag: a garbled read joins the line above it ("Fo: killed by Hawk00"); the line read well
    # after it is another kill, not that one read longer
    tracks = [shard, _track(2, 39.0, 40.0, "Fo: killed by Hawk00", (0.28, 0.89, 0.6, 0.92)),
              _track(3, 39.5, 40.0, "Hawk04: killed by teammate Hawk3", (0.28, 0.89, 0.64, 0.92), conf=0.85),
              _track(4, 40.0, 43.0, "Hawk04: killed by teammate Hawk03", (0.28, 0.89, 0.64, 0.92))]
    labels = [e.label for e in read_tracks(tracks, 120).events if e.source == "ocr"]
    assert "Armor Shard" in labels and "Hawk04: killed by teammate Hawk03" in labels, labels


def test_a_log_line_with_a_clock_and_a_said_is_chat_not_what_it_says():
    # Pioneers' message log: each line begins with the time; a player's remark says "said:"
    assert classify_text("00:51:54 Gorbachev said: Go, robber, go!")[0] == "chat"
    assert classify_text("00:51:47 Napoleon said: Ok, let's go!")[0] == "chat"
    assert classify_text("00:51:47 Begin turn 18 for Napoleon.")[0] == "round"
    assert classify_text("Time: 12:30") is None and classify_text("Objective: capture the flag")[0] == "objective"


def test_the_bench_counts_each_logged_line_once_per_event_in_a_dense_log():
    from bench.onscreen_events import score

    logged = [(10.0, "Napoleon rolled 7."), (10.5, "Napoleon rolled 7."), (11.0, "Escher rolled 7.")]
    one = score([(10.2, "Napoleon rolled 7.")], logged)
    assert one["found"] == 2 and one["paired"] == 1  # one event is found for two lines alike, paired with one
    # the most lines paired: the event alike both Napoleon lines goes to one, the other event to the other
    two = score([(10.1, "Napoleon rolled 7."), (10.4, "Napoleon rolled")], logged[:2])
    assert two["paired"] == 2


def test_a_noisy_line_whose_mended_words_say_what_happened_is_an_event():
    # OpenArena's last kill, read once as the match ended: "Grism vas machinegunned by S" (a small
    # font's w read v, the name cut); its words, mended, say a kill; a noisy read that says
    # nothing stays out
    tracks = [_track(1, 111.0, 111.0, "Grism vas machinegunned by S", (0.02, 0.2, 0.4, 0.23), frames=1, conf=0.98),
              _track(2, 60.0, 60.0, "Gnsm vas mchgnnd xy", (0.02, 0.2, 0.4, 0.23), frames=1, conf=0.98)]
    events = [e for e in read_tracks(tracks, 120).events if e.source == "ocr"]
    assert [(e.kind, e.t_start) for e in events] == [("kill", 111.0)], events


def test_a_kill_line_read_with_its_name_run_into_was_and_by_misread_is_a_kill():
    # Red Eclipse's kill feed (~10 px, names in team colours over a bright view): the space before
    # "was" lost to a name read in part, "by" read "br", "oy", or run into the verb before it
    for said in ("Ewas shocked mio submissinn by teaEnmta", "ukjan was piercedoy", "was air-conditiuned br",
                 "Tluowas ar-conotionet oy tean-mal:"):
        assert classify_text(said) == ("kill", 0.75), said
    # ... but a sentence with "was" and a word ending alike is none ("a boy", "today")
    for said in ("he was a boy", "nothing was there today", "the cake was eaten"):
        assert classify_text(said) is None, said
    # a name run into "was" reads apart once mended; a word that ends so stays
    assert mend("lukjanwas pierced by") == "lukjan was pierced by" and mend("Ottawas") == "Ottawas"


def test_a_noisy_read_unsure_is_no_event_though_its_words_say_a_kill():
    # Red Eclipse: lines up for seconds over a moving view are read garbled now and then long after
    # they showed; such a read under 0.7 sure made kills at the wrong time, one read surer stays one
    box = (0.02, 0.1, 0.5, 0.13)
    unsure = [_track(1, 70.0, 71.0, "(mam'was atrroaditibied uy tElmnulF utimeBim B2hlped by", box, frames=2, conf=0.64)]
    sure = [_track(1, 70.0, 71.0, "ukjan was piercedoy", box, frames=2, conf=0.91)]
    assert [e for e in read_tracks(unsure, 120).events if e.source == "ocr"] == []
    assert [e.kind for e in read_tracks(sure, 120).events if e.source == "ocr"] == ["kill"]


def test_what_a_kill_feed_says_between_two_unread_names_is_no_label_however_often_it_shows():
    # Red Eclipse's "was capped by" (the names in team colours not read), up three times for 7 s
    # or more: shown so long and so often, a text is a label, but a clause of a kill is a message
    box = (0.05, 0.06, 0.3, 0.09)
    tracks = [_track(i, t, t + 7.0, "was capped by", box, moved=True) for i, t in enumerate((20.0, 50.0, 84.0))]
    events = [e for e in read_tracks(tracks, 120).events if e.source == "ocr"]
    assert [(e.kind, e.t_start) for e in events] == [("kill", 20.0), ("kill", 50.0), ("kill", 84.0)], events
    # a label of three words shown as often stays one
    labels = [_track(i, t, t + 7.0, "Press to join", box) for i, t in enumerate((20.0, 50.0, 84.0))]
    assert [e for e in read_tracks(labels, 120).events if e.source == "ocr"] == []


def test_a_consoles_hexadecimal_number_reads_as_a_number_not_a_misread():
    # Red Eclipse's console: "viewer has map crc: 0x1b05014e", its 0 read as an O
    assert readable("viewer has map crc: Ox1b05014e") and wordness("Ox1b05014e") == 1.0
    assert not readable("Oxqz Ox1 vkq")


def test_capitals_run_together_are_split_into_words_and_misread_letters_mended():
    # Freedoom's messages in Doom's pixel font: the narrow space is read as none, an I as a T, an N
    # as an H ("PTCKEDUPAHAMMO"); split into words, the line says a pickup
    assert run_together("PICKEDUPAHAMMOCLTP") == "PICKED UP AN AMMO CLIP"
    assert mend("PTCKEDUPAHAMMO.") == "PICKED UP AN AMMO." and classify_text(mend("PTCKEDUPAHAMMO."))[0] == "pickup"
    assert run_together("YOUGOTTHEMINIGUN") == "YOU GOT THE MINIGUN" and run_together("PRESSSTARTTOPLAY") == "PRESS START TO PLAY"
    # a name in capitals, letters that are mostly no words, a word inflected or joined in small
    # letters, stay as read
    for kept in ("MARSEILLES", "ANASTASIA", "ICKEGUSHAU", "IEAUTHACE", "BICKEDUPAHAHMOCLTD", "electrocuted",
                 "machinegunned", "readying", "conditiuned"):
        assert run_together(kept) == kept, kept
    # the words games print that a general dictionary lacks are words
    assert readable("respawn") and readable("AMMO") and mend("AMM0") == "AMMO"


def test_one_word_read_unsure_is_no_event_though_the_word_says_one():
    # Freedoom's status bar: its "AMMO" and "ARMOR" labels read now and then, 0.65-0.78 sure, said a
    # pickup each time; OpenArena's "Armor" notice, read 0.99 sure, is one
    label = [_track(i, t, t + 2.0, text, (0.02, 0.958, 0.12, 0.988), conf=0.7)
             for i, (t, text) in enumerate(((19.0, "AMM0"), (32.0, "ARMOR"), (65.0, "AMM0")))]
    assert [e for e in read_tracks(label, 80).events if e.source == "ocr"] == []
    notice = [_track(1, 89.56, 89.56, "Armor", (0.10, 0.833, 0.22, 0.869), frames=1, conf=0.99)]
    assert [e.kind for e in read_tracks(notice, 120).events if e.source == "ocr"] == ["pickup"]
