"""Searches read the segment table with pylance instead of lancedb (issue 15 part 9: importing
lancedb was ~1 s of every search's start-up). The rows, scores and distances must be the ones
lancedb returned: held side by side here on a table written the way ingest writes it (lancedb
builds the full-text index, later appends join it as pylance-built deltas) with an ANN index."""

import re

import numpy as np
import pytest

from kb.fts_words import needs_lancedb
from kb.lance import TEXT_COLUMNS, FoundSegment, SegmentTable

# Contraction fragments and no/nor/not, which only Lance 13 (in lancedb) drops from a query; words
# built on them; stop words both drop; and the words of gameplay text.
ONLY_LANCE13 = "ain aren couldn d didn doesn don hadn hasn haven isn ll m ma mightn mustn needn no nor not o s shan " \
               "shouldn t ve wasn weren won wouldn y".split()
VARIANTS = [w + s for w in ("don", "not", "won", "haven", "nor", "shan") for s in ("s", "ed", "ing", "ly", "ness", "ful", "e")] + \
           ["donned", "donning", "wonned", "notted", "noing", "maed", "oing", "veing", "done", "note", "notice", "nose", "none"]
BOTH = "a an and the of to in on it is was i you me my we up down out off over what which who when where there".split()
GAME = ("you picked up the shotgun shells secret area found a medikit that you really need armor bonus "
        "player died health low team omega drowned the missile launcher blue keycard opens door "
        "i won the round let's go i'm not done yet no ammo don't stop it's over haven't seen the boss "
        "sudden death water rises score 1200 lap three kills double kill headshot").split()
WORDS = sorted(set(ONLY_LANCE13 + VARIANTS + BOTH + GAME))
WHERE = [None, "video_id IN (1, 2)", "video_id NOT IN (3)", "end_s >= 20.000 AND start_s <= 60.000",
         "(video_id = 1 AND idx IN (1, 2, 3, 40))", "false"]
# as ingest writes them: float32 search vectors, float16 projected ones (read as rows, never searched;
# Lance 13 and 14 compute float16 distances apart in the last digits)
MANIFEST = {"text_vec": {"model": "test", "dim": 16}, "visual_vec": {"model": "test-visual", "dim": 8},
            "proj_visual": {"model": "test-projector", "dim": 8, "dtype": "float16"}}


def _rows(rng, n, start):
    out = []
    for i in range(start, start + n):
        words = rng.choice(WORDS, size=int(rng.integers(3, 12)))
        text = " ".join(words)
        tv = rng.standard_normal(16).astype(np.float32)
        out.append({"video_id": 1 + i % 4, "video": f"v{1 + i % 4}", "idx": i // 4, "start_s": 10.0 * (i // 4),
                    "end_s": 10.0 * (i // 4) + 10.0, "keyframe_s": 10.0 * (i // 4) + 5.0, "text": text,
                    "moments": f'[[0.0, 1.0, "ocr", "text", null, "{words[0]}"]]', "keyframe": bytes([i % 251]) * 3,
                    "text_vec": tv / np.linalg.norm(tv), "visual_vec": rng.standard_normal(8).astype(np.float32),
                    "proj_visual": rng.standard_normal(8).astype(np.float16)})
    return out


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    rng = np.random.default_rng(15)
    t = SegmentTable(str(tmp_path_factory.mktemp("lance") / "lance"), grace=0.0)
    t.ensure(MANIFEST)
    t.add(_rows(rng, 2400, 0))  # lancedb (Lance 13) builds the full-text index
    t.add(_rows(rng, 400, 2400))  # pylance (Lance 14) adds these rows to it as a delta (maintain)
    assert t.ensure_vector_index(force=True)  # an IVF index, as past VECTOR_INDEX_MIN_ROWS
    t.add(_rows(rng, 40, 2800))  # rows the ANN index does not hold yet: searched flat
    return t


def _lancedb_vector(t, column, vec, where, k):
    q = t.table.search(vec, vector_column_name=column, query_type="vector").select([*TEXT_COLUMNS, "_distance"])
    if where:
        q = q.where(where, prefilter=True)
    return [FoundSegment.of(r) for r in q.metric("cosine").limit(k).to_list()]


def test_full_text_search_gives_lancedbs_rows_and_scores(table):
    queries = WORDS + ["shotgun shells", "missile launcher", "i won the round", "not done yet", "don't stop", "it's over",
                       "no ammo", "team omega drowned", "let's go", "haven't seen the boss", "the", "s t", "x" * 50]
    for q in queries:
        for where in WHERE:
            assert table.fts(q, where, 30) == table._fts_lancedb(q, where, 30), (q, where)


def test_the_words_lance_13_and_14_read_apart_go_to_lancedb(table):
    ds = table._latest()
    apart = []
    for w in WORDS:
        mine = ds.to_table(columns=["video_id", "idx", "_score"], full_text_query={"query": w, "columns": ["text"]},
                           limit=50, disable_scoring_autoprojection=True).to_pylist()
        theirs = [{"video_id": r.video_id, "idx": r.idx, "_score": r.score} for r in table._fts_lancedb(w, None, 50)]
        if mine != theirs:
            apart.append(w)
            assert needs_lancedb(w), w
    assert {"won", "not", "no", "s"} <= set(apart)  # the table holds them: the check above had work to do
    assert not any(needs_lancedb(w) for w in ("shotgun", "died", "dies", "health", "team", "drowned", "secret", "boss"))
    assert needs_lancedb("nót")  # ASCII folding could make any non-ASCII word one of them


def test_vector_search_gives_lancedbs_rows_and_distances_with_an_ann_index(table):
    rng = np.random.default_rng(7)
    assert any(re.match(r"text_vec_ann_p\d+", i.name) for i in table.table.list_indices())
    for _ in range(12):
        vec = rng.standard_normal(16).astype(np.float32)
        vec /= np.linalg.norm(vec)
        for where in WHERE:
            assert table.vector("text_vec", vec, where, 30) == _lancedb_vector(table, "text_vec", vec, where, 30), where
    vis = rng.standard_normal(8).astype(np.float32)  # the visual column (searched with SigLIP2's text tower)
    assert table.vector("visual_vec", vis, None, 20) == _lancedb_vector(table, "visual_vec", vis, None, 20)


def test_rows_counts_and_manifest_are_lancedbs(table):
    for where, columns, limit in [(None, None, 30), ("video_id = 2 AND idx = 3", ["keyframe", "proj_visual"], 1),
                                  ("video_id = 3", ["video_id", "idx", "text", "moments"], None), (WHERE[3], None, 10)]:
        q = table.table.search()
        if where:
            q = q.where(where)
        if columns is not None:
            q = q.select(columns)
        assert table.rows(where, columns, limit) == q.limit(limit).to_list(), where
    assert table.count() == table.table.count_rows() == 2840 and table.count(2) == table.table.count_rows("video_id = 2")
    assert table.manifest() == MANIFEST and table.has_fts()
    assert table.video_counts() == {v: (710, 710) for v in (1, 2, 3, 4)}


def test_a_table_not_written_yet_reads_as_empty(tmp_path):
    t = SegmentTable(str(tmp_path / "lance"))
    assert t.manifest() is None and t.count() == 0 and t.fts("shotgun", None, 5) == [] and t.rows(None) == []
    assert t.vector("text_vec", np.ones(4, np.float32), None, 5) == [] and t.video_counts() == {} and t.has_fts()
    assert t._db is None  # nothing of this imported lancedb
    t.ensure({"text_vec": {"model": "m", "dim": 4}})  # a writer creates it: readers see it at once
    assert t.manifest() == {"text_vec": {"model": "m", "dim": 4}} and t.count() == 0
