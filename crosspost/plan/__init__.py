"""Post plans: what would be sent to each platform, built from an Issue without any network."""

from __future__ import annotations

__all__ = ["plan_thread", "plan_instagram", "validate_instagram"]


def __getattr__(name: str):
    # Lazy, so importing crosspost.plan stays cheap for the CLI.
    if name == "plan_thread":
        from .thread import plan_thread

        return plan_thread
    if name in ("plan_instagram", "validate_instagram"):
        from . import instagram

        return getattr(instagram, name)
    raise AttributeError(name)
