"""Card rendering cost: layout + draw + encode per card vs. saving the same finished canvas as a PNG
with Pillow's default settings (the floor), in CPU time, paired runs; card file sizes; Instagram's JPEG.

    python benchmarks/bench_cards.py [N]

Fonts are loaded once (as in a real run). If chromium is installed, also times the same cards as HTML
screenshotted by headless Chromium, the usual alternative to Pillow: a warm page kept open (paired
with Pillow, card by card) and a cold browser process per card (see benchmarks/chromium.py).
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crosspost.cards import card_specs  # noqa: E402
from crosspost.cards.layout import layout_card  # noqa: E402
from crosspost.cards.render import encode, flat_pixels, paint  # noqa: E402
from crosspost.config import Config, Theme  # noqa: E402
from crosspost.parse import parse_issue  # noqa: E402

from chromium import browser_rows  # noqa: E402  (benchmarks/chromium.py)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def cpu(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def card(spec, cfg) -> bytes:
    """One card as render_card makes it, without the file write: layout, paint, encode."""
    layout = layout_card(spec, cfg)
    canvas = paint(layout)
    return encode(canvas, "png", flat_pixels(layout, canvas))[0]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    issue = parse_issue(ROOT / "issues" / "issue-34.txt")
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Config(theme=Theme(handle="@eastwesthurricane"), out_dir=tmp, root=Path(tmp))
        specs = card_specs(issue, cfg, "instagram") + card_specs(issue, cfg, "x")
        for spec in specs:  # warm-up: fonts, cmaps and emoji bitmaps loaded once per process
            card(spec, cfg)

        # CPU time, paired: per round each card is made (layout + paint + encode, as render_card does)
        # and its finished canvas saved as Pillow's default PNG (the floor), alternating, so drift
        # and noise hit both alike; medians of the per-round times and of the per-round ratios.
        canvases = [paint(layout_card(spec, cfg)) for spec in specs]
        made, floor, ratios = [], [], []
        for i in range(n):
            for spec, canvas in zip(specs, canvases):
                if i % 2 == 0:  # alternate which of the pair runs first
                    c = cpu(lambda: card(spec, cfg))
                    f = cpu(lambda: canvas.save(io.BytesIO(), "PNG"))
                else:
                    f = cpu(lambda: canvas.save(io.BytesIO(), "PNG"))
                    c = cpu(lambda: card(spec, cfg))
                made.append(c)
                floor.append(f)
                ratios.append(c / f)

        cold, first = [], []
        for _ in range(max(1, n // 2)):
            empty_caches()  # a fresh run: nothing measured, shaped or rasterised yet; fonts kept open
            for k, spec in enumerate(specs):
                cold.append(cpu(lambda: card(spec, cfg)))
                if k == 0:
                    first.append(cold[-1])

        # Instagram's JPEG: converting the written PNG (before) vs written from the card's pixels (now)
        ig = [s for s in specs if s.upload_jpeg is not None]
        pngs = [encode(paint(layout_card(s, cfg)), "png")[0] for s in ig]
        from crosspost.platforms.instagram.adapter import prepare_jpeg

        src, dest = Path(tmp) / "card.png", Path(tmp) / "card.jpg"
        convert, direct = [], []
        for _ in range(n):
            for spec, png in zip(ig, pngs):
                src.write_bytes(png)
                convert.append(cpu(lambda: prepare_jpeg(src, dest)))
                pixels = encode(paint(layout_card(spec, cfg)), "png")[1]
                direct.append(cpu(lambda: pixels.convert("RGB").save(io.BytesIO(), "JPEG", **spec.upload_jpeg)))

        print(f"cards: {len(specs)} (3 stories x instagram 1080x1350 + x 1600x900), {n} rounds, CPU time")
        print(f"card (layout + draw + encode):  {ms(median(made))} per card")
        print(f"same, from empty caches:        {ms(median(cold))} per card (the {len(specs)} cards in a row)")
        print(f"  first card from empty caches: {ms(median(first))}")
        print(f"floor, canvas.save(buf, 'PNG'): {ms(median(floor))} per card")
        print(f"ratio: {median(ratios):.2f}x the floor (median of paired runs; goal: within 1.5x)")
        for spec in specs:
            print(f"  {spec.path.name:16s} {len(encode(paint(layout_card(spec, cfg)), 'png')[0]) / 1000:5.1f} KB")
        print(f"Instagram JPEG from the written PNG (prepare_jpeg): {ms(median(convert))} per card")
        print(f"Instagram JPEG from the card's pixels (render):     {ms(median(direct))} per card")
        browser_rows(lambda i: card(specs[i], cfg), specs, cfg, n, Path(tmp), "caches warm, as the page's")

        def from_empty(i: int) -> None:  # each round of cards starts as a fresh run does
            if i == 0:
                empty_caches()
            card(specs[i], cfg)

        browser_rows(from_empty, specs, cfg, n, Path(tmp), "every round from empty caches", cold=False)


def empty_caches() -> None:
    """Forget what a process learns while rendering: measurements, font runs, shaped text, glyphs."""
    from crosspost.cards import glyphs, layout, shaping

    for cached in (layout.text_width, layout.ink_extent, shaping.segment):
        cached.cache_clear()
    glyphs.forget()


if __name__ == "__main__":
    main()
