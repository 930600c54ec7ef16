"""ISSUE argument resolution: name, path, number, latest, and helpful errors."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from crosspost.config import Config
from crosspost.errors import InputError
from crosspost.parse.resolve import issue_files, load_issue, resolve_issue

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "issues" / "issue-34.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "issues"


@pytest.fixture
def issues(tmp_path: Path) -> Path:
    d = tmp_path / "issues"
    d.mkdir()
    shutil.copy(SAMPLE, d / "issue-34.txt")
    shutil.copy(FIXTURES / "issue-35.md", d / "issue-35.md")
    (d / "issue-33.html").write_text("<h2>A</h2><p>b</p>", encoding="utf-8")
    (d / "notes.json").write_text("{}", encoding="utf-8")  # not an issue file
    (d / ".issue-99.txt.swp").write_text("x", encoding="utf-8")  # editor junk
    return d


def test_name_resolves_with_any_issue_suffix(issues):
    assert resolve_issue("issue-34", issues) == issues / "issue-34.txt"
    assert resolve_issue("issue-35", issues) == issues / "issue-35.md"
    assert resolve_issue("issue-33", issues) == issues / "issue-33.html"
    assert resolve_issue("issue-35.md", issues) == issues / "issue-35.md"


def test_bare_number(issues):
    assert resolve_issue("34", issues) == issues / "issue-34.txt"
    assert resolve_issue("#35", issues) == issues / "issue-35.md"


def test_latest_is_the_highest_number(issues):
    os.utime(issues / "issue-33.html", (4_000_000_000, 4_000_000_000))  # newest mtime
    assert resolve_issue(None, issues) == issues / "issue-35.md"


def test_latest_without_numbers_is_the_newest_file(tmp_path):
    d = tmp_path / "issues"
    d.mkdir()
    for i, name in enumerate(["2024-05-01.txt", "2024-06-01.md", "draft.txt"]):
        (d / name).write_text("x", encoding="utf-8")
        os.utime(d / name, (1_000_000 + i, 1_000_000 + i))
    os.utime(d / "2024-05-01.txt", (9_000_000, 9_000_000))
    assert resolve_issue(None, d) == d / "2024-05-01.txt"


def test_path_absolute_and_relative_to_cwd(issues, tmp_path, monkeypatch):
    other = tmp_path / "elsewhere" / "my issue.md"
    other.parent.mkdir()
    shutil.copy(FIXTURES / "issue-35.md", other)
    assert resolve_issue(str(other), issues) == other
    monkeypatch.chdir(tmp_path)
    assert resolve_issue("elsewhere/my issue.md", issues) == Path("elsewhere/my issue.md")
    assert resolve_issue("issues/issue-34.txt", Path("nowhere")) == Path("issues/issue-34.txt")
    with pytest.raises(InputError, match="no such file"):
        resolve_issue("elsewhere/missing.md", issues)
    with pytest.raises(InputError, match="is a directory"):
        resolve_issue("./elsewhere", issues)


def test_unknown_name_lists_existing_issues(issues, monkeypatch):
    monkeypatch.chdir(issues.parent)
    with pytest.raises(InputError) as err:
        resolve_issue("issue-99", issues)
    assert str(err.value) == ("no issue 'issue-99' in issues/; available: issue-33, issue-34, issue-35")
    with pytest.raises(InputError, match="no issue '77'.*available: issue-33"):
        resolve_issue("77", issues)


def test_ambiguous_name(issues):
    (issues / "issue-34.md").write_text("## A\n\nb\n", encoding="utf-8")
    with pytest.raises(InputError, match="ambiguous.*issue-34.md, issue-34.txt"):
        resolve_issue("issue-34", issues)
    assert resolve_issue("issue-34.md", issues) == issues / "issue-34.md"


def test_missing_or_empty_issues_dir(tmp_path):
    with pytest.raises(InputError) as err:
        resolve_issue(None, tmp_path / "issues")
    assert "issues directory not found" in str(err.value)
    assert str(err.value).startswith(str(tmp_path / "issues"))
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "readme.rst").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="no issue files"):
        resolve_issue("issue-1", tmp_path / "issues")


def test_issue_files_ignores_junk(issues):
    assert [p.name for p in issue_files(issues)] == ["issue-33.html", "issue-34.txt", "issue-35.md"]


def test_load_issue_uses_the_config_issues_dir(issues):
    config = Config(root=issues.parent)
    issue = load_issue(None, config)
    assert issue.id == "issue-35" and issue.format == "markdown"
    assert load_issue("34", config).title.startswith("Update #34")
    config.issues_dir = str(issues)  # absolute paths are used as they are
    assert load_issue("issue-34", config).number == 34
