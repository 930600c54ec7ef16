"""X's weighted length (twitter-text config v3), exact and fast enough to split text with.

Built on `twitter-text-parser` (module `twitter_text`), a port of the official twitter-text parser
that passes every v3 weighted-length case of the official conformance suite (tests/test_textlen.py
runs them), with one part replaced: its URL regex takes quadratic time and worse on text such as
"U.S.U.S.…" (2 KB: 10 s), so URLs are found by crosspost.plan.xurls, the same rule in linear time, and
`_length` is parse_tweet's weighted-length loop around it. The splitter measures thousands of
candidate chunks, so we measure each whitespace-separated token once (cached) and add the
whitespace between tokens. This is exact because none of the v3 rules
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
        return _length(before + token) - 1
    return _length(token)


def library_weighted_length(text: str) -> int:
    """The reference: twitter-text-parser on the whole text, no shortcuts (used by the tests)."""
    from twitter_text import parse_tweet  # heavy regexes: imported on first use only

    return parse_tweet(text).weightedLength


_LINE_ENDING = re.compile(r"\r\n|\r|\n")


def _length(text: str) -> int:
    """parse_tweet(text).weightedLength with config v3, URLs found in linear time (crosspost.plan.xurls)."""
    import unicodedata

    from twitter_text.config import config
    from twitter_text.extract_emojis import extract_emojis_with_indices

    from ...plan.xurls import extract_urls_with_indices

    options = config["defaults"]
    scale, default = options["scale"], options["default_weight"]
    text = _LINE_ENDING.sub("\n", unicodedata.normalize("NFC", text))
    urls = {u["indices"][0]: u["url"] for u in extract_urls_with_indices(text)}
    emojis = {e["indices"][0]: e["emoji"] for e in extract_emojis_with_indices(text)}
    total = 0
    i = 0
    while i < len(text):
        if i in urls:
            total += options["transformed_url_length"] * scale
            i += len(urls[i])  # the library steps by the URL's text, which may differ from its span
        elif options["emoji_parsing_enabled"] and i in emojis:
            total += default
            i += len(emojis[i])
        else:
            total += _char_weight(ord(text[i]), options["ranges"], default)
            i += 1
    return int(total / scale)


def _char_weight(code: int, ranges: list[dict], default: int) -> int:
    for r in ranges:
        if r["start"] <= code <= r["end"]:
            return r["weight"]
    return default
