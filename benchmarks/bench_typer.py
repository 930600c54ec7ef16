"""What typer 0.29's pydantic option parsing would cost every crosspost command (why pyproject.toml holds typer < 0.29).

    python benchmarks/bench_typer.py [rounds]

typer 0.29 builds a pydantic TypeAdapter for every parameter of the command it runs, so every command imports
pydantic and generates schemas before doing anything. This runs one small command shaped like crosspost's
(`thread --dry-run --limit 3`: four options, no work) with the installed typer and with typer 0.29.1 in a
throwaway venv (created with pip on first use, kept in the system temp folder), in paired alternating rounds.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from paired import compare, report

APP = """from typing import Annotated, Optional
import typer
app = typer.Typer()
@app.command()
def thread(issue: Optional[str] = None, dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
           limit: Optional[int] = None, mode: Optional[str] = None):
    pass
@app.command()
def cards(out: Optional[str] = None):
    pass
app()
"""


def venv_with(requirement: str) -> Path:
    folder = Path(tempfile.gettempdir()) / f"crosspost-bench-{requirement.replace('=', '')}"
    python = folder / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", requirement], check=True)
    return python


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    import typer

    newer = venv_with("typer==0.29.1")
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "app.py"
        app.write_text(APP, encoding="utf-8")
        args = [str(app), "thread", "--dry-run", "--limit", "3"]
        samples = compare(
            {f"typer {typer.__version__}": [sys.executable, *args], "typer 0.29.1": [str(newer), *args]}, rounds
        )
    print("\n".join(report(samples)))


if __name__ == "__main__":
    main()
