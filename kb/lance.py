"""The LanceDB segment table: one row per segment, its searchable text, vectors and keyframe.

The table's schema metadata records every model that produced a column (id, dimension, projector
checkpoint); opening it with other models is a ModelMismatch, never silently mixed vectors.
"""

from __future__ import annotations

import json
import logging
import warnings
from typing import Any, Iterable

from kb.errors import ModelMismatch

log = logging.getLogger(__name__)

TABLE = "segments"
META_KEY = b"gamekb.models"
# Columns returned by searches: everything but the vectors and the keyframe bytes.
TEXT_COLUMNS = ["video_id", "idx", "video", "start_s", "end_s", "keyframe_s", "text", "moments"]
# ANN index on the text embeddings (bench/search_latency.py, docs/benchmarks.md). Below the row
# threshold an exact flat scan is a few ms and always exact; past it the index keeps search flat in
# library size. Re-trained when the table has grown RETRAIN_GROWTH-fold since it was trained.
VECTOR_COLUMN = "text_vec"
# IVF_FLAT: at 100k x 384-d it built in 11 s with recall@10 1.00 and p50 6.4 ms; IVF_SQ 27 s, 0.96,
# 7.2 ms; IVF_HNSW_SQ 62 s, 0.95, 17 ms; IVF_PQ 158 s, 0.44 (bench/search_latency.py, 2 cores)
VECTOR_INDEX_TYPE = "IVF_FLAT"
VECTOR_INDEX_MIN_ROWS = 50_000
RETRAIN_GROWTH = 4.0


def _schema(manifest: dict[str, dict[str, Any]]):
    import pyarrow as pa

    cols = [
        pa.field("video_id", pa.int64()),
        pa.field("idx", pa.int32()),
        pa.field("video", pa.string()),
        pa.field("start_s", pa.float64()),
        pa.field("end_s", pa.float64()),
        pa.field("keyframe_s", pa.float64()),
        pa.field("text", pa.string()),
        pa.field("moments", pa.string()),  # JSON [[t_start, t_end, source, kind, label, searchable text], ...]
        pa.field("keyframe", pa.binary()),  # JPEG
    ]
    for column, spec in sorted(manifest.items()):
        value_type = pa.float16() if spec.get("dtype") == "float16" else pa.float32()
        cols.append(pa.field(column, pa.list_(value_type, int(spec["dim"]))))
    return pa.schema(cols, metadata={META_KEY: json.dumps(manifest, sort_keys=True).encode()})


class SegmentTable:
    def __init__(self, uri: str):
        import lancedb

        from datetime import timedelta

        self.uri = uri
        # interval 0: every read sees the latest version, including another process's writes (issue 4)
        self.db = lancedb.connect(uri, read_consistency_interval=timedelta(0))
        self._table = None

    # -- opening ---------------------------------------------------------------------------
    @property
    def table(self):
        if self._table is None and TABLE in self._table_names():
            self._table = self.db.open_table(TABLE)
        return self._table

    def _table_names(self) -> list[str]:
        names = self.db.list_tables()
        return list(getattr(names, "tables", names))

    def manifest(self) -> dict[str, dict[str, Any]] | None:
        if self.table is None:
            return None
        meta = self.table.schema.metadata or {}
        return json.loads(meta[META_KEY]) if META_KEY in meta else {}

    def ensure(self, manifest: dict[str, dict[str, Any]]) -> None:
        """Create the table for these models, or check that it was built with them."""
        existing = self.manifest()
        if existing is None:
            self._table = self.db.create_table(TABLE, schema=_schema(manifest), exist_ok=True)
            existing = self.manifest()
        if existing != manifest:
            diff = [f"{c}: {existing.get(c, {}).get('model')} (dim {existing.get(c, {}).get('dim')}) "
                    f"vs {manifest.get(c, {}).get('model')} (dim {manifest.get(c, {}).get('dim')})"
                    for c in sorted(set(existing) | set(manifest)) if existing.get(c) != manifest.get(c)]
            raise ModelMismatch("this knowledge base was built with other models (" + "; ".join(diff) +
                                "); use the same --profile/models, or a new --home for the new models")

    # -- writing ---------------------------------------------------------------------------
    def delete_video(self, video_id: int) -> None:
        if self.table is not None:
            self.table.delete(f"video_id = {int(video_id)}")

    def add(self, rows: list[dict[str, Any]], after_add=None) -> None:
        if rows:
            self.table.add(rows)
            if after_add is not None:
                after_add()  # a crash point between the append and the index refresh (kb.store)
            self.refresh_index()

    def refresh_index(self) -> None:
        """Build the full-text index once, then fold new rows into it."""
        t = self.table
        has_fts = any("text" in (getattr(i, "columns", None) or []) for i in t.list_indices())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if not has_fts:
                t.create_fts_index("text", replace=True, with_position=False)
            else:
                t.optimize()
        self.ensure_vector_index()

    def ensure_vector_index(self, column: str = VECTOR_COLUMN, force: bool = False) -> str | None:
        """Build the ANN index on `column` once the table is big enough, and re-train it as it grows.

        Below VECTOR_INDEX_MIN_ROWS a flat scan is fast enough and no index is kept. Past it an
        IVF index with ~sqrt(rows) partitions is trained; rows added later are folded in by
        `optimize()` (and searched flat until then, so results stay complete), and once the table
        has grown RETRAIN_GROWTH-fold since training the partitions are re-trained. The partition
        count is part of the index name, so no other bookkeeping is needed. Returns the index name.
        """
        t = self.table
        if t is None or column not in t.schema.names:
            return None
        rows = t.count_rows()
        mine = [i for i in t.list_indices() if (getattr(i, "name", "") or "").startswith(f"{column}_ann_p")]
        if rows < VECTOR_INDEX_MIN_ROWS and not force:
            return mine[0].name if mine else None
        partitions = max(1, int(round(rows ** 0.5)))
        if mine:
            trained = int(mine[0].name.rsplit("_p", 1)[1])
            if partitions ** 2 < RETRAIN_GROWTH * trained ** 2 and not force:
                return mine[0].name
        name = f"{column}_ann_p{partitions}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t.create_index(metric="cosine", vector_column_name=column, index_type=VECTOR_INDEX_TYPE,
                           num_partitions=partitions, replace=True, name=name)
            for old in mine:
                if old.name != name:
                    t.drop_index(old.name)
        log.info("trained %s index %s on %d rows", VECTOR_INDEX_TYPE, name, rows)
        return name

    # -- reading ---------------------------------------------------------------------------
    def count(self, video_id: int | None = None) -> int:
        if self.table is None:
            return 0
        return self.table.count_rows(None if video_id is None else f"video_id = {int(video_id)}")

    def video_ids(self) -> set[int]:
        if self.table is None:
            return set()
        return set(self.table.search().select(["video_id"]).limit(None).to_arrow()["video_id"].to_pylist())

    # -- consistency (gamekb doctor) ------------------------------------------------------------
    def video_counts(self) -> dict[int, tuple[int, int]]:
        """video_id -> (rows, distinct idx): rows > distinct means duplicated segments."""
        if self.table is None:
            return {}
        t = self.table.search().select(["video_id", "idx"]).limit(None).to_arrow()
        out: dict[int, set[int]] = {}
        counts: dict[int, int] = {}
        for vid, idx in zip(t["video_id"].to_pylist(), t["idx"].to_pylist()):
            out.setdefault(vid, set()).add(idx)
            counts[vid] = counts.get(vid, 0) + 1
        return {vid: (counts[vid], len(ix)) for vid, ix in out.items()}

    def has_fts(self) -> bool:
        if self.table is None:
            return True
        return any("text" in (getattr(i, "columns", None) or []) for i in self.table.list_indices())

    def fts(self, query: str, where: str | None, limit: int) -> list[dict[str, Any]]:
        if self.table is None or not query.strip():
            return []
        q = self.table.search(query, query_type="fts", fts_columns="text").select([*TEXT_COLUMNS, "_score"])
        if where:
            q = q.where(where, prefilter=True)
        try:
            return q.limit(limit).to_list()
        except ValueError as exc:  # a query that tokenises to nothing searchable
            log.debug("fts query %r gave %s", query, exc)
            return []

    def vector(self, column: str, vector, where: str | None, limit: int) -> list[dict[str, Any]]:
        if self.table is None:
            return []
        q = self.table.search(vector, vector_column_name=column, query_type="vector").select([*TEXT_COLUMNS, "_distance"])
        if where:
            q = q.where(where, prefilter=True)
        return q.metric("cosine").limit(limit).to_list()

    def rows(self, where: str | None, columns: Iterable[str] | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        if self.table is None:
            return []
        q = self.table.search()
        if where:
            q = q.where(where)
        if columns is not None:
            q = q.select(list(columns))
        return q.limit(limit).to_list()
