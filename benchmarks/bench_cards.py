"""Card rendering cost: layout + draw + encode per card vs. saving the same finished canvas as a PNG
with Pillow's default settings (the floor), in CPU time, paired runs; card file sizes; Instagram's JPEG.

    python benchmarks/bench_cards.py [N]

Fonts are loaded once (as in a real run). If chromium is installed, also times a headless
Chromium screenshot of an equivalent HTML card, the usual alternative to Pillow.
"""

from __future__ import annotations

import html
import io
import shutil
import subprocess
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


def chromium_card(spec, out_dir: Path) -> float | None:
    exe = (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    )
    if not exe:
        return None
    fonts = ROOT / "assets" / "fonts"
    page = out_dir / "card.html"
    page.write_text(
        f"""<!doctype html><meta charset=utf-8><style>
@font-face {{font-family: Inter; src: url('{(fonts / "Inter-Bold.ttf").as_uri()}');}}
@font-face {{font-family: Serif; src: url('{(fonts / "SourceSerif4-Regular.ttf").as_uri()}');}}
body {{margin:0; width:1080px; height:1350px; background:#FAF7F2; color:#17181C; font-family:Inter;}}
.card {{padding:90px; box-sizing:border-box; height:100%; display:flex; flex-direction:column;}}
.bar {{width:84px; height:10px; background:#E0512B;}} .eb {{color:#E0512B; font-size:26px; margin:34px 0 24px}}
h1 {{font-size:88px; line-height:1.08; margin:0; text-wrap:balance}}
blockquote {{font-family:Serif; font-size:56px; line-height:1.36; border-left:6px solid #E0512B;
  margin:auto 0; padding-left:42px}} footer {{display:flex; justify-content:space-between; font-size:26px}}
</style><div class=card><div class=bar></div><div class=eb>{html.escape(spec.brand.upper())} · ISSUE {spec.number}</div>
<h1>{html.escape(spec.headline)} {spec.emoji}</h1><blockquote>“{html.escape(spec.quote)}”</blockquote>
<footer><b>@eastwesthurricane</b><span>{html.escape(spec.footer)}</span></footer></div>""",
        encoding="utf-8",
    )
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={out_dir / 'profile'}",
        f"--screenshot={out_dir / 'shot.png'}",
        "--window-size=1080,1350",
        page.as_uri(),
    ]
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([exe, *flags], capture_output=True, timeout=120, check=False)
        runs.append(time.perf_counter() - t)
    return sorted(runs)[1] if (out_dir / "shot.png").exists() else None


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

        from crosspost.cards import layout as layout_mod, shaping

        cold = []
        for _ in range(max(1, n // 4)):
            for spec in specs:  # a first render: measurement caches cleared, fonts kept
                for cached in (layout_mod.text_width, layout_mod.ink_extent, shaping.segment):
                    cached.cache_clear()
                cold.append(cpu(lambda: card(spec, cfg)))

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
        print(f"same, measurement caches cold:  {ms(median(cold))} per card")
        print(f"floor, canvas.save(buf, 'PNG'): {ms(median(floor))} per card")
        print(f"ratio: {median(ratios):.2f}x the floor (median of paired runs; goal: within 1.5x)")
        for spec in specs:
            print(f"  {spec.path.name:16s} {len(encode(paint(layout_card(spec, cfg)), 'png')[0]) / 1000:5.1f} KB")
        print(f"Instagram JPEG from the written PNG (prepare_jpeg): {ms(median(convert))} per card")
        print(f"Instagram JPEG from the card's pixels (render):     {ms(median(direct))} per card")
        full = median(made)
        shot = chromium_card(specs[0], Path(tmp))
        if shot is None:
            print("headless chromium: not installed, skipped")
        else:
            print(f"headless chromium screenshot (1080x1350, median of 3): {ms(shot)} per card")
            print(f"pillow is {shot / full:.1f}x faster per card (goal: >= 10x)")


if __name__ == "__main__":
    main()
