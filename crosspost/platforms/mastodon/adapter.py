"""Mastodon adapter: statuses, media and lookups through Mastodon.py.

Why the pieces look like this:
- Exactly once by construction: `intent()` gives each post a fresh uuid4 hex, which the engine
  stores in the ledger before the first send and hands back as `post.intent` on every try. It
  travels as the `Idempotency-Key` of `POST /api/v1/statuses`, so a resend within the server's
  window (an hour on Mastodon) answers the status already made instead of making a second one.
  Beyond that window an unknown outcome is resolved by `find()`, which reads the account's own
  statuses (newest first, paged, bounded) and matches the text (Mastodon's HTML reduced to text)
  and the status replied to.
- The instance's numbers (`GET /api/v2/instance`: max characters, characters reserved per URL,
  media per status, description limit) are read once, before the first post; a plan made for a
  longer limit than the instance takes is refused before anything is sent.
- Media goes up through `POST /api/v2/media` with its description (alt text) and a focus point;
  Mastodon processes it asynchronously (202, `url: null`), so the adapter polls
  `GET /api/v1/media/:id` until `url` is set (bounded) before posting the status.
- Mastodon.py runs with `ratelimit_method="throw"`: a scheduled run never sleeps inside a call.
  Its requests go through a session of ours that remembers the last answer, so a 429's
  `X-RateLimit-Reset` and the transport error behind a MastodonNetworkError are known exactly.
- The token never reaches messages or logs: it is registered with crosspost.log, exceptions are
  re-raised `from None` and messages hold only Mastodon's own one-line error text.
"""

from __future__ import annotations

import html
import math
import time
import unicodedata
import urllib.parse
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import requests

from ...credentials import load_credentials
from ...errors import InputError, PlatformError
from ...log import redact, register_secrets
from ...model import Plan, Post
from .. import base
from ..base import Published
from . import CREDENTIALS, DESCRIPTION_MAX, MAX_CHARS, SPEC, URL_LENGTH, VISIBILITIES, status_length

if TYPE_CHECKING:
    from ...config import Config

LOGIN_HINT = "check CROSSPOST_MASTODON_URL / CROSSPOST_MASTODON_TOKEN or run `crosspost login mastodon`"
FIND_PAGE_SIZE = 40  # the most GET /api/v1/accounts/:id/statuses returns per page
FIND_MAX_PAGES = 5
MEDIA_WAIT = 60.0  # seconds a card may take to be processed before the post is retried later
MEDIA_POLL = 0.5  # first pause between GET /api/v1/media/:id polls (doubles, at most 5 s)
FALLBACK_RATE_LIMIT_WAIT = 5 * 60  # Mastodon's windows are 5 minutes; used when no reset header comes
FOCUS = (0.0, 0.0)  # the card's centre: its quote sits in the middle of a 16:9 card

_T = TypeVar("_T")
_sleep = time.sleep  # tests replace it


# ---------------------------------------------------------------- transport


class _Session(requests.Session):
    """Mastodon.py's session: always a timeout, and the last answer kept (its headers say when a
    rate limit resets, which Mastodon.py's exceptions do not carry)."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout
        self.last_response: requests.Response | None = None

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        self.last_response = None
        kwargs["timeout"] = self.timeout
        response = super().request(method, url, *args, **kwargs)
        self.last_response = response
        return response


def instance_url(value: str) -> str:
    """The instance's base URL (https://host), or an InputError before anything is sent."""
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urllib.parse.urlsplit(text)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:
        ok = False
    if not ok or parts.query or parts.fragment or any(c.isspace() for c in text):
        raise InputError(
            f"{CREDENTIALS['url']} is not a usable Mastodon instance URL (e.g. https://mastodon.social); nothing was sent"
        )
    return text.rstrip("/")


def _was_sent(exc: BaseException | None) -> bool:
    """False when the request provably never left (refused, DNS, connect timeout)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    if isinstance(exc, requests.exceptions.ConnectionError):
        import urllib3.exceptions as u3

        reason = exc.args[0] if exc.args else None
        if isinstance(reason, u3.MaxRetryError):
            reason = reason.reason
        return not isinstance(reason, (u3.NewConnectionError, u3.ConnectTimeoutError))
    return True


def _reset_time(response: requests.Response | None, now: float) -> float:
    """When Mastodon lets us post again: X-RateLimit-Reset (an ISO 8601 time; a Unix time is read too)."""
    value = response.headers.get("X-RateLimit-Reset", "") if response is not None else ""
    try:
        return float(int(value))
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return now + FALLBACK_RATE_LIMIT_WAIT
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def _describe_reset(when: float, now: float) -> str:
    local = datetime.fromtimestamp(when).astimezone()
    minutes = max(1, math.ceil((when - now) / 60))
    return (
        f"resets at {local.strftime('%H:%M %Z').strip()} local time (in {minutes} minute{'s' if minutes != 1 else ''})"
    )


def _detail(exc: BaseException) -> str:
    """Mastodon's own one-line explanation ({"error": ...}), redacted and cut."""
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    text = str(args[3]) if len(args) >= 4 and args[3] else (str(args[2]) if len(args) >= 3 else "")
    return redact(" ".join(text.split()))[:300] or type(exc).__name__


def error_from(exc: BaseException, action: str, *, creates: bool, session: _Session) -> PlatformError:
    """Map a Mastodon.py exception to a PlatformError with the flags the engine acts on.

    `creates`: the request makes a status. A timeout, a dropped connection or a 5xx then leaves
    an unknown outcome (looked up, and resent only with the same Idempotency-Key).
    """
    import mastodon

    now = time.time()
    response = session.last_response
    if isinstance(exc, mastodon.MastodonRatelimitError):
        when = _reset_time(response, now)
        return PlatformError(
            f"Mastodon rate limit reached while trying to {action}; {_describe_reset(when, now)}",
            platform="mastodon",
            retry_at=when,
        )
    if isinstance(exc, mastodon.MastodonNetworkError):
        cause = exc.__context__
        if not _was_sent(cause):
            return PlatformError(
                f"could not reach Mastodon to {action} (connection failed); will retry",
                platform="mastodon",
                transient=True,
            )
        what = "timed out" if isinstance(cause, requests.exceptions.Timeout) else "connection dropped"
        if creates:
            return PlatformError(
                f"{what} while trying to {action}: Mastodon may or may not have published it; "
                "checking the account before sending again",
                platform="mastodon",
                outcome_unknown=True,
            )
        return PlatformError(f"{what} while trying to {action}; will retry", platform="mastodon", transient=True)
    status = 0
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    if len(args) >= 2 and isinstance(args[1], int):
        status = args[1]
    elif response is not None:
        status = response.status_code
    detail = _detail(exc)
    if status == 401:
        return PlatformError(
            f"Mastodon rejected the access token (401): {LOGIN_HINT}", platform="mastodon", needs_person=True
        )
    if status == 403:
        return PlatformError(f"Mastodon refused to {action} (403): {detail}", platform="mastodon", needs_person=True)
    if status == 429:
        when = _reset_time(response, now)
        return PlatformError(
            f"Mastodon rate limit reached while trying to {action}; {_describe_reset(when, now)}",
            platform="mastodon",
            retry_at=when,
        )
    if status == 422 and "processing" in detail.lower():  # a card Mastodon had not finished: nothing was made
        return PlatformError(
            f"Mastodon has not finished processing an image while trying to {action}; will retry",
            platform="mastodon",
            transient=True,
        )
    if status >= 500 or (status == 0 and creates):
        if creates:
            return PlatformError(
                f"Mastodon answered {status or 'unreadably'} while trying to {action} ({detail}): it may or may "
                "not be published; checking the account before sending again",
                platform="mastodon",
                outcome_unknown=True,
            )
        return PlatformError(
            f"Mastodon failed to {action} ({status}): {detail}; will retry", platform="mastodon", transient=True
        )
    if status == 0:
        return PlatformError(
            f"Mastodon sent an unreadable answer while trying to {action}; will retry",
            platform="mastodon",
            transient=True,
        )
    return PlatformError(
        f"Mastodon rejected the request to {action} ({status}): {detail}", platform="mastodon", needs_person=True
    )


# ---------------------------------------------------------------- matching statuses after an unknown outcome


class _Text(HTMLParser):
    """The text of a status's HTML content: tags dropped, line and paragraph breaks kept as space."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("br", "p"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(content: str) -> str:
    parser = _Text()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts)


def comparable_text(text: str) -> str:
    """Text reduced to what survives Mastodon's rendering: NFC, entities decoded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", html.unescape(text)).split())


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _created_at(status: Any) -> float:
    value = _field(status, "created_at")
    try:
        if isinstance(value, datetime):
            when = value
        else:
            when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return when.timestamp()
    except (TypeError, ValueError):
        return -math.inf


def matching_status(statuses: list[Any], text: str, reply_to: str | None) -> Any | None:
    """The newest of `statuses` whose text is `text` and that replies to `reply_to` (or to nothing)."""
    wanted = comparable_text(text)
    for status in statuses:
        if _field(status, "reblog"):
            continue
        if comparable_text(html_to_text(str(_field(status, "content") or ""))) != wanted:
            continue
        replied = _field(status, "in_reply_to_id")
        if (str(replied) if replied is not None else None) != (str(reply_to) if reply_to is not None else None):
            continue
        return status
    return None


# ---------------------------------------------------------------- the adapter


class Adapter(base.Adapter):
    """Posts to one Mastodon account with an OAuth access token."""

    name = "mastodon"
    limits = SPEC.limits

    def __init__(
        self,
        credentials: Mapping[str, str],
        *,
        visibility: str = "public",
        timeout: float = 30.0,
        media_wait: float = MEDIA_WAIT,
    ):
        missing = [env for key, env in CREDENTIALS.items() if not credentials.get(key)]
        if missing:
            raise InputError(
                f"Mastodon credentials incomplete: set {', '.join(missing)} (or run `crosspost login mastodon`)"
            )
        if visibility not in VISIBILITIES:
            raise InputError(f"Mastodon visibility must be public or unlisted, got {visibility!r}")
        self._token = str(credentials["token"])
        register_secrets([self._token])
        self.base_url = instance_url(str(credentials["url"]))
        self.host = urllib.parse.urlsplit(self.base_url).netloc.lower()
        self.visibility = visibility
        self.media_wait = media_wait
        self._session = _Session(timeout)
        self._api: Any = None
        self._me: Any = None
        self._instance: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"<mastodon.Adapter {self.base_url}>"

    @classmethod
    def from_config(cls, config: "Config") -> "Adapter":
        settings = config.settings("mastodon")
        return cls(load_credentials("mastodon"), visibility=getattr(settings, "visibility", "public"))

    # -- plumbing

    @property
    def api(self) -> Any:
        if self._api is None:
            import mastodon

            self._api = mastodon.Mastodon(
                access_token=self._token,
                api_base_url=self.base_url,
                ratelimit_method="throw",
                request_timeout=self._session.timeout,
                version_check_mode="none",
                session=self._session,
                user_agent="crosspost",
            )
            # Mastodon.py asks the server's version before an upload (GET /api/v1/instance, then
            # /api/v2/instance) to choose between /api/v1/media and /api/v2/media, and when that read
            # fails it asks again from inside itself until the stack runs out. Every instance this
            # adapter talks to serves /api/v2/instance (Mastodon 4.0+, read by begin()), so it has
            # /api/v2/media (3.1.4+): the version question has one answer and costs no request.
            self._api.verify_minimum_version = lambda version_str, cached=False: True
        return self._api

    def _call(self, action: str, call: Callable[[], _T], *, creates: bool = False) -> _T:
        """Run one API call, turning every library exception into a PlatformError without secrets."""
        import mastodon

        try:
            return call()
        except PlatformError:
            raise
        except mastodon.MastodonError as exc:
            raise error_from(exc, action, creates=creates, session=self._session) from None

    def instance(self) -> dict[str, Any]:
        """The instance's limits, read once from GET /api/v2/instance (defaults where it says nothing)."""
        if self._instance is None:
            info = self._call("read the instance's limits", lambda: self.api.instance_v2())
            config = _field(info, "configuration") or {}
            statuses = _field(config, "statuses") or {}
            media = _field(config, "media_attachments") or {}
            self._instance = {
                "max_characters": int(_field(statuses, "max_characters") or MAX_CHARS),
                "url_length": int(_field(statuses, "characters_reserved_per_url") or URL_LENGTH),
                "max_media": int(_field(statuses, "max_media_attachments") or SPEC.limits.max_media),
                "description_limit": int(_field(media, "description_limit") or DESCRIPTION_MAX),
                "image_size_limit": int(_field(media, "image_size_limit") or 0),
                "mime_types": [str(t) for t in (_field(media, "supported_mime_types") or [])],
            }
        return self._instance

    def begin(self, plan: Plan) -> None:
        """Before anything is sent: the plan must fit the instance (its limit and every post)."""
        if not plan.posts:
            return  # undo: nothing is posted
        limits = self.instance()
        if plan.limit is not None and plan.limit > limits["max_characters"]:
            raise InputError(
                f"the plan is made for {plan.limit} characters a post, but {self.host} takes "
                f"{limits['max_characters']}: set [mastodon] limit = {limits['max_characters']} "
                "(or lower) in crosspost.toml and plan again; nothing was sent"
            )
        for i, post in enumerate(plan.posts, 1):
            length = status_length(post.text, limits["url_length"])
            if length > limits["max_characters"]:
                raise InputError(
                    f"post {i} is {length} characters as {self.host} counts them, over its limit of "
                    f"{limits['max_characters']}; nothing was sent"
                )
            if len(post.media) > limits["max_media"]:
                raise InputError(f"post {i} has {len(post.media)} images; {self.host} takes {limits['max_media']}")

    def _account(self) -> Any:
        if self._me is None:
            self._me = self._call("look up the account", lambda: self.api.account_verify_credentials())
        return self._me

    # -- media

    def _check_media(self, post: Post) -> list[tuple[Path, str, str]]:
        """Every image readable, typed and described before anything is sent (no half-sent posts)."""
        if len(post.media) > self.limits.max_media:
            raise InputError(f"Mastodon takes {self.limits.max_media} images a post, this one has {len(post.media)}")
        limit = self._instance["description_limit"] if self._instance else DESCRIPTION_MAX
        checked = []
        for media in post.media:
            path = Path(media.path)
            if not path.is_file():
                raise InputError("image not found (render the cards first)", path)
            if len(media.alt_text) > limit:
                raise InputError(f"alt text is {len(media.alt_text)} characters; Mastodon takes {limit}", path)
            checked.append((path, base.image_type(path, "Mastodon"), media.alt_text))
        return checked

    def upload_image(self, path: Path, mime: str, alt_text: str) -> str:
        """POST /api/v2/media with the description and focus, then wait until it is processed."""
        media = self._call(
            f"upload {path.name}",
            lambda: self.api.media_post(
                path.read_bytes(), mime_type=mime, description=alt_text or None, focus=FOCUS, file_name=path.name
            ),
        )
        media_id = str(_field(media, "id") or "")
        if not media_id:
            raise PlatformError(
                "Mastodon accepted an upload but its answer had no media id", platform="mastodon", transient=True
            )
        deadline = time.monotonic() + self.media_wait
        pause = MEDIA_POLL
        while not _field(media, "url"):
            if time.monotonic() >= deadline:
                raise PlatformError(
                    f"Mastodon is still processing {path.name} after {self.media_wait:.0f} s; will retry",
                    platform="mastodon",
                    transient=True,
                )
            _sleep(pause)
            pause = min(pause * 2, 5.0)
            media = self._call(f"check the processing of {path.name}", lambda: self.api.media(media_id))
        return media_id

    # -- base.Adapter

    def intent(self, post: Post, reply_to: str | None) -> str | None:
        return uuid.uuid4().hex  # the Idempotency-Key of every send of this post

    def account(self) -> str:
        me = self._account()
        account_id = str(_field(me, "id") or "")
        if not account_id:
            raise PlatformError(
                "Mastodon did not say which account this token belongs to", platform="mastodon", transient=True
            )
        return f"{account_id}@{self.host}"

    def verify(self) -> str:
        me = self._account()
        return f"@{_field(me, 'acct') or _field(me, 'username') or _field(me, 'id')}@{self.host}"

    def publish(self, post: Post, reply_to: str | None = None) -> Published:
        images = self._check_media(post)
        self.instance()
        media_ids = [self.upload_image(path, mime, alt) for path, mime, alt in images]
        status = self._call(
            "publish the post",
            lambda: self.api.status_post(
                post.text,
                in_reply_to_id=reply_to,
                media_ids=media_ids or None,
                visibility=self.visibility,
                idempotency_key=post.intent,
            ),
            creates=True,
        )
        status_id = str(_field(status, "id") or "")
        if not status_id:
            raise PlatformError(
                "Mastodon answered the post without an id: it may or may not be published",
                platform="mastodon",
                outcome_unknown=True,
            )
        return Published(remote_id=status_id, url=str(_field(status, "url") or f"{self.base_url}/statuses/{status_id}"))

    def delete(self, remote_id: str) -> None:
        import mastodon

        def call() -> Any:
            try:
                return self.api.status_delete(remote_id)
            except mastodon.MastodonNotFoundError:  # already gone: the goal is reached
                return None

        self._call(f"delete post {remote_id}", call)

    def find(self, post: Post, reply_to: str | None = None, since: float | None = None) -> Published | None:
        """The account's status carrying `post`, created at or after `since`, newest first.

        Pages back (max_id) while the page may still reach `since`, up to FIND_MAX_PAGES; without
        `since` only the newest page is read.
        """
        account_id = str(_field(self._account(), "id"))
        max_id: str | None = None
        for _ in range(FIND_MAX_PAGES):
            page = self._call(
                "list recent posts",
                lambda: self.api.account_statuses(account_id, max_id=max_id, limit=FIND_PAGE_SIZE),
            )
            statuses = list(page or [])
            recent = [s for s in statuses if since is None or _created_at(s) >= since]
            found = matching_status(recent, post.text, reply_to)
            if found is not None:
                status_id = str(_field(found, "id"))
                return Published(status_id, str(_field(found, "url") or f"{self.base_url}/statuses/{status_id}"))
            if since is None or not statuses or len(recent) < len(statuses):
                return None
            max_id = str(_field(statuses[-1], "id"))
        return None
