"""The one small interface every platform implements: limits, publish, delete, verify, find.

The publishing engine (crosspost/publish.py) owns ordering, the ledger and retries; an adapter
only talks to its platform and maps the platform's errors to PlatformError with the right flags.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from typing import TYPE_CHECKING

from ..model import Plan, Post

if TYPE_CHECKING:
    from ..config import Config


ALT_TEXT_MAX = 1000  # characters of alt text X and Instagram take; the one place this number lives


@dataclass(frozen=True)
class Limits:
    max_chars: int  # per post; X counts weighted length, others plain characters
    max_media: int  # images per post
    min_media: int = 0
    max_alt_text: int = ALT_TEXT_MAX
    threads: bool = False  # posts of one plan reply to each other


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
    limits: ClassVar[Limits]
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

    def prepare(self, plan: "Plan") -> None:
        """Called by the engine before a plan is published (e.g. the outbox files posts by issue)."""

    @abstractmethod
    def account(self) -> str:
        """Stable id of the account posted to (used in ledger keys); may call the API once."""

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
