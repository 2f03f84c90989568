"""PostgreSQL for the tests: a fresh database per test on the server GAMEKB_TEST_PG_URL names.

`.ci/start-postgres` starts one on 127.0.0.1 and prints its URL. Without the variable every
PostgreSQL case is skipped, with that reason, and the SQLite cases still run.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from typing import Iterator

import pytest

PG_ENV = "GAMEKB_TEST_PG_URL"
SKIP_REASON = f"{PG_ENV} is not set (export GAMEKB_TEST_PG_URL=$(.ci/start-postgres) to run the PostgreSQL cases)"


def server_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(SKIP_REASON)
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'gamekb[postgres]'")
    return url


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database on the test server; dropped afterwards (open connections and all)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(server_url()).set(drivername="postgresql+psycopg")
    name = f"gamekb_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request) -> Iterator[str | None]:
    """None (SQLite in the KB home, the default) or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    with fresh_database() as url:
        yield url
