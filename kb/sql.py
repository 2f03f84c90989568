"""The SQL store: engine, automatic alembic upgrade on open, sessions, cross-machine locks.

SQLite (the default, one machine) and PostgreSQL (several machines, issue 8) run the same alembic
revisions. On PostgreSQL the database itself is the lock service: `advisory_lock` is held on one
connection and released by the server when that connection ends, also when its process is killed,
exactly as the OS releases a file lock; so it can stand in for the KB home's file locks, which only
coordinate processes on one machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

log = logging.getLogger(__name__)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # timeout: a second process (ingest beside search) waits for the write lock instead of failing.
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # WAL: readers never block the writer, and vice versa
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    if url.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
        # psycopg 3 is the driver gamekb ships as the `postgres` extra; SQLAlchemy's bare
        # postgresql:// would mean psycopg2
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
        from kb.errors import require_package

        require_package("psycopg", extra="postgres")
        # pre_ping: a Ray worker holds its engine for hours, and servers drop idle connections.
        # pool_size 2: one connection for the ingest, one for a held advisory lock.
        return create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=8)
    return create_engine(url, pool_pre_ping=True)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def _lock_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for a lock name (PostgreSQL's lock ids are bigints)."""
    return int.from_bytes(hashlib.sha256(f"gamekb:{name}".encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def advisory_lock(engine: Engine, name: str, blocking: bool = True) -> Iterator[bool]:
    """A PostgreSQL session advisory lock named `name`, shared by every machine using the database.

    Same contract as KnowledgeBase.lock: yields True while held; with blocking=False yields False
    (holding nothing) when another session holds it. Released on exit, or by the server when the
    holding connection dies (a killed worker never leaves a lock behind).
    """
    from sqlalchemy import text

    key = _lock_key(name)
    with engine.connect() as conn:
        if blocking:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            got = True
        else:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        conn.commit()  # a session lock outlives the transaction; do not sit "idle in transaction"
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` through the alembic revisions in migrations/."""
    from migrations import HEAD

    if revision == "head" and _stored_revision(engine) == HEAD:
        return  # up to date: importing alembic and reading its scripts costs ~0.5 s per command
    from alembic import command
    from alembic.config import Config

    from migrations import SCRIPT_LOCATION

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    with engine.begin() as conn:
        if is_postgres(engine):
            # machines opening a new database at once: one migrates, the others wait and find it done.
            # Its own key: KnowledgeBase holds the "schema" lock around this call on another connection.
            from sqlalchemy import text

            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key("schema-migrate")})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _stored_revision(engine: Engine) -> str | None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no table yet: a new database
        return None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from migrations import SCRIPT_LOCATION

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    if head is None:  # migrations/versions holds every revision gamekb ships: never empty
        raise RuntimeError(f"no alembic revision in {SCRIPT_LOCATION}")
    return head


def session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)
