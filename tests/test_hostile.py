"""Hostile issue files: each class once made crosspost crawl for seconds to minutes (while holding
the run lock under cron) or plan hundreds of posts. Through the CLI, each must now end with its
result well inside a generous timeout: these tests assert the exit code and the message, never the
time (benchmarks/bench_hostile.py measures that). Sizes are where the old code took minutes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TIMEOUT = 20  # seconds; the fixed code needs a few, the old one took from 40 s to many minutes


def run(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crosspost", *args], cwd=project, capture_output=True, text=True, timeout=TIMEOUT
    )


def one_line_error(res: subprocess.CompletedProcess, name: str, *fragments: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stderr[-500:])
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr[-500:]
    for fragment in (name, *fragments):
        assert fragment in lines[0], lines[0]


def issue(project: Path, name: str, text: str) -> str:
    (project / "issues" / name).write_text(text, encoding="utf-8")
    return "issues/" + name


def markdown(*stories: tuple[str, str]) -> str:
    return "# Hostile issue 7\n\n" + "".join(f"## {head}\n\n{body}\n\n" for head, body in stories)


# ------------------------------------------------------------------ the length counter (URL regex)


@pytest.mark.parametrize(
    "word",
    ["U.S." * 2048, "a.b" + "\u0301" * 100_000],
    ids=["8 KB of dotted acronyms in one word", "100 KB of combining marks after a dot"],
)
def test_a_huge_url_like_word_is_measured_at_once_and_refused(project, word):
    ref = issue(
        project,
        "issue-7.md",
        markdown(("Normal", "A normal story. It reads well."), ("Hostile", f"It grew in the {word} market.")),
    )
    res = run(project, "thread", ref, "--dry-run", "--mode", "full")
    one_line_error(res, "issue-7.md", "is longer than a whole post")
    res = run(project, "thread", ref, "--dry-run", "--json")  # summary: the headline stands alone
    assert res.returncode == 0, res.stderr[-500:]


# ------------------------------------------------------------------ caps on cards and posts


def test_four_hundred_sections_are_refused_not_planned_as_402_posts(project):
    ref = issue(
        project,
        "issue-7.md",
        markdown(*[(f"Section {i}", f"Item {i} is here. It has two sentences.") for i in range(400)]),
    )
    for command in ("thread", "cards"):
        one_line_error(run(project, command, ref, "--dry-run"), "issue-7.md", "400 stories", "at most 50")
    assert run(project, "show", ref).returncode == 0  # reading it is fine: only posting is capped
    assert not (project / "out").exists()


def test_a_thread_over_the_post_cap_is_refused(project):
    body = " ".join(f"Sentence {j} of this section is here, and it goes on for a while." for j in range(25))
    ref = issue(project, "issue-7.md", markdown(*[(f"Section {i}", body) for i in range(40)]))  # 70 KB
    full = ("thread", ref, "--dry-run", "--mode", "full", "--limit", "40")  # short posts: ~2,000 of them
    one_line_error(run(project, *full), "issue-7.md", "thread would be", "at most 1000", "--mode summary")
    assert run(project, "thread", ref, "--dry-run", "--limit", "40").returncode == 0  # 42 posts in summary


# ------------------------------------------------------------------ parsing


def test_deeply_nested_html_is_refused_after_one_pass(project):
    ref = issue(
        project,
        "issue-7.html",
        "<html><body><h2>A</h2>" + "<table><tr><td>" * 66_000 + "x<h2>B</h2><p>t</p></body></html>",
    )  # 1 MB, 200,000 levels
    one_line_error(run(project, "show", ref), "issue-7.html", "nested too deeply")


def test_nested_tables_within_the_depth_limit_read_in_linear_time(project):
    chain = "<table><tr><td>" * 83 + "x" + "</td></tr></table>" * 83  # 249 levels, 2,700 bytes
    ref = issue(
        project,
        "issue-7.html",
        "<html><body><h2>A</h2><p>First story.</p>" + chain * 500 + "<h2>B</h2><p>Second story.</p></body></html>",
    )  # 1.3 MB
    res = run(project, "show", ref, "--json")
    assert res.returncode == 0, res.stderr[-500:]
    assert '"headline": "B"' in res.stdout


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("[" * 1_500_000, "link brackets"),
        ("[a](" * 500_000, "link brackets"),
        ("*a **b " * 500_000, "emphasis markers"),
    ],
    ids=["1.5 MB of open brackets", "2 MB of unclosed links", "3.5 MB of emphasis"],
)
def test_markdown_made_of_markup_is_refused_before_markdown_it_reads_it(project, body, what):
    ref = issue(project, "issue-7.md", markdown(("A", body), ("B", "text")))
    one_line_error(run(project, "show", ref), "issue-7.md", what, "more than any newsletter")
