"""`crosspost run`: due vs not due, drips, exactly once under re-runs, concurrency, SIGKILL, lock, failures.

The outbox (a local folder) and the fake X server (tests/fakex.py) stand in for the platforms.
`now` is injected into run_due(); subprocess runs use entries scheduled in the past.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fakeplatform import FakeAdapter, make_plan
from fakex import fake_x  # noqa: F401 - fixture
from pg import new_database, pg_db, pg_server  # noqa: F401 - fixtures

from crosspost.config import load_config
from crosspost.ledger import Ledger, state_of
from crosspost.publish import KILL_ENV, PlanChanged, publish_plan
from crosspost.runner import cron_line, run_due, run_lock_path
from crosspost.schedule import DAY, Schedule, build_entries

ROOT = Path(__file__).resolve().parent.parent
T0 = 1_800_000_000.0  # 2027-01-15 08:00 UTC, a Friday
THREAD = 5  # the sample issue: opening, 3 stories, closing
STORIES = 3


LEASE = "2"  # seconds: how soon a shared database lets another runner take over from a killed one


@pytest.fixture(params=["sqlite", "postgresql"])
def project(request, project, monkeypatch):
    """The project, its ledger and schedule in the SQLite file or in a PostgreSQL database."""
    if request.param == "postgresql":
        monkeypatch.setenv("CROSSPOST_DATABASE_URL", request.getfixturevalue("pg_db"))
        monkeypatch.setenv("CROSSPOST_LEASE_SECONDS", LEASE)
    return project


def sqlite_only(what: str) -> None:
    if os.environ.get("CROSSPOST_DATABASE_URL"):
        pytest.skip(f"{what}: the SQLite file's own")


def schedule(project: Path, targets: list[str], at: float, spread: str = "0", ref: str = "issue-34") -> None:
    config = load_config(project)
    entries = build_entries(config, ref, targets, at=_iso(at), spread=spread, now=at)
    with Schedule(state_of(config)) as sched:
        for e in entries:
            sched.upsert(e)


def _iso(ts: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ts, timezone.utc).isoformat()


def outbox_posts(project: Path, sub: str = "") -> list[dict]:
    folder = project / "outbox" / "issue-34" / sub if sub else project / "outbox" / "issue-34"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def assert_thread_once(project: Path) -> None:
    posts = outbox_posts(project)
    assert len(posts) == THREAD, [p["text"][:30] for p in posts]
    assert len({p["text"] for p in posts}) == THREAD
    assert [p["reply_to"] for p in posts] == [None] + [p["id"] for p in posts[:-1]]


def entries(project: Path) -> dict[str, object]:
    config = load_config(project)
    with Schedule(state_of(config)) as sched:
        return {e.target: e for e in sched.entries()}


def cli(project: Path, *args: str, env: dict | None = None, wait: bool = True):
    full = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    full.pop(KILL_ENV, None)
    full.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "crosspost", *args],
        cwd=project,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if not wait:
        return proc
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


# -- due, not due, drips, re-runs -------------------------------------------------------------------


def test_nothing_is_sent_before_it_is_due_and_everything_once_after(project):
    schedule(project, ["outbox:x"], T0)
    config = load_config(project)
    early = run_due(config, now=T0 - 60)
    assert early.outcomes == [] and early.exit_code == 0 and early.next_due == T0
    assert not (project / "outbox").exists()
    on_time = run_due(config, now=T0)
    assert on_time.exit_code == 0 and on_time.posted == THREAD
    assert_thread_once(project)
    assert entries(project)["outbox:x"].state == "done"
    again = run_due(config, now=T0 + DAY)
    assert again.posted == 0 and again.outcomes == []
    assert_thread_once(project)


def test_drip_sends_one_story_card_a_day(project):
    schedule(project, ["outbox:instagram"], T0, spread="1d")
    config = load_config(project)
    for day in range(STORIES):
        for repeat in range(2):  # a second run the same day sends nothing more
            result = run_due(config, now=T0 + day * DAY + repeat * 3600)
            assert result.exit_code == 0
            assert result.posted == (1 if repeat == 0 else 0)
        posts = outbox_posts(project, "instagram")
        assert len(posts) == day + 1
        assert all(len(p["media"]) == 1 for p in posts)
    assert entries(project)["outbox:instagram"].state == "done"
    assert len({p["text"] for p in outbox_posts(project, "instagram")}) == STORIES
    assert run_due(config, now=T0 + 10 * DAY).posted == 0


def test_thread_and_cards_of_one_issue_share_the_outbox_without_colliding(project):
    schedule(project, ["outbox:x", "outbox:instagram"], T0, spread="0")
    result = run_due(load_config(project), now=T0)
    assert result.exit_code == 0, result.outcomes
    assert_thread_once(project)
    (carousel,) = outbox_posts(project, "instagram")
    assert len(carousel["media"]) == STORIES
    index = (project / "outbox" / "index.html").read_text(encoding="utf-8")
    assert "issue-34 — instagram" in index and carousel["id"] in index


def test_publish_plan_upto_sends_only_the_due_prefix(tmp_path):
    fake = FakeAdapter(tmp_path / "fake.json")
    plan = make_plan(tmp_path / "cards", n=4, thread=False, platform="instagram")
    with Ledger(tmp_path / "ledger.db") as ledger:
        report = publish_plan(plan, fake, ledger, upto=2)
        assert [r.state for r in report.results] == ["posted", "posted", "scheduled", "scheduled"]
        assert report.exit_code == 0 and report.write_calls == 2
        # the not-yet-due tail may change (or grow) without being a plan change
        changed = make_plan(tmp_path / "cards", n=5, thread=False, platform="instagram")
        changed.posts[:2] = plan.posts[:2]
        changed.posts[3].text += " (edited)"
        report = publish_plan(changed, fake, ledger, upto=3)
        assert [r.state for r in report.results] == ["already", "already", "posted", "scheduled", "scheduled"]
        # but a post that is out may not change
        edited = make_plan(tmp_path / "cards", n=5, thread=False, platform="instagram", variant=" v2")
        with pytest.raises(PlanChanged):
            publish_plan(edited, fake, ledger, upto=4)
        assert publish_plan(changed, fake, ledger).write_calls == 2
    assert len(fake.live_posts()) == 5


# -- concurrency ---------------------------------------------------------------------------------


def test_two_runs_in_threads_at_the_same_instant_publish_once(project):
    schedule(project, ["outbox:x", "outbox:instagram"], T0, spread="0")
    config = load_config(project)
    barrier = threading.Barrier(2)
    results = []

    def go():
        barrier.wait()
        results.append(run_due(config, now=T0))

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(r.exit_code == 0 for r in results)
    assert sum(r.posted for r in results) == THREAD + 1
    assert_thread_once(project)
    assert len(outbox_posts(project, "instagram")) == 1


def test_runs_in_processes_at_the_same_instant_publish_once(project):
    schedule(project, ["outbox:x", "outbox:instagram"], time.time() - 60, spread="0")
    procs = [cli(project, "run", wait=False) for _ in range(3)]
    outs = [(p.communicate(timeout=120), p.returncode) for p in procs]
    assert all(rc == 0 for _, rc in outs), outs
    assert_thread_once(project)
    assert len(outbox_posts(project, "instagram")) == 1
    busy = [err for (out, err), _ in outs if "another crosspost run" in err]
    for err in busy:
        assert len(err.strip().splitlines()) == 1


def test_runs_in_processes_against_the_fake_x_server_publish_once(project, fake_x):
    schedule(project, ["x"], time.time() - 60)
    procs = [cli(project, "run", "--quiet", wait=False) for _ in range(3)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    live = fake_x.live_posts()
    assert len(live) == THREAD and len({p.text for p in live}) == THREAD
    assert [p.reply_to for p in live] == [None] + [p.id for p in live[:-1]]
    assert fake_x.violations == []
    assert entries(project)["x"].state == "done"


# -- SIGKILL at every crash point, and the lock -------------------------------------------------------

POINTS = [f"{when}:{pos}" for pos in range(1, THREAD + 1) for when in ("before-send", "after-send", "after-record")]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def killed_runs(request, tmp_path_factory):
    """One project per crash point, each with a `crosspost run` SIGKILLed there; its ledger and
    schedule in the SQLite file or in a PostgreSQL database of its own."""
    import shutil

    from conftest import SAMPLE

    cases, procs = {}, {}
    server = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    for point in POINTS:
        project = tmp_path_factory.mktemp(point.replace(":", "-"))
        (project / "issues").mkdir()
        shutil.copy(SAMPLE, project / "issues" / SAMPLE.name)
        env = {"CROSSPOST_DATA_DIR": str(project / "data"), "CROSSPOST_CONFIG_DIR": str(project / "config")}
        if server is not None:
            env.update(CROSSPOST_DATABASE_URL=new_database(server, "k"), CROSSPOST_LEASE_SECONDS=LEASE)
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            schedule(project, ["outbox:x"], time.time() - 60)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        cases[point] = (project, env)
        procs[point] = cli(project, "run", env={**env, KILL_ENV: point}, wait=False)
    for point, proc in procs.items():
        proc.communicate(timeout=120)
        assert proc.returncode == -signal.SIGKILL, point
    died = time.monotonic()
    if server is not None:  # the dead runs' leases lapse on the database's clock
        time.sleep(max(0.0, died + float(LEASE) + 0.5 - time.monotonic()))
    return cases


@pytest.mark.parametrize("point", POINTS)
def test_a_run_killed_at_any_point_is_finished_once_by_the_next(killed_runs, point):
    project, env = killed_runs[point]
    when, pos = point.split(":")
    landed = int(pos) - (1 if when == "before-send" else 0)
    assert len(outbox_posts(project)) == landed  # it died where it was told to, holding the run lock
    rc, out, err = cli(project, "run", "--quiet", env=env)  # the dead run's lock (or lease) does not block
    assert rc == 0, err
    assert err == "" and out == ""
    assert_thread_once(project)
    assert cli(project, "run", env=env)[0] == 0
    assert_thread_once(project)


def test_a_second_run_while_the_lock_is_held_exits_0_with_one_line(project):
    from filelock import FileLock

    sqlite_only("the project's run lock")
    schedule(project, ["outbox:x"], time.time() - 60)
    config = load_config(project)
    holder = subprocess.Popen(  # another process holds the run lock
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom filelock import FileLock\n"
            "l = FileLock(sys.argv[1]); l.acquire(); print('held', flush=True); time.sleep(60)",
            str(run_lock_path(config)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        rc, out, err = cli(project, "run")
        assert rc == 0
        assert out == ""
        assert len(err.strip().splitlines()) == 1 and "another crosspost run" in err
        assert not (project / "outbox").exists()
    finally:
        holder.kill()
        holder.wait()
    with FileLock(str(run_lock_path(config)), timeout=0):
        pass  # the kernel released the killed holder's lock


def test_a_stale_lock_from_a_killed_process_does_not_block(project):
    sqlite_only("the project's run lock")
    schedule(project, ["outbox:x"], time.time() - 60)
    config = load_config(project)
    run_lock_path(config).parent.mkdir(parents=True, exist_ok=True)
    dead = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, sys\nfrom filelock import FileLock\n"
            "FileLock(sys.argv[1]).acquire(); os.kill(os.getpid(), signal.SIGKILL)",
            str(run_lock_path(config)),
        ]
    )
    assert dead.returncode == -signal.SIGKILL
    result = run_due(config)
    assert not result.busy and result.posted == THREAD


# -- failures: needs a person, missing credentials, 429 ------------------------------------------------


def test_missing_credentials_fail_that_entry_only(project):
    schedule(project, ["x", "outbox:x"], T0)
    result = run_due(load_config(project), now=T0)
    kinds = {o.target: o.kind for o in result.outcomes}
    assert kinds == {"x": "input", "outbox:x": "done"}
    assert result.exit_code == 2
    assert_thread_once(project)  # never silently replaced by the outbox: only the outbox entry went there
    e = entries(project)["x"]
    assert e.state == "failed" and "CROSSPOST_X_API_KEY" in e.error
    assert run_due(load_config(project), now=T0 + 60).outcomes == []  # failed entries wait for a person


def test_needs_person_on_x_does_not_stop_the_rest(project, fake_x):
    fake_x.fail("unauthorized", method="POST", path="/2/tweets", times=10)
    schedule(project, ["x", "outbox:x"], T0)
    result = run_due(load_config(project), now=T0)
    assert {o.target: o.kind for o in result.outcomes} == {"x": "failed", "outbox:x": "done"}
    assert result.exit_code == 1
    assert fake_x.live_posts() == []
    assert_thread_once(project)
    assert "credentials" in entries(project)["x"].error


def _second_issue(project: Path) -> None:
    text = (project / "issues" / "issue-34.txt").read_text(encoding="utf-8")
    for a, b in (
        ("#34", "#35"),
        ("Ant", "Bee"),
        ("China", "Japan"),
        ("Alibaba", "Rakuten"),
        ("Movie", "Music"),
        ("East West Hurricane", "North South Typhoon"),
    ):
        text = text.replace(a, b)
    (project / "issues" / "issue-35.txt").write_text(text, encoding="utf-8")


def test_a_429_defers_the_platform_until_its_reset(project, fake_x):
    _second_issue(project)
    now = time.time()
    reset = int(now) + 900
    fake_x.fail("rate-limited", method="POST", path="/2/tweets", reset_at=reset)
    schedule(project, ["x", "outbox:x"], now - 60, ref="issue-34")
    schedule(project, ["x"], now - 60, ref="issue-35")
    config = load_config(project)
    first = run_due(config, now=now)
    kinds = sorted((o.issue_id, o.target, o.kind) for o in first.outcomes)
    assert kinds == [("issue-34", "outbox:x", "done"), ("issue-34", "x", "deferred"), ("issue-35", "x", "held")]
    assert first.exit_code == 1
    assert fake_x.count("POST", "/2/tweets") == 1  # issue-35 never tried while X is on hold
    second = run_due(config, now=now + 60)
    assert [o.kind for o in second.outcomes] == ["held", "held"] and second.exit_code == 0
    assert fake_x.count("POST", "/2/tweets") == 1
    third = run_due(config, now=reset + 1)
    assert third.exit_code == 0, third.outcomes
    assert len(fake_x.live_posts()) == 2 * THREAD and fake_x.violations == []


# -- output ------------------------------------------------------------------------------------------


def test_quiet_run_with_nothing_due_prints_nothing(project):
    assert cli(project, "run", "--quiet") == (0, "", "")
    schedule(project, ["outbox:x"], time.time() + 3 * DAY)  # scheduled, not due
    assert cli(project, "--quiet", "run") == (0, "", "")
    rc, out, err = cli(project, "run")
    assert rc == 0 and out.startswith("Nothing due. Next:") and err == ""


def test_run_logs_one_plain_line_per_action(project, tmp_path):
    schedule(project, ["outbox:x"], time.time() - 60)
    data = tmp_path / "data"
    rc, out, err = cli(project, "run", env={"CROSSPOST_DATA_DIR": str(data)})
    assert rc == 0
    lines = err.strip().splitlines()
    assert len(lines) == THREAD + 1 and "\x1b" not in err
    assert all(" issue-34 outbox:x " in line for line in lines)
    assert [line.split()[3] for line in lines] == ["posted"] * THREAD + ["done"]
    assert all(line.split()[-1].startswith("file://") for line in lines[:THREAD])
    assert (data / "crosspost.log").read_text(encoding="utf-8").strip().splitlines() == lines
    assert out.startswith("Published 5 posts")


def test_cron_line_is_ready_to_paste(project):
    line = cron_line(load_config(project), "15m", argv0="/nonexistent/crosspost")
    assert line.startswith("*/15 * * * * cd ")
    assert f"cd {project.absolute()} && " in line
    assert " run --quiet >> " in line and line.endswith("/cron.log 2>&1")
    exe = line.split(" && ", 1)[1].split(" run --quiet")[0].split()[-1]
    assert Path(exe).is_absolute() or exe == "crosspost"
    assert cron_line(load_config(project), "1h").startswith("0 * * * * ")
    rc, out, err = cli(project, "cron", "--every", "30m")
    assert rc == 0 and out.startswith("*/30 * * * * cd ") and str(project) in out
    rc, out, err = cli(project, "cron", "--every", "7m")
    assert rc == 2 and "divides" in err


def test_undo_cancels_the_rest_of_a_drip(project):
    """After `undo`, a half-sent drip must not keep going out from cron."""
    import subprocess
    import sys

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "crosspost", *args], cwd=project, capture_output=True, text=True, timeout=120
        )

    assert cli("schedule", "issue-34", "--to", "outbox:instagram", "--at", "now", "--spread", "1d").returncode == 0
    assert cli("run").returncode == 0
    res = cli("undo", "issue-34", "--platform", "outbox", "--yes")
    assert res.returncode == 0, res.stderr
    assert "Unscheduled issue-34 outbox:instagram" in res.stderr
    listing = cli("schedule", "--list").stdout
    assert "outbox:instagram" not in listing


# -- issue 8: undo and unschedule win; undone stays undone; holds, clocks and manual re-runs --------


def _during_render(monkeypatch, action):
    """Run `action` while `run` renders the due cards: after it picked the entry, before it publishes."""
    import crosspost.runner as runner

    real = runner._render_due
    done = []

    def render_then_act(prepared, config, upto, *rest):
        real(prepared, config, upto, *rest)
        if not done:
            done.append(action())

    monkeypatch.setattr(runner, "_render_due", render_then_act)
    return done


def test_undo_while_a_run_prepares_the_entry_wins(project, monkeypatch):
    schedule(project, ["outbox:x"], T0)
    assert cli(project, "thread", "issue-34", "--to", "outbox")[0] == 0  # posted by hand; entry still due
    assert len(outbox_posts(project)) == THREAD
    done = _during_render(monkeypatch, lambda: cli(project, "undo", "issue-34", "--platform", "outbox", "--yes"))
    result = run_due(load_config(project), now=T0)
    assert done and done[0][0] == 0, done
    assert outbox_posts(project) == []  # 5 live -> 0 -> still 0: nothing re-sent
    assert result.exit_code == 0 and [o.kind for o in result.outcomes] == ["cancelled"]
    assert run_due(load_config(project), now=T0 + DAY).posted == 0


def test_unschedule_while_a_run_prepares_the_entry_wins(project, monkeypatch):
    schedule(project, ["outbox:x"], T0)
    done = _during_render(monkeypatch, lambda: cli(project, "unschedule", "issue-34"))
    result = run_due(load_config(project), now=T0)
    assert done and done[0][0] == 0, done
    assert not (project / "outbox" / "issue-34").exists() or outbox_posts(project) == []
    assert result.posted == 0 and result.exit_code == 0


def test_an_undone_issue_is_published_again_only_on_purpose(project):
    assert cli(project, "thread", "issue-34", "--to", "outbox")[0] == 0
    assert cli(project, "undo", "issue-34", "--platform", "outbox", "--yes")[0] == 0
    rc, out, err = cli(project, "thread", "issue-34", "--to", "outbox", "--dry-run")
    assert rc == 0 and "--again" in out, out + err  # the preview tells the truth about it
    rc, out, err = cli(project, "thread", "issue-34", "--to", "outbox")
    assert rc == 2 and "--again" in err and "Traceback" not in err, out + err
    assert outbox_posts(project) == []
    rc, out, err = cli(project, "thread", "issue-34", "--to", "outbox", "--again")
    assert rc == 0, out + err
    assert_thread_once(project)
    # and through the schedule: after a complete undo, scheduling is the request to publish again
    assert cli(project, "schedule", "issue-34", "--to", "outbox:x", "--at", "now")[0] == 0
    assert cli(project, "run")[0] == 0
    assert cli(project, "undo", "issue-34", "--platform", "outbox", "--yes")[0] == 0
    assert outbox_posts(project) == []
    rc, out, err = cli(project, "schedule", "issue-34", "--to", "outbox:x", "--at", "now")
    assert rc == 0, out + err
    rc, out, err = cli(project, "run")
    assert rc == 0, out + err
    assert_thread_once(project)


@pytest.mark.parametrize("damage", ["empty", "missing", "empty-database", "state-folder-deleted"])
def test_a_lost_ledger_is_an_error_not_a_fresh_start(project, damage):
    import shutil
    import sqlite3

    sqlite_only("a lost ledger file")
    assert cli(project, "thread", "issue-34", "--to", "outbox")[0] == 0
    ledger = project / ".crosspost" / "ledger.db"
    assert ledger.exists(), sorted(p.name for p in ledger.parent.iterdir())
    for extra in ledger.parent.glob("ledger.db-*"):
        extra.unlink()
    if damage == "empty":
        ledger.write_bytes(b"")
    elif damage == "missing":
        ledger.unlink()
    elif damage == "empty-database":  # a new SQLite file with no tables in its place
        ledger.unlink()
        db = sqlite3.connect(ledger)
        db.execute("PRAGMA journal_mode=WAL")
        db.close()
    else:  # `git clean -xfd` or `rm -rf .crosspost`: the marker beside the ledger goes too
        shutil.rmtree(ledger.parent)
    for command in (
        ["thread", "issue-34", "--to", "outbox"],
        ["status"],
        ["run"],
        ["thread", "issue-34", "--to", "outbox", "--dry-run"],
    ):
        rc, out, err = cli(project, *command)
        assert rc == 2, (command, out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "ledger.db" in lines[0] and "Traceback" not in err, (command, err)
    assert len(outbox_posts(project)) == THREAD  # nothing posted again


def test_moving_the_project_does_not_make_a_new_outbox(project, tmp_path_factory):
    import shutil

    assert cli(project, "thread", "issue-34", "--to", "outbox")[0] == 0
    moved = tmp_path_factory.mktemp("elsewhere") / "newsletter"
    shutil.copytree(project, moved)
    rc, out, err = cli(moved, "thread", "issue-34", "--to", "outbox", "--json")
    assert rc == 0, out + err
    assert json.loads(out)["write_calls"] == 0
    assert_thread_once(moved)


def test_rows_keyed_by_a_legacy_account_are_moved_not_reposted(tmp_path):
    plan = make_plan(tmp_path / "cards", n=3)
    with Ledger(tmp_path / "ledger.db") as ledger:
        publish_plan(plan, FakeAdapter(tmp_path / "f.json", account_id="alice"), ledger)
        renamed = FakeAdapter(tmp_path / "f.json", account_id="17841400000", legacy=["alice"])
        report = publish_plan(plan, renamed, ledger)
        assert report.write_calls == 0 and [r.state for r in report.results] == ["already"] * 3
        assert {r.account for r in ledger.rows()} == {"17841400000"}


def test_a_person_re_running_after_a_500_retries_at_once(project, fake_x):
    env = {"CROSSPOST_DATA_DIR": str(project / "data")}
    fake_x.fail("server-error", method="POST", path="/2/media/upload")
    rc, out, err = cli(project, "thread", "issue-34", env=env)
    assert rc == 1, out + err
    rc, out, err = cli(project, "thread", "issue-34", env=env)
    assert rc == 0, out + err  # not "will retry" for an hour
    assert len(fake_x.live_posts()) == THREAD


def test_cron_waits_out_a_backoff_but_run_now_does_not(project, fake_x):
    now = time.time()
    schedule(project, ["x"], now - 60)
    config = load_config(project)
    fake_x.fail("server-error", method="POST", path="/2/media/upload")
    first = run_due(config, now=now)
    assert first.exit_code == 1 and len(fake_x.live_posts()) == 1  # the opening post has no card
    assert run_due(config, now=now + 1).posted == 0  # cron: within the backoff, nothing is tried
    assert run_due(config, now=now + 2, force=True).posted == THREAD - 1
    assert len(fake_x.live_posts()) == THREAD


def test_a_wait_stored_by_a_clock_two_years_fast_is_over(project, fake_x):
    schedule(project, ["x"], time.time() - 60)
    config = load_config(project)
    fake_x.fail("server-error", method="POST", path="/2/media/upload")
    fast = time.time() + 2 * 365 * DAY
    assert run_due(config, now=fast).exit_code == 1
    with Ledger(state_of(config)) as ledger:
        (row,) = [r for r in ledger.rows() if r.next_attempt_at]
        assert row.next_attempt_at > fast
    assert run_due(config, now=time.time()).exit_code == 0  # the clock is right again: no 2028 wait
    assert len(fake_x.live_posts()) == THREAD


def test_a_platform_hold_is_capped_and_lifted_by_run_now(project):
    config = load_config(project)
    schedule(project, ["outbox:x"], time.time() - 60)
    with Schedule(state_of(config)) as sched:
        with sched._tx() as db:  # a reset stored while the clock ran two years fast
            db.execute(
                "INSERT INTO schedule_holds (platform, until, reason) VALUES (?,?,?)",
                ("outbox", time.time() + 2 * 365 * DAY, "rate limited"),
            )
        assert sched.holds(time.time()) == {}
        sched.hold("outbox", time.time() + 3600, "rate limited")
    assert run_due(config, now=time.time()).posted == 0
    assert run_due(config, now=time.time(), force=True).posted == THREAD


def test_run_now_retries_a_post_held_by_a_rate_limit(project, fake_x):
    schedule(project, ["x"], time.time() - 60)
    config = load_config(project)
    fake_x.fail("rate-limited", method="POST", path="/2/tweets", reset_in=3600)
    assert run_due(config, now=time.time()).exit_code == 1
    with Schedule(state_of(config)) as sched:
        sched.clear_holds()  # only the post's own wait is left
    assert run_due(config, now=time.time()).posted == 0  # the 429's reset is respected by cron...
    assert run_due(config, now=time.time(), force=True).posted == THREAD  # ...and lifted by run --now


def test_the_readme_walkthrough_in_order_publishes_each_thing_once(project):
    """README: thread and cards into the outbox, then schedule the same issue there and run."""
    for command in (
        ["thread", "issue-34", "--to", "outbox"],
        ["cards", "issue-34", "--to", "outbox"],
        ["status"],
        ["schedule", "issue-34", "--to", "outbox", "--at", "now"],
        ["run"],
        ["run"],
    ):
        rc, out, err = cli(project, *command)
        assert rc == 0, (command, out, err)
        assert "changed after part" not in out + err
    assert_thread_once(project)
    (carousel,) = outbox_posts(project, "instagram")
    assert len(carousel["media"]) == STORIES
    assert {e.state for e in entries(project).values()} == {"done"}
