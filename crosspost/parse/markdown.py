"""Markdown issues (markdown-it-py, CommonMark) with optional YAML front matter.

Structure rules:
* Title: front matter `title`, else the first `#` heading, else an intro paragraph that looks
  like a title line ("Update #34 - …"), else "<brand> #<number>".
* Stories are the `##` sections (the `###` sections when the issue has no `##`). Deeper
  headings inside a story are dropped (they are sub-heads, not content). A section with no
  paragraphs is not a story; a section whose heading reads like a sign-off ("Subscribe",
  "Thanks for reading", "Before you go") goes to the outro.
* Each list item becomes its own paragraph. The first blockquote in a story is its pull quote;
  later ones are paragraphs. Code blocks, raw HTML and images are skipped.
* `[text](url)` becomes "text" in the paragraph and Link(text, url) in Story.links; bare URLs
  stay in the text and are added to Story.links too. Emphasis markers are removed.
* Content before the first story is the intro; in the last story, a paragraph that reads
  like a sign-off starts the outro.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from ..model import Issue, Link
from .frontmatter import read_front_matter, split_front_matter
from .meta import bare_links, build_issue
from .normalize import clean_inline
from .sections import Block, layout


def parse_markdown(text: str, path: Path) -> Issue:
    text = re.sub(r"\r\n?", "\n", text)
    data, body, _ = split_front_matter(text, path)
    fm = read_front_matter(data, path)
    doc = layout(_blocks(body), title=fm.title)
    if not doc.stories:
        raise InputError(
            "no stories found (stories are '## ' sections with at least one paragraph)", path
        )
    return build_issue(path, "markdown", title=doc.title, stories=doc.stories, intro=doc.intro,
                       outro=doc.outro, brand=fm.brand, number=fm.number, url=fm.url, date=fm.date,
                       hashtags=fm.hashtags)


def _blocks(body: str) -> list[Block]:
    """Headings, paragraphs (one per list item) and blockquotes, in document order."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(body)
    blocks: list[Block] = []
    quote_depth = 0
    quote_parts: list[str] = []
    quote_links: list[Link] = []
    heading_level = 0
    for tok in tokens:
        if tok.type == "blockquote_open":
            quote_depth += 1
        elif tok.type == "blockquote_close":
            quote_depth -= 1
            if quote_depth == 0:
                blocks.append(Block("quote", clean_inline(" ".join(quote_parts)), links=quote_links))
                quote_parts, quote_links = [], []
        elif tok.type == "heading_open":
            heading_level = int(tok.tag[1:])
        elif tok.type == "heading_close":
            heading_level = 0
        elif tok.type == "inline":
            text, links = _inline(tok.children or [])
            if quote_depth:
                quote_parts.append(text)
                quote_links.extend(links)
            elif heading_level:
                blocks.append(Block("heading", text, level=heading_level))
            else:
                blocks.append(Block("para", text, links=links))
    return blocks


def _inline(children) -> tuple[str, list[Link]]:
    """Plain text of an inline run (markup removed) and the links in it."""
    parts: list[str] = []
    links: list[Link] = []
    open_links: list[tuple[str, int]] = []
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif kind == "link_open":
            open_links.append((str(child.attrs.get("href", "")), len(parts)))
        elif kind == "link_close" and open_links:
            href, start = open_links.pop()
            label = clean_inline("".join(parts[start:]))
            if href and not href.startswith("#"):
                links.append(Link(text=label or href, url=href))
    text = clean_inline("".join(parts))
    for url in bare_links(text):
        if not any(link.url == url for link in links):
            links.append(Link(text=url, url=url))
    return text, links
