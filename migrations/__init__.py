"""Alembic environment and numbered revisions for the SQL schema (applied on every KB open)."""

from pathlib import Path

SCRIPT_LOCATION = str(Path(__file__).resolve().parent)

# The newest revision; KnowledgeBase.open skips loading alembic when the database is already there.
# tests/test_kb.py checks it against the revision scripts.
HEAD = "0003"
