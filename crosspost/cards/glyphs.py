"""Card text painted from cached glyphs: what Pillow's `draw.text` draws, rasterising each glyph once.

Pillow's `ImageDraw.text` (raqm layout) shapes a run with a new HarfBuzz font every call, then
loads and rasterises every glyph three times: once for the bounding box, twice to render. Half of a
card's CPU time went there (about 65 µs a glyph; a card has ~250). This module does the same work
through the very FreeType and HarfBuzz libraries Pillow's `_imagingft` loaded (found in
/proc/self/maps, bound with ctypes, so no new dependency and no second copy of either library):

- one FreeType face and one HarfBuzz font (hb-ft, as raqm makes it) per (font file, size), kept;
- each glyph rasterised once (`FT_LOAD_DEFAULT | FT_LOAD_RENDER`, Pillow's flags) and kept as a
  Pillow mask with its pixel bounding box;
- a run's width, bounding box and pixels computed with Pillow's own arithmetic (`_imagingft.c`:
  `text_layout_raqm`, `bounding_box_and_anchors`, `font_render`, and `ImageDraw.text`'s placement
  of the mask), so `length`, `bbox` and `draw` give what `getlength`, `getbbox(anchor="ls")` and
  `draw.text(anchor="ls")` give. tests/test_glyphs.py compares them on every run of the corpus'
  cards and on generated text.

One difference is left: Pillow first merges a run's glyphs into one mask ("over") and blends the ink
once; here each glyph is blended on its own. Where two glyphs' anti-aliased edges overlap, a pixel
may differ by one level (tested: at most 1, on a small share of pixels).

Raqm (0.11.0, vendored in Pillow 13) splits a run into script runs its own way (`_Libraries.script_runs` follows it, quirks
included) and shapes each with the whole text as context; so does this module. Only text certain to
match takes this path (`fast`): the Latin, Greek and Cyrillic blocks and common punctuation, so no
right-to-left text (no bidi reordering) and no default-ignorables (which raqm treats its own way),
without a language, in a font Pillow loaded with raqm layout, rendered as 8-bit grey. Anything else,
or a platform without /proc/self/maps (macOS, Windows), goes to Pillow's `draw.text`, so the output
never depends on which path drew it. Measured in benchmarks/bench_cards.py.
"""

from __future__ import annotations

import ctypes
import math
import struct
import threading
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from PIL import Image, ImageFont

# ---------------------------------------------------------------- which text takes this path

# Left-to-right characters of the Latin, Greek and Cyrillic blocks and common punctuation, minus
# C0/C1 controls, the soft hyphen and the combining grapheme joiner (default-ignorables) and the
# bidi and invisible formatting characters of U+200B-U+200F, U+2028-U+202E and U+2060 on.
_FAST_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0xAC),
    (0xAE, 0x033F),  # Latin-1 .. IPA, spacing modifiers, most combining diacritics
    (0x0350, 0x052F),  # the rest of the diacritics (not U+034F, a joiner), Greek, Cyrillic
    (0x1E00, 0x1FFF),  # Latin Extended Additional, Greek Extended
    (0x2000, 0x200A),  # spaces
    (0x2010, 0x2027),  # dashes, quotes, bullets, ellipsis
    (0x202F, 0x205E),  # narrow no-break space, per mille, primes, ...
    (0x20A0, 0x20C0),  # currency
)
_FAST_TABLE = bytearray(0x20C1)
for _lo, _hi in _FAST_RANGES:
    _FAST_TABLE[_lo : _hi + 1] = b"\1" * (_hi + 1 - _lo)


def fast(text: str) -> bool:
    """True when `text` is only characters this module draws exactly as raqm shapes them."""
    if text.isascii():
        return text.isprintable()
    table = _FAST_TABLE
    return all(ord(c) < 0x20C1 and table[ord(c)] for c in text)


# ---------------------------------------------------------------- the libraries Pillow uses


class _Generic(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("finalizer", ctypes.c_void_p)]


class _BBox(ctypes.Structure):
    _fields_ = [(n, ctypes.c_long) for n in ("xMin", "yMin", "xMax", "yMax")]


class _Bitmap(ctypes.Structure):
    _fields_ = [
        ("rows", ctypes.c_uint),
        ("width", ctypes.c_uint),
        ("pitch", ctypes.c_int),
        ("buffer", ctypes.c_void_p),
        ("num_grays", ctypes.c_ushort),
        ("pixel_mode", ctypes.c_ubyte),
        ("palette_mode", ctypes.c_ubyte),
        ("palette", ctypes.c_void_p),
    ]


class _Outline(ctypes.Structure):
    _fields_ = [
        ("n_contours", ctypes.c_short),
        ("n_points", ctypes.c_short),
        ("points", ctypes.c_void_p),
        ("tags", ctypes.c_void_p),
        ("contours", ctypes.c_void_p),
        ("flags", ctypes.c_int),
    ]


class _GlyphSlot(ctypes.Structure):  # FT_GlyphSlotRec, up to the outline
    _fields_ = [
        ("library", ctypes.c_void_p),
        ("face", ctypes.c_void_p),
        ("next", ctypes.c_void_p),
        ("glyph_index", ctypes.c_uint),
        ("generic", _Generic),
        ("metrics", ctypes.c_long * 8),
        ("linearHoriAdvance", ctypes.c_long),
        ("linearVertAdvance", ctypes.c_long),
        ("advance", ctypes.c_long * 2),
        ("format", ctypes.c_int),
        ("bitmap", _Bitmap),
        ("bitmap_left", ctypes.c_int),
        ("bitmap_top", ctypes.c_int),
        ("outline", _Outline),
    ]


class _Face(ctypes.Structure):  # FT_FaceRec, up to the glyph slot
    _fields_ = [
        ("num_faces", ctypes.c_long),
        ("face_index", ctypes.c_long),
        ("face_flags", ctypes.c_long),
        ("style_flags", ctypes.c_long),
        ("num_glyphs", ctypes.c_long),
        ("family_name", ctypes.c_char_p),
        ("style_name", ctypes.c_char_p),
        ("num_fixed_sizes", ctypes.c_int),
        ("available_sizes", ctypes.c_void_p),
        ("num_charmaps", ctypes.c_int),
        ("charmaps", ctypes.c_void_p),
        ("generic", _Generic),
        ("bbox", _BBox),
        ("units_per_EM", ctypes.c_ushort),
        ("ascender", ctypes.c_short),
        ("descender", ctypes.c_short),
        ("height", ctypes.c_short),
        ("max_advance_width", ctypes.c_short),
        ("max_advance_height", ctypes.c_short),
        ("underline_position", ctypes.c_short),
        ("underline_thickness", ctypes.c_short),
        ("glyph", ctypes.POINTER(_GlyphSlot)),
    ]


class _SizeRequest(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("width", ctypes.c_long),
        ("height", ctypes.c_long),
        ("horiResolution", ctypes.c_uint),
        ("vertResolution", ctypes.c_uint),
    ]


class _GlyphInfo(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint32) for n in ("codepoint", "mask", "cluster", "var1", "var2")]


class _GlyphPosition(ctypes.Structure):
    _fields_ = [(n, ctypes.c_int32) for n in ("x_advance", "y_advance", "x_offset", "y_offset", "var")]


FT_LOAD_DEFAULT = 0
FT_LOAD_RENDER = 1 << 2
FT_PIXEL_MODE_GRAY = 2
FT_SIZE_REQUEST_TYPE_NOMINAL = 0
HB_DIRECTION_LTR = 4
HB_SCRIPT_INVALID = 0
HB_SCRIPT_COMMON = int.from_bytes(b"Zyyy", "big")
HB_SCRIPT_INHERITED = int.from_bytes(b"Zinh", "big")
HB_BUFFER_FLAG_BOT, HB_BUFFER_FLAG_EOT = 1, 2
HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK = 12
# raqm's paired characters: an even index opens, the next odd one closes
_PAIRED = {
    c: i
    for i, c in enumerate(
        (0x28, 0x29, 0x3C, 0x3E, 0x5B, 0x5D, 0x7B, 0x7D, 0xAB, 0xBB, 0x2018, 0x2019, 0x201C, 0x201D, 0x2039, 0x203A)
    )
}


class _Libraries:
    """Pillow's FreeType and HarfBuzz, with the few functions used here typed."""

    def __init__(self, freetype: str, harfbuzz: str) -> None:
        # PyDLL keeps the GIL during calls: a face and a font are never used by two threads at once.
        ft = self.ft = ctypes.PyDLL(freetype)
        hb = self.hb = ctypes.PyDLL(harfbuzz)
        p, i, u = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint
        signatures: tuple[tuple[Any, list[Any], Any], ...] = (
            (ft.FT_Init_FreeType, [ctypes.POINTER(p)], i),
            (ft.FT_New_Face, [p, ctypes.c_char_p, ctypes.c_long, ctypes.POINTER(ctypes.POINTER(_Face))], i),
            (ft.FT_Request_Size, [ctypes.POINTER(_Face), ctypes.POINTER(_SizeRequest)], i),
            (ft.FT_Load_Glyph, [ctypes.POINTER(_Face), u, ctypes.c_int32], i),
            (ft.FT_Outline_Get_CBox, [ctypes.POINTER(_Outline), ctypes.POINTER(_BBox)], None),
            (hb.hb_ft_font_create_referenced, [ctypes.POINTER(_Face)], p),
            (hb.hb_buffer_create, [], p),
            (hb.hb_buffer_clear_contents, [p], None),
            (hb.hb_buffer_add_utf32, [p, ctypes.POINTER(ctypes.c_uint32), i, u, i], None),
            (hb.hb_buffer_set_direction, [p, i], None),
            (hb.hb_buffer_set_script, [p, ctypes.c_uint32], None),
            (hb.hb_buffer_set_language, [p, p], None),
            (hb.hb_buffer_set_flags, [p, u], None),
            (hb.hb_language_get_default, [], p),
            (hb.hb_unicode_funcs_get_default, [], p),
            (hb.hb_unicode_script, [p, ctypes.c_uint32], ctypes.c_uint32),
            (hb.hb_unicode_general_category, [p, ctypes.c_uint32], ctypes.c_int),
            (hb.hb_shape, [p, p, p, u], None),
            (hb.hb_buffer_get_glyph_infos, [p, ctypes.POINTER(u)], ctypes.POINTER(_GlyphInfo)),
            (hb.hb_buffer_get_glyph_positions, [p, ctypes.POINTER(u)], ctypes.POINTER(_GlyphPosition)),
        )
        for fn, args, res in signatures:
            fn.argtypes, fn.restype = args, res
        self.library = p()
        if ft.FT_Init_FreeType(ctypes.byref(self.library)):
            raise OSError("FT_Init_FreeType failed")
        self.buffer = hb.hb_buffer_create()
        self.language = hb.hb_language_get_default()  # raqm's language for text without one
        self._unicode = hb.hb_unicode_funcs_get_default()
        self._scripts: dict[int, int] = {}

    def script(self, code: int) -> int:
        """The code point's script as raqm's _raqm_unicode_script has it: HarfBuzz's Unicode data,
        but a non-spacing mark inherits its base's script whatever its own."""
        try:
            return self._scripts[code]
        except KeyError:
            hb, funcs = self.hb, self._unicode
            if hb.hb_unicode_general_category(funcs, code) == HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK:
                found = HB_SCRIPT_INHERITED
            else:
                found = hb.hb_unicode_script(funcs, code)
            self._scripts[code] = found
            return found

    def script_runs(self, codes: list[int]) -> list[tuple[int, int, int]]:
        """(start, end, script) of the runs raqm shapes `codes` in: _raqm_resolve_scripts, followed
        step by step, quirks included (a Common character before any other script starts a
        Common run; a closing quote takes its opening quote's script, even when that was Common;
        the last character is never given the next one's)."""
        scripts = [self.script(c) for c in codes]
        last_script_index = last_set_index = -1
        last_script = HB_SCRIPT_INVALID
        stack: list[tuple[int, int]] = []  # (script, pair index) of open paired characters
        for i, code in enumerate(codes):
            if scripts[i] == HB_SCRIPT_COMMON and last_script_index != -1:
                pair = _PAIRED.get(code, -1)
                if pair >= 0 and pair % 2 == 0:  # an opening one
                    scripts[i] = last_script
                    stack.append((last_script, pair))
                elif pair >= 0:  # a closing one: back to its opening one
                    while stack and stack[-1][1] != pair - 1:
                        stack.pop()
                    if stack:
                        scripts[i] = last_script = stack[-1][0]
                    else:
                        scripts[i] = last_script
                else:
                    scripts[i] = last_script
                last_set_index = i
            elif scripts[i] == HB_SCRIPT_INHERITED and last_script_index != -1:
                scripts[i] = last_script
                last_set_index = i
            else:
                for j in range(last_set_index + 1, i):
                    scripts[j] = scripts[i]
                last_script = scripts[i]
                last_script_index = last_set_index = i
        for i in range(len(codes) - 2, -1, -1):
            if scripts[i] in (HB_SCRIPT_INHERITED, HB_SCRIPT_COMMON):
                scripts[i] = scripts[i + 1]
        runs: list[tuple[int, int, int]] = []
        start = 0
        for i in range(1, len(codes) + 1):
            if i == len(codes) or scripts[i] != scripts[start]:
                runs.append((start, i, scripts[start]))
                start = i
        return runs


@lru_cache(maxsize=1)
def _libraries() -> _Libraries | None:
    """The FreeType and HarfBuzz Pillow's text module runs on, or None where they cannot be found
    for certain (then every run is drawn by Pillow)."""
    try:
        from PIL import _imagingft  # noqa: F401 - loads Pillow's FreeType and HarfBuzz into the process

        found: dict[str, set[str]] = {"libfreetype": set(), "libharfbuzz": set()}
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.rsplit(" ", 1)[-1].strip()
                name = path.rsplit("/", 1)[-1]
                for lib, paths in found.items():
                    if name.startswith(lib) and ".so" in name and path.startswith("/"):
                        paths.add(path)
        if any(len(paths) != 1 for paths in found.values()):
            return None  # not loaded, or two copies in the process: which one Pillow uses is unknown
        return _Libraries(*(paths.pop() for paths in found.values()))
    except (OSError, AttributeError, ImportError):
        return None


# ---------------------------------------------------------------- faces, glyphs, runs


def _pixel(v: int) -> int:
    """_imagingft.c's PIXEL(): a 26.6 value rounded to whole pixels."""
    return ((v + 32) & -64) >> 6


def _f32(v: float) -> float:
    """`v` as a C float (Pillow passes a run's start as two floats)."""
    return struct.unpack("f", struct.pack("f", v))[0]


def _c_round(v: float) -> int:
    """C's round(): halves away from zero."""
    return int(math.floor(v + 0.5)) if v >= 0 else -int(math.floor(-v + 0.5))


class _Glyph:
    __slots__ = ("mask", "left", "top", "width", "rows", "box")

    def __init__(self, mask: Any, left: int, top: int, width: int, rows: int, box: tuple[int, int, int, int]):
        self.mask = mask  # Pillow's core "L" image, or None for an empty glyph (a space)
        self.left, self.top, self.width, self.rows = left, top, width, rows
        self.box = box  # FT_Glyph_Get_CBox(FT_GLYPH_BBOX_PIXELS): xMin, yMin, xMax, yMax


class Shaped:
    """A run shaped once: glyph ids with 26.6 pen positions, and what Pillow derives from them."""

    __slots__ = ("glyphs", "pens", "length", "bbox_px", "render_min")

    def __init__(self, glyphs: list[_Glyph], pens: list[tuple[int, int]], length: int, advanced: int) -> None:
        """`pens`: each glyph's pen position plus its offsets (26.6); `length`: the pen at the end;
        `advanced`: the right-most whole-pixel pen position reached along the way."""
        self.glyphs, self.pens, self.length = glyphs, pens, length
        # bounding_box_and_anchors, anchor "ls": x_min, y_min, x_max, y_max in pixels; the pen line
        # from 0 to `advanced` is part of the box
        x_min, x_max, y_min, y_max = 0, advanced, 0, 0
        for g, (pen_x, dy) in zip(glyphs, pens):
            px, py = _pixel(pen_x), _pixel(dy)
            l, b, r, t = g.box
            x_min, x_max = min(x_min, l + px), max(x_max, r + px)
            y_min, y_max = min(y_min, b + py), max(y_max, t + py)
        self.bbox_px = (x_min, y_min, x_max, y_max) if glyphs else (0, 0, 0, 0)
        # font_render's first pass: the render origin (left-most bitmap edge, top-most bitmap row)
        rx_min = ry_max = 0
        for g, (pen_x, dy) in zip(glyphs, pens):
            rx_min = min(rx_min, g.left + _pixel(pen_x))
            ry_max = max(ry_max, g.top + _pixel(dy))
        self.render_min = (rx_min, ry_max)


class Face:
    """One font file at one pixel size: a FreeType face sized as Pillow sizes it, its hb-ft font,
    rasterised glyphs and shaped runs."""

    MAX_GLYPHS = 4096  # rasterised glyphs kept per face; a CJK font can have 65,535
    MAX_RUNS = 4096

    def __init__(self, libs: _Libraries, path: str, index: int, size: int) -> None:
        self.libs = libs
        self.face = ctypes.POINTER(_Face)()
        if libs.ft.FT_New_Face(libs.library, path.encode(), index, ctypes.byref(self.face)):
            raise OSError(f"FreeType cannot open {path}")
        request = _SizeRequest(FT_SIZE_REQUEST_TYPE_NOMINAL, 0, int(size * 64), 0, 0)  # as Pillow does
        if libs.ft.FT_Request_Size(self.face, ctypes.byref(request)):
            raise OSError(f"FreeType cannot size {path} at {size}")
        self.font = libs.hb.hb_ft_font_create_referenced(self.face)  # what raqm shapes with
        self.slot = self.face.contents.glyph.contents
        self._glyphs: dict[int, _Glyph | None] = {}
        self._runs: dict[str, Shaped | None] = {}

    def forget(self) -> None:
        self._glyphs.clear()
        self._runs.clear()

    def glyph(self, gid: int) -> _Glyph | None:
        """The glyph rasterised as Pillow renders it, or None when it is not an 8-bit grey bitmap."""
        try:
            return self._glyphs[gid]
        except KeyError:
            pass
        if len(self._glyphs) >= self.MAX_GLYPHS:
            self.forget()
        ft, slot = self.libs.ft, self.slot
        glyph = None
        if not ft.FT_Load_Glyph(self.face, gid, FT_LOAD_DEFAULT):
            cbox = _BBox()
            ft.FT_Outline_Get_CBox(ctypes.byref(slot.outline), ctypes.byref(cbox))
            box = (cbox.xMin >> 6, cbox.yMin >> 6, -((-cbox.xMax) >> 6), -((-cbox.yMax) >> 6))
            if slot.format == 0x6F75746C and not ft.FT_Load_Glyph(self.face, gid, FT_LOAD_DEFAULT | FT_LOAD_RENDER):
                bm = slot.bitmap
                mask = None
                if bm.pixel_mode == FT_PIXEL_MODE_GRAY and bm.pitch >= 0 or not (bm.width and bm.rows):
                    if bm.width and bm.rows and bm.buffer:
                        data = ctypes.string_at(bm.buffer, bm.pitch * bm.rows)
                        mask = Image.frombytes("L", (bm.width, bm.rows), data, "raw", "L", bm.pitch).im
                    glyph = _Glyph(mask, slot.bitmap_left, slot.bitmap_top, bm.width, bm.rows, box)
        self._glyphs[gid] = glyph
        return glyph

    def shape(self, text: str) -> Shaped | None:
        """The run shaped and its glyphs rasterised, or None when a glyph cannot take this path."""
        try:
            return self._runs[text]
        except KeyError:
            pass
        if len(self._runs) >= self.MAX_RUNS:
            self._runs.clear()
        hb, buf = self.libs.hb, self.libs.buffer
        codes = [ord(c) for c in text]
        utf32 = (ctypes.c_uint32 * len(codes))(*codes)
        glyphs: list[_Glyph] = []
        pens: list[tuple[int, int]] = []
        pen = advanced = 0
        for start, end, script in self.libs.script_runs(codes):
            # as raqm's _raqm_shape: the whole text as context, one script run shaped at a time
            hb.hb_buffer_clear_contents(buf)
            hb.hb_buffer_add_utf32(buf, utf32, len(codes), start, end - start)
            hb.hb_buffer_set_script(buf, script)
            hb.hb_buffer_set_language(buf, self.libs.language)
            hb.hb_buffer_set_direction(buf, HB_DIRECTION_LTR)
            hb.hb_buffer_set_flags(buf, HB_BUFFER_FLAG_BOT | HB_BUFFER_FLAG_EOT)
            hb.hb_shape(self.font, buf, None, 0)
            n = ctypes.c_uint()
            infos = hb.hb_buffer_get_glyph_infos(buf, ctypes.byref(n))
            positions = hb.hb_buffer_get_glyph_positions(buf, ctypes.byref(n))
            for k in range(n.value):
                g = self.glyph(infos[k].codepoint)
                if g is None:
                    self._runs[text] = None
                    return None
                pos = positions[k]
                glyphs.append(g)
                pens.append((pen + pos.x_offset, pos.y_offset))
                pen += pos.x_advance
                advanced = max(advanced, _pixel(pen))
        shaped = Shaped(glyphs, pens, pen, advanced)
        self._runs[text] = shaped
        return shaped


_faces: dict[tuple[str, int, int], Face | None] = {}


def face(path: str, index: int, size: int) -> Face | None:
    """The face of a font file at a size, opened once per process (None: Pillow draws it)."""
    key = (path, index, size)
    try:
        return _faces[key]
    except KeyError:
        pass
    libs = _libraries()
    opened = None
    if libs is not None:
        try:
            opened = Face(libs, path, index, size)
        except OSError:
            pass
    _faces[key] = opened
    return opened


def forget() -> None:
    """Empty every face's glyphs and shaped runs (faces stay open): a fresh process's state, for
    benchmarks and tests."""
    for f in _faces.values():
        if f is not None:
            f.forget()


def shaped(font: ImageFont.FreeTypeFont, text: str, language: str | None = None) -> Shaped | None:
    """`text` in `font` shaped here, or None when Pillow must do it: a language set (CJK forms), text
    outside `fast`, a font without raqm layout."""
    if language is not None or not fast(text) or font.layout_engine != ImageFont.Layout.RAQM:
        return None
    if not isinstance(font.path, str) or font.size != int(font.size):
        return None
    with _lock:  # a face's HarfBuzz buffer and caches are shared: one thread at a time
        f = face(font.path, font.index, int(font.size))
        return f.shape(text) if f is not None else None


_lock = threading.Lock()


def length(run: Shaped) -> float:
    """`font.getlength(text)`: the advance in pixels."""
    return run.length / 64


def bbox(run: Shaped) -> tuple[int, int, int, int]:
    """`font.getbbox(text, anchor="ls")`."""
    x_min, y_min, x_max, y_max = run.bbox_px
    return (x_min, -y_max, x_max, -y_min)


def draw(core_draw: Any, run: Shaped, x: float, baseline: float, ink: int) -> None:
    """Blend `run` in `ink` onto the canvas as `ImageDraw.text((x, baseline), anchor="ls")` would."""
    for mask, xy in placements(run, x, baseline):
        core_draw.draw_bitmap(xy, mask, ink)


def placements(run: Shaped, x: float, baseline: float) -> Iterator[tuple[Any, tuple[int, int]]]:
    """Each glyph's mask and canvas position where `draw.text` puts it: the mask Pillow makes for
    the run is placed at (int(x) + x_min, int(baseline) - y_max), and inside it each glyph sits
    where font_render puts it, clipped to that mask."""
    x_min, y_min, x_max, y_max = run.bbox_px
    x_start, y_start = _f32(math.modf(x)[0]), _f32(math.modf(baseline)[0])
    width = x_max - x_min + math.ceil(x_start)
    height = y_max - y_min + math.ceil(y_start)
    if not run.glyphs or width <= 0 or height <= 0:
        return
    rx_min, ry_max = run.render_min
    pen_x = _c_round(_f32(_f32(-rx_min) + x_start) * 64)
    pen_y = _c_round(_f32(_f32(-ry_max) - y_start) * 64)
    origin_x, origin_y = int(x) + x_min, int(baseline) - y_max
    for g, (dx, dy) in zip(run.glyphs, run.pens):
        if g.mask is None:
            continue
        xx = _pixel(pen_x + dx) + g.left
        yy = -(_pixel(pen_y + dy) + g.top)
        mask = g.mask
        if xx < 0 or yy < 0 or xx + g.width > width or yy + g.rows > height:  # clipped to Pillow's mask
            left, top = max(0, -xx), max(0, -yy)
            right, bottom = min(g.width, width - xx), min(g.rows, height - yy)
            if right <= left or bottom <= top:
                continue
            mask = mask.crop((left, top, right, bottom))
            xx, yy = xx + left, yy + top
        yield mask, (origin_x + xx, origin_y + yy)
