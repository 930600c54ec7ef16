"""Platform adapters: one module per platform, found by name.

`crosspost.platforms.<name>` must define `Adapter`, a subclass of `base.Adapter`. Adding a
platform (Bluesky, Mastodon, ...) means adding one module here; nothing else changes.
Modules are imported only when used, so `crosspost --help` never loads tweepy or instagrapi.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..errors import InputError


def available() -> list[str]:
    """Names of the platform modules shipped with crosspost."""
    return sorted(
        m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_") and m.name != "base"
    )


def adapter_class(name: str):
    if name not in available():
        raise InputError(f"unknown platform '{name}' (known: {', '.join(available())})")
    module = importlib.import_module(f"{__name__}.{name}")
    return module.Adapter
