"""Instagram posts of an issue: one carousel (or several) or one photo post per story.

Instagram counts plain characters (no weighted length) and does not link URLs in captions, so
the link is plain text next to the call to action ("Link in bio" by default). Limits that the
APIs enforce with opaque errors are checked here, before anything is returned.
"""

from __future__ import annotations

import math
import re

from ..config import Config
from ..errors import InputError
from ..hashtags import hashtags
from ..model import Issue, Media, Plan, Post, Story
from ..platforms.base import ALT_TEXT_MAX as MAX_ALT_TEXT
from .split import sentences

MAX_CAPTION = 2200
MAX_HASHTAGS = 30
MAX_MENTIONS = 20
MAX_CAROUSEL = 10
MIN_CAROUSEL = 2

_HASHTAG = re.compile(r"(?<![\w#＃])[#＃](\w+)")
_MENTION = re.compile(r"(?<![\w@])@([\w.]+)")


def caption_length(text: str) -> int:
    """Characters as counted conservatively: UTF-16 code units (an emoji may count 2)."""
    return len(text.encode("utf-16-le")) // 2


def plan_instagram(
    issue: Issue,
    config: Config,
    *,
    cards: dict[int, Media],
    cover: Media | None = None,
    per_story: bool = False,
) -> Plan:
    """Plan the Instagram posts; InputError (naming the issue file) when a limit is broken."""
    cfg = config.instagram
    tags = hashtags(cfg.hashtags + issue.hashtags)
    footer = _footer(issue, config, tags)
    if per_story:
        posts = _per_story(issue, cards, cover, footer)
    else:
        media = ([cover] if cover else []) + _story_cards(issue, cards)
        groups = _balanced_groups(media)
        posts = []
        for n, group in enumerate(groups, 1):
            part = f" ({n}/{len(groups)})" if len(groups) > 1 else ""
            posts.append(Post(text=_issue_caption(issue, part, footer), media=group))
    plan = Plan(
        platform="instagram", issue_id=issue.id, posts=posts, mode="per_story" if per_story else "carousel"
    )
    try:
        validate_instagram(plan)
    except InputError as exc:
        raise InputError(exc.problem, issue.source or None) from None
    return plan


def validate_instagram(plan: Plan) -> None:
    """Raise InputError with a clear message if any post breaks an Instagram limit."""
    if not plan.posts:
        raise InputError("nothing to post on Instagram: no cards")
    for n, post in enumerate(plan.posts, 1):
        where = f"Instagram post {n}"
        length = caption_length(post.text)
        if length > MAX_CAPTION:
            raise InputError(f"{where}: caption is {length} characters, the limit is {MAX_CAPTION}")
        found = _HASHTAG.findall(post.text)
        if len(found) > MAX_HASHTAGS:
            raise InputError(f"{where}: {len(found)} hashtags, the limit is {MAX_HASHTAGS}")
        found = _MENTION.findall(post.text)
        if len(found) > MAX_MENTIONS:
            raise InputError(f"{where}: {len(found)} mentions, the limit is {MAX_MENTIONS}")
        count = len(post.media)
        if count == 0:
            raise InputError(f"{where}: an Instagram post needs an image")
        if count > MAX_CAROUSEL:
            raise InputError(f"{where}: a carousel holds {MIN_CAROUSEL} to {MAX_CAROUSEL} images, got {count}")
        for m in post.media:
            alt = (m.alt_text or "").strip()
            if not alt:
                raise InputError(f"{where}: image {m.path} has no alt text")
            if len(m.alt_text) > MAX_ALT_TEXT:
                raise InputError(
                    f"{where}: alt text of {m.path} is {len(m.alt_text)} characters, the limit is {MAX_ALT_TEXT}"
                )


def _footer(issue: Issue, config: Config, tags: list[str]) -> str:
    cfg = config.instagram
    lines = [cfg.call_to_action.strip()] if cfg.call_to_action.strip() else []
    if issue.url:
        lines.append(issue.url)
    mentions = [m if m.startswith("@") else "@" + m for m in (x.strip() for x in cfg.mentions) if m]
    if mentions:
        lines.append(" ".join(mentions))
    blocks = ["\n".join(lines)] if lines else []
    if tags:
        blocks.append(" ".join(tags))
    return "\n\n".join(blocks)


def _story_line(story: Story) -> str:
    return f"{story.emoji or '•'} {story.headline}"


def _issue_caption(issue: Issue, part: str, footer: str) -> str:
    blocks = [issue.title.strip() + part, "\n".join(_story_line(s) for s in issue.stories), footer]
    return "\n\n".join(b for b in blocks if b)


def _story_cards(issue: Issue, cards: dict[int, Media]) -> list[Media]:
    order = [s.index for s in issue.stories if s.index in cards]
    order += sorted(k for k in cards if k not in order)
    return [cards[k] for k in order]


def _balanced_groups(media: list[Media]) -> list[list[Media]]:
    """Carousels of at most 10, sizes differing by at most one (11 -> 6 + 5, never 10 + 1)."""
    if not media:
        return [[]]
    count = math.ceil(len(media) / MAX_CAROUSEL)
    size, extra = divmod(len(media), count)
    groups, start = [], 0
    for n in range(count):
        end = start + size + (1 if n < extra else 0)
        groups.append(media[start:end])
        start = end
    return groups


def _per_story(issue: Issue, cards: dict[int, Media], cover: Media | None, footer: str) -> list[Post]:
    """One photo post per story (for drip schedules); a cover, if given, first with the issue caption."""
    posts = [Post(text=_issue_caption(issue, "", footer), media=[cover])] if cover else []
    for story in issue.stories:
        if story.index not in cards:
            raise InputError(f"story {story.index} ({story.headline!r}) has no card for its Instagram post")
        head = _story_line(story)
        room = MAX_CAPTION - caption_length(head + "\n\n" + "\n\n" + footer)
        lead = ""
        for sentence in sentences(story.paragraphs[0]) if story.paragraphs else []:
            candidate = f"{lead} {sentence}" if lead else sentence
            if caption_length(candidate) > room:
                break
            lead = candidate
        text = "\n\n".join(b for b in (head, lead, footer) if b)
        posts.append(Post(text=text, media=[cards[story.index]], story=story.index))
    return posts
