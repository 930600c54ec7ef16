"""Card rendering cost: draw + encode per card vs. PNG-encoding the same canvas alone.

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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crosspost.cards import card_specs  # noqa: E402
from crosspost.cards.layout import layout_card  # noqa: E402
from crosspost.cards.render import paint  # noqa: E402
from crosspost.config import Config, Theme  # noqa: E402
from crosspost.parse import parse_issue  # noqa: E402

from chromium import browser_rows  # noqa: E402  (benchmarks/chromium.py)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    issue = parse_issue(ROOT / "issues" / "issue-34.txt")
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Config(theme=Theme(handle="@eastwesthurricane"), out_dir=tmp, root=Path(tmp))
        specs = card_specs(issue, cfg, "instagram") + card_specs(issue, cfg, "x")
        for spec in specs:  # warm-up: fonts, cmaps and emoji bitmaps loaded once per process
            paint(layout_card(spec, cfg)).save(io.BytesIO(), "PNG")

        t = time.perf_counter()
        for _ in range(n):
            for spec in specs:
                paint(layout_card(spec, cfg)).save(io.BytesIO(), "PNG")
        full = (time.perf_counter() - t) / (n * len(specs))

        from crosspost.cards import layout as layout_mod, shaping

        t = time.perf_counter()
        for _ in range(n):
            for spec in specs:  # a first render: measurement caches cleared, fonts kept
                for cached in (layout_mod.text_width, layout_mod.ink_extent, shaping.segment):
                    cached.cache_clear()
                paint(layout_card(spec, cfg)).save(io.BytesIO(), "PNG")
        cold = (time.perf_counter() - t) / (n * len(specs))

        canvases = [paint(layout_card(spec, cfg)) for spec in specs]
        t = time.perf_counter()
        for _ in range(n):
            for canvas in canvases:
                canvas.save(io.BytesIO(), "PNG")
        encode = (time.perf_counter() - t) / (n * len(specs))

        print(f"cards: {len(specs)} (3 stories x instagram 1080x1350 + x 1600x900), {n} rounds")
        print(f"layout + draw + PNG encode: {ms(full)} per card")
        print(f"same, measurement caches cold: {ms(cold)} per card ({cold / encode:.2f}x the encode)")
        print(f"PNG encode alone:           {ms(encode)} per card")
        print(f"ratio: {full / encode:.2f}x the encode (goal: within 2x)")
        browser_rows(lambda i: paint(layout_card(specs[i], cfg)).save(io.BytesIO(), "PNG"), specs, cfg, n, Path(tmp))


if __name__ == "__main__":
    main()
