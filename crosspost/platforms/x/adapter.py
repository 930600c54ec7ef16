"""X (Twitter) adapter: posts through tweepy's v2 Client, images through our own v2 media upload.

Why the pieces look like this:
- tweepy's `Client.request` hard-codes ``https://api.twitter.com`` as a local variable, but sends every
  call through its public ``session`` attribute. We give the client a `_RebasingSession` that rewrites
  that host to our base URL (``CROSSPOST_X_API_URL`` or ``https://api.x.com``) and adds the timeout
  tweepy never passes. This keeps tweepy's own signing, parameter handling and error classes, with no
  copy of its request code to drift out of date.
- tweepy has no v2 media upload, so `POST /2/media/upload` (multipart) and `POST /2/media/metadata`
  (alt text) go through the same session, signed with the same OAuth 1.0a credentials.
- Every failure becomes a PlatformError whose flags tell the publishing engine what to do. Only the
  creation of a post can leave an unknown outcome; an image upload that may or may not have landed is
  harmless (X discards unused media), so ambiguous uploads are plain transient errors.
- Secrets never reach messages: exceptions are re-raised `from None`, messages hold only X's own
  detail text, and a log filter scrubs the OAuth values that requests-oauthlib and oauthlib log at
  DEBUG level.
"""

from __future__ import annotations

import html
import logging
import math
import os
import re
import time
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import requests
import tweepy

from ...credentials import load_credentials
from ...errors import InputError, PlatformError
from ...log import RedactFilter, redact, register_secrets
from ...model import Post
from .. import base
from ..base import ALT_TEXT_MAX, Published
from . import CREDENTIALS, SPEC

if TYPE_CHECKING:
    from ...config import Config

API_URL_ENV = "CROSSPOST_X_API_URL"
DEFAULT_API_URL = "https://api.x.com"
TWEEPY_HOST = "https://api.twitter.com"  # what tweepy.Client hard-codes
CREDENTIAL_ENV: dict[str, str] = dict(CREDENTIALS)
MAX_ALT_TEXT = ALT_TEXT_MAX
FIND_PAGE_SIZE = 100  # the most GET /2/users/{id}/tweets returns per page
FIND_MAX_PAGES = 5  # how far back find() pages: 500 posts, each read billed on pay-per-use
X_EPOCH = datetime(2010, 11, 6, tzinfo=timezone.utc)  # the spec: start_time must be on or after it
FALLBACK_RATE_LIMIT_WAIT = 15 * 60  # X always sends reset headers; this is a safety net
LOGIN_HINT = "check CROSSPOST_X_* or run `crosspost login x`"

_T = TypeVar("_T")
_USER_ID_IN_TOKEN = re.compile(r"^(\d+)-")
_URL = re.compile(r"https?://\S+")


# ---------------------------------------------------------------- secrets stay out of logs


class _SecretScrubber(RedactFilter):
    """Keeps keys, tokens and signatures out of logs.

    The OAuth libraries' DEBUG records exist to dump signing material (consumer key, token, base
    string, signature), so they are dropped whole; other records go through log.redact (known values
    in every encoding, Authorization headers and oauth_* values by shape).
    """

    _DROPPED = ("oauthlib", "requests_oauthlib")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".")[0] in self._DROPPED:
            return False
        return super().filter(record)


_SCRUBBER = _SecretScrubber()
_SCRUBBED_LOGGERS = (
    "requests_oauthlib.oauth1_auth",
    "requests_oauthlib.oauth1_session",
    "oauthlib.oauth1.rfc5849",
    "oauthlib.oauth1.rfc5849.signature",
    "oauthlib.oauth1.rfc5849.utils",
    "tweepy.client",
    "urllib3.connectionpool",
)


def _protect_logs(secrets: Mapping[str, str]) -> None:
    register_secrets(secrets.values())  # credentials handed in directly are known secrets too
    for name in _SCRUBBED_LOGGERS:
        logger = logging.getLogger(name)
        if _SCRUBBER not in logger.filters:
            logger.addFilter(_SCRUBBER)


# ---------------------------------------------------------------- transport


class _RebasingSession(requests.Session):
    """A requests session that sends tweepy's hard-coded host to our base URL, always with a timeout."""

    def __init__(self, base_url: str, timeout: float):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        if isinstance(url, str) and url.startswith(TWEEPY_HOST):
            url = self.base_url + url[len(TWEEPY_HOST) :]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


def api_base_url(value: str) -> str:
    """The X API base URL, or an InputError naming CROSSPOST_X_API_URL before anything is sent.

    A malformed URL fails inside requests, where it looks like a request that may have left ("may
    or may not be published", retried forever); it is a configuration error and nothing left the
    machine. The value itself is not repeated: a proxy URL can carry a password.
    """
    import urllib.parse

    problem = ""
    try:
        parts = urllib.parse.urlsplit(value.strip())
        if parts.scheme not in ("http", "https"):
            problem = "it must start with https:// (or http://)"
        elif not parts.hostname:
            problem = "it has no host name"
        elif parts.port == 0:
            raise ValueError("Port 0")
        elif parts.query or parts.fragment or any(c.isspace() for c in value.strip()):
            problem = "it has a query, a fragment or a space in it"
    except ValueError as exc:  # a port that is not a number or over 65535, a broken [IPv6] address
        problem = "its port is not a number from 1 to 65535" if "Port" in str(exc) else "it is not a URL"
    if problem:
        raise InputError(
            f"{API_URL_ENV} is not a usable X API URL: {problem} (e.g. {DEFAULT_API_URL}); nothing was sent"
        )
    return value.strip().rstrip("/")


def _was_sent(exc: requests.RequestException) -> bool:
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


def _transport_error(exc: requests.RequestException, action: str, creates: bool) -> PlatformError:
    if not _was_sent(exc):
        return PlatformError(
            f"could not reach X to {action} (connection failed); will retry", platform="x", transient=True
        )
    what = "timed out" if isinstance(exc, requests.exceptions.Timeout) else "connection dropped"
    if creates:
        return PlatformError(
            f"{what} while trying to {action}: X may or may not have published it; "
            "checking the account before sending again",
            platform="x",
            outcome_unknown=True,
        )
    return PlatformError(f"{what} while trying to {action}; will retry", platform="x", transient=True)


# ---------------------------------------------------------------- X's error answers


def _json_body(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _detail(body: dict, response: requests.Response) -> str:
    """X's own one-line explanation, from a problem document or an `errors` list."""
    parts: list[str] = []
    if isinstance(body.get("detail"), str):
        parts.append(body["detail"])
    for err in body.get("errors") or []:
        if isinstance(err, dict):
            text = err.get("detail") or err.get("message")
            if isinstance(text, str) and text not in parts:
                parts.append(text)
    if not parts and isinstance(body.get("title"), str):
        parts.append(body["title"])
    text = "; ".join(parts) or (response.reason or f"HTTP {response.status_code}")
    return redact(" ".join(text.split()))[:300]  # redacted before the cut: no secret is kept in part


def _header_int(response: requests.Response, name: str) -> int | None:
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None


def _retry_at(response: requests.Response, now: float) -> float:
    """When X lets us post again: the window reset, or a daily reset when a 24-hour cap is spent."""
    candidates = []
    window = _header_int(response, "x-rate-limit-reset")
    if window is not None:
        candidates.append(window)
    for scope in ("user", "app"):
        if _header_int(response, f"x-{scope}-limit-24hour-remaining") == 0:
            daily = _header_int(response, f"x-{scope}-limit-24hour-reset")
            if daily is not None:
                candidates.append(daily)
    return float(max(candidates)) if candidates else now + FALLBACK_RATE_LIMIT_WAIT


def _describe_reset(when: float, now: float) -> str:
    local = datetime.fromtimestamp(when).astimezone()
    same_day = local.date() == datetime.fromtimestamp(now).astimezone().date()
    clock = local.strftime("%H:%M %Z" if same_day else "%Y-%m-%d %H:%M %Z").strip()
    minutes = max(1, math.ceil((when - now) / 60))
    return f"resets at {clock} local time (in {minutes} minute{'s' if minutes != 1 else ''})"


def _is_usage_cap(body: dict) -> bool:
    kind = str(body.get("type", ""))
    return kind.endswith("usage-capped") or body.get("title") == "UsageCapExceeded"


def error_from_response(
    response: requests.Response, action: str, *, now: float | None = None, creates: bool = False
) -> PlatformError:
    """Map one of X's error answers to a PlatformError with the flags the engine acts on.

    `creates`: the request publishes something. A 5xx then means "unknown outcome", not "not
    sent": X's front end answers 500/503 after the post was stored often enough that resending
    without looking first forks a thread.
    """
    now = time.time() if now is None else now
    status = response.status_code
    body = _json_body(response)
    detail = _detail(body, response)
    if status == 401:
        return PlatformError(f"X rejected the credentials (401): {LOGIN_HINT}", platform="x", needs_person=True)
    if _is_usage_cap(body):
        return PlatformError(
            f"X usage cap reached ({detail}): nothing can be posted until the cap resets or the plan changes",
            platform="x",
            needs_person=True,
        )
    if status == 403 and "duplicate" in detail.lower():
        return PlatformError(
            f"X refused a duplicate post while trying to {action} ({detail}): it may already be published",
            platform="x",
            outcome_unknown=True,
        )
    if status == 403:
        return PlatformError(f"X refused to {action} (403): {detail}", platform="x", needs_person=True)
    if status == 429:
        when = _retry_at(response, now)
        return PlatformError(
            f"X rate limit reached while trying to {action}; {_describe_reset(when, now)}", platform="x", retry_at=when
        )
    if status >= 500 and creates:
        return PlatformError(
            f"X answered {status} while trying to {action} ({detail}): it may or may not be published; "
            "checking the account before sending again",
            platform="x",
            outcome_unknown=True,
        )
    if status >= 500:
        return PlatformError(f"X failed to {action} ({status}): {detail}; will retry", platform="x", transient=True)
    return PlatformError(f"X rejected the request to {action} ({status}): {detail}", platform="x", needs_person=True)


# ---------------------------------------------------------------- matching posts after an unknown outcome


def comparable_text(text: str) -> str:
    """Text as X echoes it back, reduced to what survives: URLs (rewritten to t.co, media links
    appended) removed, HTML entities decoded, Unicode NFC, whitespace collapsed."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    return " ".join(_URL.sub(" ", text).split())


def _replied_to(tweet: Mapping[str, Any]) -> str | None:
    refs = tweet.get("referenced_tweets") or tweet.get("referenced_posts") or []
    for ref in refs:
        if isinstance(ref, Mapping) and ref.get("type") == "replied_to":
            return str(ref.get("id"))
    return None


def matching_tweet(tweets: list[Mapping[str, Any]], text: str, reply_to: str | None) -> Mapping[str, Any] | None:
    """The newest of `tweets` that carries `text` and replies to `reply_to` (or to nothing)."""
    wanted = comparable_text(text)
    for tweet in tweets:
        if comparable_text(str(tweet.get("text", ""))) != wanted:
            continue
        if _replied_to(tweet) != (str(reply_to) if reply_to is not None else None):
            continue
        return tweet
    return None


# ---------------------------------------------------------------- the adapter


def _media_id(body: dict) -> str:
    """The uploaded media's id, wherever this version of the API put it."""
    data: dict = body["data"] if isinstance(body.get("data"), dict) else body
    for key in ("id", "media_id_string", "media_id"):
        value = data.get(key)
        if value is not None and str(value).isdigit():
            return str(value)
    raise PlatformError("X accepted an image upload but its answer had no media id", platform="x", transient=True)


class Adapter(base.Adapter):
    """Posts to one X account with OAuth 1.0a user credentials."""

    name = "x"
    limits = SPEC.limits
    # GET /2/users/{id}/tweets can trail a create by a few seconds: a post whose outcome is unknown
    # is looked for again for up to this long before it is resent (X's duplicate-content refusal
    # is a second guard, not one to rely on: it does not cover a reply to another post).
    lookup_settle = 10.0

    def __init__(self, credentials: Mapping[str, str], *, base_url: str | None = None, timeout: float = 30.0):
        missing = [env for key, env in CREDENTIAL_ENV.items() if not credentials.get(key)]
        if missing:
            raise InputError(f"X credentials incomplete: set {', '.join(missing)} (or run `crosspost login x`)")
        self._secrets = {key: str(credentials[key]) for key in CREDENTIAL_ENV}
        _protect_logs(self._secrets)
        self.base_url = api_base_url(base_url or os.environ.get(API_URL_ENV) or DEFAULT_API_URL)
        self.timeout = timeout
        self._session = _RebasingSession(self.base_url, timeout)
        self._client = tweepy.Client(
            consumer_key=self._secrets["api_key"],
            consumer_secret=self._secrets["api_secret"],
            access_token=self._secrets["access_token"],
            access_token_secret=self._secrets["access_secret"],
            return_type=dict,
            wait_on_rate_limit=False,  # a scheduled run must never sleep inside a call
        )
        self._client.session = self._session
        match = _USER_ID_IN_TOKEN.match(self._secrets["access_token"])
        self._user_id: str | None = match.group(1) if match else None
        self._username: str | None = None

    def __repr__(self) -> str:
        return f"<x.Adapter {self.base_url} user={self._user_id or '?'}>"

    @classmethod
    def from_config(cls, config: "Config") -> "Adapter":
        return cls(load_credentials("x"), base_url=os.environ.get(API_URL_ENV) or None)

    # -- plumbing

    def _auth(self):
        return tweepy.OAuth1UserHandler(
            self._secrets["api_key"],
            self._secrets["api_secret"],
            self._secrets["access_token"],
            self._secrets["access_secret"],
        ).apply_auth()

    def _call(self, action: str, call: Callable[[], _T], *, creates: bool = False) -> _T:
        """Run one API call, turning every library exception into a PlatformError without secrets."""
        try:
            return call()
        except PlatformError:
            raise
        except tweepy.errors.HTTPException as exc:
            raise error_from_response(exc.response, action, creates=creates) from None
        except ValueError:  # a success answer that is not JSON (requests' JSONDecodeError included)
            raise PlatformError(
                f"X sent an unreadable answer while trying to {action}"
                + (": it may or may not be published" if creates else "; will retry"),
                platform="x",
                transient=not creates,
                outcome_unknown=creates,
            ) from None
        except requests.RequestException as exc:
            raise _transport_error(exc, action, creates) from None
        except tweepy.errors.TweepyException as exc:
            raise PlatformError(
                f"X call failed while trying to {action}: {type(exc).__name__}", platform="x", transient=True
            ) from None

    def _post_raw(self, route: str, action: str, **kwargs) -> dict:
        def send() -> dict:
            response = self._session.post(
                self.base_url + route, auth=self._auth(), headers={"User-Agent": self._client.user_agent}, **kwargs
            )
            if not 200 <= response.status_code < 300:
                raise error_from_response(response, action)
            return _json_body(response)

        return self._call(action, send)

    def _me(self) -> dict:
        body = self._call("look up the account", lambda: self._client.get_me(user_auth=True))
        data = body.get("data") or {}
        if data.get("id"):
            self._user_id = str(data["id"])
        if data.get("username"):
            self._username = str(data["username"])
        return data

    def _url(self, tweet_id: str) -> str:
        return f"https://x.com/{self._username or 'i'}/status/{tweet_id}"

    # -- media

    def _check_media(self, post: Post) -> list[tuple[Path, str, str]]:
        """Every image readable, typed and described before anything is sent (no half-sent posts)."""
        if len(post.media) > self.limits.max_media:
            raise InputError(f"X allows {self.limits.max_media} images per post, this post has {len(post.media)}")
        checked = []
        for media in post.media:
            path = Path(media.path)
            if not path.is_file():
                raise InputError("image not found (render the cards first)", path)
            if len(media.alt_text) > MAX_ALT_TEXT:
                raise InputError(f"alt text is {len(media.alt_text)} characters; X allows {MAX_ALT_TEXT}", path)
            checked.append((path, base.image_type(path, "X"), media.alt_text))
        return checked

    def upload_image(self, path: Path, mime: str, alt_text: str) -> str:
        """One `POST /2/media/upload` and, when there is alt text, one `POST /2/media/metadata`."""
        body = self._post_raw(
            "/2/media/upload",
            f"upload {path.name}",
            data={"media_category": "tweet_image"},
            # The spec's MediaUploadRequest forbids extra form fields, so the type travels as the
            # Content-Type of the file part rather than as a `media_type` field.
            files={"media": (path.name, path.read_bytes(), mime)},
        )
        media_id = _media_id(body)
        if alt_text:
            self._post_raw(
                "/2/media/metadata",
                f"set the alt text of {path.name}",
                json={"id": media_id, "metadata": {"alt_text": {"text": alt_text}}},
            )
        return media_id

    # -- base.Adapter

    def account(self) -> str:
        if self._user_id is None:
            self._me()
        if self._user_id is None:
            raise PlatformError("X did not say which account these credentials belong to", platform="x", transient=True)
        return self._user_id

    def verify(self) -> str:
        data = self._me()
        username, name = data.get("username"), data.get("name")
        if username:
            return f"@{username} ({name})" if name else f"@{username}"
        return str(data.get("id", "unknown account"))

    def publish(self, post: Post, reply_to: str | None = None) -> Published:
        images = self._check_media(post)
        media_ids = [self.upload_image(path, mime, alt) for path, mime, alt in images]
        body = self._call(
            "publish the post",
            lambda: self._client.create_tweet(
                text=post.text,
                in_reply_to_tweet_id=reply_to,
                media_ids=media_ids or None,
                user_auth=True,
            ),
            creates=True,
        )
        tweet_id = str((body.get("data") or {}).get("id") or "")
        if not tweet_id.isdigit():
            raise PlatformError(
                "X answered the post without an id: it may or may not be published", platform="x", outcome_unknown=True
            )
        return Published(remote_id=tweet_id, url=self._url(tweet_id))

    def delete(self, remote_id: str) -> None:
        def call() -> dict | None:
            try:
                return self._client.delete_tweet(remote_id, user_auth=True)
            except tweepy.errors.NotFound:  # already gone: the goal is reached
                return None

        self._call(f"delete post {remote_id}", call)

    def find(self, post: Post, reply_to: str | None = None, since: float | None = None) -> Published | None:
        """The account's post carrying `post`, created at or after `since`, newest first.

        An identical older post (last week's "Read the whole issue") must never be adopted, so the
        listing asks X for nothing older than `since` (start_time, whole seconds, inclusive) and each
        post's created_at is checked again here. Pages are followed while the window may hold more,
        up to FIND_MAX_PAGES; without `since` only the newest page is read.
        """
        user_id = self.account()
        start_time = _start_time(since)
        token: str | None = None
        for _ in range(FIND_MAX_PAGES):
            body = self._users_tweets(user_id, start_time, token)
            tweets = [t for t in body.get("data") or [] if isinstance(t, Mapping)]
            recent = [t for t in tweets if since is None or _created_at(t) >= since]
            found = matching_tweet(recent, post.text, reply_to)
            if found is not None:
                return Published(remote_id=str(found["id"]), url=self._url(str(found["id"])))
            token = (body.get("meta") or {}).get("next_token")
            if since is None or not token or len(recent) < len(tweets):
                return None  # no window, the last page, or a page that already reaches past `since`
        return None

    def _users_tweets(self, user_id: str, start_time: datetime | None, token: str | None) -> dict:
        """One page of GET /2/users/{id}/tweets, newest first."""
        return self._call(
            "list recent posts",
            lambda: self._client.get_users_tweets(
                user_id,
                max_results=FIND_PAGE_SIZE,
                start_time=start_time,
                pagination_token=token,
                tweet_fields=["created_at", "referenced_tweets", "conversation_id"],
                user_auth=True,
            ),
        )


def _start_time(since: float | None) -> datetime | None:
    """`since` as X's start_time: rounded down to the second (the bound is inclusive), not before X's epoch."""
    if since is None:
        return None
    return max(datetime.fromtimestamp(math.floor(since), timezone.utc), X_EPOCH)


def _created_at(tweet: Mapping[str, Any]) -> float:
    """A post's created_at as Unix time; a post without a readable one counts as too old to adopt."""
    try:
        return datetime.fromisoformat(str(tweet["created_at"]).replace("Z", "+00:00")).timestamp()
    except (KeyError, ValueError):
        return -math.inf
