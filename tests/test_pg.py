"""The throwaway PostgreSQL cluster of tests/pg.py works, and has what a shared ledger needs: row locks that another
connection's `SELECT ... FOR UPDATE SKIP LOCKED` skips (how runners on many hosts claim due work, issue 12)."""

from __future__ import annotations

import psycopg
import pytest

from pg import PGServer, find_bin_dir, pg_db, pg_server, pg_url  # noqa: F401  (fixtures)


def test_the_server_answers(pg_url, pg_server: PGServer):
    assert pg_url == f"postgresql://postgres@127.0.0.1:{pg_server.port}/postgres"
    with psycopg.connect(pg_url) as conn:
        (version,) = conn.execute("SELECT version()").fetchone()
        (encoding,) = conn.execute("SHOW server_encoding").fetchone()
        (fsync,) = conn.execute("SHOW fsync").fetchone()
    assert version.startswith("PostgreSQL ")
    assert encoding == "UTF8"
    assert fsync == "off"
    assert pg_server.startup_seconds < 60


def test_each_test_gets_a_database_of_its_own(pg_db, pg_url):
    assert pg_db != pg_url
    with psycopg.connect(pg_db) as conn:
        (name,) = conn.execute("SELECT current_database()").fetchone()
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        conn.execute("CREATE TABLE mine (x int)")  # left behind on purpose: the database is dropped after the test
    assert pg_db.endswith("/" + name) and name.startswith("t_")
    assert tables == (0,)


def test_the_per_test_database_is_dropped_afterwards(pg_server: PGServer):
    with psycopg.connect(pg_server.url) as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'").fetchall()
    # only databases of tests running now in this worker's cluster (none: this test has none)
    assert left == []


def test_skip_locked_skips_a_row_another_connection_holds(pg_db):
    with psycopg.connect(pg_db, autocommit=True) as setup:
        setup.execute("CREATE TABLE due (id int PRIMARY KEY, claimed_by text)")
        setup.execute("INSERT INTO due (id) VALUES (1), (2), (3)")
    claim = "SELECT id FROM due WHERE claimed_by IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
    with psycopg.connect(pg_db) as a, psycopg.connect(pg_db) as b:
        (first,) = a.execute(claim).fetchone()  # a's transaction holds row 1
        (second,) = b.execute(claim).fetchone()  # b skips it instead of waiting
        assert (first, second) == (1, 2)
        everything = "SELECT id FROM due ORDER BY id FOR UPDATE SKIP LOCKED"
        assert [r[0] for r in b.execute(everything).fetchall()] == [2, 3]  # b's own lock is no obstacle to b
        a.execute("UPDATE due SET claimed_by = 'a' WHERE id = %s", (first,))
        a.commit()  # a's lock goes with its transaction
        b.rollback()
        assert [r[0] for r in b.execute(claim.replace(" LIMIT 1", "")).fetchall()] == [2, 3]
        b.rollback()
        # a plain FOR UPDATE NOWAIT on a locked row fails at once rather than skipping it
        a.execute("SELECT id FROM due WHERE id = 2 FOR UPDATE")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            b.execute("SELECT id FROM due WHERE id = 2 FOR UPDATE NOWAIT")


def test_the_binaries_are_found_where_debian_puts_them(pg_server: PGServer, monkeypatch):
    assert (pg_server.bin_dir / "initdb").exists() and (pg_server.bin_dir / "pg_ctl").exists()
    monkeypatch.setenv("PATH", "/nonexistent")  # not on PATH: /usr/lib/postgresql/<highest version>/bin
    fallback = find_bin_dir()
    assert fallback is None or str(fallback).startswith("/usr/lib/postgresql/")
