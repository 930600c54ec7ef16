"""A feed server on 127.0.0.1 serving RSS/Atom shaped like the newsletter platforms' real feeds.

Shapes (namespaces, CDATA, guid styles, where the HTML lives) follow what Substack, Ghost,
Buttondown, Beehiiv and WordPress publish, plus a plain Atom feed:

* Substack: RSS 2.0, `content:encoded` in CDATA, `dc:creator`, `<guid isPermaLink="false">` (the
  post URL), the subtitle in `<description>`, an `<enclosure>` image.
* Ghost: RSS 2.0, `content:encoded`, `media:content`, the excerpt in `<description>`, a hex guid.
* Buttondown: RSS 2.0 with the whole post as escaped HTML in `<description>`, no content:encoded.
* Beehiiv: RSS 2.0, `content:encoded` wrapped in beehiiv's <div>s with a <style>, permalink guid.
* WordPress: RSS 2.0, `content:encoded` plus a short `<description>` excerpt, `?p=123` guid.
* Atom: `<content type="html">` (escaped), `<summary>`, tag: ids.

The server keeps a body per path, answers `If-None-Match` / `If-Modified-Since` with 304, and
records every request (path and headers) so tests can count fetches and see the validators.

    with FeedServer() as server:
        server.serve("/feed", substack([item(35)]))
        server.url("/feed")
"""

from __future__ import annotations

import hashlib
import html
import threading
import time
from dataclasses import dataclass, field
from email.utils import format_datetime, formatdate, parsedate_to_datetime
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
BASE_TIME = datetime(2026, 11, 6, 9, 0, tzinfo=timezone.utc)  # a Friday; item n is n weeks later


# -- items ----------------------------------------------------------------------------------------


@dataclass
class Item:
    n: int
    title: str
    slug: str
    date: datetime
    body: str  # the post's HTML: an intro, <h2> stories with paragraphs, an outro
    content: bool = True  # False: the feed carries only a short excerpt (or nothing)


def story_html(n: int, stories: int = 2) -> str:
    parts = [f"<p>Welcome back. This is issue {n}, with {stories} stories this week.</p>"]
    for s in range(1, stories + 1):
        parts.append(f"<h2>Story {s} of issue {n}: a headline about markets</h2>")
        parts.append(
            f"<p>The first paragraph of story {s} explains what happened and why it matters to "
            f"readers. Prices rose by {s * 3}% in a week, analysts said.</p>"
        )
        parts.append(
            f'<p>A second paragraph adds context, with <a href="https://example.com/{n}/{s}">a '
            f"source</a> and <strong>some emphasis</strong>.</p>"
        )
    parts.append("<h2>Thanks for reading</h2><p>See you next week.</p>")
    return "\n".join(parts)


def item(
    n: int,
    title: str | None = None,
    *,
    slug: str | None = None,
    stories: int = 2,
    content: bool = True,
    date: datetime | None = None,
) -> Item:
    from datetime import timedelta

    title = title if title is not None else f"Issue #{n}: Markets, movies & more"
    return Item(
        n, title, slug or f"issue-{n}", date or BASE_TIME + timedelta(weeks=n - 30), story_html(n, stories), content
    )


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _rfc822(when: datetime) -> str:
    return format_datetime(when, usegmt=True)


def _newest_first(items: list[Item]) -> list[Item]:
    return sorted(items, key=lambda i: i.date, reverse=True)


def substack(items: list[Item], site: str = "East West Hurricane", host: str = "https://eastwest.substack.com") -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:googleplay="http://www.google.com/schemas/play-podcasts/1.0"><channel>',
        f"<title>{_cdata(site)}</title><description>{_cdata('China tech and business, weekly')}</description>",
        f"<link>{host}</link><image><url>https://substackcdn.com/image/fetch/logo.png</url>"
        f"<title>{site}</title><link>{host}</link></image><generator>Substack</generator>",
        f"<lastBuildDate>{_rfc822(BASE_TIME)}</lastBuildDate>",
        f'<atom:link href="{host}/feed" rel="self" type="application/rss+xml"/>',
        f"<copyright>{_cdata('Jane Doe')}</copyright><language>{_cdata('en')}</language>",
        f"<webMaster>{_cdata('eastwest@substack.com')}</webMaster>"
        f"<itunes:owner><itunes:email>{_cdata('eastwest@substack.com')}</itunes:email>"
        f"<itunes:name>{_cdata('Jane Doe')}</itunes:name></itunes:owner>",
    ]
    for it in _newest_first(items):
        content = f"<content:encoded>{_cdata(it.body)}</content:encoded>" if it.content else ""
        out.append(
            f"<item><title>{_cdata(it.title)}</title><description>{_cdata('This week, in short.')}</description>"
            f'<link>{host}/p/{it.slug}</link><guid isPermaLink="false">{host}/p/{it.slug}</guid>'
            f"<dc:creator>{_cdata('Jane Doe')}</dc:creator><pubDate>{_rfc822(it.date)}</pubDate>"
            f'<enclosure url="https://substackcdn.com/image/fetch/{it.slug}.jpeg" length="0" type="image/jpeg"/>'
            f"{content}</item>"
        )
    out.append("</channel></rss>")
    return "".join(out)


def ghost(items: list[Item], site: str = "The Ghost Letter", host: str = "https://letter.ghost.io") -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>',
        f"<title>{_cdata(site)}</title><description>{_cdata('Thoughts, stories and ideas.')}</description>",
        f"<link>{host}/</link><image><url>{host}/favicon.png</url><title>{site}</title><link>{host}/</link></image>",
        f"<generator>Ghost 5.75</generator><lastBuildDate>{_rfc822(BASE_TIME)}</lastBuildDate>",
        f'<atom:link href="{host}/rss/" rel="self" type="application/rss+xml"/><ttl>60</ttl>',
    ]
    for it in _newest_first(items):
        guid = hashlib.sha1(it.slug.encode()).hexdigest()[:24]
        body = (
            f'<figure class="kg-card kg-image-card"><img src="{host}/content/images/{it.slug}.jpg" '
            f'class="kg-image" alt loading="lazy"></figure>{it.body}'
        )
        content = f"<content:encoded>{_cdata(body)}</content:encoded>" if it.content else ""
        out.append(
            f"<item><title>{_cdata(it.title)}</title><description>{_cdata('The excerpt of this post.')}</description>"
            f'<link>{host}/{it.slug}/</link><guid isPermaLink="false">{guid}</guid>'
            f"<category>{_cdata('Newsletter')}</category><dc:creator>{_cdata('Sam Ghost')}</dc:creator>"
            f"<pubDate>{_rfc822(it.date)}</pubDate>"
            f'<media:content url="{host}/content/images/{it.slug}.jpg" medium="image"/>{content}</item>'
        )
    out.append("</channel></rss>")
    return "".join(out)


def buttondown(items: list[Item], site: str = "Buttoned Up", host: str = "https://buttondown.com/buttonedup") -> str:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">'
        f"<channel><title>{html.escape(site)}</title><link>{host}</link>"
        f"<description>A weekly note.</description>"
        f'<atom:link href="{host}/rss" rel="self"></atom:link><language>en-us</language>'
        f"<lastBuildDate>{_rfc822(BASE_TIME)}</lastBuildDate>"
    ]
    for it in _newest_first(items):
        description = html.escape(it.body) if it.content else "A short note."
        out.append(
            f"<item><title>{html.escape(it.title)}</title><link>{host}/archive/{it.slug}/</link>"
            f"<description>{description}</description><pubDate>{_rfc822(it.date)}</pubDate>"
            f"<guid>{host}/archive/{it.slug}/</guid></item>"
        )
    out.append("</channel></rss>")
    return "".join(out)


def beehiiv(items: list[Item], site: str = "Bee Brief", host: str = "https://beebrief.beehiiv.com") -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'version="2.0"><channel>',
        f"<title>{html.escape(site)}</title><description>The brief.</description><link>{host}/</link>",
        '<atom:link href="https://rss.beehiiv.com/feeds/AbC123xyz.xml" rel="self"/>',
        f"<language>en</language><lastBuildDate>{_rfc822(BASE_TIME)}</lastBuildDate><generator>beehiiv</generator>",
    ]
    for it in _newest_first(items):
        body = (
            "<div class='beehiiv'><style>.bh__table, .bh__table_header { border: 1px solid #C0C0C0; }</style>"
            f"<div class='beehiiv__body'>{it.body}</div></div>"
        )
        content = f"<content:encoded>{_cdata(body)}</content:encoded>" if it.content else ""
        out.append(
            f"<item><title>{_cdata(it.title)}</title><description>{_cdata('The subtitle')}</description>"
            f'<link>{host}/p/{it.slug}</link><guid isPermaLink="true">{host}/p/{it.slug}</guid>'
            f"<pubDate>{_rfc822(it.date)}</pubDate><author>Bee Writer</author>"
            f'<enclosure url="https://media.beehiiv.com/{it.slug}.png" length="12345" type="image/png"/>'
            f"{content}</item>"
        )
    out.append("</channel></rss>")
    return "".join(out)


def wordpress(items: list[Item], site: str = "Press Notes", host: str = "https://pressnotes.example") -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">'
        f"<channel><title>{html.escape(site)}</title>",
        f'<atom:link href="{host}/feed/" rel="self" type="application/rss+xml" /><link>{host}</link>',
        f"<description>Just another WordPress site</description><lastBuildDate>{_rfc822(BASE_TIME)}</lastBuildDate>",
        "<language>en-US</language><sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>1</sy:updateFrequency>",
        "<generator>https://wordpress.org/?v=6.4.2</generator>",
    ]
    for it in _newest_first(items):
        body = it.body.replace("<h2>", '<h2 class="wp-block-heading">')
        content = f"<content:encoded>{_cdata(body)}</content:encoded>" if it.content else ""
        out.append(
            f"<item><title>{html.escape(it.title)}</title><link>{host}/2026/11/{it.slug}/</link>"
            f"<comments>{host}/2026/11/{it.slug}/#respond</comments>"
            f"<dc:creator>{_cdata('admin')}</dc:creator><pubDate>{_rfc822(it.date)}</pubDate>"
            f"<category>{_cdata('Uncategorized')}</category>"
            f'<guid isPermaLink="false">{host}/?p={100 + it.n}</guid>'
            f"<description>{_cdata('<p>Welcome back. This is the excerpt of the post [&#8230;]</p>')}</description>"
            f"{content}<wfw:commentRss>{host}/2026/11/{it.slug}/feed/</wfw:commentRss>"
            "<slash:comments>0</slash:comments></item>"
        )
    out.append("</channel></rss>")
    return "".join(out)


def atom(items: list[Item], site: str = "Atomic Weekly", host: str = "https://atomic.example") -> str:
    newest = _newest_first(items)
    updated = (newest[0].date if newest else BASE_TIME).isoformat().replace("+00:00", "Z")
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
        f'<title>{html.escape(site)}</title><link href="{host}/"/><link rel="self" href="{host}/atom.xml"/>',
        f"<updated>{updated}</updated><id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>",
        "<author><name>Ada Atom</name></author>",
    ]
    for it in newest:
        stamp = it.date.isoformat().replace("+00:00", "Z")
        content = f'<content type="html">{html.escape(it.body)}</content>' if it.content else ""
        out.append(
            f'<entry><title type="html">{html.escape(html.escape(it.title))}</title>'
            f'<link rel="alternate" href="{host}/posts/{it.slug}"/><id>tag:atomic.example,2026:{it.slug}</id>'
            f"<published>{stamp}</published><updated>{stamp}</updated>"
            f"<summary>A summary of the post.</summary>{content}</entry>"
        )
    out.append("</feed>")
    return "".join(out)


PLATFORMS = {
    "substack": substack,
    "ghost": ghost,
    "buttondown": buttondown,
    "beehiiv": beehiiv,
    "wordpress": wordpress,
    "atom": atom,
}


# -- the server ------------------------------------------------------------------------------------


@dataclass
class Route:
    body: bytes
    content_type: str = RSS_TYPE
    status: int = 200
    delay: float = 0.0  # seconds before answering (a slow server)
    validators: bool = True  # send ETag / Last-Modified and honour them
    length: bool = True  # send Content-Length (False: the body ends when the connection closes)
    etag: str = ""
    last_modified: str = ""


@dataclass
class Request:
    path: str
    headers: dict = field(default_factory=dict)


class FeedServer:
    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- content

    def serve(self, path: str, body: str | bytes, **options) -> Route:
        """Serve `body` at `path`; a changed body gets a new ETag and Last-Modified."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        old = self.routes.get(path)
        route = Route(data, **options)
        if old is not None and old.body == data:
            route.etag, route.last_modified = old.etag, old.last_modified
        else:
            route.etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
            # one second later than the previous version, so If-Modified-Since tells them apart
            stamp = time.time() if old is None else max(time.time(), _parse_http_date(old.last_modified) + 1)
            route.last_modified = formatdate(stamp, usegmt=True)
        self.routes[path] = route
        return route

    def url(self, path: str, userinfo: str = "") -> str:
        host, port = self._server.server_address[:2]
        return f"http://{userinfo + '@' if userinfo else ''}{host}:{port}{path}"

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # -- lifecycle

    def start(self) -> "FeedServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server's API
                path = self.path.split("?", 1)[0]
                with server._lock:
                    server.requests.append(Request(path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(path)
                if route is None:
                    return self._send(404, b"<html><body>Not Found</body></html>", "text/html")
                if route.delay:
                    time.sleep(route.delay)
                if route.status != 200:
                    return self._send(route.status, b"<html><body>Error</body></html>", "text/html")
                if route.validators and _not_modified(self.headers, route):
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.send_header("Last-Modified", route.last_modified)
                    self.end_headers()
                    return
                extra = {"ETag": route.etag, "Last-Modified": route.last_modified} if route.validators else {}
                self._send(200, route.body, route.content_type, extra, length=route.length)

            def _send(self, status, body, content_type, extra=None, length=True):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                if length:
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> "FeedServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _parse_http_date(value: str) -> float:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return 0.0


def _not_modified(headers, route: Route) -> bool:
    """RFC 9110: If-None-Match wins; If-Modified-Since only counts without it."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        return route.etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
    ims = headers.get("If-Modified-Since")
    if ims is not None:
        return _parse_http_date(ims) >= _parse_http_date(route.last_modified)
    return False
