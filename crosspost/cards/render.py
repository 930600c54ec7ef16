"""Paint a Layout with Pillow and write it (PNG without timestamps, or JPEG): same input, same bytes.

PNG cards are quantised to a 256-colour palette (FASTOCTREE, no dithering: deterministic), the card's
flat colours set exactly in it (`flat_pixels`), and saved at zlib level 4. Chosen by measurement
(Pillow 13, zlib 1.2.13, 2-core machine; CPU time, median per card of the six issue-34 cards,
1080x1350 and 1600x900; sizes of the largest Instagram / X card; PSNR against the unquantised canvas
on the worst card, before the flat colours were made exact):

    RGB PNG, level 6 (Pillow's default)      34.8 ms   104 / 81 KiB   lossless
    RGB PNG, level 1                         21.2 ms   122 / 100 KiB  lossless
    256 colours FASTOCTREE, level 1          19.4 ms    53 / 43 KiB   47.4 dB
    256 colours FASTOCTREE, level 3          19.6 ms    47 / 38 KiB   47.4 dB
    256 colours FASTOCTREE, level 6          23.4 ms    37 / 30 KiB   47.4 dB (53.8 dB with exact flat colours)
    256 colours FASTOCTREE, level 9          81.9 ms    34 / 27 KiB   47.4 dB
    256 colours FASTOCTREE, optimize=True    82.7 ms    34 / 27 KiB   47.4 dB
    256 colours MEDIANCUT, level 6           86.1 ms    46 / 36 KiB   55.6 dB
    256 colours MAXCOVERAGE, level 6         61.8 ms    45 / 36 KiB   49.8 dB
    64 colours FASTOCTREE, level 6           22.8 ms    38 / 31 KiB   46.8 dB
    JPEG q92 4:4:4 optimize (Instagram's)     9.8 ms   164 / 140 KiB  46.7 dB

Quantising plus encoding costs less than encoding the RGB canvas (the palette image is a third of
the data) and the file is a third of the size. A palette entry is the mean of its octree bucket, so
the background and the accent bar came out a step off the theme's colours (#00aa55 as #00a954):
`flat_pixels` finds one pixel of each flat colour (0.1 ms) and its entry is set to the exact colour,
which also lifts the worst card from 47.4 to 51.1 dB over the cards of the three test issues, light
and dark (the sample's from 47.4 to 53.8 dB). What loses most is a colour emoji's bitmap (32.6-43 dB
over its own box: a flag's white moves toward the paper colour, gradients band slightly), checked by
eye; MEDIANCUT keeps emoji better but costs 3.7x the time. `kmeans` refinement changes nothing here.

Then the zlib level, on the palette image alone (encode only; largest of the eight sample cards with
covers; Z_FILTERED changes nothing, Z_RLE is 3.4 ms but 51.8 KB at every level):

    level 1   3.7 ms   54.5 KB        level 4  <- this   6.3 ms   42.2 KB
    level 2   3.5 ms   51.3 KB        level 5            7.0 ms   40.0 KB
    level 3   4.9 ms   47.9 KB        level 6            8.8 ms   38.2 KB

The palette is then made on the canvas shrunk 4x each way (`reduce`, 1.2 ms: averaging 4x4 blocks
keeps the anti-aliased edges' in-between colours) and the whole canvas mapped onto it: 5.2 ms instead
of 16.5 ms for FASTOCTREE over every pixel (same card, same load), PSNR 47.8 dB before the exact flat
colours instead of 47.4, the file 2 KB larger. With the flat colours exact (they replace the entry
nearest them before the mapping, so every background pixel lands on the theme's own colour): worst
card 52.5 dB light, 52.9 dB dark, a colour emoji's box 31.0 dB, largest card 44.2 KB.

A whole card (layout, paint, quantise, encode) is ~1.5x the floor of issue 11 (saving its canvas as
an RGB PNG with Pillow's defaults) at level 6; level 4 buys 2.5 ms of margin for 4 KB, well under
the 50 KB a card may weigh.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageColor, ImageDraw

from ..platforms.base import upload_tag
from . import fonts, glyphs
from .layout import EMOJI_HEIGHT, Layout, Placed


@lru_cache(maxsize=512)
def _emoji_image(text: str, height: int) -> Image.Image:
    """The colour bitmap of an emoji run, drawn at 109 px and scaled to `height` (cached)."""
    font = fonts.emoji_font()
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    im = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
    ImageDraw.Draw(im).text((-left, -top), text, font=font, anchor="ls", embedded_color=True)
    width = max(1, round(im.width * height / im.height))
    return im.resize((width, height), Image.Resampling.LANCZOS)


@lru_cache(maxsize=16)
def _logo(path: str, size: tuple[int, int]) -> Image.Image:
    with Image.open(path) as im:
        return im.convert("RGBA").resize(size, Image.Resampling.LANCZOS)


def paint(layout: Layout) -> Image.Image:
    canvas = Image.new("RGB", (layout.width, layout.height), layout.background)
    draw = ImageDraw.Draw(canvas)
    for rect in layout.rects:
        draw.rectangle((rect.box[0], rect.box[1], rect.box[2] - 1, rect.box[3] - 1), fill=rect.colour)
    for run in layout.runs:
        _draw_run(canvas, draw, run)
    for pic in layout.pictures:
        l, t, r, b = pic.box
        logo = _logo(pic.path, (r - l, b - t))
        canvas.paste(logo, (l, t), logo)
    return canvas


def _draw_run(canvas: Image.Image, draw: ImageDraw.ImageDraw, run: Placed) -> None:
    if run.emoji:
        im = _emoji_image(run.text, round(EMOJI_HEIGHT * run.size))
        canvas.paste(im, (run.box[0], run.box[1]), im)
        return
    font = fonts.load(run.font, run.size)
    shaped = glyphs.shaped(font, run.text, run.language)
    if shaped is not None:  # the same pixels from cached glyphs (see glyphs.py)
        glyphs.draw(draw.draw, shaped, run.x, run.baseline, _ink(draw, run.colour))
        return
    draw.text((run.x, run.baseline), run.text, font=font, fill=run.colour, anchor="ls", language=run.language)


def _ink(draw: ImageDraw.ImageDraw, colour: str) -> int:
    """The colour as the ink value Pillow's drawing core takes (what `draw.text` computes from fill)."""
    return draw.draw.draw_ink(ImageColor.getcolor(colour, draw.mode))


PNG_COLOURS = 256
PALETTE_SAMPLE = 4  # the palette is made on 1/16 of the pixels: see the module docstring
PNG_LEVEL = 4  # see the module docstring
JPEG_OPTIONS: dict[str, Any] = dict(quality=90, optimize=False, progressive=False)  # theme.format = "jpeg"


Pixel = tuple[int, int]
RGB = tuple[int, int, int]


def flat_pixels(layout: Layout, canvas: Image.Image) -> list[tuple[Pixel, RGB]]:
    """One pixel of each flat colour of the card (background, bars and rules, each text colour), found
    on the canvas: `quantised` keeps these colours exact. A palette entry is the average of the
    colours that fall in its octree bucket, so without this the background or an accent bar would
    come out a step off the theme's colour (#00aa55 as #00a954)."""
    found: dict[RGB, Pixel] = {}

    def keep(xy: Pixel, colour: RGB) -> None:
        if colour not in found and canvas.getpixel(xy) == colour:
            found[colour] = xy

    keep((0, 0), ImageColor.getrgb(layout.background)[:3])  # the margin is always background
    for rect in layout.rects:
        l, t, r, b = rect.box
        keep(((l + r - 1) // 2, (t + b - 1) // 2), ImageColor.getrgb(rect.colour)[:3])
    for run in layout.runs:
        colour = ImageColor.getrgb(run.colour)[:3]
        if run.emoji or colour in found:
            continue
        l, t, r, b = run.box
        for y in sorted({round(run.baseline - run.size * f) for f in (0.25, 0.4, 0.1)}):  # through the stems
            if t <= y < b and r > l:
                row = list(canvas.crop((l, y, r, y + 1)).get_flattened_data())
                if colour in row:
                    found[colour] = (l + row.index(colour), y)
                    break
    return [(xy, colour) for colour, xy in found.items()]


def quantised(canvas: Image.Image, exact: list[tuple[Pixel, RGB]] = []) -> Image.Image:  # noqa: B006 - read only
    """The canvas as the palette image a PNG card is written from (see the module docstring): the
    palette is made on the canvas shrunk PALETTE_SAMPLE times each way, each colour of `exact` (pixel,
    colour) then replaces the entry nearest to it, and the whole canvas is mapped onto that palette.
    Pillow maps colours through a 5-6-5-bit cache, so two flat colours a step or two apart share an
    entry and only the first is kept exact; theme colours are never that close."""
    guide = canvas.reduce(PALETTE_SAMPLE).quantize(
        PNG_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    palette = guide.getpalette() or []
    colours = [colour for _, colour in exact]
    if colours:  # each colour's nearest entry, as Pillow maps the card onto the palette below
        probe = Image.new("RGB", (len(colours), 1))
        probe.putdata(colours)
        mapped = probe.quantize(palette=guide, dither=Image.Dither.NONE)
        taken: set[int] = set()
        for x, colour in enumerate(colours):
            index = mapped.getpixel((x, 0))
            assert isinstance(index, int)
            if index not in taken:  # the first colour named for an entry keeps it (background first)
                taken.add(index)
                palette[3 * index : 3 * index + 3] = colour
        guide.putpalette(palette)
    return canvas.quantize(palette=guide, dither=Image.Dither.NONE)


def encode(canvas: Image.Image, fmt: str, exact: list[tuple[Pixel, RGB]] = []) -> tuple[bytes, Image.Image]:  # noqa: B006
    """The card file's bytes and the pixels they hold (the palette image for a PNG, else the canvas)."""
    if fmt == "jpeg":
        buf = _buffer("jpg")
        canvas.save(buf, **JPEG_OPTIONS)
        return buf.getvalue(), canvas
    pixels = quantised(canvas, exact)
    buf = _buffer("png")
    pixels.save(buf, compress_level=PNG_LEVEL)
    return buf.getvalue(), pixels


def _buffer(ext: str) -> io.BytesIO:
    """An in-memory file named like a card file: saving to it without naming the format, Pillow
    imports only the plugin of that extension, where a named format makes it import five (BMP, GIF,
    JPEG, PPM, PNG: ~10 ms of every run that renders a card)."""
    buf = io.BytesIO()
    buf.name = f"card.{ext}"
    return buf


def save(
    canvas: Image.Image,
    path: Path,
    fmt: str,
    *,
    exact: list[tuple[Pixel, RGB]] = [],  # noqa: B006 - read only
    upload: tuple[Path, Mapping[str, Any]] | None = None,
) -> Path:
    """Write the card to `path`; with `upload` (a path and Pillow JPEG options, a platform spec's
    upload_jpeg), also the JPEG that platform is sent, from the same pixels as the card: a PNG card's
    palette image, so it is what converting the PNG would give, without decoding it again; a JPEG
    card's canvas, so it is not compressed twice. Its comment holds the card file's digest
    (platforms.base.made_from), so an adapter sends it only while the card is unchanged."""
    data, pixels = encode(canvas, fmt, exact)
    _write(path, data)
    if upload is not None:
        buf = _buffer("jpg")
        pixels.convert("RGB").save(buf, **upload[1], comment=upload_tag(data))
        _write(upload[0], buf.getvalue())
    return path


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)  # never leave a half-written card behind
