"""Wall time of `crosspost run` on an empty queue, as cron starts it every 15 minutes.

Each sample is a fresh process (`python -m crosspost run --quiet`) in a throwaway project: once
with no state at all, once with an existing ledger and an empty schedule. Prints the median of N.
Usage: python benchmarks/bench_run.py [N]
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


def sample(project: Path, env: dict) -> float:
    start = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-m", "crosspost", "run", "--quiet"], cwd=project, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    assert res.returncode == 0 and res.stdout == "" and res.stderr == "", res
    return elapsed


def main(n: int = 15) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "issues").mkdir()
        env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            CROSSPOST_DATA_DIR=str(project / "data"),
            CROSSPOST_CONFIG_DIR=str(project / "config"),
        )
        baseline = [_python_startup(env) for _ in range(n)]
        fresh = [sample(project, env) for _ in range(n)]
        sys.path.insert(0, str(ROOT))
        from crosspost.config import load_config
        from crosspost.ledger import Ledger
        from crosspost.schedule import Schedule

        config = load_config(project)
        Ledger(config.resolve(config.ledger.path)).close()
        Schedule(config.resolve(config.ledger.path)).close()
        existing = [sample(project, env) for _ in range(n)]
    print(f"python -c pass (interpreter start)      median {statistics.median(baseline) * 1000:6.0f} ms")
    print(f"crosspost run, no state yet            median {statistics.median(fresh) * 1000:6.0f} ms (n={n})")
    print(f"crosspost run, ledger + empty schedule median {statistics.median(existing) * 1000:6.0f} ms (n={n})")


def _python_startup(env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
