"""Start-up of `crosspost --help` against its floor: the `--help` of a bare typer app with as many commands.

    python benchmarks/bench_startup.py [pairs] [--src DIR]

The bare app imports nothing of ours: typer only, one command per crosspost command (same names, one
option each), typer's defaults (shell completion on, like crosspost). Goal (issue 9): crosspost within
1.1x of it, which holds only while `--help` imports none of Pillow, tweepy, instagrapi, requests.
The two run in alternation (paired runs, so machine noise hits both alike); printed are the median of
each and of the per-pair ratio, in wall time and in the CPU time of the child process. `--src DIR`
runs the crosspost in another checkout (e.g. an older commit's, to compare).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from paired import compare, report

HEAVY = ("PIL", "tweepy", "instagrapi", "requests", "bs4", "yaml", "sqlite3")


def bare_app(commands: list[str], groups: dict[str, list[str]] | None = None) -> str:
    """A typer app with the same commands, and the same groups of sub-commands (`crosspost db ...`)."""
    body = "".join(
        f'\n@app.command("{name}")\ndef command_{i}(name: str = "x"):\n    """The {name} command."""\n'
        for i, name in enumerate(commands)
    )
    for g, (group, subs) in enumerate((groups or {}).items()):
        body += f'\ngroup_{g} = typer.Typer(help="The {group} commands.")\napp.add_typer(group_{g}, name="{group}")\n'
        body += "".join(
            f'\n@group_{g}.command("{name}")\ndef group_{g}_{i}(name: str = "x"):\n    """The {name} command."""\n'
            for i, name in enumerate(subs)
        )
    return f"import typer\napp = typer.Typer()\n{body}\napp()\n"


def main() -> None:
    args = sys.argv[1:]
    src = None
    if "--src" in args:
        i = args.index("--src")
        src = str(Path(args[i + 1]).resolve())
        del args[i : i + 2]
    pairs = int(args[0]) if args else 21
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # both run from bytecode, as installed: typer's is compiled at install
    if src:
        env["PYTHONPATH"] = src
    probe = (
        "import sys\nfrom crosspost.cli import app\ntry: app(['--help'])\nexcept SystemExit: pass\n"
        f"print('\\nCOMMANDS=' + ','.join(c.name or c.callback.__name__ for c in app.registered_commands))\n"
        "print('GROUPS=' + ';'.join(g.name + ':' + '+'.join(c.name or c.callback.__name__"
        " for c in g.typer_instance.registered_commands) for g in app.registered_groups))\n"
        f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env).stdout
    commands = out.rsplit("COMMANDS=", 1)[1].split("\n", 1)[0].split(",")
    listed = out.rsplit("GROUPS=", 1)[1].split("\n", 1)[0] if "GROUPS=" in out else ""
    groups = {g.split(":")[0]: g.split(":")[1].split("+") for g in listed.split(";") if g}
    heavy = out.rsplit("HEAVY=", 1)[1].strip()
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(bare_app(commands, groups), encoding="utf-8")
        floor = [sys.executable, str(bare), "--help"]
        script = Path(sys.executable).parent / "crosspost"  # what a user runs (pip's entry-point script)
        ours = [sys.executable, *([str(script)] if script.is_file() else ["-m", "crosspost"]), "--help"]
        samples = compare({"bare typer --help": floor, "crosspost --help": ours}, pairs, env=env)
    grouped = "".join(f" + {name} ({len(subs)})" for name, subs in groups.items())
    print(
        f"crosspost{' from ' + src if src else ''}: {len(commands)} commands{grouped}; bare typer app: the same; "
        f"{pairs} pairs"
    )
    print("\n".join(report(samples, {"crosspost --help": 1.1})))
    print(f"heavy modules imported by --help: {heavy or 'none'}")


if __name__ == "__main__":
    main()
