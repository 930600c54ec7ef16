"""X's weighted length (twitter-text config v3), exact and fast enough to split text with.

The rules of twitter-text's `parse_tweet` with config v3, without importing any twitter-text
code (importing twitter-text-parser costs ~170 ms of CPU: pkg_resources, and an emoji regex built
from emoji-test.txt at import). NFC, CRLF as one newline, every URL 23, an emoji sequence 2, and
each other code point its weight from the v3 ranges below (2 outside them). The pieces:
- the v3 config: constants here, checked against the library's and the official config/v3.json;
- URLs: crosspost.plan.xurls, the library's URL rule in linear time (its regex takes quadratic
  time and worse on text such as "U.S.U.S.…": 2 KB, 10 s);
- emoji: the library's emoji regex as data (emoji_data.py, written by tools/gen_emoji_table.py),
  matched the way the regex does — left to right, the longest sequence at each position, else a
  single emoji code point — with one set lookup per length that sequences starting with that
  character have; loaded on the first text with a non-ASCII character (no emoji is pure ASCII).
twitter-text-parser stays the reference the tests compare with (`library_weighted_length`, the
test extra): the official conformance cases, every emoji of the library's list, random text.

The splitter measures thousands of candidate chunks, so we measure each whitespace-separated
token once (cached) and add the whitespace between tokens. This is exact because none of the v3
rules crosses ASCII whitespace: a URL or an emoji sequence never contains a space, tab or newline,
a URL may start right after whitespace just as at the start of the text, and NFC never composes
a character with a preceding space/tab/newline. tests/test_textlen.py property-tests the
decomposition against `parse_tweet` on random text (URLs, emoji, CJK, combining marks, CRLF).
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_URL_WEIGHT = 23  # every URL counts this much, whatever its length (v3 transformed_url_length)
X_LIMIT = 280  # weighted characters in a standard X post (v3 max_weighted_tweet_length)

# twitter-text config v3 ("defaults"): weights are in hundredths (scale); a code point in one of
# the ranges weighs its range's weight, any other the default; emoji_parsing_enabled is true.
SCALE = 100
DEFAULT_WEIGHT = 200
RANGES = ((0, 4351, 100), (8192, 8205, 100), (8208, 8223, 100), (8242, 8247, 100))  # (first, last, weight)

# Only ASCII whitespace: other Unicode spaces (NBSP, U+3000, ...) stay inside tokens and are
# measured by _length, because the URL grammar treats some of them specially.
_WHITESPACE_RUN = re.compile(r"[ \t\n\r\f\v]+")
# Tokens made only of these characters are plain weight-1 text: no URL (needs ':' or '.'),
# no emoji, already NFC.
_PLAIN_ASCII = re.compile(r"[!-\-/-9;-~]*\Z")  # printable ASCII except "." and ":"


def weighted_length(text: str) -> int:
    """Weighted length of `text` as X counts it (twitter-text v3: URLs 23, CJK/emoji 2, NFC)."""
    total = 0
    position = 0
    before = ""  # the whitespace character in front of the current token ("" at the start)
    for gap in _WHITESPACE_RUN.finditer(text):
        if gap.start() > position:
            total += token_weight(text[position : gap.start()], before)
        # Each ASCII whitespace character weighs 1; twitter-text turns CRLF into one newline.
        total += len(gap.group()) - gap.group().count("\r\n")
        position = gap.end()
        before = gap.group()[-1]
    if position < len(text):
        total += token_weight(text[position:], before)
    return total


@lru_cache(maxsize=1 << 16)
def token_weight(token: str, before: str = "") -> int:
    """Weighted length of one whitespace-free token, after the whitespace character `before`.

    The context matters for one library quirk: a URL starting with a non-ASCII letter is
    recognised after whitespace but not at the very start of the text ("Àx.com" vs " Àx.com"),
    so a token is measured behind the same whitespace character it follows in the text.
    Cached: newsletters repeat words a lot.
    """
    if _PLAIN_ASCII.match(token):
        return len(token)
    if before:
        return _length(before + token) - 1
    return _length(token)


def library_weighted_length(text: str) -> int:
    """The reference: twitter-text-parser on the whole text, no shortcuts (used by the tests; it
    needs the test extra, where twitter-text-parser is)."""
    from twitter_text import parse_tweet  # heavy regexes: imported on first use only

    return parse_tweet(text).weightedLength


_LINE_ENDING = re.compile(r"\r\n|\r|\n")


def _length(text: str) -> int:
    """parse_tweet(text).weightedLength with config v3, URLs found in linear time (crosspost.plan.xurls)."""
    import unicodedata

    text = _LINE_ENDING.sub("\n", unicodedata.normalize("NFC", text))
    urls = {}
    if "." in text:  # every URL has one (its domain)
        from ...plan.xurls import extract_urls_with_indices

        urls = {u["indices"][0]: u["url"] for u in extract_urls_with_indices(text)}
    emojis = {} if text.isascii() else _emoji_spans(text)
    total = 0
    i = 0
    while i < len(text):
        if i in urls:
            total += MAX_URL_WEIGHT * SCALE
            i += len(urls[i])  # the library steps by the URL's text, which may differ from its span
        elif i in emojis:
            total += DEFAULT_WEIGHT
            i += emojis[i]
        else:
            total += _char_weight(ord(text[i]))
            i += 1
    return int(total / SCALE)


def _char_weight(code: int) -> int:
    for first, last, weight in RANGES:
        if first <= code <= last:
            return weight
    return DEFAULT_WEIGHT


def _emoji_spans(text: str) -> dict[int, int]:
    """{start: length} of the emoji twitter-text's emoji regex finds in `text` (its finditer).

    The regex tries every multi-code-point emoji, longest first, then one single emoji code point,
    at each position from the left, and resumes after each match: so does this, in linear time
    (a sequence is at most a few code points long)."""
    lengths, sequences, singles = _emoji_table()
    spans = {}
    n = len(text)
    i = 0
    while i < n:
        char = text[i]
        found = 0
        for length in lengths.get(char, ()):
            if text[i : i + length] in sequences:
                found = length
                break
        if not found and char in singles:
            found = 1
        if found:
            spans[i] = found
            i += found
        else:
            i += 1
    return spans


@lru_cache(maxsize=1)
def _emoji_table() -> tuple[dict[str, tuple[int, ...]], frozenset[str], frozenset[str]]:
    """(lengths of the sequences starting with each character, longest first; the sequences; the single emoji)."""
    from .emoji_data import SEQUENCES, SINGLE_RANGES

    by_first: dict[str, set[int]] = {}
    for sequence in SEQUENCES:
        by_first.setdefault(sequence[0], set()).add(len(sequence))
    lengths = {char: tuple(sorted(found, reverse=True)) for char, found in by_first.items()}
    singles = frozenset(chr(code) for first, last in SINGLE_RANGES for code in range(first, last + 1))
    return lengths, frozenset(SEQUENCES), singles
