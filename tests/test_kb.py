"""The SQL schema comes only from alembic revisions, and they agree with the models."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from kb import sql
from kb.config import Settings
from kb.errors import ModelMismatch
from kb.lance import SegmentRow, SegmentTable
from kb.schema import Event, Segment, Video
from kb.store import KnowledgeBase, VideoRecords
from tests.pg import db_url  # noqa: F401  (fixture: every test here runs on SQLite and on PostgreSQL)


def _engine(db_url, tmp_path):
    return sql.make_engine(db_url or f"sqlite:///{tmp_path / 'x.sqlite'}")


def test_migrations_from_empty_match_the_models(tmp_path, db_url):
    engine = _engine(db_url, tmp_path)
    sql.upgrade(engine)
    assert sql.current_revision(engine) == sql.head_revision()
    from migrations import HEAD

    assert HEAD == sql.head_revision()  # the fast path in sql.upgrade trusts this constant
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_downgrade_then_upgrade_again(tmp_path, db_url):
    engine = _engine(db_url, tmp_path)
    sql.upgrade(engine)
    from alembic import command
    from alembic.config import Config

    from migrations import SCRIPT_LOCATION

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "video" not in sa.inspect(engine).get_table_names()
    sql.upgrade(engine)
    assert {"video", "segment", "event", "entity", "statesample", "ingestrun"} <= set(sa.inspect(engine).get_table_names())


def _manifest(dim=4, model="m1"):
    return {"text_vec": {"model": model, "dim": dim}}


def test_video_invisible_until_committed_and_rows_replaced_on_redo(tmp_path, db_url):
    kb = KnowledgeBase(Settings(home=tmp_path, db_url=db_url))
    video = kb.claim(tmp_path / "a.mp4", "ab" * 32, {"duration_s": 20.0}, "lite")
    assert kb.ready_ids() == []  # ingesting: invisible
    row = SegmentRow(idx=0, start_s=0.0, end_s=10.0, keyframe_s=5.0, text="picked up a missile", text_vec=[1.0, 0.0, 0.0, 0.0])
    records = VideoRecords(segments=[Segment(idx=0, start_s=0, end_s=10, keyframe_s=5)],
                           events=[Event(t_start=3, t_end=4, kind="pickup", label="missile", source="ocr")],
                           rows=[row], manifest=_manifest())
    kb.commit_video(video.id, records, {"profile": "lite"})
    assert kb.ready_ids() == [video.id]
    assert kb.segments.count(video.id) == 1
    # a second commit of the same video replaces its rows, it never duplicates them
    records2 = VideoRecords(segments=[Segment(idx=0, start_s=0, end_s=10, keyframe_s=5)],
                            events=[Event(t_start=3, t_end=4, kind="pickup", label="missile", source="ocr")],
                            rows=[row], manifest=_manifest())
    kb.commit_video(video.id, records2, {"profile": "lite"})
    assert kb.segments.count(video.id) == 1
    assert len(kb.events()) == 1
    assert kb.video_by_sha("ab" * 32).status == "ready"


def test_other_models_are_a_clear_error(tmp_path):
    table = SegmentTable(str(tmp_path / "lance"))
    table.ensure(_manifest())
    try:
        SegmentTable(str(tmp_path / "lance")).ensure(_manifest(dim=8, model="m2"))
    except ModelMismatch as exc:
        assert "m1" in str(exc) and "m2" in str(exc) and "--home" in str(exc)
    else:
        raise AssertionError("a different model must not be mixed into the table")


def test_unique_names_for_same_stem(tmp_path, db_url):
    kb = KnowledgeBase(Settings(home=tmp_path, db_url=db_url))
    a = kb.claim(tmp_path / "x" / "run.mp4", "a" * 64, {}, "lite")
    b = kb.claim(tmp_path / "y" / "run.mp4", "b" * 64, {}, "lite")
    assert (a.name, b.name) == ("run", "run-2")
    assert isinstance(kb.videos()[0], Video)


def test_upgrade_from_0002_keeps_videos_and_adds_game_score(tmp_path, db_url):
    """0003 on a library made before it: the video is kept, its game_score is NULL (no score was measured)."""
    engine = _engine(db_url, tmp_path)
    sql.upgrade(engine, "0002")
    assert "game_score" not in {c["name"] for c in sa.inspect(engine).get_columns("video")}
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO video (name, path, sha256, size_bytes, duration_s, fps, width, height, has_audio, game,"
            " status, created_at, updated_at) VALUES ('old', '/v/old.mp4', :sha, 10, 5.0, 35.0, 320, 200, false,"
            " 'doom', 'ready', :t, :t)"), {"sha": "c" * 64, "t": "2026-12-01 10:00:00"})
    sql.upgrade(engine)
    assert sql.current_revision(engine) == sql.head_revision()
    with sql.session(engine) as s:
        (video,) = s.exec(select(Video)).all()
    assert (video.name, video.game, video.game_score, video.status) == ("old", "doom", None, "ready")


def _commit(kb, tmp_path, stem, sha_char, game, score):
    video = kb.claim(tmp_path / f"{stem}.mp4", sha_char * 64, {"duration_s": 10.0}, "lite")
    row = SegmentRow(idx=0, start_s=0.0, end_s=10.0, keyframe_s=5.0, text=f"{stem} text", text_vec=[1.0, 0.0, 0.0, 0.0])
    kb.commit_video(video.id, VideoRecords(segments=[Segment(idx=0, start_s=0, end_s=10, keyframe_s=5)],
                                           events=[Event(t_start=1, t_end=2, kind="pickup", label=stem, source="ocr")],
                                           rows=[row], manifest=_manifest(), game=game, game_score=score),
                    {"profile": "lite"})
    return video.id


def test_game_and_score_are_stored_and_filter_videos(tmp_path, db_url):
    import pytest

    from kb.errors import GamekbError

    kb = KnowledgeBase(Settings(home=tmp_path, db_url=db_url))
    doom = _commit(kb, tmp_path, "e1m1", "d", "doom", 0.875)
    named = _commit(kb, tmp_path, "race", "e", "mygame", None)  # the user named the pack: no score
    by_name = {v.name: v for v in kb.videos()}
    assert (by_name["e1m1"].game, by_name["e1m1"].game_score) == ("doom", 0.875)
    assert (by_name["race"].game, by_name["race"].game_score) == ("mygame", None)
    assert kb.games() == ["doom", "mygame"]
    assert kb.ready_ids(games=["doom"]) == [doom]
    assert sorted(kb.ready_ids(games=["doom", "mygame"])) == sorted([doom, named])
    assert kb.ready_ids(["race"], games=["doom"]) == []
    with pytest.raises(GamekbError, match=r"no ready video of game 'quake'; games in the library: doom, mygame$"):
        kb.ready_ids(games=["quake"])
