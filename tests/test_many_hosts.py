"""Many hosts, one ledger (issue 12): four runners, each in a working folder of its own under a host
name of its own, share one PostgreSQL database, one fake X and one fake Mastodon. Fifty issues are
due on both platforms; runners are SIGKILLed at random and started again (as cron would) until the
schedule is done. Every post must then be on its platform exactly once, in order, each thread unbroken.

CROSSPOST_SIM_ISSUES and CROSSPOST_SIM_SEED change the size and the kills (the seed is in the
failure message, to replay a run).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import psycopg
from fakemastodon import fake_mastodon  # noqa: F401 - fixture
from fakex import fake_x  # noqa: F401 - fixture
from pg import pg_db, pg_server  # noqa: F401 - fixtures

from crosspost.config import load_config
from crosspost.schedule import Schedule, build_entries

ROOT = Path(__file__).resolve().parent.parent
HOSTS = 4
POSTS = 5  # an issue's thread: opening, three stories, closing
LEASE = "2"  # seconds before another runner may take over from a killed one
DEADLINE = 420.0


def issue_text(n: int) -> str:
    return f"""# Harbour Notes {n}

## Tides of week {n}

The tide tables for week {n} moved again, and the harbour master explained why in a long letter.

## Boats seen in week {n}

Eleven boats came in during week {n}, two more than the week before.

## A reader writes about week {n}

A reader wrote in about week {n}: the fog horn is louder than it used to be.
"""


def test_four_hosts_killed_at_random_post_everything_exactly_once(tmp_path, pg_db, fake_x, fake_mastodon):
    issues = int(os.environ.get("CROSSPOST_SIM_ISSUES", "50"))
    seed = int(os.environ.get("CROSSPOST_SIM_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    numbers = range(101, 101 + issues)
    hosts = []
    for h in range(1, HOSTS + 1):
        folder = tmp_path / f"host-{h}"
        (folder / "issues").mkdir(parents=True)
        for n in numbers:
            (folder / "issues" / f"issue-{n}.md").write_text(issue_text(n), encoding="utf-8")
        env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            CROSSPOST_DATABASE_URL=pg_db,
            CROSSPOST_RUNNER=f"host-{h}",
            CROSSPOST_LEASE_SECONDS=LEASE,
            CROSSPOST_DATA_DIR=str(folder / ".data"),
            CROSSPOST_CONFIG_DIR=str(folder / ".config"),
        )
        hosts.append((folder, env))

    os.environ["CROSSPOST_DATABASE_URL"] = pg_db  # scheduled once, from the first host's folder
    try:
        config = load_config(hosts[0][0])
        now = time.time() - 60
        with Schedule(pg_db) as sched:
            for n in numbers:
                for entry in build_entries(config, f"issue-{n}", ["x", "mastodon"], at="now", now=now):
                    sched.upsert(entry)
    finally:
        del os.environ["CROSSPOST_DATABASE_URL"]

    running: dict[int, subprocess.Popen] = {}
    finished: list[tuple[int, int, str]] = []
    kills, max_kills = 0, 12
    started = time.monotonic()
    where = f"(seed {seed}; CROSSPOST_SIM_SEED={seed} replays the kills)"
    while True:
        for h, (folder, env) in enumerate(hosts):
            proc = running.get(h)
            if proc is not None and proc.poll() is not None:
                _, err = proc.communicate()
                finished.append((h, proc.returncode, err))
                del running[h]
            if h not in running:
                running[h] = subprocess.Popen(
                    [sys.executable, "-m", "crosspost", "run", "--quiet"],
                    cwd=folder,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
        if _all_done(pg_db):
            break
        assert time.monotonic() - started < DEADLINE, f"not done after {DEADLINE:g}s {where}: {_states(pg_db)}"
        time.sleep(rng.uniform(0.2, 1.2))
        if kills < max_kills and running and rng.random() < 0.6:
            h = rng.choice(sorted(running))
            running[h].send_signal(signal.SIGKILL)  # a host dies mid-whatever: power cut, OOM killer
            kills += 1
    for proc in running.values():
        proc.wait(timeout=120)
    shutil.rmtree(tmp_path / "host-1" / "out", ignore_errors=True)

    for h, rc, err in finished:
        if rc == -signal.SIGKILL:
            continue
        assert rc in (0, 1), f"host-{h + 1} exited {rc} {where}: {err}"
        assert "Traceback" not in err, f"host-{h + 1} {where}: {err}"
    assert kills > 0

    x_threads: dict[int, list] = defaultdict(list)
    for post in fake_x.live_posts():
        x_threads[_issue(post.text)].append(post)
    m_threads: dict[int, list] = defaultdict(list)
    for status in fake_mastodon.live_statuses():
        m_threads[_issue(status.text)].append(status)
    assert sorted(x_threads) == list(numbers) and sorted(m_threads) == list(numbers), where
    for n in numbers:
        x = x_threads[n]
        assert len(x) == POSTS and len({p.text for p in x}) == POSTS, (n, [p.text[:40] for p in x], where)
        assert [p.reply_to for p in x] == [None] + [p.id for p in x[:-1]], (n, where)  # in order, unbroken
        assert [p.text.rstrip().endswith(f"{i}/{POSTS}") for i, p in enumerate(x, 1)] == [True] * POSTS, (n, where)
        m = m_threads[n]
        assert len(m) == POSTS and len({s.text for s in m}) == POSTS, (n, [s.text[:40] for s in m], where)
        assert [s.in_reply_to_id for s in m] == [None] + [s.id for s in m[:-1]], (n, where)
    assert fake_x.violations == [] and fake_mastodon.violations == [], where


def _issue(text: str) -> int:
    found = re.search(r"\b(1\d\d)\b", text)
    assert found, text
    return int(found.group(1))


def _all_done(url: str) -> bool:
    with psycopg.connect(url) as conn:
        pending = conn.execute("SELECT count(*) FROM schedule WHERE state != 'done'").fetchone()[0]
        total = conn.execute("SELECT count(*) FROM schedule").fetchone()[0]
    return total > 0 and pending == 0


def _states(url: str) -> list:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT state, count(*), max(error) FROM schedule GROUP BY state").fetchall()
