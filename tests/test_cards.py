"""Quote cards: sizes, fonts per cluster, margins, auto-fit, colour emoji, determinism, alt text."""

from __future__ import annotations

import colorsys
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosspost.cards import CardSpec, sizes, alt_text, card_specs, layout_card, render_card
from crosspost.cards import fonts
from crosspost.cards.layout import geometry, line_width, text_width
from crosspost.cards.linebreak import atoms, break_lines
from crosspost.cards.shaping import clusters, emoji_glyph
from crosspost.config import Config, Theme
from crosspost.model import Issue, Story

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "issues" / "issue-34.txt"
ISSUE_35 = ROOT / "tests" / "fixtures" / "issues" / "issue-35.md"


def config(tmp_path: Path, **theme) -> Config:
    return Config(theme=Theme(handle="@eastwesthurricane", **theme), out_dir="out", root=tmp_path)


def sample_issue() -> Issue:
    from crosspost.parse import parse_issue

    return parse_issue(SAMPLE)


def cjk_issue() -> Issue:
    stories = [
        Story(
            "東京の女性エンジニアがAIスタートアップを設立",
            "👩‍💻",
            ["東京で新しい会社が生まれた。"],
            quote="日本のソフトウェア産業はまだ始まったばかりだ。",
            index=1,
        ),
        Story(
            "欧盟与中国的电动汽车贸易谈判进入关键阶段 🇪🇺",
            "🇯🇵",
            ["这场谈判将决定未来十年欧洲市场的格局⚡️，而中国企业已经做好了准备。"],
            index=2,
        ),
        Story("Hurricane season 🌪 meets ⚡️ chips", "🌪", ["We think 40% of fabs will move by 2030."], index=3),
    ]
    return Issue(
        "issue-cjk",
        "アジアのテック週報",
        stories,
        number=35,
        url="https://eastwesthurricane.substack.com/p/35",
        brand="East West Hurricane",
    )


def issues() -> list[Issue]:
    out = [sample_issue(), cjk_issue()]
    if ISSUE_35.exists():
        from crosspost.parse import parse_issue

        out.append(parse_issue(ISSUE_35))
    return out


def inside(box, lay) -> bool:
    l, t, r, b = box
    m = lay.margin
    return m <= l and r <= lay.width - m and m <= t and b <= lay.height - m


def spec_with(
    headline: str,
    size: str,
    cfg: Config,
    *,
    quote: str = "A quote of a sensible length, with 42 figures.",
    emoji: str = "",
) -> CardSpec:
    w, h = sizes()[size]
    return CardSpec(
        1,
        size,
        cfg.resolve("out") / f"{size}.png",
        "East West Hurricane",
        34,
        headline,
        emoji,
        quote,
        "Read the full issue · example.com",
        "alt",
        w,
        h,
    )


# ------------------------------------------------------------------ specs and files


def test_card_specs_paths_cover_and_media(tmp_path):
    cfg = config(tmp_path)
    issue = sample_issue()
    specs = card_specs(issue, cfg, "instagram", cover=True)
    assert [s.path.name for s in specs] == [
        "instagram-cover.png",
        "instagram-01.png",
        "instagram-02.png",
        "instagram-03.png",
    ]
    assert specs[0].path.parent == tmp_path / "out" / issue.id
    assert specs[0].story is None and specs[1].story == 1
    assert specs[1].brand == "East West Hurricane" and specs[1].emoji == "🐜"
    media = specs[1].media()
    assert (media.path, media.width, media.height, media.story) == (str(specs[1].path), 1080, 1350, 1)
    cfg.theme.format = "jpeg"
    cfg.theme.brand = "Hurricane Weekly"
    x = card_specs(issue, cfg, "x")
    assert (
        x[0].path.name == "x-01.jpg" and x[0].brand == "Hurricane Weekly" and (x[0].width, x[0].height) == (1600, 900)
    )


def test_both_sizes_render_with_right_dimensions_and_same_bytes(tmp_path):
    from PIL import Image

    cfg = config(tmp_path)
    issue = sample_issue()
    for size in sizes():
        spec = card_specs(issue, cfg, size)[0]
        path = render_card(spec, cfg)
        first = path.read_bytes()
        assert first[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(path) as im:
            assert im.size == sizes()[size]
            assert not ({"tIME", "date:create"} & set(im.info))  # no timestamps
        path.unlink()
        assert render_card(spec, cfg).read_bytes() == first


def test_jpeg_format(tmp_path):
    from PIL import Image

    cfg = config(tmp_path, format="jpeg")
    path = render_card(card_specs(sample_issue(), cfg, "x")[0], cfg)
    with Image.open(path) as im:
        assert im.format == "JPEG" and im.size == (1600, 900)


def test_dark_and_light_themes_and_custom_accent(tmp_path):
    from PIL import Image

    issue = sample_issue()
    seen = {}
    for mode in ("light", "dark"):
        cfg = config(tmp_path / mode, mode=mode, accent="#00aa55")
        spec = card_specs(issue, cfg, "instagram")[0]
        with Image.open(render_card(spec, cfg)) as im:
            rgb = im.convert("RGB")
            seen[mode] = rgb.getpixel((5, 5))
            lay = layout_card(spec, cfg)
            bar = lay.rects[0].box
            assert rgb.getpixel((bar[0] + 2, bar[1] + 2)) == (0, 0xAA, 0x55)
    assert sum(seen["light"]) > 600 and sum(seen["dark"]) < 150


def test_bad_theme_colour_is_an_input_error(tmp_path):
    from crosspost.errors import InputError

    cfg = config(tmp_path, accent="orange-ish")
    with pytest.raises(InputError, match="theme.accent"):
        layout_card(card_specs(sample_issue(), cfg, "x")[0], cfg)


def test_logo_is_drawn_in_the_footer_before_the_handle(tmp_path):
    from PIL import Image

    Image.new("RGB", (200, 100), (10, 200, 30)).save(tmp_path / "logo.png")
    cfg = config(tmp_path, logo="logo.png")
    spec = card_specs(sample_issue(), cfg, "instagram")[0]
    lay = layout_card(spec, cfg)
    (pic,) = lay.pictures
    l, t, r, b = pic.box
    assert inside(pic.box, lay) and (r - l) == 2 * (b - t)  # aspect kept
    handle = next(run for run in lay.runs if run.role == "footer")
    assert handle.text.startswith("@eastwesthurricane") and handle.box[0] > r
    with Image.open(render_card(spec, cfg)) as im:
        assert im.convert("RGB").getpixel(((l + r) // 2, (t + b) // 2)) == (10, 200, 30)


# ------------------------------------------------------------------ fonts and glyphs


def test_every_drawn_character_is_in_its_fonts_cmap(tmp_path):
    cfg = config(tmp_path)
    emoji_path = fonts.emoji_font_path()
    checked = 0
    for issue in issues():
        for size in sizes():
            for spec in card_specs(issue, cfg, size, cover=True):
                for run in layout_card(spec, cfg).runs:
                    assert run.text
                    if run.font == emoji_path:
                        assert run.emoji
                        for cluster in clusters(run.text):
                            assert emoji_glyph(cluster) == cluster  # one colour glyph per cluster
                        continue
                    have = fonts.cmap(run.font)
                    missing = [c for c in run.text if ord(c) not in have]
                    assert not missing, (run.text, run.font, missing)
                    checked += 1
    assert checked > 50


def test_cjk_goes_to_the_cjk_font_and_latin_to_inter(tmp_path):
    cfg = config(tmp_path)
    spec = card_specs(cjk_issue(), cfg, "instagram")[0]
    runs = [r for r in layout_card(spec, cfg).runs if r.role == "headline"]
    by_font = {}
    for r in runs:
        by_font.setdefault(Path(r.font).name, "")
        by_font[Path(r.font).name] += r.text
    assert "AI" in by_font["Inter-Bold.ttf"]
    assert "東京" in by_font["NotoSansCJK-Bold-Subset.otf"]
    assert by_font["NotoColorEmoji.ttf"] == "👩‍💻"
    assert {r.language for r in runs if not r.emoji} == {"ja"}  # Japanese glyph forms (locl)


@pytest.mark.parametrize("cluster", ["🇪🇺", "🇯🇵", "👩‍💻", "🌪", "⚡️", "🐜", "👍🏽"])
def test_flags_zwj_and_bare_pictographs_are_single_emoji_glyphs(cluster):
    from crosspost.cards.shaping import segment

    chain = fonts.chain("headline")
    (run,) = segment(cluster, chain)
    assert run.emoji and run.font == fonts.emoji_font_path()
    one = fonts.emoji_font().getlength("⭐")
    assert fonts.emoji_font().getlength(run.text) == pytest.approx(one)  # ligated: one advance, not two


def test_characters_no_font_has_are_replaced_not_drawn_as_boxes(tmp_path):
    cfg = config(tmp_path)
    spec = spec_with("Runes ᚠᚢ and a rare 𠀋 kanji, ｆｕｌｌ width", "x", cfg, quote="")
    lay = layout_card(spec, cfg)
    assert lay.text("headline").replace("〓", " 〓 ").split() == "Runes ?? and a rare 〓 kanji, ｆｕｌｌ width".split()
    for run in lay.runs:
        if not run.emoji:
            assert all(ord(c) in fonts.cmap(run.font) for c in run.text)


@pytest.mark.parametrize("cluster", ["🐜\u200d🔥", "🐜🏽"])
def test_an_emoji_sequence_no_font_draws_falls_back_to_its_base_emoji_not_a_question_mark(tmp_path, cluster):
    """Not a sequence the emoji font ligates (an ant on fire, a skin tone on an ant): the card shows
    the ant as one colour glyph, never "?" nor two glyphs side by side."""
    from crosspost.cards.shaping import segment

    (run,) = segment(cluster, fonts.chain("headline"))
    assert run.emoji and run.text.replace("\ufe0f", "") == "🐜"
    cfg = config(tmp_path)
    lay = layout_card(spec_with("Ant news", "x", cfg, emoji=cluster), cfg)
    assert "?" not in lay.text("headline")
    assert [r.text.replace("\ufe0f", "") for r in lay.runs if r.emoji] == ["🐜"]


def test_colour_emoji_really_are_in_colour(tmp_path):
    from PIL import Image

    cfg = config(tmp_path)
    spec = card_specs(cjk_issue(), cfg, "x")[1]
    lay = layout_card(spec, cfg)
    emoji_runs = [r for r in lay.runs if r.emoji]
    assert {r.text for r in emoji_runs} >= {"🇪🇺", "🇯🇵"}
    with Image.open(render_card(spec, cfg)) as im:
        hsv = im.convert("RGB")
        for run in emoji_runs:
            crop = hsv.crop(run.box)
            colourful = 0
            for r, g, b in crop.get_flattened_data():
                h, s, v = colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)
                colourful += s > 0.5 and v > 0.3
            share = colourful / (crop.width * crop.height)
            assert share > (0.3 if run.text == "🇪🇺" else 0.03), (run.text, share)  # 🇯🇵 is mostly white


# ------------------------------------------------------------------ layout and auto-fit


def check_fits(lay) -> None:
    for run in lay.runs:
        assert inside(run.box, lay), (run.role, run.text, run.box)
    for rect in lay.rects:
        assert inside(rect.box, lay)
    order = [r for r in ("eyebrow", "headline", "quote", "footer") if any(x.role == r for x in lay.runs)]
    for upper, lower in zip(order, order[1:]):  # blocks never overlap
        bottom = max(x.box[3] for x in lay.runs if x.role == upper)
        top = min(x.box[1] for x in lay.runs if x.role == lower)
        assert bottom <= top, (upper, lower)


WORDS = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789’-", min_size=1, max_size=16),
    st.text(alphabet="東京中国电动汽车贸易谈判欧盟日本のソフトウェア。、「」한국웹툰", min_size=1, max_size=12),
    st.sampled_from(["🇯🇵", "🇪🇺", "👩‍💻", "🌪", "⚡️", "Ant", "AntChain", "—", "=", "100,000"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(WORDS, min_size=1, max_size=40),
    quote_words=st.lists(WORDS, max_size=60),
    size=st.sampled_from(sorted(sizes())),
)
def test_random_headlines_and_quotes_stay_inside_the_margins(tmp_path_factory, words, quote_words, size):
    cfg = config(tmp_path_factory.mktemp("c"))
    lay = layout_card(spec_with(" ".join(words), size, cfg, quote=" ".join(quote_words)), cfg)
    check_fits(lay)
    assert lay.runs and any(r.role == "headline" for r in lay.runs)


@pytest.mark.parametrize("headline", ["Typhoon season meifr", "Typhoon season metit"])
def test_a_headline_exactly_as_wide_as_the_box_touches_the_margin_and_one_px_more_wraps(tmp_path, headline):
    """The edge the random margin test above rarely reaches: at the largest size this headline's
    ink is exactly the 900 px between the margins, so it sits on one line touching both; one
    pixel wider and it must not stay on one line at that size, also when only the ink is wider:
    the "j" of "just" hangs 3 px left of its pen position, so that line's pen advance is 897 px."""
    cfg = config(tmp_path)
    chain = fonts.chain("headline")
    size = geometry(*sizes()["instagram"]).headline[0]
    inner = sizes()["instagram"][0] - 2 * geometry(*sizes()["instagram"]).margin
    assert line_width(headline, chain, size) == inner
    lay = layout_card(spec_with(headline, "instagram", cfg), cfg)
    check_fits(lay)
    runs = [r for r in lay.runs if r.role == "headline"]
    assert lay.sizes["headline"] == size and lay.lines("headline") == [headline]
    assert min(r.box[0] for r in runs) == lay.margin
    assert max(r.box[2] for r in runs) == lay.width - lay.margin

    for wider in ("Typhoon season msss", "just the chip fabs ofits"):
        assert line_width(wider, chain, size) == inner + 1
        lay = layout_card(spec_with(wider, "instagram", cfg), cfg)
        check_fits(lay)
        assert (lay.sizes["headline"], len(lay.lines("headline"))) != (size, 1)


@settings(max_examples=25, deadline=None)
@given(words=st.lists(st.text(alphabet="abcdefghijklmnop", min_size=1, max_size=12), min_size=1, max_size=30))
def test_latin_words_are_never_broken(tmp_path_factory, words):
    cfg = config(tmp_path_factory.mktemp("c"))
    lay = layout_card(spec_with(" ".join(words), "instagram", cfg), cfg)
    lines: dict[float, str] = {}
    for run in lay.runs:
        if run.role == "headline":
            lines[run.baseline] = lines.get(run.baseline, "") + run.text
    drawn = [w for line in lines.values() for w in line.split()]
    assert drawn == words


def test_200_character_headline_fits_without_truncation(tmp_path):
    cfg = config(tmp_path)
    headline = (
        "Alibaba’s New Influencer Strategy Sends Ali Express Recruiters Across Europe To Sign "
        "One Hundred Thousand Livestreamers Before April As Rivals JD, Pinduoduo, Kuaishou And Douyin "
        "Watch Closely In Hangzhou"
    )[:200]
    assert len(headline) == 200
    for size in sizes():
        lay = layout_card(spec_with(headline, size, cfg, emoji="🇪🇺"), cfg)
        check_fits(lay)
        assert not lay.truncated
        assert lay.text("headline").replace("\u00a0", " ").split() == (headline + " 🇪🇺").split()
        assert lay.sizes["headline"] < geometry(*sizes()[size]).headline[0]  # it shrank


def test_short_headline_keeps_the_largest_size(tmp_path):
    cfg = config(tmp_path)
    lay = layout_card(spec_with("Ant Group", "instagram", cfg), cfg)
    assert lay.sizes["headline"] == geometry(*sizes()["instagram"]).headline[0]


def test_a_word_wider_than_the_box_shrinks_then_breaks(tmp_path):
    cfg = config(tmp_path)
    lay = layout_card(spec_with("Supercalifragilistic" * 20, "x", cfg), cfg)
    check_fits(lay)
    assert len(lay.lines("headline")) > 1  # broken between letters: the only way to fit
    assert lay.text("headline").replace(" ", "") == "Supercalifragilistic" * 20


def test_absurdly_long_quote_is_truncated_with_an_ellipsis_never_clipped(tmp_path):
    cfg = config(tmp_path)
    lay = layout_card(spec_with("Headline", "x", cfg, quote="word " * 2000), cfg)
    check_fits(lay)
    assert lay.truncated and lay.text("quote").endswith("…")


def test_balanced_lines_beat_greedy():
    items = atoms("aaaa bbbb cccc dddd eeee ffff gggg h")
    lines = break_lines(items, len, 1.0, 30.0)
    widths = [len(" ".join(a.text for a in line)) for line in lines]
    assert len(lines) == 2 and max(widths) - min(widths) <= 5  # greedy would give 29 + 4


def test_cjk_wraps_between_characters_with_kinsoku():
    items = atoms("日本のソフトウェア産業は、まだ始まったばかりだ。「本当に」")
    assert len(items) > 15
    assert all(not a.text.startswith(("、", "。", "」")) for a in items)
    assert all(not a.text.endswith("「") for a in items)
    chain = fonts.chain("headline")
    lines = break_lines(items, lambda t: text_width(t, chain, 60), 0.0, 600)
    assert len(lines) > 1 and "".join(a.text for line in lines for a in line) == "".join(a.text for a in items)


def test_trailing_emoji_never_sits_alone_on_a_line(tmp_path):
    cfg = config(tmp_path)
    lay = layout_card(spec_with("Ant Group Launches New Blockchain Solution", "instagram", cfg, emoji="🐜"), cfg)
    emoji = next(r for r in lay.runs if r.role == "headline" and r.emoji)
    same_line = [r for r in lay.runs if r.role == "headline" and r.baseline == emoji.baseline and not r.emoji]
    assert "Solution" in "".join(r.text for r in same_line)


# ------------------------------------------------------------------ alt text and import weight


def test_alt_text_says_what_the_card_says(tmp_path):
    cfg = config(tmp_path)
    specs = card_specs(sample_issue(), cfg, "instagram", cover=True)
    cover, first = specs[0], specs[1]
    assert first.alt_text.startswith("Quote card from East West Hurricane, issue 34. Headline: Ant Group Launches")
    assert f"“{first.quote}”" in first.alt_text and "@eastwesthurricane" in first.alt_text
    assert cover.alt_text.startswith("Cover card from East West Hurricane, issue 34.")
    assert all(s.headline in cover.alt_text for s in sample_issue().stories)


def test_alt_text_limit_trims_on_a_word(tmp_path):
    cfg = config(tmp_path)
    spec = spec_with("Headline", "x", cfg, quote="lorem ipsum " * 200)
    text = alt_text(spec)
    assert len(text) <= 1000 and text.endswith("…") and text[:-1].split()[-1] in ("lorem", "ipsum")
    spec = spec_with("", "x", cfg, quote="")
    spec.brand = ""
    assert alt_text(spec).strip()


def test_importing_cards_does_not_import_pillow():
    code = "import sys, crosspost.cards; assert 'PIL' not in sys.modules, 'PIL imported'; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


# ------------------------------------------------------------------ font coverage precomputed at build time


def test_font_coverage_module_is_what_the_script_generates_from_the_bundled_fonts():
    """crosspost/cards/coverage.py cannot go stale: a font changed without rerunning the script fails here."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_font_coverage", ROOT / "tools" / "gen_font_coverage.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    committed = (ROOT / "crosspost" / "cards" / "coverage.py").read_text(encoding="utf-8")
    assert gen.generate() == committed, "stale: run python tools/gen_font_coverage.py"
    from crosspost.cards import coverage

    assert set(coverage.FONTS) == {p.name for p in fonts.font_paths()}


def test_bundled_fonts_cmaps_come_from_the_table_and_equal_what_fonttools_reads():
    for path in map(str, fonts.font_paths()):
        table = fonts._bundled_coverage(path)
        assert table is not None and table == fonts.read_cmap(path), path
        assert fonts.cmap(path) is not None and fonts.cmap(path) == table


def test_a_theme_font_or_a_changed_bundled_file_is_read_with_fonttools(tmp_path, monkeypatch):
    import shutil

    from crosspost.cards import coverage

    bundled = fonts.font_dir() / "SourceSerif4-Regular.ttf"
    own = tmp_path / "Inter-Bold.ttf"  # a bundled font's name, another file: not the table's
    shutil.copy(bundled, own)
    assert fonts._bundled_coverage(str(own)) is None
    assert fonts.cmap(str(own)) == fonts.read_cmap(str(bundled)) != fonts.cmap(str(fonts.font_dir() / own.name))
    name = "Inter-SemiBold.ttf"
    monkeypatch.setitem(coverage.FONTS, name, (coverage.FONTS[name][0] + 1, coverage.FONTS[name][1]))
    assert fonts._bundled_coverage(str(fonts.font_dir() / name)) is None  # the file is not the one measured


def test_rendering_cards_imports_no_fonttools(tmp_path):
    """Latin, CJK and emoji cards drawn with the bundled fonts only: their coverage is precomputed."""
    code = (
        "import sys; from pathlib import Path; "
        "from crosspost.cards import card_specs, render_card; from crosspost.config import Config, Theme; "
        "import tests.test_cards as t; "
        f"cfg = Config(theme=Theme(handle='@h'), out_dir='out', root=Path({str(tmp_path)!r})); "
        "[render_card(s, cfg) for i in (t.sample_issue(), t.cjk_issue()) for s in card_specs(i, cfg, 'instagram')]; "
        "assert 'fontTools' not in sys.modules, 'fontTools imported'; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


# ------------------------------------------------------------------ encoding: size, fidelity, the upload JPEG


def psnr(a, b, box=None) -> float:
    import math

    from PIL import ImageChops, ImageStat

    a, b = a.convert("RGB"), b.convert("RGB")
    if box:
        a, b = a.crop(box), b.crop(box)
    mse = sum(ImageStat.Stat(ImageChops.difference(a, b)).sum2) / (3 * a.width * a.height)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_sample_cards_are_at_most_50_kb_and_visually_equal_to_the_canvas(tmp_path, mode):
    """Quantised to 256 colours. 48 dB: better than the JPEG Instagram is sent (q92 4:4:4, 46.7 dB on these
    cards), 3 dB under the worst card measured (51.1 dB over three issues, light and dark; the sample's
    53.8 dB light); plain quantising without exact flat colours gives 47.4 dB. A colour emoji loses most
    (32.6-43 dB over its own box): 30 dB there."""
    from PIL import Image

    from crosspost.cards.render import paint

    cfg = config(tmp_path, mode=mode)
    for size in sizes():
        for spec in card_specs(sample_issue(), cfg, size, cover=True):
            path = render_card(spec, cfg)
            assert path.stat().st_size <= 50_000, (path.name, path.stat().st_size)
            lay = layout_card(spec, cfg)
            canvas = paint(lay)
            with Image.open(path) as im:
                assert im.mode == "P" and psnr(im, canvas) >= 48, path.name
                for run in (r for r in lay.runs if r.emoji):
                    assert psnr(im, canvas, run.box) >= 30, (path.name, run.text)


def test_cards_keep_the_themes_flat_colours_exact(tmp_path):
    from PIL import Image, ImageColor

    cfg = config(tmp_path, background="#fdfcfa", foreground="#203040", muted="#777777")
    spec = card_specs(sample_issue(), cfg, "x")[0]
    lay = layout_card(spec, cfg)
    with Image.open(render_card(spec, cfg)) as im:
        colours = {c for _, c in im.convert("RGB").getcolors(1 << 16)}
    wanted = {lay.background, *(r.colour for r in lay.rects), *(r.colour for r in lay.runs if not r.emoji)}
    assert {ImageColor.getrgb(c)[:3] for c in wanted} <= colours


def test_a_card_for_a_platform_that_takes_jpeg_comes_with_that_jpeg_made_from_the_same_pixels(tmp_path):
    """Written by the same render from the card's own pixels: exactly what converting the PNG would
    send (pixel for pixel), without decoding it again; deterministic like the card."""
    from PIL import Image

    from crosspost.platforms import registry
    from crosspost.platforms.base import made_from

    takes_jpeg = [name for name, spec in registry().items() if spec.card_size and spec.upload_jpeg]
    others = [name for name, spec in registry().items() if spec.card_size and not spec.upload_jpeg]
    assert takes_jpeg and others
    cfg = config(tmp_path)
    for size in takes_jpeg:
        spec = card_specs(sample_issue(), cfg, size)[0]
        assert spec.media().upload == str(spec.upload_path)
        card = render_card(spec, cfg)
        upload = Path(spec.media().upload)
        first = upload.read_bytes()
        assert made_from(upload, card)
        redo = tmp_path / "redo.jpg"
        with Image.open(card) as im:
            im.convert("RGB").save(redo, "JPEG", **spec.upload_jpeg)
        with Image.open(upload) as a, Image.open(redo) as b:
            assert a.format == "JPEG" and a.size == sizes()[size] and a.tobytes() == b.tobytes()
        upload.unlink()
        render_card(spec, cfg)
        assert upload.read_bytes() == first
        card.write_bytes(card.read_bytes() + b"\0")  # a card changed after rendering: not its upload any more
        assert not made_from(upload, card)
    for size in others:
        spec = card_specs(sample_issue(), cfg, size)[0]
        render_card(spec, cfg)
        assert spec.upload_path is None and spec.media().upload == ""
        assert sorted(p.name for p in spec.path.parent.glob(f"{size}-*")) == [spec.path.name]


def test_a_preview_renders_the_cards_but_not_the_jpeg_publishing_sends(tmp_path):
    """The upload JPEG costs ~13 ms a card and only publishing sends it: a preview (api.render_cards,
    the dry run) writes the cards alone; rendering for publishing writes both."""
    from crosspost.cards import render_cards
    from crosspost.platforms import registry

    takes_jpeg = [name for name, spec in registry().items() if spec.card_size and spec.upload_jpeg]
    cfg = config(tmp_path)
    for size in takes_jpeg:
        specs = card_specs(sample_issue(), cfg, size)
        render_cards(specs, cfg, uploads=False)
        assert all(s.path.exists() and s.upload_path and not s.upload_path.exists() for s in specs)
        render_cards(specs, cfg)
        assert all(s.upload_path and s.upload_path.exists() for s in specs)


_SHAPING_ALPHABET = st.sampled_from(
    list("aZ09 .,;'-\u2014\u2013\u201c\u201d\u2018\u2019\u2026\u00e9\u00fc\u00df\u00e7\u00f1\"")
    + list("\t\n\u00a0\u2009\u3000\u00ad\u200b\u200d\ufe0f\u20e3\u0301")
    + list("\u65e5\u672c\u8a9e\u304b\u306a\u30ab\u30ca\ud55c\uae00\u4e2d\u6587")
    + ["\U0001f32a", "\U0001f44d\U0001f3fd", "\U0001f1ef\U0001f1f5", "\u2764", "\u00a9", "#", "\u263a"]
    + ["\U0001f9ea", "\u0378", "\U000e0001"]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_SHAPING_ALPHABET, max_size=30).map("".join), st.sampled_from(["headline", "body", "quote"]))
def test_segment_fast_path_gives_what_the_cluster_loop_gives(text, role):
    from crosspost.cards.shaping import _runs, language_of, segment

    chain = fonts.chain(role)
    assert segment(text, chain) == _runs(text, chain, language_of(text))
