"""One hashtag normaliser for config tags, front matter, article:tag, X and Instagram."""

from __future__ import annotations

from crosspost.hashtags import hashtag, hashtags


def test_hashtag():
    assert hashtag("tech") == "#tech"
    assert hashtag(" #tech news ") == "#technews"
    assert hashtag("＃日本") == "#日本"
    assert hashtag("c\u0327a-va!") == "#\u00e7ava"  # a decomposed "ç" is one letter, kept
    assert hashtag("snake_case") == "#snake_case"
    assert hashtag("#") == "" and hashtag("  ") == "" and hashtag("🐜") == ""


def test_hashtags_drop_empties_and_repeats_of_any_case():
    assert hashtags(["AI", "#ai", "", "#", "tech news", "TechNews", "Go"]) == ["#AI", "#technews", "#Go"]


def test_front_matter_and_article_tags_are_normalised_alike(tmp_path):
    from crosspost.parse import parse_issue

    md = tmp_path / "issue-3.md"
    md.write_text("---\nhashtags: ['#foo-bar', 'Foo_Bar', 'foobar', c++]\n---\n## A\n\nText.\n", encoding="utf-8")
    assert parse_issue(md).hashtags == ["foobar", "Foo_Bar", "c"]
    html = tmp_path / "issue-4.html"
    html.write_text(
        '<html><head><title>T</title><meta property="article:tag" content="#foo-bar">'
        '<meta property="article:tag" content="FOOBAR"><meta property="article:tag" content="日本">'
        "</head><body><article><h2>A</h2><p>Text.</p></article></body></html>",
        encoding="utf-8",
    )
    assert parse_issue(html).hashtags == ["foobar", "日本"]
