"""Post plans: what would be sent to a platform, built from an Issue without any network.

A platform's spec says which kind of plan it takes; one module here builds each kind, so every
platform of a kind (X, Bluesky, Mastodon: threads) shares its planner with its own limits.
"""

from __future__ import annotations

__all__ = ["plan_thread", "plan_carousel", "validate"]


def __getattr__(name: str):
    # Lazy, so importing crosspost.plan stays cheap for the CLI.
    if name == "plan_thread":
        from .thread import plan_thread

        return plan_thread
    if name in ("plan_carousel", "validate"):
        from . import carousel

        return getattr(carousel, name)
    raise AttributeError(name)
