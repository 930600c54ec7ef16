"""Progress of long work (issue 11): the library reports events to a `progress` object; the CLI draws
them on stderr only when stderr is a terminal, and never with --json or --quiet."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakefeed import FeedServer, item, substack
from fakeplatform import FakeAdapter, make_plan
from typer.testing import CliRunner

from conftest import ROOT

from crosspost import api
from crosspost.ledger import Ledger, LedgerBusy
from crosspost.publish import publish_plan


class Recorder:
    """A crosspost.progress.Progress that keeps every event."""

    def __init__(self):
        self.events: list[tuple] = []

    def start(self, total, what):
        self.events.append(("start", total, what))

    def advance(self, detail="", *, steps=1):
        self.events.append(("advance", detail, steps))

    def waiting(self, until, why):
        self.events.append(("waiting", until, why))

    def done(self):
        self.events.append(("done",))

    def kinds(self) -> list[str]:
        return [e[0] for e in self.events]

    def steps(self) -> list[str]:
        """The details of the steps that count (steps=1), in order."""
        return [e[1] for e in self.events if e[0] == "advance" and e[2] == 1]


# -- the library -----------------------------------------------------------------------------------


def test_publish_reports_each_card_then_each_post_as_it_goes_out(project):
    prepared = api.plan("issue-34", "x")
    seen = Recorder()
    report = api.publish(prepared, "outbox", project, progress=seen)
    assert report.exit_code == 0 and len(report.results) == 5
    cards, posts = len(prepared.cards), len(prepared.plan.posts)
    assert (cards, posts) == (3, 5)
    assert seen.events[0] == ("start", 3, "rendering cards")
    assert seen.events[1 : 1 + cards] == [("advance", f"card {n}/3 x-0{n}.png", 1) for n in range(1, 4)]
    assert seen.events[1 + cards] == ("done",)
    rest = seen.events[2 + cards :]
    assert rest[0] == ("start", 5, "publishing issue-34 to outbox")
    sending_then_sent = []
    for n in range(1, 6):
        sending_then_sent += [("advance", f"post {n}/5 sending", 0), ("advance", f"post {n}/5 sent", 1)]
    assert rest[1:-1] == sending_then_sent
    assert rest[-1] == ("done",)
    # run again: nothing is sent, each post is still one step
    again = Recorder()
    api.publish(api.plan("issue-34", "x"), "outbox", project, progress=again)
    assert again.steps()[-5:] == [f"post {n}/5 already out" for n in range(1, 6)]


def test_a_rate_limit_is_reported_with_until_when_and_the_bar_still_ends(tmp_path):
    ledger = Ledger(tmp_path / "ledger.db")
    plan = make_plan(tmp_path / "cards", n=4)
    seen = Recorder()
    report = publish_plan(plan, FakeAdapter(tmp_path / "fake.json", script={2: "retry_at"}), ledger, progress=seen)
    ledger.close()
    assert [r.state for r in report.results] == ["posted", "deferred", "pending", "pending"]
    assert seen.events[0] == ("start", 4, "publishing issue-34 to fake") and seen.events[-1] == ("done",)
    steps = seen.steps()
    assert len(steps) == 4  # one step per post of the plan, whatever became of it
    assert steps[0] == "post 1/4 sent"
    assert steps[1].startswith("post 2/4 deferred: ") and "holds it until" in steps[1] and "UTC" in steps[1]
    assert steps[2:] == ["post 3/4 not sent: waiting for post 2", "post 4/4 not sent: waiting for post 2"]
    assert "waiting" not in seen.kinds()  # the engine does not sleep through a rate limit: no countdown


def test_a_real_wait_is_reported_with_its_end(tmp_path, monkeypatch):
    """A platform whose listing lags: the engine sleeps before it concludes a post is not there."""
    import crosspost.publish as engine

    monkeypatch.setattr(engine, "_sleep", lambda s: None)
    ledger = Ledger(tmp_path / "ledger.db")
    plan = make_plan(tmp_path / "cards", n=3)
    fake = FakeAdapter(tmp_path / "fake.json", script={1: "unknown_hidden"}, lookup_settle=60, hidden_for=2)
    publish_plan(plan, fake, ledger)
    seen = Recorder()
    before = time.time()
    report = publish_plan(plan, fake, ledger, progress=seen)
    ledger.close()
    assert report.results[0].state == "adopted"
    waits = [e for e in seen.events if e[0] == "waiting"]
    assert len(waits) == 1
    _, until, why = waits[0]
    assert before < until <= time.time() + 60 and why == "waiting for fake to list post 1 (its listing lags)"
    i = seen.events.index(waits[0])
    assert seen.events[i + 1] == ("advance", "post 1/3 found out already (adopted)", 1)  # the wait is over


def test_a_wait_for_the_publish_lock_is_reported(tmp_path):
    ledger = Ledger(tmp_path / "ledger.db")
    plan = make_plan(tmp_path / "cards", n=2)
    fake = FakeAdapter(tmp_path / "fake.json")
    seen = Recorder()
    with ledger.lock(plan.issue_id, "fake", "fake-account"):  # another run is publishing it
        before = time.time()
        with pytest.raises(LedgerBusy):
            publish_plan(plan, fake, ledger, lock_timeout=0.3, progress=seen)
    ledger.close()
    assert [e[0] for e in seen.events] == ["waiting"]
    _, until, why = seen.events[0]
    assert before + 0.3 <= until <= time.time() + 0.3
    assert why == "another crosspost run is publishing issue-34 to fake"


def test_fetching_a_feed_reports_the_download_and_each_item(project):
    from crosspost.config import load_config
    from crosspost.feeds import fetch_feed

    with FeedServer() as server:
        server.serve("/feed", substack([item(35), item(36)]), content_type="application/rss+xml; charset=utf-8")
        seen = Recorder()
        result = fetch_feed(load_config(project), server.url("/feed"), progress=seen)
    assert len(result.saved) == 2
    assert seen.kinds() == ["start", "advance", "done", "start", "advance", "advance", "done"]
    assert seen.events[0] == ("start", None, f"fetching {server.url('/feed')}")
    assert seen.events[3] == ("start", 2, "reading the feed's items")
    assert [d.split(":")[0] for d in seen.steps()[1:]] == ["item 1/2 saved", "item 2/2 saved"]


# -- the CLI ---------------------------------------------------------------------------------------


def _cli(project: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "crosspost", *args], cwd=project, env=env, timeout=120, capture_output=True, **kw
    )


def _with_stderr_on_a_terminal(project: Path, *args: str) -> tuple[int, bytes, bytes]:
    """Run the CLI with stderr on a pseudo-terminal (stdout piped): (exit code, stdout, stderr)."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "crosspost", *args], cwd=project, env=env, stdout=subprocess.PIPE, stderr=slave
    )
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other end closed (Linux answers EIO)
            break
        if not chunk:
            break
        err += chunk
    assert proc.stdout is not None
    out = proc.stdout.read()
    proc.wait(timeout=120)
    os.close(master)
    return proc.returncode, out, err


def _no_progress(text: str) -> None:
    assert "\x1b" not in text and "rendering cards" not in text and "publishing issue-34" not in text


def test_piped_output_has_no_progress(project):
    res = _cli(project, "thread", "--to", "outbox", text=True)
    assert res.returncode == 0 and res.stderr == ""
    _no_progress(res.stdout)
    assert [line.split()[:4] for line in res.stdout.splitlines()[:5]] == [
        ["outbox", "issue-34", str(n), "posted"] for n in range(1, 6)
    ]
    dry = _cli(project, "cards", "--dry-run", text=True)
    assert dry.returncode == 0 and dry.stderr == ""
    _no_progress(dry.stdout)


def test_a_terminal_shows_progress_on_stderr_only(project, tmp_path_factory):
    code, out, err = _with_stderr_on_a_terminal(project, "thread", "--to", "outbox")
    assert code == 0
    shown = err.decode()
    assert "rendering cards" in shown and "card 3/3" in shown
    assert "publishing issue-34 to outbox" in shown and "post 5/5 sent" in shown
    _no_progress(out.decode())  # stdout is a pipe: the report, as it would be without a terminal
    assert len(out.decode().splitlines()) == 5 + 1  # five posts and the summary line
    piped = _cli(project, "thread", "--to", "outbox", text=True)  # the same run again, piped
    again_code, again_out, _ = _with_stderr_on_a_terminal(project, "thread", "--to", "outbox")
    assert again_code == piped.returncode == 0 and again_out.decode() == piped.stdout  # byte for byte


@pytest.mark.parametrize("flag", [["--quiet"], ["--json"]])
def test_json_and_quiet_show_no_progress_even_on_a_terminal(project, flag):
    args = ["--quiet", "thread", "--to", "outbox"] if flag == ["--quiet"] else ["thread", "--to", "outbox", "--json"]
    code, out, err = _with_stderr_on_a_terminal(project, *args)
    assert code == 0 and err == b""
    if flag == ["--json"]:
        assert json.loads(out)["counts"] == {"posted": 5}


def test_the_terminal_check_decides(project, monkeypatch):
    """In process: the CLI asks cli._stderr_is_terminal; replacing it shows the display anywhere."""
    from crosspost import cli

    runner = CliRunner()
    res = runner.invoke(cli.app, ["thread", "--dry-run"])
    assert res.exit_code == 0 and res.stderr == ""
    monkeypatch.setattr(cli, "_stderr_is_terminal", lambda: True)
    res = runner.invoke(cli.app, ["thread", "--dry-run"])
    assert res.exit_code == 0 and "rendering cards" in res.stderr and "card 3/3 x-03.png" in res.stderr
    _no_progress(res.stdout)
    res = runner.invoke(cli.app, ["thread", "--to", "outbox"])
    assert res.exit_code == 0 and "post 5/5 sent" in res.stderr
    res = runner.invoke(cli.app, ["thread", "--to", "outbox", "--json"])
    assert res.exit_code == 0 and res.stderr == ""


def test_run_shows_progress_and_its_log_lines_on_a_terminal(project):
    assert _cli(project, "schedule", "issue-34", "--to", "outbox:x", "--at", "now").returncode == 0
    code, out, err = _with_stderr_on_a_terminal(project, "run")
    assert code == 0, err
    shown = err.decode()
    assert "publishing issue-34 to outbox" in shown
    # the action log still prints, above the bar, each line whole (its URL not broken at 80 columns)
    assert re.search(r"Z issue-34 outbox:x posted 5/5 file://\S+/005-\w+\.json\r?\n", shown), shown
    assert b"Published 5 posts" in out
