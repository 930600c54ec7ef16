"""Where every piece of a card goes, computed before anything is drawn.

`layout_card(spec, config)` returns a `Layout`: the runs of text (with their font, size, baseline
and ink box), rectangles and images. The renderer only paints it, and tests check it (margins,
glyph coverage) without decoding pixels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..config import Config
from . import fonts, glyphs
from .linebreak import Atom, atoms, break_lines, join, split_atom
from .shaping import Run, segment
from .theme import Palette, palette

ASCENT, DESCENT = 0.97, 0.26  # ink extent of a line around its baseline, in em (Inter, CJK, emoji)
EMOJI_HEIGHT = 0.95  # emoji drawn 0.95 em tall, centred on the cap height
CAP_MIDDLE = 0.36
_EMOJI_BITMAP = (136, 128)  # Noto Color Emoji's bitmap at 109 px
_EMOJI_TOP, _EMOJI_BOTTOM = -101, 27


@dataclass
class Placed:
    """One run drawn at a baseline; `box` is its ink box on the canvas (left, top, right, bottom)."""

    text: str
    font: str
    size: int
    x: float
    baseline: float
    box: tuple[int, int, int, int]
    colour: str
    role: str
    emoji: bool = False
    language: str | None = None


@dataclass
class Rect:
    box: tuple[int, int, int, int]
    colour: str


@dataclass
class Picture:
    path: str
    box: tuple[int, int, int, int]


@dataclass
class Layout:
    width: int
    height: int
    margin: int
    background: str
    runs: list[Placed] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)
    blocks: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)  # role -> box it had to fit
    sizes: dict[str, int] = field(default_factory=dict)  # role -> font size chosen
    truncated: bool = False

    def drawn(self) -> list[tuple[str, str]]:
        """(text, font path) of every run, in drawing order."""
        return [(r.text, r.font) for r in self.runs]

    def lines(self, role: str) -> list[str]:
        """The text of each line drawn for a role, top to bottom."""
        by_baseline: dict[float, str] = {}
        for r in self.runs:
            if r.role == role:
                by_baseline[r.baseline] = by_baseline.get(r.baseline, "") + r.text
        return [by_baseline[b] for b in sorted(by_baseline)]

    def text(self, role: str) -> str:
        return " ".join(self.lines(role))


# ---------------------------------------------------------------- measuring


def emoji_scale(size: int) -> float:
    return size * EMOJI_HEIGHT / _EMOJI_BITMAP[1]


def run_width(run: Run, size: int) -> float:
    if run.emoji:
        return fonts.emoji_font().getlength(run.text) * emoji_scale(size)
    font = fonts.load(run.font, size)
    shaped = glyphs.shaped(font, run.text, run.language)
    return glyphs.length(shaped) if shaped is not None else font.getlength(run.text, language=run.language)


@lru_cache(maxsize=65536)
def text_width(text: str, chain: tuple[str, ...], size: int) -> float:
    return sum(run_width(r, size) for r in segment(text, chain))


def run_box(run: Run, size: int, x: float, baseline: float) -> tuple[int, int, int, int]:
    if run.emoji:
        k = emoji_scale(size)
        top = baseline - CAP_MIDDLE * size - EMOJI_HEIGHT * size / 2
        width = fonts.emoji_font().getlength(run.text) * k
        return (int(x), int(top), int(x + width + 0.999), int(top + EMOJI_HEIGHT * size + 0.999))
    font = fonts.load(run.font, size)
    shaped = glyphs.shaped(font, run.text, run.language)
    if shaped is not None:
        l, t, r, b = glyphs.bbox(shaped)
    else:
        l, t, r, b = font.getbbox(run.text, anchor="ls", language=run.language)
    return (int(x + l), int(baseline + t), int(x + r), int(baseline + b))


@lru_cache(maxsize=16384)
def ink_extent(text: str, chain: tuple[str, ...], size: int) -> tuple[int, int]:
    """(overhang left of the pen start, ink right edge) of a line: a glyph like "A" or "y" may
    reach past its advance, and margins are about ink."""
    left, right, x = 0, 0, 0.0
    for run in segment(text, chain):
        l, _, r, _ = run_box(run, size, x, 0)
        left, right = min(left, l), max(right, r)
        x += run_width(run, size)
    return -left, max(right, int(x + 0.999))


def line_width(text: str, chain: tuple[str, ...], size: int) -> int:
    over, right = ink_extent(text, chain, size)
    return over + right


def place_line(
    text: str, chain: tuple[str, ...], size: int, x: float, baseline: float, colour: str, role: str
) -> list[Placed]:
    x += ink_extent(text, chain, size)[0]  # ink, not the pen, starts at x
    out = []
    for run in segment(text, chain):
        out.append(
            Placed(
                run.text,
                run.font,
                size,
                x,
                baseline,
                run_box(run, size, x, baseline),
                colour,
                role,
                run.emoji,
                run.language,
            )
        )
        x += run_width(run, size)
    return out


# ---------------------------------------------------------------- fitting a block of text


@dataclass
class Block:
    size: int
    lines: list[str]
    leading: float
    truncated: bool = False
    starts: frozenset[int] = frozenset()  # indexes of lines that begin a new paragraph (after the first)
    para_gap: float = 0.0  # extra space before such a line, in em

    @property
    def line_px(self) -> int:
        return round(self.size * self.leading)

    @property
    def gap_px(self) -> int:
        return round(self.size * self.para_gap)

    @property
    def height(self) -> int:
        if not self.lines:
            return 0
        return (
            (len(self.lines) - 1) * self.line_px
            + len(self.starts) * self.gap_px
            + round(self.size * (ASCENT + DESCENT))
        )


def _try(
    paragraphs, chain, size, box_w, box_h, leading, max_lines, split_words, para_gap=0.0, balance=True
) -> Block | None:
    def width_of(t: str) -> float:
        return text_width(t, chain, size)

    space = width_of(" ")
    line_px = round(size * leading)
    room = min(max_lines, 1 + max(0, box_h - round(size * (ASCENT + DESCENT))) // max(1, line_px))
    lines: list[str] = []
    starts: set[int] = set()
    for para in paragraphs:
        if lines:
            starts.add(len(lines))
        items: list[Atom] = atoms(para)
        if split_words:
            items = [p for a in items for p in (split_atom(a) if width_of(a.text) > box_w else [a])]
        broken = break_lines(items, width_of, space, box_w, max_lines=room - len(lines), balance=balance)
        if broken is None:
            return None
        lines += [join(line) for line in broken]
    if len(lines) > max_lines or any(line_width(line, chain, size) > box_w for line in lines):
        return None
    block = Block(size, lines, leading, starts=frozenset(starts), para_gap=para_gap)
    return block if block.height <= box_h else None


def _largest(lo: int, hi: int, attempt) -> Block | None:
    """The biggest size in [lo, hi] that fits (fit is monotone in size, so bisect)."""
    if lo > hi:
        return None
    found = attempt(hi)  # most headlines and quotes fit at the largest size: one try
    if found is not None:
        return found
    hi -= 1
    if lo > hi:
        return None
    found = attempt(lo)
    if found is None:
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        got = attempt(mid)
        if got is not None:
            lo, found = mid, got
        else:
            hi = mid - 1
    return found


def fit_block(
    paragraphs: list[str],
    chain: tuple[str, ...],
    box_w: int,
    box_h: int,
    *,
    max_size: int,
    min_size: int,
    leading: float,
    max_lines: int,
    floor: int = 12,
    para_gap: float = 0.0,
) -> Block:
    """Largest size whose balanced lines fit the box; more lines, then smaller, then truncation.

    Order: up to `max_lines` lines from max_size down to min_size; then any number of lines
    down to min_size; then below min_size down to `floor`, breaking a word only when it alone
    is wider than the box; finally, at `floor`, the lines that fit with an ellipsis. Never clips.
    """
    paragraphs = [p for p in paragraphs if p.strip()]
    if not paragraphs:
        return Block(min_size, [], leading)

    def attempt(lines: int, split: bool):
        return lambda s: _try(paragraphs, chain, s, box_w, box_h, leading, lines, split, para_gap)

    for lo, hi, lines, split in (
        (min_size, max_size, max_lines, False),
        (min_size, max_size, 10_000, False),
        (floor, min_size - 1, 10_000, False),
        (floor, min_size - 1, 10_000, True),
    ):
        found = _largest(lo, hi, attempt(lines, split))
        if found is not None:
            return found
    return _truncated(paragraphs, chain, floor, box_w, box_h, leading)


def _truncated(paragraphs, chain, size, box_w, box_h, leading) -> Block:
    big = _try(paragraphs, chain, size, box_w, 10**9, leading, 10**9, True, balance=False)
    assert big is not None  # single clusters always fit a card-wide box
    keep = max(1, 1 + (box_h - round(size * (ASCENT + DESCENT))) // max(1, round(size * leading)))
    lines = big.lines[:keep]  # paragraph gaps dropped: a truncated block is set solid
    last = lines[-1]
    while last and line_width(last + "…", chain, size) > box_w:
        last = last[:-1].rstrip()
    lines[-1] = last + "…"
    return Block(size, lines, leading, truncated=True)


# ---------------------------------------------------------------- the card


@dataclass(frozen=True)
class Geometry:
    margin: int
    eyebrow: int
    headline: tuple[int, int]  # max, min size
    headline_lines: int
    quote: tuple[int, int]
    footer: int
    gap: int
    bar: tuple[int, int]  # accent bar width, height
    quote_indent: int


# By the card's shape, so a platform's spec only gives its size.
GEOMETRY = {
    "portrait": Geometry(90, 26, (88, 46), 3, (56, 28), 26, 56, (84, 10), 48),
    "landscape": Geometry(96, 24, (76, 42), 3, (48, 26), 24, 44, (84, 10), 44),
}


def geometry(width: int, height: int) -> Geometry:
    return GEOMETRY["landscape" if width > height else "portrait"]


def layout_card(spec, config: Config) -> Layout:
    """Compose one card: accent bar, eyebrow, headline, pull quote (or story list), footer."""
    geo = geometry(spec.width, spec.height)
    pal: Palette = palette(config.theme)
    theme = config.theme
    W, H, M = spec.width, spec.height, geo.margin
    inner = W - 2 * M
    lay = Layout(W, H, M, pal.background)
    resolve = lambda p: str(config.resolve(p)) if p else ""  # noqa: E731
    head_chain = fonts.chain("headline", resolve(theme.headline_font))
    body_chain = fonts.chain("body", resolve(theme.body_font))
    quote_chain = fonts.chain("quote", resolve(theme.quote_font))

    # accent bar + eyebrow
    y = M
    lay.rects.append(Rect((M, y, M + geo.bar[0], y + geo.bar[1]), pal.accent))
    y += geo.bar[1] + round(geo.eyebrow * 1.3)
    eyebrow = _eyebrow(spec)
    if eyebrow:  # no brand and no number: no eyebrow (never the program's name instead)
        eb = fit_block(
            [eyebrow],
            body_chain,
            inner,
            round(geo.eyebrow * 1.3),
            max_size=geo.eyebrow,
            min_size=14,
            leading=1.2,
            max_lines=1,
        )
        y = _place_block(lay, eb, body_chain, M, y, pal.accent, "eyebrow", inner)

    # footer, from the bottom up
    footer_top = _footer(lay, spec, config, body_chain, geo, pal)
    rule_y = footer_top - round(geo.gap * 0.6)
    lay.rects.append(Rect((M, rule_y, W - M, rule_y + 2), pal.rule))

    # headline
    y += round(geo.eyebrow * 0.9)
    head_max_h = round(geo.headline[0] * (ASCENT + DESCENT + 1.08 * (geo.headline_lines - 1)))
    head_text = smarten(spec.headline) + ("\u00a0" + spec.emoji if spec.emoji else "")
    hb = fit_block(
        [head_text],
        head_chain,
        inner,
        head_max_h,
        max_size=geo.headline[0],
        min_size=geo.headline[1],
        leading=1.08,
        max_lines=geo.headline_lines,
    )
    lay.blocks["headline"] = (M, y, W - M, y + head_max_h)
    y = _place_block(lay, hb, head_chain, M, y, pal.foreground, "headline", inner)

    # quote (story card) or the list of stories (cover)
    top = y + geo.gap
    bottom = rule_y - geo.gap
    if spec.quote and bottom - top > geo.quote[1]:
        if spec.story is None:
            items = [smarten(line) for line in spec.quote.split("\n") if line.strip()]
            qb = fit_block(
                items,
                body_chain,
                inner - geo.quote_indent,
                bottom - top,
                max_size=round(geo.quote[0] * 0.8),
                min_size=18,
                leading=1.2,
                max_lines=40,
                para_gap=0.55,
            )
            chain, colour, role = body_chain, pal.foreground, "stories"
        else:
            qb = fit_block(
                [quoted(smarten(spec.quote))],
                quote_chain,
                inner - geo.quote_indent,
                bottom - top,
                max_size=geo.quote[0],
                min_size=geo.quote[1],
                leading=1.36,
                max_lines=12,
            )
            chain, colour, role = quote_chain, pal.foreground, "quote"
        lay.blocks[role] = (M + geo.quote_indent, top, W - M, bottom)
        # sit the block a third of the way down the free space: anchored, not floating
        qy = top + max(0, (bottom - top - qb.height) // 3)
        lay.rects.append(Rect((M, qy, M + 6, qy + qb.height), pal.accent))
        _place_block(lay, qb, chain, M + geo.quote_indent, qy, colour, role, inner - geo.quote_indent)
        lay.truncated |= qb.truncated
    lay.truncated |= hb.truncated
    return lay


def quoted(text: str) -> str:
    """Quotation marks for the language: 「…」 for Japanese, “…” otherwise."""
    if _KANA.search(text):
        if text.startswith("「") and text.endswith("」") and text.count("「") == 1:
            return text
        return f"『{text}』" if "「" in text else f"「{text}」"  # 『』 encloses a text that quotes
    return f"“{text}”"


_KANA = re.compile(r"[\u3040-\u30ff]")


def smarten(text: str) -> str:
    """Typewriter apostrophes and quotes to typographic ones (it's -> it’s, "a" -> “a”)."""
    text = _APOSTROPHE.sub("\u2019", text)
    text = _OPEN_DOUBLE.sub("\u201c", text)
    return text.replace('"', "\u201d")


_APOSTROPHE = re.compile(r"(?<=\w)'|'(?=\d0s)")
_OPEN_DOUBLE = re.compile(r'(?:(?<=^)|(?<=[\s(\[]))"')


def _eyebrow(spec) -> str:
    parts = [spec.brand.upper()] if spec.brand else []
    if spec.number is not None:
        parts.append(f"ISSUE {spec.number}")
    return "  ·  ".join(parts)


def _place_block(lay: Layout, block: Block, chain, x: int, y: int, colour: str, role: str, width: int) -> int:
    """Draw lines from top `y`; return the bottom of the block's ink."""
    baseline = y + round(block.size * ASCENT)
    for i, line in enumerate(block.lines):
        if i in block.starts:
            baseline += block.gap_px
        # hanging punctuation: an opening quote sits in the gutter so the text edge stays straight
        hang = text_width(line[0], chain, block.size) if role == "quote" and line[:1] in "“‘" else 0
        hang = min(hang, max(0, x - lay.margin - 16))  # never into the accent bar or the margin
        lay.runs += place_line(line, chain, block.size, x - hang, baseline, colour, role)
        baseline += block.line_px
    lay.sizes[role] = block.size
    lay.blocks.setdefault(role, (x, y, x + width, y + block.height))
    return y + block.height


def _footer(lay: Layout, spec, config: Config, chain, geo: Geometry, pal: Palette) -> int:
    """Footer line: logo + handle/brand on the left, the call to read on the right. Returns its top."""
    W, H, M = lay.width, lay.height, lay.margin
    left = config.theme.handle or spec.brand  # may be "": the call to read stands alone
    right = spec.footer
    logo_h = round(geo.footer * 1.9)
    logo_w = 0
    logo = config.theme.logo
    if logo:  # a very wide logo is capped at a third of the width, keeping its aspect
        logo_w = _logo_width(str(config.resolve(logo)), logo_h)
        if logo_w > (W - 2 * M) // 3:
            logo_h = max(1, round(logo_h * ((W - 2 * M) // 3) / logo_w))
            logo_w = _logo_width(str(config.resolve(logo)), logo_h)
    gap = geo.footer
    size = geo.footer
    avail = W - 2 * M - (logo_w + gap // 2 if logo_w else 0)
    while size > 14 and line_width(left, chain, size) + line_width(right, chain, size) + 2 * gap > avail:
        size -= 1
    while right and line_width(left, chain, size) + line_width(right, chain, size) + 2 * gap > avail:
        right = right[:-2].rstrip() + "…"  # still too long at 14 px: shorten the call to read
    baseline = H - M - round(size * DESCENT)
    top = baseline - round(size * ASCENT)
    if logo_w:  # the logo sits on the bottom margin, the text centred on it
        box = (M, H - M - logo_h, M + logo_w, H - M)
        baseline = H - M - logo_h // 2 + round(size * CAP_MIDDLE)
        lay.pictures.append(Picture(str(config.resolve(logo)), box))
        top = min(box[1], baseline - round(size * ASCENT))
    x = M + (logo_w + gap // 2 if logo_w else 0)
    lay.runs += place_line(left, chain, size, x, baseline, pal.foreground, "footer")
    rx = W - M - line_width(right, chain, size)
    lay.runs += place_line(right, chain, size, rx, baseline, pal.muted, "footer")
    lay.sizes["footer"] = size
    return top


@lru_cache(maxsize=16)
def _logo_width(path: str, height: int) -> int:
    from .theme import logo_size

    width, tall = logo_size(path)
    return max(1, round(width * height / tall))
