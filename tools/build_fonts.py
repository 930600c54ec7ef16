"""Rebuild the fonts shipped in assets/fonts/ from their upstream packages.

Run once by a maintainer (needs network for `pip download` and Debian's font packages);
the output is committed so that rendering never needs the network.

Sources (all SIL Open Font License 1.1):
- Inter 4.1 (PyPI `fontpkg-inter`, variable) -> static instances:
  Inter-Bold (wght 700, opsz 32: headlines) and Inter-SemiBold (wght 600, opsz 14: eyebrow, footer).
- Source Serif 4 (PyPI `fontpkg-source-serif-4`, variable) -> SourceSerif4-Regular (wght 400, opsz 36: quotes).
- Noto Sans CJK (Debian `fonts-noto-cjk`, SC face of the TTC) -> NotoSansCJK-{Bold,Regular}-Subset.otf, subset to
  GB2312 (all rows) + JIS X 0208 level 1 (rows 1-47) + kana + Hangul syllables + CJK/fullwidth punctuation +
  Latin-1. `locl` is kept so Japanese text (language "ja") gets Japanese glyph forms.
- Noto Color Emoji (Debian `fonts-noto-color-emoji`, CBDT bitmaps at 109 px) copied as is.

Usage: python tools/build_fonts.py [--wheels DIR]   (DIR: where the two wheels are; downloaded if absent)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont
from fontTools.varLib import instancer

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "fonts"
CJK_DIR = Path("/usr/share/fonts/opentype/noto")
EMOJI = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
CJK_FACE = "Noto Sans CJK SC"


def cjk_codepoints() -> set[int]:
    """The documented CJK subset: GB2312 + JIS level 1 + kana + Hangul + punctuation + Latin."""
    cps: set[int] = set()
    for codec, rows in (("gb2312", range(1, 88)), ("euc_jp", range(1, 48))):
        for row in rows:
            for cell in range(1, 95):
                try:
                    ch = bytes([0xA0 + row, 0xA0 + cell]).decode(codec)
                except UnicodeDecodeError:
                    continue
                cps.update(ord(c) for c in ch)
    ranges = [
        (0x0020, 0x007E),
        (0x00A0, 0x017F),  # Latin
        (0x2000, 0x206F),  # general punctuation
        (0x3000, 0x303F),  # CJK symbols and punctuation
        (0x3040, 0x30FF),
        (0x31F0, 0x31FF),
        (0xFF65, 0xFF9F),  # kana
        (0x3130, 0x318F),
        (0xAC00, 0xD7A3),  # Hangul compatibility jamo, syllables
        (0xFF00, 0xFF64),
        (0xFFE0, 0xFFEF),  # fullwidth forms
    ]
    for lo, hi in ranges:
        cps.update(range(lo, hi + 1))
    return cps


def fetch_wheels(dest: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "-d",
            str(dest),
            "fontpkg-inter==4.1.post1",
            "fontpkg-source-serif-4==4.4",
        ],
        check=True,
    )


def wheel_member(wheels: Path, pattern: str, member_suffix: str) -> tuple[bytes, bytes]:
    """(font bytes, LICENSE bytes) from the wheel matching pattern."""
    whl = next(wheels.glob(pattern))
    with zipfile.ZipFile(whl) as z:
        names = z.namelist()
        font = next(n for n in names if n.endswith(member_suffix))
        lic = next(n for n in names if n.endswith("/LICENSE") and "dist-info" not in n)
        return z.read(font), z.read(lic)


def static_instance(data: bytes, axes: dict[str, float], family: str, style: str, out: Path) -> None:
    """Pin a variable font's axes, so Pillow needs no axis juggling and the file shrinks."""
    with tempfile.NamedTemporaryFile(suffix=".ttf") as tmp:
        tmp.write(data)
        tmp.flush()
        font = TTFont(tmp.name)
        inst = instancer.instantiateVariableFont(font, axes, updateFontNames=False)
    name = inst["name"]
    for rec_id, value in (
        (1, family),
        (2, style),
        (4, f"{family} {style}"),
        (6, f"{family.replace(' ', '')}-{style.replace(' ', '')}"),
    ):
        name.setName(value, rec_id, 3, 1, 0x409)
    for stale in ("STAT",):
        if stale in inst:
            del inst[stale]
    inst.save(out)


def cjk_subset(weight: str, out: Path) -> None:
    coll = TTCollection(CJK_DIR / f"NotoSansCJK-{weight}.ttc")
    font = next(f for f in coll.fonts if f["name"].getDebugName(1) == CJK_FACE)
    opts = subset.Options()
    opts.layout_features = ["locl", "kern", "palt", "vert", "liga", "ccmp"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.hinting = False
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=sorted(cjk_codepoints()))
    sub.subset(font)
    font.save(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wheels", type=Path, default=None)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmpdir:
        wheels = args.wheels or Path(tmpdir)
        if not list(wheels.glob("fontpkg_inter-*.whl")):
            fetch_wheels(wheels)
        inter, inter_lic = wheel_member(wheels, "fontpkg_inter-*.whl", "Inter[opsz,wght].ttf")
        serif, serif_lic = wheel_member(wheels, "fontpkg_source_serif_4-*.whl", "SourceSerif4[opsz,wght].ttf")
    static_instance(inter, {"wght": 700, "opsz": 32}, "Inter Display", "Bold", OUT / "Inter-Bold.ttf")
    static_instance(inter, {"wght": 600, "opsz": 14}, "Inter", "SemiBold", OUT / "Inter-SemiBold.ttf")
    (OUT / "Inter-LICENSE.txt").write_bytes(inter_lic)
    static_instance(
        serif, {"wght": 400, "opsz": 36}, "Source Serif 4 Display", "Regular", OUT / "SourceSerif4-Regular.ttf"
    )
    (OUT / "SourceSerif4-LICENSE.txt").write_bytes(serif_lic)
    for weight in ("Bold", "Regular"):
        cjk_subset(weight, OUT / f"NotoSansCJK-{weight}-Subset.otf")
    shutil.copyfile(Path("/usr/share/doc/fonts-noto-cjk/copyright"), OUT / "NotoSansCJK-LICENSE.txt")
    shutil.copyfile(EMOJI, OUT / "NotoColorEmoji.ttf")
    shutil.copyfile(Path("/usr/share/doc/fonts-noto-color-emoji/copyright"), OUT / "NotoColorEmoji-LICENSE.txt")
    for p in sorted(OUT.iterdir()):
        print(f"{p.stat().st_size / 1e6:8.2f} MB  {p.name}")


if __name__ == "__main__":
    main()
