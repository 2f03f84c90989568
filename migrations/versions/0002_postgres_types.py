"""PostgreSQL types: video.size_bytes BIGINT, timestamps WITH TIME ZONE (issue 8)

0001 created `size_bytes` as INTEGER (4 bytes on PostgreSQL: a file over 2 GiB failed to insert)
and the timestamps as TIMESTAMP WITHOUT TIME ZONE while the models store aware UTC datetimes.
SQLite keeps every value as it is (64-bit INTEGER, text timestamps), so on SQLite this revision
changes nothing: no table is rebuilt.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TIMESTAMPS = (("video", "created_at", False), ("video", "updated_at", False),
              ("ingestrun", "started_at", False), ("ingestrun", "finished_at", True))


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column("video", "size_bytes", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False)
    for table, column, nullable in TIMESTAMPS:
        # the values were written as UTC (the models convert before binding)
        op.alter_column(table, column, type_=sa.DateTime(timezone=True), existing_type=sa.DateTime(),
                        existing_nullable=nullable, postgresql_using=f"{column} AT TIME ZONE 'UTC'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column, nullable in TIMESTAMPS:
        op.alter_column(table, column, type_=sa.DateTime(), existing_type=sa.DateTime(timezone=True),
                        existing_nullable=nullable, postgresql_using=f"{column} AT TIME ZONE 'UTC'")
    op.alter_column("video", "size_bytes", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
