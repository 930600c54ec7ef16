"""crosspost as a library: what the commands do, as functions. The CLI is a thin shell over these.

    from crosspost import api

    prepared = api.plan("issue-34", "x", "path/to/newsletter")
    report = api.publish(prepared, to="outbox", config="path/to/newsletter")

Every function takes `config`: a `Config`, a project folder (where `crosspost.toml`, `issues/` and
the ledger live), or None for the working directory, the folder the CLI uses. Errors are the CLI's:
`InputError` (bad input or configuration: the CLI's exit 2), `PlatformError` (a platform refused or
failed: exit 1), both subclasses of `CrosspostError` whose `str()` is the one line the CLI prints.

Publishing here is the CLI's publishing: the same ledger, so a script and a person typing the
command never post the same thing twice between them.

Nothing heavy is imported at module level: `import crosspost` and `crosspost --help` stay fast.
`crosspost` itself re-exports the functions whose names no submodule takes (`crosspost.status`,
`crosspost.undo`, ...); `plan`, `publish` and `schedule` are reached here, since `crosspost.plan`,
`crosspost.publish` and `crosspost.schedule` are the modules that implement them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Union

if TYPE_CHECKING:
    from .config import Config
    from .model import Issue
    from .pipeline import Prepared
    from .progress import Progress
    from .publish import Report, UndoReport
    from .schedule import Entry

ConfigLike = Union["Config", str, os.PathLike, None]

__all__ = [
    "load_issue",
    "plan",
    "render_cards",
    "publish",
    "status",
    "undo",
    "schedule",
    "unschedule",
    "queue",
    "issue_id",
    "Scheduled",
    "Unscheduled",
]


def _config(config: ConfigLike) -> "Config":
    """A Config as given, or read from a project folder (default: the working directory, as the CLI does)."""
    from .config import Config, load_config

    if isinstance(config, Config):
        return config
    return load_config(Path(config).absolute() if config is not None else None)  # as the CLI's Path.cwd()


def issue_id(ref: str | None, config: ConfigLike = None) -> str | None:
    """The ledger id of an issue reference (name, number or path), without parsing the file.

    What was posted stays in the ledger under this id after the file is broken, renamed or gone, so
    status, unschedule and undo must not need a readable file: a reference no file matches is taken
    as the id itself (its stem). None stays None (every issue)."""
    if ref is None:
        return None
    from .errors import InputError
    from .parse.resolve import resolve_issue

    cfg = _config(config)
    try:
        return resolve_issue(ref, cfg.resolve(cfg.issues_dir)).stem
    except InputError:
        return Path(ref).stem


def load_issue(ref: str | None = None, config: ConfigLike = None) -> "Issue":
    """Read an issue (a name in issues/, a number, a path; None: the latest) into the document model
    every platform's plan is made from: title, number, brand, stories with their items and quotes."""
    from .pipeline import load

    return load(ref, _config(config))


def plan(issue_or_ref: "Issue | str | None", platform: str, config: ConfigLike = None, **options) -> "Prepared":
    """Plan an issue for a platform, exactly what `--dry-run` previews and what `publish` sends.

    The platform's spec says the shape of the plan: a thread (options `mode`, `numbering`, `limit`)
    or a carousel (option `per_story`: one post per story); `out` puts the cards in another folder.
    Cards are specified, not yet rendered (see `render_cards`). Pass an `Issue` from `load_issue`
    to plan one reading for several platforms. To publish a plan to a sink such as the outbox,
    plan it for its platform and `publish(..., to="outbox")`.
    """
    from .model import Issue
    from .pipeline import plan as plan_for

    cfg = _config(config)
    if isinstance(issue_or_ref, Issue):
        return plan_for(None, cfg, platform, issue=issue_or_ref, **options)
    return plan_for(issue_or_ref, cfg, platform, **options)


def render_cards(prepared: "Prepared", config: ConfigLike = None, *, progress: "Progress | None" = None) -> list[Path]:
    """Write the plan's card images (by default under out/<issue-id>/) and return their paths.

    Rendering is deterministic (same plan, same bytes), so doing it again is harmless. The JPEG a
    platform may be sent instead (Media.upload) is written by `publish`, which renders again. `progress`
    (see crosspost.progress) is told of each card as it is written."""
    from .pipeline import render

    render(prepared, _config(config), progress, uploads=False)  # publish() writes the upload JPEGs
    return [Path(spec.path) for spec in prepared.cards]


def publish(
    prepared: "Prepared",
    to: str | None = None,
    config: ConfigLike = None,
    *,
    upto: int | None = None,
    replan: bool = False,
    again: bool = False,
    progress: "Progress | None" = None,
) -> "Report":
    """Publish a plan exactly once through the ledger, as `crosspost thread/cards` without --dry-run.

    `to` is the platform the posts go to (default: the plan's own, "x" or "instagram"; "outbox" writes
    files, no account needed). Posts already out are skipped, so calling it again sends nothing
    twice and resumes what a crash or failure left. `upto` publishes only the first posts (a drip's
    due part); `replan` continues after the issue changed; `again` republishes an undone issue.

    Problems found before anything is sent (unknown platform, missing credentials, a plan the
    platform cannot take) raise InputError; what a platform refuses later is in the report (state
    "failed" or "pending", `exit_code` 1), left for a later call. Cards are rendered first.

    `progress` (see crosspost.progress; default: nothing) is told of each card rendered, each post
    as it goes out ("post 3/12 sent", a post deferred by a rate limit and until when) and of any
    wait (another run holding the publish lock, a platform's listing lagging behind a post).
    """
    from . import pipeline

    cfg = _config(config)
    to = to or prepared.plan.platform
    adapter = pipeline.target(prepared, cfg, to)  # before anything is rendered or recorded
    pipeline.render(prepared, cfg, progress)
    return pipeline.publish(
        prepared, cfg, to=to, replan=replan, again=again, adapter=adapter, upto=upto, progress=progress
    )


def status(issue: str | None = None, config: ConfigLike = None) -> list[dict]:
    """What the ledger says went where: one dict per post (issue, platform, account, position, state,
    url, error, attempts, when to retry), as `crosspost status --json` prints. None: every issue.

    A ledger that was used here and is now empty or missing is refused (InputError): an empty
    answer would say nothing was published when it was."""
    from .ledger import has_state, refuse_lost, state_of

    cfg = _config(config)
    wanted = issue_id(issue, cfg)
    path = state_of(cfg)
    refuse_lost(path)
    if not has_state(path):
        return []
    from .ledger import Ledger
    from .publish import status as ledger_status

    with Ledger(path) as ledger:
        return ledger_status(ledger, wanted)


def undo(
    issue: str, platform: str, config: ConfigLike = None, *, confirm: Callable[[str, str], object] | None = None
) -> "UndoReport":
    """Delete everything posted for an issue on one platform (last post first), as `crosspost undo --yes`.

    Returns a Report of the deletions (state "deleted" per post) that also lists, as `unscheduled`,
    the schedule entries removed; `no_ledger` is True when the project never published anything.
    The deletions are recorded, so no re-run and no cron run already under way sends the issue
    again; its schedule entries on that platform are removed (all of them once every post is gone,
    so it can be scheduled again on purpose). Publishing it anew takes `publish(..., again=True)`.

    `confirm(issue_id, platform)`, if given, is called once the undo is known to be possible (a
    ledger, the platform's credentials) and before anything is deleted: returning False (or raising)
    stops it with nothing deleted. The CLI asks the person there.
    """
    from .errors import InputError
    from .ledger import Ledger, has_state, refuse_lost, state_of
    from .platforms import adapter_class
    from .publish import UndoReport
    from .publish import undo as undo_posts
    from .schedule import cancel_for_undo

    cfg = _config(config)
    wanted = issue_id(issue, cfg) or issue
    path = state_of(cfg)
    refuse_lost(path)
    if not has_state(path):
        return UndoReport(wanted, platform, "", no_ledger=True)
    adapter = adapter_class(platform).from_config(cfg)
    if confirm is not None and confirm(wanted, platform) is False:
        raise InputError(f"undo of {wanted} on {platform} not confirmed: nothing deleted")
    with Ledger(path) as ledger:
        report = undo_posts(wanted, platform, adapter, ledger)
    unscheduled = cancel_for_undo(cfg, wanted, platform, complete=report.exit_code == 0)
    return UndoReport(**vars(report), unscheduled=unscheduled)


@dataclass
class Scheduled:
    """What `schedule` recorded (or would, on a dry run)."""

    entries: list["Entry"]  # the issue's entries, one per target
    others: list["Entry"]  # the rest of the queue
    warnings: list[str]  # what would surprise at posting time: a time already past, credentials not there yet


def schedule(
    issue: str | None = None,
    to: str | list[str] | None = None,
    config: ConfigLike = None,
    *,
    at: str | None = None,
    spread: str | None = None,
    replan: bool = False,
    dry_run: bool = False,
) -> Scheduled:
    """Record when an issue goes out where; `crosspost run` (from cron) publishes it when due.

    `to`: targets (x, instagram, outbox, outbox:x, outbox:instagram; a list or comma-separated),
    default `schedule.to` of the config. `at`: "2026-12-01 09:00" in `schedule.timezone`, an ISO time
    with offset, or "now"; default the config's next slot. `spread`: the Instagram drip ("1d", "0").
    The issue is parsed now, so a broken file fails here, not when it is due. Scheduling an undone
    issue is the request to publish it again.
    """
    from .schedule import expand_targets, record

    cfg = _config(config)
    targets = expand_targets(to if to is not None else cfg.schedule.to, None if to is not None else cfg.path)
    entries, others, warnings = record(cfg, issue, targets, at=at, spread=spread, replan=replan, dry_run=dry_run)
    return Scheduled(entries, others, warnings)


@dataclass
class Unscheduled:
    """What `unschedule` did to an issue's schedule entries."""

    issue_id: str
    removed: list["Entry"]  # entries not (fully) out yet: deleted; what is already posted stays posted
    kept: list["Entry"]  # entries already published whole: left (undo deletes posts)


def unschedule(issue: str, to: str | list[str] | None = None, config: ConfigLike = None) -> Unscheduled:
    """Remove an issue's schedule entries that have not gone out (default: on every target).

    A `crosspost run` already publishing the entry checks again before every post, so it stops."""
    from .schedule import expand_targets, open_existing

    cfg = _config(config)
    wanted = issue_id(issue, cfg) or issue
    targets = expand_targets(to) if to is not None else None
    sched = open_existing(cfg)
    if sched is None:
        return Unscheduled(wanted, [], [])
    with sched:
        removed, kept = sched.remove(wanted, targets)
    return Unscheduled(wanted, removed, kept)


def queue(issue: str | None = None, config: ConfigLike = None) -> list["Entry"]:
    """The schedule: every entry (or one issue's), due time, targets, posts out so far, state.

    Reads only: a project with no ledger yet has an empty queue, and none is created."""
    from .schedule import open_existing

    cfg = _config(config)
    wanted = issue_id(issue, cfg) if issue else None
    sched = open_existing(cfg)
    if sched is None:
        return []
    with sched:
        return sched.entries(wanted)
