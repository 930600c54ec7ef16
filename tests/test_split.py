"""Sentences and split_to_fit: unit cases for the tricky spots, properties over random text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crosspost.errors import InputError
from crosspost.plan import split
from crosspost.plan.split import Splitter, first_sentence, iter_sentences, normalise, sentences, split_to_fit
from crosspost.platforms.x.textlen import weighted_length


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "It grew in the U.S. and South Korea. Then it fell.",
            ["It grew in the U.S. and South Korea.", "Then it fell."],
        ),
        ("Apple Inc. announced it. Google Inc. The end.", ["Apple Inc. announced it.", "Google Inc.", "The end."]),
        ("He won No. 1 again. Good.", ["He won No. 1 again.", "Good."]),
        ("Use fruit, e.g. Apples or pears. Done.", ["Use fruit, e.g. Apples or pears.", "Done."]),
        ("Mr. Ma met Dr. Li and St. Peter. Fine.", ["Mr. Ma met Dr. Li and St. Peter.", "Fine."]),
        ("Apple vs. Google is old. New.", ["Apple vs. Google is old.", "New."]),
        ("Written by J. K. Rowling. Yes.", ["Written by J. K. Rowling.", "Yes."]),
        ("It costs 3.5 dollars. Cheap.", ["It costs 3.5 dollars.", "Cheap."]),
        ("Wait... what happened? Nothing… Really.", ["Wait... what happened?", "Nothing…", "Really."]),
        (
            "Visit example.com/a.b today. Or www.x.co.uk. Bye.",
            ["Visit example.com/a.b today.", "Or www.x.co.uk.", "Bye."],
        ),
        ("He said “it will end.” Next thing.", ["He said “it will end.”", "Next thing."]),
        ("(This is inside.) Outside now.", ["(This is inside.)", "Outside now."]),
        ("Is it? Yes! No.", ["Is it?", "Yes!", "No."]),
        ("Yahoo! is a name. Ok.", ["Yahoo! is a name.", "Ok."]),
        ("In the U.S. The market grew.", ["In the U.S.", "The market grew."]),
        ("Built with Gtk et al. Now it works.", ["Built with Gtk et al.", "Now it works."]),
        ("Smith et al. (2020) found it. Yes.", ["Smith et al. (2020) found it.", "Yes."]),
        ("今日は晴れ。明日は雨！本当？はい。", ["今日は晴れ。", "明日は雨！", "本当？", "はい。"]),
        ("「本当？」と聞いた。次の文。", ["「本当？」と聞いた。", "次の文。"]),
        ("中文句子。 English follows. 再见。", ["中文句子。", "English follows.", "再见。"]),
        ("  spaced \n\n  out  text.  ", ["spaced out text."]),
        ("", []),
    ],
)
def test_sentences(text, expected):
    assert sentences(text) == expected


def test_split_prefers_sentence_boundaries():
    text = "First sentence is here. Second sentence is here. Third one."
    # Two chunks either way: the balanced cut wins.
    assert split_to_fit(text, 50, len) == ["First sentence is here.", "Second sentence is here. Third one."]
    assert split_to_fit(text, 30, len) == ["First sentence is here.", "Second sentence is here.", "Third one."]


def test_split_uses_clauses_then_words():
    text = "alpha beta gamma, delta epsilon zeta eta theta"
    chunks = split_to_fit(text, 30, len)
    assert chunks == ["alpha beta gamma,", "delta epsilon zeta eta theta"]
    words = "one two three four five six seven eight nine ten"
    chunks = split_to_fit(words, 20, len)
    assert all(len(c) <= 20 for c in chunks) and " ".join(chunks) == words


def test_split_balances_without_adding_chunks():
    words = " ".join(["word"] * 30)  # 149 characters
    chunks = split_to_fit(words, 100, len)
    assert len(chunks) == 2
    assert abs(len(chunks[0]) - len(chunks[1])) <= 5  # not 99 + 49


def test_split_never_breaks_url_and_counts_it_as_23():
    url = "https://example.com/" + "a" * 200
    text = f"Read this {url} now please"
    chunks = split_to_fit(text, 30, weighted_length)
    assert any(url in c for c in chunks)
    assert all(weighted_length(c) <= 30 for c in chunks)


def test_split_cjk_text_between_characters():
    text = "日本語の文章はスペースがありません" * 10
    chunks = split_to_fit(text, 40, weighted_length)
    assert len(chunks) > 1
    assert all(weighted_length(c) <= 40 for c in chunks)
    assert "".join(chunks) == text


def test_split_word_too_long_names_it():
    with pytest.raises(InputError) as err:
        split_to_fit("short Supercalifragilisticexpialidocious-and-then-some-more words", 20, len)
    assert "Supercalifragilistic" in str(err.value)


def test_split_first_limit():
    text = "aaa bbb ccc ddd eee fff"
    chunks = split_to_fit(text, 12, len, first_limit=4)
    assert chunks[0] == "aaa" and all(len(c) <= 12 for c in chunks[1:])
    assert " ".join(chunks) == text


def test_split_fits_in_one():
    assert split_to_fit("  hello \n world ", 100, weighted_length) == ["hello world"]


# --- properties ---------------------------------------------------------------------------

_WORDS = st.one_of(
    st.sampled_from(
        [
            "the",
            "U.S.",
            "Inc.",
            "No.",
            "e.g.",
            "3.5",
            "end.",
            "Why?",
            "yes!",
            "clause,",
            "—",
            "“quote.”",
            "https://example.com/path",
            "x.com",
            "🐜",
            "🇪🇺",
            "👍🏽",
            "日本語",
            "中文。",
            "東京、",
            "é",
            "A.",
            "wait...",
        ]
    ),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=8),
)
_SPACES = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", " \t "])


@st.composite
def texts(draw):
    words = draw(st.lists(_WORDS, min_size=0, max_size=40))
    out = ""
    for w in words:
        out += w + draw(_SPACES)
    return out


def _words(text: str) -> list[str]:
    return normalise(text).split(" ") if normalise(text) else []


@settings(max_examples=200, deadline=None)
@given(texts())
def test_sentences_round_trip(text):
    got = sentences(text)
    assert all(s and s == s.strip() for s in got)
    flat = normalise(text)
    assert "".join(got).replace(" ", "") == flat.replace(" ", "")
    if not re.search(r"[。！？｡]", flat):
        assert " ".join(got) == flat


@settings(max_examples=200, deadline=None)
@given(texts(), st.integers(min_value=25, max_value=300))
def test_split_properties(text, limit):
    words = _words(text)
    assume(all(weighted_length(w) <= limit for w in words))
    chunks = split_to_fit(text, limit, weighted_length)
    assert all(0 < weighted_length(c) <= limit for c in chunks)
    flat = normalise(text)
    # Nothing lost, nothing duplicated, order kept.
    assert "".join(chunks).replace(" ", "") == flat.replace(" ", "")
    # No word broken: every chunk boundary is a space in the text, or lies inside a CJK run.
    position = 0
    for chunk in chunks:
        start = flat.index(chunk, position)
        assert start == position
        position = start + len(chunk)
        if position < len(flat) and flat[position] != " ":
            assert re.match(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]", flat[position - 1])
            assert re.match(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]", flat[position])
        elif position < len(flat):
            position += 1
    assert position == len(flat)
    # Space-separated text comes back exactly; URLs are whole in one chunk.
    if not re.search(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]", flat):
        assert " ".join(chunks) == flat
    for w in words:
        if w.startswith("https://"):
            assert any(w in c.split(" ") for c in chunks)


@settings(max_examples=100, deadline=None)
@given(texts(), st.integers(min_value=1, max_value=3))
def test_split_too_long_word_raises(text, limit):
    words = _words(text)
    cjk = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
    assume(any(weighted_length(w) > limit and not cjk.search(w) for w in words))  # CJK runs may split
    with pytest.raises(InputError):
        split_to_fit(text, limit, weighted_length)


def test_a_chunk_exactly_at_the_limit_is_kept_whole():
    # Two words of exactly the limit: each is a whole post, neither refused nor broken.
    assert split_to_fit("aaaa bbbb", 4, len) == ["aaaa", "bbbb"]
    assert split_to_fit("aaaa bbbb cccc", 9, len, first_limit=4) == ["aaaa", "bbbb cccc"]
    # A post of exactly 280 weighted characters (a URL counts 23) fits one X post.
    words = " ".join(["word"] * 51)  # 51 * 5 - 1 = 254
    exact = f"{words} https://example.com/x o"  # 254 + 1 + 23 + 2 = 280
    assert weighted_length(exact) == 280
    assert split_to_fit(exact, 280, weighted_length) == [exact]
    assert split_to_fit(exact + "\n" + exact, 280, weighted_length) == [exact, exact]


@pytest.mark.parametrize("url", ["https://例え.jp/記事", "https://ドメイン名例.jp/abc?q=1", "https://bücher.de/ü"])
def test_an_idn_url_glued_to_cjk_text_stays_whole_in_one_post(url):
    """A URL with an internationalised domain, written with no space around it inside CJK text:
    the CJK character breaks must skip it wherever the post boundary falls."""
    from twitter_text import extract_urls

    text = "日本語の記事はこちら" * 3 + url + "で読めます。" + "次の文章も日本語です。" * 3
    (found,) = extract_urls(text)
    for limit in range(30, 80):
        chunks = split_to_fit(text, limit, weighted_length)
        assert all(weighted_length(c) <= limit for c in chunks)
        assert "".join(chunks) == text
        assert sum(found in c for c in chunks) == 1, (limit, chunks)


# --- the lead sentence without cutting the whole paragraph -----------------------------------


def _same_as_sentences(text: str) -> None:
    want = sentences(text)
    assert first_sentence(text) == (want[0] if want else "")
    assert list(iter_sentences(text)) == want


@pytest.mark.parametrize(
    "text", ["", "   \n ", "One.", "In the U.S. The market grew. Then it fell.", "中文句子。 English."]
)
def test_first_sentence_cases(text):
    _same_as_sentences(text)


@settings(max_examples=300, deadline=None)
@given(texts())
def test_first_sentence_is_the_first_of_sentences(text):
    _same_as_sentences(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_first_sentence_on_arbitrary_text(text):
    """Any characters at all: Unicode spaces (NBSP, U+3000, U+2028) at the ends, control characters."""
    _same_as_sentences(text)


def test_first_sentence_on_the_corpus():
    """Every paragraph of every real issue in tests/data/newsletters, and the sample."""
    from crosspost.parse import parse_issue

    root = Path(__file__).resolve().parent
    files = [root.parent / "issues" / "issue-34.txt"] + [
        p
        for p in sorted((root / "data" / "newsletters").iterdir())
        if p.suffix not in (".yaml",) and p.stem != "SOURCES"
    ]
    checked = 0
    for path in files:
        issue = parse_issue(path)
        for par in [issue.title, *issue.intro, *issue.outro] + [p for st_ in issue.stories for p in st_.paragraphs]:
            _same_as_sentences(par)
            checked += 1
    assert checked > 1000


def test_iter_sentences_reads_no_further_than_asked(monkeypatch):
    """The lead of a long paragraph is found without looking at the words after it."""
    words = []

    class Tokens:
        def finditer(self, text):
            for match in re.finditer(r"[^ ]+", text):
                words.append(match.group())
                yield match

    monkeypatch.setattr(split, "_TOKEN", Tokens())
    text = "The lead sentence ends here. " + "Then many more words follow. " * 1000
    assert first_sentence(text) == "The lead sentence ends here."
    assert words == ["The", "lead", "sentence", "ends", "here.", "Then"]


# --- the programme, and splitting a text again --------------------------------------------------


def _reference_best_cuts(
    sizes: list[int], gaps: list[int], levels: list[int], first_limit: int, limit: int
) -> list[int] | None:
    """The programme as it was first written (a loop over every start, costs as tuples)."""
    n = len(sizes)
    total = [0] * (n + 1)  # total[k]: measure of atoms 0..k-1 joined with their gaps
    for k in range(n):
        total[k + 1] = total[k] + sizes[k] + (gaps[k] if k else 0)
    inf = (float("inf"), float("inf"))
    best: list[tuple[float, float]] = [inf] * (n + 1)
    back = [-1] * (n + 1)
    best[0] = (0, 0)
    for j in range(1, n + 1):
        end_cost = split._BREAK_COST[levels[j - 1]] if j < n else 0
        i = j - 1
        while i >= 0:
            size = total[j] - total[i] - (gaps[i] if i else 0)
            if size > (first_limit if i == 0 else limit):
                if i == 0 or size > max(first_limit, limit):
                    break
                i -= 1
                continue
            if best[i] != inf:
                cost = (best[i][0] + end_cost + split._CHUNK_COST, best[i][1] + size * size)
                if cost < best[j]:
                    best[j], back[j] = cost, i
            i -= 1
    if best[n] == inf:
        return None
    cuts = [n]
    while cuts[-1]:
        cuts.append(back[cuts[-1]])
    return cuts[::-1]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 12), st.sampled_from([0, 1, 1, 2]), st.integers(0, 4)), min_size=1, max_size=40),
    st.integers(0, 40),
    st.integers(1, 40),
)
def test_best_cuts_same_as_the_reference(atoms, first_limit, limit):
    """Small sizes make many equally cheap cuts: the tie-breaking must be the reference's too."""
    sizes = [a[0] for a in atoms]
    gaps = [0] + [a[1] for a in atoms[1:]]
    levels = [a[2] for a in atoms[1:]]
    assert split._best_cuts(sizes, gaps, levels, first_limit, limit) == _reference_best_cuts(
        sizes, gaps, levels, first_limit, limit
    )


def _split_or_error(do):
    try:
        return do()
    except InputError as exc:
        return str(exc)


@settings(max_examples=300, deadline=None)
@given(texts(), st.integers(min_value=4, max_value=120), st.lists(st.integers(min_value=-2, max_value=130), max_size=4))
def test_splitter_same_as_split_to_fit(text, limit, firsts):
    """A Splitter that has split the text before (and may reuse that split for a tighter first
    chunk) answers exactly what a fresh split_to_fit does, errors included."""
    splitter = Splitter(weighted_length)
    assert _split_or_error(lambda: splitter.split(text, limit)) == _split_or_error(
        lambda: split_to_fit(text, limit, weighted_length)
    )
    for first in firsts:
        got = _split_or_error(lambda: splitter.split(text, limit, first_limit=first))
        assert got == _split_or_error(lambda: split_to_fit(text, limit, weighted_length, first_limit=first))


def test_splitter_reuses_a_split_whose_first_chunk_fits(monkeypatch):
    calls = []
    real = split._best_cuts
    monkeypatch.setattr(split, "_best_cuts", lambda *a: calls.append(a[3:]) or real(*a))
    splitter = Splitter(len)
    text = "First sentence is here. Second sentence is here. Third one."
    assert splitter.split(text, 30) == ["First sentence is here.", "Second sentence is here.", "Third one."]
    assert splitter.split(text, 30, first_limit=23) == [
        "First sentence is here.",
        "Second sentence is here.",
        "Third one.",
    ]
    assert calls == [(30, 30)]  # the first chunk (23) fits 23: the same cuts, not worked out again
    assert splitter.split(text, 30, first_limit=22)[0] == "First sentence is"
    assert calls == [(30, 30), (22, 30)]


def test_splitter_atoms_add_up_to_the_text():
    text = "Read this https://example.com/a 🐜 now, 日本語の文章。Then more."
    sizes, gaps = Splitter(weighted_length).atoms(text)
    assert sum(sizes) + sum(gaps) == weighted_length(normalise(text))
    assert gaps[0] == 0 and len(sizes) == len(gaps) > 5
    assert Splitter(len).atoms("  ") == ([], [])
