"""Kill the publishing process (SIGKILL, no cleanup) at every crash point, then re-run normally.

Each case runs a small script in a fresh interpreter with $CROSSPOST_TEST_KILL_AT set, checks
that it really died there and what the ledger says, then re-runs in-process and checks that every
post is on the platform exactly once, in order, each replying to the one before.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fakeplatform import FakeAdapter, assert_thread_exactly_once, make_plan
from pg import database, new_database, pg_db, pg_server  # noqa: F401 - fixtures: the kills also run with the ledger in PostgreSQL

from crosspost.ledger import Ledger
from crosspost.platforms.outbox.adapter import Adapter as Outbox
from crosspost.publish import KILL_ENV, publish_plan

ROOT = Path(__file__).resolve().parent.parent
N = 10

RUNNER = r"""
import json, sys
from pathlib import Path
from crosspost.ledger import Ledger
from crosspost.publish import publish_plan
from fakeplatform import FakeAdapter, make_plan

target, tmp, delay = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
plan = make_plan(tmp / "cards", n=int(sys.argv[4]))
if target == "outbox":
    from crosspost.platforms.outbox.adapter import Adapter
    adapter = Adapter(tmp / "outbox")
elif target == "x":  # the real X adapter; CROSSPOST_X_API_URL points at a FakeX in the test process
    from crosspost.config import Config
    from crosspost.platforms.x.adapter import Adapter
    adapter = Adapter.from_config(Config(root=tmp))
else:
    adapter = FakeAdapter(tmp / "fake.json", delay=delay)
import os
with Ledger(os.environ.get("CROSSPOST_TEST_LEDGER") or tmp / "state" / "ledger.db") as ledger:
    report = publish_plan(plan, adapter, ledger)
print(json.dumps(report.to_dict()))
"""

POINTS = [f"{when}:{pos}" for pos in range(1, N + 1) for when in ("before-send", "after-send", "after-record")]


def spawn(
    target: str, tmp: Path, kill_at: str | None = None, delay: float = 0.0, extra_env: dict | None = None
) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    env.pop(KILL_ENV, None)
    env.update(extra_env or {})
    if kill_at:
        env[KILL_ENV] = kill_at
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, target, str(tmp), str(delay), str(N)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


LEASE = "2"  # seconds: a killed run's publish lease in a shared database lapses this soon


def kill_all(
    target: str, base: Path, points: list[str] = POINTS, envs: dict | None = None, server=None
) -> dict[str, Path]:
    """Start one process per crash point at once (they share nothing), wait for each to die. With
    a PostgreSQL `server`, each keeps its ledger in a database of its own (CROSSPOST_TEST_LEDGER)."""
    cases = {}
    procs = {}
    for point in points:
        tmp = base / point.replace(":", "-")
        tmp.mkdir()
        cases[point] = tmp
        env = dict((envs or {}).get(point) or {})
        if server is not None:
            env.update(CROSSPOST_TEST_LEDGER=new_database(server, "c"), CROSSPOST_LEASE_SECONDS=LEASE)
            (tmp / "ledger-url").write_text(env["CROSSPOST_TEST_LEDGER"], encoding="utf-8")
        procs[point] = spawn(target, tmp, kill_at=point, extra_env=env)
    for point, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == -signal.SIGKILL, f"{point}: not killed (rc={proc.returncode}) {err[-2000:]}"
    return cases


def ledger_of(tmp: Path):
    """The killed run's ledger: its database, or the SQLite file in its folder."""
    url = tmp / "ledger-url"
    return url.read_text(encoding="utf-8") if url.exists() else tmp / "state" / "ledger.db"


def _server(request):
    return request.getfixturevalue("pg_server") if request.param == "postgresql" else None


def expected_state(point: str) -> str:
    return "posted" if point.startswith("after-record") else "sending"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fake_kills(request, tmp_path_factory):
    return kill_all("fake", tmp_path_factory.mktemp("fake-kills"), server=_server(request))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def outbox_kills(request, tmp_path_factory):
    return kill_all("outbox", tmp_path_factory.mktemp("outbox-kills"), server=_server(request))


@pytest.mark.parametrize("point", POINTS)
def test_fake_platform_survives_kill(fake_kills, point):
    tmp = fake_kills[point]
    when, pos = point.split(":")
    pos = int(pos)
    plan = make_plan(tmp / "cards", n=N)
    fake = FakeAdapter(tmp / "fake.json")
    landed = pos if when != "before-send" else pos - 1
    assert len(fake.live_posts()) == landed  # it died exactly where it was told to
    with Ledger(ledger_of(tmp)) as ledger:
        assert ledger.get(plan.issue_id, "fake", "fake-account", pos).state == expected_state(point)
        report = publish_plan(plan, fake, ledger)
        assert report.exit_code == 0
        resumed = report.results[pos - 1].state
        assert resumed == {"before-send": "posted", "after-send": "adopted", "after-record": "already"}[when]
        assert report.write_calls == N - landed  # nothing sent twice
        assert publish_plan(plan, fake, ledger).write_calls == 0
    assert_thread_exactly_once(fake, [p.text for p in plan.posts])


@pytest.mark.parametrize("point", POINTS)
def test_outbox_survives_kill(outbox_kills, point):
    tmp = outbox_kills[point]
    when, pos = point.split(":")
    pos = int(pos)
    plan = make_plan(tmp / "cards", n=N)
    outbox = Outbox(tmp / "outbox")
    with Ledger(ledger_of(tmp)) as ledger:
        report = publish_plan(plan, outbox, ledger)
        assert report.exit_code == 0
        assert report.write_calls == N - (pos if when != "before-send" else pos - 1)
    files = sorted((tmp / "outbox" / plan.issue_id).glob("*.json"))
    records = [json.loads(f.read_text()) for f in files]
    assert [r["text"] for r in records] == [p.text for p in plan.posts]
    assert [r["reply_to"] for r in records] == [None] + [r["id"] for r in records[:-1]]
    assert not list((tmp / "outbox").rglob("*.tmp"))  # no half-written file is left visible
    index = (tmp / "outbox" / "index.html").read_text()
    assert all(r["id"] in index for r in records)


def test_concurrent_processes_never_double_post(tmp_path, database):
    shared = {"CROSSPOST_TEST_LEDGER": database} if isinstance(database, str) else {}
    procs = [spawn("fake", tmp_path, delay=0.01, extra_env=shared) for _ in range(3)]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        reports.append(json.loads(out))
    assert sum(r["write_calls"] for r in reports) == N
    plan = make_plan(tmp_path / "cards", n=N)
    assert_thread_exactly_once(FakeAdapter(tmp_path / "fake.json"), [p.text for p in plan.posts])


def test_lock_of_a_killed_run_is_released(tmp_path):
    """A SIGKILLed holder must not leave a stale lock: the kernel drops flock with the process."""
    proc = spawn("fake", tmp_path, kill_at="after-send:5")
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    with Ledger(tmp_path / "state" / "ledger.db") as ledger:
        with ledger.lock("issue-34", "fake", "fake-account", timeout=0):
            pass


# -- the real X adapter against the fake X server (tests/fakex.py) -------------------------------

X_POINTS = [f"{when}:{pos}" for pos in (1, 2, 6, 10) for when in ("before-send", "after-send", "after-record")]


def _x_env(server) -> dict:
    from fakex import CREDENTIAL_ENV, TEST_CREDENTIALS

    env = {"CROSSPOST_X_API_URL": server.url}
    env.update({var: TEST_CREDENTIALS[key] for key, var in CREDENTIAL_ENV.items()})
    return env


def assert_x_thread_exactly_once(server, plan) -> None:
    live = server.live_posts()
    assert [p.text for p in live] == [p.text for p in plan.posts]
    assert [p.reply_to for p in live] == [None] + [p.id for p in live[:-1]]
    assert all(len(p.media_ids) == 1 for p in live)
    assert server.violations == []


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def x_kills(request, tmp_path_factory):
    from fakex import FakeX

    servers = {point: FakeX().start() for point in X_POINTS}
    try:
        cases = kill_all(
            "x",
            tmp_path_factory.mktemp("x-kills"),
            X_POINTS,
            {point: _x_env(server) for point, server in servers.items()},
            server=_server(request),
        )
        yield {point: (servers[point], cases[point]) for point in X_POINTS}
    finally:
        for server in servers.values():
            server.stop()


@pytest.mark.parametrize("point", X_POINTS)
def test_x_adapter_survives_kill(x_kills, point):
    server, tmp = x_kills[point]
    when, pos = point.split(":")
    pos = int(pos)
    landed = pos if when != "before-send" else pos - 1
    assert len(server.live_posts()) == landed
    plan = make_plan(tmp / "cards", n=N)
    adapter = server.adapter()
    with Ledger(ledger_of(tmp)) as ledger:
        report = publish_plan(plan, adapter, ledger)
        assert report.exit_code == 0, report.to_dict()
        assert report.write_calls == N - landed
        assert (
            report.results[pos - 1].state
            == {"before-send": "posted", "after-send": "adopted", "after-record": "already"}[when]
        )
        assert publish_plan(plan, adapter, ledger).write_calls == 0
    assert_x_thread_exactly_once(server, plan)
