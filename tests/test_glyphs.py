"""crosspost.cards.glyphs: card text from cached glyphs gives what Pillow's raqm layout gives: the
same advance, the same bounding box, the same pixels (a level at most where glyph edges overlap)."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageColor, ImageDraw, ImageFont

from crosspost.cards import fonts, glyphs, render
from crosspost.cards.layout import layout_card

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "newsletters"
BUNDLED = [str(p) for p in fonts.font_paths() if "Emoji" not in p.name]
INTER = str(fonts.font_dir() / "Inter-Bold.ttf")
SERIF = str(fonts.font_dir() / "SourceSerif4-Regular.ttf")
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # bytecode-hinted, as a theme's font may be
FONTS = BUNDLED + ([DEJAVU] if Path(DEJAVU).exists() else [])

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the glyph path runs where /proc/self/maps names Pillow's libraries"
)


def pillow_and_glyphs(font, text: str, x: float, baseline: float, size=(240, 160), colour="#1d2b36"):
    """The same text drawn on two canvases: by Pillow's draw.text and by glyphs.draw."""
    shaped = glyphs.shaped(font, text)
    assert shaped is not None, text
    ours = Image.new("RGB", size, "#f4efe6")
    theirs = ours.copy()
    ImageDraw.Draw(theirs).text((x, baseline), text, font=font, fill=colour, anchor="ls")
    draw = ImageDraw.Draw(ours)
    glyphs.draw(draw.draw, shaped, x, baseline, draw.draw.draw_ink(ImageColor.getcolor(colour, "RGB")))
    return theirs, ours


def differences(a: Image.Image, b: Image.Image) -> tuple[int, int]:
    """(largest difference of a channel, number of channel values that differ)."""
    diff = ImageChops.difference(a, b)
    hist = diff.histogram()
    bands = [hist[i * 256 : (i + 1) * 256] for i in range(3)]
    largest = max((max((v for v, n in enumerate(band) if n), default=0) for band in bands), default=0)
    return largest, sum(sum(band[1:]) for band in bands)


def overlaps(shaped, x: float, baseline: float) -> set[tuple[int, int]]:
    """The canvas pixels two or more glyph bitmaps of the run cover."""
    seen: set[tuple[int, int]] = set()
    twice: set[tuple[int, int]] = set()
    for mask, (gx, gy) in glyphs.placements(shaped, x, baseline):
        w, h = mask.size
        for px in range(gx, gx + w):
            for py in range(gy, gy + h):
                (twice if (px, py) in seen else seen).add((px, py))
    return twice


def assert_same_pixels(theirs: Image.Image, ours: Image.Image, shaped, x: float, baseline: float) -> None:
    """Equal, except by one level where glyph bitmaps overlap (Pillow merges the glyphs' coverage
    first and blends once; glyphs.draw blends glyph by glyph)."""
    diff = ImageChops.difference(theirs, ours).convert("RGB")
    box = diff.getbbox()
    if box is None:
        return
    largest, _ = differences(theirs, ours)
    assert largest <= 1
    shared = overlaps(shaped, x, baseline)
    width = diff.width
    for i, pixel in enumerate(diff.get_flattened_data()):
        if any(pixel):
            assert (i % width, i // width) in shared, (i % width, i // width)


def assert_same(font, text: str, x: float, baseline: float, size=(240, 160)) -> None:
    shaped = glyphs.shaped(font, text)
    assert shaped is not None
    assert glyphs.length(shaped) == font.getlength(text), text
    assert glyphs.bbox(shaped) == font.getbbox(text, anchor="ls"), text
    theirs, ours = pillow_and_glyphs(font, text, x, baseline, size)
    assert_same_pixels(theirs, ours, shaped, x, baseline)


# ---------------------------------------------------------------- real cards


def corpus_runs():
    from crosspost.cards import card_specs
    from crosspost.config import Config, Theme
    from crosspost.parse import parse_issue

    files = [ROOT / "issues" / "issue-34.txt", *sorted(ROOT.glob("tests/fixtures/issues/*"))]
    files += [p for p in sorted(CORPUS.iterdir()) if not p.name.endswith((".yaml", ".md"))]
    config = Config(theme=Theme(handle="@eastwest"), out_dir=ROOT / "unused", root=ROOT)
    runs = []
    for path in files:
        try:
            issue = parse_issue(path)
        except Exception:  # noqa: BLE001 - files crosspost refuses are tested elsewhere
            continue
        for platform in ("instagram", "x"):
            for spec in card_specs(issue, config, platform):
                runs += [r for r in layout_card(spec, config).runs if not r.emoji]
    return runs


@pytest.fixture(scope="module")
def runs():
    return corpus_runs()


def test_every_run_of_the_corpus_cards_comes_out_as_pillow_draws_it(runs):
    assert len(runs) > 1500
    fast = [r for r in runs if glyphs.shaped(fonts.load(r.font, r.size), r.text, r.language)]
    assert len(fast) > 0.95 * len(runs)  # Pillow draws the rest: CJK with its language, other scripts
    overlapping = 0
    for r in fast:
        font = fonts.load(r.font, r.size)
        l, t, right, b = font.getbbox(r.text, anchor="ls")
        x, baseline = 8 - l + r.x % 1, 8 - t + r.baseline % 1  # the run's own fractions, on a small canvas
        size = (right - l + 20, b - t + 20)
        shaped = glyphs.shaped(font, r.text)
        assert glyphs.length(shaped) == font.getlength(r.text), r.text
        assert glyphs.bbox(shaped) == (l, t, right, b), r.text
        theirs, ours = pillow_and_glyphs(font, r.text, x, baseline, size, r.colour)
        assert_same_pixels(theirs, ours, shaped, x, baseline)
        overlapping += differences(theirs, ours)[1] > 0
    assert overlapping < 0.03 * len(fast)


def test_a_whole_card_paints_as_with_pillow_alone(monkeypatch, tmp_path):
    from crosspost.cards import card_specs
    from crosspost.config import Config, Theme
    from crosspost.parse import parse_issue

    config = Config(theme=Theme(handle="@eastwest"), out_dir=tmp_path, root=tmp_path)
    spec = card_specs(parse_issue(ROOT / "issues" / "issue-34.txt"), config, "instagram")[0]
    layout = layout_card(spec, config)
    ours = render.paint(layout)
    monkeypatch.setattr(glyphs, "shaped", lambda *a, **k: None)
    theirs = render.paint(layout)
    largest, count = differences(theirs, ours)
    assert largest <= 1 and count < 50


# ---------------------------------------------------------------- generated text

_FAST = "".join(chr(c) for c in range(0x20C1) if glyphs.fast(chr(c)))
_WORDS = st.text(alphabet=st.sampled_from(_FAST), min_size=1, max_size=24)
_LATIN = st.text(alphabet=st.sampled_from("AVWTYfijlty.,'\"-ffiflÅéñøß “”‘’—…0123456789"), min_size=1, max_size=24)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(_WORDS, _LATIN),
    font=st.sampled_from(FONTS),
    size=st.integers(8, 120),
    x=st.floats(0, 40),
    baseline=st.floats(0, 60),
)
def test_generated_text_comes_out_as_pillow_draws_it(text, font, size, x, baseline):
    pil = ImageFont.truetype(font, size, layout_engine=ImageFont.Layout.RAQM)
    l, t, r, b = pil.getbbox(text, anchor="ls")
    assert_same(pil, text, x - min(l, 0), baseline - t, (r - min(l, 0) + int(x) + 12, b - t + int(baseline) + 12))


@pytest.mark.parametrize(
    "x, baseline",
    [(-30.25, 40.5), (-0.75, 40.0), (200.6, 40.3), (10.5, 5.5), (10.49, 158.7), (-500, 40), (10, 400)],
)
def test_text_over_the_canvas_edges_is_clipped_as_pillow_clips_it(x, baseline):
    assert_same(fonts.load(INTER, 48), "Hejdå, Tjörn! jij", x, baseline)


@pytest.mark.parametrize("fraction", [0.0, 1 / 128, 3 / 128, 2**-7 - 2**-32, 0.5 + 1 / 128, 0.5 - 2**-30, 63 / 64])
def test_fractional_starts_round_as_pillows_c_code_rounds_them(fraction):
    """Pillow passes a run's start to C as floats and rounds with C's round(): halves away from zero."""
    assert_same(fonts.load(SERIF, 31), "Tea, Tonic & Toast", 10 + fraction, 40 + fraction, (300, 60))
    # the 6th glyph's pen is 31/64 past a pixel here: 1/64 more from the start moves it a pixel
    font = fonts.load(INTER, 22)
    assert glyphs.shaped(font, "AVATAR Wolf").pens[5][0] % 64 == 31
    assert_same(font, "AVATAR Wolf", 10 + fraction, 40 + fraction, (300, 60))


def test_a_glyph_outside_the_box_pillow_allocates_is_cut_to_it():
    """font_render draws into a mask sized by the glyphs' outline boxes and positions the glyphs by
    their bitmaps, cutting whatever falls outside; a bitmap wider than its box is cut as Pillow cuts it."""
    bitmap = Image.frombytes("L", (12, 12), bytes(range(144)))  # every pixel its own value
    glyph = glyphs._Glyph(bitmap.im, -2, 10, 12, 12, (0, 0, 6, 8))  # reaches 2 px left of its box
    run = glyphs.Shaped([glyph], [(0, 0)], 6 * 64, 6)
    [(mask, xy)] = glyphs.placements(run, 20.0, 30.0)
    assert xy == (20, 22) and mask.size == (6, 8)  # the box, 6 x 8, with its top left at (20, 30 - 8)
    assert list(Image.Image()._new(mask).get_flattened_data()) == list(bitmap.crop((0, 0, 6, 8)).get_flattened_data())


def test_a_glyph_reaching_left_of_the_pen_and_marks_stacked_high():
    for font in [fonts.load(path, 88) for path in FONTS]:  # DejaVu puts a dotted circle under a leading mark
        for text in ("jump", "ÅÉ̈", "ɉ₫", "f\u0301\u0302\u0303", " ", "  .  ", "\u2003\u2009x", "34 — 2024", "\u0301x"):
            assert_same(font, text, 20.77, 120.5, (600, 220))


# ---------------------------------------------------------------- what goes to Pillow instead


def test_only_left_to_right_text_without_ignorables_takes_the_glyph_path():
    ignorable = regex.compile(r"[\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Zl}\p{Zp}]")
    accepted = [c for c in map(chr, range(0x20C1 + 10)) if glyphs.fast(c)]
    assert len(accepted) > 1500
    for c in accepted:
        assert not ignorable.match(c), f"U+{ord(c):04X}"
        assert unicodedata.bidirectional(c) in ("L", "EN", "ES", "ET", "CS", "ON", "WS", "NSM", ""), f"U+{ord(c):04X}"
        assert glyphs.fast("Tea " + c) and glyphs.fast(c * 3)
    assert glyphs.fast("Привет, Γειά σου")
    for text in ("\u00ad", "a\u200bb", "ab\u200d", "שלום", "مرحبا", "日本", "\u202eabc", "a\nb", "x\u034f", "\u2066x"):
        assert not glyphs.fast(text), text
    assert glyphs.fast("plain ASCII, 100% (ok)!") and not glyphs.fast("tab\there")


def test_pillow_draws_what_the_glyph_path_does_not_take():
    inter = INTER
    assert glyphs.shaped(fonts.load(inter, 40), "Japanese", "ja") is None  # a language: CJK forms
    assert glyphs.shaped(fonts.load(inter, 40), "שלום") is None
    basic = ImageFont.truetype(inter, 40, layout_engine=ImageFont.Layout.BASIC)
    assert glyphs.shaped(basic, "Hello") is None  # positions without HarfBuzz
    assert glyphs.shaped(ImageFont.truetype(inter, 40.5, layout_engine=ImageFont.Layout.RAQM), "Hello") is None
    with open(inter, "rb") as f:  # a font from bytes has no path to open again
        assert glyphs.shaped(ImageFont.truetype(f, 40, layout_engine=ImageFont.Layout.RAQM), "Hello") is None
    emoji = fonts.emoji_font()  # keycap digits: colour bitmaps, not outlines
    assert glyphs.shaped(emoji, "1") is None
    assert glyphs.shaped(fonts.load(inter, 40), "Hello") is not None


def test_without_the_libraries_every_run_is_drawn_by_pillow(monkeypatch, tmp_path):
    monkeypatch.setattr(glyphs, "_faces", {})
    monkeypatch.setattr(glyphs, "_libraries", lambda: None)
    assert glyphs.shaped(fonts.load(INTER, 41), "Hello") is None
    canvas = Image.new("RGB", (200, 80), "white")
    draw = ImageDraw.Draw(canvas)
    from crosspost.cards.layout import Placed

    run = Placed("Hello", INTER, 41, 10.5, 50.25, (0, 0, 0, 0), "#000000", "title")
    render._draw_run(canvas, draw, run)
    expected = Image.new("RGB", (200, 80), "white")
    ImageDraw.Draw(expected).text((10.5, 50.25), "Hello", font=fonts.load(INTER, 41), fill="#000000", anchor="ls")
    assert differences(expected, canvas) == (0, 0)


@pytest.mark.parametrize(
    "text",
    [
        "““We are not going anywhere,”",  # raqm: the closing quote is a Common run of its own
        "(“Hello”) [x] {y} «z» ‹w›",
        "“ ” ‘ ’ ( ) 12",  # only Common characters
        "\u0301\u0302 a",  # Inherited first
        "Γειά “σου” Привет (мир)",  # scripts change inside a run
        "ab\u02eacd",  # a Bopomofo tone mark amid Latin
        "0\u0483 a\u0483 \u0483",  # a Cyrillic non-spacing mark takes its base's script
    ],
)
def test_script_runs_split_where_raqm_splits_them(text):
    for font in FONTS:  # DejaVu attaches U+0483 to its base when the two share a script run
        assert_same(fonts.load(font, 56), text, 12.4, 70.6, (1200, 110))


def test_the_libraries_are_the_ones_pillow_loaded():
    libs = glyphs._libraries()
    assert libs is not None
    maps = Path("/proc/self/maps").read_text()
    for lib in (libs.ft, libs.hb):
        assert lib._name in maps
    assert "pillow.libs" in libs.ft._name or "/usr/lib" in libs.ft._name


def test_caches_are_bounded_and_can_be_emptied(monkeypatch):
    face = glyphs.face(INTER, 0, 33)
    assert face is not None
    monkeypatch.setattr(glyphs.Face, "MAX_GLYPHS", 10)
    face.forget()
    glyphs.shaped(fonts.load(INTER, 33), "abcdefghijklmnopqrstuvwxyz")
    assert 0 < len(face._glyphs) <= 10
    glyphs.shaped(fonts.load(INTER, 33), "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    assert 0 < len(face._glyphs) <= 10
    glyphs.forget()
    assert not face._glyphs and not face._runs
