"""The thread of an issue, for any platform whose plan is a reply chain (X, ...): opening post,
one or more posts per story, closing post.

Every post is measured with the platform's own length function (X: its weighted length) and fits
the limit from its `[<platform>]` table, numbering included: the
room for the widest " n/n" is reserved before fitting, and because n is only known after
splitting, the plan is rebuilt until the reserve is wide enough (it only grows, so this stops).
The reserve starts at the width for the fewest posts the issue can make (see _fewest_posts), not
at 0, so a plan is usually built once; every paragraph is analysed once however often it is split.
"""

from __future__ import annotations

import re

from ..cards import brand_of
from collections.abc import Callable

from ..config import THREAD_MODES as MODES
from ..config import Config, ThreadSettings
from ..errors import InputError
from ..hashtags import hashtag
from ..model import Issue, Media, Plan, Post, Story
from ..platforms import THREAD, PlatformSpec
from .split import Splitter, iter_sentences, paragraphs, split_to_fit

# Posts per thread. The longest real issue of the test corpus read whole (a 1990s text e-zine in
# --mode full) is 265 posts; a longer thread is a mis-read or hostile file, and would take many
# hours of X's posting limit (100 posts per 15 minutes).
MAX_POSTS = 1000
ELLIPSIS = "…"
_TRAILING_PUNCT = re.compile(r"[\s,;:—–-]+$")

Body = tuple[str, list[Media], int | None]  # text, media, story index
Measure = Callable[[str], int]


def plan_thread(
    issue: Issue,
    config: Config,
    spec: PlatformSpec | None = None,
    *,
    mode: str | None = None,
    numbering: bool | None = None,
    limit: int | None = None,
    cards: dict[int, Media] | None = None,
) -> Plan:
    """Plan the thread for `spec` (default: the first thread platform); None options come from its
    table in crosspost.toml. Raises InputError naming the issue file."""
    from ..platforms import first

    spec = spec or first(THREAD)
    settings: ThreadSettings = config.settings(spec.name)
    measure = spec.length
    mode = mode or settings.mode
    limit = settings.limit if limit is None else limit
    numbering = settings.numbering if numbering is None else numbering
    where = issue.source or None
    if mode not in MODES:
        raise InputError(f"{spec.label} mode must be summary or full, got {mode!r}", where)
    if limit < 40:
        raise InputError(f"{spec.label} limit must be at least 40, got {limit}", where)
    cards = cards or {}
    split = Splitter(measure)

    def build(reserve: int) -> list[Body]:
        return _bodies(issue, config, settings, measure, mode, limit - reserve, cards, split)

    try:
        start = _first_reserve(issue, settings, measure, mode, limit, split) if numbering else 0
        try:
            bodies = _numbered(build, start, mode, measure, numbering)
        except InputError:
            if not start:
                raise
            # Fail as the plan from a reserve of 0 fails (the same post count, the same limit named).
            bodies = _numbered(build, 0, mode, measure, numbering)
    except InputError as exc:
        if exc.path is not None or where is None:
            raise
        raise InputError(exc.problem, where) from None
    posts = []
    for i, (text, media, story) in enumerate(bodies, 1):
        if numbering:
            text += _number(i, len(bodies))
        length = measure(text)
        if length > limit:  # cannot happen by construction; never hand out an invalid post
            raise InputError(f"post {i} is {length} long, over the {spec.label} limit of {limit}", where)
        posts.append(Post(text=text, media=media, weighted_length=length, story=story))
    return Plan(platform=spec.name, issue_id=issue.id, posts=posts, mode=mode, limit=limit, thread=True)


def _number(i: int, n: int) -> str:
    return f" {i}/{n}"


def _numbered(
    build: Callable[[int], list[Body]], reserve: int, mode: str, measure: Measure, numbering: bool
) -> list[Body]:
    """The bodies built with the least reserve from `reserve` up that fits their widest number.

    From 0 the loop goes to the width of the reserve-0 plan's count, and on from there. Starting
    at a reserve as wide as that count's (as _first_reserve does, from a lower bound with as many
    digits) skips the build at 0 and goes the same way. Where the bound has fewer digits, the loop
    from it still stops where the loop from 0 does if more reserve never means fewer posts; that
    can fail (a headline cut shorter lets a paragraph join it), and then the plan may keep the
    narrower reserve: fitting all the same. Either loop can overshoot: 10 posts from a reserve of 0
    need room for " 10/10", and with that room they become 9, which needs only " 9/9"; the bodies
    built for the narrower number are taken when they still fit it, so no post keeps room it does
    not use and both loops end alike. tests/test_plan_thread.py compares them.
    """
    while True:
        bodies = build(reserve)
        if len(bodies) > MAX_POSTS:
            raise InputError(
                f"the {mode} thread would be {len(bodies)} posts; a thread may have at most "
                f"{MAX_POSTS} (try --mode summary, or split the file)"
            )
        need = measure(_number(len(bodies), len(bodies))) if numbering else 0
        if need < reserve:  # overshot: fewer posts than the reserve was made for; less may fit
            narrower = build(need)
            if measure(_number(len(narrower), len(narrower))) <= need:
                return narrower
        if need <= reserve:
            return bodies
        reserve = need


def _first_reserve(
    issue: Issue, settings: ThreadSettings, measure: Measure, mode: str, limit: int, split: Splitter
) -> int:
    """The reserve to try first: room for the number of the fewest posts the plan can have (0 when
    that is unknown or over MAX_POSTS: then the plan is refused, from 0 as it always was)."""
    fewest = _fewest_posts(issue, settings, measure, mode, limit, split)
    return measure(_number(fewest, fewest)) if 0 < fewest <= MAX_POSTS else 0


def _fewest_posts(
    issue: Issue, settings: ThreadSettings, measure: Measure, mode: str, limit: int, split: Splitter
) -> int:
    """How many posts the plan with no reserve has at least (in summary mode: exactly).

    The opening, one post per story in summary mode, the closing if any. In full mode a story's
    words (the atoms split() measures, with their gaps, and "\n\n" between paragraphs) packed as
    tightly as any post could hold them: as many posts as that greedy packing makes, at least.
    That holds for every measure that adds up over the parts of a text joined at a space or a
    paragraph break, as len and X's weighted length do, save oddities (a URL X counts as one only
    after a space). Were it ever more than the real count, the plan would still be right, only
    numbered with room for one digit more than it needs. 0 when planning fails: the plan from 0
    then fails as it always has.
    """
    posts = 1 + _has_closing(issue, settings)
    if mode == "summary":
        return posts + len(issue.stories)
    paragraph = measure("\n\n")
    try:
        for story in issue.stories:
            count, used = 1, measure(_head(story, measure, limit))
            for par, own_post in _pieces(story):
                sizes, gaps = split.atoms(par)
                if own_post:
                    count, used = count + 1, -paragraph
                for n, (size, gap) in enumerate(zip(sizes, gaps)):
                    step = (paragraph if n == 0 else gap) + size
                    if used + step <= limit:
                        used += step
                    else:
                        count, used = count + 1, size
            posts += count
    except InputError:
        return 0
    return posts


def _bodies(
    issue: Issue,
    config: Config,
    settings: ThreadSettings,
    measure: Measure,
    mode: str,
    budget: int,
    cards: dict[int, Media],
    split: Splitter,
) -> list[Body]:
    bodies: list[Body] = [(_opening(issue, config, measure, budget), [], None)]
    for story in issue.stories:
        media = [cards[story.index]] if story.index in cards else []
        if mode == "summary":
            bodies.append((_summary(story, measure, budget), media, story.index))
        else:
            texts = _full(story, measure, budget, split)
            bodies += [(t, media if n == 0 else [], story.index) for n, t in enumerate(texts)]
    closing = _closing(issue, config, settings, measure, budget)
    if closing:
        bodies.append((closing, [], None))
    return bodies


def fit(text: str, budget: int, measure: Measure) -> str:
    """`text` if it fits, else its longest prefix cut at a boundary that fits with "…" added."""
    if measure(text) <= budget:
        return text
    room = budget - measure(ELLIPSIS)
    head = split_to_fit(text, room, measure)[0] if room > 0 else ""
    head = _TRAILING_PUNCT.sub("", head)
    return head + ELLIPSIS


def _opening(issue: Issue, config: Config, measure: Measure, budget: int) -> str:
    brand = brand_of(issue, config)
    marker = f"{brand} · a thread 🧵" if brand else "A thread 🧵"
    if measure(marker) > budget:
        marker = "🧵"
    title = issue.title.strip()
    room = budget - measure("\n\n" + marker)
    if not title or room < 10:
        return marker
    try:
        return fit(title, room, measure) + "\n\n" + marker
    except InputError:  # a word of the title is wider than the room: the marker alone, as with no room
        return marker


def _summary(story: Story, measure: Measure, budget: int) -> str:
    """Headline, blank line, the lead's whole sentences that fit (continuing into later paragraphs).

    When not even the first sentence fits, it is cut at the best boundary split_to_fit finds and
    ends with "…" - the only case where a post shows part of a sentence.
    """
    head = _head(story, measure, budget)
    room = budget - measure(head + "\n\n")
    lead = ""
    for par in story.paragraphs:
        joined = lead
        for n, sentence in enumerate(iter_sentences(par)):  # read no further than the lead needs
            sep = (" " if n else "\n\n") if joined else ""
            candidate = joined + sep + sentence
            if measure(candidate) > room:
                if not joined and room > 2 * measure(ELLIPSIS):
                    try:
                        lead = fit(sentence, room, measure)
                    except InputError:
                        lead = ""  # even the first word is too long: headline alone
                    return head + ("\n\n" + lead if lead else "")
                return head + ("\n\n" + joined if joined else "")
            joined = candidate
        lead = joined
    return head + ("\n\n" + lead if lead else "")


def _head(story: Story, measure: Measure, budget: int) -> str:
    """The headline, with the story's own link under it when there is room."""
    head = fit(story.display_headline, budget, measure)
    if story.url and measure(head + "\n" + story.url) <= budget:
        return head + "\n" + story.url
    return head


def _item_starts(story: Story) -> set[int]:
    """Positions in story.paragraphs where a roundup item's title line stands."""
    starts: set[int] = set()
    k = len(story.paragraphs) - sum(1 + len(it.paragraphs) for it in story.items if it.title_line)
    for it in story.items:
        if not it.title_line:
            continue
        starts.add(k)
        k += 1 + len(it.paragraphs)
    return starts


def _pieces(story: Story) -> list[tuple[str, bool]]:
    """The story's paragraphs as posted (each line of one its own), each with whether it starts a
    post of its own: a roundup item's title line (unless the story's first, or sharing a
    paragraph with the line before it)."""
    starts = _item_starts(story)
    pieces = [(n, p) for n, raw in enumerate(story.paragraphs) for p in paragraphs(raw)]
    return [(par, n in starts and k > 0 and pieces[k - 1][0] != n) for k, (n, par) in enumerate(pieces)]


def _full(story: Story, measure: Measure, budget: int, split: Splitter) -> list[str]:
    """Every sentence of the story, in order, once; paragraphs continue a post when that saves one.

    A roundup's items each start a post of their own (title and link, then the commentary), so
    an item's title never ends the post about the item before it."""
    posts: list[str] = []
    current = _head(story, measure, budget)
    for par, alone_first in _pieces(story):
        alone = split.split(par, budget)
        if alone_first:
            posts.append(current)
            current = alone[0]
            for chunk in alone[1:]:
                posts.append(current)
                current = chunk
            continue
        room = budget - measure(current + "\n\n")
        chunks: list[str] | None = None
        first_paragraph = not posts and "\n\n" not in current
        # Below the first paragraph only whole sentences continue a post: no need to work out a
        # split whose first chunk cannot hold the first sentence.
        if room > 0 and (first_paragraph or split.may_lead(par, room)):
            try:
                chunks = split.split(par, budget, first_limit=room)
            except InputError:
                chunks = None
        # Continue the current post only where it reads well: whole sentences, or the story's
        # first paragraph right under its headline.
        if chunks and (first_paragraph or (len(chunks) <= len(alone) and _whole_sentences(chunks[0], par))):
            current += "\n\n" + chunks[0]
            rest = chunks[1:]
        else:
            posts.append(current)
            current, rest = alone[0], alone[1:]
        for chunk in rest:
            posts.append(current)
            current = chunk
    posts.append(current)
    return posts


def _whole_sentences(prefix: str, par: str) -> bool:
    done = ""
    for sentence in iter_sentences(par):
        done = f"{done} {sentence}" if done else sentence
        if len(done) >= len(prefix):
            return done == prefix
    return False


def _has_closing(issue: Issue, settings: ThreadSettings) -> bool:
    """Whether the thread ends with a closing post: unless there is nothing to link and no call to action."""
    return bool(issue.url or settings.subscribe_url or settings.call_to_action.strip())


def _closing(issue: Issue, config: Config, settings: ThreadSettings, measure: Measure, budget: int) -> str:
    """The call to action with the issue link, then hashtags.

    Without the issue's own link the post names the issue ("Thanks for reading East West
    Hurricane #34!") before the subscribe link or the call to action: X refuses a post whose text
    repeats an earlier one, so a closing post identical from week to week would never go out.
    """
    cta = settings.call_to_action.strip()
    if issue.url:
        text = issue.url
        room = budget - measure(": " + issue.url)
        if cta and room > 5:
            try:
                text = fit(cta, room, measure) + ": " + issue.url
            except InputError:  # a word of it is wider than the room: the link alone, as with no room
                pass
    else:
        brand = brand_of(issue, config)
        label = f"#{issue.number}" if issue.number is not None else issue.title.strip()
        if brand and label.casefold().startswith(brand.casefold()):
            brand = ""  # the title already names the newsletter ("Weekly Thing", "Weekly Thing 12")
        thanks = f"Thanks for reading {brand} {label}!" if brand else f"Thanks for reading {label}!"
        link = settings.subscribe_url
        if not _has_closing(issue, settings):
            return ""  # the writer asked for no call to action and there is nothing to link
        if link:
            tail = (f"{cta}: " if cta else "") + link
            room = budget - measure(" " + tail)
            text = link
            if room > 10:
                try:
                    text = fit(thanks, room, measure) + " " + tail
                except InputError:  # a word of it is wider than the room: the link alone, as with no room
                    pass
        else:  # nothing to link: "Read the whole issue" would point nowhere
            text = fit(thanks, budget, measure)
    line = ""
    for tag in filter(None, (hashtag(t) for t in settings.hashtags)):
        candidate = (line + " " + tag).strip()
        if measure(text + "\n\n" + candidate) <= budget:
            line = candidate
    return text + ("\n\n" + line if line else "")
