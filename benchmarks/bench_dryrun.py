"""The sample's dry runs against `crosspost --help` (issue 11: each within 2.0x in CPU time).

    python benchmarks/bench_dryrun.py [rounds] [--src DIR]

One process per command, as a user runs it: `thread issue-34 --dry-run` (parse, plan, 3 cards, preview)
and `cards issue-34 --dry-run` (parse, carousel plan, 3 cards, preview), in paired alternating rounds with
`crosspost --help` (see paired.py). Runs from bytecode, in a throwaway project holding only the sample.
`--src DIR` runs the crosspost in another checkout (e.g. an older commit's, to compare).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from paired import compare, report

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    args = sys.argv[1:]
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if "--src" in args:
        i = args.index("--src")
        env["PYTHONPATH"] = str(Path(args[i + 1]).resolve())
        del args[i : i + 2]
    rounds = int(args[0]) if args else 15
    base = [sys.executable, "-m", "crosspost"]
    commands = {
        "--help": [*base, "--help"],
        "thread issue-34 --dry-run": [*base, "thread", "issue-34", "--dry-run"],
        "cards issue-34 --dry-run": [*base, "cards", "issue-34", "--dry-run"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "issues").mkdir()
        shutil.copy(ROOT / "issues" / "issue-34.txt", Path(tmp) / "issues")
        samples = compare(commands, rounds, cwd=tmp, env=env)
    goals = {name: 2.0 for name in commands if name != "--help"}
    print("\n".join(report(samples, goals)))


if __name__ == "__main__":
    main()
