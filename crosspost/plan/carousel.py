"""The captioned card posts of an issue, for any platform whose plan is a carousel (Instagram, ...):
one carousel (or several) or one photo post per story.

Captions do not link URLs on these platforms, so the link is plain text next to the call to action
("Link in bio" by default). The platform's limits (its spec: caption length as it counts it,
images per post, hashtags, mentions, alt text), which its API enforces with opaque errors, are
checked here, before anything is returned.
"""

from __future__ import annotations

import math
import re

from ..config import CarouselSettings, Config
from ..errors import InputError
from ..hashtags import hashtags
from ..model import Issue, Media, Plan, Post, Story
from ..platforms import CAROUSEL, PlatformSpec
from .split import sentences

MIN_CAROUSEL = 2  # images in a carousel; one image is a photo post

_HASHTAG = re.compile(r"(?<![\w#＃])[#＃](\w+)")
_MENTION = re.compile(r"(?<![\w@])@([\w.]+)")


def plan_carousel(
    issue: Issue,
    config: Config,
    spec: PlatformSpec | None = None,
    *,
    cards: dict[int, Media],
    cover: Media | None = None,
    per_story: bool = False,
) -> Plan:
    """Plan the posts for `spec` (default: the first carousel platform); InputError (naming the
    issue file) when a limit is broken."""
    from ..platforms import first

    spec = spec or first(CAROUSEL)
    cfg: CarouselSettings = config.settings(spec.name)
    tags = hashtags(cfg.hashtags + issue.hashtags)
    footer = _footer(issue, cfg, tags)
    if per_story:
        posts = _per_story(issue, spec, cards, cover, footer)
    else:
        media = ([cover] if cover else []) + _story_cards(issue, cards)
        groups = _balanced_groups(media, spec.limits.max_media)
        posts = []
        for n, group in enumerate(groups, 1):
            part = f" ({n}/{len(groups)})" if len(groups) > 1 else ""
            posts.append(Post(text=_issue_caption(issue, part, footer), media=group))
    plan = Plan(platform=spec.name, issue_id=issue.id, posts=posts, mode="per_story" if per_story else "carousel")
    try:
        validate(plan, spec)
    except InputError as exc:
        raise InputError(exc.problem, issue.source or None) from None
    return plan


def validate(plan: Plan, spec: PlatformSpec | None = None) -> None:
    """Raise InputError with a clear message if any post breaks one of the platform's limits."""
    from ..platforms import get

    spec = spec or get(plan.platform)
    limits = spec.limits
    if not plan.posts:
        raise InputError(f"nothing to post on {spec.label}: no cards")
    for n, post in enumerate(plan.posts, 1):
        where = f"{spec.label} post {n}"
        length = spec.length(post.text)
        if length > limits.max_chars:
            raise InputError(f"{where}: caption is {length} characters, the limit is {limits.max_chars}")
        found = _HASHTAG.findall(post.text)
        if limits.max_hashtags is not None and len(found) > limits.max_hashtags:
            raise InputError(f"{where}: {len(found)} hashtags, the limit is {limits.max_hashtags}")
        found = _MENTION.findall(post.text)
        if limits.max_mentions is not None and len(found) > limits.max_mentions:
            raise InputError(f"{where}: {len(found)} mentions, the limit is {limits.max_mentions}")
        count = len(post.media)
        if count < max(limits.min_media, 1):
            raise InputError(f"{where}: a {spec.label} post needs an image")
        if count > limits.max_media:
            raise InputError(f"{where}: a carousel holds {MIN_CAROUSEL} to {limits.max_media} images, got {count}")
        for m in post.media:
            alt = (m.alt_text or "").strip()
            if not alt:
                raise InputError(f"{where}: image {m.path} has no alt text")
            if len(m.alt_text) > limits.max_alt_text:
                raise InputError(
                    f"{where}: alt text of {m.path} is {len(m.alt_text)} characters, the limit is {limits.max_alt_text}"
                )


def _footer(issue: Issue, cfg: CarouselSettings, tags: list[str]) -> str:
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


def _balanced_groups(media: list[Media], most: int) -> list[list[Media]]:
    """Carousels of at most `most`, sizes differing by at most one (10 a carousel: 11 -> 6 + 5, never 10 + 1)."""
    if not media:
        return [[]]
    count = math.ceil(len(media) / most)
    size, extra = divmod(len(media), count)
    groups, start = [], 0
    for n in range(count):
        end = start + size + (1 if n < extra else 0)
        groups.append(media[start:end])
        start = end
    return groups


def _per_story(
    issue: Issue, spec: PlatformSpec, cards: dict[int, Media], cover: Media | None, footer: str
) -> list[Post]:
    """One photo post per story (for drip schedules); a cover, if given, first with the issue caption."""
    posts = [Post(text=_issue_caption(issue, "", footer), media=[cover])] if cover else []
    for story in issue.stories:
        if story.index not in cards:
            raise InputError(f"story {story.index} ({story.headline!r}) has no card for its {spec.label} post")
        head = _story_line(story)
        room = spec.limits.max_chars - spec.length(head + "\n\n" + "\n\n" + footer)
        lead = ""
        for sentence in sentences(story.paragraphs[0]) if story.paragraphs else []:
            candidate = f"{lead} {sentence}" if lead else sentence
            if spec.length(candidate) > room:
                break
            lead = candidate
        text = "\n\n".join(b for b in (head, lead, footer) if b)
        posts.append(Post(text=text, media=[cards[story.index]], story=story.index))
    return posts
