"""The numpy MiniLM gives the same vectors as sentence-transformers on the same packaged weights."""

import numpy as np
import pytest

from kb.embeddings import MiniLM, MiniLMNumpy

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
