"""X thread plans: limits, numbering, summary/full coverage, on the sample and generated issues."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crosspost.config import Config
from crosspost.errors import InputError
from crosspost.model import Issue, Item, Media, Story
from crosspost.parse import parse_issue
from crosspost.plan.thread import plan_thread
from crosspost.plan.split import normalise, paragraphs, sentences
from crosspost.platforms.x.textlen import weighted_length

SAMPLE = Path(__file__).resolve().parent.parent / "issues" / "issue-34.txt"
NUMBER = re.compile(r" (\d+)/(\d+)$")


@pytest.fixture(scope="module")
def sample() -> Issue:
    return parse_issue(SAMPLE)


def _cards(issue: Issue) -> dict[int, Media]:
    return {s.index: Media(f"card-{s.index}.png", f"alt {s.index}", s.index) for s in issue.stories}


def _strip_number(text: str) -> str:
    return NUMBER.sub("", text)


def _check_limits_and_numbering(plan, limit, numbering=True):
    n = len(plan.posts)
    for i, post in enumerate(plan.posts, 1):
        assert post.weighted_length == weighted_length(post.text) <= limit
        m = NUMBER.search(post.text)
        if numbering:
            assert m and (int(m.group(1)), int(m.group(2))) == (i, n)
        else:
            assert not (m and m.group(2) == str(n) and int(m.group(1)) == i)


def _story_text(plan, story: Story) -> str:
    """The story's words as posted: its posts, numbering and headline removed."""
    texts = [_strip_number(p.text) for p in plan.posts if p.story == story.index]
    first = texts[0]
    assert first.startswith(story.display_headline)
    texts[0] = first[len(story.display_headline) :]
    return normalise(" ".join(texts))


def test_summary_on_sample(sample):
    plan = plan_thread(sample, Config(), cards=_cards(sample))
    assert plan.platform == "x" and plan.thread and plan.mode == "summary" and plan.limit == 280
    _check_limits_and_numbering(plan, 280)
    opening = plan.posts[0].text
    assert sample.title in opening and "East West Hurricane" in opening and "🧵" in opening
    story_posts = [p for p in plan.posts if p.story is not None]
    assert [p.story for p in story_posts] == [s.index for s in sample.stories]
    for post, story in zip(story_posts, sample.stories):
        assert post.media == [_cards(sample)[story.index]]
        head, lead = _strip_number(post.text).split("\n\n", 1)
        assert head == story.display_headline
        # The lead is whole sentences from the start of the story, ending on a sentence boundary.
        all_sentences = [s for p in story.paragraphs for s in sentences(p)]
        lead_sentences = sentences(lead)
        assert lead_sentences == all_sentences[: len(lead_sentences)] and lead_sentences


def test_full_on_sample_covers_every_sentence_once(sample):
    plan = plan_thread(sample, Config(), mode="full", cards=_cards(sample))
    _check_limits_and_numbering(plan, 280)
    for story in sample.stories:
        assert _story_text(plan, story) == normalise(" ".join(story.paragraphs))
        with_media = [p for p in plan.posts if p.story == story.index and p.media]
        assert len(with_media) == 1 and with_media[0].text.startswith(story.display_headline)


@pytest.mark.parametrize("limit", [60, 120, 200, 500])
def test_limit_option_respected(sample, limit):
    for mode in ("summary", "full"):
        plan = plan_thread(sample, Config(), mode=mode, limit=limit)
        assert plan.limit == limit
        _check_limits_and_numbering(plan, limit)


def test_config_defaults_and_no_numbering(sample):
    config = Config()
    config.x.numbering = False
    config.x.mode = "full"
    config.x.limit = 200
    plan = plan_thread(sample, config)
    assert plan.mode == "full" and plan.limit == 200
    assert not any(NUMBER.search(p.text) for p in plan.posts)
    assert all(p.weighted_length <= 200 for p in plan.posts)
    numbered = plan_thread(sample, config, numbering=True)
    assert all(NUMBER.search(p.text) for p in numbered.posts)


def test_numbering_room_reserved_for_widest_number():
    # Sentences that exactly fill a post when no room is reserved.
    sentence = "word " * 40 + "end."
    stories = [Story(f"Story {i}", paragraphs=[sentence], index=i) for i in range(1, 13)]
    issue = Issue(id="t", title="Title", stories=stories)
    plan = plan_thread(issue, Config(), mode="full", limit=205)
    assert len(plan.posts) >= 10
    _check_limits_and_numbering(plan, 205)


def test_closing_post_link_cta_hashtags():
    issue = Issue(id="t", title="T", stories=[Story("S", paragraphs=["One."], index=1)], url="https://ex.com/34")
    config = Config()
    config.x.hashtags = ["China", "#tech news", "AI"]
    closing = plan_thread(issue, config).posts[-1].text
    assert closing.startswith("Read the whole issue: https://ex.com/34")
    assert "#China #technews #AI" in closing
    issue.url = None
    # no link: the post names the issue (X refuses a repeated text), and no call to read a link
    # that is not there
    closing = plan_thread(issue, config).posts[-1].text
    assert closing.startswith("Thanks for reading T!\n\n#China") and "Read the whole issue" not in closing
    config.x.call_to_action = ""
    config.x.hashtags = []
    assert plan_thread(issue, config).posts[-1].story == 1  # neither: no closing post
    config.x.call_to_action = "Subscribe"
    config.x.subscribe_url = "https://ex.com/subscribe"
    assert (
        plan_thread(issue, config)
        .posts[-1]
        .text.startswith("Thanks for reading T! Subscribe: https://ex.com/subscribe")
    )


def test_urls_never_split_and_words_never_cut():
    url = "https://example.com/" + "very-long-path/" * 10
    par = (
        "Intro words here, " + " ".join(["lorem ipsum dolor"] * 10) + f" see {url} for more. " + "Final sentence here."
    )
    issue = Issue(id="t", title="T", stories=[Story("Head", paragraphs=[par], index=1)])
    for mode in ("summary", "full"):
        plan = plan_thread(issue, Config(), mode=mode, limit=80)
        _check_limits_and_numbering(plan, 80)
        tokens = {t for p in plan.posts if p.story for t in _strip_number(p.text).split()}
        source_tokens = set(par.split())
        assert tokens - {"Head"} <= source_tokens | {t + "…" for t in source_tokens} | {
            t.rstrip(",") + "…" for t in source_tokens
        }
    full = plan_thread(issue, Config(), mode="full", limit=80)
    assert any(url in p.text.split() for p in full.posts)


def test_summary_first_sentence_too_long_is_cut_with_ellipsis():
    long_sentence = "This sentence, which is rather long, keeps going with many words and never stops soon enough."
    issue = Issue(id="t", title="T", stories=[Story("Head", paragraphs=[long_sentence], index=1)])
    post = plan_thread(issue, Config(), limit=60).posts[1]
    body = _strip_number(post.text).split("\n\n", 1)[1]
    assert body.endswith("…") and long_sentence.startswith(body[:-1])
    assert post.weighted_length <= 60


def test_too_long_word_names_the_file():
    issue = Issue(id="t", title="T", stories=[Story("H", paragraphs=["x" * 300], index=1)], source="issues/t.txt")
    with pytest.raises(InputError) as err:
        plan_thread(issue, Config(), mode="full")
    assert str(err.value).startswith("issues/t.txt: ") and "xxxx" in str(err.value)


def test_bad_mode_and_limit():
    issue = Issue(id="t", title="T", stories=[])
    with pytest.raises(InputError):
        plan_thread(issue, Config(), mode="poem")
    with pytest.raises(InputError):
        plan_thread(issue, Config(), limit=10)


# --- generated issues -----------------------------------------------------------------------

_WORD = st.one_of(
    st.sampled_from(
        [
            "the",
            "market",
            "U.S.",
            "3.5%",
            "e.g.",
            "Inc.",
            "grew.",
            "Why?",
            "wow!",
            "so,",
            "—",
            "🐜",
            "日本語",
            "東京。",
            "https://example.com/x",
            "x.com",
            "“quoted.”",
            "naïve",
            "Ant’s",
        ]
    ),
    st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Lo", "Nd", "Po", "So")), min_size=1, max_size=10),
)
_PARAGRAPH = st.lists(_WORD, min_size=1, max_size=60).map(" ".join)
_STORY = st.tuples(
    st.lists(_WORD, min_size=1, max_size=8).map(" ".join),
    st.sampled_from(["", "🐜", "🇪🇺"]),
    st.lists(_PARAGRAPH, min_size=0, max_size=3),
)


@st.composite
def issues(draw):
    raw = draw(st.lists(_STORY, min_size=0, max_size=5))
    stories = [Story(h, emoji=e, paragraphs=ps, index=i) for i, (h, e, ps) in enumerate(raw, 1)]
    url = draw(st.sampled_from([None, "https://example.com/issue/34"]))
    return Issue(
        id="gen", title=draw(_PARAGRAPH), stories=stories, url=url, brand=draw(st.sampled_from([None, "Brand"]))
    )


@settings(max_examples=60, deadline=None)
@given(issues(), st.integers(min_value=60, max_value=1000), st.booleans(), st.sampled_from(["summary", "full"]))
def test_generated_issues_fit_and_cover(issue, limit, numbering, mode):
    plan = plan_thread(issue, Config(), mode=mode, limit=limit, numbering=numbering, cards=_cards(issue))
    _check_limits_and_numbering(plan, limit, numbering)
    if mode == "full" and numbering:
        for story in issue.stories:
            if weighted_length(story.display_headline) + 10 < limit:
                want = normalise(" ".join(p for raw in story.paragraphs for p in paragraphs(raw)))
                # Spaces aside (a cut inside a CJK run re-joins without one), the same text in order.
                assert _story_text(plan, story).replace(" ", "") == want.replace(" ", "")


def test_closing_posts_differ_between_issues_without_links():
    """X refuses duplicate text: the closing post must name the issue when it has no link of its own."""
    from crosspost.config import Config
    from crosspost.model import Issue, Story
    from crosspost.plan.thread import plan_thread

    def closing(number, subscribe=""):
        cfg = Config()
        cfg.x.subscribe_url = subscribe
        issue = Issue(
            id=f"issue-{number}",
            title=f"Update #{number} - News",
            number=number,
            brand="EWH",
            stories=[Story("A headline", paragraphs=["One sentence here."])],
        )
        return plan_thread(issue, cfg).posts[-1].text

    assert closing(34) != closing(35)
    assert "#34" in closing(34)
    assert closing(34, "https://ewh.example/subscribe") != closing(35, "https://ewh.example/subscribe")
    assert "https://ewh.example/subscribe" in closing(35, "https://ewh.example/subscribe")


# --- the numbering reserve: where it starts, and that starting there changes nothing ------------


def _from_zero(monkeypatch):
    """plan_thread as it was: the reserve loop started at 0."""
    from crosspost.plan import thread

    monkeypatch.setattr(thread, "_first_reserve", lambda *a: 0)


def _builds(monkeypatch):
    from crosspost.plan import thread

    budgets = []
    real = thread._bodies
    monkeypatch.setattr(thread, "_bodies", lambda *a: budgets.append(a[5]) or real(*a))
    return budgets


def _plan_or_error(issue, **options):
    try:
        plan = plan_thread(issue, Config(), **options)
    except InputError as exc:
        return str(exc)
    return [(p.text, p.media, p.weighted_length, p.story) for p in plan.posts]


@pytest.mark.parametrize("mode", ["summary", "full"])
def test_sample_is_planned_once(sample, monkeypatch, mode):
    budgets = _builds(monkeypatch)
    plan = plan_thread(sample, Config(), mode=mode)
    assert budgets == [280 - len(f" {len(plan.posts)}/{len(plan.posts)}")]


def test_summary_fewest_posts_is_the_count(sample):
    from crosspost.plan.split import Splitter
    from crosspost.plan.thread import _fewest_posts

    config = Config()
    for stories in (7, 8, 9):  # 9, 10 and 11 posts: either side of a second digit
        issue = Issue(id="t", title="T", stories=[Story(f"S{i}", paragraphs=["One."], index=i) for i in range(stories)])
        count = len(plan_thread(issue, config).posts)
        assert _fewest_posts(issue, config.x, weighted_length, "summary", 280, Splitter(weighted_length)) == count
    issue.url = None
    config.x.call_to_action = ""
    assert len(plan_thread(issue, config).posts) == stories + 1  # no closing post
    assert _fewest_posts(issue, config.x, weighted_length, "summary", 280, Splitter(weighted_length)) == stories + 1


@pytest.mark.parametrize("stories", [7, 8, 97, 98])
def test_numbering_at_a_second_digit_same_as_from_zero(monkeypatch, stories):
    """Leads that fill a post whatever room is left: the reserve decides every post's text."""
    long = "Word " * 60 + "end. Next sentence here."
    issue = Issue(
        id="t",
        title="A title " * 10,
        stories=[Story(f"Story {i}", paragraphs=[long, long], index=i) for i in range(1, stories + 1)],
        url="https://example.com/34",
    )
    for mode in ("summary", "full"):
        for limit in (60, 101, 280):
            got = _plan_or_error(issue, mode=mode, limit=limit)
            with monkeypatch.context() as m:
                _from_zero(m)
                assert got == _plan_or_error(issue, mode=mode, limit=limit), (mode, limit)


def _fewest(issue, mode="full", limit=280):
    from crosspost.plan.split import Splitter
    from crosspost.plan.thread import _fewest_posts

    return _fewest_posts(issue, Config().x, weighted_length, mode, limit, Splitter(weighted_length))


@pytest.mark.parametrize(
    "story",
    [
        Story("H", paragraphs=["a" * 100 + " " + "b" * 176], index=1),  # headline, blank line, 277: exactly 280
        Story("H", paragraphs=["a" * 100 + " " + "b" * 177], index=1),  # one more: two posts
        Story("Headline " * 22, paragraphs=["word " * 20], index=1),  # the headline's room is part of the count
        Story(
            "Roundup",
            paragraphs=["Item one https://a.example/1", "Short note.", "Item two https://a.example/2", "Another."],
            items=[
                Item("Item one", "https://a.example/1", ["Short note."]),
                Item("Item two", "https://a.example/2", ["Another."]),
            ],
            index=1,
        ),  # each item starts a post
    ],
)
def test_full_fewest_posts_is_the_count_when_words_pack_tightly(story):
    issue = Issue(id="t", title="T", stories=[story], url="https://example.com/34")
    assert _fewest(issue) == len(plan_thread(issue, Config(), mode="full", numbering=False).posts)


@pytest.mark.parametrize("limit", [40, 45, 60, 120, 280])
def test_sample_same_as_from_zero(sample, monkeypatch, limit):
    for mode in ("summary", "full"):
        for numbering in (True, False):
            got = _plan_or_error(sample, mode=mode, limit=limit, numbering=numbering)
            with monkeypatch.context() as m:
                _from_zero(m)
                assert got == _plan_or_error(sample, mode=mode, limit=limit, numbering=numbering)


@settings(max_examples=60, deadline=None)
@given(issues(), st.integers(min_value=40, max_value=400), st.sampled_from(["summary", "full"]))
def test_generated_issues_same_as_from_zero(issue, limit, mode):
    from crosspost.plan import thread

    got = _plan_or_error(issue, mode=mode, limit=limit)
    real = thread._first_reserve
    thread._first_reserve = lambda *a: 0
    try:
        assert got == _plan_or_error(issue, mode=mode, limit=limit)
    finally:
        thread._first_reserve = real
    unreserved = _plan_or_error(issue, mode=mode, limit=limit, numbering=False)
    if not isinstance(unreserved, str):  # a lower bound: never more posts than the plan with no reserve
        assert _fewest(issue, mode, limit) <= len(unreserved)


def test_too_many_posts_is_planned_once_and_names_the_count(monkeypatch):
    budgets = _builds(monkeypatch)
    words = " ".join(f"word{i}." for i in range(40_000))
    issue = Issue(id="t", title="T", stories=[Story("H", paragraphs=[words], index=1)])
    with pytest.raises(InputError, match=r"the full thread would be \d+ posts; a thread may have at most 1000"):
        plan_thread(issue, Config(), mode="full")
    assert budgets == [280]  # the fewest posts already pass the cap: the plan from 0, as before


def test_title_with_a_word_wider_than_the_room_left_opens_with_the_marker_alone(sample):
    """At 45 the room beside "East West Hurricane · a thread 🧵" is 8: the title's "Blockchain,"
    (11) does not fit it, so the opening is the marker alone (it used to fail the whole plan)."""
    plan = plan_thread(sample, Config(), limit=45)
    assert _strip_number(plan.posts[0].text) == "East West Hurricane · a thread 🧵"
    _check_limits_and_numbering(plan, 45)


def test_an_overshooting_reserve_is_narrowed_when_the_posts_still_fit():
    """10 posts need " 10/10"; with that room they are 9, which need only " 9/9": the 9 posts built
    with the narrower reserve are the plan (no post keeps room it does not use)."""
    from crosspost.plan.thread import _numbered

    counts = {0: 10, 6: 9, 4: 9}
    built = []

    def build(reserve):
        built.append(reserve)
        return [(f"post {i} of reserve {reserve}", [], None) for i in range(counts[reserve])]

    bodies = _numbered(build, 0, "full", len, numbering=True)
    assert bodies[0][0] == "post 0 of reserve 4" and len(bodies) == 9
    assert built == [0, 6, 4]
    counts = {0: 10, 6: 9, 4: 10}  # narrower, they would be 10 again: keep the 9 built with room for 10/10
    built.clear()
    bodies = _numbered(build, 0, "full", len, numbering=True)
    assert bodies[0][0] == "post 0 of reserve 6" and len(bodies) == 9
