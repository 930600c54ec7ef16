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
# Last characters of a word after which a space may be more than a word break (_space_level).
_MAY_END_MORE = frozenset(_CLOSERS + ".!?…" + _CJK_TERMINATORS + _CLAUSE_ENDS + "—–-")

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
    return Splitter(measure).split(text, limit, first_limit=first_limit)


class _Split(NamedTuple):
    chunks: list[str]
    clean: bool  # found on the first try: the measure was additive over its atoms
    head: int  # the first chunk's size as the programme counted it (its atoms and gaps)
    first: int  # the first chunk's measure


class _Text:
    """A text as the splitter sees it: normalised, with its whole measure; its atoms (the pieces
    between two breaks) and their measures are worked out when first needed."""

    def __init__(self, text: str, measure: Measure) -> None:
        self.flat, self.breaks = analyse(text)
        self.whole = measure(self.flat) if self.flat else 0
        self.sizes: list[int] | None = None
        self.gaps: list[int] = []
        self.splits: dict[tuple[int, int], _Split] = {}


class Splitter:
    """split_to_fit for one measure, remembering what it has worked out.

    Each text is analysed (breaks found, atoms measured) once, however many limits it is then
    split to, and a word is measured once however often it occurs. A split whose first chunk
    already fits a tighter `first_limit` is the answer for that limit too, so it is reused: the
    programme with the tighter limit only loses ways of cutting that the first answer did not
    use, and it breaks ties the same way (see _best_cuts), so it would find the same cuts.
    """

    def __init__(self, measure: Measure = len) -> None:
        self.measure = measure
        self._texts: dict[str, _Text] = {}
        self._sizes: dict[str, int] = {}

    def split(self, text: str, limit: int, *, first_limit: int | None = None) -> list[str]:
        """Exactly split_to_fit(text, limit, measure, first_limit=first_limit)."""
        t = self._text(text)
        if not t.flat:
            return []
        first = limit if first_limit is None else first_limit
        found = t.splits.get((limit, first))
        if found is None and first < limit:
            loose = t.splits.get((limit, limit))
            if loose and loose.clean and loose.head <= first and loose.first <= first:
                found = loose
        if found is None:
            found = t.splits[(limit, first)] = self._split(t, limit, first)
        return list(found.chunks)

    def atoms(self, text: str) -> tuple[list[int], list[int]]:
        """The measure of each piece of the normalised text between two breaks, and of the gap
        before each (gaps[0] is 0): the sizes split() adds up. Empty lists for blank text."""
        t = self._text(text)
        return self._atoms(t) if t.flat else ([], [])

    def may_lead(self, text: str, first_limit: int) -> bool:
        """False when no chunk split(text, limit, first_limit=first_limit) could start with holds
        the text's first sentence whole: the text does not fit whole, and the first sentence's
        atoms add up to more than `first_limit` (the programme never puts more in a chunk)."""
        t = self._text(text)
        if t.whole <= first_limit:
            return True
        sizes, gaps = self._atoms(t)
        size = sizes[0] if sizes else 0
        for k, b in enumerate(t.breaks):
            if b.level >= SENTENCE or size > first_limit:
                break
            size += gaps[k + 1] + sizes[k + 1]
        return size <= first_limit

    def _text(self, text: str) -> _Text:
        t = self._texts.get(text)
        if t is None:
            t = self._texts[text] = _Text(text, self.measure)
        return t

    def _atoms(self, t: _Text) -> tuple[list[int], list[int]]:
        """The measure of each atom, and of the gap before each (gaps[0] is 0)."""
        if t.sizes is None:
            known, measure = self._sizes, self.measure
            sizes = []
            for start, end in zip(_starts(t.breaks), _ends(t.flat, t.breaks)):
                atom = t.flat[start:end]
                size = known.get(atom)
                if size is None:
                    size = known[atom] = measure(atom)
                sizes.append(size)
            t.sizes = sizes
            space = measure(" ")
            t.gaps = [0] + [space if b.gap else 0 for b in t.breaks]
        return t.sizes, t.gaps

    def _split(self, t: _Text, limit: int, first: int) -> _Split:
        flat, breaks, measure = t.flat, t.breaks, self.measure
        if t.whole <= min(limit, first):
            return _Split([flat], True, t.whole, t.whole)
        sizes, gaps = self._atoms(t)
        starts, ends = _starts(breaks), _ends(flat, breaks)
        for s, e, size in zip(starts, ends, sizes):
            if size > limit:
                raise InputError(
                    f"the word {_shorten(flat[s:e])!r} is longer than a whole post (length {size}, limit {limit}); "
                    "shorten it"
                )
        levels = [b.level for b in breaks]
        limits = (first, limit)
        for attempt in range(8):
            cuts = _best_cuts(sizes, gaps, levels, *limits)
            if cuts is None:
                raise InputError(f"the first words of {_shorten(flat)!r} do not fit in the {first} characters left")
            chunks = [flat[starts[i] : ends[j - 1]] for i, j in zip(cuts, cuts[1:])]
            over = [measure(c) - (limits[0] if n == 0 else limits[1]) for n, c in enumerate(chunks)]
            if max(over) <= 0:
                head = sum(sizes[: cuts[1]]) + sum(gaps[1 : cuts[1]])
                return _Split(chunks, attempt == 0, head, over[0] + limits[0])
            # The measure is not additive here (rare: a URL glued to CJK text); tighten and retry.
            limits = (limits[0] - max(over[0], 0), limits[1] - max(max(over[1:], default=0), 0))
            if limits[1] < max(sizes):
                break
        raise InputError(f"cannot split {_shorten(flat)!r} into parts of at most {limit}")


def _starts(breaks: list[Break]) -> list[int]:
    return [0] + [b.pos + b.gap for b in breaks]


def _ends(flat: str, breaks: list[Break]) -> list[int]:
    return [b.pos for b in breaks] + [len(flat)]


def _best_cuts(sizes: list[int], gaps: list[int], levels: list[int], first_limit: int, limit: int) -> list[int] | None:
    """Atom indices where chunks start (plus len), by dynamic programming; None if impossible.

    best[j] is the cheapest way to cut atoms 0..j-1 into chunks, its last chunk starting at back[j].
    A cost (breaks and chunks, sum of squared sizes) is one integer: the first part times `scale`,
    which no sum of squares reaches. Among equally cheap last chunks the shortest wins.
    """
    n = len(sizes)
    total = [0] * (n + 1)  # total[k]: measure of atoms 0..k-1 joined with their gaps
    for k in range(n):
        total[k + 1] = total[k] + sizes[k] + (gaps[k] if k else 0)
    starts = [total[i] + gaps[i] for i in range(n)]  # a chunk of atoms i..j-1 measures total[j] - starts[i]
    scale = total[n] ** 2 + 1
    inf = float("inf")
    best: list[float] = [inf] * (n + 1)
    back = [-1] * (n + 1)
    best[0] = 0
    lo = 1  # the first atom a chunk ending at j-1 may start at, other than 0
    for j in range(1, n + 1):
        end = total[j]
        while lo < j and end - starts[lo] > limit:
            lo += 1
        value, at = inf, -1
        if lo < j:
            costs = [b + (end - s) ** 2 for b, s in zip(best[lo:j], starts[lo:j])]
            value = min(costs)
            if value != inf:
                at = j - 1 - costs[::-1].index(value)
        if end <= first_limit and end * end < value:
            value, at = end * end, 0
        if at >= 0:
            best[j] = value + (_CHUNK_COST + (_BREAK_COST[levels[j - 1]] if j < n else 0)) * scale
            back[j] = at
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
        if not word.isascii():  # CJK breaks are inside non-ASCII tokens only
            for p, lvl in _inner_breaks(word):
                yield Break(offset + tok.start() + p, 0, lvl)
        following = next(tokens, None)
        if following is not None:
            after = following.group()
            if word[-1] in _MAY_END_MORE or after in _DASHES:
                yield Break(offset + tok.end(), 1, _space_level(word, after))
            else:  # most words: what _space_level finds without looking
                yield Break(offset + tok.end(), 1, WORD)
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
