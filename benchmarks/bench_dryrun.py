"""A full dry run of the sample as one process: parse, plan, render 3 cards, preview.

Run: python benchmarks/bench_dryrun.py [runs]   (run from anywhere; uses a temp project dir)
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "issues").mkdir()
        shutil.copy(ROOT / "issues" / "issue-34.txt", Path(tmp) / "issues")
        for command in (["thread", "issue-34", "--dry-run"], ["cards", "issue-34", "--dry-run"]):
            cmd = [sys.executable, "-m", "crosspost", *command]
            subprocess.run(cmd, cwd=tmp, capture_output=True, check=True)  # warm the file cache
            samples = []
            for _ in range(runs):
                t0 = time.perf_counter()
                subprocess.run(cmd, cwd=tmp, capture_output=True, check=True)
                samples.append(time.perf_counter() - t0)
            print(
                f"crosspost {' '.join(command):28s}: {statistics.median(samples) * 1000:7.1f} ms "
                f"(median of {runs}, one process: parse, plan, 3 cards, preview)"
            )


if __name__ == "__main__":
    main()
