"""Hostile input: how long each class of pathological issue text takes, and what comes of it.

    python benchmarks/bench_hostile.py [--src DIR] [--timeout S]

Each case runs in its own process (CPU seconds of the work itself, imports excluded) and is
stopped after --timeout seconds (default 120). --src runs the cases against another checkout's
`crosspost` package (e.g. an older commit in a git worktree), to measure before and after.
The goal: every case ends in well under a second per 100 KB, with its result or one clear error.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name -> (setup code defining `work`, a function returning a short result)
CASES = {
    "2 KB of U.S.U.S. measured": "text = 'U.S.' * 512\ndef work(): return weighted_length(text)",
    "40 KB of combining marks after a dot, measured": (
        "text = 'a.b' + '\\u0301' * 40000\ndef work(): return weighted_length(text)"
    ),
    "one 8 KB token split into posts": (
        "text = 'It grew in the ' + 'U.S.' * 2048 + ' market.'\ndef work(): return split_to_fit(text, 280, weighted_length)"
    ),
    "72 KB issue, 400 sections: thread planned": (
        "write('issue-7.md', '# Many 7\\n\\n' + ''.join(f'## Section {i}\\n\\n' + 'Some text about it. ' * 8"
        " + '\\n\\n' for i in range(400)))\n"
        "def work(): return len(pipeline.plan(str(tmp / 'issue-7.md'), Config(root=tmp), 'x').plan.posts)"
    ),
    "1 MB HTML, 66,000 nested tables": (
        "write('t.html', '<html><body><h2>A</h2>' + '<table><tr><td>' * 66000 + 'x<h2>B</h2></body></html>')\n"
        "def work(): return parse_issue(tmp / 't.html').title"
    ),
    "1 MB HTML, 330,000 nested <b>": (
        "write('b.html', '<html><body><h2>A</h2><p>' + '<b>' * 330000 + 'x</p><h2>B</h2><p>t</p></body></html>')\n"
        "def work(): return parse_issue(tmp / 'b.html').title"
    ),
    "1.3 MB HTML, 500 chains of tables 249 tags deep": (
        "chain = '<table><tr><td>' * 83 + 'x' + '</td></tr></table>' * 83\n"
        "write('c.html', '<html><body><h2>A</h2><p>a</p>' + chain * 500 + '<h2>B</h2><p>t</p></body></html>')\n"
        "def work(): return len(parse_issue(tmp / 'c.html').stories)"
    ),
    "1 MB Markdown of open brackets": (
        "write('k.md', '# T 7\\n\\n## A\\n\\n' + '[' * 500000 + 'a' + '](x)' * 125000 + '\\n\\n## B\\n\\nt\\n')\n"
        "def work(): return len(parse_issue(tmp / 'k.md').stories)"
    ),
    "1 MB Markdown of unclosed links": (
        "write('l.md', '# T 7\\n\\n## A\\n\\n' + '[a](' * 250000 + '\\n\\n## B\\n\\nt\\n')\n"
        "def work(): return len(parse_issue(tmp / 'l.md').stories)"
    ),
    "0.9 MB Markdown of emphasis": (
        "write('e.md', '# T 7\\n\\n## A\\n\\n' + '*a **b ' * 125000 + '\\n\\n## B\\n\\nt\\n')\n"
        "def work(): return len(parse_issue(tmp / 'e.md').stories)"
    ),
}

RUNNER = """
import sys, tempfile, time
from pathlib import Path
sys.path.insert(0, {src!r})
from crosspost import pipeline
from crosspost.config import Config
from crosspost.errors import InputError
from crosspost.parse import parse_issue
from crosspost.plan.split import split_to_fit
from crosspost.platforms.x.textlen import weighted_length
weighted_length('warm up: import twitter-text https://example.com')
tmp = Path(tempfile.mkdtemp())
(tmp / 'issues').mkdir()
def write(name, text): (tmp / name).write_text(text, encoding='utf-8')
{setup}
t0 = time.process_time()
try:
    result = repr(work())[:40]
except InputError as exc:
    result = 'exit 2: ' + exc.problem[:60]
print(f'{{time.process_time() - t0:.2f}}\\t{{result}}')
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=str(ROOT), help="checkout whose crosspost package to run")
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()
    print(f"crosspost from {args.src}")
    for name, setup in CASES.items():
        code = RUNNER.format(src=args.src, setup=textwrap.dedent(setup))
        try:
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, timeout=args.timeout, cwd=ROOT
            )
            line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "?\t" + out.stderr[-80:]
            seconds, result = line.split("\t", 1)
            print(f"{name:50} {seconds:>7} s CPU  {result}")
        except subprocess.TimeoutExpired:
            print(f"{name:50} over {args.timeout:.0f} s (stopped)")


if __name__ == "__main__":
    main()
