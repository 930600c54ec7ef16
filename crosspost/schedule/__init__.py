"""Schedules: what goes out where and when, kept in the ledger's SQLite file (own tables).

One entry per (issue, target). A target is a platform (`x`, `instagram`, a plugin's) or a sink
given a platform's plan (`outbox:x`; `outbox` alone means the outbox for each platform scheduled by
default): see platforms.Target. An entry is due from `due_at`; an entry of a carousel platform
with a `spread` is a drip of one story card per post, post i due at due_at + (i-1)*spread.
Whole-day spreads step in local calendar days, so "1d" stays at 12:00 across a DST change.

Times are read and shown in the configured time zone (zoneinfo). A local time that does not exist
(the spring-forward gap) moves forward by the gap; an ambiguous one (fall-back) is the first.

Modules: `times` (parsing and showing time), `store` (the tables), `entries` (building and
recording entries), `queue` (showing them).
"""

from .entries import build_entries, cancel_for_undo, expand_targets, plan_entry, record, schedule_warnings
from .queue import describe, per_day, queue_lines
from .store import STATES, Entry, Schedule, open_existing, split_target
from .times import DAY, MAX_AHEAD, default_start, fmt, local, next_weekday_at, parse_at, parse_duration, zone

__all__ = [
    "DAY",
    "MAX_AHEAD",
    "STATES",
    "Entry",
    "Schedule",
    "build_entries",
    "cancel_for_undo",
    "default_start",
    "describe",
    "expand_targets",
    "fmt",
    "local",
    "next_weekday_at",
    "open_existing",
    "parse_at",
    "parse_duration",
    "per_day",
    "plan_entry",
    "queue_lines",
    "record",
    "schedule_warnings",
    "split_target",
    "zone",
]
