"""Markdown issues: front matter, heading levels, lists, quotes, links, emphasis, CJK."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crosspost.errors import InputError
from crosspost.parse import parse_issue

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "issues"


def _write(tmp_path: Path, text: str, name: str = "issue-9.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_cjk_issue_35():
    issue = parse_issue(FIXTURES / "issue-35.md")
    assert issue.format == "markdown"
    assert issue.id == "issue-35" and issue.number == 35
    assert issue.title.startswith("Update #35 - Japan's Chip Bet")
    assert issue.url == "https://eastwesthurricane.substack.com/p/update-35"
    assert issue.date == "2020-07-03"
    assert issue.brand == "East West Hurricane"
    assert issue.hashtags == ["AsiaTech", "China", "Japan", "韓国"]
    assert [(s.headline, s.emoji) for s in issue.stories] == [
        ("日本の半導体戦略 Rapidus Bets on 2nm", "🇯🇵"),
        ("深圳的无人驾驶出租车全面上路", "🇨🇳"),
        ("웹툰의 세계화 Korea's Webtoons Conquer the West", "🇰🇷🇺🇸"),
        ("Coders Wanted: Singapore's New Tech Pass", "👩\u200d💻"),
    ]
    japan, shenzhen, korea, singapore = issue.stories
    assert japan.quote == "We have ten years to catch up, and no more."
    assert japan.paragraphs[0].startswith("Rapidus, the chipmaker backed by Toyota")
    assert "2-nanometre chips in Hokkaido" in japan.paragraphs[0]  # ** removed, lines joined
    assert "reported by Nikkei Asia this week." in japan.paragraphs[0]
    assert japan.paragraphs[1].startswith("日本政府はラピダスに")
    assert [(l.text, l.url) for l in japan.links] == [
        ("Nikkei Asia", "https://asia.nikkei.com/Business/Tech/Semiconductors")
    ]
    # list items are paragraphs of their own; bare URLs stay in the text and become links
    assert shenzhen.paragraphs[1] == "百度“萝卜快跑”在深圳的车队已超过300辆。"
    assert len(shenzhen.paragraphs) == 5
    assert shenzhen.paragraphs[-1] == "Read the full report at https://www.example.com/robotaxi-report."
    assert [l.url for l in shenzhen.links] == ["https://www.example.com/robotaxi-report"]
    assert "Pony.ai" in shenzhen.paragraphs[0] and "*" not in shenzhen.paragraphs[0]
    assert korea.paragraphs[0].endswith("following with Tapas and Radish.")
    assert singapore.quote is None and len(singapore.paragraphs) == 1
    assert issue.outro[0] == "Subscribe"
    assert issue.outro[-1] == "Thanks for reading! See you next week."
    assert issue.intro == [
        "Welcome to East West Hurricane! 🌪 We update you on the most essential news from Asia "
        "in tech, media, and business."
    ]
    json.dumps(issue.to_dict(), ensure_ascii=False)


def test_h3_stories_when_no_h2_and_string_hashtags(tmp_path):
    path = _write(
        tmp_path,
        "---\nhashtags: '#rust, go  python'\nnumber: '12'\ndate: 2024-05-01T09:00:00Z\n---\n"
        "# Tools Weekly\n\nWelcome to Tools Weekly!\n\n"
        "### Rust 2024 ✨\n\nThe edition ships _today_.\n\n#### A sub-head\n\nMore `code` text.\n\n"
        "### Go\n\n1. first item\n2. second [item](https://go.dev)\n",
    )
    issue = parse_issue(path)
    assert issue.title == "Tools Weekly"
    assert issue.number == 12 and issue.date == "2024-05-01"
    assert issue.hashtags == ["rust", "go", "python"]
    assert issue.brand == "Tools Weekly"
    assert [(s.headline, s.emoji, s.paragraphs) for s in issue.stories] == [
        # a deeper heading inside a story starts an item: its title is kept, not dropped
        ("Rust 2024", "✨", ["The edition ships today.", "A sub-head", "More code text."]),
        ("Go", "", ["first item", "second item"]),
    ]
    assert [(i.title, i.paragraphs) for i in issue.stories[0].items] == [("A sub-head", ["More code text."])]
    assert [(l.text, l.url) for l in issue.stories[1].links] == [("item", "https://go.dev")]


def test_no_front_matter_title_line_paragraph_and_empty_sections(tmp_path):
    path = _write(
        tmp_path,
        "Update #9 - Quiet Week\n\n## Nothing here\n\n## One Story\n\nA paragraph.\n\n"
        "> first quote\n\n> second quote\n\n## Links\n",
        name="weekly.markdown",
    )
    issue = parse_issue(path)
    assert issue.title == "Update #9 - Quiet Week"
    assert issue.number == 9
    assert issue.intro == []
    assert len(issue.stories) == 1
    story = issue.stories[0]
    assert (story.headline, story.index) == ("One Story", 1)
    assert story.quote == "first quote"
    assert story.paragraphs == ["A paragraph.", "second quote"]


def test_fallback_title_and_unknown_front_matter_keys(tmp_path):
    path = _write(
        tmp_path,
        "---\nbrand: Signal\nlayout: post\ntags: {a: 1}\n---\n## A Story\n\nText.\n",
        name="issue-4.md",
    )
    issue = parse_issue(path)
    assert issue.title == "Signal #4"
    assert issue.brand == "Signal"


def test_crlf_and_bom_markdown(tmp_path):
    src = (FIXTURES / "issue-35.md").read_bytes()
    variant = tmp_path / "issue-35.md"
    variant.write_bytes(b"\xef\xbb\xbf" + src.replace(b"\n", b"\r\n"))
    a = parse_issue(FIXTURES / "issue-35.md").to_dict()
    b = parse_issue(variant).to_dict()
    a.pop("source"), b.pop("source")
    assert a == b


@pytest.mark.parametrize(
    "text, problem",
    [
        ("---\ntitle: [unclosed\n---\n## A\n\nx\n", "invalid YAML front matter"),
        ("---\n- a\n- b\n---\n## A\n\nx\n", "front matter must be a mapping"),
        ("---\ntitle: x\n## A\n\nx\n", "never closed"),
        ("---\nnumber: twelve\n---\n## A\n\nx\n", "'number' must be an integer"),
        ("---\nnumber: true\n---\n## A\n\nx\n", "'number' must be an integer"),
        ("---\ndate: 2020-13-45\n---\n## A\n\nx\n", "invalid YAML front matter"),
        ("---\ndate: next week\n---\n## A\n\nx\n", "'date' must be a date"),
        ("---\ntitle: [a, b]\n---\n## A\n\nx\n", "'title' must be text"),
        ("---\nhashtags: {a: b}\n---\n## A\n\nx\n", "'hashtags' must be a list"),
        ("---\nx: !!python/object:os.system ls\n---\n## A\n\nx\n", "invalid YAML front matter"),
        ("# Only a Title\n\nSome text.\n", "no stories found"),
        ("## Heading Only\n\n## Another\n", "no stories found"),
    ],
)
def test_bad_markdown(tmp_path, text, problem):
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as err:
        parse_issue(path)
    assert problem in str(err.value)
    assert str(err.value).startswith(f"{path}: ")
    assert "\n" not in str(err.value)
