"""PostgreSQL for the tests, on the server GAMEKB_TEST_PG_URL names (`.ci/start-postgres` starts one
on 127.0.0.1 and prints its URL). The suite runs twice (README, `.ci/run`):

- The SQLite pass (the default): every KB keeps its rows in SQLite in its home. Cases that pick
  their SQL store themselves (the `db_url` fixture, `fresh_database`, the `own_sql_store` marker)
  run here, each PostgreSQL case on a fresh database; without GAMEKB_TEST_PG_URL those cases skip
  and say why.
- The PostgreSQL pass (GAMEKB_TEST_DB=postgresql): the same suite with PostgreSQL as the SQL store
  of every knowledge base the tests create. Each KB home opened by name (Settings.load without
  GAMEKB_DB_URL, i.e. `--home`, GAMEKB_HOME, KnowledgeBase.open) gets its own database, named
  after the home's path and created on first use, so the homes a test compares never share rows and
  every process that opens a home finds its database: the processes the tests start run
  `tests.kbcheck.CLI`, which installs the same mapping, and Ray workers get the resolved URL from
  the driver. `tests.kbcheck.copy_home` copies a home's database along with its folder. Opening
  SQLite is an error here, and the pass fails if an SQLite file appears in a test folder, so no KB
  quietly stays on SQLite. The own-store cases are skipped (they ran in the SQLite pass, and would
  only repeat it). The run's databases are dropped at the end.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest

PG_ENV = "GAMEKB_TEST_PG_URL"
MODE_ENV = "GAMEKB_TEST_DB"  # "postgresql": the PostgreSQL pass
RUN_ENV = "GAMEKB_TEST_PG_RUN"  # this run's database-name prefix; processes the tests start inherit it
SKIP_REASON = f"{PG_ENV} is not set (export GAMEKB_TEST_PG_URL=$(.ci/start-postgres) to run the PostgreSQL cases)"
OWN_STORE_REASON = "picks its SQL stores itself (SQLite and a fresh PostgreSQL database): ran in the SQLite pass"


def postgres_pass() -> bool:
    return os.environ.get(MODE_ENV) == "postgresql"


def server_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(SKIP_REASON)
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'gamekb[postgres]'")
    return url


def _server():
    from sqlalchemy.engine import make_url

    return make_url(os.environ[PG_ENV]).set(drivername="postgresql+psycopg")


def _admin():
    """An engine on the server's own database: autocommit (CREATE/DROP DATABASE refuse transactions),
    no pool (an idle connection left behind would block a DROP or a TEMPLATE copy)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    return create_engine(_server(), isolation_level="AUTOCOMMIT", poolclass=NullPool)


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database on the test server; dropped afterwards (open connections and all)."""
    from sqlalchemy import text

    server_url()
    admin = _admin()
    name = f"gamekb_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _server().set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            drop_database(conn, name)


def drop_database(conn, name: str, tries: int = 6) -> None:
    """Drop a test database reliably. `DROP DATABASE ... WITH (FORCE)` fails as a whole when one of
    the sessions on it is a backend the test role may not end, such as an autovacuum worker ("must be a
    member of the role whose process is being terminated or member of pg_signal_backend"), and the
    database leaked (issue 14). So: end this role's own sessions (idle pooled engines of this or
    another test process), then a plain DROP, which makes autovacuum step aside (the server signals its
    workers and waits up to 5 s for every other session to leave); what still holds on is retried."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    for attempt in range(tries):
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n "
                          "AND usename = current_user AND pid <> pg_backend_pid()"), {"n": name})
        try:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            return
        except OperationalError as exc:  # 55006 object_in_use: "being accessed by other users"
            if getattr(exc.orig, "sqlstate", None) != "55006" or attempt == tries - 1:
                raise


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request) -> Iterator[str | None]:
    """None (SQLite in the KB home, the default) or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    with fresh_database() as url:
        yield url


# -- the PostgreSQL pass: a database per KB home ---------------------------------------------------
_ready: set[str] = set()  # databases this process knows exist


def _home_db_name(home: Path) -> str:
    digest = hashlib.sha256(str(Path(home).expanduser().resolve()).encode()).hexdigest()[:16]
    return f"{os.environ[RUN_ENV]}_{digest}"


def home_database(home: Path) -> str:
    """The URL of `home`'s own database, created if no process has created it yet."""
    from sqlalchemy import text

    name = _home_db_name(home)
    if name not in _ready:
        with _admin().connect() as conn:
            # processes opening one new home at once (two `gamekb ingest`s): one creates, the others find it
            conn.execute(text("SELECT pg_advisory_lock(hashtext(:n))"), {"n": name})
            try:
                if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": name})
        _ready.add(name)
    return _server().set(database=name).render_as_string(hide_password=False)


def copy_home_database(src: Path, dst: Path) -> None:
    """`dst`'s database becomes a copy of `src`'s (a copied KB home must keep its rows)."""
    from sqlalchemy import text

    home_database(src)
    source, target = _home_db_name(src), _home_db_name(dst)
    with _admin().connect() as conn:
        # a template must have no other sessions: end those of this process's idle pooled engines
        # (only this role's: an autovacuum worker may not be ended by it, and CREATE ... TEMPLATE waits for one)
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n "
                          "AND usename = current_user AND pid <> pg_backend_pid()"), {"n": source})
        drop_database(conn, target)
        conn.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{source}"'))
    _ready.add(target)


def install_per_home() -> None:
    """In the PostgreSQL pass, make this process open every KB home on its own database (above)."""
    if not postgres_pass():
        return
    from kb import config, sql

    load, make_engine = config.Settings.load.__func__, sql.make_engine

    def per_home_load(cls, home=None):
        settings = load(cls, home)
        return settings if settings.db_url else dataclasses.replace(settings, db_url=home_database(settings.home))

    def postgres_only(url: str):
        if url.startswith("sqlite"):
            raise AssertionError(f"the PostgreSQL pass opened {url}: this KB is not on PostgreSQL (tests/pg.py)")
        return make_engine(url)

    config.Settings.load = classmethod(per_home_load)
    sql.make_engine = postgres_only


def configure() -> None:
    """pytest_configure: name this run's databases, then install the per-home mapping here."""
    if postgres_pass() and os.environ.get(PG_ENV):
        os.environ[RUN_ENV] = f"gamekb_r{uuid.uuid4().hex[:8]}"
        install_per_home()


def mark_items(items) -> None:
    """pytest_collection_modifyitems: in the PostgreSQL pass skip what it would only repeat or cannot run."""
    if not postgres_pass():
        return
    if not os.environ.get(PG_ENV):
        skip = pytest.mark.skip(reason=f"{MODE_ENV}=postgresql, but {SKIP_REASON}")
        for item in items:
            item.add_marker(skip)
        return
    for item in items:
        if "db_url" in item.fixturenames or "own_sql_store" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=OWN_STORE_REASON))


def finish(basetemp: Path) -> None:
    """At the end of the PostgreSQL pass: drop every database this run created, in whichever process;
    then fail if an SQLite file appeared in any test folder (a process the tests started without
    `tests.kbcheck.CLI` would have kept its KB on SQLite, and its test could pass on the wrong store)."""
    from sqlalchemy import text

    if not (postgres_pass() and os.environ.get(RUN_ENV)):
        return
    with _admin().connect() as conn:
        names = conn.execute(text("SELECT datname FROM pg_database WHERE starts_with(datname, :p)"),
                             {"p": os.environ[RUN_ENV] + "_"}).scalars().all()
        for name in names:
            drop_database(conn, name)
    leaked = sorted(str(p) for p in basetemp.rglob("*.sqlite"))
    assert not leaked, f"the PostgreSQL pass left SQLite stores behind: {leaked}"
