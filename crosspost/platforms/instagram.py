"""Instagram through instagrapi's private mobile API: one feed post per Post (photo or carousel).

Why it looks the way it does:
- Instagram punishes fresh password logins with challenges, so the session (device ids, cookies)
  is saved after the first login (mode 0600) and reused on every run.
- instagrapi's own retries would resend a configure request after a timeout and can post twice,
  so its private session is built with no transport retries and a real timeout; the publishing
  engine owns retries and calls find() after an unknown outcome.
- instagrapi exceptions may embed whole responses; messages here are written from their type and
  a few known fields, then scrubbed of every secret we hold.

Back-off choices (Instagram publishes none): FeedbackRequired ("action blocked") -> 1 hour,
PleaseWaitFewMinutes -> 15 minutes, HTTP 429 -> Retry-After when given, else 15 minutes.

Alt text: a single photo sends `custom_accessibility_caption` in media/configure/; a carousel
sends it per item inside `children_metadata` of media/configure_sidecar/ (through album_upload's
`configure_handler` hook), as the Android app does.
"""

from __future__ import annotations

import json
import logging
import math
import re
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import CrosspostError, InputError, PlatformError
from ..log import RedactFilter, redact, register_secrets
from ..model import Post
from . import base

if TYPE_CHECKING:
    from ..config import Config

log = logging.getLogger(__name__)

T = TypeVar("T")

NAME = "instagram"
SESSION_FILE = "instagram-session.json"
USERNAME_ENV = "CROSSPOST_INSTAGRAM_USERNAME"
PASSWORD_ENV = "CROSSPOST_INSTAGRAM_PASSWORD"
TOTP_ENV = "CROSSPOST_INSTAGRAM_TOTP_SEED"

FEEDBACK_BACKOFF_S = 3600
PLEASE_WAIT_BACKOFF_S = 15 * 60
THROTTLE_BACKOFF_S = 15 * 60
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 90  # uploads of ~1 MB on a slow uplink
RECENT_MEDIA = 20

JPEG_QUALITY = 92
MAX_SIZE = (1080, 1350)
MIN_RATIO = 4 / 5
MAX_RATIO = 90 / 47  # "1.91:1", the exact bound instagrapi crops to

LOGIN_HINT = "then run `crosspost login instagram`"
CHALLENGE_MESSAGE = (
    "Instagram asks for a security challenge: open the Instagram app, approve the login "
    f"(\"This was me\"), {LOGIN_HINT}"
)


def default_settings_path() -> Path:
    from ..credentials import data_dir

    return data_dir() / SESSION_FILE


def normalise_caption(text: str) -> str:
    """Captions compared for find(): Instagram trims and may re-space lines."""
    return re.sub(r"\s+", " ", text or "").strip()


# --------------------------------------------------------------------------- images


def prepare_jpeg(src: Path, dest: Path) -> tuple[int, int]:
    """Write `src` as a JPEG Instagram accepts without cropping: at most 1080x1350, aspect
    between 4:5 and 1.91:1 reached by padding with the image's own corner colour, never cropping
    (cards carry text to the edges). Returns the size written."""
    from PIL import Image, ImageOps

    with Image.open(src) as opened:
        im = ImageOps.exif_transpose(opened)
        im.load()
    if im.mode in ("RGBA", "LA", "P", "PA"):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        im = flat
    else:
        im = im.convert("RGB")

    w, h = im.size
    scale = min(1.0, MAX_SIZE[0] / w, MAX_SIZE[1] / h)
    if scale < 1.0:
        im = im.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.LANCZOS)
        w, h = im.size

    target = (w, h)
    if w / h < MIN_RATIO:
        target = (math.ceil(h * MIN_RATIO), h)
    elif w / h > MAX_RATIO:
        target = (w, math.ceil(w / MAX_RATIO))
    if target != (w, h):
        canvas = Image.new("RGB", target, im.getpixel((0, 0)))
        canvas.paste(im, ((target[0] - w) // 2, (target[1] - h) // 2))
        im = canvas

    im.save(dest, "JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=True)
    return im.size


# --------------------------------------------------------------------------- transport


def _transport_adapter_class():
    """A requests adapter with a default timeout, no retries, and memory of what it sent."""
    from requests.adapters import HTTPAdapter

    class GuardedTransport(HTTPAdapter):
        """instagrapi sends private requests without a timeout; a hung configure must surface
        as an unknown outcome, not hang a cron job. `last_url` tells which call failed."""

        def __init__(self) -> None:
            super().__init__(max_retries=0)
            self.last_url: str = ""

        def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
            self.last_url = request.url or ""
            if timeout is None:
                timeout = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
            return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)

    return GuardedTransport


def _is_write(url: str) -> bool:
    """Requests that may publish or delete something (an unknown outcome matters)."""
    return "/media/configure" in url or re.search(r"/media/[^/]+/delete/", url) is not None


def _never_prompt(*_args: Any) -> str:
    from instagrapi.exceptions import ChallengeRequired

    raise ChallengeRequired("challenge needs a person")


# --------------------------------------------------------------------------- adapter


class Adapter(base.Adapter):
    """An Instagram account posted to through instagrapi (private API, saved session)."""

    name = NAME
    limits = base.Limits(max_chars=2200, max_media=10, min_media=1)

    def __init__(
        self,
        credentials: Mapping[str, str],
        *,
        settings_path: Path | None = None,
        client: Any = None,
        interactive: bool = False,
    ) -> None:
        missing = [env for key, env in (("username", USERNAME_ENV), ("password", PASSWORD_ENV))
                   if not (credentials.get(key) or "").strip()]
        if missing:
            raise InputError(f"Instagram credentials missing: set {' and '.join(missing)}")
        self._username = credentials["username"].strip()
        self._password = credentials["password"]
        self._totp_seed = (credentials.get("totp_seed") or "").strip() or None
        self.settings_path = Path(settings_path) if settings_path is not None else default_settings_path()
        self._client = client
        self._interactive = interactive
        self._transport: Any = None
        self._session_ready = False

    @classmethod
    def from_config(cls, config: "Config") -> "Adapter":
        from ..credentials import load_credentials

        return cls(load_credentials(NAME), settings_path=default_settings_path())

    # ------------------------------------------------------------------ interface

    def account(self) -> str:
        return self._username.lower()

    def verify(self) -> str:
        info = self._call(lambda c: c.account_info())
        return info.username

    def login(self) -> str:
        """Log in now (reusing the saved session when Instagram still accepts it); for
        `crosspost login instagram`. Returns the account's username."""
        self._ensure_session()
        return self._username

    def publish(self, post: Post, reply_to: str | None = None) -> base.Published:
        """Post one photo or one carousel. `reply_to` is ignored: Instagram posts do not thread."""
        self._check(post)
        with tempfile.TemporaryDirectory(prefix="crosspost-ig-") as tmp:
            paths = [self._prepared(m.path, Path(tmp) / f"{i:02d}.jpg") for i, m in enumerate(post.media)]
            alts = [m.alt_text.strip() for m in post.media]
            if len(paths) == 1:
                extra = {"custom_accessibility_caption": alts[0]} if alts[0] else {}
                media = self._call(
                    lambda c: c.photo_upload(paths[0], caption=post.text, extra_data=extra), action="publish"
                )
            else:
                media = self._call(
                    lambda c: c.album_upload(
                        paths, caption=post.text, configure_handler=self._configure_with_alt_text(c, alts)
                    ),
                    action="publish",
                )
        return base.Published(str(media.pk or media.id), f"https://www.instagram.com/p/{media.code}/")

    def delete(self, remote_id: str) -> None:
        from instagrapi.exceptions import ClientNotFoundError, InvalidMediaId, MediaNotFound, MediaUnavailable

        def run(c) -> Any:
            media_id = remote_id if "_" in remote_id else f"{remote_id}_{c.user_id}"
            try:
                return c.media_delete(media_id)
            except (MediaUnavailable, MediaNotFound, InvalidMediaId, ClientNotFoundError):
                return "gone"

        result = self._call(run, action="delete")
        if result is False:
            raise PlatformError(f"Instagram did not delete post {remote_id}", platform=NAME)

    def find(self, post: Post, reply_to: str | None = None, since: float | None = None) -> base.Published | None:
        """Adopt a recent post whose caption equals the planned caption. Reads the feed with a
        direct private request: instagrapi's user_medias* turn network errors into an empty
        list, which here would mean "not posted" and a duplicate."""
        want = normalise_caption(post.text)

        def run(c) -> list[dict]:
            data = c.private_request(
                f"feed/user/{c.user_id}/",
                params={"count": RECENT_MEDIA, "rank_token": c.rank_token, "ranked_content": "true"},
            )
            return list(data.get("items") or [])

        for item in self._call(run, action="look up recent posts"):
            caption = (item.get("caption") or {}).get("text") or ""
            if normalise_caption(caption) == want and item.get("code"):
                pk = str(item.get("pk") or str(item.get("id", "")).split("_")[0])
                return base.Published(pk, f"https://www.instagram.com/p/{item['code']}/")
        return None

    # ------------------------------------------------------------------ publishing helpers

    def _check(self, post: Post) -> None:
        n = len(post.media)
        if not self.limits.min_media <= n <= self.limits.max_media:
            raise InputError(f"an Instagram post needs 1 to {self.limits.max_media} images, this one has {n}")
        if len(post.text) > self.limits.max_chars:
            raise InputError(
                f"Instagram caption is {len(post.text)} characters, the limit is {self.limits.max_chars}"
            )

    @staticmethod
    def _prepared(src: str, dest: Path) -> Path:
        path = Path(src)
        if not path.is_file():
            raise InputError("image not found (render the cards first)", path)
        try:
            prepare_jpeg(path, dest)
        except OSError as exc:  # PIL.UnidentifiedImageError is an OSError
            raise InputError(f"cannot read image ({type(exc).__name__})", path) from None
        return dest

    @staticmethod
    def _configure_with_alt_text(client: Any, alts: list[str]) -> Callable[..., Any]:
        """album_upload hook: the same configure_sidecar request, with per-item alt text."""

        def configure(children, caption, usertags, location, extra_data=None):
            for child, alt in zip(children, alts):
                if alt:
                    child["custom_accessibility_caption"] = alt
            return client.album_configure(children, caption, usertags, location, extra_data=extra_data or {})

        return configure

    # ------------------------------------------------------------------ session

    def _build_client(self) -> Any:
        from instagrapi import Client

        client = Client(
            private_transport="requests",
            with_challenge_flow=self._interactive,
            delay_range=None,
            session_retry_total=0,
            logger=self._library_logger(),
        )
        if self.settings_path.is_file():
            try:
                client.load_settings(self.settings_path)
            except (OSError, ValueError):
                log.warning("instagram: session file %s unreadable; logging in afresh", self.settings_path)
                client.set_settings({})
        return client

    def _library_logger(self) -> logging.Logger:
        """instagrapi logs whole responses at DEBUG (login answers embed the session token): its
        logger stops at INFO, whatever level its parents or --debug set, so those records are never
        made, and what it does log is redacted of every secret we know."""
        logger = logging.getLogger(f"{__name__}.instagrapi")
        logger.setLevel(logging.INFO)
        logger.filters = [f for f in logger.filters if not isinstance(f, RedactFilter)]
        logger.addFilter(RedactFilter(self._secrets))
        return logger

    def _configure(self, client: Any) -> None:
        """Settings loaded from disk may carry another transport; pin ours after every load."""
        client.set_retry_config(private_transport="requests", session_retry_total=0)
        self._transport = _transport_adapter_class()()
        client.private.mount("https://", self._transport)
        client.private.mount("http://", self._transport)
        client.with_challenge_flow = self._interactive
        client.logger = self._library_logger()
        client.private_request_logger = client.logger
        if not self._interactive:
            client.challenge_code_handler = _never_prompt
            client.change_password_handler = _never_prompt

    def _get_client(self) -> Any:
        if self._client is None:
            self._client = self._build_client()
        if self._transport is None:
            self._configure(self._client)
        return self._client

    def _verification_code(self) -> str:
        if not self._totp_seed:
            return ""
        from instagrapi import Client

        try:
            return Client.totp_generate_code(self._totp_seed)
        except Exception:  # a malformed seed: say which variable, never its value
            raise InputError(f"{TOTP_ENV} is not a valid TOTP secret (base32)") from None

    def _ensure_session(self) -> None:
        if self._session_ready:
            return
        client = self._get_client()
        try:
            self._login(client, relogin=False)
        except Exception as exc:
            raise self._error(exc, action="log in") from None
        self._session_ready = True

    def _login(self, client: Any, *, relogin: bool) -> None:
        """Reuse the saved session (login() only validates it) or log in with the password."""
        from instagrapi.exceptions import TwoFactorRequired

        try:
            client.login(self._username, self._password, relogin=relogin, verification_code=self._verification_code())
        except TwoFactorRequired:
            if not (self._interactive and not self._totp_seed):
                raise
            code = input("Instagram two-factor code: ").strip()
            client.login(self._username, self._password, relogin=True, verification_code=code)
        self._save_session(client)

    def _save_session(self, client: Any) -> None:
        """Write the session atomically, readable by the owner only (it holds the session cookie)."""
        path = self.settings_path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        from ..files import atomic_write

        atomic_write(path, json.dumps(client.get_settings(), indent=2).encode("utf-8"), mode=0o600)
        register_secrets(self._secrets())  # the log, the ledger and the output mask the session too

    def _call(self, fn: Callable[[Any], T], *, action: str = "request") -> T:
        """Run fn(client) with a live session; LoginRequired -> one relogin, then one retry."""
        from instagrapi.exceptions import LoginRequired

        self._ensure_session()
        client = self._client
        try:
            try:
                return fn(client)
            except LoginRequired:
                log.info("instagram: session expired; logging in again with the saved device settings")
                self._login(client, relogin=True)
                return fn(client)
        except Exception as exc:
            raise self._error(exc, action=action) from None

    # ------------------------------------------------------------------ errors

    def _secrets(self) -> list[str]:
        values = [self._password, self._totp_seed or ""]
        client = self._client
        if client is not None:
            try:
                cookies = client.private.cookies
                values += [cookies.get(name) or "" for name in ("sessionid", "csrftoken", "rur")]
                values.append(str((client.authorization_data or {}).get("sessionid") or ""))
                bearer = client.authorization or ""
                values += [bearer, bearer.rsplit(":", 1)[-1]]
            except Exception:  # never let redaction itself fail the error path
                pass
        return sorted({v for v in values if isinstance(v, str) and len(v) >= 4}, key=len, reverse=True)

    def _scrub(self, text: str, limit: int = 200) -> str:
        return redact(" ".join(str(text).split()), self._secrets())[:limit]

    def _error(self, exc: BaseException, *, action: str) -> CrosspostError:
        """Map anything raised while talking to Instagram to a PlatformError with the right flags."""
        if isinstance(exc, (PlatformError, InputError)):
            return exc
        from instagrapi import exceptions as ig
        import requests

        url = getattr(self._transport, "last_url", "") or ""
        write = _is_write(url)
        now = time.time()

        def err(message: str, **flags: Any) -> PlatformError:
            return PlatformError(self._scrub(message, 400), platform=NAME, **flags)

        status = getattr(getattr(exc, "response", None), "status_code", None) or getattr(exc, "code", None)

        if isinstance(exc, (ig.ChallengeError, ig.ChallengeRequired)):
            return err(CHALLENGE_MESSAGE, needs_person=True)
        if isinstance(exc, ig.AccountSuspended):
            return err("Instagram says this account is suspended or disabled: sort it out in the Instagram app", needs_person=True)
        if isinstance(exc, ig.TwoFactorRequired):
            if self._totp_seed:
                return err(
                    f"Instagram rejected the two-factor code made from {TOTP_ENV}: check that it is the "
                    f"authenticator secret of this account and that this machine's clock is right, {LOGIN_HINT}",
                    needs_person=True,
                )
            return err(
                f"Instagram asks for a two-factor code: set {TOTP_ENV} to the account's authenticator secret, "
                f"or run `crosspost login instagram` in a terminal and type the code",
                needs_person=True,
            )
        if isinstance(exc, (ig.BadPassword, ig.BadCredentials)):
            return err(
                f"Instagram refused the login for {self._username} (wrong password, or a login from an "
                f"unfamiliar device or network): check {USERNAME_ENV} and {PASSWORD_ENV}, log in once in the "
                f"Instagram app, {LOGIN_HINT}",
                needs_person=True,
            )
        if isinstance(exc, (ig.LoginRequired, ig.ReloginAttemptExceeded)):
            return err(f"Instagram keeps logging this session out: open the Instagram app to check the account, {LOGIN_HINT}", needs_person=True)
        if isinstance(exc, ig.FeedbackRequired):
            feedback = (getattr(exc, "feedback_message", "") or "").strip() or "action blocked"
            return err(
                f"Instagram blocked the {action} ({feedback}); not posting for an hour",
                retry_at=now + FEEDBACK_BACKOFF_S,
            )
        if isinstance(exc, ig.PleaseWaitFewMinutes):
            return err(f"Instagram asks to wait a few minutes before the {action}", retry_at=now + PLEASE_WAIT_BACKOFF_S)
        if isinstance(exc, (ig.ClientThrottledError, ig.RateLimitError)) or status == 429:
            return err(f"Instagram rate-limited the {action} (HTTP 429)", retry_at=now + _retry_after(exc, THROTTLE_BACKOFF_S))
        if isinstance(exc, ig.SentryBlock):
            return err("Instagram flagged this account's activity as spam (sentry block): check the Instagram app", needs_person=True)

        # Transport failures: was the request sent, and could it have been applied?
        if isinstance(exc, (requests.exceptions.ReadTimeout, ig.ClientIncompleteReadError, requests.exceptions.ChunkedEncodingError)):
            return self._after_send(err, action, write, "no complete answer (timeout)")
        if isinstance(exc, (ig.ClientConnectionError, requests.exceptions.ConnectionError)):
            if _failed_before_sending(exc):
                return err(f"could not reach Instagram for the {action} (connection failed)", transient=True)
            return self._after_send(err, action, write, "the connection dropped")
        if isinstance(exc, ig.ClientRequestTimeout):
            return err(f"Instagram timed out receiving the {action} (HTTP 408)", transient=True)
        if isinstance(exc, (ig.ClientJSONDecodeError, ig.PhotoConfigureError, ig.AlbumConfigureError)) and write:
            return self._after_send(err, action, write, "an unreadable answer to the configure request")
        if isinstance(status, int) and status >= 500:
            if write:
                return self._after_send(err, action, write, f"HTTP {status}")
            return err(f"Instagram failed the {action} (HTTP {status})", transient=True)
        if isinstance(exc, requests.exceptions.RequestException):
            return err(f"network error during the {action} ({type(exc).__name__})", transient=not write, outcome_unknown=write)
        if isinstance(exc, ig.ClientError):
            return err(f"Instagram refused the {action} ({_describe(exc, status)})")
        if write:  # e.g. a configure answer instagrapi could not parse
            return self._after_send(err, action, write, f"an unexpected {type(exc).__name__}")
        return err(f"the {action} failed ({type(exc).__name__})")

    @staticmethod
    def _after_send(err, action: str, write: bool, what: str) -> PlatformError:
        if write:
            return err(
                f"the {action} may or may not have gone through ({what}); checking recent posts before retrying",
                outcome_unknown=True,
            )
        return err(f"the {action} failed ({what})", transient=True)



def _retry_after(exc: BaseException, default: int) -> int:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        return max(1, int(headers.get("Retry-After", "")))
    except (TypeError, ValueError):
        return default


def _failed_before_sending(exc: BaseException) -> bool:
    """True when the connection never carried the request (DNS, refused, connect timeout)."""
    import requests
    from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, (requests.exceptions.ConnectTimeout, NewConnectionError, ConnectTimeoutError, NameResolutionError)):
            return True
        if isinstance(e, BaseException):
            todo += [e.__cause__, e.__context__, getattr(e, "reason", None)]
            todo += [a for a in e.args if isinstance(a, BaseException)]
    return False


def _describe(exc: BaseException, status: Any) -> str:
    """A short, known-safe description: HTTP status and Instagram's error_type, not its text."""
    parts = []
    if status:
        parts.append(f"HTTP {status}")
    error_type = getattr(exc, "error_type", None)
    if isinstance(error_type, str) and re.fullmatch(r"[a-z_]{1,60}", error_type):
        parts.append(error_type)
    if not parts:
        parts.append(type(exc).__name__)
    return ", ".join(parts)
