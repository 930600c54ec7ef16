"""Every unusable issue file is one InputError line naming the file; never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosspost.errors import InputError
from crosspost.model import Issue
from crosspost.parse import parse_issue
from crosspost.parse import source


def _problem(path: Path) -> str:
    with pytest.raises(InputError) as err:
        parse_issue(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    assert err.value.exit_code == 2
    return err.value.problem


def test_missing_file(tmp_path):
    assert _problem(tmp_path / "nope.txt") == "no such file"


def test_directory(tmp_path):
    d = tmp_path / "issue-1.txt"
    d.mkdir()
    assert "is a directory" in _problem(d)


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  ", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"])
def test_empty_or_whitespace(tmp_path, content):
    path = tmp_path / "issue-1.txt"
    path.write_bytes(content)
    assert _problem(path).startswith("empty file")


def test_binary_file(tmp_path):
    path = tmp_path / "issue-1.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "binary file" in _problem(path)


def test_utf16_file(tmp_path):
    path = tmp_path / "issue-1.txt"
    path.write_bytes("Headline\nText.".encode("utf-16"))
    assert "UTF-16" in _problem(path)


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_not_utf8_reports_the_offset(tmp_path, bom):
    path = tmp_path / "issue-1.txt"
    latin1 = "Caf\u00e9 News\nSome text.".encode("latin-1")
    path.write_bytes(bom + latin1)
    assert _problem(path) == f"not UTF-8 text (invalid byte at offset {3 + len(bom)})"


def test_no_stories_in_text(tmp_path):
    path = tmp_path / "issue-1.txt"
    path.write_text("Just one sentence of prose.\nAnd another one here.\n", encoding="utf-8")
    assert "no stories found" in _problem(path)


def test_huge_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "issue-1.txt"
    with path.open("wb") as fh:  # sparse: 6 MB on paper, nothing on disk
        fh.truncate(6 * 1024 * 1024)
    opened = []
    real_open = Path.open
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: opened.append(self) or real_open(self, *a, **k))
    problem = _problem(path)
    assert "too large" in problem and "5 MB" in problem
    assert opened == []  # refused from stat alone


def test_exactly_at_the_limit_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(source, "MAX_BYTES", 64)
    path = tmp_path / "issue-1.txt"
    path.write_bytes(b"Big Story Here\n" + b"x" * 40 + b".\n")  # 58 bytes: fine
    assert parse_issue(path).stories[0].headline == "Big Story Here"
    path.write_bytes(b"Big Story Here\n" + b"x" * 60 + b".\n")
    assert "too large" in _problem(path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path):
    path = tmp_path / "issue-1.txt"
    path.write_text("x", encoding="utf-8")
    path.chmod(0)
    try:
        assert _problem(path).startswith("cannot read")
    finally:
        path.chmod(0o600)


def _check(path: Path) -> None:
    try:
        issue = parse_issue(path)
    except InputError as exc:
        assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)
        return
    assert isinstance(issue, Issue) and issue.stories
    for story in issue.stories:
        assert story.headline and story.paragraphs


SUFFIXES = st.sampled_from([".txt", ".md", ".markdown", ".html", ".htm", ""])
MARKUP = st.sampled_from(
    [
        "\n",
        "\r\n",
        "\n\n",
        "---\n",
        "## ",
        "# ",
        "### ",
        "> ",
        "- ",
        "1. ",
        "**",
        "_",
        "`",
        "[a](http://x.y)",
        "<h2>",
        "</h2>",
        "<p>",
        "</p>",
        "<br>",
        "<div class='share'>",
        "<script>",
        "<!--",
        "-->",
        "<!doctype html>",
        "<html>",
        "title: x\n",
        "number: 3\n",
        "hashtags: [a, b]\n",
        "date: 2020-01-01\n",
        "Update #34 - ",
        "Welcome to X! ",
        "🐜",
        "🇪🇺",
        "👩\u200d💻",
        "\u200b",
        "\ufeff",
        "\u00ad",
        "Headline Here",
        "A sentence here.",
        "e\u0301",
        "日本語の見出し",
        "\x00",
        "\x07",
        "&amp;",
        "&#x1F41C;",
        "<",
        ">",
        '"',
        "“",
        "…",
    ]
)
TEXTS = st.lists(st.one_of(MARKUP, st.text(max_size=20)), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=TEXTS, suffix=SUFFIXES)
def test_random_text_never_crashes(tmp_path, data, suffix):
    path = tmp_path / f"issue-7{suffix}"
    path.write_bytes(data.encode("utf-8", "surrogatepass"))
    _check(path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), suffix=SUFFIXES)
def test_random_bytes_never_crash(tmp_path, data, suffix):
    path = tmp_path / f"issue-7{suffix}"
    path.write_bytes(data)
    _check(path)


def test_yaml_alias_bomb_is_one_line_at_once(tmp_path):
    """A few hundred bytes of nested aliases would expand to gigabytes: refused before expanding."""
    lines = ["---", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n, prev in zip("bcdefghi", "abcdefgh"):
        lines.append(f"{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    lines += ["title: bomb", "---", "", "## A", "", "Text.", "", "## B", "", "Text."]
    path = tmp_path / "bomb.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        parse_issue(path)
    message = str(err.value)
    assert "aliases" in message and "\n" not in message and len(message) < 300


def test_a_huge_wrong_value_makes_a_short_message(tmp_path):
    path = tmp_path / "big.md"
    path.write_text("---\nnumber: '" + "x" * 5000 + "'\n---\n\n## A\n\nText.\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        parse_issue(path)
    assert len(str(err.value)) < 300
