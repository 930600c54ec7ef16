"""Paint a Layout with Pillow and write it (PNG without timestamps, or JPEG): same input, same bytes."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw

from . import fonts
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
    draw.text((run.x, run.baseline), run.text, font=font, fill=run.colour, anchor="ls", language=run.language)


def save(canvas: Image.Image, path: Path, fmt: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "jpeg":
        canvas.save(tmp, "JPEG", quality=90, optimize=False, progressive=False)
    else:
        canvas.save(tmp, "PNG", compress_level=6)
    tmp.replace(path)  # never leave a half-written card behind
    return path
