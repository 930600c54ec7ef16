"""Instagram through instagrapi's private mobile API: one feed post per Post (photo or carousel).

Why it looks the way it does:
- Instagram punishes fresh password logins with challenges, so the session (device ids, cookies)
  is saved after the first login (mode 0600) and reused on every run.
- instagrapi resends a configure request by itself (after a cut-off answer, an HTTP 408, an answer
  without media, a login_required), which can post twice. Our transport sends no write twice in
  one adapter call: it records every write that may have been applied and refuses to send another
  (ResendBlocked), and the adapter reports any failure after such a write as an unknown outcome.
  The publishing engine owns retries and calls find() before ever sending again.
- instagrapi re-encodes every photo it uploads (Pillow's quality 75, 4:2:0 chroma); during our
  uploads its preparation hands over our prepared JPEGs as they are (_SentAsPrepared).
- instagrapi exceptions may embed whole responses; messages here are written from their type and
  a few known fields, then scrubbed of every secret we hold.

Back-off choices (Instagram publishes none): FeedbackRequired ("action blocked") -> 1 hour,
PleaseWaitFewMinutes -> 15 minutes, HTTP 429 -> Retry-After when given, else 15 minutes.

Alt text: a single photo sends `custom_accessibility_caption` in media/configure/; a carousel
sends it per item inside `children_metadata` of media/configure_sidecar/ (through album_upload's
`configure_handler` hook), as the Android app does.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ...errors import CrosspostError, InputError, PlatformError
from ...log import RedactFilter, redact_line, register_secrets
from ...model import Media, Post
from .. import base
from . import CREDENTIALS, SPEC

if TYPE_CHECKING:
    from ...config import Config

log = logging.getLogger(__package__)  # the platform's name, not its module's

T = TypeVar("T")

NAME = "instagram"
SESSION_FILE = "instagram-session.json"
USERNAME_ENV = CREDENTIALS["username"]
PASSWORD_ENV = CREDENTIALS["password"]
TOTP_ENV = CREDENTIALS["totp_seed"]

FEEDBACK_BACKOFF_S = 3600
PLEASE_WAIT_BACKOFF_S = 15 * 60
THROTTLE_BACKOFF_S = 15 * 60
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 90  # uploads of ~1 MB on a slow uplink
RECENT_MEDIA = 20
FIND_PAGES = 5  # pages of RECENT_MEDIA read back to `since`: 100 posts, more than an account makes in a day

assert SPEC.upload_jpeg is not None
JPEG_OPTIONS = dict(SPEC.upload_jpeg)  # one setting for the cards rendered for it and for prepare_jpeg
MAX_SIZE = (1080, 1350)
assert SPEC.limits.aspect_ratios is not None
MIN_RATIO, MAX_RATIO = SPEC.limits.aspect_ratios
assert SPEC.card_size and SPEC.card_size <= MAX_SIZE and MIN_RATIO <= SPEC.card_size[0] / SPEC.card_size[1] <= MAX_RATIO

LOGIN_HINT = "then run `crosspost login instagram`"
CHALLENGE_MESSAGE = (
    f'Instagram asks for a security challenge: open the Instagram app, approve the login ("This was me"), {LOGIN_HINT}'
)


def default_settings_path() -> Path:
    from ...credentials import data_dir

    return data_dir() / SESSION_FILE


def normalise_caption(text: str) -> str:
    """Captions compared for find(): Instagram trims and may re-space lines."""
    return re.sub(r"\s+", " ", text or "").strip()


def _taken_at(item: Mapping[str, Any]) -> float | None:
    """When a feed item was posted (unix seconds), None when the answer does not say."""
    value = item.get("taken_at")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _adoptable(item: Mapping[str, Any], want: str, since: float | None) -> bool:
    """A feed item that is the post looked for: same caption, and (given `since`) provably
    created at or after it, so an older post of the same text is never adopted."""
    if not item.get("code") or normalise_caption((item.get("caption") or {}).get("text") or "") != want:
        return False
    if since is None:
        return True
    taken = _taken_at(item)
    return taken is not None and taken >= since


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

    im.save(dest, "JPEG", **JPEG_OPTIONS)
    return im.size


class _SentAsPrepared:
    """Hand instagrapi's photo upload the bytes of the JPEGs this adapter prepared, unchanged.

    instagrapi's `photo_rupload` (the upload step of `photo_upload` and `album_upload`) passes the
    path to `instagrapi.image_util.prepare_image`, which decodes the file, may crop and resize it,
    and re-saves it with `im.save(b, "JPEG")`: Pillow's defaults, quality 75 with 4:2:0 chroma. Our
    JPEGs are already within Instagram's limits (at most 1080x1350, aspect 4:5..1.91:1), so that
    step would change nothing but the encoding; it would only compress the card a second time and
    smear its coloured text. It has no option to skip the re-encode (in 3.0.24 and since).

    How: `photo_rupload` looks `prepare_image` up as a global of `instagrapi.mixins.photo` each time
    it runs, so that one name is replaced while an upload of ours runs (installed on entry, restored
    on exit whatever happened; counted, so overlapping uploads in threads restore it once, at the end).
    The replacement acts only for the files registered in a ContextVar by the upload in progress in
    the same thread or task, and only when instagrapi's own `calc_crop`/`calc_resize`, given the
    very arguments of the call, say it would neither crop nor resize, the file is an RGB JPEG and
    nothing (EXIF orientation, `save_path`) asks for more: then it returns the file's bytes and
    size as they are. Anything else (a file we did not prepare, other threads' uploads, arguments or
    helpers it does not recognise in some future instagrapi) goes to instagrapi's own function with
    the same arguments, so the worst a changed instagrapi can do is bring the re-encode back.

    Rejected: overriding `photo_rupload` on the client would mean copying its ~80 lines (headers,
    rupload params, error handling) and keeping them in step with instagrapi; patching
    `image_util.prepare_image` does nothing, since `mixins.photo` imported the name at import."""

    _lock = threading.Lock()
    _depth = 0
    _original: Any = None
    _paths: ContextVar[frozenset[str]] = ContextVar("crosspost_instagram_prepared", default=frozenset())

    def __init__(self, paths: list[Path]) -> None:
        self._mine = frozenset(_key(p) for p in paths)
        self._token: Any = None

    def __enter__(self) -> None:
        from instagrapi import image_util
        from instagrapi.mixins import photo

        cls = type(self)
        with cls._lock:
            if cls._depth == 0:
                current = photo.prepare_image
                # still ours (someone patched over it, then put ours back): never wrap ourselves
                cls._original = image_util.prepare_image if current is _prepare_image else current
                photo.prepare_image = _prepare_image
            cls._depth += 1
        self._token = cls._paths.set(cls._paths.get() | self._mine)

    def __exit__(self, *_exc: Any) -> None:
        from instagrapi.mixins import photo

        cls = type(self)
        cls._paths.reset(self._token)
        with cls._lock:
            cls._depth -= 1
            if cls._depth == 0:
                if photo.prepare_image is _prepare_image:  # not if someone replaced it since
                    photo.prepare_image = cls._original
                cls._original = None


def _key(path: Any) -> str:
    return str(Path(path).resolve())


def _prepare_image(img: Any, *args: Any, **kwargs: Any) -> Any:
    """Stands in for `instagrapi.mixins.photo.prepare_image` during our uploads (_SentAsPrepared)."""
    original = _SentAsPrepared._original
    if original is None:  # only reachable if left installed by someone else's patching
        from instagrapi import image_util

        original = image_util.prepare_image
    if isinstance(img, (str, Path)) and _key(img) in _SentAsPrepared._paths.get():
        unchanged = _as_is(original, img, *args, **kwargs)
        if unchanged is not None:
            return unchanged
    return original(img, *args, **kwargs)


def _as_is(original: Callable[..., Any], img: str | Path, *args: Any, **kwargs: Any) -> tuple[bytes, Any] | None:
    """(bytes, size) of `img` unchanged when instagrapi's preparation, called with these
    arguments, would only re-encode it; None when it would do anything else or we cannot tell."""
    import inspect

    from instagrapi import image_util
    from PIL import Image

    try:
        bound = inspect.signature(original).bind(img, *args, **kwargs)
        bound.apply_defaults()
        given = dict(bound.arguments)
        extra = dict(given.pop("kwargs", {}))
        min_size = extra.pop("min_size", (320, 167))  # prepare_image's own default
        extra.pop("max_side", None)  # passed by photo_rupload, read by nothing
        if extra or given.get("save_path") or set(given) != {"img", "max_size", "aspect_ratios", "save_path"}:
            return None
        data = Path(img).read_bytes()
        with Image.open(io.BytesIO(data)) as im:
            fmt, mode, size, orientation = im.format, im.mode, im.size, im.getexif().get(0x0112, 1)
        if fmt != "JPEG" or mode != "RGB" or orientation != 1:
            return None
        if given["aspect_ratios"] and image_util.calc_crop(given["aspect_ratios"], size):
            return None
        if image_util.calc_resize(given["max_size"], size, min_size=min_size):
            return None
    except Exception:  # anything unexpected: instagrapi's own path decides (and reports)
        return None
    return data, size


# --------------------------------------------------------------------------- transport


class ResendBlocked(Exception):
    """instagrapi tried to send a write again in the same adapter call: it never leaves the machine."""


def _transport_adapter_class():
    """A requests adapter with a default timeout, no retries, and memory of the writes it sent."""
    from requests.adapters import HTTPAdapter

    class GuardedTransport(HTTPAdapter):
        """instagrapi sends private requests without a timeout; a hung configure must surface
        as an unknown outcome, not hang a cron job.

        `maybe_applied` holds the writes of the current adapter call (begin() starts one) that
        Instagram may have applied: sent, and not answered with a refusal. Whether a failed call
        may have posted is decided from it, never from whichever request failed last (photo_upload
        reads the feed after a configure). While it is not empty, no further write is sent."""

        def __init__(self) -> None:
            super().__init__(max_retries=0)
            self.maybe_applied: list[str] = []

        def begin(self) -> None:
            self.maybe_applied = []

        def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
            url = request.url or ""
            if timeout is None:
                timeout = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
            sent = dict(stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)
            if not _is_write(url):
                return super().send(request, **sent)
            if self.maybe_applied:
                raise ResendBlocked("a write request was about to be sent twice in one call; it was not sent")
            self.maybe_applied.append(url)
            try:
                response = super().send(request, **sent)
            except Exception as exc:
                if _failed_before_sending(exc):
                    self.maybe_applied.remove(url)
                raise
            if _refused(response.status_code):
                self.maybe_applied.remove(url)
            return response

    return GuardedTransport


def _refused(status: int) -> bool:
    """An answer saying the request was not applied: any 4xx (login_required, feedback_required,
    429, a bad request) except 408, after which Instagram may still have processed the body."""
    return 400 <= status < 500 and status != 408


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
    limits = SPEC.limits
    # Instagram's feed/user listing is served from a cache that can lag a fresh configure by
    # seconds to tens of seconds (instagrapi itself polls it for ~15 s after a configure answer
    # without media, and the feed may take longer under load): a minute covers that with margin,
    # and the engine's bounded second look costs a cron run no more than that.
    lookup_settle = 60.0

    def __init__(
        self,
        credentials: Mapping[str, str],
        *,
        settings_path: Path | None = None,
        client: Any = None,
        interactive: bool = False,
    ) -> None:
        missing = [
            env
            for key, env in (("username", USERNAME_ENV), ("password", PASSWORD_ENV))
            if not (credentials.get(key) or "").strip()
        ]
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
        from ...credentials import load_credentials

        return cls(load_credentials(NAME), settings_path=default_settings_path())

    # ------------------------------------------------------------------ interface

    def account(self) -> str:
        """The account's numeric user id (pk), not the login name: logging in by e-mail, by
        handle or after a handle change is the same account and must share one ledger key.
        Logs in (or validates the saved session) once."""
        user_id = self._call(lambda c: c.user_id, action="log in")
        if not user_id:
            raise PlatformError(
                "Instagram did not say which account this session belongs to", platform=NAME, transient=True
            )
        return str(user_id)

    def legacy_accounts(self) -> list[str]:
        """Versions before the pk keyed the ledger by the login name, lowercased."""
        return [self._username.lower()]

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
            paths = [self._prepared(m, Path(tmp) / f"{i:02d}.jpg") for i, m in enumerate(post.media)]
            alts = [m.alt_text.strip() for m in post.media]

            def upload(c: Any) -> Any:
                with _SentAsPrepared(paths):  # Instagram gets these JPEGs' bytes, not a re-encode
                    if len(paths) == 1:
                        extra = {"custom_accessibility_caption": alts[0]} if alts[0] else {}
                        return c.photo_upload(paths[0], caption=post.text, extra_data=extra)
                    return c.album_upload(
                        paths, caption=post.text, configure_handler=self._configure_with_alt_text(c, alts)
                    )

            media = self._call(upload, action="publish")
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
        """Adopt a post whose caption equals the planned caption, created at or after `since`
        (a caption alone also matches last week's post of the same text), paging back through
        the feed until its posts are older than `since` (at most FIND_PAGES pages); without
        `since`, the most recent page. Reads the feed with direct private requests: instagrapi's
        user_medias* turn network errors into an empty list, which here would mean "not posted"
        and a duplicate; an answer without a list of posts is an error for the same reason."""
        want = normalise_caption(post.text)

        def run(c) -> base.Published | None:
            max_id = ""
            for _page in range(1 if since is None else FIND_PAGES):
                params = {"count": RECENT_MEDIA, "rank_token": c.rank_token, "ranked_content": "true"}
                if max_id:
                    params["max_id"] = max_id
                data = c.private_request(f"feed/user/{c.user_id}/", params=params)
                items = data.get("items") if isinstance(data, dict) else None
                if not isinstance(items, list):
                    raise PlatformError(
                        'Instagram\'s list of recent posts came without its posts; not taking that as "not posted"',
                        platform=NAME,
                        transient=True,
                    )
                for item in items:
                    if _adoptable(item, want, since):
                        pk = str(item.get("pk") or str(item.get("id", "")).split("_")[0])
                        return base.Published(pk, f"https://www.instagram.com/p/{item['code']}/")
                max_id = str(data.get("next_max_id") or "")
                oldest = _taken_at(items[-1]) if items else None
                if not (data.get("more_available") and max_id) or (
                    oldest is not None and since is not None and oldest < since
                ):
                    break
            return None

        return self._call(run, action="look up recent posts")

    # ------------------------------------------------------------------ publishing helpers

    def _check(self, post: Post) -> None:
        n = len(post.media)
        if not self.limits.min_media <= n <= self.limits.max_media:
            raise InputError(f"an Instagram post needs 1 to {self.limits.max_media} images, this one has {n}")
        length = SPEC.length(post.text)  # counted as the planner counts, so both agree at 2,200
        if length > self.limits.max_chars:
            raise InputError(f"Instagram caption is {length} characters, the limit is {self.limits.max_chars}")

    @staticmethod
    def _prepared(media: Media, dest: Path) -> Path:
        """The JPEG to send for `media`: the one rendered with the card (written from the card's own
        pixels with JPEG_OPTIONS) while the card is unchanged, else the card (or any user's image)
        converted by prepare_jpeg."""
        path = Path(media.path)
        if not path.is_file():
            raise InputError("image not found (render the cards first)", path)
        if media.upload and base.made_from(media.upload, path):
            return Path(media.upload)
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
        logger = logging.getLogger(f"{__package__}.instagrapi")
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
        mounted = self._client.private.get_adapter("https://i.instagram.com/")
        if self._transport is None or mounted is not self._transport:
            self._configure(self._client)  # first use, or instagrapi mounted its own (set_settings does)
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
        from ...files import atomic_write

        atomic_write(path, json.dumps(client.get_settings(), indent=2).encode("utf-8"), mode=0o600)
        register_secrets(self._secrets())  # the log, the ledger and the output mask the session too

    def _call(self, fn: Callable[[Any], T], *, action: str = "request") -> T:
        """Run fn(client) with a live session as one adapter call (the transport's record of
        writes starts afresh); LoginRequired -> one relogin, then one retry, unless a write of
        this call may have been applied: rerunning it could post twice, so that is an unknown
        outcome for the engine to look up."""
        from instagrapi.exceptions import LoginRequired

        self._get_client()
        self._transport.begin()
        self._ensure_session()
        client = self._client
        try:
            try:
                return fn(client)
            except LoginRequired:
                if self._transport.maybe_applied:
                    raise
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
        return redact_line(text, self._secrets(), limit=limit)

    def _error(self, exc: BaseException, *, action: str) -> CrosspostError:
        """Map anything raised while talking to Instagram to a PlatformError with the right flags."""
        if isinstance(exc, (PlatformError, InputError)):
            return exc
        from instagrapi import exceptions as ig
        import requests

        now = time.time()

        def err(message: str, **flags: Any) -> PlatformError:
            return PlatformError(self._scrub(message, 400), platform=NAME, **flags)

        status = getattr(getattr(exc, "response", None), "status_code", None) or getattr(exc, "code", None)
        if self._transport is not None and self._transport.maybe_applied:
            # Whatever failed after it (a feed read, a blocked resend), the write may have posted.
            what = _in_transit(exc, status) or f"an unexpected {type(exc).__name__}"
            return err(
                f"the {action} may or may not have gone through ({what}); checking recent posts before retrying",
                outcome_unknown=True,
            )

        if isinstance(exc, (ig.ChallengeError, ig.ChallengeRequired)):
            return err(CHALLENGE_MESSAGE, needs_person=True)
        if isinstance(exc, ig.AccountSuspended):
            return err(
                "Instagram says this account is suspended or disabled: sort it out in the Instagram app",
                needs_person=True,
            )
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
            return err(
                f"Instagram keeps logging this session out: open the Instagram app to check the account, {LOGIN_HINT}",
                needs_person=True,
            )
        if isinstance(exc, ig.FeedbackRequired):
            feedback = (getattr(exc, "feedback_message", "") or "").strip() or "action blocked"
            return err(
                f"Instagram blocked the {action} ({feedback}); not posting for an hour",
                retry_at=now + FEEDBACK_BACKOFF_S,
            )
        if isinstance(exc, ig.PleaseWaitFewMinutes):
            return err(
                f"Instagram asks to wait a few minutes before the {action}", retry_at=now + PLEASE_WAIT_BACKOFF_S
            )
        if isinstance(exc, (ig.ClientThrottledError, ig.RateLimitError)) or status == 429:
            return err(
                f"Instagram rate-limited the {action} (HTTP 429)", retry_at=now + _retry_after(exc, THROTTLE_BACKOFF_S)
            )
        if isinstance(exc, ig.SentryBlock):
            return err(
                "Instagram flagged this account's activity as spam (sentry block): check the Instagram app",
                needs_person=True,
            )

        # Failures in transit of requests that could not have posted anything: retry later.
        if isinstance(exc, (ig.ClientConnectionError, requests.exceptions.ConnectionError)) and _failed_before_sending(
            exc
        ):
            return err(f"could not reach Instagram for the {action} (connection failed)", transient=True)
        in_transit = _in_transit(exc, status)
        if in_transit:
            return err(f"the {action} failed: {in_transit}", transient=True)
        if isinstance(exc, ig.ClientError):
            return err(f"Instagram refused the {action} ({_describe(exc, status)})")
        return err(f"the {action} failed ({type(exc).__name__})")


def _in_transit(exc: BaseException, status: Any) -> str | None:
    """Short, known-safe words for a failure between us and Instagram's answer (no answer, a
    cut-off or unreadable one, a server error, a resend we stopped); None for anything else."""
    import requests
    from instagrapi import exceptions as ig

    if isinstance(exc, ResendBlocked):
        return "instagrapi tried to send it again, which crosspost never lets it do"
    if isinstance(
        exc, (requests.exceptions.ReadTimeout, ig.ClientIncompleteReadError, requests.exceptions.ChunkedEncodingError)
    ):
        return "no complete answer (timeout)"
    if isinstance(exc, (ig.ClientConnectionError, requests.exceptions.ConnectionError)):
        return "the connection dropped"
    if isinstance(exc, ig.ClientRequestTimeout):
        return "Instagram timed out receiving it (HTTP 408)"
    if isinstance(status, int) and status >= 500:
        return f"HTTP {status}"
    if isinstance(exc, (ig.ClientJSONDecodeError, ig.PhotoConfigureError, ig.AlbumConfigureError)):
        return "an unreadable answer"
    if isinstance(exc, requests.exceptions.RequestException):
        return f"network error ({type(exc).__name__})"
    return None


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
        if isinstance(
            e, (requests.exceptions.ConnectTimeout, NewConnectionError, ConnectTimeoutError, NameResolutionError)
        ):
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
