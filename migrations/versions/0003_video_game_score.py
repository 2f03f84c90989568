"""video.game_score: how well the chosen game pack matched the video (issue 12)

`video.game` names the pack a video was read with; `game_score` (0..1) is how well that pack's
lexicon and HUD matched the screen when gamekb chose it (`--game auto`), NULL when the user named
the pack or the video was ingested before this revision. A nullable column with no default: adding
it rewrites no table on SQLite or PostgreSQL.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-09
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("video", sa.Column("game_score", sa.Float(), nullable=True))


def downgrade() -> None:
    # batch: SQLite before 3.35 has no DROP COLUMN; alembic copies the table there instead
    with op.batch_alter_table("video") as batch:
        batch.drop_column("game_score")
