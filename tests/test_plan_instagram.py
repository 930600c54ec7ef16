"""Instagram plans: caption layout, hashtags, carousels, per-story posts and every limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosspost.config import Config
from crosspost.errors import InputError
from crosspost.model import Issue, Media, Plan, Post, Story
from crosspost.parse import parse_issue
from crosspost.plan.carousel import hashtags, plan_carousel as plan_instagram, validate as validate_instagram

SAMPLE = Path(__file__).resolve().parent.parent / "issues" / "issue-34.txt"


def _cards(issue: Issue) -> dict[int, Media]:
    return {s.index: Media(f"card-{s.index}.png", f"alt {s.index}", s.index) for s in issue.stories}


def _issue(n: int = 3, **kw) -> Issue:
    stories = [
        Story(f"Story {i}", emoji="🐜" if i % 2 else "", paragraphs=[f"Lead {i}. More {i}."], index=i)
        for i in range(1, n + 1)
    ]
    return Issue(id="t", title="Title", stories=stories, source="issues/t.txt", **kw)


def test_sample_carousel_caption():
    issue = parse_issue(SAMPLE)
    cover = Media("cover.png", "cover")
    plan = plan_instagram(issue, Config(), cards=_cards(issue), cover=cover)
    assert plan.platform == "instagram" and len(plan.posts) == 1
    post = plan.posts[0]
    assert post.media == [cover] + [_cards(issue)[s.index] for s in issue.stories]
    blocks = post.text.split("\n\n")
    assert blocks[0] == issue.title
    assert blocks[1].splitlines() == [f"{s.emoji} {s.headline}" for s in issue.stories]
    assert blocks[1].splitlines()[0] == "🐜 Ant Group Launches New Blockchain Solution"
    assert blocks[2] == "Link in bio"


def test_caption_link_mentions_hashtags_and_bullets():
    issue = _issue(url="https://ex.com/34", hashtags=["news", "#Tech", "china!"])
    config = Config()
    config.instagram.hashtags = ["China", "tech"]
    config.instagram.mentions = ["ewh", "@friend"]
    text = plan_instagram(issue, config, cards=_cards(issue)).posts[0].text
    assert "• Story 2" in text and "🐜 Story 1" in text
    assert "Link in bio\nhttps://ex.com/34\n@ewh @friend" in text
    assert text.endswith("#China #tech #news")


def test_hashtags_cleaning():
    assert hashtags(["a b", "#a_b", "ab", "#AB", "ç-ö", "", "#", "日本"]) == ["#ab", "#a_b", "#çö", "#日本"]


def test_more_than_ten_cards_balanced_carousels():
    issue = _issue(11)
    plan = plan_instagram(issue, Config(), cards=_cards(issue), cover=Media("cover.png", "cover"))
    sizes = [len(p.media) for p in plan.posts]
    assert sizes == [6, 6] and "(1/2)" in plan.posts[0].text and "(2/2)" in plan.posts[1].text
    issue = _issue(21)
    assert [len(p.media) for p in plan_instagram(issue, Config(), cards=_cards(issue)).posts] == [7, 7, 7]


def test_per_story_posts():
    issue = _issue(3, url="https://ex.com/34")
    plan = plan_instagram(issue, Config(), cards=_cards(issue), per_story=True)
    assert [p.story for p in plan.posts] == [1, 2, 3]
    assert all(len(p.media) == 1 for p in plan.posts)
    assert plan.posts[0].text.startswith("🐜 Story 1\n\nLead 1. More 1.\n\nLink in bio")
    del_card = _cards(issue)
    del del_card[2]
    with pytest.raises(InputError, match="story 2"):
        plan_instagram(issue, Config(), cards=del_card, per_story=True)


def test_per_story_lead_fits_caption():
    long_par = " ".join(f"Sentence number {i} is here." for i in range(200))
    issue = Issue(id="t", title="T", stories=[Story("H", paragraphs=[long_par], index=1)])
    post = plan_instagram(issue, Config(), cards=_cards(issue), per_story=True).posts[0]
    assert 1500 < len(post.text) <= 2200 and ". Link" not in post.text
    assert "is here.\n\nLink in bio" in post.text


def _plan(text="ok", media=None) -> Plan:
    media = [Media("a.png", "alt"), Media("b.png", "alt")] if media is None else media
    return Plan(platform="instagram", issue_id="t", posts=[Post(text=text, media=media)])


def test_validate_caption_length():
    validate_instagram(_plan("x" * 2200))
    with pytest.raises(InputError, match="2201 characters"):
        validate_instagram(_plan("x" * 2201))


def test_validate_hashtags_and_mentions():
    validate_instagram(_plan(" ".join(f"#t{i}" for i in range(30))))
    with pytest.raises(InputError, match="31 hashtags"):
        validate_instagram(_plan(" ".join(f"#t{i}" for i in range(31))))
    validate_instagram(_plan(" ".join(f"@u{i}" for i in range(20))))
    with pytest.raises(InputError, match="21 mentions"):
        validate_instagram(_plan(" ".join(f"@u{i}" for i in range(21))))
    validate_instagram(_plan("mail me at a@b.com #1 and#2"))  # not a mention, hashtags counted sanely


def test_validate_media_counts_and_alt_text():
    validate_instagram(_plan(media=[Media("a.png", "alt")]))  # a single photo post
    validate_instagram(_plan(media=[Media(f"{i}.png", "alt") for i in range(10)]))
    with pytest.raises(InputError, match="2 to 10"):
        validate_instagram(_plan(media=[Media(f"{i}.png", "alt") for i in range(11)]))
    with pytest.raises(InputError, match="needs an image"):
        validate_instagram(_plan(media=[]))
    with pytest.raises(InputError, match="no alt text"):
        validate_instagram(_plan(media=[Media("a.png", " ")]))
    validate_instagram(_plan(media=[Media("a.png", "x" * 1000)]))
    with pytest.raises(InputError, match="1001 characters"):
        validate_instagram(_plan(media=[Media("a.png", "x" * 1001)]))


def test_plan_instagram_validates_and_names_file():
    issue = _issue(2)
    issue.title = "T" * 2300
    with pytest.raises(InputError) as err:
        plan_instagram(issue, Config(), cards=_cards(issue))
    assert str(err.value).startswith("issues/t.txt: ") and "limit is 2200" in str(err.value)
    issue = _issue(2)
    with pytest.raises(InputError, match="needs an image"):
        plan_instagram(issue, Config(), cards={})
