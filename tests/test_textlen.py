"""X weighted length against the official twitter-text conformance data, plus the fast path.

Groups of tests/data/twitter-text/validate.yml that we run (see PROVENANCE.txt for the config
each group expects upstream):
- WeightedTweetsWithDiscountedEmojiCounterTest and UnicodeDirectionalMarkerCounterTest: v3,
  the rules X applies today, so every case runs.
- WeightedTweetsCounterTest: written for config v2, which counts each code point of an emoji
  sequence separately. v2 and v3 differ only in emoji handling, so we keep the cases whose
  text contains no emoji (decided by content: twitter_text's own emoji extractor finds none)
  and expect the same number under v3.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import crosspost
from crosspost.platforms.x.textlen import (
    MAX_URL_WEIGHT,
    library_weighted_length,
    token_weight,
    weighted_length,
)

DATA = Path(__file__).parent / "data" / "twitter-text" / "validate.yml"


def _has_emoji(text: str) -> bool:
    from twitter_text import extract_emojis_with_indices

    return bool(extract_emojis_with_indices(text))


def _cases():
    groups = yaml.safe_load(DATA.read_text(encoding="utf-8"))["tests"]
    cases = []
    for group in ("WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest"):
        cases += [(group, c) for c in groups[group]]
    cases += [
        (g, c)
        for g, c in [("WeightedTweetsCounterTest", c) for c in groups["WeightedTweetsCounterTest"]]
        if not _has_emoji(c["text"])
    ]
    return [pytest.param(c["text"], c["expected"]["weightedLength"], id=f"{g}: {c['description']}") for g, c in cases]


CASES = _cases()


def test_filter_keeps_most_v2_cases_and_all_v3_cases():
    groups = {p.id.split(":")[0] for p in CASES}
    assert groups == {
        "WeightedTweetsWithDiscountedEmojiCounterTest",
        "UnicodeDirectionalMarkerCounterTest",
        "WeightedTweetsCounterTest",
    }
    v2 = [p for p in CASES if p.id.startswith("WeightedTweetsCounterTest")]
    assert 15 <= len(v2) < 20  # the two emoji cases (and only a few) are left out


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_conformance(text, expected):
    assert weighted_length(text) == expected
    assert crosspost.weighted_length(text) == expected
    assert library_weighted_length(text) == expected


def test_basic_weights():
    assert weighted_length("") == 0
    assert weighted_length("hello world") == 11
    assert weighted_length("日本語") == 6
    assert weighted_length("🐜") == 2
    assert weighted_length("👨‍👩‍👧‍👦") == 2  # one ZWJ sequence counts 2 in total
    assert weighted_length("🇪🇺") == 2
    assert weighted_length("see https://example.com/a/very/long/path?with=query") == 4 + MAX_URL_WEIGHT
    assert weighted_length("example.com") == MAX_URL_WEIGHT
    assert weighted_length("a\r\nb") == 3  # CRLF is one newline
    assert weighted_length("e\u0301") == 1  # NFC: e + combining acute is one é


_PIECES = st.sampled_from(
    [
        "word",
        "U.S.",
        "3.5",
        "e.g.",
        "x.com",
        "example.com.",
        "https://t.co/abc",
        "http://localhost:80/x",
        "(https://example.org/path).",
        "日本語",
        "東京example.com",
        "例え.jp",
        "🐜",
        "🇪🇺",
        "👍🏽",
        "1️⃣",
        "©",
        "é",
        "e\u0301",
        "\u0301",
        "…",
        "—",
        "“quoted”",
        "#tag",
        "@user",
        "$CASH",
        "a\u00a0b.com",
        "\u3000",
        "\u200f",
        "\u202a",
        "\ufeff",
        "\ud7ff",
        "𝒜",
        "ｆｕｌｌ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(_PIECES, st.text(min_size=1, max_size=6)),
            st.sampled_from([" ", "", "\n", "\r\n", "\t", "  ", "\n\n", "\r"]),
        ),
        max_size=12,
    )
)
def test_fast_decomposition_matches_library(parts):
    text = "".join(piece + gap for piece, gap in parts)
    assert weighted_length(text) == library_weighted_length(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_token_weight_matches_library(token):
    token = "".join(c for c in token if c not in " \t\n\r\f\v")
    assert token_weight(token) == library_weighted_length(token)
    assert token_weight(token, " ") == library_weighted_length(" " + token) - 1


# ------------------------------------------------------------------ URLs in linear time (crosspost.plan.xurls)

EXTRACT = Path(__file__).parent / "data" / "twitter-text" / "extract.yml"
_URL_GROUPS = ("urls", "urls_with_indices", "urls_with_directional_markers", "tco_urls_with_params")


def _url_cases():
    groups = yaml.safe_load(EXTRACT.read_text(encoding="utf-8"))["tests"]
    return [
        pytest.param(g, c["text"], c["expected"], id=f"{g}: {c['description']}") for g in _URL_GROUPS for c in groups[g]
    ]


@pytest.mark.parametrize(("group", "text", "expected"), _url_cases())
def test_urls_match_the_official_extract_conformance(group, text, expected):
    from crosspost.plan.xurls import extract_urls_with_indices

    found = extract_urls_with_indices(text)
    assert (found if group.endswith(("indices", "markers")) else [u["url"] for u in found]) == expected


_URL_PIECES = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTPS://",
        "t.co/",
        "t.co/abc",
        "xn--",
        "xn--p1ai",
        ".",
        ".",
        "/",
        "(",
        ")",
        "?",
        ":",
        "80",
        "@",
        "#",
        "-",
        "_",
        "&",
        "=",
        "com",
        "jp",
        "co",
        "uk",
        "de",
        "us",
        "U",
        "S",
        "a",
        "日本",
        "例え",
        "中国",
        "рф",
        "é",
        "\u0301",
        "K",
        "ſ",
        "İ",
        " ",
        "\n",
        "\u00a0",
        "\u3000",
        "😀",
        "!",
        ",",
        "'",
        "~",
        "$",
        "[",
        "]",
        "|",
        "%",
        "+",
        "*",
        ";",
        "。",
        "．",
        "1",
        "www",
        "a-b",
        "\u200e",
        "\ufeff",
        "—",
        "(a)",
        "((b))",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_URL_PIECES, max_size=30))
def test_linear_url_finder_matches_the_library_on_url_like_text(pieces):
    """Dots, labels, TLDs, protocols, ports, paths with parentheses, queries, t.co, case folding."""
    from twitter_text import extract_urls_with_indices as library

    from crosspost.platforms.x.textlen import _length
    from crosspost.plan.xurls import extract_urls_with_indices

    text = "".join(pieces)
    assert extract_urls_with_indices(text) == library(text)
    assert _length(text) == library_weighted_length(text)


@pytest.mark.parametrize(
    "text",
    [
        "see https://x.com/?q=a. now",
        "x.com/?a=1&b=2, then",
        "https://x.com/a(b).",
        "https://x.com/a(b)(c)d!",
        "x.com/wiki/Foo_(bar)_(baz)",
        "https://x.com/a:b@c/d?e=(f)#g.",
        "http://t.co/abc?x=1.",
        "a_b.example.com.",
        "sub_domain.example.co.uk/p",
        "例え.jp 日本語.com/x ελ.ευ",
        "https://日本語.jp:8080/パス?クエリ",
        "a.b.c.d.e.f.com..",
        "xn--p1ai.рф/a",
        "user@example.com",
        "$x.com #y.com @z.com",
        "(https://x.com/path).",
        "https://x.com:/a",
    ],
)
def test_linear_url_finder_matches_the_library_on_tricky_urls(text):
    from twitter_text import extract_urls_with_indices as library

    from crosspost.plan.xurls import extract_urls_with_indices

    assert extract_urls_with_indices(text) == library(text)
    assert weighted_length(text) == library_weighted_length(text)


def test_every_tld_lies_inside_a_label_run():
    """xurls caches TLD lookups by the run of label characters they start (plus one character)."""
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_gtld import valid_gtld

    from crosspost.plan.xurls import _LABEL_RUN

    for pattern in (valid_gtld, valid_cctld):
        body = pattern.pattern.split("(?:(?:", 1)[1].split(")(?=", 1)[0]
        for tld in body.split("|"):
            assert _LABEL_RUN.fullmatch(tld), tld


# Each class once took quadratic time or worse in twitter-text's URL regex. Built by size; at the
# full size (reported timings) none holds a URL (the path one is over X's 4,096-character URL limit).
HOSTILE = {
    "dotted acronyms": (lambda n: "U.S." * n, 512),  # 2 KB: 10 s
    "dotted letters": (lambda n: "a." * n, 4096),  # 8 KB: minutes
    "combining marks after a dot": (lambda n: "a.b" + "\u0301" * n, 40_000),  # 40 KB: 35 s
    "labels before a non-ASCII TLD": (lambda n: "a." * n + "日本.com", 2040),  # its ASCII-domain pass: 25 s
    "parenthesis groups in a path": (lambda n: "https://x.com/a" + "(b)" * n, 3000),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_text_is_measured_in_linear_steps(name, monkeypatch):
    """Counts the scanner's steps instead of timing it: at most two per character. The same
    text at a size the library handles quickly gets the library's answer."""
    from twitter_text import extract_urls_with_indices as library

    from crosspost.plan import xurls

    make, size = HOSTILE[name]
    for small in (make(3), make(40)):
        assert weighted_length(small) == library_weighted_length(small)
        assert xurls.extract_urls_with_indices(small) == library(small)
    steps = {"n": 0}
    for helper in ("_match_url", "_tld_end", "_path_end"):
        original = getattr(xurls, helper)

        def counted(*args, _original=original):
            steps["n"] += 1
            return _original(*args)

        monkeypatch.setattr(xurls, helper, counted)
    text = make(size)
    assert xurls.extract_urls_with_indices(text) == []
    assert steps["n"] <= 2 * len(text)
    assert weighted_length(text) == len(text) + text.count("日") + text.count("本")  # CJK weighs 2


# ------------------------------------------------------------------ no twitter-text at run time: config and emoji as data


def _library_emoji_test_entries() -> list[tuple[str, str]]:
    """(group, text) of every line of the emoji-test.txt that twitter-text-parser builds its regex
    from, the Component group (skin tones, hair) included, which the library leaves out of it."""
    from importlib.resources import files

    entries = []
    group = ""
    for line in files("twitter_text.regexp").joinpath("emoji-test.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("# group:"):
            group = line.split(":", 1)[1].strip()
        elif line and not line.startswith("#"):
            codes = line.split(";", 1)[0].split()
            entries.append((group, "".join(chr(int(c, 16)) for c in codes)))
    return entries


EMOJI_TEST = _library_emoji_test_entries()


def test_weighted_length_imports_no_twitter_text():
    code = (
        "import sys; from crosspost.platforms.x.textlen import weighted_length;"
        "n = weighted_length('hi 👋 日本 x.com U.S. e\\u0301 🇪🇺 1\\ufe0f\\u20e3 ' * 3);"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('twitter_text', 'pkg_resources'));"
        "assert not bad, bad; print(n)"
    )
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert out.returncode == 0, out.stderr[-800:]
    text = "hi 👋 日本 x.com U.S. e\u0301 🇪🇺 1\ufe0f\u20e3 " * 3
    assert int(out.stdout) == library_weighted_length(text)


def test_embedded_config_is_v3():
    import json

    from twitter_text.config import config

    from crosspost.platforms.x import textlen

    official = json.loads((DATA.parent / "config" / "v3.json").read_text(encoding="utf-8"))
    for v3 in (config["defaults"], config["version3"], official):
        assert v3["version"] == 3
        assert v3["scale"] == textlen.SCALE
        assert v3["defaultWeight" if "defaultWeight" in v3 else "default_weight"] == textlen.DEFAULT_WEIGHT
        url = v3["transformedURLLength" if "transformedURLLength" in v3 else "transformed_url_length"]
        assert url == textlen.MAX_URL_WEIGHT
        limit = v3["maxWeightedTweetLength" if "maxWeightedTweetLength" in v3 else "max_weighted_tweet_length"]
        assert limit == textlen.X_LIMIT
        assert v3["emojiParsingEnabled" if "emojiParsingEnabled" in v3 else "emoji_parsing_enabled"] is True
        assert [(r["start"], r["end"], r["weight"]) for r in v3["ranges"]] == list(textlen.RANGES)


def _tool(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, Path(__file__).parent.parent / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("tool", ["gen_emoji_table", "gen_url_patterns"])
def test_generated_data_is_what_the_generator_reads_from_the_library(tool):
    """emoji_data.py and xurls_data.py hold the library's values (run the tool after an upgrade)."""
    module = _tool(tool)
    values = module.library_values()
    assert values and module.current_values() == values


def test_single_code_point_emoji_are_the_library_class_on_every_code_point():
    import re

    from twitter_text.regexp.emoji import emoji

    from crosspost.platforms.x.textlen import _emoji_table

    single_class = re.compile(emoji.pattern.rsplit("|", 1)[1])
    library = {chr(c) for c in range(0x110000) if single_class.fullmatch(chr(c))}
    assert _emoji_table()[2] == library
    assert len(library) > 1000


def test_emoji_found_like_the_library_across_the_emoji_blocks():
    """Every code point of the blocks where emoji and their parts live, each alone between
    spaces: the spans of our scanner are the library's finditer spans."""
    from twitter_text import extract_emojis_with_indices

    from crosspost.platforms.x.textlen import _emoji_spans

    blocks = [(0x20, 0x2FF), (0x2000, 0x2BFF), (0x3000, 0x33FF), (0xFE00, 0xFE0F), (0x1F000, 0x1FAFF)]
    blocks.append((0xE0000, 0xE007F))
    text = " ".join(chr(c) for a, b in blocks for c in range(a, b + 1))
    library = {e["indices"][0]: e["indices"][1] - e["indices"][0] for e in extract_emojis_with_indices(text)}
    assert _emoji_spans(text) == library
    whole = "".join(text.split(" "))  # the same code points side by side: sequences may form
    library = {e["indices"][0]: e["indices"][1] - e["indices"][0] for e in extract_emojis_with_indices(whole)}
    assert _emoji_spans(whole) == library


@pytest.mark.parametrize("group", sorted({g for g, _ in EMOJI_TEST}))
def test_every_emoji_of_the_library_list_alone_and_in_text(group):
    """Each emoji-test.txt entry (fully-, minimally- and unqualified; components too) alone, next
    to letters, CJK, a URL, a combining mark and itself: the library's weighted length."""
    for _, emoji in (e for e in EMOJI_TEST if e[0] == group):
        for text in (
            emoji,
            f"a{emoji}b",
            f"日{emoji}本",
            f"x.com{emoji} {emoji}x.com",
            f"{emoji}{emoji}{emoji}",
            f"{emoji}\u0301",
            f"\u200f{emoji}\u200e",
            f"see https://example.com/{emoji}?q={emoji}",
        ):
            assert weighted_length(text) == library_weighted_length(text), (group, text)
            assert _length_of(text) == library_weighted_length(text), (group, text)


def _length_of(text: str) -> int:
    from crosspost.platforms.x.textlen import _length

    return _length(text)


def test_all_emoji_of_the_library_list_in_one_text():
    """One text of every entry in a row, and in reverse: sequences meet sequences, so the longest
    match at each position, resuming after it, decides where each emoji starts."""
    emoji = [e for _, e in EMOJI_TEST]
    for text in ("".join(emoji), "".join(reversed(emoji)), "\u200d".join(emoji), "\ufe0f".join(emoji)):
        assert _length_of(text) == library_weighted_length(text)


@pytest.mark.parametrize(
    "text",
    [
        "日本語のテキスト、中文文本。한국어 텍스트",  # CJK, kana, Hangul, CJK punctuation
        "ｆｕｌｌｗｉｄｔｈ　ｓｐａｃｅ",  # fullwidth forms, U+3000
        "𠀀𠀁𪚥",  # CJK extension B: astral
        "e\u0301 a\u0300\u0301\u0302 \u0301start 日\u0301 🐜\u0301 x.com\u0301",  # combining marks, NFC or not
        "\u1100\u1161\u11a8",  # conjoining jamo: NFC composes one syllable
        "Å Å Ω",  # NFC singletons (angstrom, ohm)
        "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",  # directional marks
        "\u200eexample.com\u200f \u202ahttps://x.com\u202c \u2066日本\u2069",
        "\u061c\u200b\u200c\u200d\u2060\ufeff",  # ALM, ZW space/non-joiner/joiner, word joiner, BOM
        "👨‍👩‍👧‍👦 👩‍❤️‍💋‍👨 🧑🏽‍🤝‍🧑🏻 🏳️‍🌈 🏴‍☠️ 👁️‍🗨️",  # ZWJ sequences
        "👨\u200d👩\u200d 👨\u200d\u200d👩 \u200d👩 👩\u200d",  # broken ZWJ sequences
        "👍🏻 👍🏼 👍🏽 👍🏾 👍🏿 🏻 🏿👍 👍🏻🏻",  # skin tones, alone and doubled
        "🇪🇺 🇯🇵 🇺🇸🇬🇧 🇦 🇦🇦🇦 🏴󠁧󠁢󠁥󠁮󠁧󠁿 🏴󠁧󠁢󠁳󠁣󠁴󠁿",  # flags: pairs, odd runs, tag sequences
        "#️⃣ *️⃣ 0️⃣ 9️⃣ #⃣ 1⃣ 1\ufe0f 10\ufe0f\u20e3 x.com:8\ufe0f\u20e3 ##\ufe0f\u20e3",  # keycaps
        "© ® ™ ‼ ⁉ ©️ ®️ ↔ ↔️ ☺ ☺️",  # text-style emoji with and without VS16
        "\U000e0067\U000e0062 \U0001f3f4\U000e0067",  # tag characters, stray
        "a\u2028b\u2029c\x85d",  # Unicode line/paragraph separators, NEL
    ],
)
def test_unicode_text_matches_the_library(text):
    assert weighted_length(text) == library_weighted_length(text)
    assert _length_of(text) == library_weighted_length(text)


def _all_conformance_texts():
    texts = []
    for path in (DATA, EXTRACT):
        for group, cases in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"].items():
            texts += [pytest.param(c["text"], id=f"{path.stem} {group}: {c['description']}") for c in cases]
    return texts


@pytest.mark.parametrize("text", _all_conformance_texts())
def test_every_conformance_text_measured_like_the_library(text):
    """Every text of the official validate.yml and extract.yml, whatever its group checks."""
    assert weighted_length(text) == library_weighted_length(text)


_EMOJI_PARTS = st.sampled_from(
    [
        "\u200d",
        "\ufe0f",
        "\ufe0e",
        "\u20e3",
        *(chr(c) for c in range(0x1F3FB, 0x1F400)),  # skin tones
        *(chr(c) for c in range(0x1F9B0, 0x1F9B4)),  # hair components
        *(chr(c) for c in (0x1F1EA, 0x1F1FA, 0x1F1EF, 0x1F1F5, 0x1F1E6)),  # regional indicators
        "\U0001f3f4",
        "\U000e0067",
        "\U000e0062",
        "\U000e007f",
        "#",
        "*",
        "1",
        "👨",
        "👩",
        "❤",
        "💋",
        "🤝",
        "🧑",
        "☠",
        "♀",
        "♂",
        "©",
        "日",
        "\u0301",
        "\u200e",
        "\u202e",
        "\u2067",
        ".",
        "x.com",
        " ",
        "\n",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_EMOJI_PARTS, st.sampled_from([e for _, e in EMOJI_TEST])), max_size=16))
def test_random_mixes_of_emoji_parts_match_the_library(parts):
    text = "".join(parts)
    assert weighted_length(text) == library_weighted_length(text)
    assert _length_of(text) == library_weighted_length(text)


def test_url_pieces_rebuilt_from_the_data_are_the_library_regexes():
    from twitter_text.extract_urls import is_valid_url
    from twitter_text.regexp.invalid_url_without_protocol_preceding_chars import (
        invalid_url_without_protocol_preceding_chars,
    )
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_gtld import valid_gtld
    from twitter_text.regexp.valid_punycode import valid_punycode
    from twitter_text.regexp.valid_tco_url import valid_tco_url

    from crosspost.plan import xurls

    assert xurls.valid_tco_url.pattern == valid_tco_url.pattern and xurls.valid_tco_url.flags == valid_tco_url.flags
    invalid = invalid_url_without_protocol_preceding_chars
    assert (
        xurls.invalid_url_without_protocol_preceding_chars.pattern,
        xurls.invalid_url_without_protocol_preceding_chars.flags,
    ) == (invalid.pattern, invalid.flags)
    assert xurls._tld_regex().pattern == f"(?:{valid_gtld.pattern}|{valid_cctld.pattern}|{valid_punycode.pattern})"
    for url, protocol, domain in [
        ("x.com", "https://", "x.com"),
        ("https://日本語.jp/a", "https://", "日本語.jp"),
        ("a" * 4090 + ".com", "https://", "a" * 4090 + ".com"),
        ("a" * 4080 + ".com", "http://", "a" * 4080 + ".com"),
        ("http://ä" * 700 + ".de", "http://", "ä" * 700 + ".de"),
        ("x..com", "https://", "x..com"),
        ("-x.com", "https://", "-x.com"),
        ("", "https://", ""),
        ("\udc80.com", "https://", "\udc80.com"),
    ]:
        assert xurls.is_valid_url(url, protocol, domain) == is_valid_url(url, protocol, domain), url[:20]


def _regex_tld_length(piece: str):
    from crosspost.plan import xurls

    found = xurls._tld_regex().match(piece)
    return found.end() if found else None


def test_ascii_tld_lookup_is_the_tld_regex_on_every_tld():
    """Every TLD in three casings, cut short and followed by each kind of character: the lookup
    by lower-cased prefix gives the regex's match (first alternative in order, then punycode)."""
    import re

    from crosspost.plan import xurls, xurls_data

    tlds = [*xurls_data.GTLDS, *xurls_data.CCTLDS]
    ascii_chars = [chr(c) for c in range(128)]
    for tld in tlds:
        if tld.isascii():
            assert re.fullmatch(r"[a-z0-9-]+", tld), tld  # so one TLD never ends where a longer one goes on
            continue
        # a non-ASCII TLD has a character that matches no ASCII character, whatever the case
        assert any(not any(re.fullmatch(re.escape(c), a, re.I) for a in ascii_chars) for c in tld), tld
    for tld in [t for t in tlds if t.isascii()] + ["xn--p1ai", "xn--", "XN--A-B"]:
        for form in {tld, tld.upper(), tld.title(), tld[:-1], tld + tld[-1]}:
            for after in ("", ".", "a", "Z", "1", "-", "@", "+", "_", " ", "\n", "/", "é", ":", "#"):
                piece = form + after
                if piece.isascii():
                    assert xurls._ascii_tld_length(piece) == _regex_tld_length(piece), piece


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdegijkmnoprstuvxyzABCKMOSX019-_@+.n", max_size=12))
def test_ascii_tld_lookup_is_the_tld_regex_on_random_pieces(piece):
    from crosspost.plan import xurls

    assert xurls._ascii_tld_length(piece) == _regex_tld_length(piece)
