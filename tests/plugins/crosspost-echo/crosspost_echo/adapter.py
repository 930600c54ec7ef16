"""The echo adapter: one JSON file per post, written whole (temporary name, then rename)."""

import json
import os
import time
import uuid
from pathlib import Path

from crosspost.credentials import load_credentials, missing
from crosspost.errors import InputError
from crosspost.platforms import Adapter as Base
from crosspost.platforms import Published

from . import SPEC


class Adapter(Base):
    name = SPEC.name
    limits = SPEC.limits

    def __init__(self, folder: Path, token: str):
        self.folder = Path(folder)
        self.token = token

    @classmethod
    def from_config(cls, config):
        found = load_credentials(SPEC.name)
        absent = missing(SPEC.name, found)
        if absent:
            raise InputError(f"Echo credentials missing: set {', '.join(absent)}")
        return cls(config.resolve(".echo"), found["token"])

    def account(self) -> str:
        return "echo-" + self.token[:4]

    def verify(self) -> str:
        return self.account()

    def _posts(self):
        if not self.folder.is_dir():
            return []
        return sorted(
            (json.loads(p.read_text(encoding="utf-8")) for p in self.folder.glob("*.json")), key=lambda r: r["n"]
        )

    def publish(self, post, reply_to=None) -> Published:
        if SPEC.length(post.text) > SPEC.limits.max_chars:
            raise InputError(f"echo post is {SPEC.length(post.text)} long, over {SPEC.limits.max_chars}")
        self.folder.mkdir(parents=True, exist_ok=True)
        ident = uuid.uuid4().hex
        record = {
            "id": ident,
            "n": len(list(self.folder.glob("*.json"))) + 1,
            "text": post.text,
            "reply_to": reply_to,
            "media": [{"name": Path(m.path).name, "alt_text": m.alt_text} for m in post.media],
            "created_at": time.time(),
        }
        tmp = self.folder / f".{ident}.tmp"
        tmp.write_text(json.dumps(record), encoding="utf-8")
        os.replace(tmp, self.folder / f"{ident}.json")
        return Published(ident, f"echo://{ident}")

    def delete(self, remote_id: str) -> None:
        (self.folder / f"{remote_id}.json").unlink(missing_ok=True)

    def find(self, post, reply_to=None, since=None):
        for record in reversed(self._posts()):
            if (
                record["text"] == post.text
                and record["reply_to"] == reply_to
                and (since is None or record["created_at"] >= since)
            ):
                return Published(record["id"], f"echo://{record['id']}")
        return None
