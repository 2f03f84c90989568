"""Segments cover the video in order; the timeline indexer turns observations into typed events."""

from hypothesis import given
from hypothesis import strategies as st

from ingest import events
from ingest.segment import index_of, windows
from ingest.types import GameState, SpeechObservation, TextObservation


@given(st.floats(min_value=0.5, max_value=4000), st.lists(st.floats(min_value=0, max_value=4000), max_size=30))
def test_windows_cover_the_video_in_order(duration, cuts):
    spans = windows(duration, cuts, segment_s=10.0, min_segment_s=3.0)
    assert spans[0][0] == 0.0
    assert abs(spans[-1][1] - round(duration, 3)) < 1e-3
    for (a, b), (c, _d) in zip(spans, spans[1:]):
        assert b == c
    assert all(0 < b - a <= 10.0 + 1.5 + 1e-6 for a, b in spans)


def test_windows_snap_to_cuts():
    assert windows(30, [6.0], 10, 3)[0] == (0.0, 6.0)
    assert windows(30, [1.0], 10, 3)[0] == (0.0, 10.0)  # too close to the start: no split
    assert index_of(6.5, windows(30, [6.0], 10, 3)) == 1


def _hp(values, dt=1.0):
    return [GameState(t=i * dt, values={"health": v}) for i, v in enumerate(values)]


def test_health_drop_low_and_death():
    ev = events.health_events(_hp([100, 100, 100, 58, 58, 40, 30, 16, 16, 16, 0, 0]))
    kinds = [e.kind for e in ev]
    assert "damage" in kinds and "low_health" in kinds and kinds.count("death") == 1
    death = next(e for e in ev if e.kind == "death")
    assert death.t_start == 10.0
    low = next(e for e in ev if e.kind == "low_health")
    assert low.value == 16
    first = next(e for e in ev if e.kind == "damage")
    assert (first.t_start, first.payload["from"]) == (2.0, 100)  # from the last sample still at 100, not the first




def test_single_misread_is_not_damage():
    assert events.health_events(_hp([100, 100, 10, 100, 100])) == []


def test_text_and_speech_become_events():
    texts = [TextObservation(2.0, 5.0, "You got the minigun!", "YOU GOT THE MINIGUN", "message", 0.9,
                             kind="weapon", label="minigun"),
             TextObservation(8.0, 9.0, "Hello there", "HELLO THERE", "message", 0.8)]
    speech = [SpeechObservation(3.0, 4.5, "Minigun! Let's mow them down.", 0.9)]
    ev = events.build(texts, speech, [], [6.0])
    assert [(e.kind, e.label) for e in ev] == [("pickup", "minigun"), ("speech", "Minigun! Let's mow them down."),
                                                ("scene", "scene change"), ("text", "Hello there")]
    assert "minigun" in events.searchable(ev[0]) and "picked up" in events.searchable(ev[0])
    assert "weapon" in events.searchable(ev[0]).split()  # the lexicon's category: "what weapons did I get?"


def test_misheard_game_names_in_speech_become_aliases():
    names = ["angle grinder", "shotgun", "blue keycard", "minigun"]
    assert events.mentions("Time for the Angel Rider, this is going to be messy.", names) == ["angle grinder"]
    assert events.mentions("I found the blue key card", names) == ["blue keycard"]
    assert events.mentions("the gun is here", names) == []  # near but not a name: nothing added
    [ev] = events.speech_events([SpeechObservation(1.0, 2.0, "Time for the Angel Rider.", 0.9)], names,
                                lambda label: ("chainsaw",) if label == "angle grinder" else ())
    assert ev.label == "Time for the Angel Rider." and ev.aliases == ("angle grinder", "chainsaw")
    assert "chainsaw" in events.searchable(ev)
