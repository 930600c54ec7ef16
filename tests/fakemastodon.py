"""A fake Mastodon instance on 127.0.0.1, built from Mastodon's API documentation.

Why: an adapter tested against mocks only proves it agrees with the mocks. This server speaks real
HTTP, so Mastodon.py and requests run unmodified, and it refuses what Mastodon refuses:

- a missing or wrong `Authorization: Bearer` token: 401 {"error": "The access token is invalid"};
- a status longer than `max_characters` as Mastodon counts it (every URL counts
  `characters_reserved_per_url`, a mention @user@domain counts as @user, the rest code points): 422;
- more than 4 media, media not uploaded by this account, media still processing: 422
  ("Cannot attach files that have not finished processing. Try again in a moment!");
- a media description over 1500 characters: 422; `in_reply_to_id` that does not exist: 404;
- a visibility Mastodon does not know: 422.

It behaves as Mastodon does where crosspost relies on it: POST /api/v2/media answers 202 with
`url: null` and GET /api/v1/media/:id answers 206 (still `url: null`) `processing_polls` times
before 200 with a url; an `Idempotency-Key` seen within `idempotency_window` seconds answers the
status it made the first time (no second status); statuses come back as HTML (paragraphs, <br />,
links split in invisible/ellipsis spans); GET /api/v1/accounts/:id/statuses is newest first with
`limit` (default 20, max 40) and max_id/since_id/min_id paging and a Link header.

Faults for `fail()` (see FAILURES) cover what the network and an overloaded instance do.
Every request is recorded (`calls()`), with its Idempotency-Key, so tests can count resends.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

TOKEN = "MASTO-TOKEN-fake-Yt6Rr2Ee9Ww1Qq"  # distinctive on purpose: secrets tests grep for it
ACCOUNT = {"id": "109876543210", "username": "crosspost", "acct": "crosspost", "display_name": "Crosspost Test"}
VISIBILITIES = ("public", "unlisted", "private", "direct")
NOT_PROCESSED = "Cannot attach files that have not finished processing. Try again in a moment!"

FAILURES = {
    "unauthorized": "401 as Mastodon answers a revoked token",
    "forbidden": "403 {'error': 'This action is not allowed'}",
    "rate-limited": "429 with X-RateLimit-* headers, the reset `reset_in` seconds ahead (ISO 8601)",
    "server-error": "500 before doing anything",
    "drop": "close the socket without answering, before doing anything",
    "stored-no-answer": "do the work (store the status), then close the socket without answering",
    "stored-server-error": "do the work, then answer 500 as an overloaded front end does",
}

URL_RE = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,:;!?'\)\]]")
MENTION_RE = re.compile(r"(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\w]+(?:[.-]+[\w]+)*)?", re.I)
TAG_RE = re.compile(r"(?<![=/\w])#(\w+)")


def mastodon_length(text: str, url_length: int = 23) -> int:
    """app/validators/status_length_validator.rb: URLs count url_length, remote mentions their local part."""
    text = URL_RE.sub("x" * url_length, text)
    text = MENTION_RE.sub(lambda m: "@" + m.group(1), text)
    return len(text)


def render_html(text: str, base: str) -> str:
    """Mastodon's plain-text formatter: paragraphs on blank lines, <br /> on line breaks, links in spans."""

    def link(url: str) -> str:
        scheme, rest = url.split("://", 1)
        shown, hidden = rest[:30], rest[30:]
        return (
            f'<a href="{escape(url)}" target="_blank" rel="nofollow noopener" translate="no">'
            f'<span class="invisible">{escape(scheme)}://</span><span class="{"ellipsis" if hidden else ""}">'
            f'{escape(shown)}</span><span class="invisible">{escape(hidden)}</span></a>'
        )

    def inline(line: str) -> str:
        out, pos = [], 0
        for m in URL_RE.finditer(line):
            out.append(_tags(escape(line[pos : m.start()], quote=False), base))
            out.append(link(m.group(0)))
            pos = m.end()
        out.append(_tags(escape(line[pos:], quote=False), base))
        return "".join(out)

    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "".join("<p>" + "<br />".join(inline(line) for line in p.split("\n")) + "</p>" for p in paragraphs)


def _tags(text: str, base: str) -> str:
    return TAG_RE.sub(
        lambda m: (
            f'<a href="{base}/tags/{m.group(1).lower()}" class="mention hashtag" rel="tag">#<span>{m.group(1)}</span></a>'
        ),
        text,
    )


def _iso(when: float) -> str:
    dt = datetime.fromtimestamp(when, timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


# ---------------------------------------------------------------- records


@dataclass
class FakeMedia:
    id: str
    filename: str
    content_type: str
    data: bytes
    description: str | None
    focus: str | None
    polls_left: int  # GETs of /api/v1/media/:id answered 206 (processing) before it is processed
    attached_to: str | None = None

    @property
    def processed(self) -> bool:
        return self.polls_left <= 0


@dataclass
class FakeStatus:
    id: str
    text: str
    in_reply_to_id: str | None
    media_ids: list[str]
    visibility: str
    created_at: float
    idempotency_key: str | None = None
    deleted: bool = False
    descriptions: list[str | None] = field(default_factory=list)
    focuses: list[str | None] = field(default_factory=list)


@dataclass
class RequestRecord:
    n: int
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, Any]
    idempotency_key: str | None
    authorization: str
    status: int | None = None  # None when the server never answered


@dataclass
class Failure:
    kind: str
    method: str | None = None
    path: str | None = None  # regex matched against the whole path
    nth: int | None = None
    times: int = 1
    reset_in: int = 300

    def matches(self, record: RequestRecord) -> bool:
        if self.times <= 0:
            return False
        if self.method and self.method.upper() != record.method:
            return False
        if self.path and not re.fullmatch(self.path, record.path):
            return False
        return self.nth is None or self.nth == record.n


class _Hangup(Exception):
    pass


class FakeMastodon:
    def __init__(
        self,
        *,
        max_characters: int = 500,
        url_length: int = 23,
        max_media: int = 4,
        description_limit: int = 1500,
        processing_polls: int = 1,
        idempotency_window: float = 3600.0,
    ):
        self.max_characters = max_characters
        self.url_length = url_length
        self.max_media = max_media
        self.description_limit = description_limit
        self.processing_polls = processing_polls
        self.idempotency_window = idempotency_window
        self.token = TOKEN
        self.auth_code = "AUTH-CODE-fake-123"  # what the authorisation page would show the person
        self.statuses: list[FakeStatus] = []
        self.media: dict[str, FakeMedia] = {}
        self.records: list[RequestRecord] = []
        self.failures: list[Failure] = []
        self.violations: list[str] = []  # requests Mastodon would refuse (also answered as it would)
        self.listing_hidden: set[str] = set()  # status ids GET .../statuses does not show (yet)
        self.hide_from_listing = False  # statuses made while True go into listing_hidden
        self._keys: dict[str, tuple[str, float]] = {}  # Idempotency-Key -> (status id, when)
        self._ids = itertools.count(int(time.time() * 1000) << 16)  # snowflake-like, increasing
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle

    def start(self) -> "FakeMastodon":
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def adapter(self, **kwargs):
        from crosspost.platforms.mastodon.adapter import Adapter

        kwargs.setdefault("media_wait", 10.0)
        return Adapter({"url": self.url, "token": self.token}, **kwargs)

    # -- test helpers

    def fail(self, kind: str, **kwargs) -> Failure:
        assert kind in FAILURES, kind
        failure = Failure(kind, **kwargs)
        with self._lock:
            self.failures.append(failure)
        return failure

    def calls(self, method: str | None = None, path: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return [
                r
                for r in self.records
                if (method is None or r.method == method) and (path is None or re.fullmatch(path, r.path))
            ]

    def count(self, method: str, path: str) -> int:
        return len(self.calls(method, path))

    def live_statuses(self) -> list[FakeStatus]:
        with self._lock:
            return [s for s in self.statuses if not s.deleted]

    # -- HTTP

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path = parts.path.rstrip("/") or "/"
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        form = _parse_form(h.headers.get("Content-Type", ""), body, h.command)
        with self._lock:
            record = RequestRecord(
                n=len(self.records) + 1,
                method=h.command,
                path=path,
                query=dict(parse_qsl(parts.query)),
                form=form,
                idempotency_key=h.headers.get("Idempotency-Key"),
                authorization=h.headers.get("Authorization", ""),
            )
            self.records.append(record)
            failure = next((f for f in self.failures if f.matches(record)), None)
            if failure is not None:
                failure.times -= 1
        if failure is not None and failure.kind == "drop":
            raise _Hangup
        if failure is not None and failure.kind not in ("stored-no-answer", "stored-server-error"):
            self._answer(h, record, *_failure_answer(failure))
            return
        if record.method == "POST" and record.path in ("/api/v1/apps", "/oauth/token"):  # the OAuth app flow
            self._answer(h, record, *self._oauth(record))
            return
        if record.authorization != f"Bearer {self.token}":
            self._answer(h, record, 401, {"error": "The access token is invalid"}, {})
            return
        status, doc, headers = self._route(record)
        if failure is not None and failure.kind == "stored-no-answer":
            raise _Hangup
        if failure is not None and failure.kind == "stored-server-error":
            self._answer(h, record, 500, {"error": "We're sorry, but something went wrong on our end."}, {})
            return
        self._answer(h, record, status, doc, headers)

    def _answer(self, h, record: RequestRecord, status: int, doc: Any, headers: dict) -> None:
        body = json.dumps(doc).encode("utf-8")
        with self._lock:
            record.status = status
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            h.send_header(name, str(value))
        h.end_headers()
        h.wfile.write(body)

    def _route(self, record: RequestRecord) -> tuple[int, Any, dict]:
        method, path = record.method, record.path
        with self._lock:
            if method == "GET" and path == "/api/v2/instance":
                return 200, self._instance(), {}
            if (
                method == "GET" and path == "/api/v1/instance"
            ):  # deprecated, still served (Mastodon.py reads the version here)
                return 200, self._instance_v1(), {}
            if method == "GET" and path == "/api/v1/accounts/verify_credentials":
                return 200, self._account(), {}
            if method == "POST" and path == "/api/v2/media":
                return self._upload(record.form)
            m = re.fullmatch(r"/api/v1/media/(\w+)", path)
            if method == "GET" and m:
                return self._media_status(m.group(1))
            if method == "POST" and path == "/api/v1/statuses":
                return self._create(record)
            m = re.fullmatch(r"/api/v1/statuses/(\w+)", path)
            if method == "DELETE" and m:
                return self._delete(m.group(1))
            m = re.fullmatch(r"/api/v1/accounts/(\w+)/statuses", path)
            if method == "GET" and m:
                return self._account_statuses(m.group(1), record.query)
        return 404, {"error": "Record not found"}, {}

    # -- endpoints

    def _oauth(self, record: RequestRecord) -> tuple[int, Any, dict]:
        """POST /api/v1/apps registers an app; POST /oauth/token trades an authorisation code for a token."""
        form = record.form
        with self._lock:
            if record.path == "/api/v1/apps":
                if not form.get("client_name") or not form.get("redirect_uris"):
                    self.violations.append("app registration without a name or redirect URI")
                    return 422, {"error": "Validation failed: Name can't be blank"}, {}
                self.app = {"client_id": "fake-client-id", "client_secret": "CLIENT-SECRET-fake-Pp4Oo8", **form}
                return 200, {"id": "1", "name": form["client_name"], **self.app}, {}
            app = getattr(self, "app", None)
            if (
                app is None
                or form.get("client_id") != app["client_id"]
                or form.get("client_secret") != app["client_secret"]
                or form.get("grant_type") != "authorization_code"
                or form.get("code") != self.auth_code
                or form.get("redirect_uri") != app["redirect_uris"]
            ):
                return (
                    400,
                    {"error": "invalid_grant", "error_description": "The provided authorization grant is invalid"},
                    {},
                )
            return (
                200,
                {"access_token": self.token, "token_type": "Bearer", "scope": app.get("scopes", ""), "created_at": 0},
                {},
            )

    def _instance(self) -> dict:
        return {
            "domain": "127.0.0.1",
            "title": "Fake Mastodon",
            "version": "4.3.0",
            "api_versions": {"mastodon": 2},
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A fake instance for tests",
            "usage": {"users": {"active_month": 1}},
            "thumbnail": {"url": f"{self.url}/thumb.png"},
            "languages": ["en"],
            "configuration": {
                "urls": {"streaming": "ws://127.0.0.1"},
                "accounts": {"max_featured_tags": 10},
                "statuses": {
                    "max_characters": self.max_characters,
                    "max_media_attachments": self.max_media,
                    "characters_reserved_per_url": self.url_length,
                },
                "media_attachments": {
                    "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
                    "description_limit": self.description_limit,
                    "image_size_limit": 16777216,
                    "image_matrix_limit": 33177600,
                    "video_size_limit": 103809024,
                    "video_frame_rate_limit": 120,
                    "video_matrix_limit": 8294400,
                },
                "polls": {"max_options": 4},
                "translation": {"enabled": False},
            },
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "contact": {"email": "admin@example.com", "account": None},
            "rules": [],
        }

    def _instance_v1(self) -> dict:
        return {
            "uri": "127.0.0.1",
            "title": "Fake Mastodon",
            "version": "4.3.0",
            "description": "A fake instance for tests",
            "languages": ["en"],
            "configuration": self._instance()["configuration"],
        }

    def _account(self) -> dict:
        return {
            **ACCOUNT,
            "url": f"{self.url}/@{ACCOUNT['username']}",
            "created_at": "2024-01-01T00:00:00.000Z",
            "note": "",
            "avatar": f"{self.url}/avatar.png",
            "header": f"{self.url}/header.png",
            "locked": False,
            "bot": False,
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": len(self.live_statuses()),
            "emojis": [],
            "fields": [],
        }

    def _media_json(self, media: FakeMedia) -> dict:
        focus = None
        if media.focus:
            x, y = (float(v) for v in media.focus.split(","))
            focus = {"x": x, "y": y}
        return {
            "id": media.id,
            "type": "image",
            "url": f"{self.url}/media/{media.id}.png" if media.processed else None,
            "preview_url": f"{self.url}/media/{media.id}-small.png",
            "remote_url": None,
            "text_url": None,
            "meta": {"focus": focus} if focus else {},
            "description": media.description,
            "blurhash": "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}",
        }

    def _upload(self, form: dict) -> tuple[int, Any, dict]:
        file = form.get("file")
        if not isinstance(file, tuple):
            return 422, {"error": "Validation failed: File can't be blank"}, {}
        filename, content_type, data = file
        description = form.get("description")
        if description is not None and len(description) > self.description_limit:
            self.violations.append(f"description of {len(description)} characters")
            return (
                422,
                {"error": f"Validation failed: Description is too long (maximum is {self.description_limit})"},
                {},
            )
        magic = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
        if content_type not in magic or not data.startswith(magic[content_type]):
            self.violations.append(f"upload of {content_type} that is not one")
            return 422, {"error": "Validation failed: File content type is invalid"}, {}
        focus = form.get("focus")
        if focus is not None and not re.fullmatch(r"-?[01](\.\d+)?,-?[01](\.\d+)?", focus):
            self.violations.append(f"focus {focus!r}")
            return 422, {"error": "Validation failed: Focus is invalid"}, {}
        media = FakeMedia(str(next(self._ids)), filename, content_type, data, description, focus, self.processing_polls)
        self.media[media.id] = media
        return (202 if not media.processed else 200), self._media_json(media), {}

    def _media_status(self, media_id: str) -> tuple[int, Any, dict]:
        media = self.media.get(media_id)
        if media is None:
            return 404, {"error": "Record not found"}, {}
        if not media.processed:  # 206 Partial Content while processing, `url` still null
            doc = self._media_json(media)
            media.polls_left -= 1
            return 206, doc, {}
        return 200, self._media_json(media), {}

    def _create(self, record: RequestRecord) -> tuple[int, Any, dict]:
        form = record.form
        key = record.idempotency_key
        now = time.time()
        if key:
            seen = self._keys.get(key)
            if seen is not None and now - seen[1] < self.idempotency_window:
                return 200, self._status_json(self._by_id(seen[0])), {}
        text = form.get("status") or ""
        media_ids = form.get("media_ids[]") or []
        if isinstance(media_ids, str):
            media_ids = [media_ids]
        visibility = form.get("visibility") or "public"
        reply_to = form.get("in_reply_to_id")
        if visibility not in VISIBILITIES:
            self.violations.append(f"visibility {visibility!r}")
            return 422, {"error": "Validation failed: Visibility is not included in the list"}, {}
        if not text and not media_ids:
            self.violations.append("a status with neither text nor media")
            return 422, {"error": "Validation failed: Text can't be blank"}, {}
        length = mastodon_length(text, self.url_length)
        if length > self.max_characters:
            self.violations.append(f"status of {length} characters")
            return 422, {"error": f"Validation failed: Text character limit of {self.max_characters} exceeded"}, {}
        if len(media_ids) > self.max_media:
            self.violations.append(f"{len(media_ids)} media")
            return 422, {"error": f"Validation failed: Media attachments maximum of {self.max_media} exceeded"}, {}
        for media_id in media_ids:
            media = self.media.get(media_id)
            if media is None or media.attached_to is not None:
                self.violations.append(f"media {media_id} unknown or attached already")
                return 422, {"error": "Validation failed: Media attachments are invalid"}, {}
            if not media.processed:
                self.violations.append(f"media {media_id} attached before it was processed")
                return 422, {"error": NOT_PROCESSED}, {}
        if reply_to is not None and reply_to not in {s.id for s in self.live_statuses()}:
            self.violations.append(f"reply to {reply_to}, which does not exist")
            return 404, {"error": "The post you are trying to reply to does not appear to exist."}, {}
        status = FakeStatus(
            id=str(next(self._ids)),
            text=text,
            in_reply_to_id=reply_to,
            media_ids=list(media_ids),
            visibility=visibility,
            created_at=now,
            idempotency_key=key,
            descriptions=[self.media[m].description for m in media_ids],
            focuses=[self.media[m].focus for m in media_ids],
        )
        for media_id in media_ids:
            self.media[media_id].attached_to = status.id
        self.statuses.append(status)
        if self.hide_from_listing:
            self.listing_hidden.add(status.id)
        if key:
            self._keys[key] = (status.id, now)
        return 200, self._status_json(status), {}

    def _by_id(self, status_id: str) -> FakeStatus:
        return next(s for s in self.statuses if s.id == status_id)

    def _status_json(self, status: FakeStatus) -> dict:
        url = f"{self.url}/@{ACCOUNT['username']}/{status.id}"
        return {
            "id": status.id,
            "uri": url,
            "url": url,
            "created_at": _iso(status.created_at),
            "account": self._account(),
            "content": render_html(status.text, self.url),
            "visibility": status.visibility,
            "sensitive": False,
            "spoiler_text": "",
            "media_attachments": [self._media_json(self.media[m]) for m in status.media_ids],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "reblogs_count": 0,
            "favourites_count": 0,
            "replies_count": 0,
            "in_reply_to_id": status.in_reply_to_id,
            "in_reply_to_account_id": ACCOUNT["id"] if status.in_reply_to_id else None,
            "reblog": None,
            "poll": None,
            "card": None,
            "language": "en",
            "text": None,
            "edited_at": None,
        }

    def _delete(self, status_id: str) -> tuple[int, Any, dict]:
        for status in self.statuses:
            if status.id == status_id and not status.deleted:
                status.deleted = True
                doc = self._status_json(status)
                doc["text"] = status.text
                return 200, doc, {}
        return 404, {"error": "Record not found"}, {}

    def _account_statuses(self, account_id: str, query: dict[str, str]) -> tuple[int, Any, dict]:
        if account_id != ACCOUNT["id"]:
            return 404, {"error": "Record not found"}, {}
        try:
            limit = min(int(query.get("limit", 20)), 40)
        except ValueError:
            return 400, {"error": "limit must be a number"}, {}
        statuses = sorted(self.live_statuses(), key=lambda s: int(s.id), reverse=True)
        statuses = [s for s in statuses if s.id not in self.listing_hidden]
        if "max_id" in query:
            statuses = [s for s in statuses if int(s.id) < int(query["max_id"])]
        if "since_id" in query:
            statuses = [s for s in statuses if int(s.id) > int(query["since_id"])]
        if "min_id" in query:
            statuses = sorted((s for s in statuses if int(s.id) > int(query["min_id"])), key=lambda s: int(s.id))
            statuses = sorted(statuses[:limit], key=lambda s: int(s.id), reverse=True)
        page = statuses[:limit]
        headers = {}
        if page:
            base = f"{self.url}/api/v1/accounts/{account_id}/statuses?limit={limit}"
            headers["Link"] = f'<{base}&max_id={page[-1].id}>; rel="next", <{base}&min_id={page[0].id}>; rel="prev"'
        return 200, [self._status_json(s) for s in page], headers


def _parse_form(content_type: str, body: bytes, method: str) -> dict[str, Any]:
    """A form body as Rails reads it: `name[]` fields become lists, file parts (name, type, bytes)."""
    if not body:
        return {}
    from werkzeug.formparser import parse_form_data

    environ = {
        "wsgi.input": io.BytesIO(body),
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "REQUEST_METHOD": method,
    }
    _, form, files = parse_form_data(environ)
    out: dict[str, Any] = {}
    for name in form:
        values = form.getlist(name)
        out[name] = values if name.endswith("[]") else values[-1]
    for name in files:
        f = files[name]
        out[name] = (f.filename, f.mimetype, f.read())
    return out


def _failure_answer(failure: Failure) -> tuple[int, Any, dict]:
    if failure.kind == "unauthorized":
        return 401, {"error": "The access token is invalid"}, {}
    if failure.kind == "forbidden":
        return 403, {"error": "This action is not allowed"}, {}
    if failure.kind == "rate-limited":
        reset = datetime.fromtimestamp(time.time() + failure.reset_in, timezone.utc)
        return (
            429,
            {"error": "Too many requests"},
            {
                "X-RateLimit-Limit": 300,
                "X-RateLimit-Remaining": 0,
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.") + f"{reset.microsecond // 1000:03d}Z",
            },
        )
    if failure.kind == "server-error":
        return 500, {"error": "We're sorry, but something went wrong on our end."}, {}
    raise AssertionError(failure.kind)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeMastodon
    protocol_version = "HTTP/1.0"  # one request per connection: no stale keep-alive sockets

    def _serve(self) -> None:
        try:
            self.fake.handle(self)
        except _Hangup:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    do_GET = do_POST = do_DELETE = do_PUT = _serve

    def log_message(self, format: str, *args) -> None:  # keep test output (and secrets) quiet
        pass


@pytest.fixture
def fake_mastodon(monkeypatch):
    """A running FakeMastodon; CROSSPOST_MASTODON_URL and CROSSPOST_MASTODON_TOKEN point at it."""
    server = FakeMastodon().start()
    monkeypatch.setenv("CROSSPOST_MASTODON_URL", server.url)
    monkeypatch.setenv("CROSSPOST_MASTODON_TOKEN", TOKEN)
    monkeypatch.setattr("crosspost.platforms.mastodon.adapter._sleep", lambda s: None)
    try:
        yield server
    finally:
        server.stop()
