"""Sentences, and splitting text into chunks that fit a post without breaking a word or a URL.

The text is whitespace-normalised (ASCII whitespace runs become one space; other Unicode spaces
such as NBSP are content and stay). Every place where a chunk may end is a *break* with a level:
paragraph > sentence > clause > word (a space), plus CJK character breaks inside space-free CJK
runs. Chunks are chosen by a small dynamic programme minimising, in order: a cost per post and per
break (sentence breaks cheap, word breaks dear), then the sum of squared chunk sizes (balance).
So text is cut at paragraphs and sentences first, and at clauses or words only when a sentence
does not fit; among equally good cuts the most balanced one wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Callable, NamedTuple

import regex

from ..errors import InputError

Measure = Callable[[str], int]

PARAGRAPH, SENTENCE, CLAUSE, WORD, CJK_CHAR = 4, 3, 2, 1, 0

# Cost of ending a chunk at each kind of break, and of each chunk (post) itself.
_BREAK_COST = {PARAGRAPH: 0, SENTENCE: 1, CLAUSE: 4, WORD: 12, CJK_CHAR: 12}
_CHUNK_COST = 3

_SPACE_RUN = re.compile(r"[ \t\n\r\f\v]+")
_LINE_BREAK = re.compile(r"[ \t\f\v]*(?:\r\n|\r|\n)\s*")
_TOKEN = re.compile(r"[^ ]+")

_CLOSERS = "\"'”’»)]}」』）】〕〉》"
_OPENERS = "\"'“‘«([{「『（【〔〈《"
_CJK_TERMINATORS = "。！？｡"
_CJK_CLAUSE_MARKS = "、，；："
_CLAUSE_ENDS = ",;:" + _CJK_CLAUSE_MARKS
_DASHES = ("—", "–", "--")

# Words that, followed by a period, never end a sentence (titles, "versus", "for example").
_ALWAYS_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "mx",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "mt",
    "ft",
    "gen",
    "gov",
    "sen",
    "rep",
    "lt",
    "col",
    "capt",
    "sgt",
    "cpl",
    "rev",
    "hon",
    "pres",
    "vs",
    "v",
    "cf",
    "approx",
    "ca",
    "eg",
    "ie",
    "jan",
    "feb",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "dept",
    "est",
    "ave",
    "blvd",
    "mme",
    "mlle",
}
# Abbreviations that do not end a sentence when a number follows ("No. 1", "p. 12"; "et al. (2020)",
# where "et al. Now" ends one).
_NUMBER_ABBREVIATIONS = {"no", "nos", "nr", "vol", "p", "pp", "fig", "figs", "art", "sec", "ch", "op", "al"}
# After a dotted acronym ("U.S.", "p.m.") a sentence ends only before one of these words.
_SENTENCE_STARTERS = {
    "the",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "in",
    "on",
    "at",
    "but",
    "and",
    "so",
    "we",
    "i",
    "he",
    "she",
    "they",
    "you",
    "our",
    "my",
    "a",
    "an",
    "there",
    "here",
    "what",
    "when",
    "why",
    "how",
    "if",
    "as",
    "for",
    "meanwhile",
    "however",
    "still",
    "yet",
    "also",
    "after",
    "before",
    "now",
    "then",
    "some",
    "many",
    "most",
    "all",
    "while",
    "since",
    "because",
    "with",
}
_DOTTED_ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
_SINGLE_LETTER = re.compile(r"[^\W\d_]")

# Scripts written without spaces between words: a chunk may end between two of their characters.
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff5b-\uff65]")
_NO_LINE_START = set("、。，．・：；？！ー」』）】〕〉》’”々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
_NO_LINE_END = set("「『（【〔〈《‘“")


class Break(NamedTuple):
    pos: int  # index in the normalised text where a chunk may end
    gap: int  # 1 when a space sits at pos (dropped at the cut), 0 inside a CJK run
    level: int


def normalise(text: str) -> str:
    """Collapse runs of ASCII whitespace (including newlines) to one space and strip the ends."""
    return _SPACE_RUN.sub(" ", text).strip()


def paragraphs(text: str) -> list[str]:
    """Normalised non-empty paragraphs (each line break starts a new paragraph)."""
    return [p for p in (normalise(line) for line in _LINE_BREAK.split(text)) if p]


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph, in order.

    Joining them with single spaces gives back the normalised paragraph, except after a CJK
    full stop with no space after it (。！？), where they join with nothing.
    """
    flat = normalise(text)
    return _cut(flat, [b for b in _paragraph_breaks(flat, 0) if b.level >= SENTENCE])


def iter_sentences(text: str) -> Iterator[str]:
    """The sentences of `sentences(text)`, one at a time: only as much of the paragraph is read
    as the caller takes, so the lead sentence of a long paragraph costs the lead sentence."""
    flat = normalise(text)
    start = 0
    for b in _iter_breaks(flat, 0):
        if b.level >= SENTENCE:
            if b.pos > start:
                yield flat[start : b.pos]
            start = b.pos + b.gap
    if start < len(flat):
        yield flat[start:]


def first_sentence(text: str) -> str:
    """`sentences(text)[0]` ("" for blank text), without cutting the rest of the paragraph."""
    return next(iter_sentences(text), "")


def analyse(text: str) -> tuple[str, list[Break]]:
    """The normalised text (paragraphs joined by a space) and every place it may be cut."""
    parts = paragraphs(text)
    breaks: list[Break] = []
    offset = 0
    for number, part in enumerate(parts):
        if number:
            breaks.append(Break(offset - 1, 1, PARAGRAPH))
        breaks += _paragraph_breaks(part, offset)
        offset += len(part) + 1
    return " ".join(parts), breaks


def split_to_fit(
    text: str,
    limit: int,
    measure: Measure = len,
    *,
    first_limit: int | None = None,
) -> list[str]:
    """Split `text` into chunks whose `measure` is at most `limit` (the first at most `first_limit`).

    Never breaks a word or a URL: a single word longer than the limit is an InputError naming it
    (the caller adds the file). Joined with spaces, the chunks are the normalised text (a cut inside
    a CJK run joins with nothing). `first_limit` lets a caller fill the rest of a started post.
    """
    flat, breaks = analyse(text)
    if not flat:
        return []
    first = limit if first_limit is None else first_limit
    if measure(flat) <= min(limit, first):
        return [flat]
    starts = [0] + [b.pos + b.gap for b in breaks]
    ends = [b.pos for b in breaks] + [len(flat)]
    atoms = [flat[s:e] for s, e in zip(starts, ends)]
    sizes = [measure(a) for a in atoms]
    for atom, size in zip(atoms, sizes):
        if size > limit:
            raise InputError(
                f"the word {_shorten(atom)!r} is longer than a whole post (length {size}, limit {limit}); shorten it"
            )
    space = measure(" ")
    gaps = [0] + [space if b.gap else 0 for b in breaks]  # gaps[k]: before atom k
    limits = (first, limit)
    for _attempt in range(8):
        cuts = _best_cuts(sizes, gaps, [b.level for b in breaks], *limits)
        if cuts is None:
            raise InputError(f"the first words of {_shorten(flat)!r} do not fit in the {first} characters left")
        chunks = [flat[starts[i] : ends[j - 1]] for i, j in zip(cuts, cuts[1:])]
        over = [measure(c) - (limits[0] if n == 0 else limits[1]) for n, c in enumerate(chunks)]
        if max(over) <= 0:
            return chunks
        # The measure is not additive here (rare: a URL glued to CJK text); tighten and retry.
        limits = (limits[0] - max(over[0], 0), limits[1] - max(max(over[1:], default=0), 0))
        if limits[1] < max(sizes):
            break
    raise InputError(f"cannot split {_shorten(flat)!r} into parts of at most {limit}")


def _best_cuts(sizes: list[int], gaps: list[int], levels: list[int], first_limit: int, limit: int) -> list[int] | None:
    """Atom indices where chunks start (plus len), by dynamic programming; None if impossible."""
    n = len(sizes)
    total = [0] * (n + 1)  # total[k]: measure of atoms 0..k-1 joined with their gaps
    for k in range(n):
        total[k + 1] = total[k] + sizes[k] + (gaps[k] if k else 0)
    inf = (float("inf"), float("inf"))
    best: list[tuple[float, float]] = [inf] * (n + 1)
    back = [-1] * (n + 1)
    best[0] = (0, 0)
    for j in range(1, n + 1):
        end_cost = _BREAK_COST[levels[j - 1]] if j < n else 0
        i = j - 1
        while i >= 0:
            size = total[j] - total[i] - (gaps[i] if i else 0)
            if size > (first_limit if i == 0 else limit):
                if i == 0 or size > max(first_limit, limit):
                    break
                i -= 1
                continue
            if best[i] != inf:
                cost = (best[i][0] + end_cost + _CHUNK_COST, best[i][1] + size * size)
                if cost < best[j]:
                    best[j], back[j] = cost, i
            i -= 1
    if best[n] == inf:
        return None
    cuts = [n]
    while cuts[-1]:
        cuts.append(back[cuts[-1]])
    return cuts[::-1]


def _cut(flat: str, breaks: list[Break]) -> list[str]:
    out, start = [], 0
    for b in breaks:
        out.append(flat[start : b.pos])
        start = b.pos + b.gap
    out.append(flat[start:])
    return [s for s in out if s]


def _paragraph_breaks(par: str, offset: int) -> list[Break]:
    return list(_iter_breaks(par, offset))


def _iter_breaks(par: str, offset: int) -> Iterator[Break]:
    """The breaks of a normalised paragraph, in order, found as they are asked for."""
    tokens = _TOKEN.finditer(par)
    tok = next(tokens, None)
    while tok is not None:
        word = tok.group()
        for p, lvl in _inner_breaks(word):
            yield Break(offset + tok.start() + p, 0, lvl)
        following = next(tokens, None)
        if following is not None:
            yield Break(offset + tok.end(), 1, _space_level(word, following.group()))
        tok = following


def _space_level(word: str, following: str) -> int:
    if _ends_sentence(word, following):
        return SENTENCE
    bare = word.rstrip(_CLOSERS)
    if bare.endswith(tuple(_CLAUSE_ENDS)) or word in _DASHES or word.endswith(_DASHES) or following in _DASHES:
        return CLAUSE
    return WORD


def _ends_sentence(word: str, following: str) -> bool:
    bare = word.rstrip(_CLOSERS)
    if not bare:
        return False
    if bare[-1] in _CJK_TERMINATORS:
        return True
    nxt = following.lstrip(_OPENERS)
    if not nxt or bare[-1] not in ".!?…":
        return False
    first = nxt[0]
    starts_sentence = first.isupper() or first.isdigit() or (first.isalpha() and not first.islower())
    if not starts_sentence:
        return False
    if bare[-1] != "." or bare.endswith(".."):
        return True  # "!", "?", or an ellipsis followed by a capital
    core = bare[:-1].lstrip(_OPENERS)
    lower = core.lower()
    if lower in _ALWAYS_ABBREVIATIONS or _SINGLE_LETTER.fullmatch(core):
        return False  # "Mr. Ma", "vs. Google", initials "J. K. Rowling"
    if lower in _NUMBER_ABBREVIATIONS and first.isdigit():
        return False  # "No. 1"
    if _DOTTED_ACRONYM.fullmatch(core):
        return re.sub(r"\W+$", "", nxt).lower() in _SENTENCE_STARTERS  # "U.S. and" vs "U.S. The"
    return True


def _inner_breaks(token: str) -> list[tuple[int, int]]:
    """Breaks inside a space-free token: after CJK punctuation and between CJK characters."""
    if not _CJK.search(token):
        return []
    graphemes = regex.findall(r"\X", token)
    protected = _url_spans(token)
    out: list[tuple[int, int]] = []
    pos = 0
    for a, b in zip(graphemes, graphemes[1:]):
        pos += len(a)
        if any(s < pos < e for s, e in protected):
            continue
        if a[0] in _CJK_TERMINATORS and b[0] not in _CJK_TERMINATORS + _CLOSERS:
            out.append((pos, SENTENCE))
        elif a[0] in _CJK_CLAUSE_MARKS and b[0] not in _NO_LINE_START:
            out.append((pos, CLAUSE))
        elif _CJK.match(a) and _CJK.match(b) and a[0] not in _NO_LINE_END and b[0] not in _NO_LINE_START:
            out.append((pos, CJK_CHAR))
    return out


def _url_spans(token: str) -> list[tuple[int, int]]:
    if "." not in token and ":" not in token:
        return []
    from .xurls import extract_urls_with_indices  # X's rule in linear time: tokens may be long

    # Measured behind a space, as in the text (see textlen.token_weight for why it matters).
    return [(u["indices"][0] - 1, u["indices"][1] - 1) for u in extract_urls_with_indices(" " + token)]


def _shorten(word: str, width: int = 40) -> str:
    return word if len(word) <= width else word[: width - 1] + "…"
