"""X's weighted length (twitter-text config v3), exact and fast enough to split text with.

Why a wrapper around `twitter-text-parser` (module `twitter_text`) instead of our own counter:
that library is a port of the official twitter-text parser and passes every v3 weighted-length
case of the official conformance suite (tests/test_textlen.py runs them). Its `parse_tweet` is
slow (~1 ms per 280 characters: URL and emoji regexes over the whole text), and the splitter
measures thousands of candidate chunks, so we measure each whitespace-separated token once
(cached) and add the whitespace between tokens. This is exact because none of the v3 rules
crosses ASCII whitespace: a URL or an emoji sequence never contains a space, tab or newline, a
URL may start right after whitespace just as at the start of the text, and NFC never composes
a character with a preceding space/tab/newline. tests/test_textlen.py property-tests the
decomposition against `parse_tweet` on random text (URLs, emoji, CJK, combining marks, CRLF).
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_URL_WEIGHT = 23  # every URL counts this much, whatever its length
X_LIMIT = 280  # weighted characters in a standard X post

# Only ASCII whitespace: other Unicode spaces (NBSP, U+3000, ...) stay inside tokens and are
# measured by the library, because the URL grammar treats some of them specially.
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
        return _library_length(before + token) - 1
    return _library_length(token)


def library_weighted_length(text: str) -> int:
    """The reference: twitter-text-parser on the whole text, no shortcuts (used by the tests)."""
    return _library_length(text)


def _library_length(text: str) -> int:
    from twitter_text import parse_tweet  # heavy regexes: imported on first use only

    return parse_tweet(text).weightedLength
