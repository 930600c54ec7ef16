"""The publishing ledger: one embedded SQLite file that remembers what was sent where.

Exactly-once publishing rests on one rule: a post is recorded as `sending` (and committed to
disk) *before* the request leaves, and as `posted` with its remote id after. A row left in
`sending` or `unknown` therefore means "maybe sent": the engine looks for it on the platform
before it ever sends again.

States of a row (key: issue_id, platform, account, position):
  pending  planned, or waiting to retry (attempts, next_attempt_at)
  sending  the request is about to leave / has left; outcome not recorded yet
  unknown  the request left and its outcome is unknown (timeout, dropped connection)
  posted   sent; remote_id and url known
  failed   needs a person (bad credentials, a challenge); error says why
  deleted  undone

`platform` in the key is the *target* adapter's name (e.g. "outbox"); `plan_platform` keeps the
platform the plan was built for (e.g. "x"). `content_hash` is what was sent; `plan_hash` is the
plan post accepted for that position, which differs only after a replan kept an older post.
Every transition is also appended to `events`.
Only ids, urls, hashes, the (public) post text and alt texts, and scrubbed error text are stored.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, NamedTuple

from .errors import CrosspostError, InputError, StorageError
from .files import file_error, os_problem
from .model import Media, Plan, Post

if TYPE_CHECKING:
    from .progress import Progress

BUSY_TIMEOUT_MS = 30_000
STATES = ("pending", "sending", "unknown", "posted", "failed", "deleted")
MAYBE_SENT = ("sending", "unknown")  # the request may have been applied: resolve before sending
LIVE = ("posted",) + MAYBE_SENT  # may exist on the platform

# The ledger's migrations, applied in order to a database that lacks them (see Store): 1 made the
# first tables; 2 added when the last request left (find() adopts only posts made after it) and why
# a row waits (a backoff a person may skip, or the platform's own limit).
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE IF NOT EXISTS posts (
    issue_id        TEXT NOT NULL,
    platform        TEXT NOT NULL,
    account         TEXT NOT NULL,
    position        INTEGER NOT NULL,
    plan_platform   TEXT NOT NULL DEFAULT '',
    content_hash    TEXT NOT NULL,
    plan_hash       TEXT NOT NULL DEFAULT '',
    fingerprint     TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL DEFAULT '',
    media           TEXT NOT NULL DEFAULT '[]',
    state           TEXT NOT NULL CHECK (state IN ('pending','sending','unknown','posted','failed','deleted')),
    reply_to        TEXT,
    remote_id       TEXT,
    url             TEXT,
    error           TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL,
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL,
    PRIMARY KEY (issue_id, platform, account, position)
)""",
        """CREATE TABLE IF NOT EXISTS events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        REAL NOT NULL,
    issue_id  TEXT NOT NULL,
    platform  TEXT NOT NULL,
    account   TEXT NOT NULL,
    position  INTEGER,
    what      TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
)""",
        "CREATE INDEX IF NOT EXISTS events_by_issue ON events (issue_id, platform, account, id)",
    ),
    2: ("ALTER TABLE posts ADD COLUMN sent_at REAL", "ALTER TABLE posts ADD COLUMN wait_kind TEXT NOT NULL DEFAULT ''"),
    3: ("ALTER TABLE posts ADD COLUMN intent TEXT",),
    # 4: leases, the publish lock of a database many hosts share (see crosspost.database)
    4: (
        """CREATE TABLE IF NOT EXISTS leases (
    name       TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at REAL NOT NULL
)""",
    ),
}
SCHEMA_VERSION = max(_MIGRATIONS)
BACKOFF, LIMIT = "backoff", "limit"  # wait_kind values

_MAX_TEXT = 500


def scrub(text: str | None) -> str:
    """Error text as stored: one line, secrets redacted, then bounded (log.redact_line)."""
    from .log import redact_line

    return redact_line(text, limit=_MAX_TEXT)


class Key(NamedTuple):
    issue_id: str
    platform: str  # the target adapter's name
    account: str
    position: int  # 1-based position in the plan


@dataclass
class Row:
    issue_id: str
    platform: str
    account: str
    position: int
    plan_platform: str
    content_hash: str  # what was (or will be) sent
    plan_hash: str  # the plan's post accepted for this position ('' beyond an accepted shorter plan)
    fingerprint: str
    text: str
    media: list[dict]
    state: str
    reply_to: str | None
    remote_id: str | None
    url: str | None
    error: str | None
    attempts: int
    next_attempt_at: float | None
    created_at: float
    updated_at: float
    sent_at: float | None = None  # when the last request for this row left (None before schema 2)
    wait_kind: str = ""  # BACKOFF or LIMIT while next_attempt_at is set
    intent: str | None = None  # the adapter's token every send of this post carries (Adapter.intent)

    @property
    def key(self) -> Key:
        return Key(self.issue_id, self.platform, self.account, self.position)

    @property
    def claimed_at(self) -> float:
        """When the last request for this row may have left (its creation, for rows of schema 1)."""
        return self.sent_at or self.created_at

    def post(self) -> Post:
        """The post as it was recorded (to look for it on the platform after a plan change)."""
        return Post(
            text=self.text,
            media=[Media(path=m.get("path", ""), alt_text=m.get("alt_text", "")) for m in self.media],
            intent=self.intent,
        )

    def to_dict(self) -> dict:
        return asdict(self)


class LedgerBusy(CrosspostError):
    """Another run holds the publish lock for this issue/platform/account."""

    exit_code = 1


def connect(path: Path) -> sqlite3.Connection:
    """Open the ledger's SQLite file in WAL mode with durable writes, shared by every module.

    Switching a new file to WAL while another process does the same can fail with "database is
    locked" without SQLite's busy handler ever running, so opening is retried for a while.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        db = None
        try:
            db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
            return db
        except sqlite3.DatabaseError as exc:
            if db is not None:
                db.close()
            if _is_locked(exc) and time.monotonic() <= deadline:
                time.sleep(0.05)
                continue
            raise db_error(exc, path) from None


def _is_locked(exc: sqlite3.Error) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc))


def db_error(exc: sqlite3.Error, path: Path) -> CrosspostError:
    """What SQLite's error means for the person at the ledger, in one line naming the file.

    A lock held past busy_timeout names the processes holding the ledger's files (the run lock
    included), a full or read-only disk says so (SQLite often reports both as "disk I/O error"), and
    only a file SQLite cannot read as a database is "not a usable crosspost ledger".
    """
    import glob

    from .files import lock_holders

    text = str(exc)
    if _is_locked(exc):
        related = list(path.parent.glob(glob.escape(path.name) + "*"))
        related += list(path.parent.glob(glob.escape(path.name) + ".locks/*"))
        holders = lock_holders(related)
        who = f": {', '.join(holders[:3])}" if holders else ""
        return StorageError(
            f"another process holds the ledger locked{who}; gave up after waiting "
            f"{BUSY_TIMEOUT_MS / 1000:g}s (if that process is stuck, stop it)",
            path,
        )
    if isinstance(exc, sqlite3.OperationalError):
        if "readonly" in text or "read-only" in text:
            return StorageError("cannot write the ledger: the file or its folder is read-only", path)
        if "full" in text:
            return StorageError("cannot write the ledger: the disk is full", path)
        if "disk I/O" in text or "unable to open" in text:
            return StorageError(f"cannot write the ledger: {_disk_state(path.parent) or text}", path)
    return InputError(f"not a usable crosspost ledger ({text})", path)


def _disk_state(folder: Path) -> str:
    """ "read-only file system" or "the disk is full" when the folder's file system is, else ""."""
    import os

    try:
        st = os.statvfs(folder)
    except OSError:
        return ""
    if st.f_flag & os.ST_RDONLY:
        return "read-only file system"
    return "the disk is full" if st.f_bavail == 0 else ""


def marker_path(path: Path) -> Path:
    """The file written beside a new ledger: proof that this folder has a ledger to lose."""
    return path.with_name(path.name + ".created")


def _write_marker(path: Path) -> None:
    from .files import atomic_write

    note = (
        f"The crosspost ledger {path.absolute()} was created at {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}.\n"
        "If the ledger is lost, crosspost refuses to start afresh (it would post everything again).\n"
    )
    atomic_write(marker_path(path), note.encode("utf-8"))
    far = _far_marker(path)
    try:
        far.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(far, note.encode("utf-8"))
    except OSError:
        pass  # the marker beside the ledger still guards it; an unusable data dir is reported elsewhere


def _far_marker(path: Path) -> Path:
    """A second marker in the user's data dir, keyed by the ledger's absolute path: deleting the
    whole state folder (`git clean -xfd`, `rm -rf .crosspost`) takes the marker beside it too."""
    import hashlib

    from .credentials import data_dir

    digest = hashlib.sha256(str(path.absolute()).encode("utf-8")).hexdigest()[:20]
    return data_dir() / "ledgers" / f"{digest}.created"


def _holds_data(path: Path) -> bool:
    """The ledger has bytes, or (caught while another process creates it) tables SQLite can see."""
    if not path.exists():
        return False
    if path.stat().st_size > 0:
        return True
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return True
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            return db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        finally:
            db.close()
    except sqlite3.Error:
        return False


def _database_marker(db) -> Path:
    """This host's note that it used the database (by its URL without password): evidence, like
    the marker beside a ledger file, that a database found without tables was emptied, not new."""
    import hashlib

    from .credentials import data_dir

    digest = hashlib.sha256(db.describe().encode("utf-8")).hexdigest()[:20]
    return data_dir() / "databases" / f"{digest}.created"


def _write_database_marker(db) -> None:
    from .files import atomic_write

    marker = _database_marker(db)
    if marker.exists():
        return
    note = (
        f"This host used the crosspost database {db.describe()} from {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}.\n"
        "If its tables are lost, crosspost refuses to start afresh (it would post everything again).\n"
    )
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(marker, note.encode("utf-8"))
    except OSError:
        pass  # an unusable data dir is reported elsewhere; the other hosts' markers still guard it


def _refuse_lost_database(db) -> None:
    marker = _database_marker(db)
    if marker.exists():
        raise InputError(
            f"the database has no crosspost tables, but this host used it before ({marker}): restore the "
            f"database from a backup; to start afresh on purpose (every post would be sent again), delete {marker}",
            db.describe(),
        )


def state_of(config) -> Path | str:
    """Where the project's ledger and schedule live: the PostgreSQL database CROSSPOST_DATABASE_URL
    or `database.url` names, else the ledger file (`ledger.path`)."""
    import os

    url = os.environ.get("CROSSPOST_DATABASE_URL", "").strip() or config.database.url
    if url:
        from .database import is_url

        if not is_url(url):
            raise InputError("CROSSPOST_DATABASE_URL must be a postgresql:// URL")
        return url
    return config.resolve(config.ledger.path)


def has_state(where: Path | str) -> bool:
    """Whether anything was ever recorded there (a database is taken to hold state)."""
    return isinstance(where, str) or where.exists()


def describe_state(where: Path | str) -> str:
    """The ledger's place for messages: its path, or the database URL without a password."""
    from .database import redact_url

    return redact_url(where) if isinstance(where, str) else str(where)


def refuse_lost(path: Path | str, *, empty: bool = False) -> None:
    """Raise InputError when the ledger is missing or empty where a ledger was used before.

    A ledger truncated to 0 bytes (a full disk, a bad restore), replaced by an empty database
    (`empty`: a file with no tables) or deleted reads as a fresh one, and a fresh ledger posts
    everything again. Evidence that one existed: the marker written beside every new ledger, the
    lock files crosspost keeps beside it, or the marker kept for it in the user's data dir.
    A shared database is not checked here (its tables are made on first use).
    """
    if isinstance(path, str):
        return
    if not empty and _holds_data(path):
        return
    _refuse_if_used_before(path, empty=empty)


def _refuse_if_used_before(path: Path, *, empty: bool = False) -> None:
    """The evidence check of refuse_lost, for a ledger already known to hold nothing."""
    evidence = [p for p in (marker_path(path), path.with_name(path.name + ".locks"), _far_marker(path)) if p.exists()]
    if evidence:
        state = "is an empty database" if empty else "is empty (0 bytes)" if path.exists() else "is missing"
        names = " and ".join(str(p) if p.parent != path.parent else p.name for p in evidence)
        raise InputError(
            f"the ledger {state}, but a ledger was used here before ({names}): restore the ledger from a "
            f"backup; to start afresh on purpose (every post would be sent again), delete {names} too",
            path,
        )


@contextmanager
def _opening(path: Path) -> Iterator[None]:
    """An OS lock held while a process opens (and maybe creates) the ledger file."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(path.with_name(path.name + ".open.lock")))
    try:
        lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000)
    except Timeout:
        raise InputError(
            "another crosspost process has been opening the ledger for 30 s; is one stuck?", path
        ) from None
    except OSError as exc:
        raise file_error(exc, "cannot lock the ledger's folder", path) from None
    try:
        yield
    finally:
        lock.release()


class SqliteDatabase:
    """One connection to the ledger's SQLite file (WAL, synchronous=FULL); see crosspost.database.

    Each write is one short `BEGIN IMMEDIATE` transaction, so concurrent writers queue on
    busy_timeout instead of failing, and a crash never leaves half a change. Opening is done under
    `_opening` by Store, which also tells a fresh file from a lost one.
    """

    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mutex = threading.RLock()
        self.fresh = not _holds_data(path)
        if self.fresh:
            _refuse_if_used_before(path)
        self._db = connect(path)
        if not self.fresh and self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
            self.fresh = True  # a database without tables: as good as empty
            try:
                _refuse_if_used_before(path, empty=True)
            except BaseException:
                self._db.close()
                raise

    def describe(self) -> str:
        return str(self.path)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._mutex:
            try:
                yield self._db
            except sqlite3.Error as exc:
                if type(exc) in (sqlite3.DatabaseError, sqlite3.OperationalError):
                    raise db_error(exc, self.path) from None
                raise

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; IMMEDIATE so concurrent writers queue on busy_timeout."""
        with self._mutex:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as exc:
                raise db_error(exc, self.path) from None
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                if self._db.in_transaction:
                    try:
                        self._db.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass  # closing the connection undoes it; the first error is the one to report
                if isinstance(exc, sqlite3.Error) and type(exc) in (sqlite3.DatabaseError, sqlite3.OperationalError):
                    raise db_error(exc, self.path) from None
                raise

    def migrate(self, component: str, migrations: dict[int, tuple[str, ...]], legacy) -> None:
        from .database import apply_migrations

        with self.tx() as db:
            apply_migrations(db, component, migrations, legacy, str(self.path))

    def close(self) -> None:
        with self._mutex:
            self._db.close()


class Store:
    """Tables in the project's database: the ledger's SQLite file, or the PostgreSQL database a
    `postgresql://` URL names (crosspost.database). The ledger and the schedule both build on it,
    each with its own connection."""

    # Each store is a component with numbered migrations (number -> SQL statements); the
    # `migrations` table records which were applied, so a store that grows a column adds one.
    component = ""
    migrations: dict[int, tuple[str, ...]] = {}

    def __init__(self, where: Path | str):
        from .database import Database, PostgresDatabase, is_url

        self.db: Database
        self.where: Path | str = where if is_url(where) else Path(where)  # to open another connection
        if is_url(where):
            self.path: Path | None = None
            self.db = PostgresDatabase(str(where))
            try:
                # Checked under the write lock the migrations take: a process that catches another
                # one half way through creating the tables waits for it, and then finds them.
                self.db.migrate(self.component, self.migrations, self._legacy_version, first=self._refuse_if_emptied)
                _write_database_marker(self.db)
            except BaseException:
                self.db.close()
                raise
            return
        path = self.path = Path(where)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise file_error(exc, "cannot create the ledger's folder") from None
        # Opening is serialised between processes: one that catches another half way through
        # creating the file (0 bytes, or no tables yet, while the marker exists) must not take it
        # for a lost ledger, nor create it a second time.
        with _opening(path):
            db = SqliteDatabase(path)
            try:
                db.migrate(self.component, self.migrations, self._legacy_version)
                self._after_migrations(db)
            except BaseException:
                db.close()
                raise
            self.db = db
            if db.fresh:
                _write_marker(path)

    def _legacy_version(self, db) -> int:
        """The last migration a database made before the migrations table already has (0: none)."""
        return 0

    def _refuse_if_emptied(self, db) -> None:
        """A shared database without crosspost's tables, where this host has used it: refused."""
        from .database import has_tables

        if not has_tables(db):
            _refuse_lost_database(self.db)

    def _after_migrations(self, db: SqliteDatabase) -> None:
        """What a SQLite file keeps besides the migrations table (nothing, but for the ledger)."""

    def _tx(self):
        return self.db.tx()

    def _read(self):
        return self.db.read()

    def describe(self) -> str:
        return self.db.describe()

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Ledger(Store):
    """A SQLite ledger file (WAL, synchronous=FULL) shared safely by threads and processes.

    Each mutating call updates the row and appends its event in one transaction, so state and
    history never disagree after a crash.
    """

    # -- plumbing -------------------------------------------------------------------------

    component = "ledger"
    migrations = _MIGRATIONS

    def __init__(self, where: Path | str):
        super().__init__(where)
        self._leases: dict[tuple[str, str, str], object] = {}  # publish leases held (shared database)

    def _after_migrations(self, db: SqliteDatabase) -> None:
        # Kept in step: a crosspost from before the migrations table reads the ledger's schema
        # here, and so refuses a ledger newer than it understands.
        with db.tx() as conn:
            if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _legacy_version(self, db) -> int:
        if self.db_kind(db) != "sqlite":
            return 0  # PostgreSQL databases began with the migrations table
        return db.execute("PRAGMA user_version").fetchone()[0]  # how the ledger kept its schema before

    @staticmethod
    def db_kind(db) -> str:
        return "sqlite" if isinstance(db, sqlite3.Connection) else "postgresql"

    @staticmethod
    def _row(r: sqlite3.Row) -> Row:
        d = dict(r)
        d["media"] = json.loads(d["media"] or "[]")
        return Row(**d)

    @staticmethod
    def _event(db: sqlite3.Connection, key: Key, what: str, detail: str = "", at: float | None = None) -> None:
        db.execute(
            "INSERT INTO events (at, issue_id, platform, account, position, what, detail) VALUES (?,?,?,?,?,?,?)",
            (at or time.time(), key.issue_id, key.platform, key.account, key.position, what, scrub(detail)),
        )

    def _update(self, key: Key, what: str, detail: str = "", **fields) -> Row:
        now = time.time()
        fields["updated_at"] = now
        sets = ", ".join(f"{name} = ?" for name in fields)
        with self._tx() as db:
            cur = db.execute(
                f"UPDATE posts SET {sets} WHERE issue_id=? AND platform=? AND account=? AND position=?",
                (*fields.values(), *key),
            )
            if cur.rowcount != 1:
                raise KeyError(f"no ledger row for {key}")
            self._event(db, key, what, detail, now)
            return self._row(db.execute(_SELECT_ONE, key).fetchone())

    # -- reading --------------------------------------------------------------------------

    def get(self, issue_id: str, platform: str, account: str, position: int) -> Row | None:
        with self._read() as db:
            r = db.execute(_SELECT_ONE, (issue_id, platform, account, position)).fetchone()
        return self._row(r) if r else None

    def rows(self, issue_id: str | None = None, platform: str | None = None, account: str | None = None) -> list[Row]:
        where, args = [], []
        for column, value in (("issue_id", issue_id), ("platform", platform), ("account", account)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        sql = "SELECT * FROM posts" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY issue_id, platform, account, position"
        with self._read() as db:
            return [self._row(r) for r in db.execute(sql, args).fetchall()]

    def events(self, issue_id: str | None = None) -> list[dict]:
        sql = "SELECT * FROM events" + (" WHERE issue_id = ?" if issue_id else "") + " ORDER BY id"
        with self._read() as db:
            return [dict(r) for r in db.execute(sql, (issue_id,) if issue_id else ()).fetchall()]

    # -- writing --------------------------------------------------------------------------

    def record_plan(
        self,
        plan: Plan,
        account: str,
        *,
        platform: str | None = None,
        accept: bool = False,
        fingerprint: str | None = None,
    ) -> list[Row]:
        """Record every post of `plan` as pending, never touching what may exist remotely.

        Rows that are pending/failed/deleted take the plan's current content; rows beyond the
        plan's length that were never sent are dropped. With `accept` (a replan), rows that may
        be on the platform keep their content but are marked as belonging to this plan, so the
        next run does not report the same change again. Returns the rows for the plan's key.
        """
        target = platform or plan.platform
        now = time.time()
        fingerprint = fingerprint or plan.fingerprint()
        with self._tx() as db:
            for position, post in enumerate(plan.posts, start=1):
                key = Key(plan.issue_id, target, account, position)
                existing = db.execute(_SELECT_ONE, key).fetchone()
                digest = post.content_hash()
                if existing is None:
                    db.execute(
                        "INSERT INTO posts (issue_id, platform, account, position, plan_platform, content_hash,"
                        " plan_hash, fingerprint, text, media, state, created_at, updated_at)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?, 'pending', ?, ?)",
                        (*key, plan.platform, digest, digest, fingerprint, post.text, _media_json(post), now, now),
                    )
                    self._event(db, key, "planned", digest, now)
                elif existing["state"] not in LIVE:
                    if existing["content_hash"] != digest or existing["plan_hash"] != digest:
                        self._event(db, key, "replanned", f"{existing['content_hash']} -> {digest}", now)
                    db.execute(
                        "UPDATE posts SET plan_platform=?, content_hash=?, plan_hash=?, fingerprint=?, text=?,"
                        " media=?, intent=CASE WHEN content_hash=? THEN intent END"  # new content: a new token
                        " WHERE issue_id=? AND platform=? AND account=? AND position=?",
                        (plan.platform, digest, digest, fingerprint, post.text, _media_json(post), digest, *key),
                    )
                elif accept and (existing["plan_hash"] != digest or existing["fingerprint"] != fingerprint):
                    db.execute(
                        "UPDATE posts SET plan_hash=?, fingerprint=? WHERE issue_id=? AND platform=? AND account=?"
                        " AND position=?",
                        (digest, fingerprint, *key),
                    )
                    if existing["plan_hash"] != digest:
                        self._event(db, key, "replan-kept", f"kept {existing['content_hash']}, plan has {digest}", now)
            beyond = db.execute(
                "SELECT position, state, plan_hash FROM posts WHERE issue_id=? AND platform=? AND account=?"
                " AND position>?",
                (plan.issue_id, target, account, len(plan.posts)),
            ).fetchall()
            for extra in beyond:
                key = Key(plan.issue_id, target, account, extra["position"])
                if extra["state"] not in LIVE:
                    db.execute("DELETE FROM posts WHERE issue_id=? AND platform=? AND account=? AND position=?", key)
                    self._event(db, key, "dropped", "no longer in the plan", now)
                elif accept and extra["plan_hash"] != "":
                    db.execute(
                        "UPDATE posts SET plan_hash='' WHERE issue_id=? AND platform=? AND account=? AND position=?",
                        key,
                    )
                    self._event(db, key, "replan-kept", "kept beyond the end of the new plan", now)
        return self.rows(plan.issue_id, target, account)

    def mark_sending(
        self,
        key: Key,
        post: Post,
        *,
        reply_to: str | None,
        fingerprint: str = "",
        plan_platform: str = "",
        intent: str | None = None,
    ) -> Row:
        """Claim the post: committed to disk before the request leaves.

        `intent` (Adapter.intent) is stored the first time; a later send of the same post (same
        content, same parent) keeps the stored one, so every send of a post carries one token."""
        now = time.time()
        digest = post.content_hash()
        with self._tx() as db:
            self._check_lease(db, key)
            db.execute(
                "INSERT INTO posts (issue_id, platform, account, position, plan_platform, content_hash, plan_hash,"
                " fingerprint, text, media, state, reply_to, attempts, created_at, updated_at, sent_at, intent)"
                " VALUES (?,?,?,?,?,?,?,?,?,?, 'sending', ?, 1, ?, ?, ?, ?)"
                " ON CONFLICT (issue_id, platform, account, position) DO UPDATE SET"
                " state='sending', content_hash=excluded.content_hash, plan_hash=excluded.plan_hash,"
                " text=excluded.text, media=excluded.media,"
                " fingerprint=CASE WHEN excluded.fingerprint != '' THEN excluded.fingerprint ELSE posts.fingerprint END,"
                " plan_platform=CASE WHEN excluded.plan_platform != '' THEN excluded.plan_platform"
                " ELSE posts.plan_platform END,"
                " reply_to=excluded.reply_to, remote_id=NULL, url=NULL, error=NULL, next_attempt_at=NULL,"
                " wait_kind='', attempts=posts.attempts + 1, updated_at=excluded.updated_at, sent_at=excluded.sent_at,"
                " intent=CASE WHEN posts.intent IS NOT NULL AND posts.content_hash=excluded.content_hash"
                " AND (posts.reply_to = excluded.reply_to OR (posts.reply_to IS NULL AND excluded.reply_to IS NULL))"
                " THEN posts.intent ELSE excluded.intent END",
                (
                    *key,
                    plan_platform,
                    digest,
                    digest,
                    fingerprint,
                    post.text,
                    _media_json(post),
                    reply_to,
                    now,
                    now,
                    now,
                    intent,
                ),
            )
            detail = f"reply_to={reply_to}" if reply_to else ""
            lease = self._leases.get((key.issue_id, key.platform, key.account))
            if lease is not None:  # which runner sent it, for whoever reads the history
                detail = f"{detail} by {lease.owner}".strip()  # type: ignore[attr-defined]
            self._event(db, key, "sending", detail, now)
            return self._row(db.execute(_SELECT_ONE, key).fetchone())

    def _check_lease(self, db, key: Key) -> None:
        """In a shared database, nothing is sent on a publish lease that lapsed: another runner may
        have taken the issue over (it looks for what was sent before sending anything)."""
        lease = self._leases.get((key.issue_id, key.platform, key.account))
        if lease is None:
            return
        from .database import PostgresDatabase

        assert isinstance(self.db, PostgresDatabase)
        if not self.db.holds(db, lease):  # type: ignore[arg-type]
            raise StorageError(
                f"this run's lease on {key.issue_id} for {key.platform} lapsed (the database did not hear from "
                "it in time); another runner may be publishing it, so this one stopped before sending",
                self.describe(),
            )

    def mark_posted(self, key: Key, remote_id: str, url: str, *, adopted: bool = False) -> Row:
        return self._update(
            key,
            "adopted" if adopted else "posted",
            f"{remote_id} {url}",
            state="posted",
            remote_id=remote_id,
            url=url,
            error=None,
            next_attempt_at=None,
            wait_kind="",
        )

    def mark_unknown(self, key: Key, error: str) -> Row:
        return self._update(key, "unknown", error, state="unknown", error=scrub(error))

    def mark_pending(
        self, key: Key, *, error: str = "", next_attempt_at: float | None = None, wait_kind: str = BACKOFF
    ) -> Row:
        """Waiting to retry: after a backoff (`BACKOFF`, skipped when a person re-runs) or until
        the platform's limit resets (`LIMIT`, always respected)."""
        return self._update(
            key,
            "pending",
            error,
            state="pending",
            error=scrub(error) or None,
            next_attempt_at=next_attempt_at,
            wait_kind=wait_kind if next_attempt_at is not None else "",
        )

    def mark_failed(self, key: Key, error: str) -> Row:
        return self._update(
            key, "failed", error, state="failed", error=scrub(error), next_attempt_at=None, wait_kind=""
        )

    def mark_deleted(self, key: Key, detail: str = "") -> Row:
        return self._update(key, "deleted", detail, state="deleted", error=None)

    def reopen(self, issue_id: str, platform: str, plan_platform: str | None = None) -> int:
        """Undone rows become pending again: the issue is to be published anew, on purpose.

        Only an explicit request (`--again`, a new `schedule` after an undo) calls this; nothing
        else ever sends a `deleted` row again. Returns how many rows were reopened.
        """
        now = time.time()
        with self._tx() as db:
            rows = db.execute(
                "SELECT * FROM posts WHERE issue_id=? AND platform=? AND state='deleted'", (issue_id, platform)
            ).fetchall()
            rows = [r for r in rows if plan_platform is None or (r["plan_platform"] or platform) == plan_platform]
            for r in rows:
                key = Key(r["issue_id"], r["platform"], r["account"], r["position"])
                db.execute(
                    "UPDATE posts SET state='pending', remote_id=NULL, url=NULL, error=NULL, attempts=0,"
                    " next_attempt_at=NULL, wait_kind='', reply_to=NULL, intent=NULL, updated_at=?"
                    " WHERE issue_id=? AND platform=? AND account=? AND position=?",
                    (now, *key),
                )
                self._event(db, key, "reopened", "to be published again", now)
        return len(rows)

    def clear_waits(self, issue_id: str | None = None, platform: str | None = None) -> int:
        """Forget when pending rows may be retried (a person said "now"); returns how many."""
        where, args = ["state='pending'", "next_attempt_at IS NOT NULL"], []
        for column, value in (("issue_id", issue_id), ("platform", platform)):
            if value is not None:
                where.append(f"{column}=?")
                args.append(value)
        with self._tx() as db:
            return db.execute(
                "UPDATE posts SET next_attempt_at=NULL, wait_kind='' WHERE " + " AND ".join(where), args
            ).rowcount

    def move_account(self, platform: str, old: str, new: str) -> int:
        """Re-key every row of `platform` recorded under an older account key (a login name, a
        folder path) to the account's stable id, with its history. Rows that would collide with
        rows already under `new` stay where they are. Returns how many rows moved."""
        if old == new:
            return 0
        with self._tx() as db:
            moved = db.execute(  # rows that would collide with one under `new` stay
                "UPDATE posts SET account=? WHERE platform=? AND account=? AND NOT EXISTS (SELECT 1 FROM posts AS p"
                " WHERE p.issue_id=posts.issue_id AND p.platform=posts.platform AND p.account=?"
                " AND p.position=posts.position)",
                (new, platform, old, new),
            ).rowcount
            if moved:
                db.execute("UPDATE events SET account=? WHERE platform=? AND account=?", (new, platform, old))
        return moved

    def log(self, key: Key, what: str, detail: str = "") -> None:
        """An event with no state change (e.g. "not-found" after a lookup)."""
        with self._tx() as db:
            self._event(db, key, what, detail)

    # -- the publish lock ------------------------------------------------------------------

    @contextmanager
    def lock(
        self, issue_id: str, platform: str, account: str, timeout: float = 900.0, progress: Progress | None = None
    ) -> Iterator[None]:
        """Hold the per-(issue, platform, account) publish lock.

        An OS file lock (flock via `filelock`) next to the ledger: released by the kernel when
        the holder dies, so a SIGKILLed run never leaves a stale lock. Waits up to `timeout`
        seconds (-1: forever), then raises LedgerBusy; a wait is told to `progress`
        (crosspost.progress), if given.
        """
        from filelock import FileLock, Timeout

        busy = f"another crosspost run is publishing {issue_id} to {platform} ({account}); gave up after waiting {timeout:g}s"
        if self.path is None:  # a shared database: a lease in it, seen by every host
            from contextlib import ExitStack

            from .database import LockTimeout, PostgresDatabase

            assert isinstance(self.db, PostgresDatabase)

            def waiting() -> None:
                if progress is not None:
                    until = time.time() + timeout if timeout >= 0 else None
                    progress.waiting(until, f"another crosspost run is publishing {issue_id} to {platform}")

            triple = (issue_id, platform, account)
            with ExitStack() as held:
                try:
                    lease = held.enter_context(self.db.lease(_lock_name(*triple), timeout, waiting))
                except LockTimeout:
                    raise LedgerBusy(busy) from None
                self._leases[triple] = lease
                try:
                    yield
                finally:
                    self._leases.pop(triple, None)
            return
        lock_dir = self.path.parent / (self.path.name + ".locks")
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{issue_id}--{platform}--{account}")[:120]
        digest = _short_hash(f"{issue_id}\0{platform}\0{account}")
        lock = FileLock(str(lock_dir / f"{name}-{digest}.lock"))
        try:
            lock_dir.mkdir(parents=True, exist_ok=True)
            try:
                lock.acquire(timeout=0 if progress is not None and timeout != 0 else timeout)
            except Timeout:
                if progress is None or timeout == 0:
                    raise
                until = time.time() + timeout if timeout >= 0 else None
                progress.waiting(until, f"another crosspost run is publishing {issue_id} to {platform}")
                lock.acquire(timeout=timeout)
        except Timeout:  # before OSError: filelock's Timeout is a TimeoutError
            raise LedgerBusy(busy) from None
        except OSError as exc:  # a read-only or root-owned lock folder
            raise StorageError(f"cannot take the publish lock: {os_problem(exc)}", lock_dir) from None
        try:
            yield
        finally:
            lock.release()


_SELECT_ONE = "SELECT * FROM posts WHERE issue_id=? AND platform=? AND account=? AND position=?"


def _lock_name(issue_id: str, platform: str, account: str) -> str:
    """The publish lock's name in a shared database (JSON: no separator can be forged)."""
    return "publish " + json.dumps([issue_id, platform, account])


def _media_json(post: Post) -> str:
    return json.dumps([{"path": m.path, "alt_text": m.alt_text} for m in post.media], ensure_ascii=False)


def _short_hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
