"""Markdown issues (markdown-it-py, CommonMark + tables) into the document model.

The header comes first (frontmatter.py): YAML `---` or TOML `+++` front matter, or a
Pelican/MultiMarkdown `Title: … / Date: …` block. Then every block of the body becomes a
`Block` (document.py decides what the stories are):

* ATX and setext headings keep their level; list items keep their nesting depth;
* a paragraph or item that opens with `**bold**`/`__bold__` records that run as its lead
  (`**Topic.** text…`), and one that is bold throughout is marked bold (a heading in disguise);
* `[text](url)` becomes "text" with Link(text, url); bare URLs stay and are links too;
  emphasis, code spans and images lose their markup; raw HTML keeps only its text;
* tables become table blocks (rows of cells), code blocks are left out, `---` is a rule;
* reStructuredText link targets (`.. _name: url`) are read as links, never as text.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from ..model import Issue, Link
from .document import Block, Document, Settings, read_document
from .frontmatter import read_header
from .meta import bare_links
from .normalize import clean_inline
from .text import attach_targets, rst_targets

_HTML_TAG = re.compile(r"<[^>]+>")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TEMPLATE_TAG = re.compile(r"\{%-?.*?-?%\}|\{\{[<%].*?[>%]\}\}|\{\{-?[^{}\n]*?-?\}\}", re.S)
_SHORTCODE_EMBED = re.compile(r"\{\{[<%]\s*(tweet|x|twitter|youtube|vimeo)\s+([^>%]*?)\s*[>%]\}\}", re.I)
_EMBED_URLS = {
    "tweet": "https://x.com/{user}/status/{id}",
    "x": "https://x.com/{user}/status/{id}",
    "twitter": "https://x.com/{user}/status/{id}",
    "youtube": "https://www.youtube.com/watch?v={id}",
    "vimeo": "https://vimeo.com/{id}",
}


def _embed_link(m: re.Match) -> str:
    """A Hugo embed shortcode as the bare link it embeds (the post can carry a link, not a player)."""
    args = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
    positional = [a.strip('"') for a in re.findall(r'(?<![=\w])("[^"]*"|[^\s="]+)(?=\s|$)', m.group(2))]
    ident = args.get("id") or (positional[-1] if positional else "")
    user = args.get("user") or (positional[0] if len(positional) > 1 else "i")
    if not re.fullmatch(r"[\w-]+", ident or ""):
        return ""
    return "\n\n" + _EMBED_URLS[m.group(1).lower()].format(user=user, id=ident) + "\n\n"


_UNDEFINED_REFERENCE = re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]")
_LITERAL_TAG = re.compile(r"</?(?:p|br|div|span|b|i|em|strong|a|img|ul|ol|li|h[1-6])\b[^<>]{0,200}?/?>", re.I)
_HTML_HEADING = re.compile(r"^<h([1-6])\b[^>]*>.*</h\1>$", re.I | re.S)
_EMBED = re.compile(r"<(?:iframe|embed|video|source)\b[^>]*\bsrc=[\"'](https?://[^\"']+)", re.I)


# markdown-it spends ~15 µs on each "[" (it looks for the link's end) and ~6 µs on each run of
# emphasis markers, so text made of them takes seconds per 100 KB. A newsletter has a few hundred
# links and emphasised words (fewer than 1,000 of either in the largest of the test corpus).
MAX_MARKUP = {"link brackets '['": 10_000, "runs of emphasis markers (* or _)": 50_000}
_EMPHASIS_RUN = re.compile(r"[*_]+")


def parse_markdown(text: str, path: Path, settings: Settings | None = None) -> Issue:
    text = re.sub(r"\r\n?", "\n", text)
    meta, body = read_header(text, path)
    _check_markup(body, path)
    pasted = _pasted_text(body)
    if pasted is not None:  # a plain-text issue pasted into a page as one code block
        from .text import parse_text

        return parse_text(pasted, path, settings)
    body = _SHORTCODE_EMBED.sub(_embed_link, body)  # {{< tweet … >}}, {{< youtube … >}}: their link
    body = _TEMPLATE_TAG.sub("", body)  # Jekyll/Liquid, Hugo shortcodes, Eleventy: never content
    body, targets = rst_targets(body)
    doc = Document(blocks=attach_targets(markdown_blocks(body), targets), meta=meta, format="markdown")
    return read_document(doc, path, settings)


def _check_markup(body: str, path: Path) -> None:
    """InputError when the body holds more link brackets or emphasis markers than any newsletter."""
    counts = dict(zip(MAX_MARKUP, (body.count("["), len(_EMPHASIS_RUN.findall(body)))))
    for what, count in counts.items():
        if count > MAX_MARKUP[what]:
            raise InputError(
                f"{count:,} {what} in the Markdown, more than any newsletter has "
                f"({MAX_MARKUP[what]:,} at most); is this really the issue?",
                path,
            )


def _pasted_text(body: str) -> str | None:
    """The text of a code block holding most of the page when it reads as prose (an archived
    mail or wiki page pasted as preformatted text), else None."""
    from markdown_it import MarkdownIt

    blocks = [
        t.content
        for t in MarkdownIt("commonmark").disable("inline").parse(body)  # blocks only: half the time
        if t.type in ("code_block", "fence")
    ]
    if not blocks:
        return None
    biggest = max(blocks, key=len)
    letters = sum(c.isalpha() or c.isspace() for c in biggest)
    if len(biggest) >= 0.6 * len(body.strip()) and len(biggest) > 1000 and letters >= 0.8 * len(biggest):
        return biggest
    return None


def markdown_blocks(body: str) -> list[Block]:
    """The body's blocks in reading order (see the module docstring)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    blocks: list[Block] = []
    quote_depth = 0
    quote_parts: list[str] = []
    quote_links: list[Link] = []
    heading_level = 0
    list_depth = 0
    item_open: list[bool] = []  # per open list item: has its first paragraph been read?
    table: list[list[str]] | None = None
    row: list[str] = []
    for tok in tokens:
        kind = tok.type
        if kind == "blockquote_open":
            quote_depth += 1
        elif kind == "blockquote_close":
            quote_depth -= 1
            if quote_depth == 0:
                text = clean_inline(" ".join(quote_parts))
                if text:
                    blocks.append(Block("quote", text, links=quote_links))
                quote_parts, quote_links = [], []
        elif kind == "heading_open":
            heading_level = int(tok.tag[1:])
        elif kind == "heading_close":
            heading_level = 0
        elif kind in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif kind == "list_item_open":
            item_open.append(False)
        elif kind == "list_item_close":
            item_open.pop()
        elif kind == "table_open":
            table = []
        elif kind == "table_close":
            if table:
                blocks.append(Block("table", rows=table))
            table = None
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and table is not None:
            table.append(row)
        elif kind == "hr":
            blocks.append(Block("rule"))
        elif kind in ("fence", "code_block"):
            blocks.append(Block("code"))
        elif kind == "html_block":
            raw = _HTML_COMMENT.sub(" ", tok.content)
            text = clean_inline(_HTML_TAG.sub(" ", raw))
            heading = _HTML_HEADING.match(raw.strip())
            if heading and text and not quote_depth:  # '<h1 class="site-genre">News</h1>'
                blocks.append(Block("heading", text, level=int(heading.group(1))))
            elif text and not quote_depth:
                blocks.append(Block("para", text, links=[Link(u, u) for u in bare_links(text)]))
            embeds = _EMBED.findall(raw)  # a video or player: its address is the content
            if embeds and not quote_depth:
                blocks.append(Block("links", links=[Link(u, u) for u in embeds]))
        elif (
            kind == "inline"
            and not heading_level
            and not quote_depth
            and table is None
            and not item_open
            and (split := _link_line_split(tok.children or []))
        ):
            # "[Title](url)  \n description": a link line heading the text under it
            first, rest = split
            for part in (first, rest):
                text, links, lead, bold = _inline(part)
                if text:
                    blocks.append(Block("para", text, links=links, lead=lead, bold=bold))
        elif kind == "inline":
            text, links, lead, bold = _inline(tok.children or [])
            if table is not None:
                row.append(text)
            elif quote_depth:
                quote_parts.append(text)
                quote_links.extend(links)
            elif heading_level:
                blocks.append(Block("heading", text, level=heading_level, links=links))
            elif item_open:
                blocks.append(
                    Block(
                        "item" if not item_open[-1] else "para",
                        text,
                        level=list_depth,
                        links=links,
                        lead=lead,
                        bold=bold,
                    )
                )
                item_open[-1] = True
            else:
                blocks.append(Block("para", text, links=links, lead=lead, bold=bold))
    for b in blocks:
        if not b.text and b.links and b.kind in ("para", "item"):
            b.kind = "links"  # an embed or a bare image link: its address belongs to the story
    return [b for b in blocks if b.text or b.rows or b.links or b.kind in ("rule", "code")]


def _link_line_split(children) -> tuple[list, list] | None:
    """(the link, the rest) when an inline run opens with a link alone on its line."""
    items = [c for c in children]
    k = 0
    while k < len(items) and items[k].type == "text" and not items[k].content.strip():
        k += 1
    if k >= len(items) or items[k].type != "link_open":
        return None
    depth = 0
    for j in range(k, len(items)):
        if items[j].type == "link_open":
            depth += 1
        elif items[j].type == "link_close":
            depth -= 1
            if depth == 0:
                after = j + 1
                while after < len(items) and items[after].type == "text" and not items[after].content.strip():
                    after += 1
                if after < len(items) and items[after].type in ("softbreak", "hardbreak") and after + 1 < len(items):
                    return items[: j + 1], items[after + 1 :]
                return None
    return None


def _inline(children) -> tuple[str, list[Link], str, bool]:
    """(plain text, links, the bold run it opens with, whether it is bold throughout)."""
    parts: list[str] = []
    links: list[Link] = []
    open_links: list[tuple[str, int]] = []
    strong_depth = 0
    lead_end: int | None = None  # index in parts where the opening bold run ended
    opened_bold = False
    outside_bold = False  # text seen outside any bold run
    for child in children:
        kind = child.type
        if kind == "strong_open":
            if not "".join(parts).strip() and not opened_bold:
                opened_bold = True
            strong_depth += 1
        elif kind == "strong_close":
            strong_depth -= 1
            if opened_bold and lead_end is None and strong_depth == 0:
                lead_end = len(parts)
        elif kind in ("text", "code_inline", "html_inline"):
            content = child.content
            if kind == "html_inline":
                links.extend(Link(u, u) for u in _EMBED.findall(content))
                content = ""
            parts.append(content)
            if content.strip() and strong_depth == 0 and content.strip(" :：.") != "":
                outside_bold = True
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")  # clean_inline makes it a space, or nothing between CJK characters
        elif kind == "link_open":
            open_links.append((str(child.attrs.get("href", "")), len(parts)))
        elif kind == "link_close" and open_links:
            href, start = open_links.pop()
            label = clean_inline("".join(parts[start:]))
            if href and not href.startswith("#"):
                links.append(Link(text=label or href, url=href))
    raw = "".join(parts)
    raw = _UNDEFINED_REFERENCE.sub(r"\1", raw)  # "[posté][ref]" whose definition is elsewhere
    raw = _LITERAL_TAG.sub(" ", raw)  # "<p\>" escaped by a pipeline: never meant for readers
    text = clean_inline(raw)
    lead = clean_inline("".join(parts[:lead_end])) if opened_bold and lead_end is not None else ""
    bold = bool(lead) and not outside_bold
    for url in bare_links(text):
        if not any(link.url == url for link in links):
            links.append(Link(text=url, url=url))
    return text, links, lead, bold
