"""initial schema: video, segment, event, entity, statesample, ingestrun

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "video",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", S(), nullable=False),
        sa.Column("path", S(), nullable=False),
        sa.Column("sha256", S(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("fps", sa.Float(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("has_audio", sa.Boolean(), nullable=False),
        sa.Column("game", S(), nullable=True),
        sa.Column("status", S(), nullable=False),
        sa.Column("error", S(), nullable=True),
        sa.Column("profile", S(), nullable=True),
        sa.Column("models", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_video_name", "video", ["name"], unique=True)
    op.create_index("ix_video_sha256", "video", ["sha256"], unique=True)
    op.create_index("ix_video_status", "video", ["status"])

    op.create_table(
        "segment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("video.id"), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("keyframe_s", sa.Float(), nullable=False),
        sa.UniqueConstraint("video_id", "idx"),
    )
    op.create_index("ix_segment_video_id", "segment", ["video_id"])

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("video.id"), nullable=False),
        sa.Column("segment_idx", sa.Integer(), nullable=True),
        sa.Column("t_start", sa.Float(), nullable=False),
        sa.Column("t_end", sa.Float(), nullable=False),
        sa.Column("kind", S(), nullable=False),
        sa.Column("label", S(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("source", S(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
    )
    op.create_index("ix_event_video_id", "event", ["video_id"])
    op.create_index("ix_event_t_start", "event", ["t_start"])
    op.create_index("ix_event_kind", "event", ["kind"])

    op.create_table(
        "entity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("video.id"), nullable=False),
        sa.Column("track", sa.Integer(), nullable=False),
        sa.Column("concept", S(), nullable=False),
        sa.Column("first_seen", sa.Float(), nullable=False),
        sa.Column("last_seen", sa.Float(), nullable=False),
        sa.Column("boxes", sa.JSON(), nullable=True),
    )
    op.create_index("ix_entity_video_id", "entity", ["video_id"])
    op.create_index("ix_entity_concept", "entity", ["concept"])

    op.create_table(
        "statesample",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("video.id"), nullable=False),
        sa.Column("t", sa.Float(), nullable=False),
        sa.Column("name", S(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
    )
    op.create_index("ix_statesample_video_id", "statesample", ["video_id"])

    op.create_table(
        "ingestrun",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("profile", S(), nullable=False),
        sa.Column("inputs", sa.Integer(), nullable=False),
        sa.Column("ingested", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
    )


def downgrade() -> None:
    for table in ("ingestrun", "statesample", "entity", "event", "segment", "video"):
        op.drop_table(table)
