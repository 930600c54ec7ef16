"""`crosspost show` on the sample against `crosspost --help` (goal: within 1.5x).

    python benchmarks/bench_show.py [pairs]

Runs the two commands in alternation (paired runs, so machine noise hits both alike) and prints
the median of each and of the per-pair ratio, in wall time and in the CPU time of the child.
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(cmd: list[str], cwd: str) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, capture_output=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "issues").mkdir()
        shutil.copy(ROOT / "issues" / "issue-34.txt", Path(tmp) / "issues")
        show = [sys.executable, "-m", "crosspost", "show", "issue-34"]
        helps = [sys.executable, "-m", "crosspost", "--help"]
        run(show, tmp), run(helps, tmp)  # warm the file cache
        rows = [(run(helps, tmp), run(show, tmp)) for _ in range(pairs)]
    for k, what in ((0, "wall"), (1, "CPU")):
        h = statistics.median(r[0][k] for r in rows)
        s = statistics.median(r[1][k] for r in rows)
        ratio = statistics.median(r[1][k] / r[0][k] for r in rows)
        print(f"{what:4}: --help {1000 * h:6.1f} ms, show issue-34 {1000 * s:6.1f} ms: {ratio:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()
