"""Building schedule entries: which targets (`--to`), when (the platforms' defaults or --at), in
what shape (a drip or one carousel, matching what is already out), and recording them, with the
warnings that would otherwise surprise at posting time."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from .store import Entry, Schedule, open_existing, split_target
from .times import DAY, MAX_AHEAD, _human, default_start, fmt, parse_at, parse_duration, zone

if TYPE_CHECKING:
    from ..config import Config
    from ..pipeline import Prepared


def expand_targets(spec: str | list[str], where: str | Path | None = None) -> list[str]:
    """`"x,outbox"` -> ["x", "outbox:x", "outbox:instagram"] (stored forms of platforms.Target);
    unknown names are input errors."""
    from ..platforms import ANY, Target, registry, scheduled_by_default

    names = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for raw in names:
        name = raw.strip().lower()
        if not name:
            continue
        try:
            target = Target.parse(name)
        except InputError as exc:
            if ":" in name and name.partition(":")[0] in registry() and name.partition(":")[2] in registry():
                raise InputError(exc.problem, where) from None
            known = [n for n, s in registry().items()]
            known += [f"{n}:{p}" for n, s in registry().items() if s.plan == ANY for p in scheduled_by_default()]
            raise InputError(f"unknown target '{raw.strip()}' (known: {', '.join(known)})", where) from None
        expanded = (
            [str(Target(target.platform, p)) for p in scheduled_by_default()]
            if target.spec.plan == ANY and ":" not in name
            else [str(target)]
        )
        for stored in expanded:
            if stored not in out:
                out.append(stored)
    if not out:
        raise InputError(
            f"no target given (use --to with platform names, e.g. {','.join(scheduled_by_default())})", where
        )
    return out


def plan_entry(entry_target: str, source: str | Path, config: "Config", *, drip: bool, issue=None) -> "Prepared":
    """The plan an entry publishes (not rendered): a thread, a drip of story posts or a carousel."""
    from .. import pipeline

    return pipeline.plan(str(source), config, split_target(entry_target)[1], per_story=drip, issue=issue)


def _source(path: Path, config: "Config") -> str:
    try:
        return str(path.resolve().relative_to(config.root.resolve()))
    except ValueError:
        return str(path.resolve())


def _published_shape(config: "Config", issue_id: str, target: str, wanted: float, default: float) -> float:
    """The spread a carousel platform's entry must have to match what is already out there.

    `cards --to outbox` publishes one carousel; scheduling the same issue with the default drip
    afterwards would be a different plan for posts already published (a false "changed"). An
    issue already (partly) out keeps its shape: a carousel stays one post, a drip stays a drip.
    """
    from ..ledger import LIVE, Ledger, has_state, state_of

    path = state_of(config)
    if not has_state(path):
        return wanted
    adapter, plan_platform = split_target(target)
    with Ledger(path) as ledger:
        live = [
            r
            for r in ledger.rows(issue_id, adapter)
            if (r.plan_platform or adapter) == plan_platform and r.state in LIVE
        ]
    if not live:
        return wanted
    carousel = len(live) == 1 and len(live[0].media) > 1
    if carousel:
        return 0.0
    return wanted if wanted > 0 else (default if default > 0 else DAY)


def build_entries(
    config: "Config",
    ref: str | None,
    targets: list[str],
    *,
    at: str | None = None,
    spread: str | None = None,
    now: float | None = None,
    replan: bool = False,
) -> list[Entry]:
    """Entries for one issue (parsed now, so a broken file fails at scheduling, not at 9 am)."""
    from ..pipeline import load

    now = time.time() if now is None else now
    tz = zone(config)
    issue = load(ref, config)
    from ..platforms import get

    start = parse_at(at, tz, now) if at is not None else None
    out = []
    for target in targets:
        plan_platform = split_target(target)[1]
        entry_spread = 0.0
        if get(plan_platform).drips:
            spread_s = parse_duration(
                spread if spread is not None else config.schedule.spread(plan_platform),
                None if spread is not None else config.path,
            )
            entry_spread = _published_shape(config, issue.id, target, spread_s, spread_s)
        prepared = plan_entry(target, issue.source, config, drip=entry_spread > 0, issue=issue)
        entry = Entry(
            issue_id=issue.id,
            target=target,
            source=_source(Path(issue.source), config),
            due_at=start if start is not None else default_start(config, plan_platform, now),
            spread=entry_spread,
            zone=config.schedule.timezone,
            posts=len(prepared.plan.posts),
            replan=replan,
        )
        if entry.post_time(entry.posts) - now > MAX_AHEAD:
            raise InputError(
                f"{target}: the last of {entry.posts} posts, one every {_human(entry.spread)}, "
                "would go out more than ten years from now; use a shorter --spread"
            )
        out.append(entry)
    return out


def record(
    config: Config,
    ref: str | None,
    targets: list[str],
    *,
    at: str | None = None,
    spread: str | None = None,
    replan: bool = False,
    dry_run: bool = False,
) -> tuple[list[Entry], list[Entry], list[str]]:
    """Schedule (or with dry_run, only plan) an issue's targets; returns (its entries, the rest of the
    queue, warnings). Warnings name what would otherwise surprise at posting time (a time already
    past, credentials not there yet) without refusing: the fix may well come before the entry is due."""
    now = time.time()
    entries = build_entries(config, ref, targets, at=at, spread=spread, replan=replan, now=now)
    warnings = schedule_warnings(entries, at, now)
    keys = {(e.issue_id, e.target) for e in entries}
    if dry_run:
        existing = open_existing(config)
        if existing is None:
            return entries, [], warnings
        with existing:
            for e in entries:
                if (old := existing.get(e.issue_id, e.target)) is not None:
                    e.sent = old.sent
            return entries, [e for e in existing.entries() if (e.issue_id, e.target) not in keys], warnings
    from ..ledger import Ledger, state_of

    with Schedule(state_of(config)) as sched, Ledger(state_of(config)) as ledger:
        entries = [sched.upsert(e) for e in entries]
        for e in entries:
            # Scheduling an issue that was undone is the explicit request to publish it again.
            ledger.reopen(e.issue_id, e.adapter, e.plan_platform)
            if at is not None and at.strip().lower() == "now":  # "now" means now: lift what holds it
                sched.clear_holds([e.adapter])
                ledger.clear_waits(e.issue_id, e.adapter)
        return entries, [e for e in sched.entries() if (e.issue_id, e.target) not in keys], warnings


def schedule_warnings(entries: list[Entry], at: str | None, now: float) -> list[str]:
    """A start already past (it goes out at the next run, all at once) and platforms with no credentials yet."""
    from ..credentials import load_credentials, missing
    from ..platforms import get

    out = []
    past = [e for e in entries if e.due_at < now]
    if at is not None and past:
        out.append(f"--at {fmt(past[0].due_at, past[0].zone)} is in the past: posting at the next run")
    for platform in dict.fromkeys(e.adapter for e in entries if get(e.adapter).credentials):
        label = get(platform).label
        try:
            absent = missing(platform, load_credentials(platform))
        except InputError as exc:
            out.append(f"{label} credentials cannot be read ({exc}): fix it before it is due")
            continue
        if absent:
            out.append(
                f"no {label} credentials yet: set {', '.join(absent)} or run `crosspost login {platform}` "
                "before it is due"
            )
    return out


def cancel_for_undo(config: Config, issue_id: str, platform: str, *, complete: bool = False) -> list[Entry]:
    """Remove the issue's not-yet-finished entries on `platform`, so `run` does not re-send what was undone.

    `complete`: every post is gone, so a finished (`done`) entry goes too and the issue can be
    scheduled again on purpose.
    """
    sched = open_existing(config)
    if sched is None:
        return []
    with sched:
        targets = [e.target for e in sched.entries(issue_id) if e.adapter == platform]
        removed, kept = sched.remove(issue_id, targets)
        if complete and kept:
            with sched._tx() as db:
                db.executemany(
                    "DELETE FROM schedule WHERE issue_id=? AND target=?", [(e.issue_id, e.target) for e in kept]
                )
    return removed
