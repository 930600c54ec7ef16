"""Start-up time of `crosspost --help` against the floor: a bare two-command typer app's --help.

Goal: within 1.3x of the floor, which holds only if --help imports no Pillow, tweepy or instagrapi.
Run: python benchmarks/bench_startup.py [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_APP = '''
import typer
app = typer.Typer()
@app.command()
def one(name: str = "x"):
    """First command."""
@app.command()
def two(name: str = "x"):
    """Second command."""
app()
'''


def timed(cmd: list[str], runs: int) -> float:
    subprocess.run(cmd, capture_output=True, check=True)  # warm the file cache
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_APP)
        floor = timed([sys.executable, str(bare), "--help"], runs)
        ours = timed([sys.executable, "-m", "crosspost", "--help"], runs)
    heavy = subprocess.run(
        [sys.executable, "-c",
         "import sys\nfrom crosspost.cli import app\ntry: app(['--help'])\nexcept SystemExit: pass\n"
         "print('HEAVY=' + ','.join(m for m in ('PIL', 'tweepy', 'instagrapi', 'requests') if m in sys.modules))"],
        capture_output=True, text=True,
    ).stdout.rsplit("HEAVY=", 1)[-1].strip()
    print(f"bare typer app --help : {floor * 1000:7.1f} ms (median of {runs})")
    print(f"crosspost --help      : {ours * 1000:7.1f} ms")
    print(f"ratio                 : {ours / floor:7.2f}x (goal <= 1.30x)")
    print(f"heavy modules imported by --help: {heavy or 'none'}")


if __name__ == "__main__":
    main()
