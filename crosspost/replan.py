"""Replanning by content: fit a changed issue onto what is already out, story by story.

A published post cannot move. When the issue changed after part of it went out (a story removed,
added or edited), the new plan is matched to the posts already out *by what they say*, not by
their position: a post that went out stays where it is and stands for the new post it matches
(the same text, the same card, or a close edit of it, wherever it moved in the issue); new posts that
match nothing are sent
after what is out, in the new plan's order; a post out that matches nothing is left as it is
(orphaned, reported: `undo` deletes a whole issue, nothing deletes one post behind your back).
Numbering (" 4/6") is redone over the resulting thread, so the posts still to go agree with each
other and with where they land.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .ledger import LIVE, Row
from .model import Plan, Post

_NUMBER = re.compile(r" (\d+)/(\d+)$")
SIMILAR = 0.6  # text similarity at which an edited post is still "the same post"
_MAX_PAIRS = 10_000  # beyond this many pairs, match on exact content and cards only (bounded time)


@dataclass
class Reconciled:
    """The plan to publish (positions as they will be on the platform) and what replanning does."""

    plan: Plan
    kept: list[int] = field(default_factory=list)  # positions out that stand for a new post
    added: list[int] = field(default_factory=list)  # positions of new posts still to send
    orphaned: list[int] = field(default_factory=list)  # positions out that match no new post

    def summary(self) -> str:
        parts = []
        if self.kept:
            parts.append(f"keeps {_positions(self.kept)} (already out)")
        if self.added:
            parts.append(f"sends {_positions(self.added)} from the new plan")
        if self.orphaned:
            parts.append(
                f"leaves {_positions(self.orphaned)} out but no longer in the issue (undo deletes the "
                "whole issue if you want it gone)"
            )
        return "; ".join(parts) or "nothing to change"


def _positions(positions: list[int]) -> str:
    return ("post " if len(positions) == 1 else "posts ") + ", ".join(str(p) for p in positions)


def _bare(text: str) -> str:
    return _NUMBER.sub("", text)


def _score(row: Row, post: Post, similar: bool) -> int:
    """How surely `row` (out) is `post` (new): 4 same content, 2 same card text, 1 a close edit."""
    if row.content_hash == post.content_hash() or row.plan_hash == post.content_hash():
        return 4
    alts = [m.get("alt_text", "") for m in row.media]
    same_cards = alts == [m.alt_text for m in post.media]
    if same_cards and _bare(row.text) == _bare(post.text):
        return 4  # only the numbering moved
    score = 2 if same_cards and any(alts) else 0
    if similar:
        matcher = SequenceMatcher(None, _bare(row.text), _bare(post.text), autojunk=False)
        if matcher.quick_ratio() >= SIMILAR and matcher.ratio() >= SIMILAR:
            score += 1
    return score


def _align(rows: list[Row], posts: list[Post]) -> list[tuple[int, int]]:
    """Pairs (row, post), each used once, surest first; order is not required.

    A post out cannot move, so a story the writer moved earlier or later is still the post that
    is out (matching only in order would send a swapped story a second time). Ties go to the
    pair closest to its old place.
    """
    similar = len(rows) * len(posts) <= _MAX_PAIRS
    scored = [
        (-s, abs(i - j), i, j)
        for i, row in enumerate(rows)
        for j, post in enumerate(posts)
        if (s := _score(row, post, similar))
    ]
    pairs, used_rows, used_posts = [], set(), set()
    for _, _, i, j in sorted(scored):
        if i not in used_rows and j not in used_posts:
            pairs.append((i, j))
            used_rows.add(i)
            used_posts.add(j)
    return sorted(pairs)


def continues(plan: Plan, rows: list[Row]) -> bool:
    """True when `plan` simply continues what is out (or may be out): the same posts, in place."""
    live = sorted((r for r in rows if r.state in LIVE), key=lambda r: r.position)
    return (
        [r.position for r in live] == list(range(1, len(live) + 1))
        and len(live) <= len(plan.posts)
        and all(plan.posts[r.position - 1].content_hash() in (r.content_hash, r.plan_hash) for r in live)
    )


def reconcile(plan: Plan, rows: list[Row]) -> Reconciled:
    """Lay `plan` over the rows already out (see the module docstring)."""
    live = sorted((r for r in rows if r.state in LIVE), key=lambda r: r.position)
    if not live:
        return Reconciled(plan, added=list(range(1, len(plan.posts) + 1)))
    if continues(plan, live):  # nothing to lay over
        return Reconciled(plan, kept=[r.position for r in live], added=list(range(len(live) + 1, len(plan.posts) + 1)))
    pairs = _align(live, plan.posts)
    matched_posts = {j for _, j in pairs}
    post_of = {live[i].position: plan.posts[j] for i, j in pairs}
    row_at = {r.position: r for r in live}
    posts: list[Post] = []
    out = Reconciled(plan)
    for position in range(1, live[-1].position + 1):
        row = row_at.get(position)
        if row is None:  # posts go out in order, so this means the ledger was edited by hand
            from .errors import InputError

            raise InputError(f"cannot replan {plan.issue_id}: post {position} is missing between posts already out")
        if position in post_of:
            posts.append(post_of[position])
            out.kept.append(position)
        else:
            posts.append(row.post())
            out.orphaned.append(position)
    new = [p for j, p in enumerate(plan.posts) if j not in matched_posts]
    for post in new:
        posts.append(post)
        out.added.append(len(posts))
    out.plan = Plan(
        plan.platform,
        plan.issue_id,
        _renumber(plan, posts, set(out.added)),
        mode=plan.mode,
        limit=plan.limit,
        thread=plan.thread,
    )
    return out


def _renumber(plan: Plan, posts: list[Post], todo: set[int]) -> list[Post]:
    """Redo " i/n" on the posts still to send when the plan is numbered, over the final thread."""
    numbered = plan.posts and all(
        (m := _NUMBER.search(p.text)) and int(m.group(1)) == i and int(m.group(2)) == len(plan.posts)
        for i, p in enumerate(plan.posts, 1)
    )
    if not numbered:
        return posts
    total = len(posts)
    out = []
    for position, post in enumerate(posts, 1):
        if position in todo:
            text = f"{_bare(post.text)} {position}/{total}"
            post = Post(text=text, media=post.media, story=post.story, weighted_length=_fits(plan, text, position))
        out.append(post)
    return out


def _fits(plan: Plan, text: str, position: int) -> int | None:
    """The renumbered post's length as its platform counts it, refused (never cut) if the longer
    number pushes it over."""
    if plan.limit is None:
        return None
    from .errors import InputError
    from .platforms import get

    length = get(plan.platform).length(text)
    if length > plan.limit:
        raise InputError(
            f"after replanning, post {position} of {plan.issue_id} would be {length} long, over "
            f"{plan.limit}: publish with --no-numbering"
        )
    return length
