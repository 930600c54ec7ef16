"""Shared fixtures. Every test runs with its own config/data dirs and no real credentials."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI machines are slow and shared: no per-example deadlines (speed lives in benchmarks/, not tests)
settings.register_profile("crosspost", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("crosspost")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "issues" / "issue-34.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory, monkeypatch):
    """No test sees the developer's secrets, session files or real API URLs."""
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith("CROSSPOST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CROSSPOST_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("CROSSPOST_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("CROSSPOST_X_API_URL", "http://127.0.0.1:9")  # discard port: never the real API
    waits: list[float] = []
    monkeypatch.setattr("crosspost.publish._sleep", waits.append)  # in-process runs skip lookup_settle's waits
    yield


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A newsletter folder with the shipped sample issue, as the working directory."""
    (tmp_path / "issues").mkdir()
    shutil.copy(SAMPLE, tmp_path / "issues" / SAMPLE.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_until_done(plan, adapter, ledger, max_runs: int = 6) -> list:
    """Re-run a publish like cron would, each run a day after the last (past any backoff or reset)."""
    from crosspost.publish import publish_plan

    reports = []
    start = time.time()
    for day in range(1, max_runs + 1):
        report = publish_plan(plan, adapter, ledger, now=lambda: start + day * 86400)
        reports.append(report)
        if report.exit_code == 0:
            return reports
    raise AssertionError(f"not done after {max_runs} runs: {[r.to_dict() for r in reports]}")


def cli_env(home: Path, **values: str) -> dict[str, str]:
    """The environment of a `crosspost` subprocess: none of the developer's CROSSPOST_* values, config and data
    under `home`, this checkout first on the path, wide columns (no wrapped lines); then `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSPOST_")}
    env.update(
        PYTHONPATH=str(ROOT),
        COLUMNS="200",
        CROSSPOST_CONFIG_DIR=str(home / "config"),
        CROSSPOST_DATA_DIR=str(home / "data"),
    )
    env.update(values)
    return env


def run_cli(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m crosspost ARGS` in `cwd`, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "crosspost", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
