"""The SQLite ledger: a real file, durable settings, states and events, no secrets, locking."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from fakeplatform import FAKE_SECRET, FakeAdapter, make_plan

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
    db = ledger._db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    ledger.close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= {"posts", "events"}


def test_record_plan_is_idempotent_and_survives_reopening(tmp_path, plan):
    path = tmp_path / "ledger.db"
    with Ledger(path) as ledger:
        ledger.record_plan(plan, "acct", platform="outbox")
        ledger.record_plan(plan, "acct", platform="outbox")
    with Ledger(path) as ledger:
        rows = ledger.rows(plan.issue_id)
        assert [(r.position, r.state, r.platform, r.plan_platform) for r in rows] == [
            (1, "pending", "outbox", "x"), (2, "pending", "outbox", "x"), (3, "pending", "outbox", "x")]
        assert [r.content_hash for r in rows] == [p.content_hash() for p in plan.posts]
        assert all(r.fingerprint == plan.fingerprint() for r in rows)
        assert [e["what"] for e in ledger.events(plan.issue_id)] == ["planned"] * 3


def test_transitions_update_the_row_and_log_an_event_each(tmp_path, plan):
    with Ledger(tmp_path / "ledger.db") as ledger:
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
        assert whats == [(1, "sending"), (1, "unknown"), (1, "adopted"), (1, "deleted"),
                         (2, "sending"), (2, "pending"), (2, "failed")]
        assert all(e["at"] > 0 for e in ledger.events())
        with pytest.raises(KeyError):
            ledger.mark_posted(Key("nope", "x", "acct", 1), "1", "u")


def test_record_plan_never_overwrites_what_may_be_on_the_platform(tmp_path, plan):
    with Ledger(tmp_path / "ledger.db") as ledger:
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
        columns = {r[1] for r in ledger._db.execute("PRAGMA table_info(posts)")}
    assert columns == {
        "issue_id", "platform", "account", "position", "plan_platform", "content_hash", "plan_hash",
        "fingerprint", "text", "media", "state", "reply_to", "remote_id", "url", "error", "attempts",
        "next_attempt_at", "created_at", "updated_at", "sent_at", "wait_kind"}
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("ledger.db*") if p.is_file())
    assert FAKE_SECRET.encode() not in blob
    assert b"https://fake.example/p/f1" in blob


def test_concurrent_writers_wait_instead_of_failing(tmp_path):
    plans = [make_plan(tmp_path / "cards", n=20, issue_id=f"issue-{i}") for i in range(4)]
    errors = []

    def writer(p):
        try:
            with Ledger(tmp_path / "ledger.db") as ledger:
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
    with Ledger(tmp_path / "ledger.db") as ledger:
        assert len(ledger.rows()) == 80 and {r.state for r in ledger.rows()} == {"posted"}
        assert len(ledger.events()) == 160


def test_publish_lock_is_exclusive_per_key(tmp_path):
    with Ledger(tmp_path / "ledger.db") as a, Ledger(tmp_path / "ledger.db") as b:
        with a.lock("issue-1", "x", "acct"):
            with pytest.raises(LedgerBusy):
                with b.lock("issue-1", "x", "acct", timeout=0):
                    pass
            with b.lock("issue-2", "x", "acct", timeout=0):  # another issue is independent
                pass
        with b.lock("issue-1", "x", "acct", timeout=0):  # released
            pass


def test_a_schema_1_ledger_is_migrated_in_place(tmp_path):
    import sqlite3

    from crosspost import ledger as ledger_module

    path = tmp_path / "ledger.db"
    v1 = ledger_module._SCHEMA.replace("    sent_at         REAL,\n", "").replace(
        "    wait_kind       TEXT NOT NULL DEFAULT '',\n", "")
    db = sqlite3.connect(path)
    db.executescript(v1 + "PRAGMA user_version = 1;")
    db.execute("INSERT INTO posts (issue_id, platform, account, position, content_hash, state, created_at,"
               " updated_at, remote_id) VALUES ('i', 'x', 'a', 1, 'h', 'posted', 1, 1, '42')")
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        (row,) = ledger.rows()
        assert row.remote_id == "42" and row.sent_at is None and row.wait_kind == ""
        assert ledger._db.execute("PRAGMA user_version").fetchone()[0] == ledger_module.SCHEMA_VERSION

