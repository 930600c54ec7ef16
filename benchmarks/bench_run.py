"""`crosspost run` on an empty queue, as cron starts it every 15 minutes, against the interpreter's own start.

    python benchmarks/bench_run.py [rounds]

Each sample is a fresh process (`python -m crosspost run --quiet`) in a throwaway project: once with no state
at all (its state is removed before each run), once with an existing ledger and an empty schedule; and
`python -c pass` as the floor. Paired alternating rounds, medians of wall and CPU time (see paired.py).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from paired import Sample, report, run

ROOT = Path(__file__).resolve().parent.parent


def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fresh, existing = Path(tmp) / "fresh", Path(tmp) / "existing"
        for project in (fresh, existing):
            (project / "issues").mkdir(parents=True)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        cmd = [sys.executable, "-m", "crosspost", "run", "--quiet"]
        sys.path.insert(0, str(ROOT))
        from crosspost.config import load_config
        from crosspost.ledger import Ledger
        from crosspost.schedule import Schedule

        config = load_config(existing)
        Ledger(config.resolve(config.ledger.path)).close()
        Schedule(config.resolve(config.ledger.path)).close()
        run(cmd, str(existing), env)  # warm the file cache and the bytecode
        samples: dict[str, list[Sample]] = {
            "python -c pass": [],
            "run, no state yet": [],
            "run, ledger + empty schedule": [],
        }
        for _ in range(rounds):
            samples["python -c pass"].append(run([sys.executable, "-c", "pass"], tmp, env))
            shutil.rmtree(fresh / ".crosspost", ignore_errors=True)
            samples["run, no state yet"].append(run(cmd, str(fresh), env))
            samples["run, ledger + empty schedule"].append(run(cmd, str(existing), env))
        assert not any((fresh / "issues").iterdir())
    print("\n".join(report(samples)))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
