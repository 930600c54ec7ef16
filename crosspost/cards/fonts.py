"""Bundled fonts, found next to the package and loaded once per process.

Pillow has no font fallback, so each text role gets a *chain* of fonts (the theme's font first,
then the bundled ones) and `crosspost.cards.shaping` picks a font per grapheme cluster using the
cmaps read here. Everything is cached: loading the fonts again per card costs ~50 ms.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from collections.abc import Set as AbcSet
from functools import lru_cache
from typing import AbstractSet
from pathlib import Path

import crosspost
from crosspost.errors import InputError

EMOJI_FONT = "NotoColorEmoji.ttf"
EMOJI_PIXEL_SIZE = 109  # the only size the CBDT bitmaps exist at; drawn then scaled
_SKIP_IN_CMAP = {0x200D, 0xFE0E, 0xFE0F}  # joiners/selectors a text font need not map

# role -> bundled fonts, in fallback order
BUNDLED: dict[str, tuple[str, ...]] = {
    "headline": ("Inter-Bold.ttf", "NotoSansCJK-Bold-Subset.otf"),
    "body": ("Inter-SemiBold.ttf", "NotoSansCJK-Bold-Subset.otf"),
    "quote": ("SourceSerif4-Regular.ttf", "Inter-SemiBold.ttf", "NotoSansCJK-Regular-Subset.otf"),
}
THEME_KEYS = {"headline": "headline_font", "body": "body_font", "quote": "quote_font"}


@lru_cache(maxsize=1)
def assets_dir() -> Path:
    """assets/ inside an installed wheel, else at the root of a source checkout."""
    pkg = Path(crosspost.__file__).resolve().parent
    for candidate in (pkg / "assets", pkg.parent / "assets"):
        if (candidate / "fonts").is_dir():
            return candidate
    raise FileNotFoundError(f"bundled assets not found next to {pkg}")


def font_dir() -> Path:
    return assets_dir() / "fonts"


def font_paths() -> list[Path]:
    """Every bundled font file (for `crosspost doctor`)."""
    names = {n for chain in BUNDLED.values() for n in chain} | {EMOJI_FONT}
    return [font_dir() / n for n in sorted(names)]


def emoji_font_path() -> str:
    return str(font_dir() / EMOJI_FONT)


def chain(role: str, theme_font: str = "") -> tuple[str, ...]:
    """Font paths for a role, the theme's own font (already resolved) first."""
    bundled = tuple(str(font_dir() / n) for n in BUNDLED[role])
    if theme_font:
        _usable(theme_font, THEME_KEYS[role])
    return ((theme_font,) + bundled) if theme_font else bundled


@lru_cache(maxsize=None)
def _usable(path: str, key: str) -> None:
    """Check once that both readers take the theme's font: a file that is not one would fail deep in
    fontTools or FreeType with a traceback; it is an InputError naming the file and the key."""
    try:
        cmap(path)
        load(path, 12)
    except Exception as exc:  # noqa: BLE001 - fontTools raises TTLibError, struct.error, AssertionError...
        raise InputError(f"'theme.{key}' is not a TrueType or OpenType font ({type(exc).__name__})", path) from None


@lru_cache(maxsize=None)
def cmap(path: str) -> AbstractSet[int]:
    """Code points a font maps (fontTools getBestCmap), once per file.

    A bundled font's come from the table tools/gen_font_coverage.py wrote at build time
    (crosspost/cards/coverage.py), so the common path never imports fontTools; a theme's own font,
    or a bundled file that is not the one the table was made from, is read with fontTools."""
    table = _bundled_coverage(path)
    if table is not None:
        return table
    return read_cmap(path)


def read_cmap(path: str) -> frozenset[int]:
    """A font's cmap read from the file with fontTools (~10-230 ms a font, plus ~65 ms to import it)."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap() or ())


def _bundled_coverage(path: str) -> Coverage | None:
    """The precomputed coverage of a bundled font, None for any other file (or a changed one)."""
    from .coverage import FONTS, TABLES

    p = Path(path)
    entry = FONTS.get(p.name)
    if entry is None:
        return None
    size, index = entry
    try:
        if p.resolve().parent != font_dir().resolve() or p.stat().st_size != size:
            return None
    except OSError:
        return None
    return _decode(TABLES[index])


class Coverage(AbcSet):
    """The code points of a precomputed table, kept as its ranges: membership is a binary search.
    Expanding a CJK font's table into a set of its ~45,000 points cost ~1 ms a font every run."""

    def __init__(self, table: str) -> None:
        """From "20-7e a0 a2-ff": sorted, disjoint, inclusive ranges in hex."""
        self._starts: list[int] = []
        self._ends: list[int] = []
        for item in table.split():
            first, _, last = item.partition("-")
            self._starts.append(int(first, 16))
            self._ends.append(int(last or first, 16))

    def __contains__(self, point: object) -> bool:
        if not isinstance(point, int):
            return False
        i = bisect_right(self._starts, point) - 1
        return i >= 0 and point <= self._ends[i]

    def __iter__(self) -> Iterator[int]:
        for start, end in zip(self._starts, self._ends):
            yield from range(start, end + 1)

    def __len__(self) -> int:
        return sum(end - start + 1 for start, end in zip(self._starts, self._ends))


@lru_cache(maxsize=None)
def _decode(table: str) -> Coverage:
    return Coverage(table)


def covers(path: str, text: str) -> bool:
    """True when the font has a glyph for every code point of `text` (ignoring joiners/selectors)."""
    have = cmap(path)
    return all(ord(c) in have or ord(c) in _SKIP_IN_CMAP for c in text)


@lru_cache(maxsize=256)
def load(path: str, size: int):
    """A Pillow FreeType font with raqm layout (needed for flags, ZWJ sequences, CJK locl)."""
    from PIL import ImageFont

    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)


def emoji_font():
    return load(emoji_font_path(), EMOJI_PIXEL_SIZE)
