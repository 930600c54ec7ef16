"""A ledger and schedule in PostgreSQL (crosspost.database): the schedule store on both backends,
claims that runners never share, leases that lapse when their holder dies, and an unreachable or
badly configured database said in one line without its password."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import psycopg
import pytest
from conftest import cli_env, run_cli
from fakeplatform import make_plan
from pg import database, pg_db, pg_server  # noqa: F401 - fixtures

from crosspost.errors import InputError, StorageError
from crosspost.ledger import Key, Ledger, LedgerBusy
from crosspost.schedule import Entry, Schedule


def entry(issue: str, target: str = "x", due: float = 100.0) -> Entry:
    return Entry(issue_id=issue, target=target, source=f"issues/{issue}.md", due_at=due)


# ---------------------------------------------------------------- the schedule store, both backends


def test_the_schedule_store_does_the_same_on_both_backends(database):
    with Schedule(database) as sched:
        for issue, due in (("b", 200.0), ("a", 200.0), ("c", 50.0), ("Z", 200.0)):
            sched.upsert(entry(issue, due=due))
        sched.upsert(entry("a", due=200.0))  # again: an update, not a second entry
        assert [(e.issue_id, e.due_at) for e in sched.entries()] == [("c", 50), ("Z", 200), ("a", 200), ("b", 200)]
        assert [e.issue_id for e in sched.due(150.0)] == ["c"]
        sched.record("c", "x", sent=3, posts=3, state="done")
        with pytest.raises(InputError, match="already published"):
            sched.upsert(entry("c"))
        sched.update("a", "x", replan=True, error="token=abc123secret refused")
        a = sched.get("a", "x")
        assert a.replan is True and "abc123secret" not in a.error
        sched.hold("x", time.time() + 60, "429")
        assert set(sched.holds(time.time())) == {"x"}
        assert sched.clear_holds(["x"]) == ["x"] and sched.holds(time.time()) == {}
        sched.set_meta("auto_since", "7")
        sched.set_meta("auto_since", "8")
        sched.mark_seen(["one.md", "two.md"], "scheduled", 1.0)
        sched.mark_seen(["one.md"], "skipped", 2.0)
        assert sched.meta("auto_since") == "8" and sched.seen() == {"one.md", "two.md"}
        sched.forget_auto()
        assert sched.meta("auto_since") is None and sched.seen() == set()
        removed, kept = sched.remove("b", ["x"])
        assert [e.issue_id for e in removed] == ["b"] and kept == [] and sched.get("b", "x") is None
        assert sched.remove("c") == ([], [sched.get("c", "x")])  # published: kept


def test_moving_rows_to_a_new_account_skips_collisions_on_both_backends(tmp_path, database):
    plan = make_plan(tmp_path / "cards", n=2)
    with Ledger(database) as ledger:
        ledger.record_plan(plan, "old")
        ledger.record_plan(make_plan(tmp_path / "cards", n=1), "new")  # position 1 exists under `new`
        assert ledger.move_account("x", "old", "new") == 1
        assert sorted((r.account, r.position) for r in ledger.rows()) == [("new", 1), ("new", 2), ("old", 1)]


# ---------------------------------------------------------------- claims


def test_runners_claiming_at_once_each_get_their_own_entries(pg_db):
    with Schedule(pg_db) as setup:
        for i in range(12):
            setup.upsert(entry(f"issue-{i:02}", due=10.0 + i))
    got: dict[str, list[str]] = {}

    def runner(name: str) -> None:
        with Schedule(pg_db) as sched:
            mine = got.setdefault(name, [])
            while (e := sched.claim(1000.0, name, 30.0, {(x, "x") for x in mine})) is not None:
                mine.append(e.issue_id)
                time.sleep(0.01)

    threads = [threading.Thread(target=runner, args=(f"host-{n}:1",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [i for mine in got.values() for i in mine]
    assert sorted(claimed) == [f"issue-{i:02}" for i in range(12)]  # each entry once, by one runner
    assert sum(1 for mine in got.values() if mine) >= 2  # and spread over them


def test_a_claim_skips_a_row_another_transaction_holds_and_lapses(pg_db):
    with Schedule(pg_db) as sched:
        sched.upsert(entry("first", due=1.0))
        sched.upsert(entry("second", due=2.0))
        with psycopg.connect(pg_db) as other:  # another runner, mid-claim on "first"
            other.execute("SELECT 1 FROM schedule WHERE issue_id='first' FOR UPDATE")
            got: list = []
            claiming = threading.Thread(target=lambda: got.append(sched.claim(10.0, "me:1", 30.0)))
            claiming.start()
            claiming.join(5)
            assert not claiming.is_alive(), "a claim waited for a row another runner holds (no SKIP LOCKED)"
            assert got[0].issue_id == "second"
        assert sched.claim(10.0, "you:2", 30.0).issue_id == "first"
        assert sched.claim(10.0, "third:3", 30.0) is None  # both held
        assert set(sched.claims()) == {("first", "x"), ("second", "x")}
        sched.release("me:1")
        assert sched.claim(10.0, "third:3", 30.0).issue_id == "second"
        with psycopg.connect(pg_db, autocommit=True) as clock:  # you:2 died: its claim runs out
            clock.execute("UPDATE schedule SET claimed_until = 0 WHERE claimed_by = 'you:2'")
        assert sched.claim(10.0, "third:3", 30.0, {("second", "x")}).issue_id == "first"


# ---------------------------------------------------------------- leases


def test_a_dead_holders_lease_lapses_and_its_sends_stop(tmp_path, pg_db, monkeypatch):
    plan = make_plan(tmp_path / "cards", n=2)
    key = Key(plan.issue_id, "x", "acct", 1)
    monkeypatch.setenv("CROSSPOST_LEASE_SECONDS", "1")
    with Ledger(pg_db) as a, Ledger(pg_db) as b:
        with a.lock(plan.issue_id, "x", "acct", timeout=0):
            with pytest.raises(LedgerBusy, match="another crosspost run"):
                with b.lock(plan.issue_id, "x", "acct", timeout=0):
                    pass
            time.sleep(1.5)  # renewed from a's thread: still a's
            with pytest.raises(LedgerBusy):
                with b.lock(plan.issue_id, "x", "acct", timeout=0):
                    pass
            a.mark_sending(key, plan.posts[0], reply_to=None)
            lease = a._leases[(plan.issue_id, "x", "acct")]
            lease.stop.set()  # a's process stops (its renewing thread with it) ...
            time.sleep(1.5)  # ... for longer than the lease
            with b.lock(plan.issue_id, "x", "acct", timeout=0):  # b takes over
                with pytest.raises(StorageError, match="lapsed"):
                    a.mark_sending(Key(plan.issue_id, "x", "acct", 2), plan.posts[1], reply_to="1")
                assert b.get(*key).state == "sending"  # b finds a's maybe-sent post, and looks first
            assert a.get(plan.issue_id, "x", "acct", 2) is None  # a sent nothing on the lapsed lease
        (sending,) = [e for e in b.events(plan.issue_id) if e["what"] == "sending"]
        assert sending["detail"].startswith("by ") and f":{os.getpid()}:" in sending["detail"]  # who sent it


def test_a_lease_waits_for_its_holder_then_is_taken(pg_db):
    with Ledger(pg_db) as a, Ledger(pg_db) as b:
        waited = []

        class Progress:
            def waiting(self, until, why):
                waited.append(why)

        release = threading.Event()

        def hold():
            with a.lock("i", "x", "acct", timeout=0):
                release.wait(5)

        t = threading.Thread(target=hold)
        t.start()
        time.sleep(0.3)
        threading.Timer(0.5, release.set).start()
        start = time.monotonic()
        with b.lock("i", "x", "acct", timeout=10, progress=Progress()):
            assert time.monotonic() - start >= 0.3
        t.join()
        assert waited and "publishing i to x" in waited[0]


# ---------------------------------------------------------------- configuration and outages


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "news"
    (project / "issues").mkdir(parents=True)
    (project / "issues" / "issue-1.md").write_text("# Issue 1\n\n## A story\n\nOne paragraph.\n", encoding="utf-8")
    return project


def test_an_unreachable_database_is_one_line_exit_1_and_no_password(tmp_path):
    project = _project(tmp_path)
    url = "postgresql://crosspost:hunter2-secret@127.0.0.1:9/news"  # the discard port: nothing listens
    env = cli_env(tmp_path / "home", CROSSPOST_DATABASE_URL=url)
    for args in (["run"], ["status"], ["schedule", "issue-1", "--to", "outbox:x", "--at", "now"]):
        done = run_cli(args, project, env)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, (args, done.stderr)
        assert "cannot reach the database" in lines[0] and "postgresql://crosspost:***@127.0.0.1:9/news" in lines[0]
        assert "hunter2" not in done.stdout + done.stderr
    assert not (project / "outbox").exists()


def test_a_password_in_crosspost_toml_is_refused(tmp_path):
    project = _project(tmp_path)
    (project / "crosspost.toml").write_text('[database]\nurl = "postgresql://u:pw-in-file@db/news"\n', encoding="utf-8")
    done = run_cli(["status"], project, cli_env(tmp_path / "home"))
    assert done.returncode == 2 and "holds a password" in done.stderr and "pw-in-file" not in done.stderr
    (project / "crosspost.toml").write_text('[database]\nurl = "mysql://db/news"\n', encoding="utf-8")
    done = run_cli(["status"], project, cli_env(tmp_path / "home"))
    assert done.returncode == 2 and "postgresql:// URL" in done.stderr


def test_the_url_in_crosspost_toml_and_the_variable_reach_the_same_database(tmp_path, pg_db):
    project = _project(tmp_path)
    env = cli_env(tmp_path / "home", CROSSPOST_DATABASE_URL=pg_db)
    assert run_cli(["schedule", "issue-1", "--to", "outbox:x", "--at", "now"], project, env).returncode == 0
    (project / "crosspost.toml").write_text(f'[database]\nurl = "{pg_db}"\n', encoding="utf-8")
    done = run_cli(["schedule", "--list"], project, cli_env(tmp_path / "home"))
    assert done.returncode == 0 and "issue-1" in done.stdout, done.stderr
    assert not (project / ".crosspost" / "ledger.db").exists()  # nothing in the SQLite file


# ---------------------------------------------------------------- crosspost db migrate


def test_db_migrate_copies_the_file_once_and_nothing_is_posted_again(tmp_path, pg_db):
    import json

    from conftest import SAMPLE

    project = tmp_path / "news"
    (project / "issues").mkdir(parents=True)
    (project / "issues" / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    local = cli_env(tmp_path / "home")
    assert run_cli(["thread", "issue-34", "--to", "outbox"], project, local).returncode == 0  # out, in the file
    done = run_cli(["schedule", "issue-34", "--to", "outbox:instagram", "--at", "2030-01-01T09:00"], project, local)
    assert done.returncode == 0, done.stderr
    sent = sorted((project / "outbox").rglob("*.json"))

    shared = cli_env(tmp_path / "home", CROSSPOST_DATABASE_URL=pg_db)
    first = run_cli(["db", "migrate"], project, shared)
    assert first.returncode == 0, first.stderr
    assert "posts: 5 copied, 0 already there" in first.stdout and "schedule: 1 copied" in first.stdout
    assert pg_db.split("@")[-1] in first.stdout
    again = run_cli(["db", "migrate"], project, shared)
    assert "posts: 0 copied, 5 already there" in again.stdout and "events: 0 copied" in again.stdout, again.stdout

    status = run_cli(["status", "--json"], project, shared)
    assert status.returncode == 0, status.stderr
    assert [r["state"] for r in json.loads(status.stdout) if r["platform"] == "outbox"] == ["posted"] * 5
    republish = run_cli(["thread", "issue-34", "--to", "outbox"], project, shared)
    assert republish.returncode == 0, republish.stderr
    assert sorted((project / "outbox").rglob("*.json")) == sent  # the database knew: nothing sent twice
    listed = run_cli(["schedule", "--list"], project, shared)
    assert "outbox:instagram" in listed.stdout


def test_db_migrate_needs_a_database_and_a_ledger(tmp_path, pg_db):
    project = tmp_path / "news"
    project.mkdir()
    done = run_cli(["db", "migrate"], project, cli_env(tmp_path / "home"))
    assert done.returncode == 2 and "CROSSPOST_DATABASE_URL" in done.stderr
    done = run_cli(["db", "migrate"], project, cli_env(tmp_path / "home", CROSSPOST_DATABASE_URL=pg_db))
    assert done.returncode == 2 and "no ledger to copy" in done.stderr and len(done.stderr.splitlines()) == 1


def test_doctor_checks_the_connection_schema_and_clock(tmp_path, pg_db, monkeypatch):
    from crosspost.doctor import _database_check

    monkeypatch.setenv("CROSSPOST_DATABASE_URL", pg_db)
    first = _database_check(pg_db)
    assert first.ok and "empty (made on first use)" in first.detail
    with Ledger(pg_db), Schedule(pg_db):
        pass
    check = _database_check(pg_db)
    assert check.ok and "schema ledger 4/4, schedule 2/2" in check.detail and "clock" in check.detail, check.detail
    monkeypatch.setattr("crosspost.doctor.time.time", lambda: 0.0)  # this host's clock is decades off
    check = _database_check(pg_db)
    assert not check.ok and "clock is" in check.detail
    monkeypatch.undo()
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("INSERT INTO migrations (component, number, applied_at) VALUES ('ledger', 99, 0)")
    check = _database_check(pg_db)
    assert not check.ok and "newer than this crosspost" in check.detail
    down = _database_check("postgresql://u:s3cret@127.0.0.1:9/x")
    assert not down.ok and "cannot reach" in down.detail and "s3cret" not in down.detail


def test_a_database_emptied_after_use_is_refused_not_started_afresh(tmp_path, pg_db):
    plan = make_plan(tmp_path / "cards", n=1)
    with Ledger(pg_db) as ledger, Schedule(pg_db):
        ledger.record_plan(plan, "acct")
    with psycopg.connect(pg_db, autocommit=True) as conn:  # a restore gone wrong, a new server, DROP SCHEMA
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    with pytest.raises(InputError, match="used it before") as refused:
        Ledger(pg_db)
    assert "postgres@" in str(refused.value) and "://" in str(refused.value)
    project = _project(tmp_path)
    home = Path(os.environ["CROSSPOST_DATA_DIR"]).parent  # this host's data dir, where its marker is
    for args in (["status"], ["run"], ["schedule", "issue-1", "--to", "outbox:x", "--at", "now"]):
        done = run_cli(args, project, cli_env(home, CROSSPOST_DATABASE_URL=pg_db))
        assert done.returncode == 2, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "used it before" in done.stderr, done.stderr
    with psycopg.connect(pg_db) as conn:
        assert conn.execute("SELECT to_regclass('migrations')").fetchone()[0] is None  # nothing made afresh
    marker = next((Path(str(refused.value).split("(")[1].split(")")[0])).parent.glob("*.created"))
    marker.unlink()  # on purpose
    with Ledger(pg_db) as ledger:
        assert ledger.rows() == []


def test_processes_opening_a_new_database_at_once_never_take_it_for_an_emptied_one(pg_server):
    """The first to open it makes the tables and notes the database as used; the others, checking at
    the same time, wait for its tables under the same lock and never see "no tables, used before"."""
    from pg import new_database

    for _ in range(5):
        url = new_database(pg_server)
        errors: list[Exception] = []

        def open_it() -> None:
            try:
                Ledger(url).close()
            except Exception as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
