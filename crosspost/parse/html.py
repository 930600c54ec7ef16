"""HTML issues: a newsletter page saved from a browser or exported from Substack/Ghost/Buttondown.

* Metadata first, from the whole page: title from the article's <h1>, else og:title, else
  <title>; url from og:url, else <link rel=canonical>; date from <time datetime>, else
  article:published_time; brand from og:site_name; hashtags from article:tag.
* The content root is the first of the known post-body containers (Substack `.body.markup`,
  Ghost `.gh-content`, `.post-content`, `.entry-content`, `[itemprop=articleBody]`, <article>,
  <main>, <body>) that has <h2>/<h3> headings.
* Inside it, page furniture is removed: scripts, styles, nav, header, footer, aside, forms,
  buttons, iframes, images, hidden elements, and anything whose class/id/role says subscribe,
  share, social, comments, navbar, paywall, related, sidebar, cta, …
* The rest is read in order as headings, paragraphs (<p>, each <li>, loose text in <div>s,
  split at <br><br>) and blockquotes, and split into stories like Markdown (sections.py).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ..errors import InputError
from ..model import Issue, Link
from .meta import bare_links, build_issue
from .normalize import clean_inline
from .sections import Block, layout

_ROOT_SELECTORS = [
    ".available-content .body",
    "div.body.markup",
    ".gh-content",
    ".post-content",
    ".post-body",
    ".entry-content",
    ".article-content",
    "[itemprop=articleBody]",
    "article",
    "main",
    "body",
]
_JUNK_TAGS = [
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "button", "iframe", "svg", "input", "select", "textarea", "dialog", "figure", "img",
    "picture", "video", "audio", "canvas", "object", "embed", "menu", "pre", "table", "head",
]
_JUNK_WORDS = re.compile(
    r"(?:^|[-_])(?:subscribe|subscription|subscribe-widget|share|sharing|social|footer|navbar|nav|"
    r"navigation|comments?|button|btn|paywall|signup|related|sidebar|advert|ads?|promo|cookie|"
    r"modal|popup|ufi|cta|toc|breadcrumbs?|author-bio|newsletter-form)(?:$|[-_])",
    re.IGNORECASE,
)
_JUNK_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "button"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_INLINE = {
    "a", "span", "em", "strong", "b", "i", "u", "s", "code", "small", "sup", "sub", "mark",
    "abbr", "time", "cite", "q", "font", "del", "ins", "kbd", "var", "bdi", "bdo", "wbr", "br",
    "label", "data",
}


def parse_html(text: str, path: Path) -> Issue:
    try:
        return _parse(text, path)
    except RecursionError:
        raise InputError("HTML nested too deeply to read", path) from None


def _parse(text: str, path: Path) -> Issue:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    title = _title(soup)
    url = _meta(soup, "og:url") or _canonical(soup)
    date = _date(soup)
    site = _meta(soup, "og:site_name")
    tags = _tags(soup)
    root = _content_root(soup)
    if root is None:
        raise InputError("no stories found (the page has no body content)", path)
    _strip_furniture(root)
    doc = layout(_blocks(root), title=title)
    if not doc.stories:
        raise InputError(
            "no stories found (stories are <h2>/<h3> headings followed by paragraphs)", path
        )
    return build_issue(path, "html", title=doc.title, stories=doc.stories, intro=doc.intro, outro=doc.outro,
                       brand=site, url=url, date=date, hashtags=tags)


def _meta(soup, name: str) -> str | None:
    for attr in ("property", "name"):
        tag = soup.find("meta", attrs={attr: name})
        if tag is not None and isinstance(tag.get("content"), str):
            value = clean_inline(tag["content"])
            if value:
                return value
    return None


def _canonical(soup) -> str | None:
    for tag in soup.find_all("link", href=True):
        rel = tag.get("rel") or []
        rel = rel.split() if isinstance(rel, str) else rel
        if "canonical" in [r.lower() for r in rel]:
            return clean_inline(str(tag["href"])) or None
    return None


def _title(soup) -> str | None:
    """The post's own <h1> (not a site logo in the navbar), else og:title, else <title>."""
    for scope in ("article", "main", None):
        container = soup.find(scope) if scope else soup
        if container is None:
            continue
        for h1 in container.find_all("h1"):
            if _inside_furniture(h1):
                continue
            text, _ = _inline([h1])
            if text:
                return text
    og = _meta(soup, "og:title") or _meta(soup, "twitter:title")
    if og:
        return og
    if soup.title is not None:
        return clean_inline(soup.title.get_text(" ")) or None
    return None


def _inside_furniture(tag) -> bool:
    for parent in tag.parents:
        if parent.name in ("nav", "footer", "aside") or _is_junk(parent, check_tag=False):
            return True
    return False


def _date(soup) -> str | None:
    candidates = [t.get("datetime") for t in soup.find_all("time") if t.get("datetime")]
    candidates += [_meta(soup, "article:published_time"), _meta(soup, "date")]
    for value in candidates:
        if isinstance(value, str):
            m = re.match(r"\s*(\d{4}-\d{2}-\d{2})", value)
            if m:
                try:
                    return dt.date.fromisoformat(m.group(1)).isoformat()
                except ValueError:
                    continue
    return None


def _tags(soup) -> list[str]:
    tags: list[str] = []
    for meta in soup.find_all("meta", attrs={"property": "article:tag"}):
        content = meta.get("content")
        tag = "".join(clean_inline(content).lstrip("#").split()) if isinstance(content, str) else ""
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _content_root(soup):
    for selector in _ROOT_SELECTORS:
        for candidate in soup.select(selector):
            if candidate.find(["h2", "h3"]) is not None:
                return candidate
    return soup.body or soup


def _is_junk(tag, check_tag: bool = True) -> bool:
    if check_tag and tag.name in _JUNK_TAGS:
        return True
    attrs = getattr(tag, "attrs", None) or {}
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true":
        return True
    style = str(attrs.get("style", "")).replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    if str(attrs.get("role", "")).lower() in _JUNK_ROLES:
        return True
    classes = attrs.get("class") or []
    words = (classes.split() if isinstance(classes, str) else list(classes)) + [str(attrs.get("id", ""))]
    return any(_JUNK_WORDS.search(w) for w in words if w)


def _strip_furniture(root) -> None:
    from bs4 import Tag

    doomed = [
        t
        for t in root.find_all(True)
        if isinstance(t, Tag)
        and _is_junk(t)
        # a <header> around a story heading in hand-written HTML is content, not furniture
        and not (t.name == "header" and t.find(["h2", "h3"]) is not None and not _is_junk(t, False))
    ]
    for tag in doomed:
        if not getattr(tag, "decomposed", False):
            tag.decompose()


def _blocks(root) -> list[Block]:
    blocks: list[Block] = []
    _walk(root, blocks)
    return blocks


def _walk(node, blocks: list[Block]) -> None:
    """Block-level reading of `node`'s children; loose inline content becomes paragraphs."""
    from bs4 import NavigableString, Tag

    buffer: list = []
    last_was_br = False

    def flush():
        nonlocal buffer
        if buffer:
            text, links = _inline(buffer)
            if text:
                blocks.append(Block("para", text, links=links))
        buffer = []

    for child in node.children:
        if isinstance(child, NavigableString):
            if _is_text(child):
                buffer.append(child)
                if child.strip():
                    last_was_br = False
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name == "br":
            if last_was_br:
                flush()
            else:
                buffer.append(child)
            last_was_br = not last_was_br
            continue
        last_was_br = False
        if name in _INLINE:
            buffer.append(child)
        elif name in _HEADINGS:
            flush()
            text, _ = _inline([child])
            blocks.append(Block("heading", text, level=_HEADINGS[name]))
        elif name == "blockquote" or "pullquote" in " ".join(child.get("class") or []):
            flush()
            text, links = _inline([child])
            if text:
                blocks.append(Block("quote", text, links=links))
        else:  # p, div, section, ul, ol, li, article … (<br><br> splits a <p> too)
            flush()
            _walk(child, blocks)
    flush()


def _is_text(node) -> bool:
    from bs4 import CData, Comment, Declaration, Doctype, ProcessingInstruction

    return not isinstance(node, (Comment, Declaration, Doctype, ProcessingInstruction, CData))


def _inline(nodes) -> tuple[str, list[Link]]:
    """Visible text of inline nodes (block children read as spaces) and the links in them."""
    from bs4 import NavigableString, Tag

    parts: list[str] = []
    links: list[Link] = []
    for node in nodes:
        items = [node] if isinstance(node, NavigableString) else [node, *node.descendants]
        for item in items:
            if isinstance(item, NavigableString):
                if _is_text(item):
                    parts.append(str(item))
            elif isinstance(item, Tag):
                if item.name == "br" or item.name not in _INLINE:
                    parts.append(" ")
                if item.name == "a" and isinstance(item.get("href"), str):
                    href = item["href"].strip()
                    if href and not href.startswith(("#", "javascript:")):
                        label = clean_inline(item.get_text())
                        links.append(Link(text=label or href, url=href))
    text = clean_inline("".join(parts))
    for url in bare_links(text):
        if not any(link.url == url for link in links):
            links.append(Link(text=url, url=url))
    return text, links
