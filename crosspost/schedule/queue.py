"""Showing the queue: one line per entry and the posts each day will spend, as plain lines (no
colour, safe for cron mail and pipes)."""

from __future__ import annotations

from ..ledger import scrub
from .store import Entry
from .times import _clock, _human, fmt


def per_day(entries: list[Entry]) -> dict[str, dict[str, int]]:
    """Posts each day will spend per target (posts not out yet, in each entry's zone)."""
    from zoneinfo import ZoneInfo

    days: dict[str, dict[str, int]] = {}
    for e in entries:
        if e.state != "scheduled":
            continue
        tz = ZoneInfo(e.zone)
        positions = range(e.sent + 1, e.posts + 1) if e.drip else ([1] if e.sent < e.posts else [])
        for pos in positions:
            when = _clock(e.post_time(pos), tz)
            day = when.strftime("%Y-%m-%d %a") if when is not None else "out of range"
            count = 1 if e.drip else e.posts - e.sent
            days.setdefault(day, {}).setdefault(e.target, 0)
            days[day][e.target] += count
    return dict(sorted(days.items()))


def describe(e: Entry) -> str:
    from ..platforms import THREAD, get

    thread = get(e.plan_platform).plan == THREAD
    shape = (
        f"{e.posts} posts, one every {_human(e.spread)}"
        if e.drip
        else f"{e.posts} post{'s' if e.posts != 1 else ''}" + (" (thread)" if thread else "")
    )
    state = e.state
    if e.state == "scheduled" and e.sent:
        state = f"{e.sent}/{e.posts} out, next {fmt(e.next_time(), e.zone)}"  # type: ignore[arg-type]
    elif e.state == "failed" and e.error:
        state = f"failed: {scrub(e.error)}"  # rows stored before errors were redacted
    return f"{e.issue_id:<12} {e.target:<17} {fmt(e.due_at, e.zone):<22} {shape:<28} {state}"


def queue_lines(entries: list[Entry]) -> list[str]:
    """The queue and its posts per day, as plain lines (no colour, safe for cron mail and pipes)."""
    if not entries:
        return ["Nothing scheduled."]
    lines = [f"{'issue':<12} {'target':<17} {'first post':<22} {'posts':<28} state"]
    lines += [describe(e) for e in entries]
    days = per_day(entries)
    if days:
        lines.append("Posts per day:")
        for day, counts in days.items():
            lines.append(f"  {day}  " + ", ".join(f"{t} {n}" for t, n in sorted(counts.items())))
    return lines
