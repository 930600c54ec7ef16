"""`crosspost show` on the sample against `crosspost --help` (goal: within 1.5x).

    python benchmarks/bench_show.py [pairs]

Runs the two commands in alternation (paired runs, so machine noise hits both alike) and prints
the median of each and of the per-pair ratio, in wall time and in the CPU time of the child.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from paired import compare, report

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "issues").mkdir()
        shutil.copy(ROOT / "issues" / "issue-34.txt", Path(tmp) / "issues")
        base = [sys.executable, "-m", "crosspost"]
        samples = compare({"--help": [*base, "--help"], "show issue-34": [*base, "show", "issue-34"]}, pairs, cwd=tmp)
    print("\n".join(report(samples, {"show issue-34": 1.5})))


if __name__ == "__main__":
    main()
