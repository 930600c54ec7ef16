"""The one-way pipeline: issue file -> Issue -> plan per platform -> rendered cards -> (publish).

The dry run and the real run call the same functions; the only difference is whether the plan
is handed to an adapter afterwards, so the preview is exactly what gets posted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .errors import InputError
from .model import Issue, Media, Plan


@dataclass
class Prepared:
    """An issue with its plan and the cards the plan refers to."""

    issue: Issue
    plan: Plan
    cards: list = field(default_factory=list)  # CardSpec objects, rendered


def load(ref: str | None, config: Config) -> Issue:
    from .parse.resolve import load_issue

    return load_issue(ref, config)


def _cards(issue: Issue, config: Config, platform: str, *, cover: bool = False, out: Path | None = None):
    from .cards import card_specs

    specs = card_specs(issue, config, platform, cover=cover)
    if out is not None:  # --out DIR: the cards go to DIR instead of out/<issue-id>/
        for spec in specs:
            spec.path = Path(out) / spec.path.name
    return specs


def render(prepared: Prepared, config: Config, progress=None, *, uploads: bool = True) -> Prepared:
    """Write the card images the plan refers to (deterministic, so re-rendering is harmless), and the
    JPEGs a platform is sent unless `uploads` is False (a preview); `progress` (crosspost.progress)
    hears of each card."""
    from .cards import render_cards

    render_cards(prepared.cards, config, progress, uploads=uploads)
    return prepared


def plan(
    ref: str | None,
    config: Config,
    platform: str,
    *,
    issue: Issue | None = None,
    out: Path | None = None,
    per_story: bool = False,
    **options,
) -> Prepared:
    """Plan an issue for `platform` with the planner its spec names, its cards specified (not yet
    rendered) in the platform's size.

    Thread options: `mode`, `numbering`, `limit`. Carousel options: `per_story` (one post per
    story, for a drip). `out`: a folder for the cards instead of out/<issue-id>/.
    """
    from .platforms import CAROUSEL, THREAD, get

    spec = get(platform)
    issue = issue or load(ref, config)
    if spec.plan == THREAD:
        from .plan.thread import plan_thread

        specs = _cards(issue, config, spec.name, out=out) if spec.card_size else []
        media: dict[int, Media] = {s.story: s.media() for s in specs if s.story is not None}
        return Prepared(issue, plan_thread(issue, config, spec, cards=media, **options), specs)
    if spec.plan == CAROUSEL:
        from .plan.carousel import plan_carousel

        specs = _cards(issue, config, spec.name, cover=config.settings(spec.name).cover, out=out)
        media = {s.story: s.media() for s in specs if s.story is not None}
        cover = next((s.media() for s in specs if s.story is None), None)
        return Prepared(issue, plan_carousel(issue, config, spec, cards=media, cover=cover, per_story=per_story), specs)
    raise InputError(f"{spec.label} publishes other platforms' plans; it has none of its own")


def api_calls(plan: Plan, platform: str | None = None) -> int:
    """How many write calls publishing the plan costs on `platform` (default: the plan's)."""
    from .platforms import get

    return get(platform or plan.platform).api_calls(plan)


def published_state(prepared: Prepared, config: Config, to: str) -> dict[int, tuple[str, str]]:
    """What the ledger says about each post of the plan on `to`: position -> (state, url or reason).

    Lets the dry run tell the truth when part of an issue is already out ("posted", "changed":
    the issue was edited after that post went out). Reads only; never creates a ledger.
    """
    from .ledger import Ledger, has_state, refuse_lost, state_of

    path = state_of(config)
    refuse_lost(path)
    if not has_state(path):
        return {}

    out: dict[int, tuple[str, str]] = {}
    with Ledger(path) as ledger:
        for row in ledger.rows(prepared.plan.issue_id, to):
            if (row.plan_platform or to) != prepared.plan.platform or row.state == "pending":
                continue
            if row.state == "deleted":
                out[row.position] = ("undone", "deleted by undo; publishing needs --again")
                continue
            if row.position > len(prepared.plan.posts):
                out[row.position] = ("changed", "posted, but no longer in the plan")
                continue
            post = prepared.plan.posts[row.position - 1]
            if row.state == "posted" and row.content_hash != post.content_hash():
                out[row.position] = ("changed", f"posted as a different text: {row.url or ''}".strip())
            else:
                out[row.position] = (row.state, row.url or row.error or "")
    return out


def target(prepared: Prepared, config: Config, to: str):
    """The adapter a plan will be published through, checked before anything is rendered or sent.

    Unknown platforms, missing credentials and plans the platform cannot take are input errors.
    """
    from .platforms import ANY, get

    spec = get(to)
    if to != prepared.plan.platform and spec.plan != ANY:
        sinks = " or ".join(f"--to {name}" for name, s in _sinks())
        raise InputError(
            f"a {prepared.plan.platform} plan cannot be published to '{to}' "
            f"(use --to {prepared.plan.platform}" + (f" or {sinks})" if sinks else ")")
        )
    most = spec.limits.max_media
    too_many = [i for i, p in enumerate(prepared.plan.posts, 1) if len(p.media) > most]
    if too_many:
        raise InputError(f"post {too_many[0]} has more images than {to} allows ({most})", prepared.issue.source)
    return spec.adapter_class().from_config(config)


def _sinks():
    from .platforms import ANY, registry

    return [(name, s) for name, s in registry().items() if s.plan == ANY]


def publish(
    prepared: Prepared,
    config: Config,
    *,
    to: str,
    replan: bool = False,
    again: bool = False,
    adapter=None,
    ledger=None,
    retry_now: bool = True,
    **engine,
):
    """Hand a prepared (and rendered) plan to the `to` adapter through the ledger: the one publish
    path of the CLI and of `crosspost run`.

    By default this is a command a person typed: what waits on a backoff meant for cron is retried
    at once (a platform's rate limit is still respected); `run` passes `retry_now=False` (or True
    with --now) and the engine's scheduling options (`upto`, `on_event`, `now`, `lock_timeout`,
    `still_wanted`). An undone issue goes out only with `again`. `progress` (crosspost.progress)
    hears of each post as it goes out and of any wait.
    """
    from .ledger import Ledger, state_of
    from .publish import publish_plan

    adapter = adapter or target(prepared, config, to)
    own = ledger is None
    ledger = ledger or Ledger(state_of(config))
    try:
        return publish_plan(prepared.plan, adapter, ledger, replan=replan, again=again, retry_now=retry_now, **engine)
    finally:
        if own:
            ledger.close()
