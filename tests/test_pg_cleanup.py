"""The tests' PostgreSQL databases are dropped reliably (issue 14, part 5): `DROP DATABASE ... WITH
(FORCE)` failed as a whole when an autovacuum worker was on the database ("must be a member of the
role whose process is being terminated or member of pg_signal_backend") and leaked it."""

import threading

import pytest

from tests import pg


@pytest.mark.own_sql_store
def test_a_database_is_dropped_while_a_session_the_test_role_may_not_end_leaves():
    """A superuser's session stands in for the autovacuum worker: the test role may not end it, and
    it leaves by itself (a plain DROP DATABASE asks autovacuum to) a moment after the drop began."""
    psycopg = pytest.importorskip("psycopg")
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    pg.server_url()
    with pg.fresh_database() as url:
        name = make_url(url).database
        superuser = make_url(url).set(drivername="postgresql", username="postgres", password=None)
        try:
            other = psycopg.connect(superuser.render_as_string(hide_password=False))
        except psycopg.OperationalError as exc:
            pytest.skip(f"needs the server's postgres superuser, as .ci/start-postgres sets it up ({exc})")
        threading.Timer(1.5, other.close).start()
    with pg._admin().connect() as conn:
        assert conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None
