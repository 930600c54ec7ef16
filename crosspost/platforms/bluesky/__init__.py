"""Bluesky: an issue as a thread of `app.bsky.feed.post` records, a 16:9 card on each story.

Only the spec lives here; the adapter (the `atproto` SDK) is imported when something is published.
Bluesky counts a post's length in graphemes (what a reader sees as one character: an emoji with
its modifiers, a letter with its accents), 300 at most.
"""

from __future__ import annotations

import functools

from ...config import ThreadSettings
from .. import THREAD, Limits, PlatformSpec, hookimpl
from ..base import posts_and_images

CREDENTIALS = {
    "handle": "CROSSPOST_BLUESKY_HANDLE",
    "app_password": "CROSSPOST_BLUESKY_APP_PASSWORD",
    "service": "CROSSPOST_BLUESKY_SERVICE",  # a self-hosted PDS; https://bsky.social when unset
}
MAX_GRAPHEMES = 300


@functools.cache
def _grapheme():  # `regex` costs ~20 ms to import: only when a post is measured, not when the registry is read
    import regex

    return regex.compile(r"\X")


def graphemes(text: str) -> int:
    """The length of `text` as Bluesky counts it: extended grapheme clusters."""
    return len(_grapheme().findall(text))


SPEC = PlatformSpec(
    name="bluesky",
    label="Bluesky",
    adapter="crosspost.platforms.bluesky.adapter:Adapter",
    plan=THREAD,
    limits=Limits(max_chars=MAX_GRAPHEMES, max_media=4, threads=True),
    length=graphemes,
    settings=lambda: ThreadSettings(limit=MAX_GRAPHEMES),
    credentials=CREDENTIALS,
    optional_credentials=frozenset({"service"}),
    public_credentials=frozenset({"handle"}),
    login="crosspost.platforms.bluesky.login:login",
    card_size=(1600, 900),
    api_calls=posts_and_images,  # a record per post, a blob upload per image
    scheduled_by_default=False,
)


@hookimpl
def register_platforms(register):
    register(SPEC)
