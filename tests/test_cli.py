"""The CLI as a user runs it: a real process, real files, stdout/stderr and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLE


def _app_commands() -> list[str]:
    """Every command the app registers, read from the app itself: a new command cannot go untested."""
    from crosspost.cli import app

    return sorted(c.name or c.callback.__name__ for c in app.registered_commands)


COMMANDS = _app_commands()


def test_the_command_list_comes_from_the_app():
    assert {
        "show",
        "thread",
        "cards",
        "status",
        "schedule",
        "unschedule",
        "fetch",
        "run",
        "cron",
        "undo",
        "login",
        "doctor",
    } <= set(COMMANDS)


def run(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "crosspost", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def test_help_lists_every_command(project):
    res = run("--help", cwd=project)
    assert res.returncode == 0
    for name in COMMANDS:
        assert name in res.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(project, command):
    res = run(command, "--help", cwd=project)
    assert res.returncode == 0, res.stderr
    assert "Usage" in res.stdout


def test_help_imports_no_heavy_library(project):
    code = (
        "import sys\nfrom crosspost.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('HEAVY=' + ','.join(m for m in ('PIL', 'tweepy', 'instagrapi', 'requests', 'bs4', 'yaml') "
        "if m in sys.modules))"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True)
    assert res.stdout.rsplit("HEAVY=", 1)[1].strip() == ""


def test_help_needs_no_unicode_width_table(project):
    """A character wider than a byte in the top-level help (an em dash) makes rich load its width table: 15 ms,
    8% of `crosspost --help`, whose goal is 1.1x of a bare typer app (benchmarks/bench_startup.py)."""
    code = (
        "import sys\nfrom crosspost.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('TABLES=' + ','.join(m for m in sys.modules if m.startswith('rich._unicode_data.unicode')))"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True, env={**os.environ, "COLUMNS": "100"}
    )
    assert res.stdout.rsplit("TABLES=", 1)[1].strip() == ""


def test_show_json_of_the_sample(project):
    res = run("show", "issue-34", "--json", cwd=project)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["id"] == "issue-34" and data["number"] == 34
    assert [s["headline"] for s in data["stories"]] == [
        "Ant Group Launches New Blockchain Solution",
        "The New Report on China’s Movie Market",
        "Alibaba’s New Influencer Strategy = Europe",
    ]
    assert [s["emoji"] for s in data["stories"]] == ["🐜", "🎬", "🇪🇺"]


def test_latest_issue_is_the_default(project):
    res = run("show", "--json", cwd=project)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["id"] == "issue-34"


def test_thread_dry_run_json(project):
    from crosspost import weighted_length

    res = run("thread", "issue-34", "--dry-run", "--json", cwd=project)
    assert res.returncode == 0, res.stderr
    plan = json.loads(res.stdout)
    assert plan["platform"] == "x" and plan["mode"] == "summary"
    posts = plan["posts"]
    assert len(posts) == 5  # opening, three stories, closing
    for post in posts:
        assert post["weighted_length"] == weighted_length(post["text"]) <= 280
    cards = [m for p in posts for m in p["media"]]
    assert len(cards) == 3
    for card in cards:
        assert card["alt_text"] and len(card["alt_text"]) <= 1000
        assert (project / card["path"]).exists() or Path(card["path"]).exists()
    assert not (project / ".crosspost").exists(), "a dry run must not touch the ledger"


def test_thread_full_mode_and_limit(project):
    res = run("thread", "--dry-run", "--json", "--mode", "full", "--limit", "200", "--no-numbering", cwd=project)
    assert res.returncode == 0, res.stderr
    posts = json.loads(res.stdout)["posts"]
    assert all(p["weighted_length"] <= 200 for p in posts)
    assert len(posts) > 5
    assert not any(p["text"].rstrip().endswith(f"/{len(posts)}") for p in posts)


def test_cards_dry_run_json(project, tmp_path):
    from PIL import Image

    out = tmp_path / "cards-out"
    res = run("cards", "issue-34", "--dry-run", "--json", "--out", str(out), cwd=project)
    assert res.returncode == 0, res.stderr
    plan = json.loads(res.stdout)
    assert plan["platform"] == "instagram"
    post = plan["posts"][0]
    assert set(post) == {"caption", "media"}
    assert post["caption"].startswith("Update #34") and len(post["caption"]) <= 2200
    assert len(post["media"]) == 3
    for m in post["media"]:
        assert Path(m["path"]).parent == out
        with Image.open(m["path"]) as im:
            assert im.size == (1080, 1350)
        assert m["alt_text"]


def test_preview_without_a_terminal_has_no_ansi(project):
    res = run("thread", "issue-34", "--dry-run", cwd=project)
    assert res.returncode == 0, res.stderr
    assert "\x1b[" not in res.stdout
    assert "Ant Group Launches New Blockchain Solution" in res.stdout
    assert "alt:" in res.stdout
    res = run("cards", "--dry-run", cwd=project)
    assert res.returncode == 0, res.stderr
    assert "\x1b[" not in res.stdout


def _assert_one_line_error(res, *fragments):
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_unknown_issue_lists_existing_ones(project):
    res = run("thread", "issue-99", "--dry-run", cwd=project)
    _assert_one_line_error(res, "issue-99", "issue-34")


@pytest.mark.parametrize(
    "name, content",
    [
        ("issue-40.txt", b""),
        ("issue-40.txt", b"   \n\n  \n"),
        ("issue-40.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary"),
        ("issue-40.txt", "Caf\u00e9 news\n".encode("latin-1")),
        ("issue-40.txt", b"Just one line of text without any story in it.\n"),
        ("issue-40.html", b"<html><body><div><p>Nothing here</div></body>"),
        ("issue-40.md", b"---\ntitle: [unclosed\n---\n# T\n## S\nText.\n"),
        ("issue-40.md", b"---\n- a list\n---\n# T\n## S\nText.\n"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(project, name, content):
    (project / "issues" / name).write_bytes(content)
    for command in ("thread", "cards"):
        res = run(command, "issues/" + name, "--dry-run", cwd=project)
        _assert_one_line_error(res, name)
    assert not (project / "out").exists()
    assert not (project / ".crosspost").exists()


def test_missing_file_and_debug_traceback(project):
    res = run("show", "nowhere/issue-1.txt", cwd=project)
    _assert_one_line_error(res, "issue-1.txt")
    res = run("--debug", "show", "nowhere/issue-1.txt", cwd=project)
    assert res.returncode != 0 and "Traceback" in res.stderr


def test_bad_config_is_exit_2(project):
    (project / "crosspost.toml").write_text("[x]\nlimit = 'lots'\n")
    res = run("thread", "--dry-run", cwd=project)
    _assert_one_line_error(res, "crosspost.toml", "x.limit")


def test_sample_is_shipped_byte_for_byte():
    shared = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "issue-34.txt"
    if not shared.exists():
        pytest.skip("../shared not beside this checkout")
    assert SAMPLE.read_bytes() == shared.read_bytes()


def test_sample_matches_the_seed_checksum():
    import hashlib

    assert (
        hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
        == "cc8604618d0d68fe4b671f630bf1ea6a801dd9fdf6160a8943184cc46cbc2385"
    )


def test_publish_without_credentials_fails_before_writing_anything(project):
    res = run("thread", "issue-34", cwd=project)
    _assert_one_line_error(res, "CROSSPOST_X_API_KEY", "CROSSPOST_X_ACCESS_SECRET", "crosspost login x")
    res = run("cards", "issue-34", cwd=project)
    _assert_one_line_error(res, "CROSSPOST_INSTAGRAM_USERNAME")
    res = run("thread", "issue-34", "--to", "myspace", cwd=project)
    _assert_one_line_error(res, "unknown platform 'myspace'", "outbox")
    assert not (project / "out").exists() and not (project / ".crosspost").exists()
    assert not (project / "outbox").exists(), "no silent fallback to the outbox"


def test_dry_run_tells_what_is_already_out(project):
    """The preview reads the ledger: posts already out are marked, and an edit after posting is flagged."""
    res = run("thread", "issue-34", "--to", "outbox", cwd=project)
    assert res.returncode == 0, res.stderr
    res = run("thread", "issue-34", "--dry-run", "--to", "outbox", cwd=project)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("already posted") == 5
    assert "0 (5 posts already out)" in res.stdout
    res = run("thread", "issue-34", "--dry-run", cwd=project)  # another target: nothing is out there
    assert "already posted" not in res.stdout
    sample = project / "issues" / "issue-34.txt"
    sample.write_text(
        sample.read_text(encoding="utf-8").replace("Ant Group, the company", "Ant Group, the firm"), encoding="utf-8"
    )
    res = run("thread", "issue-34", "--dry-run", "--to", "outbox", cwd=project)
    assert "post 2/5 · reply · changed" in res.stdout
    assert "The issue changed after post 2 went out" in res.stdout
    res = run("thread", "issue-34", "--to", "outbox", cwd=project)
    assert res.returncode == 2 and "post 2" in res.stderr and "replan" in res.stderr


def test_version(project):
    from crosspost import __version__

    res = run("--version", cwd=project)
    assert res.returncode == 0 and res.stdout.strip() == f"crosspost {__version__}"


def test_undo_without_a_terminal_asks_for_yes(project):
    """A script or a pipe has nobody to answer the question: undo refuses instead of deleting."""
    assert run("thread", "issue-34", "--to", "outbox", cwd=project).returncode == 0
    posts = sorted((project / "outbox").rglob("*.json"))
    assert posts
    res = subprocess.run(
        [sys.executable, "-m", "crosspost", "undo", "issue-34", "--platform", "outbox"],
        cwd=project,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert res.returncode == 2 and "--yes" in res.stderr and "Traceback" not in res.stderr
    assert sorted((project / "outbox").rglob("*.json")) == posts  # nothing deleted
    res = run("undo", "issue-34", "--platform", "outbox", "--yes", cwd=project)
    assert res.returncode == 0, res.stderr
    assert not [p for p in (project / "outbox").rglob("*.json") if p.parent.name != "outbox"]
