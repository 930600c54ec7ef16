"""Font fallback: split text into runs that one font can draw completely.

Text is cut into grapheme clusters (`regex` `\\X`), so a flag, a ZWJ sequence or a skin-tone emoji
stays one unit. Emoji clusters go to the colour emoji font; every other cluster goes to the first
font of the chain whose cmap has all its code points. Neighbours with the same font merge into a
run, which raqm then shapes as a whole (kerning, CJK `locl`).

A cluster no font can draw is never left to become a missing-glyph box. It is replaced, in order,
by: its NFKC form; its base letters without combining marks (NFKD); 〓 (U+3013, the geta mark that
Japanese typesetting uses for an unavailable kanji) for a Han ideograph; otherwise "?". An emoji
sequence the emoji font cannot draw as one glyph falls back to its first emoji.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import regex

from . import fonts

_CLUSTER = regex.compile(r"\X")
_MARKS = regex.compile(r"\p{M}+")
_HAN = regex.compile(r"\p{Han}")
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
_HANGUL = regex.compile(r"\p{Hangul}")
_EMOJI_PRESENTATION = regex.compile(r"\p{Emoji_Presentation}")
_PICTOGRAPHIC = regex.compile(r"\p{Extended_Pictographic}")
# What `resolve` treats specially: any emoji-like character, a joiner or selector, a dropped invisible,
# a space other than U+0020. Text with none of these, all in the chain's first font, is one run of it.
_SPECIAL = regex.compile(
    r"[^\S ]|[\u00ad\u200b-\u200f\u2060\ufeff\ufe0e\ufe0f\u20e3\U0001F1E6-\U0001F1FF\u2000-\u200a\u202f\u205f\u3000]"
    r"|\p{Extended_Pictographic}|\p{Emoji_Presentation}"
)
_DROP = dict.fromkeys(map(ord, "\u200b\u00ad\ufeff\u2060\u200e\u200f\ufe0e\ufe0f"))  # invisible in text runs
_SPACES = regex.compile(r"[\s\u2000-\u200a\u202f\u205f\u3000]")  # any space: drawn as a font's own space
GETA = "\u3013"


@dataclass(frozen=True)
class Run:
    """Text drawn with one font. `emoji` runs use the colour font at 109 px, scaled."""

    text: str
    font: str
    emoji: bool = False
    language: str | None = None


def clusters(text: str) -> list[str]:
    return _CLUSTER.findall(text)


def language_of(text: str) -> str | None:
    """raqm language for CJK shaping: Japanese forms when there is kana, Korean for Hangul."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    return None


def looks_like_emoji(cluster: str, chain: tuple[str, ...]) -> bool:
    """Emoji presentation, a VS16, a keycap, a flag, or a pictograph no text font has (🌪 without VS16)."""
    if "\ufe0f" in cluster or "\u20e3" in cluster or "\u200d" in cluster and _PICTOGRAPHIC.search(cluster):
        return True
    first = cluster[0]
    if 0x1F1E6 <= ord(first) <= 0x1F1FF or _EMOJI_PRESENTATION.match(first):
        return True
    if _PICTOGRAPHIC.match(first) and "\ufe0e" not in cluster:
        return not any(fonts.covers(p, cluster) for p in chain)
    return False


@lru_cache(maxsize=4096)
def emoji_glyph(cluster: str) -> str | None:
    """The cluster (or its first emoji) if the emoji font draws it as one glyph, else None."""
    path = fonts.emoji_font_path()
    font = fonts.emoji_font()
    single = font.getlength("\u2b50")  # one glyph's advance
    candidates = [cluster]
    base = cluster[0]
    if base != cluster:
        candidates.append(base + "\ufe0f" if not (0x1F1E6 <= ord(base) <= 0x1F1FF) else base)
        candidates.append(base)
    for cand in candidates:
        if fonts.covers(path, cand.replace("\ufe0f", "")) and font.getlength(cand) < 1.5 * single:
            return cand
    return None


def _text_font(cluster: str, chain: tuple[str, ...]) -> str | None:
    for path in chain:
        if fonts.covers(path, cluster):
            return path
    return None


def replacement(cluster: str, chain: tuple[str, ...]) -> tuple[str, str]:
    """(text, font) to draw instead of a cluster no font has. See the module docstring."""
    for cand in (
        unicodedata.normalize("NFKC", cluster),
        _MARKS.sub("", unicodedata.normalize("NFKD", cluster)),
    ):
        if cand and cand != cluster:
            path = _text_font(cand, chain)
            if path:
                return cand, path
    if _HAN.search(cluster):
        path = _text_font(GETA, chain)
        if path:
            return GETA, path
    return "?", _text_font("?", chain) or chain[0]


def resolve(cluster: str, chain: tuple[str, ...]) -> tuple[str, str, bool]:
    """(text to draw, font path, is_emoji) for one grapheme cluster."""
    if looks_like_emoji(cluster, chain):
        glyph = emoji_glyph(cluster)
        if glyph is not None:
            return glyph, fonts.emoji_font_path(), True
        cluster = cluster.replace("\ufe0f", "").replace("\u200d", "")[:1]
    if _SPACES.fullmatch(cluster) and cluster != "\u00a0":
        cluster = " "
    text = cluster.translate(_DROP)
    if not text:
        return "", chain[0], False
    path = _text_font(text, chain)
    if path:
        return text, path, False
    text, path = replacement(text, chain)
    return text, path, False


@lru_cache(maxsize=8192)
def segment(text: str, chain: tuple[str, ...]) -> tuple[Run, ...]:
    """Runs of `text`, each drawable by one font; spaces stay in the run they follow."""
    language = language_of(text)
    if text and not _SPECIAL.search(text) and fonts.covers(chain[0], text):
        return (Run(text, chain[0], False, language),)  # what _runs gives, without its loop: most text
    return _runs(text, chain, language)


def _runs(text: str, chain: tuple[str, ...], language: str | None) -> tuple[Run, ...]:
    """`segment` cluster by cluster."""
    runs: list[list] = []  # [text, font, emoji]
    for cluster in clusters(text):
        piece, path, is_emoji = resolve(cluster, chain)
        if not piece:
            continue
        if runs and piece == " " and not runs[-1][2] and fonts.covers(runs[-1][1], " "):
            path = runs[-1][1]
        if runs and runs[-1][1] == path and runs[-1][2] == is_emoji:
            runs[-1][0] += piece
        else:
            runs.append([piece, path, is_emoji])
    return tuple(Run(t, p, e, language if not e else None) for t, p, e in runs)
