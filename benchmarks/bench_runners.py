"""Due posts claimed and published per second, against the fake X server, by 1, 2 and 4 runners on
this host: the ledger and schedule in the SQLite file, then in PostgreSQL (issue 12).

    python benchmarks/bench_runners.py [ISSUES] [--rounds N]

Each round schedules ISSUES issues (default 20; a five-post thread with three cards each) as due now,
then starts `crosspost run --quiet` in as many processes at once as there are runners (as cron on
that many hosts at the same minute), and again when all have ended, until every entry is done; it reports posts per second of wall time
(every post of every thread, over the whole round) and the median of the rounds. With SQLite the
project's run lock lets one run work at a time, the others find it busy and end; with PostgreSQL the
runners claim entries one by one and publish side by side.

Needs Debian's PostgreSQL server (`apt-get install postgresql`): a throwaway cluster is started with
durability ON (fsync, synchronous_commit, full_page_writes), unlike the test suite's, so both backends
commit to disk as they would in use. The fake X validates every request against X's OpenAPI file, in
this process: it is part of what is measured, the same for both backends.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

POSTS = 5


def issue_text(n: int) -> str:
    return "\n\n".join(
        [f"# Harbour Notes {n}"]
        + [
            f"## {what} of week {n}\n\nIn week {n} the {what.lower()} changed, as the harbour master wrote."
            for what in ("Tides", "Boats", "Nets")
        ]
    )


def one_round(issues: int, runners: int, env: dict, folder: Path, url: str | None) -> float:
    """Seconds until every entry is done."""
    import psycopg

    from crosspost.config import load_config
    from crosspost.ledger import state_of
    from crosspost.schedule import Schedule, build_entries

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith("CROSSPOST_")})
    try:
        config = load_config(folder)
        with Schedule(state_of(config)) as sched:
            for n in range(issues):
                for entry in build_entries(config, f"issue-{n}", ["x"], at="now", now=time.time() - 60):
                    sched.upsert(entry)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    start = time.perf_counter()
    while not _done(folder, url, psycopg):  # as cron on every host at the same minute: all start, all end
        running = [
            subprocess.Popen(
                [sys.executable, "-m", "crosspost", "run", "--quiet"],
                cwd=folder,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(runners)
        ]
        for p in running:
            p.wait()
    return time.perf_counter() - start


def _done(folder: Path, url: str | None, psycopg) -> bool:
    if url is None:
        import sqlite3

        db = sqlite3.connect(folder / ".crosspost" / "ledger.db")
        try:
            return db.execute("SELECT count(*) FROM schedule WHERE state != 'done'").fetchone()[0] == 0
        finally:
            db.close()
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM schedule WHERE state != 'done'").fetchone()[0] == 0


def rates(server, backend: str, runners: int, issues: int, rounds: int) -> list[float]:
    """Posts per second of each round: a fresh project, fake X and (PostgreSQL) database each time."""
    from fakex import CREDENTIAL_ENV, TEST_CREDENTIALS, FakeX
    from pg import new_database

    out = []
    for _ in range(rounds):
        x = FakeX().start()
        try:
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                (folder / "issues").mkdir()
                for n in range(issues):
                    (folder / "issues" / f"issue-{n}.md").write_text(issue_text(n), encoding="utf-8")
                env = dict(os.environ, PYTHONPATH=str(ROOT), CROSSPOST_X_API_URL=x.url)
                env.update({var: TEST_CREDENTIALS[key] for key, var in CREDENTIAL_ENV.items()})
                env.update(CROSSPOST_DATA_DIR=str(folder / ".data"), CROSSPOST_CONFIG_DIR=str(folder / ".config"))
                url = None
                if backend == "postgresql":
                    url = env["CROSSPOST_DATABASE_URL"] = new_database(server, "b")
                seconds = one_round(issues, runners, env, folder, url)
                assert len(x.live_posts()) == issues * POSTS, "not every post went out once"
                out.append(issues * POSTS / seconds)
        finally:
            x.stop()
    return out


def main() -> None:
    args = sys.argv[1:]
    rounds = 3
    if "--rounds" in args:
        i = args.index("--rounds")
        rounds = int(args[i + 1])
        del args[i : i + 2]
    issues = int(args[0]) if args else 20

    import psycopg
    from pg import find_bin_dir, start, stop

    bin_dir = find_bin_dir()
    if bin_dir is None:
        sys.exit("PostgreSQL's server is not installed: apt-get install postgresql")
    server = start(bin_dir)
    try:
        with psycopg.connect(server.url, autocommit=True) as admin:
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                admin.execute(f"ALTER SYSTEM SET {setting} = on")
            admin.execute("SELECT pg_reload_conf()")
        print(f"posts of {issues} five-post threads (3 cards each) to the fake X; median of {rounds} rounds")
        rates(server, "sqlite", 1, issues, 1)  # not counted: bytecode, fonts and files made warm
        for backend in ("sqlite", "postgresql"):
            for runners in (1, 2, 4):
                got = rates(server, backend, runners, issues, rounds)
                print(
                    f"{backend:10s} {runners} runner{'s' if runners > 1 else ' '}: "
                    f"{statistics.median(got):6.1f} posts/s (rounds {min(got):.1f}-{max(got):.1f})"
                )
    finally:
        stop(server)


if __name__ == "__main__":
    main()
