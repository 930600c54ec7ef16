"""Mastodon: an issue as a thread of replies (`in_reply_to_id`), a 16:9 card on each story.

Only the spec lives here; the adapter (Mastodon.py) is imported when something is published.
Mastodon counts a status the way its StatusLengthValidator does: every URL counts as
`characters_reserved_per_url` (23 by default), a remote mention `@user@domain` counts as `@user`,
everything else in code points. The instance's own numbers are read by the adapter before posting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ...config import ThreadSettings
from ...errors import InputError
from .. import THREAD, Limits, PlatformSpec, hookimpl
from ..base import posts_and_images

CREDENTIALS = {"url": "CROSSPOST_MASTODON_URL", "token": "CROSSPOST_MASTODON_TOKEN"}
MAX_CHARS = 500  # Mastodon's default configuration.statuses.max_characters
URL_LENGTH = 23  # Mastodon's default configuration.statuses.characters_reserved_per_url
DESCRIPTION_MAX = (
    1500  # Mastodon's MediaAttachment description limit (configuration.media_attachments.description_limit)
)
VISIBILITIES = ("public", "unlisted")

# Mastodon's own patterns, simplified: a URL is an http(s) scheme and what follows up to a space
# (trailing punctuation is not part of it); a mention is @user or @user@domain not inside a word.
URL_RE = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,:;!?'\)\]]")
MENTION_RE = re.compile(r"(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\w]+(?:[.-]+[\w]+)*)?", re.I)


def status_length(text: str, url_length: int = URL_LENGTH) -> int:
    """The length Mastodon counts for a status with this text."""
    counted = URL_RE.sub("x" * url_length, text)
    counted = MENTION_RE.sub(lambda m: "@" + m.group(1), counted)
    return len(counted)


@dataclass
class MastodonSettings(ThreadSettings):
    """The `[mastodon]` table: a thread's settings plus who sees it."""

    limit: int = MAX_CHARS
    visibility: str = "public"  # public | unlisted

    def check(self, table: str, path: Path | None) -> None:
        super().check(table, path)
        if self.visibility not in VISIBILITIES:
            raise InputError(f"'{table}.visibility' must be public or unlisted, got {self.visibility!r}", path)


SPEC = PlatformSpec(
    name="mastodon",
    label="Mastodon",
    adapter="crosspost.platforms.mastodon.adapter:Adapter",
    plan=THREAD,
    limits=Limits(max_chars=MAX_CHARS, max_media=4, threads=True, max_alt_text=DESCRIPTION_MAX),
    length=status_length,
    settings=MastodonSettings,
    credentials=CREDENTIALS,
    public_credentials=frozenset({"url"}),
    login="crosspost.platforms.mastodon.login:login",
    card_size=(1600, 900),
    api_calls=posts_and_images,
    scheduled_by_default=False,
)


@hookimpl
def register_platforms(register):
    register(SPEC)
