"""Each class of real-newsletter failure named in the reading issue, as a small file of that
class: the reader must handle the class, not the one issue it was seen in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crosspost.config import Config
from crosspost.parse import parse_issue
from crosspost.parse.document import Settings
from crosspost.plan.thread import plan_thread


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def heads(issue) -> list[str]:
    return [s.headline for s in issue.stories]


def _full_posts(issue) -> list[str]:
    return [p.text for p in plan_thread(issue, Config(), mode="full").posts]


# 1. HTML e-mails built from layout tables -------------------------------------------------------

EMAIL = """<!DOCTYPE html><html><head><title>Dispatch #12: Ports, Rails and Rain</title></head>
<body><div style="display:none;max-height:0;overflow:hidden">Preview: ports, rails, rain and more</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td align="center">
 <table role="presentation" width="600" cellpadding="0" cellspacing="0"><tr><td>
   <p><a href="https://example.com/web">View this email in your browser</a></p>
   <table role="presentation" width="100%"><tr><td style="padding:20px">{story1}</td></tr></table>
   <table role="presentation" width="100%"><tr><td style="padding:20px">{story2}</td></tr></table>
   <table role="presentation" width="100%"><tr><td style="padding:20px">{story3}</td></tr></table>
   <p>You are receiving this because you subscribed. <a href="https://example.com/u">Unsubscribe</a></p>
 </td></tr></table>
</td></tr></table></body></html>"""


@pytest.mark.parametrize("mark", ["h1", "h3", "bold", "td-heading"])
def test_layout_table_email_stories_marked_any_way(tmp_path, mark):
    def story(title, text):
        if mark == "bold":
            return f"<p><strong>{title}</strong></p><p>{text}</p>"
        if mark == "td-heading":
            return f'<table role="presentation"><tr><td><h2>{title}</h2></td></tr><tr><td>{text}</td></tr></table>'
        return f"<{mark}>{title}</{mark}><p>{text}</p>"

    html = EMAIL.format(
        story1=story("The Port Reopens", "After six weeks the harbour is open again. Ships queue."),
        story2=story("Night Trains Return", "A sleeper service links the two capitals again from May."),
        story3=story("Rain Records Fall", "April was the wettest month since records began in 1891."),
    )
    issue = parse_issue(_write(tmp_path, "email.html", html))
    assert heads(issue) == ["The Port Reopens", "Night Trains Return", "Rain Records Fall"]
    assert issue.title == "Dispatch #12: Ports, Rails and Rain" and issue.number == 12
    text = " ".join(p for s in issue.stories for p in s.paragraphs)
    assert "browser" not in text and "Unsubscribe" not in text and "Preview" not in text


def test_font_size_titles_in_an_email(tmp_path):
    cells = "".join(
        f'<tr><td style="font-size:24px;font-weight:700">{t}</td></tr><tr><td style="font-size:15px">{b}</td></tr>'
        for t, b in [
            ("Budget Passed", "The council passed the budget on Tuesday night, 7 to 2."),
            ("New Library Hours", "The library opens at eight from next week, on weekdays too."),
        ]
    )
    html = f'<html><body><table role="presentation" width="600">{cells}</table></body></html>'
    issue = parse_issue(_write(tmp_path, "sized.html", html))
    assert heads(issue) == ["Budget Passed", "New Library Hours"]


# 2. Link roundups ---------------------------------------------------------------------------------

ROUNDUP = """---
title: "Tools Weekly #41"
---

Welcome back.

## Articles

### [Faster builds with caching](https://example.com/cache)

A clear walk through remote caching. Worth reading twice.

### [Why we left the monorepo](https://example.com/mono)

An honest account of the costs.

## Releases

### [Widget 2.0](https://example.com/widget)

Breaking changes in the config format.
"""


def test_roundup_items_keep_titles_links_and_commentary(tmp_path):
    issue = parse_issue(_write(tmp_path, "tools-41.md", ROUNDUP))
    assert heads(issue) == ["Articles", "Releases"]
    articles = issue.stories[0]
    assert [(i.title, i.url) for i in articles.items] == [
        ("Faster builds with caching", "https://example.com/cache"),
        ("Why we left the monorepo", "https://example.com/mono"),
    ]
    assert articles.items[0].paragraphs == ["A clear walk through remote caching. Worth reading twice."]
    posts = _full_posts(issue)
    # item by item: each item's post starts with its title and link, then its commentary
    cache = next(p for p in posts if "Faster builds" in p)
    assert "https://example.com/cache" in cache and "remote caching" in cache
    mono = next(p for p in posts if "Why we left" in p)
    assert "remote caching" not in mono and "https://example.com/mono" in mono
    assert not any(
        p.rstrip(" 0123456789/").endswith("Why we left the monorepo https://example.com/mono") and "remote caching" in p
        for p in posts
    )


# 3. Headers ---------------------------------------------------------------------------------------


def test_key_value_header_is_metadata_and_a_late_h1_is_not_the_title(tmp_path):
    text = (
        "Title: Weekly Notes 88\nNumber: 88\nDate: 2024-03-01\n\n"
        "## First Thing\n\nSome text about the first thing.\n\n"
        "## Second Thing\n\nMore text about the second.\n\n"
        "# Quote of the Week\n\n> Simple things should be simple.\n\nSaid someone wise.\n"
    )
    issue = parse_issue(_write(tmp_path, "notes.md", text))
    assert issue.title == "Weekly Notes 88" and issue.number == 88 and issue.date == "2024-03-01"
    assert not any("Title:" in line or "Number:" in line for line in issue.intro)
    assert heads(issue)[:2] == ["First Thing", "Second Thing"]


@pytest.mark.parametrize(
    "front",
    [
        "subject: The Big One\npublish_date: 2024-05-06T10:00:00Z\nabsolute_url: https://news.example.com/issue-130\n",
        "title: The Big One\npublish_date: '2024-05-06 10:00:00 -0400'\ncanonical_url: https://news.example.com/issue-130\n",
        "title: The Big One\ndate: 2024-05-06\nslug: issue-130\nurl: https://news.example.com/issue-130\n",
    ],
)
def test_front_matter_dialects(tmp_path, front):
    text = f"---\n{front}description: A short summary\n---\n\n## One\n\nText one.\n\n## Two\n\nText two.\n"
    issue = parse_issue(_write(tmp_path, "post.md", text))
    assert issue.title == "The Big One"
    assert issue.date == "2024-05-06"
    assert issue.url == "https://news.example.com/issue-130"
    assert issue.number == 130


def test_toml_front_matter(tmp_path):
    text = '+++\ntitle = "Gardening Digest #7"\ndate = 2024-04-01\n+++\n\n## Seeds\n\nSow now.\n\n## Soil\n\nDig in.\n'
    issue = parse_issue(_write(tmp_path, "digest-99.md", text))
    assert issue.title == "Gardening Digest #7" and issue.number == 7  # not 99 from the file name
    assert issue.date == "2024-04-01" and issue.brand == "Gardening Digest"


# 4. Brand -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "welcome, brand",
    [
        ("Welcome to the newsletter!", None),
        ("Welcome to this week's issue, friends.", None),
        ("Welcome to Weekly Thing #130 and the final issue for 2019.", "Weekly Thing"),
        ("Welcome to Hill Country Notes! 🌵", "Hill Country Notes"),
    ],
)
def test_brand_is_a_name_or_nothing(tmp_path, welcome, brand):
    text = f"{welcome}\n\n## Alpha\n\nText about alpha.\n\n## Beta\n\nText about beta.\n"
    issue = parse_issue(_write(tmp_path, "notes.md", text))
    assert issue.brand == brand
    closing = plan_thread(issue, Config()).posts[-1].text
    assert "crosspost" not in closing.lower()
    if brand is None:
        assert "the newsletter" not in closing and "CROSSPOST" not in closing
    else:
        assert closing.count(brand) == 1


def test_brand_from_the_recurring_part_of_the_title(tmp_path):
    text = "# This Week in Gardens 512\n\n## Roses\n\nPrune now.\n\n## Tulips\n\nPlant bulbs.\n"
    issue = parse_issue(_write(tmp_path, "x.md", text))
    assert issue.brand == "This Week in Gardens" and issue.number == 512


def test_no_brand_means_no_brand_on_cards(tmp_path):
    from crosspost.cards import card_specs
    from crosspost.cards.layout import _eyebrow

    text = "## Alpha\n\nText about alpha here.\n\n## Beta\n\nText about beta here.\n"
    issue = parse_issue(_write(tmp_path, "plain.md", text))
    spec = card_specs(issue, Config(root=tmp_path), "x")[0]
    assert issue.brand is None and spec.brand == "" and _eyebrow(spec) == ""
    assert "crosspost" not in spec.alt_text.lower()


# 5. Underlined headings ---------------------------------------------------------------------------


def test_setext_and_rst_headings_and_targets(tmp_path):
    text = (
        "Project News\n============\n\nNuts and Bolts\n--------------\n\n"
        "We fixed the `parser`_ and the build.\n\n"
        "Community\n---------\n\nThe meetup moved to Thursdays.\n\n"
        ".. _parser: https://example.com/parser\n"
    )
    issue = parse_issue(_write(tmp_path, "news.txt", text))
    assert heads(issue) == ["Nuts and Bolts", "Community"]
    assert issue.title == "Project News"
    body = " ".join(p for s in issue.stories for p in s.paragraphs)
    assert "=====" not in body and "-----" not in body and ".. _" not in body and "`" not in body
    assert "We fixed the parser and the build." in body
    assert ("parser", "https://example.com/parser") in [(lk.text, lk.url) for lk in issue.stories[0].links]


# 6. Stories marked another way --------------------------------------------------------------------


@pytest.mark.parametrize("style", ["__{}.__", "**{}.**"])
def test_bold_lead_ins(tmp_path, style):
    text = (
        "\n\n".join(
            f"{style.format(t)} {b}"
            for t, b in [
                ("Rates", "The bank held rates at four percent for a third month running."),
                ("Housing", "Building permits rose for the first time this year, mostly flats."),
                ("Jobs", "Unemployment fell slightly, to 4.1 percent, in the spring figures."),
            ]
        )
        + "\n"
    )
    issue = parse_issue(_write(tmp_path, "brief.md", text))
    assert heads(issue) == ["Rates", "Housing", "Jobs"]
    assert issue.stories[0].paragraphs == ["The bank held rates at four percent for a third month running."]


def test_label_list_items_with_nested_links(tmp_path):
    text = (
        "Links this week.\n\n- Tools:\n  - [Ripgrep 14](https://example.com/rg) is out\n"
        "  - [fd 9](https://example.com/fd)\n- Reading:\n  - [On naming](https://example.com/naming)\n"
    )
    issue = parse_issue(_write(tmp_path, "links.md", text))
    assert heads(issue) == ["Tools", "Reading"]
    urls = [lk.url for lk in issue.stories[0].links]
    assert "https://example.com/rg" in urls and "https://example.com/fd" in urls
    assert not any("https://" in s.headline for s in issue.stories)


# 7. Hard-wrapped plain text -----------------------------------------------------------------------


def test_wrapped_line_of_names_is_not_a_headline(tmp_path):
    text = (
        "Harbour Notes #5\n\nBoats Are Back\n\n"
        "The regatta drew crews from across the coast this year, including\n"
        "Anna Berg, Tomas Lind, Erik Sund, Maja Holm and Petra Ek Who Won\n"
        "the final race by a length in strong winds off the point.\n\n"
        "Fish Prices Fall\n\n"
        "Cod fell to its lowest price in a decade at Monday's auction, which\n"
        "traders put down to a mild winter and full nets.\n"
    )
    issue = parse_issue(_write(tmp_path, "harbour-5.txt", text))
    assert heads(issue) == ["Boats Are Back", "Fish Prices Fall"]
    assert "Anna Berg, Tomas Lind" in issue.stories[0].paragraphs[0]


# 8. CJK -------------------------------------------------------------------------------------------


def test_cjk_lines_join_without_spaces_and_list_titles_stay_with_their_text(tmp_path):
    text = (
        "# 科技周刊 第 12 期\n\n## 新闻\n\n苹果公司今天发布了新产品。\n大家都很期待。\n\n"
        "## 工具\n\n**编辑器**\n\n一个很快的编辑器，支持插件。\n\n**终端**\n\n一个现代的终端模拟器。\n"
    )
    issue = parse_issue(_write(tmp_path, "weekly-12.md", text))
    assert issue.stories[0].paragraphs == ["苹果公司今天发布了新产品。大家都很期待。"]
    assert [i.title for i in issue.stories[1].items] == ["编辑器", "终端"]
    for post in _full_posts(issue):
        assert "。 " not in re.sub(r" \d+/\d+$", "", post)
        assert not re.search(r"(?:编辑器|终端)(?: \d+/\d+)?$", post)  # no title orphaned at a post's end


# 9. Tables ----------------------------------------------------------------------------------------


def test_markdown_tables_become_readable_lines(tmp_path):
    text = (
        "## Prices\n\nThis week's prices:\n\n| Item | Price |\n| --- | --- |\n| Apples | 2.10 |\n"
        "| Pears | 3.40 |\n\n## Weather\n\nSunny all week.\n"
    )
    issue = parse_issue(_write(tmp_path, "market.md", text))
    assert issue.stories[0].paragraphs == [
        "This week's prices:",
        "Item: Apples · Price: 2.10",
        "Item: Pears · Price: 3.40",
    ]
    for post in _full_posts(issue):
        assert "|" not in post and "---" not in post


# 10. Page chrome ----------------------------------------------------------------------------------


def test_blog_sidebar_is_not_stories(tmp_path):
    stories = "".join(f"<h1>Story {n} Title</h1><p>Paragraph {n} with real news in it.</p>" for n in range(1, 6))
    html = (
        f"<html><head><title>Club Bulletin</title></head><body><div id='page'><div id='content'>{stories}</div>"
        "<div id='sidebar' class='widget-area'><h2>Upcoming Events</h2><ul><li>Bake sale</li></ul>"
        "<h2>Recent Blog Posts</h2><ul><li>Old post</li></ul><h2>Blog Tag Cloud</h2><p>news club</p></div>"
        "</div></body></html>"
    )
    issue = parse_issue(_write(tmp_path, "bulletin.html", html))
    assert heads(issue) == [f"Story {n} Title" for n in range(1, 6)]


def test_email_table_of_contents_is_not_stories(tmp_path):
    html = (
        "<html><head><title>Brief 3</title></head><body><table role='presentation'><tr><td>"
        "<p><strong>In this issue</strong></p><ul><li><a href='#a'>Port</a></li><li><a href='#b'>Trains</a></li></ul>"
        "<h2 id='a'>The Port Reopens After Six Weeks</h2><p>Ships queue outside the harbour again.</p>"
        "<h2 id='b'>Night Trains Return to the Capital</h2><p>A sleeper links both cities from May.</p>"
        "</td></tr></table></body></html>"
    )
    issue = parse_issue(_write(tmp_path, "brief-3.html", html))
    assert heads(issue) == ["The Port Reopens After Six Weeks", "Night Trains Return to the Capital"]


# 11. Title from the right place -------------------------------------------------------------------


def test_title_from_metadata_not_a_greeting(tmp_path):
    html = (
        "<html><head><title>Gun laws, court ruling - Town News Daily</title>"
        '<meta property="og:title" content="Gun laws, court ruling - Town News Daily"></head><body>'
        "<h1>☀️ Good Morning, Town!</h1><p>Sunny, 24°C.</p>"
        "<h2>Gun Laws Tighten</h2><p>The state passed a new law.</p>"
        "<h2>Court Rules on Appeal</h2><p>The court rejected the appeal.</p></body></html>"
    )
    issue = parse_issue(_write(tmp_path, "daily-4.html", html))
    assert issue.title == "Gun laws, court ruling" and issue.brand == "Town News Daily"
    assert heads(issue) == ["Gun Laws Tighten", "Court Rules on Appeal"]
    assert issue.number == 4  # from the file name, as nothing in the page says otherwise


# 12. Stories one level down -----------------------------------------------------------------------


def test_single_news_section_of_bold_items(tmp_path):
    text = (
        "---\ntitle: 週刊ニュース 第5号\n---\n\n## ニュース\n\n"
        "- **新しいリリース**\n\n  バージョン2.0が公開されました。\n\n"
        "- **イベントのお知らせ**\n\n  来月、東京で勉強会を開きます。\n\n"
        "- **寄稿募集**\n\n  記事を募集しています。\n"
    )
    issue = parse_issue(_write(tmp_path, "weekly.md", text))
    assert heads(issue) == ["新しいリリース", "イベントのお知らせ", "寄稿募集"]
    assert issue.number == 5


# 13. Plain-text mail with separators ------------------------------------------------------------


def test_plain_text_mail_sections_between_separator_lines(tmp_path):
    sections = ["Club Meeting Moved", "New Members", "Treasurer's Report", "Summer Trip"]
    body = "\n".join(
        f"----------------------------------------\n\n{t}\n\n"
        f"Some text about {t.lower()} that is long enough to be a paragraph of news\n"
        f"and wraps onto a second line as mail does.\n\n"
        f">From the archive: a note on {t.lower()}.\n"
        for t in sections
    )
    text = (
        "From: club@example.org\nSubject: [club] Club Letter No. 8\nDate: Mon, 3 Jun 2024 09:00:00 +0000\n\n"
        "Hello all,\n\n" + body + "----------------------------------------\nTo unsubscribe, reply STOP.\n"
    )
    issue = parse_issue(_write(tmp_path, "letter.txt", text))
    assert heads(issue) == sections
    assert issue.title == "Club Letter No. 8" and issue.number == 8 and issue.date == "2024-06-03"
    joined = " ".join(p for s in issue.stories for p in s.paragraphs)
    assert "From the archive" in joined and ">From" not in joined and "-----" not in joined
    assert "unsubscribe" not in joined.lower()


# 14. Cards from long excerpts -------------------------------------------------------------------


def test_card_quote_from_a_long_excerpt_is_short(tmp_path):
    from crosspost.cards.quotes import pick_quote

    excerpt = (
        " ".join(
            f"Sentence number {n} of the quoted article says something about the topic at some length."
            for n in range(1, 13)
        )
        + " We think this is the single most important change to the tax system in thirty years."
    )
    text = (
        f"## Reading\n\n### [A long article](https://example.com/a)\n\n> {excerpt}\n\nMy comment on it.\n\n"
        f"### [Another](https://example.com/b)\n\nShort note.\n\n## Other\n\nMore.\n"
    )
    issue = parse_issue(_write(tmp_path, "issue-9.md", text))
    quote = pick_quote(issue.stories[0])
    assert len(quote.split()) <= 30
    assert "most important change" in quote
    assert issue.brand is None
    # the excerpt itself is still posted in full mode (nothing lost)
    assert any("Sentence number 12" in p for p in _full_posts(issue))


# [issue] settings fix a wrong guess --------------------------------------------------------------


def test_settings_override_the_guess(tmp_path):
    text = (
        "# Big Title\n\n## Section\n\n### One\n\nText one.\n\n### Two\n\nText two.\n\n"
        "## Partner Spotlight\n\nBuy things.\n\n## Last\n\nThe end.\n"
    )
    path = _write(tmp_path, "x.md", text)
    assert heads(parse_issue(path)) == ["Section", "Partner Spotlight", "Last"]
    assert heads(parse_issue(path, Settings(stories="h3"))) == ["One", "Two"]
    issue = parse_issue(path, Settings(title="My Title", brand="My Brand", skip=["partner"]))
    assert issue.title == "My Title" and issue.brand == "My Brand"
    assert heads(issue) == ["Section", "Last"]
    assert any("skip" in line and "Partner Spotlight" in line for line in issue.explain)


# Found on issues kept aside (never tuned on before they were read) ------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2024/08/19",
        "2024.08.19",
        "August 19, 2024",
        "19 Aug 2024",
        "2024-08-19 09:00:00 -0500",
        "Mon, 19 Aug 2024 09:00:00 GMT",
    ],
)
def test_front_matter_dates_in_the_forms_sites_write(tmp_path, value):
    text = f"---\ntitle: T\ndate: '{value}'\n---\n\n## A\n\nText a.\n\n## B\n\nText b.\n"
    assert parse_issue(_write(tmp_path, "t.md", text)).date == "2024-08-19"


def test_volume_and_number(tmp_path):
    text = "Volume 38, Number 3\n\n## A\n\nText a.\n\n## B\n\nText b.\n"
    assert parse_issue(_write(tmp_path, "club.md", text)).number == 3


def test_a_repeated_separator_is_not_an_underline(tmp_path):
    sections = ["Meeting Moved to Thursday", "Treasurer's Report", "Field Day Plans"]
    body = "".join(
        f"{t}\n\nThe text of {t.lower()} goes here, as a paragraph of some length.\n----------\n\n" for t in sections
    )
    text = "The Club Letter\n\nJanuary 2009\n----------\n\n" + body
    issue = parse_issue(_write(tmp_path, "letter.txt", text))
    assert heads(issue) == sections


def test_a_button_is_never_a_headline(tmp_path):
    button = '<p><a href="https://example.com/{0}" style="font-weight:bold"><strong>Learn More</strong></a></p>'
    html = (
        "<html><head><title>Club News 3</title></head><body><table role='presentation'><tr><td>"
        "<p><b>Pool Opens Saturday</b></p><p>The pool opens at nine with free entry for members.</p>"
        + button.format("pool")
        + "<p>Check out the timetable on our website for the full summer season.</p>"
        "<p><b>Courts Resurfaced</b></p><p>All four tennis courts were resurfaced in May.</p>"
        + button.format("courts")
        + "<p>Booking opens again next week for members and their guests.</p>"
        "</td></tr></table></body></html>"
    )
    issue = parse_issue(_write(tmp_path, "club-3.html", html))
    assert heads(issue) == ["Pool Opens Saturday", "Courts Resurfaced"]
    assert "https://example.com/pool" in [lk.url for lk in issue.stories[0].links]


def test_a_long_story_with_sub_heads_stays_one_story(tmp_path):
    long = " ".join(["The council spent the evening on the budget and what it means for every street."] * 6)
    text = (
        f"## The Budget, Explained\n\n{long}\n\n### Roads\n\n{long}\n\n### Schools\n\n{long}\n\n"
        "## Short Notes\n\nThe library closes early on Friday.\n"
    )
    issue = parse_issue(_write(tmp_path, "town.md", text))
    assert heads(issue) == ["The Budget, Explained", "Short Notes"]
    assert [i.title for i in issue.stories[0].items] == ["Roads", "Schools"]


def test_a_byline_is_not_a_headline(tmp_path):
    text = (
        "Harbour Notes #6\n\nThe Ferry Returns\n\nBy Jane Doe\n\nThe ferry runs again from Monday, twice a day.\n\n"
        "Market Day Moves\n\nBy Tom Lind\n\nThe Saturday market moves to the square for the summer.\n"
    )
    issue = parse_issue(_write(tmp_path, "harbour-6.txt", text))
    assert heads(issue) == ["The Ferry Returns", "Market Day Moves"]
    assert issue.stories[0].paragraphs == ["By Jane Doe", "The ferry runs again from Monday, twice a day."]


def test_hidden_elements_and_share_links_are_not_story_text(tmp_path):
    html = (
        "<html><body><article><h2>Bridge Repairs</h2><p>The bridge closes in June for repairs.</p>"
        "<p hidden>Secret tracking text</p><p aria-hidden='true'>Screen-reader-hidden text</p>"
        "<div class='share-buttons'><a href='https://twitter.com/share'>Share on Twitter</a></div>"
        "<span style='display:none'>preheader words</span>"
        "<h2>New Park</h2><p>A park opens on the old rail yard.</p></article></body></html>"
    )
    issue = parse_issue(_write(tmp_path, "town.html", html))
    text = " ".join(p for s in issue.stories for p in s.paragraphs)
    assert heads(issue) == ["Bridge Repairs", "New Park"]
    for junk in ("Secret tracking", "Screen-reader-hidden", "Share on Twitter", "preheader words"):
        assert junk not in text


# An issue saved as the e-mail itself ----------------------------------------------------------


@pytest.mark.parametrize("name", ["tips.eml", "tips.txt"])  # a MIME message is one whatever its name
def test_eml_message_with_quoted_printable_html(tmp_path, name):
    html = (
        '<html><body><table role=3D"presentation"><tr><td>'
        "<p><strong>1/ Say what went wrong</strong></p><p>Tell the reader why nothing matched =\n"
        "and what to try.</p><p><strong>2/ Offer a way out</strong></p><p>Suggest popular searc=\n"
        "hes instead of a dead end.</p></td></tr></table></body></html>"
    )
    text = (
        "From: Design Letter <hello@example.com>\nTo: reader@example.com\n"
        "Subject: Fwd: [design] 2 tips for empty search pages\nDate: Tue, 14 Dec 2021 03:03:07 -0800\n"
        'MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="XYZ"\n\n'
        "--XYZ\nContent-Type: text/plain; charset=utf-8\n\nplain version\n\n"
        "--XYZ\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
        f"{html}\n--XYZ--\n"
    )
    issue = parse_issue(_write(tmp_path, name, text))
    assert issue.format == "html"
    assert issue.title == "2 tips for empty search pages" and issue.date == "2021-12-14"
    assert heads(issue) == ["1/ Say what went wrong", "2/ Offer a way out"]
    assert issue.stories[1].paragraphs == ["Suggest popular searches instead of a dead end."]


def test_link_list_items_with_descriptions_are_items_and_bare_links_keep_their_url(tmp_path):
    text = (
        "# Club Weekly #5\n\n## Announcements\n\n"
        "- [Makes](https://example.com/makes)\n\n  A framework for builds, with a long description here.\n\n"
        "- [Mobile round-up](https://example.com/mobile)\n"
        "- [Nix on macOS](https://example.com/macos)\n\n  The ongoing effort at bumping the SDK.\n\n"
        "## Jobs\n\nWe are hiring.\n"
    )
    issue = parse_issue(_write(tmp_path, "weekly-5.md", text))
    story = issue.stories[0]
    assert [(i.title, i.url) for i in story.items] == [
        ("Makes", "https://example.com/makes"),
        ("Nix on macOS", "https://example.com/macos"),
    ]
    assert "Mobile round-up https://example.com/mobile" in story.paragraphs
    posts = _full_posts(issue)
    assert any(p.startswith("Nix on macOS https://example.com/macos\n\nThe ongoing effort") for p in posts)


def test_substack_export_post_body_only(tmp_path):
    """A Substack export's posts/<id>.<slug>.html holds only the post's body: no <html>, no title."""
    html = (
        "<p>Hello readers, a short week.</p><h2>The Port Reopens</h2><p>Ships queue again.</p>"
        "<h2>Night Trains</h2><p>A sleeper links the capitals from May.</p>"
        "<div class='subscription-widget-wrap'><p>Subscribe now</p></div>"
    )
    issue = parse_issue(_write(tmp_path, "142857391.ports-and-night-trains.html", html))
    assert heads(issue) == ["The Port Reopens", "Night Trains"]
    assert issue.number is None  # a post id, not an issue number
    assert issue.title == "Ports and night trains"


def test_rst_targets_in_markdown_are_links(tmp_path):
    text = (
        "## Tools\n\nWe fixed the `parser`_ this week.\n\n## Docs\n\nNew pages.\n\n"
        ".. _parser: https://example.com/parser\n"
    )
    issue = parse_issue(_write(tmp_path, "news.md", text))
    assert issue.stories[0].paragraphs == ["We fixed the parser this week."]
    assert ("parser", "https://example.com/parser") in [(lk.text, lk.url) for lk in issue.stories[0].links]


def test_date_words_are_the_alternation_they_replaced():
    """meta._DATE_WORDS (a set) answers as the regex fullmatch of its alternation did, on every word
    and on near misses."""
    import re

    from crosspost.parse import meta

    pattern = re.compile(f"{meta._MONTHS}|{meta._DAYS}")
    words = f"{meta._MONTHS}|{meta._DAYS}".split("|")
    probes = words + [w + "s" for w in words] + [w[:-1] for w in words] + ["", "may.", "Jan", "märzen", "sept"]
    for probe in probes:
        assert (probe in meta._DATE_WORDS) == bool(pattern.fullmatch(probe)), probe
