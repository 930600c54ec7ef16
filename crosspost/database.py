"""Where the ledger and the schedule keep their tables: the project's SQLite file (the default, no
set-up) or a PostgreSQL database that many hosts share.

The stores above (`ledger.Store`: the ledger, the schedule) write their SQL once, in the subset both
engines take: `?` placeholders, `INSERT ... ON CONFLICT`, `CREATE TABLE IF NOT EXISTS`. A database
here gives them three things:

- `tx()`: one write transaction that excludes every other writer of the same database, as SQLite's
  `BEGIN IMMEDIATE` does for the file. PostgreSQL gets the same from a transaction-level advisory lock
  taken first, so every read-modify-write the stores do (a plan recorded, an entry rescheduled) stays
  as safe across hosts as it is across processes on one host, without each method naming its locks.
- `read()`: a connection for reads outside any transaction (autocommit: each statement sees what
  is committed, and holds nothing).
- `migrate()`: the component's numbered migrations the database lacks, applied in one write
  transaction and recorded in the `migrations` table, the same table on both engines.

PostgreSQL's dialect differs in the DDL (types) and placeholders; `_pg_sql` and `_pg_ddl` translate.
Text columns are created `COLLATE "C"`, so `ORDER BY` sorts as SQLite does (by bytes).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol, Sequence

from .errors import CrosspostError, DatabaseUnavailable, InputError, StorageError

MIGRATIONS_TABLE = """CREATE TABLE IF NOT EXISTS migrations (
    component  TEXT NOT NULL,
    number     INTEGER NOT NULL,
    applied_at REAL NOT NULL,
    PRIMARY KEY (component, number)
)"""


class LockTimeout(Exception):
    """A lease was not free within the time given."""


DB_NOW_VALUE = "extract(epoch from clock_timestamp())::double precision"
DB_NOW = DB_NOW_VALUE + " AS now"
LEASE_SECONDS = 30.0  # a dead holder's lease lapses after this long (CROSSPOST_LEASE_SECONDS)


def lease_seconds() -> float:
    import os

    try:
        return max(1.0, float(os.environ.get("CROSSPOST_LEASE_SECONDS", LEASE_SECONDS)))
    except ValueError:
        return LEASE_SECONDS


def runner_name() -> str:
    """This process as a lease holder: host and pid (shown to whoever waits for it)."""
    import os
    import socket

    return f"{os.environ.get('CROSSPOST_RUNNER') or socket.gethostname()}:{os.getpid()}"


@dataclass
class Lease:
    name: str
    owner: str
    ttl: float
    stop: threading.Event = field(default_factory=threading.Event)
    lost: threading.Event = field(default_factory=threading.Event)


# Every write transaction of crosspost on a PostgreSQL database takes this advisory lock first
# (pg_advisory_xact_lock: released at commit or rollback, or when the connection dies).
WRITE_LOCK = 0x63726F7373  # "cross"


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """What a store runs its SQL on: rows read as mappings (`row["state"]`, `dict(row)`)."""

    def execute(self, sql: str, args: Sequence[Any] = (), /) -> Cursor: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]], /) -> Any: ...


class Database(Protocol):
    kind: str  # "sqlite" or "postgresql"

    def describe(self) -> str:
        """The database for messages: the file's path, or the URL without its password."""
        ...

    def tx(self) -> Any: ...  # a context manager yielding a Connection

    def read(self) -> Any: ...  # a context manager yielding a Connection

    def migrate(
        self, component: str, migrations: dict[int, tuple[str, ...]], legacy: Callable[[Connection], int]
    ) -> None: ...

    def close(self) -> None: ...


def applied(db: Connection, component: str, legacy: Callable[[Connection], int]) -> set[int]:
    """The component's migrations recorded in `db` (inside a write transaction): a database from
    before the migrations table tells its version its own way (`legacy`), and it is recorded."""
    done = {r["number"] for r in db.execute("SELECT number FROM migrations WHERE component=?", (component,)).fetchall()}
    if not done:
        done = set(range(1, legacy(db) + 1))
        db.executemany(
            "INSERT INTO migrations (component, number, applied_at) VALUES (?,?,?)",
            [(component, n, time.time()) for n in sorted(done)],
        )
    return done


def has_tables(db: Connection) -> bool:
    """Whether crosspost ever made its tables in this PostgreSQL database (its migrations table)."""
    return bool(db.execute("SELECT to_regclass('migrations') IS NOT NULL AS has").fetchone()["has"])


def apply_migrations(
    db: Connection,
    component: str,
    migrations: dict[int, tuple[str, ...]],
    legacy: Callable[[Connection], int],
    where: str,
    translate: Callable[[str], str] = lambda sql: sql,
) -> None:
    """Apply the migrations `db` lacks, in order, refusing a schema newer than this crosspost."""
    db.execute(translate(MIGRATIONS_TABLE))
    done = applied(db, component, legacy)
    latest = max(migrations)
    if max(done, default=0) > latest:
        raise InputError(
            f"{component} schema {max(done)} is newer than this crosspost understands ({latest}); upgrade crosspost",
            where,
        )
    for number in sorted(set(migrations) - done):
        for stmt in migrations[number]:
            db.execute(translate(stmt))
        db.execute(
            "INSERT INTO migrations (component, number, applied_at) VALUES (?,?,?)", (component, number, time.time())
        )


# ---------------------------------------------------------------- PostgreSQL


def is_url(where: object) -> bool:
    return isinstance(where, str) and where.startswith(("postgresql://", "postgres://"))


def redact_url(url: str) -> str:
    """The URL without its password (user@host/db kept: they say which database)."""
    return re.sub(r"^(postgres(?:ql)?://[^:/@]*):[^@]*@", r"\1:***@", url)


def _pg_sql(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (the stores' SQL has no literal `?` or `%`)."""
    return sql.replace("?", "%s")


def _pg_ddl(sql: str) -> str:
    """SQLite DDL as PostgreSQL takes it: 8-byte floats, an identity key, byte-ordered text."""
    sql = sql.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
    sql = re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)
    return re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', sql)


class _PgConnection:
    """A psycopg connection that takes the stores' `?` SQL."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return self._conn.execute(_pg_sql(sql), tuple(args))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        with self._conn.cursor() as cur:
            cur.executemany(_pg_sql(sql), [tuple(r) for r in rows])
            return cur


class PostgresDatabase:
    """A PostgreSQL database (psycopg 3) reached by URL; one connection, autocommit for reads."""

    kind = "postgresql"
    CONNECT_TIMEOUT = 10

    def __init__(self, url: str) -> None:
        self.url = url
        self._mutex = threading.RLock()
        password = re.match(r"^postgres(?:ql)?://[^:/@]*:([^@]*)@", url)
        if password and password.group(1):
            from .log import register_secrets

            register_secrets([password.group(1)])  # redacted from every log line and stored error
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError:
            raise InputError(
                "a PostgreSQL database needs psycopg: pip install 'crosspost[postgresql]'", self.describe()
            ) from None
        self._psycopg = psycopg
        try:
            self._conn = psycopg.connect(
                url, autocommit=True, row_factory=dict_row, connect_timeout=self.CONNECT_TIMEOUT
            )
        except psycopg.Error as exc:
            raise self.error(exc) from None

    def describe(self) -> str:
        return redact_url(self.url)

    def error(self, exc: Exception) -> CrosspostError:
        """One line naming the database (never its password) and what went wrong: a connection
        that failed or broke is DatabaseUnavailable (exit 1, the work stays due)."""
        text = " ".join(str(exc).split()) or type(exc).__name__
        text = text.replace(self.url, self.describe())
        password = re.match(r"^postgres(?:ql)?://[^:/@]*:([^@]*)@", self.url)
        if password and password.group(1):
            text = text.replace(password.group(1), "***")
        if isinstance(exc, self._psycopg.OperationalError):
            return DatabaseUnavailable(f"cannot reach the database: {text}", self.describe())
        return StorageError(f"the database refused crosspost's request: {text}", self.describe())

    @contextmanager
    def read(self) -> Iterator[_PgConnection]:
        with self._mutex:
            try:
                yield _PgConnection(self._conn)
            except self._psycopg.Error as exc:
                raise self.error(exc) from None

    @contextmanager
    def tx(self, exclusive: bool = True) -> Iterator[_PgConnection]:
        """A transaction; `exclusive` (the default): it first takes the write lock every other
        crosspost write takes, as SQLite's BEGIN IMMEDIATE does."""
        with self._mutex:
            psycopg = self._psycopg
            try:
                with self._conn.transaction():
                    if exclusive:
                        self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                    yield _PgConnection(self._conn)
            except psycopg.Error as exc:
                raise self.error(exc) from None

    def migrate(
        self,
        component: str,
        migrations: dict[int, tuple[str, ...]],
        legacy: Callable[[Connection], int],
        first: Callable[[Connection], None] | None = None,
    ) -> None:
        """Apply the migrations under the write lock; `first` runs before them, in the same transaction."""
        with self.tx() as db:
            if first is not None:
                first(db)
            apply_migrations(db, component, migrations, legacy, self.describe(), _pg_ddl)

    @contextmanager
    def lease(
        self, name: str, timeout: float, on_wait: Callable[[], None] | None = None, ttl: float | None = None
    ) -> Iterator[Lease]:
        """Hold the lease `name` across hosts: a row (name, owner, expires_at) that this process
        renews every ttl/6 seconds from a thread while it holds it. A holder that dies (SIGKILL, a
        host that loses power or its network) stops renewing, and after `ttl` seconds of the
        database's clock another runner may take the lease over. Waits up to `timeout` seconds
        (-1: forever; `on_wait` is told once), then raises LockTimeout."""
        ttl = lease_seconds() if ttl is None else ttl
        held = Lease(name, runner_name() + ":" + uuid.uuid4().hex[:8], ttl)
        deadline = None if timeout < 0 else time.monotonic() + timeout
        told = False
        while not self._take(held):
            if deadline is not None and time.monotonic() >= deadline:
                raise LockTimeout(name)
            if on_wait is not None and not told:
                on_wait()
                told = True
            time.sleep(0.2)
        beat = threading.Thread(target=self._renew, args=(held,), name=f"lease {name}", daemon=True)
        beat.start()
        try:
            yield held
        finally:
            held.stop.set()
            beat.join()
            try:
                with self.read() as db:
                    db.execute("DELETE FROM leases WHERE name=? AND owner=?", (held.name, held.owner))
            except CrosspostError:
                pass  # unreachable: the lease lapses by itself after ttl

    def _take(self, held: Lease) -> bool:
        with self.read() as db:
            row = db.execute(
                f"INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, {DB_NOW_VALUE} + ?)"
                " ON CONFLICT (name) DO UPDATE SET owner=excluded.owner, expires_at=excluded.expires_at"
                f" WHERE leases.expires_at < {DB_NOW_VALUE} RETURNING owner",
                (held.name, held.owner, held.ttl),
            ).fetchone()
        return row is not None

    def _renew(self, held: Lease) -> None:
        while not held.stop.wait(held.ttl / 6):
            try:
                with self.read() as db:
                    renewed = db.execute(
                        f"UPDATE leases SET expires_at={DB_NOW_VALUE} + ? WHERE name=? AND owner=?",
                        (held.ttl, held.name, held.owner),
                    ).rowcount
            except CrosspostError:
                continue  # a blip: try again; past ttl the lease is lost, and mark_sending sees that
            if not renewed:
                held.lost.set()
                return

    def holds(self, db: Connection, held: Lease) -> bool:
        """Inside a transaction: the lease is still this process's, by the database's clock."""
        row = db.execute(
            f"SELECT 1 AS ok FROM leases WHERE name=? AND owner=? AND expires_at > {DB_NOW_VALUE}",
            (held.name, held.owner),
        ).fetchone()
        return row is not None and not held.lost.is_set()

    def close(self) -> None:
        with self._mutex:
            self._conn.close()
