"""A scriptable fake platform for engine tests, stored in a JSON file so it outlives a killed process.

`FakeAdapter(store, script={3: "transient"})` fails the 3rd publish request (counted across every
adapter and process sharing `store`). Failure kinds:

  transient       refused before anything happened (PlatformError transient=True)
  needs_person    bad credentials and the like (needs_person=True)
  retry_at        rate limited for an hour (retry_at=now+3600)
  unknown_lost    timed out, and the post did NOT land (outcome_unknown=True)
  unknown_stored  timed out, but the post DID land (outcome_unknown=True)
  unknown_hidden  landed, timed out, and the next find() does not see it yet (eventual consistency)
  error_stored    landed, then an unexpected exception (ConnectionResetError) reached the engine
  refused         a plain PlatformError with no flags

`find_script` does the same for find() calls ("transient" raises). With `reject_duplicates`, a
second live post with the same text is answered like X does: an outcome-unknown 403.
The store is guarded by a file lock, so concurrent runs cannot hide a double post by losing writes.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from filelock import FileLock

from crosspost.errors import PlatformError
from crosspost.model import Plan, Post
from crosspost.platforms.base import Adapter, Limits, Published

KINDS = (
    "transient",
    "needs_person",
    "retry_at",
    "unknown_lost",
    "unknown_stored",
    "unknown_hidden",
    "error_stored",
    "refused",
)
FAKE_SECRET = "sk-fake-9f8e7d6c5b4a-never-store-me"


class FakeAdapter(Adapter):
    name = "fake"
    limits = Limits(max_chars=280, max_media=4, threads=True)

    def __init__(
        self,
        store: Path | str,
        script: dict[int, str] | None = None,
        *,
        find_script: dict[int, str] | None = None,
        delay: float = 0.0,
        account_id: str = "fake-account",
        reject_duplicates: bool = False,
        delete_script: dict[int, str] | None = None,
        lookup_settle: float = 0.0,
        hidden_for: int = 1,
        legacy: list[str] | None = None,
    ):
        self.store = Path(store)
        self.script = {int(k): v for k, v in (script or {}).items()}
        self.find_script = {int(k): v for k, v in (find_script or {}).items()}
        self.delete_script = {int(k): v for k, v in (delete_script or {}).items()}
        self.delay = delay
        self.account_id = account_id
        self.reject_duplicates = reject_duplicates
        self.token = FAKE_SECRET  # a credential the adapter holds and must never leak into the ledger
        self.lookup_settle = lookup_settle  # like Instagram: the listing lags behind a write
        self.hidden_for = hidden_for  # how many find() calls an unknown_hidden post stays invisible
        self.legacy = list(legacy or [])
        self.since_seen: list[float | None] = []  # the `since` of every find() call

    @classmethod
    def from_config(cls, config) -> "FakeAdapter":
        return cls(config.resolve(".fake-platform.json"))

    # -- the store ---------------------------------------------------------------------------

    def _load(self) -> dict:
        if not self.store.exists():
            return {
                "posts": [],
                "publish_calls": 0,
                "find_calls": 0,
                "delete_calls": 0,
                "deleted_order": [],
                "hidden": {},
            }
        return json.loads(self.store.read_text(encoding="utf-8"))

    def _save(self, data: dict) -> None:
        tmp = self.store.with_name(self.store.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, self.store)

    def _lock(self) -> FileLock:
        return FileLock(str(self.store) + ".lock")

    def state(self) -> dict:
        with self._lock():
            return self._load()

    def live_posts(self) -> list[dict]:
        return [p for p in self.state()["posts"] if not p["deleted"]]

    # -- the adapter interface -------------------------------------------------------------------

    def account(self) -> str:
        return self.account_id

    def legacy_accounts(self) -> list[str]:
        return self.legacy

    def verify(self) -> str:
        return f"Fake account {self.account_id}"

    def publish(self, post: Post, reply_to: str | None = None) -> Published:
        if self.delay:
            time.sleep(self.delay)  # widen the window in which concurrent runs could collide
        with self._lock():
            data = self._load()
            data["publish_calls"] += 1
            kind = self.script.get(data["publish_calls"])
            stored = None
            if self.reject_duplicates and any(p["text"] == post.text and not p["deleted"] for p in data["posts"]):
                self._save(data)
                raise PlatformError(
                    "You are not allowed to create a Tweet with duplicate content.",
                    platform=self.name,
                    outcome_unknown=True,
                )
            if kind in (None, "unknown_stored", "unknown_hidden", "error_stored"):
                stored = {
                    "id": f"f{len(data['posts']) + 1}",
                    "text": post.text,
                    "reply_to": reply_to,
                    "media": [{"name": Path(m.path).name, "alt_text": m.alt_text} for m in post.media],
                    "deleted": False,
                    "created_at": time.time(),
                }
                data["posts"].append(stored)
                if kind == "unknown_hidden":
                    data["hidden"][stored["id"]] = self.hidden_for  # invisible to the next find() call(s)
            self._save(data)
        if kind is None:
            return Published(stored["id"], f"https://fake.example/p/{stored['id']}")
        if kind == "transient":
            raise PlatformError("503 service unavailable", platform=self.name, transient=True)
        if kind == "needs_person":
            raise PlatformError("401 unauthorized: check the credentials", platform=self.name, needs_person=True)
        if kind == "retry_at":
            raise PlatformError("429 too many requests", platform=self.name, retry_at=time.time() + 3600)
        if kind in ("unknown_lost", "unknown_stored", "unknown_hidden"):
            raise PlatformError("read timed out", platform=self.name, outcome_unknown=True)
        if kind == "error_stored":
            raise ConnectionResetError("connection reset by peer")
        if kind == "refused":
            raise PlatformError("400 bad request", platform=self.name)
        raise AssertionError(f"unknown script kind {kind!r}")

    def find(self, post: Post, reply_to: str | None = None, since: float | None = None) -> Published | None:
        self.since_seen.append(since)
        with self._lock():
            data = self._load()
            data["find_calls"] += 1
            kind = self.find_script.get(data["find_calls"])
            match = None
            for p in data["posts"]:
                if p["deleted"] or p["text"] != post.text or p["reply_to"] != reply_to:
                    continue
                if since is not None and p.get("created_at", since) < since:
                    continue
                if data["hidden"].get(p["id"], 0) > 0:
                    data["hidden"][p["id"]] -= 1
                    continue
                match = p
            self._save(data)
        if kind == "transient":
            raise PlatformError("lookup failed: 503", platform=self.name, transient=True)
        return Published(match["id"], f"https://fake.example/p/{match['id']}") if match else None

    def delete(self, remote_id: str) -> None:
        with self._lock():
            data = self._load()
            data["delete_calls"] += 1
            if self.delete_script.get(data["delete_calls"]) == "transient":
                self._save(data)
                raise PlatformError("503 on delete", platform=self.name, transient=True)
            for p in data["posts"]:
                if p["id"] == remote_id and not p["deleted"]:
                    p["deleted"] = True
                    data["deleted_order"].append(remote_id)
            self._save(data)


def assert_thread_exactly_once(adapter: FakeAdapter, texts: list[str], *, thread: bool = True) -> None:
    """Every text live exactly once, in order, each replying to the one before (for a thread)."""
    live = adapter.live_posts()
    assert [p["text"] for p in live] == texts, f"live posts differ: {[p['text'] for p in live]}"
    for before, after in zip([None] + live[:-1], live):
        expected = (before["id"] if before else None) if thread else None
        assert after["reply_to"] == expected, f"{after['id']} replies to {after['reply_to']}, not {expected}"


def make_plan(
    folder: Path,
    n: int = 10,
    *,
    thread: bool = True,
    platform: str = "x",
    issue_id: str = "issue-34",
    variant: str = "",
) -> Plan:
    """An n-post plan with one small real PNG card per post (written into `folder`)."""
    from crosspost.model import Media

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    posts = []
    for i in range(1, n + 1):
        card = folder / f"card-{i:02d}.png"
        if not card.exists():
            card.write_bytes(_tiny_png(i))
        posts.append(
            Post(
                text=f"{i}/{n} Story {i}{variant}: a headline & <b>markup</b> https://example.com/s/{i}",
                media=[Media(path=str(card), alt_text=f'Quote card {i}: "a quote"', story=i)],
                story=i,
            )
        )
    return Plan(platform=platform, issue_id=issue_id, posts=posts, thread=thread)


def _tiny_png(seed: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + bytes([seed % 256, 80, 160]) * 2 for _ in range(2))  # 2x2 RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
