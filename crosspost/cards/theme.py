"""Card colours: light and dark defaults, each overridable from `[theme]` in crosspost.toml; the logo."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import re

from ..config import Theme
from ..errors import InputError

_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")

DEFAULTS = {
    # warm paper, ink, a hurricane orange; muted grey for the call to read
    "light": dict(background="#FAF7F2", foreground="#17181C", accent="#E0512B", muted="#6A6E76", rule="#E4DED4"),
    "dark": dict(background="#121419", foreground="#F3F0EA", accent="#FF7A4F", muted="#9CA1AA", rule="#2A2E36"),
}


@dataclass(frozen=True)
class Palette:
    background: str
    foreground: str
    accent: str
    muted: str
    rule: str


def palette(theme: Theme) -> Palette:
    base = dict(DEFAULTS[theme.mode if theme.mode in DEFAULTS else "light"])
    for key in ("background", "foreground", "accent", "muted"):
        value = getattr(theme, key)
        if value:
            if not _COLOUR.fullmatch(value):
                raise InputError(f"'theme.{key}' must be a colour like #1a2b3c, got {value!r}")
            base[key] = value
    return Palette(**base)


@lru_cache(maxsize=16)
def logo_size(path: str) -> tuple[int, int]:
    """The logo's pixel size, its pixels read once so a broken file fails here, before any card is drawn,
    as an InputError naming it instead of a Pillow traceback."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            im.load()
            return im.size
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise InputError(f"'theme.logo' is not an image Pillow can read ({type(exc).__name__})", path) from None
