"""Feeds: read the newsletter's RSS/Atom feed and save each new item as an issue file.

Substack, Buttondown, Ghost, Beehiiv and WordPress all publish every post's full HTML in their
feed (`content:encoded`, Atom `<content type="html">`, or Buttondown's HTML `<description>`).
`fetch_feed()` downloads the feed with requests (a timeout for the whole download, a size cap, a
User-Agent, conditional GET with the ETag / Last-Modified of the last fetch), hands the bytes to
feedparser (which never does HTTP here), and saves each item it has not seen as
`issues/<slug>.html`: a complete HTML document whose <head> carries the item's metadata
(<title>, og:title, og:url, canonical, article:published_time, og:site_name) and whose <article>
is the item's HTML, unaltered. The HTML issue parser reads it like a page saved from a browser.

Never twice: the guids (Atom ids) already saved are kept per feed in `feeds.json` in the state
folder next to the ledger, together with the validators; an item is also recognised by its file
(the `crosspost:guid` meta, og:url or canonical link of an HTML file in issues/), so a lost state
file or a renamed title never makes a duplicate, and an existing file is never overwritten.
Every file is written to a temporary name and linked into place (atomic, never overwriting).

The first fetch of a feed saves its whole back catalogue; those items are marked `backlog` in
the state, so `schedule.auto` files them as the back catalogue instead of publishing old issues
(see runner.auto_schedule). Items that appear in later fetches are new and get scheduled.
"""

from __future__ import annotations

import html
import json
import re
import time
import unicodedata
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError
from .files import atomic_write

if TYPE_CHECKING:
    from .config import Config
    from .progress import Progress

TIMEOUT = 20.0  # seconds: to connect, for each read, and for the whole download
MAX_BYTES = 10 * 1024 * 1024  # a feed larger than this is refused (the biggest real ones are ~2 MB)
LOCK_TIMEOUT = 120.0  # seconds to wait for another fetch of the same project
SLUG_MAX = 60
STATE_NAME = "feeds.json"
GUID_META = "crosspost:guid"
_HEAD_BYTES = 65536  # how much of an HTML file is read to recognise an item already saved
_BLOCK_TAG = re.compile(r"<(?:p|h[1-6]|ul|ol|blockquote|div|figure|table|section)\b", re.IGNORECASE)
_TAG = re.compile(r"<(meta|link)\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def user_agent() -> str:
    from . import __version__

    return f"crosspost/{__version__} (newsletter feed reader; +https://github.com/crosspost)"


# -- results ---------------------------------------------------------------------------------------


@dataclass
class SavedItem:
    issue_id: str
    file: str  # path of the file written
    title: str
    url: str
    date: str
    guid: str


@dataclass
class FailedItem:
    title: str
    guid: str
    error: str  # one line naming the feed and the item


@dataclass
class FetchResult:
    url: str  # as shown: userinfo redacted
    first: bool = False  # the first fetch of this feed: its items are the back catalogue
    not_modified: bool = False  # the server answered 304
    entries: int = 0  # items in the feed
    known: int = 0  # items already saved by an earlier fetch (by guid, or found in issues/)
    saved: list[SavedItem] = field(default_factory=list)
    failed: list[FailedItem] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 2 if self.failed else 0

    def summary(self) -> str:
        if self.not_modified:
            return f"{self.url}: not modified since the last fetch (HTTP 304); nothing new."
        new = len(self.saved)
        parts = [f"{self.entries} item{'s' if self.entries != 1 else ''}", f"{new} new" if new else "nothing new"]
        if self.known:
            parts.append(f"{self.known} already saved")
        if self.failed:
            parts.append(f"{len(self.failed)} skipped")
        extra = (
            " First fetch of this feed: schedule.auto keeps these as the back catalogue." if self.first and new else ""
        )
        return f"{self.url}: {', '.join(parts)}.{extra}"

    def to_dict(self) -> dict:
        return {
            "url": self.url,
            "first": self.first,
            "not_modified": self.not_modified,
            "entries": self.entries,
            "known": self.known,
            "saved": [vars(s) for s in self.saved],
            "failed": [vars(f) for f in self.failed],
        }


# -- URLs: never show the userinfo -----------------------------------------------------------------


def _userinfo(url: str) -> tuple[str, str, str]:
    """(userinfo, username, password) of a URL, as written in it."""
    netloc = urllib.parse.urlsplit(url).netloc
    if "@" not in netloc:
        return "", "", ""
    info = netloc.rsplit("@", 1)[0]
    user, _, password = info.partition(":")
    return info, user, password


def _strip_userinfo(url: str, replacement: str = "") -> str:
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{replacement}@{host}" if replacement else host))


def display_url(url: str) -> str:
    """The URL as it may be printed or logged: `https://***@host/feed` when it carries user:password."""
    return _strip_userinfo(url, "***")


def scrub(text: str, url: str) -> str:
    """`text` with the URL's userinfo (and its password) redacted, wherever and however encoded it
    appears, along with every other known secret (log.redact)."""
    from .log import redact

    info, _, password = _userinfo(url)
    secrets = [info] + [urllib.parse.unquote(info)]
    if len(password) >= 3:
        secrets += [password, urllib.parse.unquote(password)]
    return redact(text, secrets)


def _state_key(url: str) -> str:
    return _strip_userinfo(url.strip())


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(f"{display_url(url)}: not an http(s) feed URL")


# -- state -----------------------------------------------------------------------------------------


def state_path(config: "Config") -> Path:
    """`feeds.json` in the state folder, next to the ledger."""
    return config.resolve(config.ledger.path).parent / STATE_NAME


def _lock(config: "Config"):
    from filelock import FileLock

    path = state_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(path.with_name(path.name + ".lock")), timeout=LOCK_TIMEOUT)


def load_state(config: "Config") -> dict:
    path = state_path(config)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"version": 1, "feeds": {}}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            f"cannot read the feed state ({exc.__class__.__name__}); delete it to start afresh "
            "(items already in issues/ are recognised by their files)",
            path,
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("feeds"), dict):
        raise InputError("not a crosspost feed state file; delete it to start afresh", path)
    return data


def _save_state(config: "Config", state: dict) -> None:
    path = state_path(config)
    try:
        atomic_write(path, (json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode())
    except OSError as exc:
        raise InputError(f"cannot write the feed state: {exc.strerror or exc}", path) from None


def backlog_files(config: "Config") -> set[str]:
    """File names (in issues/) that a first fetch of a feed saved: that feed's back catalogue."""
    if not state_path(config).exists():
        return set()
    with _lock(config):  # a fetch in progress has written its files but maybe not yet its state
        try:
            state = load_state(config)
        except InputError:
            return set()
    names: set[str] = set()
    for feed in state["feeds"].values():
        for item in (feed.get("items") or {}).values():
            if isinstance(item, dict) and item.get("backlog") and item.get("file"):
                names.add(item["file"])
    return names


# -- HTTP ------------------------------------------------------------------------------------------


@dataclass
class _Download:
    data: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


def download(
    url: str,
    *,
    etag: str | None = None,
    modified: str | None = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> _Download | None:
    """GET the feed (conditional when validators are given); None when the server says 304."""
    import requests

    timeout = TIMEOUT if timeout is None else timeout
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    shown = display_url(url)
    headers = {
        "User-Agent": user_agent(),
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    }
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    deadline = time.monotonic() + timeout
    limit = f"{max_bytes / 1024 / 1024:g} MB"
    try:
        with requests.get(url, headers=headers, timeout=timeout, stream=True) as resp:
            if resp.status_code == 304:
                return None
            if not 200 <= resp.status_code < 300:
                reason = f" {resp.reason}" if resp.reason else ""
                raise InputError(f"{shown}: HTTP {resp.status_code}{reason}")
            length = resp.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise InputError(f"{shown}: the feed is larger than {limit} ({int(length):,} bytes)")
            chunks, size = [], 0
            for chunk in resp.iter_content(65536):
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(f"{shown}: the feed is larger than {limit}")
                if time.monotonic() > deadline:
                    raise InputError(f"{shown}: timed out after {timeout:g}s")
                chunks.append(chunk)
            return _Download(
                b"".join(chunks),
                resp.headers.get("Content-Type", ""),
                resp.headers.get("ETag"),
                resp.headers.get("Last-Modified"),
            )
    except requests.exceptions.Timeout:
        raise InputError(f"{shown}: timed out after {timeout:g}s") from None
    except requests.exceptions.TooManyRedirects:
        raise InputError(f"{shown}: too many redirects") from None
    except requests.exceptions.SSLError:
        raise InputError(f"{shown}: TLS/SSL error (certificate or protocol)") from None
    except requests.exceptions.ConnectionError as exc:
        text = str(exc)
        if "timed out" in text.lower():  # a read timeout in the body arrives as a ConnectionError
            raise InputError(f"{shown}: timed out after {timeout:g}s") from None
        if "refused" in text.lower():
            raise InputError(f"{shown}: connection refused") from None
        if "resolve" in text.lower() or "name or service" in text.lower() or "getaddrinfo" in text.lower():
            raise InputError(f"{shown}: host not found") from None
        raise InputError(f"{shown}: cannot connect") from None
    except requests.exceptions.RequestException as exc:
        raise InputError(scrub(f"{shown}: request failed ({type(exc).__name__})", url)) from None


# -- the feed --------------------------------------------------------------------------------------


@dataclass
class FeedItem:
    guid: str
    title: str
    link: str
    date: str  # ISO 8601 (UTC) or ""
    timestamp: float | None
    html: str  # the item's full HTML, "" when the feed has none
    problem: str = ""


def parse_feed(data: bytes, content_type: str, shown: str) -> tuple[str, list[FeedItem]]:
    """(feed title, items) of a downloaded feed; InputError when it is not a feed."""
    import io

    import feedparser

    parsed = feedparser.parse(
        io.BytesIO(data),
        response_headers={"content-type": content_type or "application/xml"},
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        head = data[:2048].decode("utf-8", "replace").lower()
        if "<html" in head or "<!doctype html" in head:
            what = "got an HTML page; use the feed's own URL (e.g. …/feed or …/rss)"
        elif not data.strip():
            what = "the response is empty"
        else:
            what = "cannot read it as RSS or Atom XML"
        raise InputError(f"{shown}: not an RSS or Atom feed ({what})")
    title = _plain(parsed.feed.get("title", ""), parsed.feed.get("title_detail"))
    return title, [_item(e) for e in parsed.entries]


def _plain(value: str, detail=None) -> str:
    if detail is not None and "html" in (detail.get("type") or ""):
        value = html.unescape(re.sub(r"<[^>]+>", "", value))
    return " ".join(value.split())


def _item(entry) -> FeedItem:
    title = _plain(entry.get("title", ""), entry.get("title_detail"))
    link = (entry.get("link") or "").strip()
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    stamp = date = None
    if when:
        moment = datetime(*when[:6]).replace(tzinfo=timezone.utc)
        stamp, date = moment.timestamp(), moment.isoformat()
    guid = (entry.get("id") or link or "").strip()
    if not guid:
        import hashlib

        guid = "sha1:" + hashlib.sha1(f"{title}\n{date}".encode()).hexdigest()
    body, problem = _content(entry)
    return FeedItem(guid=guid, title=title, link=link, date=date or "", timestamp=stamp, html=body, problem=problem)


def _content(entry) -> tuple[str, str]:
    """The item's full HTML: content:encoded / Atom content, else a summary that is a whole post."""
    contents = [c for c in entry.get("content") or [] if (c.get("value") or "").strip()]
    contents.sort(key=lambda c: "html" not in (c.get("type") or ""))  # HTML before plain text
    if contents:
        value = contents[0]["value"]
        if "html" not in (contents[0].get("type") or "html"):
            value = "".join(f"<p>{html.escape(p.strip())}</p>\n" for p in re.split(r"\n\s*\n", value) if p.strip())
        return value, ""
    summary = (entry.get("summary") or "").strip()
    if summary and _looks_full(summary):
        return summary, ""
    if summary:
        return "", "no content: the feed has only a short summary of it (the feed must carry the full post)"
    return "", "no content in the feed"


def _looks_full(summary: str) -> bool:
    """A description that is the whole post (Buttondown) rather than an excerpt (WordPress, Ghost)."""
    blocks = len(_BLOCK_TAG.findall(summary))
    return blocks >= 2 or (blocks >= 1 and len(summary) >= 1500)


# -- the saved file --------------------------------------------------------------------------------


def issue_document(item: FeedItem, site: str) -> str:
    """A complete HTML page: the item's metadata in <head>, its HTML in <body><article>."""

    def attr(value: str) -> str:
        return html.escape(value, quote=True)

    head = ['<meta charset="utf-8">', f"<title>{html.escape(item.title, quote=False)}</title>"]
    if item.title:
        head.append(f'<meta property="og:title" content="{attr(item.title)}">')
    if item.link:
        head.append(f'<meta property="og:url" content="{attr(item.link)}">')
        head.append(f'<link rel="canonical" href="{attr(item.link)}">')
    if item.date:
        head.append(f'<meta property="article:published_time" content="{attr(item.date)}">')
    if site:
        head.append(f'<meta property="og:site_name" content="{attr(site)}">')
    head.append(f'<meta name="{GUID_META}" content="{attr(item.guid)}">')
    lines = "\n".join(head)
    return f"<!DOCTYPE html>\n<html>\n<head>\n{lines}\n</head>\n<body>\n<article>\n{item.html}\n</article>\n</body>\n</html>\n"


def slug(title: str, date: str = "") -> str:
    """`issue-130-the-big-one` from "Issue #130: The big one": ASCII, lowercase, hyphens, <= SLUG_MAX.

    A title with an issue number always yields a name the resolver reads that number from.
    """
    from .parse.meta import number_from_name, number_from_title

    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    base = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    number = number_from_title(title) if title else None
    if number is not None and number_from_name(base) != number:
        base = f"issue-{number}-{base}".strip("-")
    if not base:
        base = f"post-{date[:10]}" if date else "post"
    if len(base) > SLUG_MAX:
        cut = base[:SLUG_MAX]
        base = cut.rsplit("-", 1)[0] if "-" in cut[SLUG_MAX // 2 :] else cut
    return base.strip("-")


def _suffixes(base: str):
    """base, then base-2, base-3 ... (or base-b, base-c ... when a digit would change its issue number)."""
    from .parse.meta import number_from_name

    yield base
    wanted = number_from_name(base)
    for k in range(2, 10_000):
        candidate = f"{base}-{k}"
        if number_from_name(candidate) != wanted:
            letters, n = "", k - 1
            while True:
                letters = chr(ord("a") + n % 26) + letters
                n = n // 26 - 1
                if n < 0:
                    break
            candidate = f"{base}-{letters}"
        yield candidate


def _link_key(link: str) -> str:
    link = link.strip().split("#", 1)[0]
    return link.rstrip("/").lower()


def _known_files(issues_dir: Path) -> dict[tuple[str, str], str]:
    """("guid"|"link", value) -> file name, from the <head> of the HTML files in issues/."""
    from .parse.resolve import issue_files

    found: dict[tuple[str, str], str] = {}
    for path in issue_files(issues_dir):
        if path.suffix.lower() not in (".html", ".htm"):
            continue
        try:
            with open(path, "rb") as fh:
                head = fh.read(_HEAD_BYTES).decode("utf-8", "replace")
        except OSError:
            continue
        for tag, raw in _TAG.findall(head):
            attrs = {k.lower(): html.unescape(a or b or c) for k, a, b, c in _ATTR.findall(raw)}
            if tag.lower() == "meta":
                name = (attrs.get("property") or attrs.get("name") or "").lower()
                if name == GUID_META and attrs.get("content"):
                    found.setdefault(("guid", attrs["content"].strip()), path.name)
                elif name == "og:url" and attrs.get("content"):
                    found.setdefault(("link", _link_key(attrs["content"])), path.name)
            elif "canonical" in (attrs.get("rel") or "").lower().split() and attrs.get("href"):
                found.setdefault(("link", _link_key(attrs["href"])), path.name)
    return found


def _taken_stems(issues_dir: Path) -> set[str]:
    try:
        return {p.stem.lower() for p in issues_dir.iterdir()}
    except OSError:
        return set()


def _save(item: FeedItem, site: str, issues_dir: Path) -> Path:
    data = issue_document(item, site).encode("utf-8")
    taken = _taken_stems(issues_dir)
    for name in _suffixes(slug(item.title, item.date)):
        if name.lower() in taken:
            continue
        path = issues_dir / f"{name}.html"
        if atomic_write(path, data, exclusive=True, mtime=item.timestamp):
            return path
    raise OSError(f"no free file name for {item.title!r}")


# -- fetch -----------------------------------------------------------------------------------------


def fetch_feed(
    config: "Config",
    url: str | None = None,
    *,
    timeout: float | None = None,
    max_bytes: int | None = None,
    now: float | None = None,
    progress: "Progress | None" = None,
) -> FetchResult:
    """Fetch the feed (`url`, else `[issue] feed`) and save its new items in issues/.

    Raises InputError (one line naming the URL, userinfo redacted) when the feed cannot be read at
    all: HTTP error, connection refused, timeout, not a feed, too large. An item without content is
    listed in `failed` (and not remembered, so it is saved once the feed carries it) while the
    other items are saved.

    `progress` (crosspost.progress) is told of the download, of each item of the feed as it is
    saved or skipped, and of a wait for another fetch of the same project.
    """
    url = (url or config.issue.feed or "").strip()
    if not url:
        raise InputError("no feed URL: pass one (crosspost fetch URL) or set `feed` under [issue] in crosspost.toml")
    _check_url(url)
    shown = display_url(url)
    issues_dir = config.resolve(config.issues_dir)
    now = time.time() if now is None else now
    from filelock import Timeout

    from .progress import or_silent

    shown_to = or_silent(progress)
    lock = _lock(config)
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            shown_to.waiting(time.time() + LOCK_TIMEOUT, "another crosspost fetch is running")
            lock.acquire()
    except Timeout:
        raise InputError(f"{shown}: another crosspost fetch is still running") from None
    try:
        return _fetch_locked(config, url, shown, issues_dir, timeout, max_bytes, now, shown_to)
    finally:
        lock.release()


def _fetch_locked(
    config: "Config",
    url: str,
    shown: str,
    issues_dir: Path,
    timeout: float | None,
    max_bytes: int | None,
    now: float,
    progress: "Progress",
) -> FetchResult:
    state = load_state(config)
    key = _state_key(url)
    feed = state["feeds"].get(key)
    result = FetchResult(url=shown, first=feed is None)
    feed = feed if isinstance(feed, dict) else {}
    items: dict = feed.setdefault("items", {})
    progress.start(None, f"fetching {shown}")
    try:
        got = download(
            url, etag=feed.get("etag"), modified=feed.get("last_modified"), timeout=timeout, max_bytes=max_bytes
        )
        if got is not None:
            progress.advance(f"{len(got.data):,} bytes")
    finally:
        progress.done()
    if got is None:
        result.not_modified = True
        return result
    site, entries = parse_feed(got.data, got.content_type, shown)
    progress.start(len(entries), "reading the feed's items")
    try:
        _save_items(result, entries, items, site, shown, url, issues_dir, now, progress)
    finally:
        progress.done()
    feed.update(etag=got.etag, last_modified=got.last_modified, title=site, checked_at=now)
    state["feeds"][key] = feed
    _save_state(config, state)
    return result


def _save_items(
    result: FetchResult,
    entries: list[FeedItem],
    items: dict,
    site: str,
    shown: str,
    url: str,
    issues_dir: Path,
    now: float,
    progress: "Progress",
) -> None:
    """Save each entry not seen before (oldest first), recording it in `items` and `result`."""
    result.entries = len(entries)
    try:
        issues_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the issues directory: {exc.strerror or exc}", issues_dir) from None
    on_disk = _known_files(issues_dir)
    for n, item in enumerate(reversed(entries), start=1):  # oldest first: the older post keeps the plain name
        what = _save_item(result, item, items, on_disk, site, shown, url, issues_dir, now)
        progress.advance(f"item {n}/{len(entries)} {what}: {item.title or item.link or item.guid}")


def _save_item(
    result: FetchResult,
    item: FeedItem,
    items: dict,
    on_disk: dict,
    site: str,
    shown: str,
    url: str,
    issues_dir: Path,
    now: float,
) -> str:
    """Save one entry unless it is known; say what became of it ("saved", "known", "skipped")."""
    if item.guid in items:
        result.known += 1
        return "known"
    existing = on_disk.get(("guid", item.guid)) or (item.link and on_disk.get(("link", _link_key(item.link))))
    if existing:
        items[item.guid] = {"file": existing, "title": item.title, "backlog": result.first, "saved_at": now}
        result.known += 1
        return "known"
    if item.problem:
        label = item.title or item.link or item.guid
        result.failed.append(FailedItem(item.title, item.guid, scrub(f"{shown}: item {label!r}: {item.problem}", url)))
        return "skipped"
    try:
        path = _save(item, site, issues_dir)
    except OSError as exc:
        raise InputError(f"cannot save {item.title!r}: {exc.strerror or exc}", issues_dir) from None
    items[item.guid] = {"file": path.name, "title": item.title, "backlog": result.first, "saved_at": now}
    result.saved.append(SavedItem(path.stem, str(path), item.title, item.link, item.date, item.guid))
    return "saved"
