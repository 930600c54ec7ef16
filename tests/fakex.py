"""A fake X API v2 on 127.0.0.1 that checks every request against X's OpenAPI description.

Why: an adapter tested against mocks only proves it agrees with the mocks. This server speaks real
HTTP, so tweepy, requests and OAuth signing run unmodified, and it rejects (HTTP 400, recorded in
`violations`) anything the official spec in tests/data/x-openapi/openapi.json does not allow.

Use it from any test file:

    from fakex import fake_x          # pytest puts tests/ on sys.path

    def test_something(fake_x):       # sets CROSSPOST_X_API_URL and the CROSSPOST_X_* credentials
        adapter = fake_x.adapter()    # crosspost.platforms.x.Adapter pointed at the server
        ...
        fake_x.fail("duplicate", method="POST", path="/2/tweets")
        assert fake_x.violations == []

Failure kinds for `fail()`: see FAILURES. Checks beyond openapi-core (which ignores unknown query
parameters and unknown multipart fields): unknown query parameters, strict multipart fields,
and a well-formed OAuth 1.0a header whose HMAC-SHA1 signature is verified with TEST_CREDENTIALS.

Known gap in the spec revision we ship (v2.167 from xdevplatform/xdk): it names the post field list
of GET /2/users/{id}/tweets `post.fields` and the reply reference `referenced_posts`, while X's
production API and docs use `tweet.fields` and `referenced_tweets`. The server accepts
`tweet.fields` as an alias and checks its values against the spec's own `tweet.fields` enum (used by
other endpoints); it answers with `referenced_tweets`, which the Post schema allows as an extra key.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import functools
import hashlib
import html
import itertools
import json
import re
import socket
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

SPEC_PATH = Path(__file__).parent / "data" / "x-openapi" / "openapi.json"
SPEC_HOST = "https://api.x.com"  # the spec's server; requests are matched as if sent there

# Distinctive on purpose: a secrets test greps every message and log for these.
TEST_CREDENTIALS = {
    "api_key": "CKEY-fake-7Qw9zLm2Xv",
    "api_secret": "CSECRET-fake-p4R8tY1uN6bV3cK0",
    "access_token": "1234567890-ATOKEN-fake-Hj5Gf2Dd8Ss",
    "access_secret": "ASECRET-fake-Zx7Cv1Bn9Mq4Wl",
}
CREDENTIAL_ENV = {
    "api_key": "CROSSPOST_X_API_KEY",
    "api_secret": "CROSSPOST_X_API_SECRET",
    "access_token": "CROSSPOST_X_ACCESS_TOKEN",
    "access_secret": "CROSSPOST_X_ACCESS_SECRET",
}
USER = {"id": "1234567890", "name": "Crosspost Test", "username": "crosspost_test"}
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
LISTING_LAG_MAX = 10.0  # seconds: crosspost.platforms.x.adapter.Adapter.lookup_settle, what it trusts X to list within

# kind -> what the server does instead of answering normally
FAILURES = {
    "unauthorized": "401 as X sends it for bad credentials",
    "forbidden": "403 'You are not permitted to perform this action.'",
    "duplicate": "403 with X's duplicate-content detail",
    "rate-limited": "429 with x-rate-limit-* headers (reset in `reset_in` seconds)",
    "daily-limit": "429 with x-user-limit-24hour-remaining: 0 (reset in `daily_reset_in` seconds)",
    "usage-capped": "429 with X's usage-capped problem",
    "server-error": "500",
    "drop": "close the socket without answering, before doing anything",
    "stored-no-answer": "do the work (store the post), then close the socket without answering",
    "stored-hang": "do the work, then send nothing until the client gives up (or `hang_for` seconds)",
    "stored-server-error": "do the work (store the post), then answer 500 as an overloaded front end does",
    "echo": "400 whose detail echoes the request's headers and body, as a proxy or a wrong API URL may "
    "(`echo='raw'`, or `echo='base64'` for the Authorization header base64-encoded)",
}


# ---------------------------------------------------------------- records


@dataclass
class FakeMedia:
    id: str
    filename: str
    content_type: str
    data: bytes
    media_category: str
    alt_text: str | None = None


@dataclass
class FakePost:
    id: str
    text: str
    reply_to: str | None
    media_ids: list[str]
    created_at: str
    deleted: bool = False
    alt_texts: list[str | None] = field(default_factory=list)


@dataclass
class RequestRecord:
    n: int  # 1-based order of arrival
    method: str
    path: str
    query: dict[str, str]
    content_type: str
    json: Any = None
    form: dict[str, Any] | None = None
    status: int | None = None  # None when the server never answered
    signature: str = ""  # oauth_signature sent, so tests can check it never leaks


@dataclass
class Failure:
    kind: str
    method: str | None = None
    path: str | None = None  # exact path or a spec template such as /2/tweets/{id}
    nth: int | None = None  # fail the n-th request (1-based, all requests counted)
    times: int = 1  # how many matching requests fail
    reset_in: int = 900
    daily_reset_in: int = 6 * 3600
    reset_at: int | None = None  # absolute Unix times win over the *_in offsets
    daily_reset_at: int | None = None
    hang_for: float = 10.0
    echo: str = "raw"

    def matches(self, record: RequestRecord) -> bool:
        if self.times <= 0:
            return False
        if self.method and self.method.upper() != record.method:
            return False
        if self.path and not _path_matches(self.path, record.path):
            return False
        if self.nth is not None and self.nth != record.n:
            return False
        return True


def _path_matches(pattern: str, path: str) -> bool:
    regex = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(pattern)) + "$"
    return re.match(regex, path) is not None


# ---------------------------------------------------------------- the spec


@functools.lru_cache(maxsize=1)
def load_spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def openapi():
    """openapi-core over the spec. Spec self-validation is off: this revision has a duplicated enum
    value elsewhere (dm `expansions`) that openapi-spec-validator rejects, unrelated to our paths."""
    from openapi_core import Config, OpenAPI

    config = Config(spec_validator_cls=None, extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(load_spec(), config=config)


def _resolve(node: Any) -> Any:
    spec = load_spec()
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def spec_operation(method: str, template: str) -> dict:
    return load_spec()["paths"][template][method.lower()]


def spec_template(path: str) -> str | None:
    for template in load_spec()["paths"]:
        if _path_matches(template, path):
            if "{" not in template or template == path:
                return template
    for template in load_spec()["paths"]:  # templated paths last: /2/users/me beats /2/users/{id}
        if _path_matches(template, path):
            return template
    return None


def declared_query_params(method: str, template: str) -> dict[str, dict]:
    op = spec_operation(method, template)
    params = [_resolve(p) for p in op.get("parameters", [])]
    params += [_resolve(p) for p in load_spec()["paths"][template].get("parameters", [])]
    return {p["name"]: p for p in params if p.get("in") == "query"}


@functools.lru_cache(maxsize=1)
def production_tweet_fields() -> frozenset[str]:
    """The `tweet.fields` values the spec lists for the endpoints that still use that name."""
    values: set[str] = set()
    for ops in load_spec()["paths"].values():
        for op in ops.values():
            if not isinstance(op, dict):
                continue
            for p in op.get("parameters", []):
                p = _resolve(p)
                if isinstance(p, dict) and p.get("name") == "tweet.fields":
                    values.update(p["schema"]["items"]["enum"])
    return frozenset(values)


def schema(name: str) -> dict:
    return load_spec()["components"]["schemas"][name]


@dataclass
class _SpecRequest:
    """What openapi-core needs to know about a request (its Request protocol)."""

    method: str
    path: str
    body: bytes | None
    content_type: str
    parameters: Any
    host_url: str = SPEC_HOST


@dataclass
class _SpecResponse:
    status_code: int
    data: bytes | None
    content_type: str
    headers: Any


def spec_request(
    method: str, path: str, query: list[tuple[str, str]], headers: dict[str, str], body: bytes | None, content_type: str
) -> _SpecRequest:
    from openapi_core.datatypes import RequestParameters
    from werkzeug.datastructures import Headers, ImmutableMultiDict

    params = RequestParameters(query=ImmutableMultiDict(query), header=Headers(list(headers.items())))
    return _SpecRequest(method.lower(), path, body or None, content_type.lower(), params)


def validate_request(request: _SpecRequest) -> list[str]:
    """openapi-core's verdict on a request: [] when valid."""
    try:
        with warnings.catch_warnings():  # openapi-core cannot check OAuth 2 schemes; we check OAuth 1.0a
            warnings.simplefilter("ignore", UserWarning)
            openapi().validate_request(request)
    except Exception as exc:  # openapi-core raises a family of validation errors
        return [_explain(exc)]
    return []


def validate_response(request: _SpecRequest, status: int, body: bytes, content_type: str) -> list[str]:
    """Problems with a response we send: spec schemas for documented shapes, RFC 7807 for X's
    `about:blank` / usage-capped error documents, which the spec's Problem union does not list."""
    from werkzeug.datastructures import Headers

    try:
        doc = json.loads(body) if body else None
    except ValueError:
        return [f"response body is not JSON ({status})"]
    if (
        status >= 400
        and isinstance(doc, dict)
        and not str(doc.get("type", "")).startswith("https://api.x.com/2/problems/")
    ):
        missing = [k for k in ("title", "type") if not isinstance(doc.get(k), str)]
        return [f"error document lacks {missing}"] if missing else []
    response = _SpecResponse(status, body, content_type, Headers({"Content-Type": content_type}))
    try:
        openapi().validate_response(request, response)
    except Exception as exc:
        return [_explain(exc)]
    return []


def _explain(exc: BaseException) -> str:
    parts = [f"{type(exc).__name__}: {exc}"]
    cause = exc.__cause__
    for err in getattr(cause, "schema_errors", None) or []:
        parts.append(getattr(err, "message", str(err)))
    if cause is not None and not getattr(cause, "schema_errors", None):
        parts.append(str(cause))
    return " | ".join(p[:500] for p in parts)


def parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """Form fields as {name: str}; file parts as {name: (filename, content_type, bytes)}."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise ValueError("not a multipart body")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            raise ValueError("a multipart part without a name")
        if name in fields:
            raise ValueError(f"multipart field {name!r} sent twice")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            fields[name] = (filename, part.get_content_type(), payload)
        else:
            fields[name] = payload.decode(part.get_content_charset() or "utf-8")
    return fields


def validate_form(form: dict[str, Any], schema_name: str) -> list[str]:
    """Strict check of multipart fields (openapi-core silently drops unknown ones)."""
    import jsonschema

    instance = {k: (v if isinstance(v, str) else "<binary>") for k, v in form.items()}
    validator = jsonschema.Draft4Validator(schema(schema_name))
    return [f"multipart field error: {e.message}" for e in validator.iter_errors(instance)]


# ---------------------------------------------------------------- OAuth 1.0a

_OAUTH_PARAM = re.compile(r'\s*([A-Za-z0-9_.~%-]+)="([^"]*)"\s*(?:,|$)')
REQUIRED_OAUTH = (
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_signature",
    "oauth_timestamp",
    "oauth_nonce",
)


def parse_oauth_header(value: str) -> dict[str, str]:
    """The parameters of `Authorization: OAuth k="v", ...`; ValueError when malformed."""
    from urllib.parse import unquote

    if not value.startswith("OAuth "):
        raise ValueError("Authorization is not an OAuth 1.0a header")
    rest = value[len("OAuth ") :]
    params: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        match = _OAUTH_PARAM.match(rest, pos)
        if not match:
            raise ValueError("malformed OAuth header")
        params[unquote(match.group(1))] = unquote(match.group(2))
        pos = match.end()
    missing = [k for k in REQUIRED_OAUTH if not params.get(k)]
    if missing:
        raise ValueError(f"OAuth header lacks {', '.join(missing)}")
    if params["oauth_signature_method"] != "HMAC-SHA1":
        raise ValueError("OAuth signature method is not HMAC-SHA1")
    if params.get("oauth_version", "1.0") != "1.0":
        raise ValueError("OAuth version is not 1.0")
    if not params["oauth_timestamp"].isdigit():
        raise ValueError("OAuth timestamp is not a number")
    return params


def signature_ok(
    method: str, url: str, authorization: str, form_body: str | None, api_secret: str, access_secret: str
) -> bool:
    """Recompute the HMAC-SHA1 signature the way X does (RFC 5849 section 3.4)."""
    from oauthlib.common import Request
    from oauthlib.oauth1.rfc5849 import signature

    request = Request(url, http_method=method, body=form_body, headers={"Authorization": authorization})
    request.params = signature.collect_parameters(
        uri_query=urlsplit(url).query, body=form_body, headers=request.headers, exclude_oauth_signature=True
    )
    request.signature = parse_oauth_header(authorization)["oauth_signature"]
    return signature.verify_hmac_sha1(request, api_secret, access_secret)


# ---------------------------------------------------------------- the server


class _Hangup(Exception):
    """Raised inside a handler to leave without answering."""


class FakeX:
    """State and behaviour of the fake API; `start()` serves it on 127.0.0.1 in a thread."""

    def __init__(self, credentials: dict[str, str] | None = None):
        self.credentials = dict(credentials or TEST_CREDENTIALS)
        self.user = dict(USER)
        self.posts: list[FakePost] = []
        self.media: dict[str, FakeMedia] = {}
        self.log: list[RequestRecord] = []
        self.violations: list[str] = []  # requests the spec (or OAuth) does not allow: keep empty
        self.response_violations: list[str] = []  # our own answers that break the spec: keep empty
        self.failures: list[Failure] = []
        self._lock = threading.RLock()
        self._ids = itertools.count(1_900_000_000_000_000_001)
        self._media_ids = itertools.count(1_800_000_000_000_000_001)
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # A new post stays out of GET /2/users/{id}/tweets for this many listings (X's timeline
        # can trail a create by seconds); `unlisted` counts down per post. The lag is X's, so it is
        # bounded in time as X's is: never past LISTING_LAG_MAX seconds after the create (the X
        # adapter's lookup_settle). Counted in listings only, a slow machine (a CLI re-run starting
        # more than that after the send) would see a post that X itself would list by then hidden.
        self.listing_lag = 0
        self.unlisted: dict[str, int] = {}
        self.unlisted_until: dict[str, float] = {}
        self.reject_duplicates = True  # X's duplicate-content 403; off to test what else guards a resend

    # -- lifecycle

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeX":
        openapi()  # load the spec before the first request arrives
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), name="fake-x", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeX":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- test helpers

    def adapter(self, *, timeout: float = 5.0, credentials: dict[str, str] | None = None):
        """A real crosspost X adapter pointed at this server."""
        from crosspost.platforms.x.adapter import Adapter

        return Adapter(credentials or self.credentials, base_url=self.url, timeout=timeout)

    def fail(
        self,
        kind: str,
        *,
        method: str | None = None,
        path: str | None = None,
        nth: int | None = None,
        times: int = 1,
        **options,
    ) -> Failure:
        """Make the next matching request(s) fail the way `kind` says (see FAILURES)."""
        if kind not in FAILURES:
            raise ValueError(f"unknown failure {kind!r}; known: {', '.join(FAILURES)}")
        failure = Failure(kind, method=method, path=path, nth=nth, times=times, **options)
        with self._lock:
            self.failures.append(failure)
        return failure

    def calls(self, method: str | None = None, path: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return [
                r
                for r in self.log
                if (method is None or r.method == method.upper()) and (path is None or _path_matches(path, r.path))
            ]

    def count(self, method: str | None = None, path: str | None = None) -> int:
        return len(self.calls(method, path))

    def live_posts(self) -> list[FakePost]:
        with self._lock:
            return [p for p in self.posts if not p.deleted]

    def add_post(self, text: str, reply_to: str | None = None, created_at: float | None = None) -> FakePost:
        """Put a post on the account as if it had been made elsewhere (e.g. by an earlier run), at
        `created_at` (Unix time; default now)."""
        with self._lock:
            return self._store_post(text, reply_to, [], created_at)

    # -- request handling (called from handler threads)

    def handle(self, h: "_Handler") -> None:
        split = urlsplit(h.path)
        path, query = split.path, parse_qsl(split.query, keep_blank_values=True)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        content_type = h.headers.get("Content-Type", "")
        with self._lock:
            record = RequestRecord(len(self.log) + 1, h.command, path, dict(query), content_type)
            self.log.append(record)
        request = spec_request(h.command, path, query, dict(h.headers.items()), body, content_type)

        problems, form = self._check(h, record, request, query, body, content_type)
        if problems:
            with self._lock:
                self.violations.extend(f"{h.command} {path}: {p}" for p in problems)
            return self._answer(h, record, request, 400, _invalid_request(problems))
        record.form = form
        record.signature = parse_oauth_header(h.headers["Authorization"])["oauth_signature"]
        if content_type.startswith("application/json"):
            record.json = json.loads(body)

        auth = self._authorised(h, path, split.query)
        if auth is not None:
            return self._answer(h, record, request, *auth)

        failure = self._take_failure(record)
        if failure is not None and failure.kind == "drop":
            raise _Hangup()
        if failure is not None and failure.kind == "echo":
            return self._answer(h, record, request, 400, _echo(h, body, failure.echo))
        if failure is not None and not failure.kind.startswith("stored-"):
            return self._answer(h, record, request, *_failure_answer(failure))

        status, doc, headers = self._route(record, path, dict(query), form)
        if failure is not None and failure.kind == "stored-server-error":
            return self._answer(h, record, request, *_failure_answer(Failure("server-error")))
        if failure is not None:  # stored-*: the work is done, the answer never comes
            if failure.kind == "stored-hang":
                self._stopping.wait(failure.hang_for)
            raise _Hangup()
        return self._answer(h, record, request, status, doc, headers)

    def _check(self, h, record, request, query, body, content_type) -> tuple[list[str], dict | None]:
        problems: list[str] = []
        template = spec_template(record.path)
        if template is None or h.command.lower() not in load_spec()["paths"][template]:
            return [f"no such operation in the spec: {h.command} {record.path}"], None
        problems += validate_request(request)
        problems += self._check_query(h.command, template, query)
        form = None
        if content_type.startswith("multipart/form-data"):
            try:
                form = parse_multipart(body, content_type)
            except ValueError as exc:
                return problems + [str(exc)], None
            if template == "/2/media/upload":
                problems += validate_form(form, "MediaUploadRequest")
                problems += _check_image_part(form.get("media"))
        try:
            parse_oauth_header(h.headers.get("Authorization", ""))
        except ValueError as exc:
            problems.append(str(exc))
        return problems, form

    @staticmethod
    def _check_query(method: str, template: str, query: list[tuple[str, str]]) -> list[str]:
        declared = declared_query_params(method, template)
        problems = []
        for name, value in query:
            if name in declared:
                continue
            if name == "tweet.fields" and "post.fields" in declared:
                unknown = set(value.split(",")) - production_tweet_fields()
                if unknown or not value:
                    problems.append(f"tweet.fields has values not in the spec: {sorted(unknown)}")
                continue
            problems.append(f"query parameter {name!r} is not declared for {method} {template}")
        return problems

    def _authorised(self, h, path: str, raw_query: str):
        """None when the credentials and signature are right; else X's 401 answer."""
        auth = h.headers.get("Authorization", "")
        params = parse_oauth_header(auth)
        if (
            params["oauth_consumer_key"] != self.credentials["api_key"]
            or params["oauth_token"] != self.credentials["access_token"]
        ):
            return 401, _problem("Unauthorized", "Unauthorized", 401), {}
        url = f"http://{h.headers.get('Host')}{path}" + (f"?{raw_query}" if raw_query else "")
        if not signature_ok(
            h.command, url, auth, None, self.credentials["api_secret"], self.credentials["access_secret"]
        ):
            with self._lock:
                self.violations.append(f"{h.command} {path}: OAuth signature does not verify")
            return 401, _problem("Unauthorized", "Unauthorized", 401), {}
        return None

    def _take_failure(self, record: RequestRecord) -> Failure | None:
        with self._lock:
            for failure in self.failures:
                if failure.matches(record):
                    failure.times -= 1
                    return failure
        return None

    def _answer(self, h, record, request, status: int, doc: dict, headers: dict | None = None) -> None:
        body = json.dumps(doc).encode("utf-8")
        problem = status >= 400 and "type" in doc
        content_type = "application/problem+json" if problem else "application/json"
        bad = validate_response(request, status, body, content_type)
        with self._lock:
            self.response_violations.extend(f"{record.method} {record.path} -> {status}: {b}" for b in bad)
            record.status = status
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            h.send_header(name, str(value))
        h.end_headers()
        h.wfile.write(body)

    # -- the endpoints

    def _route(self, record: RequestRecord, path: str, query: dict[str, str], form: dict | None):
        method = record.method
        with self._lock:
            if method == "POST" and path == "/2/tweets":
                return self._create_post(record.json)
            if method == "DELETE" and path.startswith("/2/tweets/"):
                return self._delete_post(path.rsplit("/", 1)[1])
            if method == "GET" and path == "/2/users/me":
                return 200, {"data": dict(self.user)}, {}
            if method == "GET" and re.fullmatch(r"/2/users/\d+/tweets", path):
                return self._timeline(path.split("/")[3], query)
            if method == "POST" and path == "/2/media/upload":
                return self._upload(form)
            if method == "POST" and path == "/2/media/metadata":
                return self._metadata(record.json)
        return 404, _problem("Not Found Error", f"{method} {path} is not served by the fake", 404), {}

    def _store_post(
        self, text: str, reply_to: str | None, media_ids: list[str], created_at: float | None = None
    ) -> FakePost:
        when = datetime.now(timezone.utc) if created_at is None else datetime.fromtimestamp(created_at, timezone.utc)
        post = FakePost(
            id=str(next(self._ids)),
            text=text,
            reply_to=reply_to,
            media_ids=list(media_ids),
            created_at=when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
            alt_texts=[self.media[m].alt_text for m in media_ids],
        )
        self.posts.append(post)
        if self.listing_lag:
            self.unlisted[post.id] = self.listing_lag
            self.unlisted_until[post.id] = time.monotonic() + LISTING_LAG_MAX
        return post

    def _create_post(self, doc: dict):
        text = doc.get("text", "")
        media_ids = (doc.get("media") or {}).get("media_ids", [])
        reply_to = (doc.get("reply") or {}).get("in_reply_to_tweet_id")
        if self.reject_duplicates and any(p.text == text for p in self.live_posts()):
            return 403, _problem("Forbidden", DUPLICATE_DETAIL, 403), {}
        unknown = [m for m in media_ids if m not in self.media]
        if unknown:
            return 400, _invalid_request([f"media ids not uploaded: {unknown}"]), {}
        if reply_to is not None and reply_to not in {p.id for p in self.live_posts()}:
            return 400, _invalid_request([f"post {reply_to} to reply to does not exist"]), {}
        if not text and not media_ids:
            return 400, _invalid_request(["a post needs text or media"]), {}
        post = self._store_post(text, reply_to, media_ids)
        return 201, {"data": {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}}, {}

    def _delete_post(self, post_id: str):
        for post in self.posts:
            if post.id == post_id and not post.deleted:
                post.deleted = True
                return 200, {"data": {"deleted": True}}, {}
        return (
            404,
            {
                "title": "Not Found Error",
                "detail": f"Could not find post with id: [{post_id}].",
                "type": "https://api.x.com/2/problems/resource-not-found",
                "resource_type": "post",
                "parameter": "id",
                "value": post_id,
                "resource_id": post_id,
            },
            {},
        )

    def _timeline(self, user_id: str, query: dict[str, str]):
        """GET /2/users/{id}/tweets as the spec defines it: newest first, max_results (default 10) a
        page, start_time/end_time and since_id/until_id windows, and a next_token while more remain."""
        limit = int(query.get("max_results", 10))
        fields = set((query.get("tweet.fields") or query.get("post.fields") or "").split(","))
        posts = sorted(self.live_posts(), key=_timeline_key, reverse=True) if user_id == self.user["id"] else []
        posts = [p for p in posts if _in_window(p, query)]
        hidden = {
            p.id
            for p in posts
            if self.unlisted.get(p.id, 0) > 0 and time.monotonic() < self.unlisted_until.get(p.id, 0.0)
        }
        for post_id in hidden:
            self.unlisted[post_id] -= 1
        posts = [p for p in posts if p.id not in hidden]
        token = query.get("pagination_token")
        if token is not None:
            after = _decode_token(token)
            anchor = next((p for p in self.posts if p.id == after), None)
            if anchor is None:
                return (
                    400,
                    _invalid_request([f"The `pagination_token` query parameter value [{token}] is not valid"]),
                    {},
                )
            posts = [p for p in posts if _timeline_key(p) < _timeline_key(anchor)]
        page, rest = posts[:limit], posts[limit:]
        data = [self._as_x_shows(p, fields) for p in page]
        meta: dict[str, Any] = {"result_count": len(data)}
        if data:
            meta.update(newest_id=data[0]["id"], oldest_id=data[-1]["id"])
        if rest:
            meta["next_token"] = _encode_token(page[-1].id)
        return 200, ({"data": data, "meta": meta} if data else {"meta": meta}), {}

    def _as_x_shows(self, post: FakePost, fields: set[str]) -> dict:
        """A post the way X returns it: URLs as t.co links, a media link appended, &<> escaped."""
        text = re.sub(r"https?://\S+", lambda m: _tco(m.group(0)), post.text)
        if post.media_ids:
            text += " " + _tco("media:" + post.id)
        out: dict[str, Any] = {
            "id": post.id,
            "text": html.escape(text, quote=False),
            "edit_history_tweet_ids": [post.id],
        }
        if "created_at" in fields:
            out["created_at"] = post.created_at
        if "conversation_id" in fields:
            out["conversation_id"] = self._root(post).id
        if "referenced_tweets" in fields and post.reply_to:
            out["referenced_tweets"] = [{"type": "replied_to", "id": post.reply_to}]
        return out

    def _root(self, post: FakePost) -> FakePost:
        by_id = {p.id: p for p in self.posts}
        while post.reply_to and post.reply_to in by_id:
            post = by_id[post.reply_to]
        return post

    def _upload(self, form: dict | None):
        if form is None:
            return 400, _invalid_request(["media upload must be multipart/form-data"]), {}
        filename, content_type, data = form["media"]
        media = FakeMedia(str(next(self._media_ids)), filename, content_type, data, form["media_category"])
        self.media[media.id] = media
        return (
            200,
            {"data": {"id": media.id, "media_key": f"3_{media.id}", "size": len(data), "expires_after_secs": 86400}},
            {},
        )

    def _metadata(self, doc: dict):
        media = self.media.get(doc["id"])
        if media is None:
            return 400, _invalid_request([f"media {doc['id']} was not uploaded"]), {}
        alt = ((doc.get("metadata") or {}).get("alt_text") or {}).get("text")
        media.alt_text = alt
        return 200, {"data": {"id": media.id, "associated_metadata": {"alt_text": {"text": alt}}}}, {}


def _check_image_part(part: Any) -> list[str]:
    if not isinstance(part, tuple):
        return ["media must be a file part"] if part is not None else []
    _, content_type, data = part
    magic = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
    if content_type not in magic:
        return [f"media part has content type {content_type!r}, expected image/png or image/jpeg"]
    if not data.startswith(magic[content_type]):
        return [f"media bytes are not {content_type}"]
    return []


def _timeline_key(post: FakePost) -> tuple[str, int]:
    return post.created_at, int(post.id)  # fixed-width UTC strings sort as times


def _in_window(post: FakePost, query: dict[str, str]) -> bool:
    """start_time is inclusive and end_time exclusive (X's docs); since_id/until_id are exclusive."""
    when = _parse_time(post.created_at)
    if "start_time" in query and when < _parse_time(query["start_time"]):
        return False
    if "end_time" in query and when >= _parse_time(query["end_time"]):
        return False
    if "since_id" in query and int(post.id) <= int(query["since_id"]):
        return False
    return not ("until_id" in query and int(post.id) >= int(query["until_id"]))


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _encode_token(post_id: str) -> str:
    """A base32hex pagination token (the spec's format) naming the last post of the page."""
    return base64.b32hexencode(post_id.encode()).decode().rstrip("=").lower()


def _decode_token(token: str) -> str:
    try:
        return base64.b32hexdecode(token.upper() + "=" * (-len(token) % 8)).decode()
    except (ValueError, UnicodeDecodeError):
        return ""


def _tco(url: str) -> str:
    return "https://t.co/" + hashlib.sha1(url.encode()).hexdigest()[:10]


def _problem(title: str, detail: str, status: int, kind: str = "about:blank", **extra) -> dict:
    return {"title": title, "detail": detail, "type": kind, "status": status, **extra}


def _invalid_request(problems: list[str]) -> dict:
    return {
        "errors": [{"message": p[:1000]} for p in problems],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.x.com/2/problems/invalid-request",
    }


def _echo(h, body: bytes, how: str) -> dict:
    """A problem document quoting the request back, as a proxy or a wrong API URL may: its headers
    carry the OAuth consumer key and token (percent-encoded). X's adapter keeps 300 characters of a
    detail, so the base64 form quotes only the Authorization header, which then fits."""
    if how == "base64":
        return _problem(
            "Bad Request",
            "refused; auth (base64): " + base64.b64encode(h.headers["Authorization"].encode()).decode(),
            400,
        )
    headers = sorted(h.headers.items(), key=lambda kv: kv[0] != "Authorization")  # what a reader looks for first
    request = "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n" + body.decode("utf-8", "replace")
    return _problem("Bad Request", f"upstream refused the request; request: {request}", 400)


def _failure_answer(failure: Failure) -> tuple[int, dict, dict]:
    now = int(time.time())
    reset = failure.reset_at if failure.reset_at is not None else now + failure.reset_in
    daily = failure.daily_reset_at if failure.daily_reset_at is not None else now + failure.daily_reset_in
    if failure.kind == "unauthorized":
        return 401, _problem("Unauthorized", "Unauthorized", 401), {}
    if failure.kind == "forbidden":
        return 403, _problem("Forbidden", "You are not permitted to perform this action.", 403), {}
    if failure.kind == "duplicate":
        return 403, _problem("Forbidden", DUPLICATE_DETAIL, 403), {}
    if failure.kind == "rate-limited":
        return (
            429,
            _problem("Too Many Requests", "Too Many Requests", 429),
            {
                "x-rate-limit-limit": 100,
                "x-rate-limit-remaining": 0,
                "x-rate-limit-reset": reset,
            },
        )
    if failure.kind == "daily-limit":
        return (
            429,
            _problem("Too Many Requests", "Too Many Requests", 429),
            {
                "x-rate-limit-limit": 100,
                "x-rate-limit-remaining": 99,
                "x-rate-limit-reset": reset,
                "x-user-limit-24hour-limit": 17,
                "x-user-limit-24hour-remaining": 0,
                "x-user-limit-24hour-reset": daily,
            },
        )
    if failure.kind == "usage-capped":
        return (
            429,
            {
                "title": "UsageCapExceeded",
                "detail": "Usage cap exceeded: Monthly product cap",
                "type": "https://api.twitter.com/2/problems/usage-capped",
                "period": "Monthly",
                "scope": "Product",
            },
            {},
        )
    if failure.kind == "server-error":
        return 500, _problem("Internal Server Error", "Internal Server Error", 500), {}
    raise AssertionError(failure.kind)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeX
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

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

    def log_message(self, format: str, *args) -> None:  # keep test output (and secrets) quiet
        pass


@pytest.fixture
def fake_x(monkeypatch):
    """A running FakeX; CROSSPOST_X_API_URL and the CROSSPOST_X_* credentials point at it."""
    server = FakeX().start()
    monkeypatch.setenv("CROSSPOST_X_API_URL", server.url)
    for key, env in CREDENTIAL_ENV.items():
        monkeypatch.setenv(env, TEST_CREDENTIALS[key])
    try:
        yield server
    finally:
        server.stop()
