"""Balanced line breaking, independent of fonts (widths come from a callback).

Text is split into unbreakable atoms: Latin words (never broken), and single CJK characters
(Chinese and Japanese wrap between characters) with the kinsoku rules that keep closing
punctuation off the start of a line and opening punctuation off its end. A no-break space binds
its neighbours, so a headline's trailing emoji never sits alone on a line.

Breaking first finds the fewest lines that fit (greedy), then redistributes atoms over exactly
that many lines to minimise the sum of squared slack: lines of even length, not a long line
followed by an orphan (like CSS `text-wrap: balance`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex

_CLUSTER = regex.compile(r"\X")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff01-\uff60]")
NO_LINE_START = set(
    "、。，．・：；？！）」』】〕〉》〙〗｝］”’›»ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々〻‐゠–〜～%)]},.:;!?"
)
NO_LINE_END = set("（「『【〔〈《〘〖｛［“‘‹«([{")


@dataclass(frozen=True)
class Atom:
    text: str
    space_before: bool  # a breakable space precedes it (dropped at a line start)


def atoms(text: str) -> list[Atom]:
    """Unbreakable pieces of one paragraph."""
    out: list[Atom] = []
    for word in text.split():
        first = True
        piece = ""
        prev = ""
        for cl in _CLUSTER.findall(word):
            if piece and _break_between(prev, cl):
                out.append(Atom(piece, first))
                first = False
                piece = ""
            piece += cl
            prev = cl
        if piece:
            out.append(Atom(piece, first))
    if out:
        out[0] = Atom(out[0].text, False)
    return out


def _break_between(prev: str, cur: str) -> bool:
    if not (_CJK.match(prev) or _CJK.match(cur)):
        return False
    return cur[0] not in NO_LINE_START and prev[-1] not in NO_LINE_END


def split_atom(atom: Atom) -> list[Atom]:
    """Last resort for a word wider than the box: one atom per grapheme cluster."""
    parts = _CLUSTER.findall(atom.text)
    return [Atom(p, atom.space_before and i == 0) for i, p in enumerate(parts)]


def join(line: list[Atom]) -> str:
    return "".join((" " if a.space_before and i else "") + a.text for i, a in enumerate(line))


def break_lines(
    items: list[Atom],
    width_of: Callable[[str], float],
    space: float,
    max_width: float,
    *,
    max_lines: int | None = None,
    balance: bool = True,
) -> list[list[Atom]] | None:
    """Balanced lines no wider than max_width (by atom widths), or None if an atom is too wide
    or more than `max_lines` lines would be needed."""
    if not items:
        return []
    w = [width_of(a.text) for a in items]
    if max(w) > max_width:
        return None
    n = len(items)
    sp = [space if a.space_before else 0.0 for a in items]
    prefix = [0.0]
    for k in range(n):
        prefix.append(prefix[-1] + w[k] + (sp[k] if k else 0.0))

    def line_width(i: int, j: int) -> float:  # atoms i..j-1, without the space before atom i
        return prefix[j] - prefix[i] - (sp[i] if i else 0.0)

    # fewest lines: greedy
    count, cur = 1, w[0]
    for k in range(1, n):
        if cur + sp[k] + w[k] <= max_width:
            cur += sp[k] + w[k]
        else:
            count, cur = count + 1, w[k]
    if max_lines is not None and count > max_lines:
        return None
    if count == 1:
        return [items]
    if not balance:
        return _greedy(items, w, sp, max_width)
    # exactly `count` lines, minimal sum of squared slack
    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(count + 1)]
    back = [[0] * (n + 1) for _ in range(count + 1)]
    best[0][0] = 0.0
    for m in range(1, count + 1):
        for j in range(1, n + 1):
            for i in range(j - 1, -1, -1):
                lw = line_width(i, j)
                if lw > max_width:
                    break
                if best[m - 1][i] == inf:
                    continue
                cost = best[m - 1][i] + (max_width - lw) ** 2
                if cost < best[m][j]:
                    best[m][j], back[m][j] = cost, i
    lines: list[list[Atom]] = []
    j = n
    for m in range(count, 0, -1):
        i = back[m][j]
        lines.append(items[i:j])
        j = i
    lines.reverse()
    return lines


def _greedy(items: list[Atom], w: list[float], sp: list[float], max_width: float) -> list[list[Atom]]:
    lines: list[list[Atom]] = [[items[0]]]
    cur = w[0]
    for k in range(1, len(items)):
        if cur + sp[k] + w[k] <= max_width:
            lines[-1].append(items[k])
            cur += sp[k] + w[k]
        else:
            lines.append([items[k]])
            cur = w[k]
    return lines
