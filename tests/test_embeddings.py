"""The numpy MiniLM gives the same vectors as sentence-transformers on the same packaged weights."""

import numpy as np
import pytest

from kb.models.embeddings import MiniLM, MiniLMNumpy

TEXTS = ["when did I say I was low on health", "Picked up a missile.", "YOU GOT THE ANGLE GRINDER!", "a"]


def test_numpy_path_matches_sentence_transformers():
    pytest.importorskip("sentence_transformers")
    a = MiniLMNumpy().encode(TEXTS)
    b = MiniLM().encode(TEXTS)
    assert a.shape == (4, 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.all(np.sum(a * b, axis=1) > 0.9999)


def test_related_phrases_are_closer():
    e = MiniLMNumpy().encode(["low on health", "my health is at sixteen percent, this is bad", "picked up a shotgun"])
    assert e[0] @ e[1] > e[0] @ e[2]
    assert MiniLMNumpy().encode([]).shape == (0, 384)


def test_one_embedder_shared_by_threads_pads_every_batch():
    """The web app runs searches in parallel threads on one embedder (issue 14 part 4): sizing a
    batch (token_ids, unpadded) must not change how another thread's batch is padded for encode,
    which stacks its token ids into one array."""
    import threading

    m = MiniLMNumpy().model
    texts = ["angle grinder", "you got the shotgun and a lot of other things to carry", "a"]
    errors: list[str] = []

    def size() -> None:
        for _ in range(500):
            m.token_ids(texts)

    def tokenise() -> None:
        for _ in range(500):
            if len({len(e.ids) for e in m.tok.encode_batch(texts)}) != 1:
                errors.append("a batch came back unpadded")
                return

    threads = [threading.Thread(target=f) for f in (size, tokenise, size, tokenise)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# -- queries are embedded by what made the table's text vectors (issue 15 part 1) ------------------

class Words8:
    """A third-party text backend: 8-d hashed bags of words."""

    name, model_id, dim = "words8", "test/words-8", 8
    queries: list[str] = []

    def __init__(self, threads: int = 1):
        pass

    def encode(self, texts):
        import zlib

        Words8.queries += list(texts)
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            for w in text.lower().split():
                out[i, zlib.crc32(w.encode()) % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


@pytest.fixture
def words8():
    from kb.models import registry
    from kb.models.embeddings import _text_embedder

    registry.register("text", "words8")(Words8)
    registry.register("text", "words8-server", requires=("gamekb_no_such_module",), install="pip install gamekb-words8-server")(
        type("Words8Server", (Words8,), {"name": "words8-server", "model_id": "test/words-8-server"}))
    Words8.queries = []
    yield Words8
    for name in ("words8", "words8-server"):
        registry._REGISTRY["text"].pop(name, None)
    _text_embedder.cache_clear()


def _library(tmp_path, text_vec_spec, vectors):
    from kb.lance import SegmentRow
    from kb.schema import Segment
    from kb.store import KnowledgeBase, VideoRecords

    kb = KnowledgeBase.open(tmp_path)  # the PostgreSQL pass maps each home to its own database
    texts = ["you got the blue keycard", "picked up a medikit", "secret area found"]
    video = kb.claim(tmp_path / "a.mp4", "cd" * 32, {"duration_s": 30.0}, "lite")
    rows = [SegmentRow(idx=i, start_s=10.0 * i, end_s=10.0 * i + 10, keyframe_s=10.0 * i + 5, text=t, text_vec=v)
            for i, (t, v) in enumerate(zip(texts, vectors(texts)))]
    kb.commit_video(video.id, VideoRecords(segments=[Segment(idx=i, start_s=10.0 * i, end_s=10.0 * i + 10, keyframe_s=10.0 * i + 5)
                                                     for i in range(3)], rows=rows, manifest={"text_vec": text_vec_spec}),
                    {"profile": "lite"})
    return kb


def test_search_embeds_the_query_with_the_model_that_made_the_library(words8, tmp_path):
    from retrieval.search import search

    kb = _library(tmp_path, {"model": "test/words-8", "dim": 8}, Words8().encode)
    Words8.queries = []
    hits = search(kb, "blue keycard", closest=True)
    assert Words8.queries == ["blue keycard"]  # not the default MiniLM: its 384-d vectors would not even fit
    assert hits and hits[0].segment_id == 0


def test_a_library_made_by_a_model_that_is_not_here_says_what_to_install(words8, tmp_path):
    from kb.errors import GamekbError, MissingDependency
    from kb.models.embeddings import query_embedder
    from retrieval.search import search

    kb = _library(tmp_path, {"model": "acme/embed-8", "dim": 8}, Words8().encode)
    with pytest.raises(GamekbError, match=r"acme/embed-8 \(8-d\), which no installed text backend provides .*words8 "):
        search(kb, "blue keycard")
    with pytest.raises(MissingDependency, match="text backend 'words8-server' .* pip install gamekb-words8-server"):
        query_embedder({"model": "test/words-8-server", "dim": 8})
    # the same model at another dimension is another model
    with pytest.raises(GamekbError, match="no installed text backend"):
        query_embedder({"model": "test/words-8", "dim": 16})


def test_the_lite_minilm_embeds_queries_for_either_minilm_backend():
    from kb.models.embeddings import query_embedder

    spec = {"model": "sentence-transformers/all-MiniLM-L6-v2", "dim": 384}  # what both minilm backends record
    assert query_embedder(spec).name == "minilm" and query_embedder(None) is None


# -- a query's GELU without importing scipy (issue 15 part 9) ---------------------------------------

def test_the_query_erf_is_scipys_bit_for_bit():
    from scipy.special import erf as scipy_erf

    from kb.models.erf import erf

    rng = np.random.default_rng(15)
    x = np.concatenate([rng.standard_normal(2_000_000) * 2.5, rng.uniform(-30, 30, 300_000), rng.uniform(-1.05, 1.05, 500_000),
                        np.exp(rng.uniform(-700, 6, 300_000)) * rng.choice([-1, 1], 300_000),
                        [0.0, -0.0, 1.0, -1.0, np.nextafter(1.0, 2), np.nextafter(1.0, 0), 8.0, np.nextafter(8.0, 0), -8.0,
                         26.6, 27.0, -27.0, 1e300, -1e300, np.inf, -np.inf, 5e-324, -5e-324]])
    assert np.array_equal(erf(x).view(np.int64), scipy_erf(x).view(np.int64))  # every bit, the sign of zero too
    assert np.isnan(erf(np.array([np.nan]))).all()
    with pytest.raises(TypeError):
        erf(x[:10].astype(np.float32))  # scipy's float32 loop is another function


def test_a_query_gets_the_same_vector_with_or_without_scipy(monkeypatch):
    from kb.models import erf

    texts = ["when did I get the missile launcher in each video?", "a", "x" * 40 + " " + "word " * 60]
    model = MiniLMNumpy().model
    ported = [model.encode([t]) for t in texts]
    monkeypatch.setattr(erf, "MAX_ELEMENTS", 0)  # every array through scipy, as ingest's batches go
    assert all(np.array_equal(p, model.encode([t])) for p, t in zip(ported, texts))
