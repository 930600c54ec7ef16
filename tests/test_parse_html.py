"""HTML issues exported from Substack, Ghost and Buttondown, and pages saved from a browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crosspost.errors import InputError
from crosspost.parse import parse_issue

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "issues"


def _all_text(issue) -> str:
    parts = [issue.title, *issue.intro, *issue.outro]
    for s in issue.stories:
        parts += [s.headline, s.emoji, s.quote or "", *s.paragraphs]
    return "\n".join(parts)


def test_substack_export():
    issue = parse_issue(FIXTURES / "substack-update-36.html")
    assert issue.format == "html"
    assert issue.title == "Update #36 - TikTok\u2019s Deadline, Grab\u2019s Bank and Sony\u2019s Anime Push"
    assert issue.number == 36
    assert issue.url == "https://eastwesthurricane.substack.com/p/update-36"  # og:url wins
    assert issue.date == "2020-07-10"
    assert issue.brand == "East West Hurricane"
    assert [(s.headline, s.emoji, len(s.paragraphs)) for s in issue.stories] == [
        ("TikTok Faces a September Deadline", "⏳", 2),
        ("Grab Wins a Digital Bank Licence", "🇸🇬", 3),
        ("Sony Buys Crunchyroll for $1.2bn", "🎌", 2),
    ]
    tiktok, grab, sony = issue.stories
    assert tiktok.quote == "\u201cWe are not going anywhere,\u201d said TikTok\u2019s interim chief."
    assert [(l.text, l.url) for l in tiktok.links] == [
        ("reported to be bidding", "https://www.reuters.com/article/tiktok-bids")
    ]
    assert grab.paragraphs[1:] == [
        "The licence lets them take deposits from retail customers.",
        "Sea, the owner of Shopee, won another.",
    ]
    assert sony.paragraphs == [  # <br><br> inside a <p> splits it; &amp; decoded
        "Sony\u2019s Funimation is buying the anime streamer Crunchyroll from AT&T.",
        "That gives Sony the biggest anime library outside Japan.",
    ]
    assert issue.intro == [
        "Welcome to East West Hurricane! 🌪",
        "We update you on the most essential news from Asia in tech, media, and business.",
    ]
    assert issue.outro[-1] == "Thanks for reading East West Hurricane!"
    text = _all_text(issue)
    for junk in (
        "Subscribe now",
        "Type your email",
        "Sign in",
        "Like",
        "No comments",
        "Privacy",
        "JavaScript",
        "TikTok logo",
        "image-caption",
        "The TikTok app icon",
        "window._preloads",
        "Western media",
    ):
        assert junk not in text, junk


def test_ghost_export():
    issue = parse_issue(FIXTURES / "ghost-issue-37.html")
    assert issue.title == "Issue 37: Chips, Super-Apps and K-Pop"
    assert issue.number == 37
    assert issue.url == "https://news.example.org/issue-37/"  # canonical, no og:url
    assert issue.date == "2021-03-05"
    assert issue.brand == "Pacific Signal"
    assert issue.hashtags == ["AsiaTech", "Semiconductors"]
    assert issue.intro == ["Hello again. Here is what happened this week."]
    assert [s.headline for s in issue.stories] == [
        "TSMC goes to Arizona",
        "Why super-apps never took off in the West",
        "HYBE\u2019s Billion-Dollar IPO",
    ]
    apps = issue.stories[1]
    assert apps.quote == "The super-app is a distribution story, not a technology story."
    assert apps.paragraphs[1:] == ["Payments come first.", "Messaging comes second.", "Group chats drive payments."]
    assert [(l.text, l.url) for l in issue.stories[2].links] == [("filing", "https://example.com/hybe-filing")]
    assert issue.outro == ["Before you go", "Reply to this email, we read everything."]
    text = _all_text(issue)
    for junk in (
        "Sponsored",
        "Sign up for more",
        "Older things",
        "Issue 36",
        "Home",
        "About",
        "Three stories from across",
    ):
        assert junk not in text, junk


def test_buttondown_style_h3_stories_and_loose_div_text():
    issue = parse_issue(FIXTURES / "buttondown-42.htm")
    assert issue.title == "The Weekly Byte No. 42"
    assert issue.number == 42
    assert issue.brand == "The Weekly Byte"
    assert [(s.headline, s.paragraphs) for s in issue.stories] == [
        ("A faster Python parser", ["The new parser in CPython 3.13 is twice as fast on large files."]),
        (
            "SQLite everywhere",
            [
                "SQLite now ships in every phone, browser and car.",
                "It is the most deployed database in the world.",
            ],
        ),
    ]
    assert issue.outro == ["Unsubscribe", "Unsubscribe from this list."]
    json.dumps(issue.to_dict(), ensure_ascii=False)


def test_og_title_when_no_h1_and_messy_markup(tmp_path):
    path = tmp_path / "issue-50.html"
    path.write_text(
        "<meta property='og:title' content='Update #50 - Messy'>"
        "<div><h2>Unclosed <b>Story 🐙</h2><p>First para<p>Second para <a href='#top'>top</a>"
        "<h2>Next</h2>Loose text in the body<!-- a comment --> here</div>",
        encoding="utf-8",
    )
    issue = parse_issue(path)
    assert issue.title == "Update #50 - Messy"
    assert [(s.headline, s.emoji) for s in issue.stories][0] == ("Unclosed Story", "🐙")
    assert issue.stories[0].links == []  # fragment links are not links
    assert "a comment" not in " ".join(p for s in issue.stories for p in s.paragraphs)


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><title>x</title></head><body></body></html>",
        "<html><body><p>Just a paragraph, no headings.</p></body></html>",
        "<html><body><nav><h2>Menu</h2><p>Home</p></nav><footer><h2>About</h2><p>x</p></footer></body></html>",
        "<!doctype html><html><body><h2>Heading only</h2></body>",
        "<div" * 5000,
    ],
)
def test_broken_html_has_no_stories(tmp_path, html):
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    with pytest.raises(InputError) as err:
        parse_issue(path)
    assert str(err.value).startswith(f"{path}: ")
    assert "no stories found" in str(err.value) or "nested too deeply" in str(err.value)


def test_deeply_nested_html_is_an_input_error(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text("<div>" * 3000 + "<h2>A</h2><p>b</p>" + "</div>" * 3000, encoding="utf-8")
    try:
        issue = parse_issue(path)
    except InputError as exc:
        assert "nested too deeply" in str(exc)
    else:
        assert issue.stories[0].headline == "A"


def test_story_heading_inside_a_header_element_is_kept(tmp_path):
    path = tmp_path / "issue-60.html"
    path.write_text(
        "<body><header class='site-header'><h2>Site Name</h2><p>menu</p></header>"
        "<main><section><header><h2>Hand-Written Story</h2></header><p>Body text.</p></section>"
        "</main></body>",
        encoding="utf-8",
    )
    issue = parse_issue(path)
    assert [(s.headline, s.paragraphs) for s in issue.stories] == [("Hand-Written Story", ["Body text."])]
