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
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..model import Issue, Link, Story
from .frontmatter import read_front_matter, split_front_matter
from .meta import (
    bare_links,
    brand_from_intro,
    fallback_title,
    is_outro,
    is_title_line,
    number_from_name,
    number_from_title,
)
from .normalize import clean_inline, split_emoji, strip_enclosing_quotes


@dataclass
class _Block:
    kind: str  # heading | para | quote
    text: str
    level: int = 0
    links: list[Link] = field(default_factory=list)


def parse_markdown(text: str, path: Path) -> Issue:
    text = re.sub(r"\r\n?", "\n", text)
    data, body, _ = split_front_matter(text, path)
    fm = read_front_matter(data, path)
    blocks = _blocks(body)

    levels = {b.level for b in blocks if b.kind == "heading"}
    story_level = 2 if 2 in levels else 3
    title = fm.title
    intro: list[str] = []
    sections: list[tuple[_Block, list[_Block]]] = []
    for block in blocks:
        if block.kind == "heading" and block.level < story_level:
            if title is None and block.level == 1 and block.text:
                title = block.text
            continue
        if block.kind == "heading" and block.level == story_level:
            sections.append((block, []))
        elif block.kind == "heading":
            continue  # a sub-head inside a story
        elif sections:
            sections[-1][1].append(block)
        elif block.text:
            intro.append(block.text)

    if title is None:
        for line in intro:
            if is_title_line(line):
                title = line
                intro.remove(line)
                break
    stories, outro = _stories(sections)
    if not stories:
        raise InputError(
            "no stories found (stories are '## ' sections with at least one paragraph)", path
        )
    brand = fm.brand or brand_from_intro(intro)
    number = fm.number
    if number is None and title:
        number = number_from_title(title)
    if number is None:
        number = number_from_name(path.stem)
    return Issue(
        id=path.stem,
        title=title or fallback_title(brand, number, path.stem),
        stories=stories,
        number=number,
        url=fm.url,
        date=fm.date,
        brand=brand,
        intro=intro,
        outro=outro,
        hashtags=fm.hashtags,
        source=str(path),
        format="markdown",
    )


def _stories(sections: list[tuple[_Block, list[_Block]]]) -> tuple[list[Story], list[str]]:
    stories: list[Story] = []
    outro: list[str] = []
    for heading, body in sections:
        if is_outro(heading.text):
            outro.extend([heading.text] + [b.text for b in body if b.text])
            continue
        headline, emoji = split_emoji(heading.text)
        story = Story(headline=headline, emoji=emoji, index=len(stories) + 1)
        links: list[Link] = []
        for block in body:
            if not block.text:
                continue
            if block.kind == "quote" and story.quote is None:
                story.quote = strip_enclosing_quotes(block.text)
            else:
                story.paragraphs.append(block.text)
            links.extend(block.links)
        if not story.paragraphs or not headline:
            continue
        story.links = _dedupe(links)
        stories.append(story)
    if stories:
        last = stories[-1]
        for k, paragraph in enumerate(last.paragraphs):
            if k > 0 and is_outro(paragraph):
                outro = last.paragraphs[k:] + outro
                last.paragraphs = last.paragraphs[:k]
                break
    return stories, outro


def _dedupe(links: list[Link]) -> list[Link]:
    seen: set[tuple[str, str]] = set()
    out = []
    for link in links:
        key = (link.text, link.url)
        if key not in seen:
            seen.add(key)
            out.append(link)
    return out


def _blocks(body: str) -> list[_Block]:
    """Headings, paragraphs (one per list item) and blockquotes, in document order."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(body)
    blocks: list[_Block] = []
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
                blocks.append(_Block("quote", clean_inline(" ".join(quote_parts)), links=quote_links))
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
                blocks.append(_Block("heading", text, level=heading_level))
            else:
                blocks.append(_Block("para", text, links=links))
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
