"""What a platform is: a `PlatformSpec` (what crosspost needs to know to plan, render, schedule and
sign in for it) and an `Adapter` (the one small interface that talks to it: publish, delete,
verify, find).

The publishing engine (crosspost/publish.py) owns ordering, the ledger and retries; an adapter
only talks to its platform and maps the platform's errors to PlatformError with the right flags.
A spec is plain data and must stay cheap to import: the adapter (and its HTTP library) is named
by a "module:Class" string and imported only when something is published.
"""

from __future__ import annotations

import hashlib
import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import Plan, Post

if TYPE_CHECKING:
    from ..config import Config


ALT_TEXT_MAX = 1000  # characters of alt text X and Instagram take; the one place this number lives


@dataclass(frozen=True)
class Limits:
    max_chars: int  # per post, as the spec's `length` counts
    max_media: int  # images per post
    min_media: int = 0
    max_alt_text: int = ALT_TEXT_MAX
    threads: bool = False  # posts of one plan reply to each other
    max_hashtags: int | None = None  # per post, when the platform refuses more
    max_mentions: int | None = None
    image_types: tuple[str, ...] = ("image/png", "image/jpeg")
    aspect_ratios: tuple[float, float] | None = None  # (narrowest, widest) width/height it takes uncropped


def _load(ref: str) -> Any:
    """The object a "module:name" string names, imported now."""
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


def _count_posts(plan: Plan) -> int:
    return len(plan.posts)


def posts_and_images(plan: Plan) -> int:
    """An API-call estimate: one write per post and one upload per image (Instagram, Bluesky, Mastodon)."""
    return len(plan.posts) + sum(len(p.media) for p in plan.posts)


# Plan kinds: how a platform's plan is shaped (crosspost/plan/<kind>.py builds it).
THREAD = "thread"  # an opening post, posts per story, a closing post; each replies to the one before
CAROUSEL = "carousel"  # captioned image posts (a carousel, or one post per story as a drip)
ANY = ""  # a sink that takes any platform's plan as it is (the outbox)


@dataclass(frozen=True)
class PlatformSpec:
    """Everything crosspost needs to know about a platform, outside its adapter.

    Registered through the `register_platforms` hook (crosspost/platforms/__init__.py), the same
    way for the built-in platforms and for plugins, so a new platform is one folder.
    """

    name: str  # lower case; the key in `--to`, crosspost.toml's table, the ledger and the schedule
    label: str  # how people write it, in messages ("X", "Instagram")
    adapter: str  # "module:Class" of its Adapter, imported only when used
    plan: str  # THREAD, CAROUSEL or ANY
    limits: Limits
    length: Callable[[str], int] = len  # how the platform counts a post's length
    settings: Callable[[], Any] | None = None  # makes its crosspost.toml table (a dataclass) with its defaults
    credentials: Mapping[str, str] = field(default_factory=dict)  # credential key -> environment variable
    optional_credentials: frozenset[str] = frozenset()
    public_credentials: frozenset[str] = frozenset()  # not secret (a login name): never masked in output
    login: str = ""  # "module:function(config) -> str" of `crosspost login <name>`, imported only when used
    card_size: tuple[int, int] | None = None  # the quote card's pixels, for platforms that post cards
    # The platform takes JPEG only: Pillow's JPEG save options for what its adapter sends. Each card
    # rendered for it is then also written as that JPEG (Media.upload, beside the card) from the
    # card's own pixels, so the adapter sends it as is instead of decoding the card and encoding again.
    upload_jpeg: Mapping[str, Any] | None = None
    api_calls: Callable[[Plan], int] = _count_posts  # write calls publishing a plan costs
    schedule_at: str = "09:00"  # default time of day (`schedule.<name>_at`)
    schedule_spread: str = ""  # default drip of a carousel platform (`schedule.<name>_spread`)
    scheduled_by_default: bool = False  # part of `schedule.to`'s default
    text_word: str = "text"  # what the platform calls a post's text ("caption"), in JSON output

    def adapter_class(self) -> type["Adapter"]:
        return _load(self.adapter)

    def sign_in(self, config: "Config") -> str:
        """Run its login flow (there must be one); returns where the credentials were saved."""
        return _load(self.login)(config)

    @property
    def drips(self) -> bool:
        """Its plan can go out one story a day (a carousel platform with a default spread)."""
        return self.plan == CAROUSEL


_IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def image_type(path: Path, label: str) -> str:
    """The MIME type of a PNG or JPEG image file, read from its first bytes (not its name); anything
    else is an InputError naming the file: the platform `label` is sent these two only."""
    from ..errors import InputError

    with path.open("rb") as fh:
        head = fh.read(8)
    for magic, mime in _IMAGE_MAGIC.items():
        if head.startswith(magic):
            return mime
    raise InputError(f"{label} takes PNG or JPEG images here; this file is neither", path)


def upload_tag(card: bytes) -> bytes:
    """The JPEG comment of an upload rendered with a card: the digest of the card file's bytes."""
    return b"crosspost card sha256=" + hashlib.sha256(card).hexdigest().encode()


def made_from(upload: str | Path, card: str | Path) -> bool:
    """True when `upload` is a JPEG rendered together with `card` as it is now (its comment holds the
    card's digest): a card changed or replaced since, or any other file, is False and is converted
    from the card itself, so what is sent is always what the card shows."""
    from PIL import Image

    try:
        with Image.open(upload) as im:
            fmt, tag = im.format, im.info.get("comment")
        return fmt == "JPEG" and tag == upload_tag(Path(card).read_bytes())
    except (OSError, ValueError, SyntaxError):
        return False


@dataclass(frozen=True)
class Published:
    remote_id: str
    url: str


class Adapter(ABC):
    """A platform account that can receive posts.

    Errors raise crosspost.errors.PlatformError with:
      transient=True       safe to retry later (5xx, connection refused before sending)
      outcome_unknown=True the request may have been applied (timeout, dropped connection after
                           sending, duplicate-content answer): the engine calls find() before
                           ever sending again
      needs_person=True    bad credentials, a challenge: retrying will not help
      retry_at=<unix time> rate limited until then
    """

    name: ClassVar[str]
    limits: ClassVar[Limits]  # the spec's own: `limits = SPEC.limits`
    # Seconds after a write during which the platform's own listing (what find() reads) may not
    # show the new post yet: an unknown outcome younger than this is looked up again before any
    # resend (Instagram's feed lags; X and the outbox are immediate).
    lookup_settle: ClassVar[float] = 0.0

    @classmethod
    @abstractmethod
    def from_config(cls, config: "Config") -> "Adapter":
        """Build the adapter from crosspost.toml and credentials.load_credentials(name).

        Missing credentials raise InputError naming the environment variables to set.
        """

    def begin(self, plan: "Plan") -> None:
        """Called by the engine before a plan is published (e.g. the outbox files posts by issue)."""

    @abstractmethod
    def account(self) -> str:
        """Stable id of the account posted to (used in ledger keys); may call the API once."""

    def intent(self, post: Post, reply_to: str | None) -> str | None:
        """A token every send of `post` will carry, for platforms that make a resend harmless by
        construction (a record key the client chooses, an idempotency key). The engine asks once,
        stores the answer in the ledger before the first send, and hands it back as `post.intent`
        to publish() and find() on every later try. None (the default): nothing to carry."""
        return None

    def legacy_accounts(self) -> list[str]:
        """Ledger account keys older versions of crosspost used for this same account (a login
        name, a folder path). The engine moves their rows to account() so nothing is posted twice."""
        return []

    @abstractmethod
    def verify(self) -> str:
        """Read-only online check of the credentials; returns a display name for the account."""

    @abstractmethod
    def publish(self, post: Post, reply_to: str | None = None) -> Published:
        """Send one post (with its media and alt text), replying to `reply_to` when given."""

    @abstractmethod
    def delete(self, remote_id: str) -> None:
        """Delete a post; deleting a post that is already gone is not an error."""

    @abstractmethod
    def find(self, post: Post, reply_to: str | None = None, since: float | None = None) -> Published | None:
        """Look for `post` among the account's recent posts (after an unknown outcome).

        `since` (unix time, already lowered by the engine for clock skew): only a post created at
        or after it may be adopted; the adapter pages back until it passes `since` (bounded).
        """
