"""From a flat list of headings/paragraphs/quotes to intro, stories and outro.

Markdown and HTML issues share this: both parsers reduce their document to `Block`s in
reading order, and the same rules then decide what is a story (see markdown.py's docstring).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Link, Story
from .meta import is_outro, is_title_line
from .normalize import split_emoji, strip_enclosing_quotes


@dataclass
class Block:
    kind: str  # heading | para | quote
    text: str
    level: int = 0  # heading level, 1-6
    links: list[Link] = field(default_factory=list)


@dataclass
class Layout:
    title: str | None  # the first level-1 heading (or title-like intro line), if any
    intro: list[str]
    stories: list[Story]
    outro: list[str]


def layout(blocks: list[Block], title: str | None = None) -> Layout:
    """Split blocks at the story headings: `##` level, or `###` when there is no level 2."""
    levels = {b.level for b in blocks if b.kind == "heading" and b.text}
    story_level = 2 if 2 in levels else 3
    intro: list[str] = []
    sections: list[tuple[Block, list[Block]]] = []
    for block in blocks:
        if block.kind == "heading":
            if block.level < story_level:
                if title is None and block.level == 1 and block.text:
                    title = block.text
            elif block.level == story_level and block.text:
                sections.append((block, []))
            # deeper headings are sub-heads: dropped
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
    return Layout(title=title, intro=intro, stories=stories, outro=outro)


def _stories(sections: list[tuple[Block, list[Block]]]) -> tuple[list[Story], list[str]]:
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
        if not story.paragraphs:
            continue  # a heading with nothing under it is not a story
        story.links = dedupe_links(links)
        stories.append(story)
    if stories:
        last = stories[-1]
        for k, paragraph in enumerate(last.paragraphs):
            if k > 0 and is_outro(paragraph):
                outro = last.paragraphs[k:] + outro
                last.paragraphs = last.paragraphs[:k]
                break
    return stories, outro


def dedupe_links(links: list[Link]) -> list[Link]:
    seen: set[tuple[str, str]] = set()
    out = []
    for link in links:
        key = (link.text, link.url)
        if key not in seen:
            seen.add(key)
            out.append(link)
    return out
