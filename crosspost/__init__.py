"""crosspost: turn a newsletter issue into an X thread, quote cards and Instagram posts.

The Python API is `crosspost.api` (plan, render_cards, publish, status, undo, schedule, ...). The
names no submodule takes are also here, loaded on first use, so `import crosspost` and
`crosspost --help` import nothing heavy. `plan`, `publish` and `schedule` are only in
`crosspost.api`: `crosspost.plan`, `crosspost.publish` and `crosspost.schedule` are modules.
"""

from __future__ import annotations

__version__ = "0.1.0"

_API = ("load_issue", "render_cards", "status", "undo", "unschedule", "queue", "issue_id")


def weighted_length(text: str) -> int:
    """X's weighted length of a post (twitter-text v3: URLs 23, CJK and emoji 2, NFC)."""
    from .platforms.x.textlen import weighted_length as _wl

    return _wl(text)


def __getattr__(name: str):
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})


__all__ = ["weighted_length", "__version__", *_API]
