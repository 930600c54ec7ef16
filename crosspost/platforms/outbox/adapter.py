"""The outbox: a local folder that receives posts like a platform would. No account, no network.

Layout: `<outbox>/<issue_id>/<NNN>-<remote_id>.json` per post of an X plan (text, reply_to,
media, created_at), the images copied to `<outbox>/<issue_id>/media/`; a plan for another platform
(Instagram) goes to `<outbox>/<issue_id>/<platform>/` the same way, under its own ledger account
(`outbox:<platform>:<id>`), so an issue's thread and its cards never share ledger positions. <id> is
kept in `<outbox>/.crosspost-outbox-id`, so moving the project does not make it a new outbox.
The X plan keeps the original place and account, so outboxes written before stay valid.
`<outbox>/index.html` is a self-contained page with every timeline to look at. Every file is written to a temporary name, fsynced and renamed into place,
so a crash leaves either the whole post or none of it: the JSON file's existence *is* the post.
"""

from __future__ import annotations

import html
import json
import os
import re
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import InputError
from ...files import atomic_write, read_small_text, writable_folder
from ...model import Plan, Post
from .. import base
from ..base import Published
from . import SPEC

if TYPE_CHECKING:
    from ...config import Config

_POST_FILE = re.compile(r"^(\d{3,})-([0-9a-f]{32})\.json$")
_URL = re.compile(r"https?://[^\s<>\"]+")
_DEFAULT_ISSUE = "_unsorted"
_ROOT_PLATFORMS = ("", "x")  # plans filed directly in the issue folder (the original layout)
_MEDIA = "media"
_ID_FILE = ".crosspost-outbox-id"  # this outbox's identity in the ledger (survives moving the folder)


class Adapter(base.Adapter):
    name = "outbox"
    limits = SPEC.limits

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.issue_id = _DEFAULT_ISSUE
        self.plan_platform = ""  # set by begin(): which plan's timeline this is

    @classmethod
    def from_config(cls, config: "Config") -> "Adapter":
        return cls(config.resolve(config.settings(SPEC.name).path))

    # -- engine hook --------------------------------------------------------------------------

    def begin(self, plan: Plan) -> None:
        """Called by the engine before publishing: posts are filed under the plan's issue and platform."""
        self.issue_id = _safe_name(plan.issue_id)
        platform = _safe_name(plan.platform) if plan.platform else ""
        self.plan_platform = f"{platform}_" if platform == _MEDIA else platform
        writable_folder(self.root, "the outbox (outbox.path)")  # before anything is recorded as sent

    def _folder(self) -> Path:
        folder = self.root / self.issue_id
        return folder if self.plan_platform in _ROOT_PLATFORMS else folder / self.plan_platform

    # -- the adapter interface -----------------------------------------------------------------

    def account(self) -> str:
        """`outbox:<id>` (`outbox:<platform>:<id>` for a plan filed in a subfolder), where <id> is
        stored in the outbox itself: moving or renaming the project keeps the ledger's keys."""
        return self._key(self._outbox_id())

    def legacy_accounts(self) -> list[str]:
        """Older versions keyed the outbox by its absolute path."""
        return [self._key(str(self.root.resolve()))]

    def _key(self, ident: str) -> str:
        if self.plan_platform in _ROOT_PLATFORMS:
            return f"outbox:{ident}"
        return f"outbox:{self.plan_platform}:{ident}"

    def _outbox_id(self) -> str:
        path = self.root / _ID_FILE
        ident = read_small_text(path, "the outbox's id file", 1024).strip() if os.path.lexists(path) else ""
        if not ident and not os.path.lexists(path):
            self.root.mkdir(parents=True, exist_ok=True)
            atomic_write(path, (uuid.uuid4().hex + "\n").encode("ascii"), exclusive=True)  # a racing run's wins
            ident = read_small_text(path, "the outbox's id file", 1024).strip()
        if not re.fullmatch(r"[0-9a-f]{32}", ident):
            raise InputError("this outbox's id file is damaged (restore it: the ledger knows the outbox by it)", path)
        return ident

    def verify(self) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        return str(self.root.resolve())

    def publish(self, post: Post, reply_to: str | None = None) -> Published:
        folder = self._folder()
        (folder / _MEDIA).mkdir(parents=True, exist_ok=True)
        remote_id = uuid.uuid4().hex
        media = []
        for i, m in enumerate(post.media, start=1):
            source = Path(m.path)
            target = folder / "media" / f"{remote_id}-{i}{source.suffix.lower()}"
            atomic_write(target, source.read_bytes())
            media.append({"path": f"media/{target.name}", "alt_text": m.alt_text, "source": source.name})
        number = 1 + max((n for n, _ in _post_files(folder)), default=0)
        path = folder / f"{number:03d}-{remote_id}.json"
        record = {
            "id": remote_id,
            "issue_id": self.issue_id,
            "text": post.text,
            "reply_to": reply_to,
            "media": media,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        atomic_write(path, json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"))
        self._write_index()
        return Published(remote_id=remote_id, url=path.resolve().as_uri())

    def delete(self, remote_id: str) -> None:
        if not re.fullmatch(r"[0-9a-f]{32}", remote_id or "") or not self.root.is_dir():
            return  # not an outbox id: nothing of ours to remove
        paths = [*self.root.glob(f"*/[0-9]*-{remote_id}.json"), *self.root.glob(f"*/*/[0-9]*-{remote_id}.json")]
        for path in paths:
            record = _read(path)
            path.unlink(missing_ok=True)
            for m in (record or {}).get("media", []):
                (path.parent / m["path"]).unlink(missing_ok=True)
        self._write_index()

    def find(self, post: Post, reply_to: str | None = None, since: float | None = None) -> Published | None:
        if not self.root.is_dir():
            return None
        if self.issue_id != _DEFAULT_ISSUE:
            folders = [self._folder()]  # prepared: the same text in another issue is not a match
        else:
            folders = [
                f
                for issue in sorted(p for p in self.root.iterdir() if p.is_dir())
                for f in (issue, *_platform_folders(issue))
            ]
        newest = None  # the most recent match: the one a just-interrupted request would have made
        for folder in folders:
            for _, path in _post_files(folder):
                record = _read(path)
                if (
                    record
                    and record.get("text") == post.text
                    and record.get("reply_to") == reply_to
                    and (since is None or _created(record) >= since)
                ):
                    newest = Published(remote_id=record["id"], url=path.resolve().as_uri())
        return newest

    # -- the timeline page ----------------------------------------------------------------------

    def _write_index(self) -> None:
        sections = []
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for timeline in (folder, *_platform_folders(folder)):
                records = [r for _, path in _post_files(timeline) if (r := _read(path))]
                if records:
                    where = timeline.relative_to(self.root).as_posix()
                    title = folder.name if timeline == folder else f"{folder.name} — {timeline.name}"
                    sections.append(_issue_html(title, where, _thread_order(records)))
        page = _PAGE.format(body="\n".join(sections) or "<p class=empty>Nothing published yet.</p>")
        atomic_write(self.root / "index.html", page.encode("utf-8"))


def _created(record: dict) -> float:
    """A post file's created_at as unix time (0 when unreadable: too old to adopt)."""
    import calendar

    try:
        return float(calendar.timegm(time.strptime(str(record.get("created_at")), "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        return 0.0


def _safe_name(issue_id: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", issue_id).strip(".") or _DEFAULT_ISSUE
    return name[:100]


def _platform_folders(issue_folder: Path) -> list[Path]:
    """The per-platform timelines inside an issue folder (e.g. `instagram/`)."""
    try:
        return sorted(p for p in issue_folder.iterdir() if p.is_dir() and p.name != _MEDIA)
    except OSError:
        return []


def _post_files(folder: Path) -> list[tuple[int, Path]]:
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), folder / name) for name in os.listdir(folder) if (m := _POST_FILE.match(name))]
    return sorted(found)


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # deleted meanwhile, or not ours


def _thread_order(records: list[dict]) -> list[dict]:
    """Posts in reply order: each root followed by its chain of replies; file order otherwise."""
    by_parent: dict[str | None, list[dict]] = {}
    ids = {r["id"] for r in records}
    for r in records:
        parent = r.get("reply_to") if r.get("reply_to") in ids else None
        by_parent.setdefault(parent, []).append(r)
    ordered: list[dict] = []
    seen: set[str] = set()

    def visit(record: dict) -> None:
        if record["id"] in seen:
            return
        seen.add(record["id"])
        ordered.append(record)
        for child in by_parent.get(record["id"], []):
            visit(child)

    for root in by_parent.get(None, []):
        visit(root)
    ordered.extend(r for r in records if r["id"] not in seen)  # cycles cannot happen; be safe
    return ordered


def _linkify(text: str) -> str:
    out, last = [], 0
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?)]'")
        end = m.start() + len(url)
        out.append(html.escape(text[last : m.start()]))
        out.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>')
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out).replace("\n", "<br>\n")


def _issue_html(title: str, where: str, records: list[dict]) -> str:
    posts = []
    for r in records:
        images = "".join(
            f'<img src="{html.escape(where + "/" + m["path"], quote=True)}" '
            f'alt="{html.escape(m.get("alt_text", ""), quote=True)}" '
            f'title="{html.escape(m.get("alt_text", ""), quote=True)}">'
            for m in r.get("media", [])
        )
        reply = ' class="post reply"' if r.get("reply_to") else ' class="post"'
        posts.append(
            f'<article{reply} id="{html.escape(r["id"], quote=True)}">'
            f'<p class="text">{_linkify(r.get("text", ""))}</p>'
            f"{f'<div class=media>{images}</div>' if images else ''}"
            f'<p class="meta">{html.escape(r.get("created_at", ""))} · {html.escape(r["id"][:8])}</p>'
            "</article>"
        )
    return f"<section><h2>{html.escape(title)}</h2>\n" + "\n".join(posts) + "\n</section>"


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crosspost outbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font:16px/1.45 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222;background:#fafafa}}
h1{{font-size:1.4rem}} h2{{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd}}
.post{{background:#fff;border:1px solid #ddd;border-radius:10px;padding:.8rem 1rem;margin:.6rem 0}}
.reply{{margin-left:1.2rem;border-left:3px solid #9ab}}
.text{{margin:0 0 .5rem;white-space:normal;overflow-wrap:anywhere}}
.media{{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:.4rem}}
.media img{{width:100%;border-radius:6px}} .meta{{color:#888;font-size:.8rem;margin:.3rem 0 0}}
</style></head><body>
<h1>crosspost outbox</h1>
{body}
</body></html>
"""
