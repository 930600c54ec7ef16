"""Shell completion: ISSUE names and numbers from issues/, platform names and schedule targets; cheap, never raising."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crosspost.cli import app, complete_issue, complete_platform, complete_targets
from crosspost.platforms import available
from crosspost.schedule import expand_targets


def bash_complete(words: str, cwd: Path | None = None) -> list[str]:
    """What bash gets on Tab after `words` (the last word is the one being completed), through typer's env vars."""
    parts = words.split(" ")
    env = {"_CROSSPOST_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)}
    res = CliRunner().invoke(app, [], env=env, prog_name="crosspost")
    assert res.exit_code == 0, res.output
    return res.stdout.splitlines()


@pytest.fixture
def issues(project):
    for name in ("issue-35.md", "update_7.txt", "2024-05-01.html", "notes.pdf", ".issue-36.txt"):
        (project / "issues" / name).write_text("x", encoding="utf-8")
    return project


def test_issue_names_and_numbers_from_the_issues_folder(issues):
    assert complete_issue("") == [
        ("2024-05-01", "2024-05-01.html"),
        ("issue-34", "issue-34.txt"),
        ("issue-35", "issue-35.md"),
        ("update_7", "update_7.txt"),
        ("34", "issue-34"),
        ("35", "issue-35"),
        ("7", "update_7"),
    ]
    assert [v for v, _ in complete_issue("iss")] == ["issue-34", "issue-35"]
    assert [v for v, _ in complete_issue("3")] == ["34", "35"]
    assert complete_issue("zzz") == []


def test_an_ambiguous_number_is_not_offered(issues):
    (issues / "issues" / "issue-34.md").write_text("x", encoding="utf-8")
    assert [v for v, _ in complete_issue("3")] == ["35"]  # `crosspost show 34` would ask which file
    assert [v for v, _ in complete_issue("issue-34")] == ["issue-34.md", "issue-34.txt"]  # the stem is ambiguous too


def test_issue_completion_follows_issues_dir_and_survives_a_broken_config(issues):
    (issues / "letters").mkdir()
    (issues / "letters" / "weekly-9.md").write_text("x", encoding="utf-8")
    (issues / "crosspost.toml").write_text('issues_dir = "letters"\n', encoding="utf-8")
    assert complete_issue("") == [("weekly-9", "weekly-9.md"), ("9", "weekly-9")]
    (issues / "crosspost.toml").write_text("issues_dir = [[[\n", encoding="utf-8")
    assert [v for v, _ in complete_issue("issue-3")] == ["issue-34", "issue-35"]  # default folder


def test_no_issues_folder_completes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert complete_issue("") == []
    (tmp_path / "issues").write_text("a file, not a folder", encoding="utf-8")
    assert complete_issue("") == []


def test_completion_never_raises(project, monkeypatch):
    def boom(*_a, **_k):
        raise RuntimeError("broken")

    monkeypatch.setattr("crosspost.parse.resolve.issue_files", boom)
    monkeypatch.setattr("crosspost.platforms.available", boom)
    monkeypatch.setattr("crosspost.platforms.registry", boom)
    assert complete_issue("") == [] and complete_platform("") == [] and complete_targets("") == []


def test_platforms_and_schedule_targets():
    assert complete_platform("") == available() and {"x", "instagram", "outbox"} <= set(available())
    assert complete_platform("o") == ["outbox"]
    targets = complete_targets("")
    # bluesky and mastodon are not scheduled by default: the outbox is offered only the default platforms' plans
    assert set(targets) == {"x", "instagram", "outbox", "bluesky", "mastodon", "outbox:x", "outbox:instagram"}
    for target in targets:
        assert expand_targets(target)  # every completion is a target `schedule --to` takes
    assert complete_targets("outbox:") == ["outbox:x", "outbox:instagram"]
    assert complete_targets("x,") == [
        "x,instagram",
        "x,outbox",
        "x,bluesky",
        "x,mastodon",
        "x,outbox:x",
        "x,outbox:instagram",
    ]
    assert complete_targets("x,inst") == ["x,instagram"]
    assert complete_targets("x,x") == []  # no target twice


def test_through_typers_completion_protocol(issues):
    assert bash_complete("crosspost show ") == ["2024-05-01", "issue-34", "issue-35", "update_7", "34", "35", "7"]
    assert bash_complete("crosspost undo 3") == ["34", "35"]
    assert bash_complete("crosspost unschedule issue-") == ["issue-34", "issue-35"]
    assert bash_complete("crosspost thread --to ") == available()
    assert bash_complete("crosspost cards issue-34 --to ou") == ["outbox"]
    assert bash_complete("crosspost undo 34 --platform ") == available()
    assert bash_complete("crosspost schedule --to x,outbox:") == ["x,outbox:x", "x,outbox:instagram"]
    assert bash_complete("crosspost login ") == ["x", "instagram", "bluesky", "mastodon"]
    assert bash_complete("crosspost sta") == ["status"]
    assert "--install-completion" in bash_complete("crosspost --")


def test_the_installed_command_completes_in_a_real_process(issues):
    script = shutil.which("crosspost", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("no crosspost script next to this Python")
    env = dict(os.environ, _CROSSPOST_COMPLETE="complete_bash", COMP_WORDS="crosspost status is", COMP_CWORD="2")
    res = subprocess.run([script], cwd=issues, env=env, capture_output=True, text=True, timeout=60)
    assert (res.returncode, res.stdout.split(), res.stderr) == (0, ["issue-34", "issue-35"], "")


def test_show_completion_prints_a_script(monkeypatch):
    # typer detects the shell from the process tree (shellingham); under pytest-xdist the worker's parent is
    # no shell, so the detection is pinned here: the script printed is what matters.
    import shellingham  # what every typer version asks, at call time

    monkeypatch.setattr(shellingham, "detect_shell", lambda *args, **kwargs: ("bash", "/bin/bash"))
    res = CliRunner().invoke(app, ["--show-completion"], prog_name="crosspost")
    assert res.exit_code == 0 and "_CROSSPOST_COMPLETE=complete_bash" in res.stdout
