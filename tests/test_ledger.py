"""The SQLite ledger: a real file, durable settings, states and events, no secrets, locking."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from fakeplatform import FAKE_SECRET, FakeAdapter, make_plan
from pg import database, pg_db, pg_server  # noqa: F401  (fixtures: each test below runs on SQLite and PostgreSQL)

from crosspost.errors import InputError
from crosspost.ledger import SCHEMA_VERSION, Key, Ledger, LedgerBusy, scrub
from crosspost.publish import publish_plan


@pytest.fixture
def plan(tmp_path):
    return make_plan(tmp_path / "cards", n=3)


def test_is_a_real_sqlite_file_with_durable_settings(tmp_path):
    path = tmp_path / "deep" / "dir" / "ledger.db"
    ledger = Ledger(path)
    assert path.exists()
    db = ledger.db._db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    ledger.close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= {"posts", "events"}


def test_record_plan_is_idempotent_and_survives_reopening(database, plan):
    path = database
    with Ledger(path) as ledger:
        ledger.record_plan(plan, "acct", platform="outbox")
        ledger.record_plan(plan, "acct", platform="outbox")
    with Ledger(path) as ledger:
        rows = ledger.rows(plan.issue_id)
        assert [(r.position, r.state, r.platform, r.plan_platform) for r in rows] == [
            (1, "pending", "outbox", "x"),
            (2, "pending", "outbox", "x"),
            (3, "pending", "outbox", "x"),
        ]
        assert [r.content_hash for r in rows] == [p.content_hash() for p in plan.posts]
        assert all(r.fingerprint == plan.fingerprint() for r in rows)
        assert [e["what"] for e in ledger.events(plan.issue_id)] == ["planned"] * 3


def test_transitions_update_the_row_and_log_an_event_each(database, plan):
    with Ledger(database) as ledger:
        key = Key(plan.issue_id, "x", "acct", 1)
        row = ledger.mark_sending(key, plan.posts[0], reply_to=None)
        assert (row.state, row.attempts) == ("sending", 1)
        assert ledger.mark_unknown(key, "read timed out").state == "unknown"
        row = ledger.mark_posted(key, "123", "https://x.com/i/status/123", adopted=True)
        assert (row.state, row.remote_id, row.url, row.error) == ("posted", "123", "https://x.com/i/status/123", None)
        assert ledger.mark_deleted(key).state == "deleted"
        key2 = Key(plan.issue_id, "x", "acct", 2)
        ledger.mark_sending(key2, plan.posts[1], reply_to="123")
        row = ledger.mark_pending(key2, error="503", next_attempt_at=1e10)
        assert (row.state, row.next_attempt_at, row.reply_to) == ("pending", 1e10, "123")
        assert ledger.mark_failed(key2, "401 unauthorized").error == "401 unauthorized"
        whats = [(e["position"], e["what"]) for e in ledger.events(plan.issue_id)]
        assert whats == [
            (1, "sending"),
            (1, "unknown"),
            (1, "adopted"),
            (1, "deleted"),
            (2, "sending"),
            (2, "pending"),
            (2, "failed"),
        ]
        assert all(e["at"] > 0 for e in ledger.events())
        with pytest.raises(KeyError):
            ledger.mark_posted(Key("nope", "x", "acct", 1), "1", "u")


def test_record_plan_never_overwrites_what_may_be_on_the_platform(tmp_path, database, plan):
    with Ledger(database) as ledger:
        key = Key(plan.issue_id, "x", "acct", 1)
        ledger.mark_sending(key, plan.posts[0], reply_to=None)
        changed = make_plan(tmp_path / "cards", n=2, variant=" v2")
        ledger.record_plan(changed, "acct")
        rows = ledger.rows(plan.issue_id)
        assert rows[0].state == "sending" and rows[0].text == plan.posts[0].text  # untouched
        assert rows[1].text == changed.posts[1].text  # a pending row takes the new content
        assert len(rows) == 2


def test_refuses_a_newer_schema_and_a_non_database(tmp_path):
    newer = tmp_path / "newer.db"
    raw = sqlite3.connect(newer)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(InputError, match="newer"):
        Ledger(newer)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="junk.db"):
        Ledger(junk)


def test_scrub_redacts_credentials_and_bounds_length():
    text = "401 for Authorization: Bearer abcdef123456789 with access_token=XYZ-secret-1 password: hunter22"
    out = scrub(text)
    assert "abcdef123456789" not in out and "XYZ-secret-1" not in out and "hunter22" not in out
    assert "401" in out
    assert len(scrub("x" * 5000)) <= 500
    assert scrub("line one\nline two") == "line one line two"


def test_error_text_is_scrubbed_before_it_is_stored(tmp_path, plan):
    with Ledger(tmp_path / "ledger.db") as ledger:
        key = Key(plan.issue_id, "x", "acct", 1)
        ledger.mark_sending(key, plan.posts[0], reply_to=None)
        ledger.mark_failed(key, "rejected oauth_token=tok-1234567 by server")
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("ledger.db*") if p.is_file())
    assert b"tok-1234567" not in blob


def test_ledger_holds_only_ids_urls_hashes_text_and_errors(tmp_path, plan):
    fake = FakeAdapter(tmp_path / "fake.json", script={2: "needs_person"})
    with Ledger(tmp_path / "ledger.db") as ledger:
        publish_plan(plan, fake, ledger)
        publish_plan(plan, FakeAdapter(tmp_path / "fake.json"), ledger)
        columns = {r[1] for r in ledger.db._db.execute("PRAGMA table_info(posts)")}
    assert columns == {
        "issue_id",
        "platform",
        "account",
        "position",
        "plan_platform",
        "content_hash",
        "plan_hash",
        "fingerprint",
        "text",
        "media",
        "state",
        "reply_to",
        "remote_id",
        "url",
        "error",
        "attempts",
        "next_attempt_at",
        "created_at",
        "updated_at",
        "sent_at",
        "wait_kind",
        "intent",  # the adapter's record key or idempotency key: an id like remote_id
    }
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("ledger.db*") if p.is_file())
    assert FAKE_SECRET.encode() not in blob
    assert b"https://fake.example/p/f1" in blob


def test_concurrent_writers_wait_instead_of_failing(tmp_path, database):
    plans = [make_plan(tmp_path / "cards", n=20, issue_id=f"issue-{i}") for i in range(4)]
    errors = []

    def writer(p):
        try:
            with Ledger(database) as ledger:
                for pos, post in enumerate(p.posts, start=1):
                    key = Key(p.issue_id, "x", "acct", pos)
                    ledger.mark_sending(key, post, reply_to=None)
                    ledger.mark_posted(key, f"{p.issue_id}-{pos}", "u")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(p,)) for p in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Ledger(database) as ledger:
        assert len(ledger.rows()) == 80 and {r.state for r in ledger.rows()} == {"posted"}
        assert len(ledger.events()) == 160


def test_publish_lock_is_exclusive_per_key(database):
    with Ledger(database) as a, Ledger(database) as b:
        with a.lock("issue-1", "x", "acct"):
            with pytest.raises(LedgerBusy):
                with b.lock("issue-1", "x", "acct", timeout=0):
                    pass
            with b.lock("issue-2", "x", "acct", timeout=0):  # another issue is independent
                pass
        with b.lock("issue-1", "x", "acct", timeout=0):  # released
            pass


# The SQL of the files older crosspost versions made, as they made them (not derived from the
# module, so a change there cannot hide a migration that no longer fits an old file).
_V1_POSTS = """CREATE TABLE IF NOT EXISTS posts (
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
    {extra}PRIMARY KEY (issue_id, platform, account, position)
);
CREATE TABLE IF NOT EXISTS events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        REAL NOT NULL,
    issue_id  TEXT NOT NULL,
    platform  TEXT NOT NULL,
    account   TEXT NOT NULL,
    position  INTEGER,
    what      TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_by_issue ON events (issue_id, platform, account, id);
"""
_V2_EXTRA = "sent_at         REAL,\n    wait_kind       TEXT NOT NULL DEFAULT '',\n    "
_OLD_SCHEDULE = """CREATE TABLE IF NOT EXISTS schedule (
    issue_id   TEXT NOT NULL,
    target     TEXT NOT NULL,
    source     TEXT NOT NULL,
    due_at     REAL NOT NULL,
    spread     REAL NOT NULL DEFAULT 0,
    zone       TEXT NOT NULL DEFAULT 'UTC',
    posts      INTEGER NOT NULL DEFAULT 0,
    sent       INTEGER NOT NULL DEFAULT 0,
    state      TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled','done','failed')),
    error      TEXT,
    replan     INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (issue_id, target)
);
CREATE TABLE IF NOT EXISTS schedule_holds (
    platform TEXT PRIMARY KEY,
    until    REAL NOT NULL,
    reason   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS schedule_seen (
    name       TEXT PRIMARY KEY,
    first_seen REAL NOT NULL,
    action     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS schedule_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def _old_file(path, schema: str, version: int, *, sent_at: bool) -> None:
    db = sqlite3.connect(path)
    db.executescript(schema + f"PRAGMA user_version = {version};")
    columns, values = (
        "issue_id, platform, account, position, content_hash, state, created_at, updated_at, remote_id",
        "'i', 'x', 'a', 1, 'h', 'posted', 1, 1, '42'",
    )
    if sent_at:
        columns, values = columns + ", sent_at, wait_kind", values + ", 5, 'limit'"
    db.execute(f"INSERT INTO posts ({columns}) VALUES ({values})")
    db.execute(
        "INSERT INTO events (at, issue_id, platform, account, position, what, detail)"
        " VALUES (1, 'i', 'x', 'a', 1, 'posted', '42')"
    )
    db.commit()
    db.close()


def _applied(path) -> list[tuple[str, int]]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT component, number FROM migrations ORDER BY component, number").fetchall()
    finally:
        db.close()


def test_a_schema_1_ledger_is_migrated_in_place(tmp_path):
    path = tmp_path / "ledger.db"
    _old_file(path, _V1_POSTS.format(extra=""), 1, sent_at=False)
    with Ledger(path) as ledger:
        (row,) = ledger.rows()
        assert row.remote_id == "42" and row.sent_at is None and row.wait_kind == "" and row.intent is None
        assert [e["detail"] for e in ledger.events()] == ["42"]
        assert ledger.db._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert _applied(path) == [("ledger", 1), ("ledger", 2), ("ledger", 3), ("ledger", 4)]
    with Ledger(path) as ledger:  # migrated once: opening again changes nothing
        assert ledger.rows()[0].remote_id == "42"
    assert _applied(path) == [("ledger", 1), ("ledger", 2), ("ledger", 3), ("ledger", 4)]


def test_a_schema_2_file_with_its_schedule_keeps_working(tmp_path):
    """A file made by crosspost before the migrations table (PRAGMA user_version = 2, the schedule's
    tables beside the ledger's) is adopted as it is: every row kept, nothing re-run."""
    from crosspost.schedule import Schedule

    path = tmp_path / "ledger.db"
    _old_file(path, _V1_POSTS.format(extra=_V2_EXTRA) + _OLD_SCHEDULE, 2, sent_at=True)
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO schedule (issue_id, target, source, due_at, created_at, updated_at)"
        " VALUES ('i', 'x', 'issues/i.md', 100, 1, 1)"
    )
    db.execute("INSERT INTO schedule_meta (key, value) VALUES ('auto_since', '7')")
    db.commit()
    db.close()
    with Ledger(path) as ledger, Schedule(path) as sched:
        (row,) = ledger.rows()
        assert (row.remote_id, row.sent_at, row.wait_kind) == ("42", 5, "limit")
        assert [(e.issue_id, e.due_at) for e in sched.entries()] == [("i", 100)]
        assert sched.meta("auto_since") == "7"
    assert _applied(path) == [("ledger", n) for n in (1, 2, 3, 4)] + [("schedule", 1), ("schedule", 2)]
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_fresh_file_records_every_migration_once(tmp_path):
    from crosspost.schedule import Schedule

    path = tmp_path / "ledger.db"
    for _ in range(2):
        with Schedule(path), Ledger(path):
            pass
    assert _applied(path) == [("ledger", n) for n in (1, 2, 3, 4)] + [("schedule", 1), ("schedule", 2)]
    db = sqlite3.connect(path)
    columns = [r[1] for r in db.execute("PRAGMA table_info(posts)")]
    assert columns[-3:] == ["sent_at", "wait_kind", "intent"] and "schedule_meta" in {
        r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }


@pytest.mark.parametrize("component", ["ledger", "schedule"])
def test_refuses_a_file_a_newer_crosspost_migrated(tmp_path, component):
    from crosspost.schedule import Schedule

    path = tmp_path / "ledger.db"
    with Ledger(path), Schedule(path):
        pass
    db = sqlite3.connect(path)
    db.execute("INSERT INTO migrations (component, number, applied_at) VALUES (?, 99, 0)", (component,))
    db.commit()
    db.close()
    store = Ledger if component == "ledger" else Schedule
    with pytest.raises(InputError, match=f"{component} schema 99 is newer"):
        store(path)
