"""Alembic environment and numbered revisions for the SQL schema (applied on every KB open)."""

from pathlib import Path

SCRIPT_LOCATION = str(Path(__file__).resolve().parent)
