"""Text clean-up shared by the three parsers, and splitting a headline's trailing emoji.

Issues arrive from editors, browsers and email tools that leave NFD accents, zero-width
spaces, soft hyphens and stray control characters behind. Posts and cards must not carry
them, so every string an Issue exposes goes through `clean_inline`.
"""

from __future__ import annotations

import unicodedata

import regex

ZWJ = "\u200d"
VS16 = "\ufe0f"
# Invisible characters that are never meaningful in a post. ZWNJ (U+200C) is kept on purpose:
# it is orthographic in Persian and Indic scripts. ZWJ is handled separately (kept in emoji).
_INVISIBLE = regex.compile(r"[\u200b\u2060\ufeff\u00ad\u180e\u2061-\u2064]")
# C0/C1 controls except tab and newline (which the whitespace rules handle).
_CONTROLS = regex.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A ZWJ is kept only between two parts of an emoji sequence (👩‍💻, 🏳️‍🌈).
_STRAY_ZWJ = regex.compile(
    r"(?<![\p{Extended_Pictographic}\p{Emoji_Modifier}\ufe0f])\u200d"
    r"|\u200d(?!\p{Extended_Pictographic})"
)
_SPACES = regex.compile(r"\s+")

# Characters that are Extended_Pictographic but normally plain text in a headline
# ("Acme®", "Foo™"): only an emoji when followed by VS16.
_TEXT_DEFAULT_SYMBOLS = {"\u00a9", "\u00ae", "\u2122"}
_REGIONAL = regex.compile(r"\p{Regional_Indicator}")
_PICTOGRAPHIC = regex.compile(r"\p{Extended_Pictographic}")
_CLUSTER = regex.compile(r"\X")
_KEYCAP = regex.compile(r"^[0-9#*]\ufe0f?\u20e3$")


_CJK_LINE_BREAK = regex.compile(
    r"(?<=[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff00-\uffef])[ \t]*\n\s*"
    r"(?=[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff00-\uffef])"
)


def clean_inline(text: str) -> str:
    """NFC, invisible junk removed, every run of whitespace (newlines too) made one space; a line
    break between two CJK characters is removed (those scripts put no space between words)."""
    text = unicodedata.normalize("NFC", text)
    text = _CJK_LINE_BREAK.sub("", text)
    text = _CONTROLS.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    text = _STRAY_ZWJ.sub("", text)
    return _SPACES.sub(" ", text).strip()


def is_emoji_cluster(cluster: str) -> bool:
    """True for one grapheme cluster that is an emoji: pictographs with or without VS16,
    flags (regional-indicator pairs and tag sequences), keycaps, ZWJ and skin-tone sequences."""
    if not cluster:
        return False
    if _KEYCAP.match(cluster):
        return True
    first = cluster[0]
    if _REGIONAL.match(first):
        return True
    if first in _TEXT_DEFAULT_SYMBOLS:
        return VS16 in cluster
    return bool(_PICTOGRAPHIC.match(first))


def split_emoji(headline: str) -> tuple[str, str]:
    """("Ant Group Launches …", "🐜") from "Ant Group Launches … 🐜".

    The trailing run of emoji clusters (spaces between them allowed) becomes the emoji; when
    there is none, a leading run is used instead ("🐜 Ant Group …"). The headline text itself
    is left exactly as written (curly quotes and all).
    """
    clusters = _CLUSTER.findall(headline)
    end = len(clusters)
    i = end
    while i > 0 and (clusters[i - 1].isspace() or is_emoji_cluster(clusters[i - 1])):
        i -= 1
    emoji = "".join(clusters[i:]).strip()
    rest = "".join(clusters[:i]).strip()
    if emoji and rest:
        return rest, _SPACES.sub(" ", emoji)
    if emoji and not rest:  # a headline made only of emoji: keep it as the headline
        return headline.strip(), ""
    j = 0
    while j < end and (clusters[j].isspace() or is_emoji_cluster(clusters[j])):
        j += 1
    lead = "".join(clusters[:j]).strip()
    if lead and j < end:
        return "".join(clusters[j:]).strip(), _SPACES.sub(" ", lead)
    return headline.strip(), ""


def strip_enclosing_quotes(text: str) -> str:
    """A pull quote without the quotation marks around it (cards draw their own)."""
    pairs = {"\u201c": "\u201d", '"': '"', "\u00ab": "\u00bb", "\u300c": "\u300d", "\u2018": "\u2019"}
    t = text.strip()
    if len(t) >= 2 and t[0] in pairs and t.endswith(pairs[t[0]]):
        inner = t[1:-1].strip()
        if inner and pairs[t[0]] not in inner and t[0] not in inner:
            return inner
    return t


# Characters written without spaces around them: CJK ideographs, kana, Hangul syllables aside,
# and full-width punctuation. Joining two lines of such text must not insert a space.
_NO_SPACE_END = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff00-\uffef]$")
_NO_SPACE_START = regex.compile(r"^[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff00-\uffef]")


_FULLWIDTH_END = regex.compile(r"[。！？、，；：）」』】]$")


def join_text(a: str, b: str) -> str:
    """`a` and `b` as one run of text: a space between them, except between CJK characters or
    after/before full-width punctuation ("发布。" + "大家" is "发布。大家")."""
    if not a:
        return b
    if not b:
        return a
    if _NO_SPACE_END.search(a) and _NO_SPACE_START.search(b):
        return a + b
    if _NO_SPACE_END.search(a) and _FULLWIDTH_END.search(a):
        return a + b
    return a + " " + b
