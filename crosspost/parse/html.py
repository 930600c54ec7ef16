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

import re
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, CData, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

from ..errors import InputError
from ..hashtags import hashtags
from ..model import Issue, Link
from .dates import iso_date
from .document import Block, Document, Meta, Settings, read_document
from .meta import MASTHEAD_WORDS, bare_links, is_name, title_suffixes
from .normalize import clean_inline

_JUNK_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "iframe",
    "svg",
    "input",
    "select",
    "textarea",
    "dialog",
    "figure",
    "img",
    "picture",
    "video",
    "audio",
    "canvas",
    "object",
    "embed",
    "menu",
    "pre",
    "head",
    "title",
    "meta",
    "link",
]
_JUNK_WORDS = re.compile(
    r"(?:^|[-_])(?:subscribe|subscription|subscribe-widget|share|sharing|social|footer|navbar|nav|"
    r"navigation|comments?|button|btn|paywall|signup|related|sidebar|advert|ads?|promo|cookie|"
    r"modal|popup|ufi|cta|toc|breadcrumbs?|author-bio|newsletter-form|widgets?|widget-area|secondary|"
    r"tagcloud|tag-cloud|entry-meta|post-meta|postmetadata|entry-footer|sharedaddy|relatedposts|"
    r"preheader|preview-text|previewtext|mcnpreviewtext|site-header|site-footer|masthead|skip-link|"
    r"post-navigation|nav-links|pagination|byline|author-box|menu)(?:$|[-_])",
    re.IGNORECASE,
)
_JUNK_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "button"}
# How e-mails hide their preheader and mobile-only copies.
# (font-size:0 alone is not hiding: MJML and others set it on containers to close gaps.)
_HIDDEN_STYLES = ("display:none", "visibility:hidden", "mso-hide:all", "opacity:0;")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_INLINE = {
    "a",
    "span",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "s",
    "code",
    "small",
    "sup",
    "sub",
    "mark",
    "abbr",
    "time",
    "cite",
    "q",
    "font",
    "del",
    "ins",
    "kbd",
    "var",
    "bdi",
    "bdo",
    "wbr",
    "br",
    "label",
    "data",
}


# Levels of nested tags an issue may have. Real e-mails nest layout tables about ten deep (42 tags
# deep at most in the test corpus); reading the tree costs time growing with depth squared, so
# thousands of nested tags (a hostile or broken page) are refused before it is read.
MAX_DEPTH = 256


class _TooDeep(Exception):
    pass


def parse_html(text: str, path: Path, settings: Settings | None = None) -> Issue:
    try:
        doc = html_document(text)
    except (RecursionError, _TooDeep):
        raise InputError(f"HTML nested too deeply to read (over {MAX_DEPTH} levels of tags)", path) from None
    if doc is None:
        raise InputError("no stories found (the page has no body content)", path)
    return read_document(doc, path, settings)


def html_document(text: str) -> Document | None:
    """The page's metadata and the blocks of its main content; None when it has no body."""
    soup = BeautifulSoup(_without_conditional_comments(text), "html.parser")
    _check_depth(soup)
    site = _meta(soup, "og:site_name") or _meta(soup, "application-name") or _site_from_title(soup)
    title, source = _title(soup, site)
    meta = Meta(
        title=title,
        title_source=source,
        url=_meta(soup, "og:url") or _canonical(soup),
        date=_date(soup),
        brand=site,
        hashtags=_tags(soup),
    )
    root = _content_root(soup)
    if root is None:
        return None
    notes: list[str] = []
    preheader = _preheader(root)
    if preheader and source == "<title>" and _looks_like_a_name(title) and not site:
        # an e-mail whose <title> is only the sender's name: its preview text is the subject line
        meta.brand, meta.title, meta.title_source = None, preheader, "the e-mail's preview text"
    elif preheader and source == "the page's <h1>" and _looks_like_masthead(title):
        # an e-mail with no subject in it: its first heading is the masthead ("FS | BRAIN FOOD"),
        # its preview text the subject line
        meta.brand = meta.brand or _masthead_name(title)
        meta.title, meta.title_source = preheader, "the e-mail's preview text"
    _strip_furniture(root, notes)
    blocks = _styled_headings(_blocks(root), notes)
    return Document(blocks=blocks, meta=meta, format="html", notes=notes)


def _check_depth(soup) -> None:
    """Raise _TooDeep when tags nest deeper than MAX_DEPTH (one pass, no recursion)."""
    stack = [(soup, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _TooDeep
        stack.extend((child, depth + 1) for child in node.contents if isinstance(child, Tag))


def _preheader(root) -> str | None:
    """An e-mail's hidden preview text (the line inboxes show after the subject)."""
    for tag in root.find_all(True, limit=400):
        style = str(tag.get("style", "")).replace(" ", "").lower()
        classes = " ".join(tag.get("class") or []).lower()
        if "display:none" in style or "preheader" in classes or "preview" in classes:
            # Substack and others pad the preview with invisible characters
            text = clean_inline(re.sub(r"[\u200c\u034f\u00a0\u2007\u00ad]+", " ", tag.get_text(" ")))
            if len(text.split()) >= 4 and "|*" not in text and "{{" not in text:
                return text
    return None


def _looks_like_masthead(text: str | None) -> bool:
    """ "FS | BRAIN FOOD", "THE WEEKLY": a name set as a banner, not a headline."""
    if not text:
        return False
    return bool(re.search(r"\s[|·•]\s", text)) or (text.isupper() and len(text.split()) <= 5)


def _masthead_name(text: str | None) -> str | None:
    """ "Brain Food" from "FS | BRAIN FOOD": the longest named part, in title case if shouted."""
    parts = [p.strip() for p in re.split(r"\s+[|·•–—-]\s+", text or "") if p.strip()]
    for part in sorted(parts, key=lambda p: -len(p.split())):
        name = part.title() if part.isupper() else part
        if is_name(name):
            return name
    return None


def _looks_like_a_name(title: str | None) -> bool:
    """ "Adobe Creative Cloud": a few capitalised words, no number, nothing an issue would say."""
    if not title:
        return False
    words = title.split()
    return (
        1 <= len(words) <= 3
        and all(w[:1].isupper() for w in words)
        and not re.search(r"\d", title)
        and is_name(title)
        and not MASTHEAD_WORDS.search(title)
    )


HEADING_SIZE_RATIO = 1.2  # text this much larger than the body text is a heading
_SENTENCE_END = tuple(".,;!?…")


def _styled_headings(blocks: list[Block], notes: list[str]) -> list[Block]:
    """Short lines set in a larger font than the body text become headings, ranked by size.

    E-mail builders rarely use <h1>-<h6>: their titles are table cells or spans with an inline
    font-size (Adobe Campaign, Mailchimp). The body size is the one most text is set in."""
    weight: dict[float, int] = {}
    for b in blocks:
        if b.kind in ("para", "item") and b.size:
            weight[b.size] = weight.get(b.size, 0) + len(b.text)
    if not weight:
        return blocks
    body = max(weight, key=lambda k: (weight[k], -k))
    big = sorted({b.size for b in blocks if _styled_heading(b, body)}, reverse=True)
    if not big:
        return blocks
    # ranked below any real <h1>-<h6> of the page: those say their level, sizes only guess it
    level = max((b.level for b in blocks if b.kind == "heading"), default=0)
    ranks: dict[float, int] = {}
    top = None
    for size in big:
        if top is None or size < 0.9 * top:
            level += 1
            top = size
        ranks[size] = level
    out = []
    for b in blocks:
        if _styled_heading(b, body):
            out.append(Block("heading", b.text, level=ranks[b.size], links=b.links))
        else:
            out.append(b)
    notes.append(f"headings from font sizes: {', '.join(f'{s:g}px' for s in big)} (body {body:g}px)")
    return out


def _styled_heading(b: Block, body: float) -> bool:
    button = len(b.links) == 1 and b.links[0].text == b.text  # a big link is a button, not a title
    return (
        b.kind == "para"
        and b.size >= body * HEADING_SIZE_RATIO
        and len(b.text) <= 150
        and not button
        and any(c.isalnum() for c in b.text)
        and not b.text.rstrip("\"'”’)»").endswith(_SENTENCE_END)
    )


@dataclass
class _Page:
    """What the metadata readers need from the whole page, found in one pass (every bs4 find
    or `soup.title` is a walk over the page, and an e-mail can hold 100,000 tags)."""

    metas: dict[str, list[str]] = field(default_factory=dict)
    title: str | None = None
    h1s: list = field(default_factory=list)
    links: list = field(default_factory=list)
    times: list[str] = field(default_factory=list)


def _page(soup) -> _Page:
    page = soup.__dict__.get("_crosspost_page")
    if page is None:
        page = _Page()
        for tag in soup.find_all(["meta", "title", "h1", "link", "time"]):
            name = tag.name
            if name == "meta":
                content = tag.get("content")
                if isinstance(content, str):
                    for attr in ("property", "name"):
                        key = tag.get(attr)
                        if isinstance(key, str):
                            page.metas.setdefault(key.lower(), []).append(content)
            elif name == "title":
                if page.title is None:
                    page.title = clean_inline(tag.get_text(" "))
            elif name == "h1":
                page.h1s.append(tag)
            elif name == "link":
                if tag.get("href"):
                    page.links.append(tag)
            elif isinstance(tag.get("datetime"), str):
                page.times.append(tag["datetime"])
        soup.__dict__["_crosspost_page"] = page
    return page


# Outlook's conditional comments: a hidden block ("<!--[if mso]> … <![endif]-->", markup only
# Outlook reads) and the markers around content every other client shows ("<!--[if !mso]><!-->"
# … "<!--<![endif]-->"). Left to the HTML parser, a malformed marker swallows the whole e-mail.
_MSO_BLOCK = re.compile(r"<!--\[if\s[^\]]*\]>(?!<!--|>).*?<!\[endif\]-->", re.I | re.S)
_MSO_MARKER = re.compile(r"<!--\[if\s[^\]]*\]>+(?:<!--)?|<!--\s*<!\[endif\]\s*-->|<!\[endif\]-->|<!\[endif\]>", re.I)


def _without_conditional_comments(text: str) -> str:
    if "[if" not in text and "[endif" not in text:
        return text
    return _MSO_MARKER.sub("", _MSO_BLOCK.sub("", text))


def _meta(soup, name: str) -> str | None:
    for content in _page(soup).metas.get(name.lower(), []):
        value = clean_inline(content)
        if value:
            return value
    return None


def _canonical(soup) -> str | None:
    for tag in _page(soup).links:
        rel = tag.get("rel") or []
        rel = rel.split() if isinstance(rel, str) else rel
        if "canonical" in [r.lower() for r in rel]:
            return clean_inline(str(tag["href"])) or None
    return None


_GENERIC_TITLES = re.compile(r"^(?:newsletter|e-?mail|untitled|document|home|\*\|mc:subject\|\*)$", re.I)


def _title(soup, site: str | None) -> tuple[str | None, str]:
    """og:title, else <title> (without a " | Site" suffix), else the post's own <h1>.

    The metadata comes first because an e-mail's first heading is often a greeting
    ("Guten Morgen, Berlin!") or a banner, while its subject is the title."""
    og = _meta(soup, "og:title") or _meta(soup, "twitter:title")
    if og and not _GENERIC_TITLES.match(og):
        return _writers_spelling(soup, _without_site(og, site)), "og:title"
    text = _page(soup).title
    if text and not _GENERIC_TITLES.match(text):
        return _writers_spelling(soup, _without_site(text, site)), "<title>"
    h1s = _page(soup).h1s
    for scope in ("article", "main", None):  # the post's own <h1> first, not a logo's
        for h1 in h1s:
            if scope and h1.find_parent(scope) is None or _inside_furniture(h1):
                continue
            text, _ = _inline([h1])
            if text:
                return text, "the page's <h1>"
    return None, ""


def _site_from_title(soup) -> str | None:
    """ "Nerves Project" from <title>It is oh so quiet | Nerves Project</title> when og:title is
    "It is oh so quiet": what the page title adds to the post's title is the site's name."""
    og = _meta(soup, "og:title") or _meta(soup, "twitter:title")
    full = _page(soup).title
    if not og or not full:
        return None
    for head, tail in title_suffixes(full):
        if clean_inline(head) == og and tail:
            return tail if is_name(tail) else None
    return None


def _writers_spelling(soup, title: str) -> str:
    """The <h1> that says the same as the metadata title, with the writer's typography
    (curly quotes, emoji), else the metadata title."""

    def plain(t: str) -> str:  # quote style, emoji and case aside
        t = t.translate(_QUOTES).casefold()
        return " ".join("".join(c for c in t if c.isalnum() or c.isspace() or c in ".,:;!?&-#'\"()").split())

    for h1 in _page(soup).h1s[:5]:
        text, _ = _inline([h1])
        if text and plain(text) == plain(title):
            return text
    return title


_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"'})


def _without_site(title: str, site: str | None) -> str:
    """ "Issue 12: Foo" from "Issue 12: Foo | Brand" when Brand is the site's name."""
    if site:
        for head, tail in title_suffixes(title):
            if clean_inline(tail).casefold() == site.casefold():
                return head
    return title


def _inside_furniture(tag) -> bool:
    for parent in tag.parents:
        if parent.name in ("nav", "footer", "aside") or _is_junk(parent, check_tag=False):
            return True
    return False


def _date(soup) -> str | None:
    candidates: list = list(_page(soup).times)
    candidates += [_meta(soup, "article:published_time"), _meta(soup, "date")]
    return next(filter(None, map(iso_date, candidates)), None)


def _tags(soup) -> list[str]:
    """article:tag values without their '#' (as hashtags.hashtag makes them)."""
    return [tag[1:] for tag in hashtags(t for t in _page(soup).metas.get("article:tag", []) if isinstance(t, str))]


_ROOT_CLASSES = [  # post-body containers of the common platforms, most specific first
    ("class", "body", "available-content"),
    ("class", "markup", None),
    ("class", "gh-content", None),
    ("class", "post-content", None),
    ("class", "post-body", None),
    ("class", "entry-content", None),
    ("class", "article-content", None),
    ("itemprop", "articleBody", None),
    ("tag", "article", None),
    ("tag", "main", None),
]


def _content_root(soup):
    """The first known post-body container that holds headings or bold lines and a good share
    of the page's text; else <body>. One pass over the page (a CSS select per container costs a
    second on a 1 MB e-mail)."""
    body = soup.body or soup
    found: list[list] = [[] for _ in _ROOT_CLASSES]
    for tag in body.find_all(True):
        classes = tag.get("class") or []
        for k, (kind, value, inside) in enumerate(_ROOT_CLASSES):
            if kind == "tag":
                hit = tag.name == value
            elif kind == "class":
                hit = value in classes and (
                    inside is None or any(inside in (p.get("class") or []) for p in tag.parents if p.name)
                )
            else:
                hit = tag.get(kind) == value
            if hit:
                found[k].append(tag)
    if not any(found):
        return body
    total = len(body.get_text(" ", strip=True)) or 1
    for candidates in found:
        for candidate in candidates:
            marked = candidate.find(["h1", "h2", "h3", "h4", "strong", "b"]) is not None
            if marked and len(candidate.get_text(" ", strip=True)) >= 0.2 * total:
                return candidate
    return body


def _is_junk(tag, check_tag: bool = True) -> bool:
    if check_tag and tag.name in _JUNK_TAGS:
        return True
    attrs = getattr(tag, "attrs", None) or {}
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true":
        return True
    style = str(attrs.get("style", "")).replace(" ", "").lower()
    if any(h in style for h in _HIDDEN_STYLES) or ("max-height:0" in style and "overflow:hidden" in style):
        return True
    if str(attrs.get("role", "")).lower() in _JUNK_ROLES:
        return True
    classes = attrs.get("class") or []
    words = (classes.split() if isinstance(classes, str) else list(classes)) + [str(attrs.get("id", ""))]
    if tag.name == "a":  # a story's call-to-action link ("Read the blog") is styled as a button
        words = [w for w in words if not _BUTTON_WORDS.fullmatch(w)]
    return any(_JUNK_WORDS.search(w) for w in words if w)


_BUTTON_WORDS = re.compile(r"(?:[\w-]*[-_])?(?:button|btn|cta)(?:[-_][\w-]*)?", re.I)


def _strip_furniture(root, notes: list[str]) -> None:
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
            text = clean_inline(tag.get_text(" ")) if tag.name not in ("script", "style", "head") else ""
            if text and tag.name not in ("button", "input", "select", "svg"):
                short = text if len(text) <= 60 else text[:59] + "…"
                notes.append(f"dropped page furniture <{tag.name}>: {short!r}")
            tag.decompose()


_BLOCKISH = {
    "p",
    "div",
    "table",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "section",
    "article",
    "dl",
    "center",
    "tr",
    "td",
    "th",
}
_LAYOUT_ATTRS = ("role", "cellpadding", "cellspacing", "border", "width", "align", "bgcolor", "background")


def _is_data_table(table) -> bool:
    """A table of data (kept as rows), not a layout table (unwrapped) as e-mails are built of."""
    if any(table.get(a) is not None for a in _LAYOUT_ATTRS) or "presentation" in str(table.get("role", "")):
        return False
    rows = _own_rows(table)
    if len(rows) < 2:
        return False
    for row in rows:
        for cell in row.find_all(["td", "th"], recursive=False):
            if cell.find(list(_BLOCKISH - {"p"})) is not None:
                return False
    widths = {len(r.find_all(["td", "th"], recursive=False)) for r in rows}
    return max(widths) >= 2 and (table.find("th") is not None or len(rows) >= 2)


def _table_rows(table) -> list[list[str]]:
    return [[_inline([c])[0] for c in r.find_all(["td", "th"], recursive=False)] for r in _own_rows(table)]


def _own_rows(table) -> list:
    """The table's <tr>s in document order, not those of tables nested in it. One walk that skips
    nested tables: asking each <tr> for its table cost time growing with nesting depth squared."""
    rows, stack = [], list(reversed(table.contents))
    while stack:
        node = stack.pop()
        if not isinstance(node, Tag) or node.name == "table":
            continue
        if node.name == "tr":
            rows.append(node)
        stack.extend(reversed(node.contents))
    return rows


def _blocks(root) -> list[Block]:
    blocks: list[Block] = []
    _walk(root, blocks, 0, [False])
    return blocks


def _holds_blocks(tag) -> bool:
    """Whether an inline element wraps block elements (a link around a table cell's content)."""
    return any(getattr(d, "name", None) in _BLOCKISH for d in tag.descendants)


def _is_bold_tag(tag) -> bool:
    if tag.name in ("strong", "b"):
        return True
    style = str(tag.get("style", "")).replace(" ", "").lower()
    return (
        "font-weight:bold" in style
        or "font-weight:700" in style
        or "font-weight:600" in style
        or "font-weight:800" in style
        or "font-weight:900" in style
    )


_FONT_SIZE = re.compile(r"font-size:\s*([\d.]+)\s*(px|pt)", re.I)
_FONT_TAG_SIZES = {"1": 10, "2": 13, "3": 16, "4": 18, "5": 24, "6": 32, "7": 48}


def _font_size(tag) -> float:
    """The px size an element sets for its text (inline style or <font size>), else 0."""
    m = _FONT_SIZE.search(str(tag.get("style", "")))
    if m:
        return float(m.group(1)) * (4 / 3 if m.group(2).lower() == "pt" else 1)
    if tag.name == "font" and str(tag.get("size", "")).strip() in _FONT_TAG_SIZES:
        return float(_FONT_TAG_SIZES[str(tag.get("size")).strip()])
    return 0.0


def _inherited(node) -> tuple[bool, float]:
    """(is the text bold, its font size) from the element and its ancestors (CSS inheritance)."""
    bold = False
    size = 0.0
    tag = node.parent if isinstance(node, NavigableString) else node
    while tag is not None and getattr(tag, "name", None) not in (None, "[document]", "body", "html"):
        if not bold and _is_bold_tag(tag):
            bold = True
        if not size:
            size = _font_size(tag)
        tag = tag.parent
    return bold, size


def _text_size(nodes) -> float:
    """The font size of the first visible text in the nodes."""
    for node in nodes:
        items = [node] if isinstance(node, NavigableString) else node.descendants
        for item in items:
            if isinstance(item, NavigableString) and _is_text(item) and str(item).strip():
                return _inherited(item)[1]
    return 0.0


def _bold_runs(nodes) -> tuple[str, bool]:
    """(the bold run the inline nodes open with, whether all their text is bold). Bold comes
    from <b>/<strong> or a font-weight, on the text or any element around it. Stops at the first
    plain text after the lead: a long paragraph is not walked to its end."""
    lead: list[str] = []
    in_lead = True
    seen = False
    for node in nodes:
        items = [node] if isinstance(node, NavigableString) else node.descendants
        for item in items:
            if not (isinstance(item, NavigableString) and _is_text(item)):
                continue
            text = str(item)
            if not text.strip():
                continue
            seen = True
            bold = _inherited(item)[0]
            if bold and in_lead:
                lead.append(text)
            elif not bold:
                in_lead = False
                if text.strip(" :：."):
                    return clean_inline("".join(lead)), False
    return clean_inline("".join(lead)), seen


def _walk(node, blocks: list[Block], depth: int, item: list[bool]) -> None:
    """Block-level reading of `node`'s children; loose inline content becomes paragraphs.

    `depth` is the list nesting; `item[0]` is True while the first paragraph of an <li> is due
    (it becomes an item block at that depth). Layout tables are walked cell by cell."""
    buffer: list = []
    last_was_br = False
    all_bold: bool | None = None  # is all the buffer's text bold so far (None: no text yet)

    def add(child) -> None:
        nonlocal all_bold
        buffer.append(child)
        if all_bold is not False and (
            child.strip() if isinstance(child, NavigableString) else child.get_text().strip()
        ):
            bold = _bold_runs([child])[1]  # this node only: the paragraph is never walked twice
            all_bold = bold if all_bold is None else (all_bold and bold)

    def flush():
        nonlocal buffer, all_bold
        all_bold = None
        if buffer:
            text, links = _inline(buffer)
            if text:
                lead, bold = _bold_runs(buffer)
                kind = "item" if item[0] else "para"
                item[0] = False
                blocks.append(
                    Block(
                        kind,
                        text,
                        level=depth if kind == "item" else 0,
                        links=links,
                        lead=lead,
                        bold=bold,
                        size=_text_size(buffer),
                    )
                )
            elif links:  # an image link (a video's thumbnail): its address belongs to the story
                blocks.append(Block("links", links=links))
        buffer = []

    for child in node.children:
        if isinstance(child, NavigableString):
            if _is_text(child):
                add(child)
                if child.strip():
                    last_was_br = False
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name == "br":
            if last_was_br or all_bold:
                flush()  # <br><br>, or a bold line ending: "<b>Headline</b><br>text"
                last_was_br = False
                continue
            buffer.append(child)
            last_was_br = True
            continue
        last_was_br = False
        if name in _INLINE and not _holds_blocks(child):
            add(child)
        elif name == "a" and isinstance(child.get("href"), str):
            # a link around blocks (an e-mail's button): its blocks carry the link
            flush()
            start = len(blocks)
            _walk(child, blocks, depth, item)
            href = str(child["href"]).strip()
            if href and not href.startswith(("#", "javascript:", "mailto:")):
                for b in blocks[start:]:
                    if not b.links and b.text:
                        b.links = [Link(text=b.text, url=href)]
        elif name in _HEADINGS:
            flush()
            text, links = _inline([child])
            if text:
                blocks.append(Block("heading", text, level=_HEADINGS[name], links=links))
        elif name == "blockquote" or "pullquote" in " ".join(child.get("class") or []):
            flush()
            text, links = _inline([child])
            if text:
                blocks.append(Block("quote", text, links=links))
        elif name == "table" and _is_data_table(child):
            flush()
            blocks.append(Block("table", rows=_table_rows(child)))
        elif name == "hr":
            flush()
            blocks.append(Block("rule"))
        elif name in ("ul", "ol"):
            flush()
            _walk(child, blocks, depth + 1, [False])
        elif name == "li":
            flush()
            _walk(child, blocks, max(depth, 1), [True])
        else:  # p, div, section, td, tr, table (layout), article … (<br><br> splits a <p> too)
            flush()
            _walk(child, blocks, depth, item)
    flush()


_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction, CData)


def _is_text(node) -> bool:
    return not isinstance(node, _NOT_TEXT)


def _inline(nodes) -> tuple[str, list[Link]]:
    """Visible text of inline nodes (block children read as spaces) and the links in them."""
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
                    href = str(item["href"]).strip()
                    if href and not href.startswith(("#", "javascript:")):
                        label = clean_inline(item.get_text())
                        links.append(Link(text=label or href, url=href))
    text = clean_inline("".join(parts))
    for url in bare_links(text):
        if not any(link.url == url for link in links):
            links.append(Link(text=url, url=url))
    return text, links
