"""Hostile queries (issue 4, part 6): arbitrary strings as search text, anchors, --video, --kind,
--text and time bounds go through the whole search and events path of a real two-video library.
Nothing crashes (a bad value is a clean GamekbError), nothing is changed, and no row comes from a
video the filters exclude: user strings never reach SQL or a LanceDB filter as code."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import pipeline
from ingest.sources import Source
from kb.errors import GamekbError
from kb.store import KnowledgeBase
from retrieval.query import parse_ts
from retrieval.search import Filters, search
from tests.clips import make_silent_video
from tests.kbcheck import lite_models, snapshot  # noqa: F401 (a fixture)

SQLISH = st.sampled_from(["'", '"', "--", ";", "/*", "*/", " OR 1=1", "' OR '1'='1", "video_id = 1 OR true", "%", "_",
                          "\\", "\x00", "DROP TABLE video;", ") OR (", "idx IN (0)", "@", "@00:01", "alpha@00:01",
                          "bravo", "alpha", "NOT", "AND", "OR", "*", "~", "^2", ":", "text:", "\n", "é", "日本"])
HOSTILE = st.one_of(st.text(max_size=40), st.lists(SQLISH, max_size=6).map("".join),
                    st.tuples(st.text(max_size=10), SQLISH, st.text(max_size=10)).map("".join))


@pytest.fixture(scope="module")
def kb(tmp_path_factory, lite_models):
    d = tmp_path_factory.mktemp("clips")
    home = tmp_path_factory.mktemp("kb")
    kb = KnowledgeBase.open(home)
    models = lite_models
    for name, text in (("alpha", "You got the shotgun!"), ("bravo", "Picked up a stimpack.")):
        p = make_silent_video(d / f"{name}.mp4", 3.0, texts=[(0.2, 2.8, text)]).path
        assert pipeline.ingest_source(kb, Source(str(p), path=p), models).status == "ingested"
    return kb, snapshot(home), home


def _time(text):
    try:
        return parse_ts(text)
    except GamekbError:
        return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=HOSTILE, video=st.one_of(st.none(), st.just("alpha"), HOSTILE), kind=st.one_of(st.none(), HOSTILE),
       t_from=st.one_of(st.none(), HOSTILE, st.just("00:01")), t_to=st.one_of(st.none(), HOSTILE))
def test_search_with_hostile_strings(kb, query, video, kind, t_from, t_to):
    kb, _, _ = kb
    f = Filters(videos=[video] if video is not None else None, kinds=[kind] if kind is not None else None,
                t_from=_time(t_from) if t_from else None, t_to=_time(t_to) if t_to else None)
    try:
        hits = search(kb, query, limit=20, filters=f)
    except GamekbError as exc:  # an unknown video name or a bad anchor time: a clean, named error
        assert "no ready video named" in str(exc) or "bad time" in str(exc)
        return
    names = {h.video for h in hits}
    assert names <= {"alpha", "bravo"}
    if video is not None:
        assert names <= {video}
    if kind is not None:
        kinds = {e.kind for e, _ in kb.events()}
        assert kind in kinds or not hits


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.one_of(st.none(), HOSTILE), text=st.one_of(st.none(), HOSTILE),
       lo=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
       hi=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)))
def test_events_with_hostile_strings(kb, kind, text, lo, hi):
    kb, _, _ = kb
    rows = kb.events(None, [kind] if kind is not None else None, lo, hi, text)
    for e, v in rows:
        assert v.name in {"alpha", "bravo"}
        assert kind is None or e.kind == kind
        assert text is None or text.lower() in e.label.lower()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=HOSTILE)
def test_anchor_names_only_their_own_video(kb, name):
    kb, _, _ = kb
    for query in (f"{name}@00:01 what happened", "alpha@00:01 " + name):
        try:
            hits = search(kb, query, limit=20)
        except GamekbError as exc:
            assert "no ready video named" in str(exc) or "bad time" in str(exc)
            continue
        if query.startswith("alpha@") and "@" not in name:
            assert {h.video for h in hits} <= {"alpha"}


def test_library_unchanged_after_hostile_queries(kb):
    kb_, before, home = kb
    for q in ("'; DROP TABLE video; --", "\" OR 1=1 --", "video_id = 1 OR true", "alpha' OR '1'='1@00:01"):
        try:
            search(kb_, q, filters=Filters(videos=["x' OR '1'='1"]))
        except GamekbError:
            pass
        kb_.events(None, [q], None, None, q)
    assert snapshot(home) == before
