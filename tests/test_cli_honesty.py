"""The CLI says what is true: --quiet is quiet, URLs stay whole, schedule warns, run says what
there is, and --help shows no value for flags that take none. Real processes, real files."""

from __future__ import annotations

import time

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import typer.main

from crosspost.cli import app
from test_cli import run

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def run_in_terminal(*args: str, cwd: Path, columns: int) -> str:
    """crosspost on a pseudo-terminal `columns` wide, as a person sees it (colour codes removed)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(columns))
    proc = subprocess.Popen(
        [sys.executable, "-m", "crosspost", *args], cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave
    )
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(timeout=120) == 0, out.decode(errors="replace")
    return ANSI.sub("", out.decode()).replace("\r", "")


# ---------------------------------------------------------------- --quiet


def test_quiet_dry_runs_print_nothing(project):
    for args in (
        ["thread", "--dry-run"],
        ["cards", "--dry-run"],
        ["schedule", "issue-34", "--to", "outbox", "--dry-run"],
    ):
        res = run("--quiet", *args, cwd=project)
        assert res.returncode == 0, res.stderr
        assert res.stdout == "" and res.stderr == "", args
    assert sorted(p.name for p in (project / "out" / "issue-34").iterdir())  # the cards were still rendered
    assert run("--quiet", "thread", "--dry-run", "--json", cwd=project).stdout.startswith("{")  # asked for


# ---------------------------------------------------------------- status


def test_status_keeps_every_url_whole_on_a_narrow_terminal(project):
    assert run("thread", "issue-34", "--to", "outbox", cwd=project).returncode == 0
    urls = [row["url"] for row in json.loads(run("status", "--json", cwd=project).stdout)]
    assert len(urls) == 5 and all(len(u) > 60 for u in urls)

    narrow = run_in_terminal("status", cwd=project, columns=50)
    piped = run("status", cwd=project).stdout
    for url in urls:
        assert url in narrow and url in piped


# ---------------------------------------------------------------- schedule warnings


def test_schedule_warns_of_a_past_time_and_missing_credentials_but_schedules(project):
    res = run("schedule", "issue-34", "--to", "x,outbox", "--at", "2020-01-06 09:00", cwd=project)

    assert res.returncode == 0, res.stderr
    assert res.stderr.splitlines() == [
        "crosspost: warning: --at 2020-01-06 09:00 UTC is in the past: posting at the next run",
        "crosspost: warning: no X credentials yet: set CROSSPOST_X_API_KEY, CROSSPOST_X_API_SECRET, "
        "CROSSPOST_X_ACCESS_TOKEN, CROSSPOST_X_ACCESS_SECRET or run `crosspost login x` before it is due",
    ]
    assert "x " in run("schedule", "--list", cwd=project).stdout  # scheduled all the same


def test_schedule_in_the_future_with_credentials_says_nothing_extra(project):
    creds = {
        "CROSSPOST_X_API_KEY": "k",
        "CROSSPOST_X_API_SECRET": "s",
        "CROSSPOST_X_ACCESS_TOKEN": "1-t",
        "CROSSPOST_X_ACCESS_SECRET": "a",
    }
    next_year = time.gmtime().tm_year + 1  # in the future, and well inside schedule's ten-year limit
    res = run("schedule", "issue-34", "--to", "x,outbox", "--at", f"{next_year}-01-05 09:00", cwd=project, env=creds)
    assert res.returncode == 0 and res.stderr == ""


# ---------------------------------------------------------------- run


def test_run_says_what_the_schedule_holds_when_nothing_is_due(project):
    assert run("run", cwd=project).stdout.strip() == "Nothing scheduled."
    assert run("schedule", "issue-34", "--to", "outbox:x", "--at", "now", cwd=project).returncode == 0
    assert run("run", cwd=project).stdout.startswith("Published 5 posts")

    again = run("run", cwd=project)

    assert again.returncode == 0
    assert again.stdout.strip() == "Nothing due: nothing left to send (1 done; see crosspost schedule --list)."


# ---------------------------------------------------------------- --help


def test_flags_take_no_value_and_help_shows_none(project):
    root = typer.main.get_command(app)
    commands = [root, *root.commands.values()]
    typers = ("help", "install_completion", "show_completion")  # typer's own; the --help output below covers them
    flags = [p for c in commands for p in c.params if getattr(p, "is_flag", False) and p.name not in typers]
    assert len(flags) >= 13
    assert [p.name for p in flags if p.metavar != ""] == []  # typer 0.29 prints `<bool>` for None
    numbering = next(p for p in root.commands["thread"].params if p.name == "numbering")
    assert not numbering.show_default  # its default is "from crosspost.toml", not --no-numbering
    for name in [None, *root.commands]:
        res = run(*([name] if name else []), "--help", cwd=project, env={"COLUMNS": "200"})
        assert res.returncode == 0 and "<bool>" not in res.stdout and "[default: no-" not in res.stdout
