"""Plain-text issues: the sample byte-for-byte, variants without emoji, hard-wrapped
paragraphs, CRLF and BOM, pull quotes, emoji splitting and text normalisation."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from crosspost.parse import detect_format, parse_issue
from crosspost.parse.normalize import clean_inline, split_emoji

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "issues" / "issue-34.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "issues"

SAMPLE_TITLE = "Update #34 - Ant's Blockchain, China's Movie Market, and Alibaba's Foreign Livestreamers"
SAMPLE_HEADLINES = [
    ("Ant Group Launches New Blockchain Solution", "🐜", 2),
    ("The New Report on China\u2019s Movie Market", "🎬", 3),
    ("Alibaba\u2019s New Influencer Strategy = Europe", "🇪🇺", 3),
]


def _shape(issue):
    return [(s.headline, s.emoji, len(s.paragraphs)) for s in issue.stories]


def test_sample_issue_exactly():
    raw = SAMPLE.read_bytes()
    assert not raw.endswith(b"\n")  # the sample's title is its last line, no final newline
    issue = parse_issue(SAMPLE)
    assert issue.id == "issue-34"
    assert issue.source == str(SAMPLE)
    assert issue.format == "text"
    assert issue.number == 34
    assert issue.title == SAMPLE_TITLE
    assert issue.brand == "East West Hurricane"
    assert _shape(issue) == SAMPLE_HEADLINES
    assert [s.index for s in issue.stories] == [1, 2, 3]
    lines = raw.decode("utf-8").split("\n")
    assert issue.intro == lines[:3]
    assert issue.intro[2] == "Follow us on Twitter and Instagram! ⚡️"
    assert issue.outro == []
    # paragraphs are the sample's lines, untouched (curly quotes, em dashes)
    first = issue.stories[0].paragraphs[0]
    assert first == lines[4]
    assert first.startswith("Ant Group, the company that runs")
    assert "\u201csupport digital transactions\u201d" in first
    assert issue.stories[2].paragraphs[-1].endswith("bring more livestreaming to the West.")
    assert all(s.quote is None and s.links == [] for s in issue.stories)


def test_sample_to_dict_round_trips_through_json():
    issue = parse_issue(SAMPLE)
    data = json.loads(json.dumps(issue.to_dict(), ensure_ascii=False))
    for key in ("id", "number", "title", "url", "stories"):
        assert key in data
    assert data["id"] == "issue-34" and data["number"] == 34 and data["url"] is None
    got = [(s["headline"], s["emoji"], len(s["paragraphs"])) for s in data["stories"]]
    assert got == SAMPLE_HEADLINES


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda b: b.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda b: b"\xef\xbb\xbf" + b, id="bom"),
        pytest.param(lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n") + b"\r\n", id="bom+crlf"),
        pytest.param(lambda b: b.replace(b"\n", b"\r"), id="old-mac-cr"),
        pytest.param(lambda b: b.replace(b"\n", b"\n\n") + b"\n\n", id="blank-line-separated"),
        pytest.param(lambda b: b.replace(b"\n", b"  \n\t"), id="stray-whitespace"),
    ],
)
def test_sample_variants_parse_identically(tmp_path, transform):
    variant = tmp_path / "issue-34.txt"
    variant.write_bytes(transform(SAMPLE.read_bytes()))
    expected = parse_issue(SAMPLE).to_dict()
    got = parse_issue(variant).to_dict()
    expected.pop("source"), got.pop("source")
    assert got == expected


def test_nfd_and_zero_width_junk_are_cleaned(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    text = unicodedata.normalize("NFD", "Notre café est ouvert.\n") + text
    text = text.replace("Ant Group Launches", "Ant\u200b Group\u00ad Launches")
    text = text.replace("Ant Group, the company", "Ant Group,\u2060 the   company")
    path = tmp_path / "issue-34.txt"
    path.write_text(text, encoding="utf-8")
    issue = parse_issue(path)
    assert issue.intro[0] == "Notre café est ouvert."
    assert unicodedata.is_normalized("NFC", issue.intro[0])
    assert issue.stories[0].headline == "Ant Group Launches New Blockchain Solution"
    assert issue.stories[0].paragraphs[0].startswith("Ant Group, the company that")


def test_headlines_without_emoji_quote_and_outro():
    issue = parse_issue(FIXTURES / "plain-no-emoji-12.txt")
    assert issue.title == "Issue 12: Stablecoins, Open Banking and a Very Old Bank"
    assert issue.number == 12
    assert issue.brand == "The Ledger Weekly"
    assert issue.intro == [
        "Welcome to The Ledger Weekly!",
        "Short notes on money and technology, every Friday.",
    ]
    assert _shape(issue) == [
        ("Stablecoins Reach Main Street", "", 2),
        ("Is Open Banking Finally Working?", "", 2),
        ("The Oldest Bank in the World Gets an App", "", 1),
    ]
    first = issue.stories[0]
    assert first.quote == "The plumbing of money is changing faster than the rules for it."
    assert not any(p.startswith(">") or "plumbing" in p for p in first.paragraphs)
    assert issue.outro == ["Thanks for reading! Forward this to a friend.", "See you next Friday."]


def test_hard_wrapped_blank_line_paragraphs():
    issue = parse_issue(FIXTURES / "wrapped-issue-7.txt")
    assert issue.title == "Hardware Notes #7 - Risc-V, E-Ink and the Return of the Repairable Phone"
    assert issue.number == 7
    assert issue.brand == "Hardware Notes"
    assert issue.intro == ["Welcome to Hardware Notes!"]
    # a sentence-case headline counts when it stands alone between blank lines
    assert _shape(issue) == [
        ("RISC-V Reaches the Data Centre", "", 2),
        ("E-ink screens are getting colour", "", 1),
        ("The Repairable Phone Returns", "", 1),
    ]
    risc = issue.stories[0]
    assert risc.paragraphs[0] == (
        "Alibaba's T-Head unit showed a server chip built on RISC-V, the open instruction set "
        "that anyone can use without paying a licence fee. The chip is not fast yet, but it is "
        "a sign of where things go."
    )
    assert risc.quote == "Open hardware is now a geopolitical choice."


def test_line_per_paragraph_with_short_lines(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text(
        "Welcome to Tiny News!\n"
        "Rust Ships a New Edition\n"
        "The 2024 edition is out.\n"
        "It changes few things.\n"
        "Go Gets Iterators\n"
        "Range-over-func is stable. See https://go.dev/blog/range-functions for details.\n",
        encoding="utf-8",
    )
    issue = parse_issue(path)
    assert issue.title == "Tiny News"  # no title line, no number: the brand
    assert issue.number is None
    assert _shape(issue) == [("Rust Ships a New Edition", "", 2), ("Go Gets Iterators", "", 1)]
    links = issue.stories[1].links
    assert [(l.text, l.url) for l in links] == [
        ("https://go.dev/blog/range-functions", "https://go.dev/blog/range-functions")
    ]


def test_sentences_are_not_headlines(tmp_path):
    path = tmp_path / "issue-3.txt"
    path.write_text(
        "Follow us on Twitter and Instagram! ⚡️\n"
        "Markets Rally on Rate Cut Hopes 📈\n"
        "Stocks rose on Tuesday.\n"
        "and then the dollar fell\n"
        "Analysts were surprised by the size of the move.\n",
        encoding="utf-8",
    )
    issue = parse_issue(path)
    assert issue.number == 3  # from the file name
    assert issue.intro == ["Follow us on Twitter and Instagram! ⚡️"]
    assert _shape(issue) == [("Markets Rally on Rate Cut Hopes", "📈", 3)]


@pytest.mark.parametrize(
    "headline, text, emoji",
    [
        ("Ant Group Launches New Blockchain Solution 🐜", "Ant Group Launches New Blockchain Solution", "🐜"),
        ("Alibaba’s New Influencer Strategy = Europe 🇪🇺", "Alibaba’s New Influencer Strategy = Europe", "🇪🇺"),
        ("Women in Tech 👩‍💻", "Women in Tech", "👩‍💻"),
        ("Pride Month 🏳️‍🌈", "Pride Month", "🏳️‍🌈"),
        ("Top Story 1️⃣", "Top Story", "1️⃣"),
        ("Fast Chips ⚡️", "Fast Chips", "⚡️"),
        ("Fast Chips ⚡", "Fast Chips", "⚡"),
        ("Storm Season 🌪", "Storm Season", "🌪"),
        ("Thumbs Up 👍🏽", "Thumbs Up", "👍🏽"),
        ("Football 🏴󠁧󠁢󠁥󠁮󠁧󠁿", "Football", "🏴󠁧󠁢󠁥󠁮󠁧󠁿"),
        ("Two Flags 🇺🇸🇨🇳", "Two Flags", "🇺🇸🇨🇳"),
        ("Rockets 🚀 🔥", "Rockets", "🚀 🔥"),
        ("🐜 Leading Emoji", "Leading Emoji", "🐜"),
        ("Acme®", "Acme®", ""),
        ("Widget™ Launch", "Widget™ Launch", ""),
        ("Version 2", "Version 2", ""),
        ("No Emoji Here", "No Emoji Here", ""),
        ("日本の半導体 🇯🇵", "日本の半導体", "🇯🇵"),
    ],
)
def test_split_emoji(headline, text, emoji):
    assert split_emoji(headline) == (text, emoji)


def test_clean_inline_keeps_zwj_only_inside_emoji():
    assert clean_inline("a\u200db 👩\u200d💻") == "ab 👩\u200d💻"
    assert clean_inline("  many \t\n spaces\u00a0here ") == "many spaces here"
    assert clean_inline("e\u0301") == "é"
    assert clean_inline("x\x07y") == "x y"


def test_txt_that_is_really_html_is_sniffed():
    path = FIXTURES / "saved-page-38.txt"
    assert detect_format(path, path.read_text(encoding="utf-8")) == "html"
    issue = parse_issue(path)
    assert issue.format == "html"
    assert issue.title == "Update #38 - Shein and Zoom"
    assert _shape(issue) == [("Shein Quietly Becomes a Giant", "👗", 1), ("Zoom's China Problem", "📹", 2)]


def test_detect_format_by_extension_and_content():
    assert detect_format(Path("a.txt"), "Hello\nWorld") == "text"
    assert detect_format(Path("a.md"), "Hello") == "markdown"
    assert detect_format(Path("a.markdown"), "Hello") == "markdown"
    assert detect_format(Path("a.HTM"), "Hello") == "html"
    assert detect_format(Path("a.txt"), "---\ntitle: x\n---\n## A\n") == "markdown"
    assert detect_format(Path("a"), "<!doctype html><p>x</p>") == "html"
    assert detect_format(Path("a.md"), "<html><body><h2>x</h2></body></html>") == "html"
