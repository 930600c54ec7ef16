"""Bluesky adapter: `app.bsky.feed.post` records written through the `atproto` SDK's client.

Why the pieces look like this:
- Exactly once by construction. Each post's record key (a TID) and `createdAt` are chosen once by
  `intent()`; the engine stores them in the ledger before the first send and hands them back on
  every try. `publish()` builds the record from the post and that intent, so every send of a post
  is the same record at the same key, written with `com.atproto.repo.putRecord` and a JSON-null
  `swapRecord` ("create only if absent"): a resend after a lost answer either creates it (it was
  never written) or changes nothing (200 without a commit). A different record at that key answers
  400 InvalidSwap and is never overwritten. The SDK drops a None `swap_record` (a plain upsert), so
  that request's JSON body is ours.
- An unknown outcome is resolved by reading that one record (`getRecord` by its key), not by
  searching the account's feed.
- What the PDS accepts although wrong (facet byte ranges past the text, replies to records that do
  not exist) is checked here before anything is sent.
- The session (access and refresh tokens) is kept 0600 in the data folder and reused, so a
  scheduled run does not log in with the app password every time; the tokens and the password are
  registered with the log redactor.
"""

from __future__ import annotations

import io
import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import regex

from ...credentials import data_dir, load_credentials
from ...errors import InputError, PlatformError
from ...log import redact, register_secrets
from ...model import Post
from .. import base
from ..base import Published
from . import CREDENTIALS, MAX_GRAPHEMES, SPEC, graphemes

if TYPE_CHECKING:
    from atproto_client import Client

    from ...config import Config

DEFAULT_SERVICE = "https://bsky.social"
COLLECTION = "app.bsky.feed.post"
MAX_TEXT_BYTES = 3000  # the lexicon's maxLength of a post's text, in UTF-8 bytes
MAX_BLOB_BYTES = 1_000_000  # the lexicon's maxSize of an image in app.bsky.embed.images
MAX_TAG_GRAPHEMES = 64
FALLBACK_RATE_LIMIT_WAIT = 15 * 60
LOGIN_HINT = "check CROSSPOST_BLUESKY_HANDLE / CROSSPOST_BLUESKY_APP_PASSWORD or run `crosspost login bluesky`"

_T = TypeVar("_T")


# ---------------------------------------------------------------- record keys


TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable: the keys sort as their times do
_tid_lock = threading.Lock()
_tid_last = 0
_CLOCK_ID = random.SystemRandom().randrange(1024)


def _encode_tid(value: int) -> str:
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_tid(now_us: int | None = None) -> tuple[str, int]:
    """A fresh TID (13 characters: microseconds since the epoch << 10 | a clock id) and its
    microseconds. Strictly increasing within a process, even when the clock stands still or steps back."""
    global _tid_last
    with _tid_lock:
        micros = time.time_ns() // 1000 if now_us is None else now_us
        micros = max(micros, _tid_last + 1)
        _tid_last = micros
    return _encode_tid(((micros & ((1 << 53) - 1)) << 10) | _CLOCK_ID), micros


def is_tid(text: str) -> bool:
    return (
        len(text) == 13
        and all(c in TID_ALPHABET for c in text)
        and text[0] in TID_ALPHABET[:16]  # the top bit is always 0
    )


def _iso(micros: int) -> str:
    moment = datetime.fromtimestamp(micros / 1_000_000, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# ---------------------------------------------------------------- refs between posts


@dataclass(frozen=True)
class Ref:
    """A post's strong ref and its thread's root: what a reply needs, kept in the ledger's remote id
    as "uri cid" (a root) or "uri cid root_uri root_cid"."""

    uri: str
    cid: str
    root_uri: str
    root_cid: str

    def __str__(self) -> str:
        if (self.uri, self.cid) == (self.root_uri, self.root_cid):
            return f"{self.uri} {self.cid}"
        return f"{self.uri} {self.cid} {self.root_uri} {self.root_cid}"

    @classmethod
    def parse(cls, remote_id: str) -> "Ref":
        parts = remote_id.split()
        if len(parts) not in (2, 4) or not all(p.startswith("at://") for p in parts[::2]):
            raise InputError(f"not a Bluesky post reference: {remote_id!r}")
        if len(parts) == 2:
            parts += parts
        return cls(*parts)

    @property
    def rkey(self) -> str:
        return self.uri.rsplit("/", 1)[1]

    @property
    def repo(self) -> str:
        return self.uri[len("at://") :].split("/", 1)[0]


def _reply(reply_to: str | None) -> dict | None:
    if reply_to is None:
        return None
    parent = Ref.parse(reply_to)
    return {
        "root": {"uri": parent.root_uri, "cid": parent.root_cid},
        "parent": {"uri": parent.uri, "cid": parent.cid},
    }


def _ref_of(uri: str, cid: str, reply_to: str | None) -> Ref:
    if reply_to is None:
        return Ref(uri, cid, uri, cid)
    parent = Ref.parse(reply_to)
    return Ref(uri, cid, parent.root_uri, parent.root_cid)


# ---------------------------------------------------------------- facets (UTF-8 byte ranges)


_URL = regex.compile(r"(?<![\w/])https?://[^\s<>\"]+")
_TRAILING = regex.compile(r"[.,;:!?'\"]+$")
_INVISIBLE = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
# Bluesky's own hashtag rule (social-app): after a start or a space, a #, then no space, not all digits.
_TAG = regex.compile(rf"(?:^|\s)[#\uff03]((?!\ufe0f)[^\s{_INVISIBLE}]*[^\d\s\p{{P}}{_INVISIBLE}]+[^\s{_INVISIBLE}]*)")
_TAG_TRAILING = regex.compile(r"\p{P}+$")


def _byte_range(text: str, start: int, end: int) -> dict:
    head = len(text[:start].encode("utf-8"))
    return {"byteStart": head, "byteEnd": head + len(text[start:end].encode("utf-8"))}


def _trim_url(url: str) -> str:
    url = _TRAILING.sub("", url)
    while url.endswith(")") and url.count(")") > url.count("("):
        url = _TRAILING.sub("", url[:-1])
    return url


def facets(text: str) -> list[dict]:
    """Links and hashtags of `text` as `app.bsky.richtext.facet`s, in text order."""
    found: list[tuple[int, dict]] = []
    for match in _URL.finditer(text):
        url = _trim_url(match.group())
        start = match.start()
        found.append(
            (
                start,
                {
                    "index": _byte_range(text, start, start + len(url)),
                    "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
                },
            )
        )
    for match in _TAG.finditer(text):
        tag = _TAG_TRAILING.sub("", match.group(1))
        if not tag or graphemes(tag) > MAX_TAG_GRAPHEMES:
            continue
        start = match.start(1) - 1  # the # (or ＃) itself is part of the range
        if any(f["index"]["byteStart"] <= len(text[:start].encode()) < f["index"]["byteEnd"] for _, f in found):
            continue  # a # inside a URL is the URL's
        found.append(
            (
                start,
                {
                    "index": _byte_range(text, start, start + 1 + len(tag)),
                    "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
                },
            )
        )
    return [f for _, f in sorted(found, key=lambda pair: pair[0])]


def check_facets(text: str, facet_list: list[dict]) -> None:
    """Refuse facets the PDS would store although wrong: a byte range outside the text, empty,
    reversed, cutting a character in two or overlapping another, or covering other text than the
    link or tag it carries."""
    data = text.encode("utf-8")
    last_end = 0
    for facet in facet_list:
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        problem = ""
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(data)):
            problem = f"byte range {start}..{end} is not inside the text ({len(data)} bytes)"
        elif start < last_end:
            problem = f"byte range {start}..{end} overlaps the facet before it"
        else:
            try:
                covered = data[start:end].decode("utf-8")
            except UnicodeDecodeError:
                covered = None
            features = facet.get("features") or []
            if covered is None:
                problem = f"byte range {start}..{end} cuts a character in two"
            elif len(features) != 1:
                problem = "a facet must carry exactly one feature"
            elif features[0].get("$type") == "app.bsky.richtext.facet#link" and covered != features[0].get("uri"):
                problem = f"the link facet covers {covered!r}, not its URL"
            elif features[0].get("$type") == "app.bsky.richtext.facet#tag" and covered[1:] != features[0].get("tag"):
                problem = f"the tag facet covers {covered!r}, not #{features[0].get('tag')}"
        if problem:
            raise InputError(f"Bluesky post not sent: {problem}")
        last_end = end


# ---------------------------------------------------------------- images


def prepare_image(path: Path) -> tuple[bytes, str, int, int]:
    """The image's bytes (PNG or JPEG as it is when small enough, else re-encoded as JPEG under the
    blob limit), its type and its size in pixels. Deterministic: the same file gives the same bytes,
    so a resend uploads the same blob and builds the same record."""
    from PIL import Image

    data = path.read_bytes()
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            width, height, kind = img.width, img.height, img.format
            if kind in ("PNG", "JPEG") and len(data) <= MAX_BLOB_BYTES:
                return data, f"image/{kind.lower()}", width, height
            rgb = img.convert("RGB")
    except (OSError, ValueError):
        raise InputError("not an image Bluesky can take", path) from None
    scale = 1.0
    while True:
        frame = rgb if scale == 1.0 else rgb.resize((max(1, int(width * scale)), max(1, int(height * scale))))
        for quality in (90, 80, 70, 60):
            out = io.BytesIO()
            frame.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() <= MAX_BLOB_BYTES:
                return out.getvalue(), "image/jpeg", frame.width, frame.height
        scale *= 0.75


# ---------------------------------------------------------------- errors


def _error_name(exc: Any) -> tuple[str, str]:
    """The XRPC error name and message of an SDK exception's response ("" when there is none)."""
    response = getattr(exc, "response", None)
    content = getattr(response, "content", None)
    name = getattr(content, "error", None) or (content.get("error") if isinstance(content, dict) else None)
    message = getattr(content, "message", None) or (content.get("message") if isinstance(content, dict) else None)
    return str(name or ""), redact(" ".join(str(message or "").split()))[:300]


def _retry_at(headers: Mapping[str, Any], now: float) -> float:
    try:
        return float(int(headers["ratelimit-reset"]))
    except (KeyError, ValueError, TypeError):
        return now + FALLBACK_RATE_LIMIT_WAIT


def error_from(exc: Exception, action: str, *, creates: bool = False, now: float | None = None) -> PlatformError:
    """Map an SDK exception to a PlatformError with the flags the engine acts on.

    `creates`: the request writes a post. A 5xx or a lost answer then means "unknown outcome": the
    engine reads the record at the post's key before sending again (which would be harmless anyway).
    """
    import httpx
    from atproto_client import exceptions as ex

    now = time.time() if now is None else now
    response = None if isinstance(exc, httpx.HTTPError) else getattr(exc, "response", None)
    if response is None:
        cause = exc if isinstance(exc, httpx.HTTPError) else (exc.__cause__ or exc.__context__)
        if isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout)):
            return PlatformError(
                f"could not reach Bluesky to {action} (connection failed); will retry",
                platform="bluesky",
                transient=True,
            )
        timeout = isinstance(exc, ex.InvokeTimeoutError) or isinstance(cause, httpx.TimeoutException)
        what = "timed out" if timeout else "connection dropped"
        if creates:
            return PlatformError(
                f"{what} while trying to {action}: the record may or may not be written; "
                "reading it back before sending again",
                platform="bluesky",
                outcome_unknown=True,
            )
        return PlatformError(f"{what} while trying to {action}; will retry", platform="bluesky", transient=True)
    status = response.status_code
    name, message = _error_name(exc)
    detail = f"{name}: {message}" if name and message else (name or message or f"HTTP {status}")
    if status == 429:
        when = _retry_at(response.headers or {}, now)
        minutes = max(1, round((when - now) / 60))
        return PlatformError(
            f"Bluesky rate limit reached while trying to {action}; resets in about {minutes} minute(s)",
            platform="bluesky",
            retry_at=when,
        )
    if status in (401, 403) or name in ("AuthenticationRequired", "ExpiredToken", "InvalidToken", "AccountTakedown"):
        return PlatformError(
            f"Bluesky refused the login ({detail}): {LOGIN_HINT}", platform="bluesky", needs_person=True
        )
    if status >= 500 and creates:
        return PlatformError(
            f"Bluesky answered {status} while trying to {action} ({detail}): the record may or may not be "
            "written; reading it back before sending again",
            platform="bluesky",
            outcome_unknown=True,
        )
    if status >= 500:
        return PlatformError(
            f"Bluesky failed to {action} ({status}: {detail}); will retry", platform="bluesky", transient=True
        )
    return PlatformError(f"Bluesky refused to {action} ({status}: {detail})", platform="bluesky", needs_person=True)


# ---------------------------------------------------------------- the adapter


def service_url(value: str | None) -> str:
    import urllib.parse

    url = (value or DEFAULT_SERVICE).strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{CREDENTIALS['service']} is not a usable URL (e.g. {DEFAULT_SERVICE}); nothing was sent")
    return url


class Adapter(base.Adapter):
    """Posts to one Bluesky account (a handle and an app password) on its PDS."""

    name = "bluesky"
    limits = SPEC.limits

    def __init__(
        self,
        credentials: Mapping[str, str],
        *,
        service: str | None = None,
        timeout: float = 30.0,
        session_file: Path | None = None,
    ):
        missing = [env for key, env in CREDENTIALS.items() if key != "service" and not credentials.get(key)]
        if missing:
            raise InputError(
                f"Bluesky credentials incomplete: set {', '.join(missing)} (or run `crosspost login bluesky`)"
            )
        self.handle = str(credentials["handle"]).strip().lstrip("@")
        self._password = str(credentials["app_password"])
        register_secrets([self._password])
        self.service = service_url(service or credentials.get("service"))
        self.timeout = timeout
        self._session_file = session_file or data_dir() / "bluesky" / "session.json"
        self._client: Client | None = None
        self._did: str | None = None

    def __repr__(self) -> str:
        return f"<bluesky.Adapter {self.service} {self.handle}>"

    @classmethod
    def from_config(cls, config: "Config") -> "Adapter":
        return cls(load_credentials("bluesky"))

    # -- session

    def _saved_session(self) -> str | None:
        try:
            saved = json.loads(self._session_file.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(saved, dict) or (saved.get("service"), saved.get("handle")) != (self.service, self.handle):
            return None  # another account or server: log in afresh
        session = saved.get("session")
        return session if isinstance(session, str) and session else None

    def _save_session(self, client: "Client") -> None:
        from ...files import atomic_write

        session = client.export_session_string()
        register_secrets([session, *session.split(":::")[2:4]])
        self._session_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        body = {"service": self.service, "handle": self.handle, "session": session}
        atomic_write(self._session_file, json.dumps(body).encode("utf-8"), mode=0o600)

    def _forget_session(self) -> None:
        try:
            self._session_file.unlink()
        except FileNotFoundError:
            pass

    def _login(self, *, fresh: bool = False) -> "Client":
        from atproto_client import Client
        from atproto_client.request import Request

        client = Client(base_url=self.service, request=Request(timeout=self.timeout))
        saved = None if fresh else self._saved_session()
        try:
            if saved:
                register_secrets([saved, *saved.split(":::")[2:4]])
                client.login(session_string=saved, fetch_bsky_profile=False)
                # an access token close to expiry is refreshed on the first call; check it is still good
                client.com.atproto.server.get_session()
            else:
                client.login(self.handle, self._password, fetch_bsky_profile=False)
        except Exception as exc:  # noqa: BLE001 - every SDK failure becomes one PlatformError
            error = self._error(exc, "log in")
            if saved and error.needs_person:  # an expired or revoked session: log in again with the password
                self._forget_session()
                return self._login(fresh=True)
            raise error from None
        client.on_session_change(lambda event, session: self._save_session(client))
        self._save_session(client)
        me = client._session
        self._did = str(me.did) if me is not None else None
        return client

    def _error(self, exc: Exception, action: str, *, creates: bool = False) -> PlatformError:
        import httpx
        from atproto_core.exceptions import AtProtocolError

        if isinstance(exc, PlatformError):
            return exc
        if isinstance(exc, (AtProtocolError, httpx.HTTPError)):
            return error_from(exc, action, creates=creates)
        if isinstance(exc, ValueError):  # an answer the SDK could not read
            import logging

            logging.getLogger(__name__).debug("unreadable answer", exc_info=True)
            return PlatformError(
                f"Bluesky sent an unreadable answer while trying to {action}",
                platform="bluesky",
                outcome_unknown=creates,
                transient=not creates,
            )
        raise exc

    def _call(self, action: str, call: Callable[["Client"], _T], *, creates: bool = False) -> _T:
        if self._client is None:
            self._client = self._login()
        try:
            return call(self._client)
        except Exception as exc:  # noqa: BLE001
            error = self._error(exc, action, creates=creates)
        raise error from None

    # -- raw XRPC: the JSON bodies the SDK's models would change

    def _procedure(self, client: "Client", nsid: str, content: bytes, content_type: str) -> dict:
        response = client.invoke_procedure(nsid, content=content, headers={"Content-Type": content_type})
        body = response.content
        if not isinstance(body, dict):
            raise ValueError(f"{nsid} answered something that is not JSON")
        return body

    def _upload(self, path: Path) -> dict:
        data, mime, width, height = prepare_image(path)
        body = self._call(
            f"upload {path.name}",
            lambda client: self._procedure(client, "com.atproto.repo.uploadBlob", data, mime),
        )
        blob = body.get("blob")
        if not isinstance(blob, dict):
            raise PlatformError(
                "Bluesky accepted an image but sent no blob back; will retry", platform="bluesky", transient=True
            )
        return {"blob": blob, "aspectRatio": {"width": width, "height": height}}

    # -- base.Adapter

    def intent(self, post: Post, reply_to: str | None) -> str | None:
        rkey, micros = new_tid()
        return json.dumps({"rkey": rkey, "createdAt": _iso(micros)}, sort_keys=True)

    def account(self) -> str:
        if self._did is None:
            self._call("look up the account", lambda client: None)
        if not self._did:
            raise PlatformError("Bluesky did not say which account this is", platform="bluesky", transient=True)
        return self._did

    def verify(self) -> str:
        session = self._call("check the login", lambda client: client.com.atproto.server.get_session())
        return f"@{session.handle} ({session.did})"

    def _check(self, post: Post) -> None:
        if graphemes(post.text) > MAX_GRAPHEMES:
            raise InputError(f"Bluesky allows {MAX_GRAPHEMES} characters per post; this one has {graphemes(post.text)}")
        if len(post.text.encode("utf-8")) > MAX_TEXT_BYTES:
            raise InputError(f"Bluesky allows {MAX_TEXT_BYTES} bytes of text per post")
        if len(post.media) > self.limits.max_media:
            raise InputError(f"Bluesky allows {self.limits.max_media} images per post, this post has {len(post.media)}")
        for media in post.media:
            if not Path(media.path).is_file():
                raise InputError("image not found (render the cards first)", Path(media.path))
            if len(media.alt_text) > self.limits.max_alt_text:
                raise InputError(
                    f"alt text is {len(media.alt_text)} characters; crosspost allows {self.limits.max_alt_text}",
                    Path(media.path),
                )

    def record(self, post: Post, intent: Mapping[str, str], reply_to: str | None, images: list[dict]) -> dict:
        """The post's `app.bsky.feed.post` record: the same for every send of the same post."""
        record: dict[str, Any] = {"$type": COLLECTION, "text": post.text, "createdAt": intent["createdAt"]}
        found = facets(post.text)
        check_facets(post.text, found)
        if found:
            record["facets"] = found
        reply = _reply(reply_to)
        if reply:
            record["reply"] = reply
        if images:
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [
                    {"alt": media.alt_text, "image": image["blob"], "aspectRatio": image["aspectRatio"]}
                    for media, image in zip(post.media, images)
                ],
            }
        return record

    def _intent(self, post: Post) -> dict[str, str]:
        try:
            intent = json.loads(post.intent or "")
        except ValueError:
            intent = None
        if not isinstance(intent, dict) or not is_tid(str(intent.get("rkey"))) or not intent.get("createdAt"):
            raise InputError("this Bluesky post has no record key from the ledger; nothing was sent")
        return intent

    def publish(self, post: Post, reply_to: str | None = None) -> Published:
        intent = self._intent(post)
        self._check(post)
        if reply_to is not None:
            Ref.parse(reply_to)
        images = [self._upload(Path(media.path)) for media in post.media]
        did = self.account()
        record = self.record(post, intent, reply_to, images)
        payload = {
            "repo": did,
            "collection": COLLECTION,
            "rkey": intent["rkey"],
            "validate": True,
            "record": record,
            "swapRecord": None,  # JSON null: create only if nothing is at this key
        }
        content = json.dumps(payload, ensure_ascii=False).encode("utf-8")

        def put(client: "Client") -> dict:
            from atproto_client.exceptions import BadRequestError

            try:
                return self._procedure(client, "com.atproto.repo.putRecord", content, "application/json")
            except BadRequestError as exc:
                name, message = _error_name(exc)
                if name == "InvalidSwap":
                    raise PlatformError(
                        f"a different Bluesky record is already at this post's key ({intent['rkey']}): "
                        "not overwritten; check the account, then `crosspost undo` or publish again",
                        platform="bluesky",
                        needs_person=True,
                    ) from None
                raise

        body = self._call("publish the post", put, creates=True)
        uri, cid = body.get("uri"), body.get("cid")
        if not isinstance(uri, str) or not isinstance(cid, str):
            raise PlatformError(
                "Bluesky answered the post without its reference: reading it back",
                platform="bluesky",
                outcome_unknown=True,
            )
        ref = _ref_of(uri, cid, reply_to)
        return Published(remote_id=str(ref), url=self._url(ref))

    def _url(self, ref: Ref) -> str:
        return f"https://bsky.app/profile/{self.handle}/post/{ref.rkey}"

    def delete(self, remote_id: str) -> None:
        ref = Ref.parse(remote_id)
        body = json.dumps({"repo": ref.repo, "collection": COLLECTION, "rkey": ref.rkey}).encode()
        self._call(
            f"delete post {ref.rkey}",
            lambda client: self._procedure(client, "com.atproto.repo.deleteRecord", body, "application/json"),
        )

    def get_record(self, rkey: str) -> dict | None:
        """The record at `rkey` in this account's posts ({"uri", "cid", "value"}), or None."""
        did = self.account()

        def get(client: "Client") -> dict | None:
            from atproto_client.exceptions import BadRequestError

            try:
                from atproto_client import models

                params = models.ComAtprotoRepoGetRecord.Params(repo=did, collection=COLLECTION, rkey=rkey)
                response = client.invoke_query("com.atproto.repo.getRecord", params=params)
            except BadRequestError as exc:
                if _error_name(exc)[0] == "RecordNotFound":
                    return None
                raise
            return response.content if isinstance(response.content, dict) else None

        return self._call("read back a post", get)

    def find(self, post: Post, reply_to: str | None = None, since: float | None = None) -> Published | None:
        """The record at this post's own key, if it is there and carries this post's text."""
        try:
            intent = self._intent(post)
        except InputError:
            return None  # never sent with a key: nothing can be there
        found = self.get_record(intent["rkey"])
        if found is None:
            return None
        value = found.get("value") or {}
        if value.get("text") != post.text or value.get("createdAt") != intent["createdAt"]:
            return None
        ref = _ref_of(str(found["uri"]), str(found["cid"]), reply_to)
        return Published(remote_id=str(ref), url=self._url(ref))
