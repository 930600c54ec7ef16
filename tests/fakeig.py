"""A fake Instagram private API behind instagrapi's requests transport.

`responses` intercepts requests' HTTPAdapter.send, so instagrapi (built with
private_transport="requests") runs unpatched and every request it makes lands here. Response
shapes are copied from what instagrapi parses (extract_media_v1, extract_account, the CAA/Bloks
login payload, ig-set-password-encryption-* headers).

Usage (pytest):
    def test_x(fake_ig, tmp_path):          # fixture in conftest-free form: see `fake_ig` below
        adapter = fake_ig.adapter(tmp_path)  # saved, logged-in session already on disk
        fake_ig.fail("media/configure/", status=400, json={...})
        ...
        fake_ig.requests_to("rupload_igphoto")  # what instagrapi sent

Reusable by the publishing-engine tests: `FakeInstagram.medias` is the account's feed (paged by
`max_id` like Instagram's, `page_size` items a page), `feed_lag` hides new posts from that many
feed reads, and the failure queue can inject any answer or transport exception per endpoint.
"""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import pytest
import requests
import responses

USER_PK = "51234567890"
USERNAME = "eastwesthurricane"
SESSION_ID = f"{USER_PK}%3AFakeSessId0042%3A7%3AAYdFAKE"
HOST_RE = re.compile(r"https://([a-z0-9.]+\.)?instagram\.com/.*")


@lru_cache(maxsize=1)
def _password_key() -> tuple[int, str]:
    """An RSA key like the one Instagram publishes for password encryption."""
    from Cryptodome.PublicKey import RSA

    key = RSA.generate(1024)
    return 41, base64.b64encode(key.publickey().export_key()).decode()


@dataclass
class Seen:
    """One request instagrapi sent."""

    method: str
    url: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, Any]:
        """The POST payload: signed_body JSON decoded, or the plain form fields."""
        text = self.body.decode("utf-8", "replace") if self.body else ""
        fields = {k: v[0] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}
        signed = fields.get("signed_body")
        if signed and signed.startswith("SIGNATURE."):
            return json.loads(signed[len("SIGNATURE.") :])
        return fields


@dataclass
class Failure:
    path_part: str
    status: int = 400
    json: dict | None = None
    body: bytes | None = None
    exc: Callable[[Any], BaseException] | None = None  # built with the PreparedRequest
    headers: dict[str, str] = field(default_factory=dict)
    apply: bool = False  # the server applies the request before failing (e.g. a timeout after configure)
    times: int = 1
    skip: int = 0  # matching requests answered normally before this failure starts


def media_item(
    pk: str, code: str, caption: str, *, carousel: int = 0, alt: str = "", taken_at: int | None = None
) -> dict:
    """A feed item as the private API returns it (the fields extract_media_v1 needs)."""
    image = {"candidates": [{"width": 1080, "height": 1350, "url": f"https://scontent.cdninstagram.com/{code}.jpg"}]}
    item: dict[str, Any] = {
        "pk": int(pk),
        "id": f"{pk}_{USER_PK}",
        "code": code,
        "taken_at": int(time.time()) if taken_at is None else taken_at,
        "media_type": 8 if carousel else 1,
        "product_type": "carousel_container" if carousel else "feed",
        "image_versions2": image,
        "user": {
            "pk": int(USER_PK),
            "username": USERNAME,
            "full_name": "East West Hurricane",
            "profile_pic_url": "https://scontent.cdninstagram.com/p.jpg",
            "is_private": False,
        },
        "caption": {"pk": str(int(pk) + 1), "text": caption, "user_id": int(USER_PK)} if caption else None,
        "like_count": 0,
        "comment_count": 0,
        "accessibility_caption": alt or None,
        "usertags": {"in": []},
    }
    if carousel:
        item["carousel_media"] = [
            {
                "pk": int(pk) + 10 + i,
                "id": f"{int(pk) + 10 + i}_{USER_PK}",
                "media_type": 1,
                "image_versions2": image,
                "usertags": {"in": []},
            }
            for i in range(carousel)
        ]
    return item


class FakeInstagram:
    """State and routing of the fake API; `requests` holds every request seen, in order."""

    def __init__(self, mock: responses.RequestsMock):
        self.mock = mock
        self.requests: list[Seen] = []
        self.medias: list[dict] = []  # newest first
        self.failures: list[Failure] = []
        self.session_valid = True
        self.logins = 0  # password logins (CAA send_login_request)
        self.login_error: dict | None = None  # JSON answered (HTTP 400) to the password login
        self.deleted: list[str] = []
        self.page_size = 20  # items per feed page at most (the app asks for fewer)
        self.feed_lag = 0  # a post configured now is missing from this many feed reads
        self._hidden: dict[str, int] = {}  # pk -> feed reads it is still missing from
        self._next_pk = 3300000000000000001
        mock.add_callback(responses.GET, HOST_RE, callback=self._handle)
        mock.add_callback(responses.POST, HOST_RE, callback=self._handle)

    # ------------------------------------------------------------------ test helpers

    def fail(self, path_part: str, **kwargs: Any) -> Failure:
        """Answer the next request whose path contains `path_part` with this failure."""
        failure = Failure(path_part, **kwargs)
        self.failures.append(failure)
        return failure

    def requests_to(self, path_part: str) -> list[Seen]:
        return [r for r in self.requests if path_part in r.path]

    def add_media(self, caption: str, *, carousel: int = 0, taken_at: int | None = None) -> dict:
        """A post made outside crosspost, newest first (pass an older `taken_at` in order)."""
        item = media_item(self._new_pk(), self._code(), caption, carousel=carousel, taken_at=taken_at)
        self.medias.insert(0, item)
        return item

    def logged_in_settings(self) -> dict:
        """Session settings as instagrapi dumps them after a successful login."""
        from instagrapi import Client

        client = Client(private_transport="requests")
        settings = client.get_settings()
        settings["authorization_data"] = {
            "ds_user_id": USER_PK,
            "sessionid": SESSION_ID,
            "should_use_header_over_cookies": True,
        }
        settings["cookies"] = {
            "csrftoken": "FakeCsrf00000000000000000000000001",
            "ds_user_id": USER_PK,
            "mid": "ZfakeMidAAAAAAAAAA",
        }
        settings["last_login"] = time.time() - 86400
        return settings

    def write_session(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.logged_in_settings()))
        path.chmod(0o600)
        return path

    def adapter(self, tmp_path: Path, *, saved_session: bool = True, **credentials: str):
        from crosspost.platforms.instagram.adapter import Adapter

        session = tmp_path / "data" / "instagram-session.json"
        if saved_session:
            self.write_session(session)
        creds = {"username": USERNAME, "password": "pw-Fake-9b1e7c"} | credentials
        return Adapter(creds, settings_path=session)

    # ------------------------------------------------------------------ routing

    def _handle(self, request: requests.PreparedRequest):
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, (bytes, bytearray)):
            body = b"".join(body)
        parsed = urllib.parse.urlsplit(request.url)
        seen = Seen(request.method, request.url, parsed.path, dict(request.headers), bytes(body))
        self.requests.append(seen)

        for failure in self.failures:
            if failure.path_part in seen.path and failure.times > 0:
                if failure.skip:
                    failure.skip -= 1
                    break
                failure.times -= 1
                if failure.apply:
                    self._route(seen)
                if failure.exc is not None:
                    return failure.exc(request)
                payload = failure.body if failure.body is not None else json.dumps(failure.json or {}).encode()
                return failure.status, {"Content-Type": "application/json"} | failure.headers, payload

        if seen.path.startswith("/api/v1/") and not self._is_login_path(seen.path) and not self._authed(seen):
            return 403, {}, json.dumps({"message": "login_required", "status": "fail", "logout_reason": 2})
        status, headers, payload = self._route(seen)
        return status, headers, payload if isinstance(payload, bytes) else json.dumps(payload)

    @staticmethod
    def _is_login_path(path: str) -> bool:
        return any(p in path for p in ("bloks/", "attestation/", "qe/sync", "graphql_www", "accounts/login"))

    def _authed(self, seen: Seen) -> bool:
        auth = seen.headers.get("Authorization", "")
        return self.session_valid and SESSION_ID in _decode_bearer(auth).get("sessionid", "")

    def _route(self, seen: Seen) -> tuple[int, dict, Any]:
        path = seen.path
        ok = {"Content-Type": "application/json"}
        if path.endswith("/qe/sync/"):
            key_id, key = _password_key()
            return (
                200,
                ok | {"ig-set-password-encryption-key-id": str(key_id), "ig-set-password-encryption-pub-key": key},
                {"status": "ok"},
            )
        if path.endswith("/graphql_www"):
            return 200, ok, {"data": {"usdid_registration": {"success": True}}, "status": "ok"}
        if "process_client_data_and_redirect" in path:
            return (
                200,
                ok,
                {
                    "layout": {
                        "bloks_payload": {
                            "data": [{"data": {"key": "CAA_ACCOUNT_ACCESS_CONTEXT:aac", "initial": "AACfakeContext01"}}]
                        }
                    },
                    "status": "ok",
                },
            )
        if path.endswith("/attestation/create_android_keystore/"):
            return 200, ok, {"challenge_nonce": "Zm9vbm9uY2U", "key_nonce": "YmFybm9uY2U", "status": "ok"}
        if "send_login_request" in path:
            return self._password_login()
        if path.endswith("/accounts/current_user/"):
            return 200, ok, {"user": _account_json(), "status": "ok"}
        if re.search(r"/feed/user/\d+/$", path):
            return 200, ok, self._feed_page(seen)
        if "/rupload_igphoto/" in path:
            upload_id = json.loads(seen.headers["X-Instagram-Rupload-Params"])["upload_id"]
            return 200, ok, {"upload_id": upload_id, "xsharing_nonces": {}, "status": "ok"}
        if path.endswith("/media/configure/"):
            form = seen.form
            item = self._publish(
                media_item(
                    self._new_pk(),
                    self._code(),
                    form.get("caption", ""),
                    alt=form.get("custom_accessibility_caption", ""),
                )
            )
            return 200, ok, {"media": item, "upload_id": form.get("upload_id"), "status": "ok"}
        if path.endswith("/media/configure_sidecar/"):
            form = seen.form
            item = self._publish(
                media_item(
                    self._new_pk(),
                    self._code(),
                    form.get("caption", ""),
                    carousel=len(form.get("children_metadata") or []),
                )
            )
            return 200, ok, {"media": item, "client_sidecar_id": form.get("client_sidecar_id"), "status": "ok"}
        m = re.search(r"/media/(\d+)_\d+/delete/$", path)
        if m:
            pk = m.group(1)
            if not any(str(i["pk"]) == pk for i in self.medias):
                return 400, ok, {"message": "Media not found or unavailable", "status": "fail"}
            self.medias = [i for i in self.medias if str(i["pk"]) != pk]
            self.deleted.append(pk)
            return 200, ok, {"did_delete": True, "status": "ok"}
        # feed/reels_tray, feed/timeline, oauth token fetch and other login-flow pings
        return 200, ok, {"status": "ok"}

    def _publish(self, item: dict) -> dict:
        self.medias.insert(0, item)
        if self.feed_lag:
            self._hidden[str(item["pk"])] = self.feed_lag
        return item

    def _feed_page(self, seen: Seen) -> dict:
        """One page of feed/user/{id}/: newest first, after the item whose id is `max_id`."""
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(seen.url).query))
        visible = [i for i in self.medias if str(i["pk"]) not in self._hidden]
        self._hidden = {pk: n - 1 for pk, n in self._hidden.items() if n > 1}
        start = 0
        if query.get("max_id"):
            start = next(n + 1 for n, i in enumerate(visible) if i["id"] == query["max_id"])
        size = min(int(query.get("count") or 12), self.page_size)
        page = visible[start : start + size]
        more = start + size < len(visible)
        answer = {"items": page, "num_results": len(page), "more_available": more, "status": "ok"}
        if more:
            answer["next_max_id"] = page[-1]["id"]
        return answer

    def _password_login(self) -> tuple[int, dict, Any]:
        self.logins += 1
        if self.login_error is not None:
            return 400, {"Content-Type": "application/json"}, self.login_error
        self.session_valid = True
        auth = {"ds_user_id": USER_PK, "sessionid": SESSION_ID, "should_use_header_over_cookies": True}
        bearer = "Bearer IGT:2:" + base64.b64encode(json.dumps(auth).encode()).decode()
        raw = {
            "login_response": json.dumps({"logged_in_user": _account_json(), "status": "ok"}),
            "headers": json.dumps({"IG-Set-Authorization": bearer, "ig-set-ig-u-rur": ""}),
            "cookies": "",
        }
        action = "(bk.action.caa.HandleLoginResponse, " + json.dumps(json.dumps(raw)) + ")"
        return (
            200,
            {"Content-Type": "application/json"},
            {"layout": {"bloks_payload": {"action": action}}, "status": "ok"},
        )

    def _new_pk(self) -> str:
        self._next_pk += 1
        return str(self._next_pk)

    def _code(self) -> str:
        return "C" + base64.urlsafe_b64encode(self._next_pk.to_bytes(8, "big")).decode().rstrip("=")[:10]


def _account_json() -> dict:
    return {
        "pk": int(USER_PK),
        "username": USERNAME,
        "full_name": "East West Hurricane",
        "is_private": False,
        "profile_pic_url": "https://scontent.cdninstagram.com/p.jpg",
        "is_verified": False,
        "biography": "",
        "external_url": "",
        "is_business": False,
    }


def _decode_bearer(header: str) -> dict:
    try:
        return json.loads(base64.b64decode(header.rsplit(":", 1)[-1]))
    except Exception:
        return {}


def read_timeout(request) -> BaseException:
    return requests.exceptions.ReadTimeout("HTTPSConnectionPool: Read timed out. (read timeout=90)", request=request)


def answer_cut_off(request) -> BaseException:
    """The answer's body broke off (instagrapi: ClientIncompleteReadError, resent after 2 s)."""
    return requests.exceptions.ChunkedEncodingError(
        "Connection broken: IncompleteRead(12 bytes read, 300 more expected)", request=request
    )


def connection_refused(request) -> BaseException:
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return requests.exceptions.ConnectionError(MaxRetryError(None, request.url, reason), request=request)


def connection_dropped(request) -> BaseException:
    from urllib3.exceptions import ProtocolError

    return requests.exceptions.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer")), request=request
    )


@pytest.fixture
def fake_ig(monkeypatch):
    """A FakeInstagram with instagrapi's sleeps removed (time.sleep is module-global there)."""
    import instagrapi.utils.timing as timing

    monkeypatch.setattr(time, "sleep", lambda _s: None)
    monkeypatch.setattr(timing, "random_delay", lambda *a, **k: None, raising=False)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeInstagram(mock)
