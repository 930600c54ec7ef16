"""pick_quote: the writer's quote wins, else a deterministic, sensible sentence."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from crosspost.model import Story
from crosspost.cards.quotes import MAX_QUOTE, pick_quote, score, sentences

SAMPLE = Path(__file__).resolve().parent.parent / "issues" / "issue-34.txt"


def test_marked_quote_wins_and_loses_its_quotation_marks():
    story = Story(
        "H",
        paragraphs=["A sentence with 100 figures that is long enough to be quoted by us."],
        quote="“We have ten years to catch up, and no more.”",
    )
    assert pick_quote(story) == "We have ten years to catch up, and no more."


def test_sentence_splitting_keeps_abbreviations():
    text = "China is behind only the U.S. and South Korea. Mr. Ma set a goal. It works!"
    assert sentences(text) == ["China is behind only the U.S. and South Korea.", "Mr. Ma set a goal.", "It works!"]


def test_quotes_and_threads_cut_sentences_alike():
    from crosspost.plan import split

    assert sentences is split.sentences
    # What the card's old splitter got wrong: an acronym ending a sentence, a sentence inside a bracket.
    assert sentences("Sales fell in the U.S. The rest grew.") == ["Sales fell in the U.S.", "The rest grew."]
    assert sentences("It costs $3.5 million. Dr. Li said “it is done.” Then: 2 more.") == [
        "It costs $3.5 million.",
        "Dr. Li said “it is done.”",
        "Then: 2 more.",
    ]


def test_a_fragment_with_no_end_mark_is_not_the_quote():
    # An address line (numbers, good length) no longer beats a real sentence once "Ave." stays whole.
    story = Story(
        "Donate",
        paragraphs=[
            "Project Gutenberg Literary Archive Foundation PMB 113 1739 University Ave. Oxford, MS 38655-4109",
            "Project Gutenberg's success is due to the hard work of thousands of volunteers over more than 30 years.",
        ],
    )
    assert pick_quote(story).startswith("Project Gutenberg's success")
    assert score("Our party is on Tuesday, December 10 at 6:00pm") < score(
        "Our party is on Tuesday, December 10 at 6pm."
    )


def test_cjk_sentences_split_on_full_stops():
    assert sentences("日本は強い。中国も強い！本当？") == ["日本は強い。", "中国も強い！", "本当？"]


def test_prefers_figures_and_voice_over_context_dependent_sentences():
    story = Story(
        "H",
        paragraphs=[
            "It was a good year for them and they said so on the record to everyone.",
            "I think 13,000 Chinese film companies closing in one year is the real story of 2020.",
            "Read more at https://example.com/a-very-long-link-that-goes-on-and-on today.",
        ],
    )
    assert pick_quote(story).startswith("I think 13,000")


def test_penalties():
    base = "Alibaba has recruited a hundred thousand livestreamers across Europe this year."
    assert score("This " + base[0].lower() + base[1:]) < score(base)
    assert score(base + " See https://x.com/a") < score(base)


def test_sample_issue_quotes_are_good_sentences():
    from crosspost.parse import parse_issue

    issue = parse_issue(SAMPLE)
    quotes = [pick_quote(s) for s in issue.stories]
    assert quotes[0] == (
        "While it’s fair to think that the blockchain industry has been overhyped "
        "in the last two years, the technology and benefits are real."
    )
    for q, story in zip(quotes, issue.stories):
        assert 60 <= len(q) <= MAX_QUOTE
        assert q in " ".join(story.paragraphs)  # a real sentence of the story, not invented


def test_long_only_sentence_is_trimmed_on_a_word():
    story = Story("H", paragraphs=["word " * 120 + "end."])
    q = pick_quote(story)
    assert len(q) <= MAX_QUOTE and q.endswith("…") and not q[:-1].endswith(" ")
    assert all(w == "word" for w in q[:-1].split())


def test_no_text_falls_back_to_the_headline():
    assert pick_quote(Story("Ant Group Launches", paragraphs=[])) == "Ant Group Launches"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=300).filter(lambda t: t.strip()), min_size=1, max_size=5))
def test_never_empty_and_deterministic(paragraphs):
    story = Story("Headline", paragraphs=paragraphs)
    first = pick_quote(story)
    assert first.strip()
    assert len(first) <= MAX_QUOTE
    assert pick_quote(Story("Headline", paragraphs=list(paragraphs))) == first


@given(st.text(alphabet=st.characters(min_codepoint=0x2FF0, max_codepoint=0xFB10) | st.characters(max_codepoint=0x7F)))
def test_cjk_count_is_the_character_class_it_replaced(text):
    import re

    from crosspost.cards.quotes import _cjk_count

    assert _cjk_count(text) == len(re.findall(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7a3\uf900-\ufaff]", text))
