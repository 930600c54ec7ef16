"""A real atproto PDS for the Bluesky tests, and a small fault proxy in front of it.

`pds` (session fixture) starts tests/pds/start.js (the reference PDS with an in-memory PLC directory on
127.0.0.1, installed by `npm ci --prefix tests/pds`), creates the account alice.test and yields a
`PDS` with its URL and credentials. Without tests/pds/node_modules the Bluesky tests are skipped, unless
CROSSPOST_REQUIRE_PDS=1 (set by .ci/run), when they fail.

`FaultProxy` forwards every request to the PDS and can, for the n-th request matching a route, drop
the answer after the PDS applied it, answer 429 with `ratelimit-reset` without forwarding, or answer
a 5xx (before or after forwarding): the faults the PDS itself cannot produce.
"""

from __future__ import annotations

import http.server
import json
import os
import socketserver
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from crosspost.model import Media, Plan, Post

import pytest

PDS_DIR = Path(__file__).resolve().parent / "pds"
HANDLE = "alice.test"
PASSWORD = "alice-test-password-0123"
REQUIRE_ENV = "CROSSPOST_REQUIRE_PDS"


def small_plan(folder: Path, n: int = 4) -> Plan:
    """Posts with what facets and graphemes are about: emoji, accents, a link, hashtags; a card each."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    posts = []
    for i in range(1, n + 1):
        card = folder / f"card-{i}.png"
        if not card.exists():
            Image.new("RGB", (160, 90), (10 * i, 80, 120)).save(card)
        text = f"Story {i} 🇪🇺 café — read https://example.com/s/{i}?a=b. #China #Tech{i} {i}/{n}"
        posts.append(Post(text=text, media=[Media(path=str(card), alt_text=f"Card {i}: “a quote”", story=i)], story=i))
    return Plan(platform="bluesky", issue_id="issue-77", posts=posts, thread=True)


@dataclass
class PDS:
    url: str
    handle: str
    password: str
    did: str

    def xrpc(self, method: str, nsid: str, *, params: dict | None = None, body: dict | None = None, token: str = ""):
        """One raw XRPC call; returns (status, JSON body)."""
        import urllib.parse

        url = f"{self.url}/xrpc/{nsid}" + ("?" + urllib.parse.urlencode(params) if params else "")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else {}
        except urllib.error.HTTPError as err:
            raw = err.read()
            return err.code, json.loads(raw) if raw else {}

    def token(self) -> str:
        status, body = self.xrpc(
            "POST", "com.atproto.server.createSession", body={"identifier": self.handle, "password": self.password}
        )
        assert status == 200, body
        return body["accessJwt"]

    def posts(self) -> list[dict]:
        """Every app.bsky.feed.post record of the account ({"uri", "cid", "value"}), oldest key first."""
        records: list[dict] = []
        cursor = None
        while True:
            params = {"repo": self.did, "collection": "app.bsky.feed.post", "limit": "100", "reverse": "true"}
            if cursor:
                params["cursor"] = cursor
            status, body = self.xrpc("GET", "com.atproto.repo.listRecords", params=params)
            assert status == 200, body
            records += body["records"]
            cursor = body.get("cursor")
            if not cursor or not body["records"]:
                break
        return sorted(records, key=lambda r: r["uri"].rsplit("/", 1)[1])

    def wipe(self) -> None:
        """Delete every post of the account (tests share one PDS)."""
        token = self.token()
        for record in self.posts():
            rkey = record["uri"].rsplit("/", 1)[1]
            body = {"repo": self.did, "collection": "app.bsky.feed.post", "rkey": rkey}
            status, answer = self.xrpc("POST", "com.atproto.repo.deleteRecord", body=body, token=token)
            assert status == 200, answer


def _start() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        ["node", str(PDS_DIR / "start.js")],
        cwd=PDS_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the PDS prints its URL once it listens
    if not line:
        proc.kill()
        raise RuntimeError(f"the test PDS did not start (exit code {proc.wait()})")
    return proc, json.loads(line)["url"]


@pytest.fixture(scope="session")
def pds():
    if not (PDS_DIR / "node_modules" / "@atproto" / "pds").is_dir():
        reason = "the test PDS is not installed: run `npm ci --prefix tests/pds` (needs node and npm)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(reason + f" ({REQUIRE_ENV}=1)")
        pytest.skip(reason)
    started = time.monotonic()
    proc, url = _start()
    try:
        server = PDS(url=url, handle=HANDLE, password=PASSWORD, did="")
        status, body = server.xrpc(
            "POST",
            "com.atproto.server.createAccount",
            body={"email": "alice@example.test", "handle": HANDLE, "password": PASSWORD},
        )
        assert status == 200, body
        server.did = body["did"]
        server.startup_seconds = time.monotonic() - started  # type: ignore[attr-defined]
        yield server
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # start.js stops when its stdin closes
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- the fault proxy


@dataclass
class Fault:
    route: str  # an XRPC method name, e.g. "com.atproto.repo.putRecord"
    nth: int  # 1-based among the requests to that route
    kind: str  # "drop" (forwarded, answer lost) | "rate-limited" | "server-error" | "stored-server-error"
    reset_in: int = 120  # seconds, for "rate-limited"


@dataclass
class Seen:
    method: str
    route: str
    status: int
    body: bytes = b""


@dataclass
class FaultProxy:
    target: str
    faults: list[Fault] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                self._handle()

            def do_POST(self):
                self._handle()

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                route = self.path.split("?", 1)[0].rsplit("/", 1)[-1]
                count = sum(1 for s in proxy.seen if s.route == route) + 1
                fault = next((f for f in proxy.faults if f.route == route and f.nth == count), None)
                if fault and fault.kind == "rate-limited":
                    proxy.seen.append(Seen(self.command, route, 429, body))
                    reset = int(time.time()) + fault.reset_in
                    self._answer(
                        429,
                        b'{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}',
                        {"ratelimit-limit": "10", "ratelimit-remaining": "0", "ratelimit-reset": str(reset)},
                    )
                    return
                if fault and fault.kind == "server-error":
                    proxy.seen.append(Seen(self.command, route, 500, body))
                    self._answer(500, b'{"error":"InternalServerError","message":"Internal Server Error"}')
                    return
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "accept-encoding")
                }
                request = urllib.request.Request(
                    proxy.target + self.path, data=body if self.command == "POST" else None, method=self.command
                )
                for k, v in headers.items():
                    request.add_header(k, v)
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, raw, answer_headers = response.status, response.read(), dict(response.headers)
                except urllib.error.HTTPError as err:
                    status, raw, answer_headers = err.code, err.read(), dict(err.headers)
                proxy.seen.append(Seen(self.command, route, status, body))
                if fault and fault.kind == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)  # applied, but the answer never arrives
                    return
                if fault and fault.kind == "stored-server-error":
                    self._answer(502 if route != "com.atproto.repo.putRecord" else 500, b'{"error":"UpstreamFailure"}')
                    return
                keep = {k: v for k, v in answer_headers.items() if k.lower().startswith(("content-type", "ratelimit"))}
                self._answer(status, raw, keep)

            def _answer(self, status: int, raw: bytes, headers: dict | None = None):
                self.send_response(status)
                headers = dict(headers or {})
                headers.setdefault("Content-Type", "application/json")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def count(self, route: str) -> int:
        return sum(1 for s in self.seen if s.route == route)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def proxy(pds):
    server = FaultProxy(pds.url)
    pds.wipe()
    yield server
    server.close()


def new_account(server: PDS, handle: str) -> PDS:
    """Another account on the same PDS (tests that run side by side each get their own repo)."""
    status, body = server.xrpc(
        "POST",
        "com.atproto.server.createAccount",
        body={"email": f"{handle.split('.')[0]}@example.test", "handle": handle, "password": PASSWORD},
    )
    assert status == 200, body
    return PDS(url=server.url, handle=handle, password=PASSWORD, did=body["did"])
