"""Schedules: what goes out where and when, kept in the ledger's SQLite file (own tables).

One entry per (issue, target). A target is a platform (`x`, `instagram`, a plugin's) or a sink
given a platform's plan (`outbox:x`; `outbox` alone means the outbox for each platform scheduled by
default): see platforms.Target. An entry is due from `due_at`; an entry of a carousel platform
with a `spread` is a drip of one story card per post, post i due at due_at + (i-1)*spread.
Whole-day spreads step in local calendar days, so "1d" stays at 12:00 across a DST change.

Times are read and shown in the configured time zone (zoneinfo). A local time that does not exist
(the spring-forward gap) moves forward by the gap; an ambiguous one (fall-back) is the first.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError
from .ledger import SqliteFile, scrub

if TYPE_CHECKING:
    from .config import Config
    from .pipeline import Prepared

STATES = ("scheduled", "done", "failed")
DAY = 86400.0
MAX_AHEAD = 3653 * DAY  # ten years: anything later is a typo (9999-12-31), and past year 9999 no clock can show it

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schedule (
    issue_id   TEXT NOT NULL,
    target     TEXT NOT NULL,
    source     TEXT NOT NULL,
    due_at     REAL NOT NULL,
    spread     REAL NOT NULL DEFAULT 0,
    zone       TEXT NOT NULL DEFAULT 'UTC',
    posts      INTEGER NOT NULL DEFAULT 0,
    sent       INTEGER NOT NULL DEFAULT 0,
    state      TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled','done','failed')),
    error      TEXT,
    replan     INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (issue_id, target)
);
CREATE TABLE IF NOT EXISTS schedule_holds (
    platform TEXT PRIMARY KEY,
    until    REAL NOT NULL,
    reason   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS schedule_seen (
    name       TEXT PRIMARY KEY,
    first_seen REAL NOT NULL,
    action     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS schedule_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


# -- parsing -------------------------------------------------------------------------------------


def expand_targets(spec: str | list[str], where: str | Path | None = None) -> list[str]:
    """`"x,outbox"` -> ["x", "outbox:x", "outbox:instagram"] (stored forms of platforms.Target);
    unknown names are input errors."""
    from .platforms import ANY, Target, registry, scheduled_by_default

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
        expanded = ([str(Target(target.platform, p)) for p in scheduled_by_default()]
                    if target.spec.plan == ANY and ":" not in name else [str(target)])
        for stored in expanded:
            if stored not in out:
                out.append(stored)
    if not out:
        raise InputError("no target given (use --to with platform names, e.g. "
                         f"{','.join(scheduled_by_default())})", where)
    return out


def split_target(target: str) -> tuple[str, str]:
    """(platform published to, platform whose plan it is): "outbox:instagram" -> ("outbox", "instagram")."""
    platform, _, plan = target.partition(":")
    return (platform, plan) if plan else (target, target)


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])")
_UNITS = {"w": 7 * DAY, "d": DAY, "h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration(text: str, where: str | Path | None = None) -> float:
    """"1d" / "12h" / "1d12h" / "90m" / "0" -> seconds."""
    s = text.strip().lower().replace(" ", "")
    if s in ("0", "none", "no"):
        return 0.0
    if not s or _DURATION.sub("", s):
        raise InputError(f"'{text}' is not a duration (e.g. 1d, 12h, 30m, 1d12h, 0)", where)
    seconds = sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(s))
    if seconds > MAX_AHEAD:
        raise InputError(f"'{text}' is longer than ten years", where)
    return seconds


def zone(config: "Config"):
    """The configured time zone, or an input error naming crosspost.toml."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = config.schedule.timezone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"'schedule.timezone' is not a known time zone: {name!r} (e.g. Europe/Berlin)",
                         config.path) from None


def _hhmm(text: str, key: str, where) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise InputError(f"'{key}' must be a time like 09:00, got {text!r}", where)
    return int(m.group(1)), int(m.group(2))


def local(day: date, hour: int, minute: int, tz) -> datetime:
    """A wall-clock time in `tz`, DST-safe: a time in the spring-forward gap moves forward."""
    naive = datetime(day.year, day.month, day.day, hour, minute)
    return naive.replace(tzinfo=tz).astimezone(timezone.utc).astimezone(tz)


def next_weekday_at(hhmm: str, tz, now: float, key: str = "schedule.<platform>_at", where=None) -> datetime:
    """The first Monday-Friday at `hhmm` strictly after `now` (today if still ahead)."""
    hour, minute = _hhmm(hhmm, key, where)
    day = datetime.fromtimestamp(now, tz).date()
    while True:
        if day.weekday() < 5:
            at = local(day, hour, minute, tz)
            if at.timestamp() > now:
                return at
        day += timedelta(days=1)


def parse_at(text: str, tz, now: float) -> float:
    """--at: "now", "2026-12-01 09:00" (configured zone), or ISO 8601 with an offset."""
    s = text.strip()
    if s.lower() == "now":
        return now
    try:
        parsed = datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s)
        if parsed.tzinfo is None:
            parsed = local(parsed.date(), parsed.hour, parsed.minute, tz) + timedelta(seconds=parsed.second)
        at = parsed.timestamp()
    except ValueError:
        raise InputError(f"--at {text!r}: use \"YYYY-MM-DD HH:MM\", an ISO time with offset, or now") from None
    except OverflowError:  # 9999-12-31 23:59 east of UTC, 0001-01-01 west of it
        at = float("inf")
    if abs(at - now) > MAX_AHEAD:  # refused before anything is stored
        raise InputError(f"--at {text!r} is more than ten years from now")
    return at


def default_start(config: "Config", plan_platform: str, now: float) -> float:
    """When a target goes out by default: the issue's day is the next weekday on which the first
    platform scheduled by default (X) can still post at its `<name>_at`; every platform posts
    that day at its own time, or on the next weekday at it when that time has passed."""
    from .platforms import registry, scheduled_by_default

    tz = zone(config)
    lead = (scheduled_by_default() or list(registry()))[0]
    lead_at = next_weekday_at(config.schedule.at(lead), tz, now, f"schedule.{lead}_at", config.path)
    if plan_platform == lead:
        return lead_at.timestamp()
    key = f"schedule.{plan_platform}_at"
    hour, minute = _hhmm(config.schedule.at(plan_platform), key, config.path)
    same_day = local(lead_at.date(), hour, minute, tz)
    if same_day.timestamp() > now:
        return same_day.timestamp()
    return next_weekday_at(config.schedule.at(plan_platform), tz, now, key, config.path).timestamp()


def fmt(ts: float, zone_name: str) -> str:
    from zoneinfo import ZoneInfo

    when = _clock(ts, ZoneInfo(zone_name))
    return when.strftime("%Y-%m-%d %H:%M %Z") if when is not None else "out of range"


def _clock(ts: float, tz) -> datetime | None:
    """`ts` in `tz`, or None past what datetime can hold: an entry stored by an older crosspost
    at 9999-12-31 must not stop `status` and `schedule --list` from showing the rest."""
    try:
        return datetime.fromtimestamp(ts, tz)
    except (OverflowError, OSError, ValueError):
        return None


# -- entries -------------------------------------------------------------------------------------


@dataclass
class Entry:
    issue_id: str
    target: str
    source: str  # the issue file, relative to the project when inside it
    due_at: float  # first post
    spread: float = 0.0  # seconds between drip posts; 0 = all at once
    zone: str = "UTC"
    posts: int = 0  # posts in the plan when last planned
    sent: int = 0  # posts out so far (a prefix)
    state: str = "scheduled"
    error: str | None = None
    replan: bool = False
    created_at: float = 0.0
    updated_at: float = 0.0

    @property
    def adapter(self) -> str:
        return split_target(self.target)[0]

    @property
    def plan_platform(self) -> str:
        return split_target(self.target)[1]

    @property
    def drip(self) -> bool:
        from .platforms import get

        return self.spread > 0 and get(self.plan_platform).drips

    def post_time(self, position: int) -> float:
        """When post `position` (1-based) is due; whole-day spreads step in local calendar days."""
        if not self.drip or position <= 1:
            return self.due_at
        steps = position - 1
        if self.spread % DAY == 0:
            from zoneinfo import ZoneInfo

            tz = ZoneInfo(self.zone)
            try:
                start = datetime.fromtimestamp(self.due_at, tz)
                day = start.date() + timedelta(days=int(self.spread // DAY) * steps)
                return local(day, start.hour, start.minute, tz).timestamp() + start.second
            except (OverflowError, OSError, ValueError):  # past year 9999: no calendar day, plain seconds
                pass
        return self.due_at + self.spread * steps

    def due_count(self, now: float, total: int | None = None) -> int:
        """How many posts (a prefix) are due at `now`."""
        total = self.posts if total is None else total
        if now < self.due_at:
            return 0
        if not self.drip:
            return total
        return sum(1 for i in range(1, total + 1) if self.post_time(i) <= now)

    def next_time(self) -> float | None:
        """When the next post not yet out is due (None when done or failed)."""
        if self.state != "scheduled":
            return None
        return self.post_time(self.sent + 1) if self.drip else self.due_at

    def to_dict(self) -> dict:
        d = asdict(self)
        d["due"] = fmt(self.due_at, self.zone)
        d["next"] = fmt(n, self.zone) if (n := self.next_time()) is not None else None
        return d


class Schedule(SqliteFile):
    """The schedule tables in the ledger's SQLite file (own connection; WAL shared with the ledger)."""

    component = "schedule"
    # 1: the first tables. CREATE ... IF NOT EXISTS: on a file made before the migrations table,
    # which has them already, it changes nothing and is recorded as applied.
    migrations = {1: tuple(stmt for stmt in _SCHEMA.split(";") if stmt.strip())}

    @staticmethod
    def _entry(r: sqlite3.Row) -> Entry:
        d = dict(r)
        d["replan"] = bool(d["replan"])
        return Entry(**d)

    # -- entries

    def get(self, issue_id: str, target: str) -> Entry | None:
        r = self._db.execute("SELECT * FROM schedule WHERE issue_id=? AND target=?", (issue_id, target)).fetchone()
        return self._entry(r) if r else None

    def entries(self, issue_id: str | None = None, states: tuple[str, ...] | None = None) -> list[Entry]:
        rows = self._db.execute(
            "SELECT * FROM schedule" + (" WHERE issue_id=?" if issue_id else "") + " ORDER BY due_at, issue_id, target",
            (issue_id,) if issue_id else (),
        ).fetchall()
        out = [self._entry(r) for r in rows]
        return [e for e in out if states is None or e.state in states]

    def due(self, now: float) -> list[Entry]:
        rows = self._db.execute(
            "SELECT * FROM schedule WHERE state='scheduled' AND due_at<=? ORDER BY due_at, issue_id, target", (now,)
        ).fetchall()
        return [self._entry(r) for r in rows]

    def upsert(self, entry: Entry) -> Entry:
        """Add or update the entry for (issue, target); an entry already published is refused."""
        now = time.time()
        with self._tx() as db:
            old = db.execute("SELECT * FROM schedule WHERE issue_id=? AND target=?",
                             (entry.issue_id, entry.target)).fetchone()
            if old is not None and old["state"] == "done":
                raise InputError(f"{entry.issue_id} was already published to {entry.target}; "
                                 "it cannot be rescheduled (undo it first to post it again)")
            entry.created_at = old["created_at"] if old is not None else now
            entry.sent = old["sent"] if old is not None else 0
            entry.state, entry.error, entry.updated_at = "scheduled", None, now
            db.execute(
                "INSERT OR REPLACE INTO schedule (issue_id, target, source, due_at, spread, zone, posts, sent, state,"
                " error, replan, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (entry.issue_id, entry.target, entry.source, entry.due_at, entry.spread, entry.zone, entry.posts,
                 entry.sent, entry.state, entry.error, int(entry.replan), entry.created_at, entry.updated_at),
            )
        return entry

    def update(self, issue_id: str, target: str, **fields) -> None:
        if "replan" in fields:
            fields["replan"] = int(fields["replan"])
        if fields.get("error"):
            fields["error"] = scrub(fields["error"])  # an error may quote a platform's echo of our request
        fields["updated_at"] = time.time()
        sets = ", ".join(f"{k}=?" for k in fields)
        with self._tx() as db:
            db.execute(f"UPDATE schedule SET {sets} WHERE issue_id=? AND target=?", (*fields.values(), issue_id, target))

    def remove(self, issue_id: str, targets: list[str] | None = None) -> tuple[list[Entry], list[Entry]]:
        """Delete the entries not fully out; returns (removed, kept because already published)."""
        removed, kept = [], []
        with self._tx() as db:
            for r in db.execute("SELECT * FROM schedule WHERE issue_id=?", (issue_id,)).fetchall():
                e = self._entry(r)
                if targets is not None and e.target not in targets:
                    continue
                if e.state == "done":
                    kept.append(e)
                    continue
                db.execute("DELETE FROM schedule WHERE issue_id=? AND target=?", (e.issue_id, e.target))
                removed.append(e)
        return removed, kept

    # -- platform holds (a 429 defers the platform's remaining work)

    def holds(self, now: float) -> dict[str, tuple[float, str]]:
        """Platforms on hold at `now`. A hold reaching further than any platform limit lasts was
        stored by a clock running fast: it is over."""
        from .publish import LIMIT_MAX

        rows = self._db.execute("SELECT * FROM schedule_holds WHERE until>? AND until<=?",
                                (now, now + LIMIT_MAX)).fetchall()
        return {r["platform"]: (r["until"], r["reason"]) for r in rows}

    def hold(self, platform: str, until: float, reason: str) -> None:
        from .publish import LIMIT_MAX

        until = min(until, time.time() + LIMIT_MAX)
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO schedule_holds (platform, until, reason) VALUES (?,?,?)",
                       (platform, until, scrub(reason)))

    def clear_holds(self, platforms: list[str] | None = None) -> list[str]:
        """Lift platform holds (a person said "now"); returns the platforms that were held."""
        with self._tx() as db:
            held = [r["platform"] for r in db.execute("SELECT platform FROM schedule_holds").fetchall()
                    if platforms is None or r["platform"] in platforms]
            db.executemany("DELETE FROM schedule_holds WHERE platform=?", [(p,) for p in held])
        return held

    # -- auto: which issue files were already there

    def meta(self, key: str) -> str | None:
        r = self._db.execute("SELECT value FROM schedule_meta WHERE key=?", (key,)).fetchone()
        return r["value"] if r else None

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO schedule_meta (key, value) VALUES (?,?)", (key, value))

    def seen(self) -> set[str]:
        return {r["name"] for r in self._db.execute("SELECT name FROM schedule_seen").fetchall()}

    def mark_seen(self, names: list[str], action: str, now: float) -> None:
        with self._tx() as db:
            db.executemany("INSERT OR IGNORE INTO schedule_seen (name, first_seen, action) VALUES (?,?,?)",
                           [(n, now, action) for n in names])

    def forget_auto(self) -> None:
        """auto was switched off: the next switch-on takes a fresh look at what exists."""
        if self.meta("auto_since") is None:
            return
        with self._tx() as db:
            db.execute("DELETE FROM schedule_meta WHERE key='auto_since'")
            db.execute("DELETE FROM schedule_seen")


def open_existing(config: "Config") -> Schedule | None:
    """The schedule of the project, or None when no ledger file exists yet (never creates one)."""
    from .ledger import refuse_lost

    path = config.resolve(config.ledger.path)
    refuse_lost(path)
    return Schedule(path) if path.exists() else None


# -- planning what to schedule ---------------------------------------------------------------------


def prepare(entry_target: str, source: str | Path, config: "Config", *, drip: bool, issue=None) -> "Prepared":
    """The plan an entry publishes (not rendered): a thread, a drip of story posts or a carousel."""
    from . import pipeline

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
    from .ledger import LIVE, Ledger

    path = config.resolve(config.ledger.path)
    if not path.exists():
        return wanted
    adapter, plan_platform = split_target(target)
    with Ledger(path) as ledger:
        live = [r for r in ledger.rows(issue_id, adapter)
                if (r.plan_platform or adapter) == plan_platform and r.state in LIVE]
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
    from .pipeline import load

    now = time.time() if now is None else now
    tz = zone(config)
    issue = load(ref, config)
    from .platforms import get

    start = parse_at(at, tz, now) if at is not None else None
    out = []
    for target in targets:
        plan_platform = split_target(target)[1]
        entry_spread = 0.0
        if get(plan_platform).drips:
            spread_s = parse_duration(spread if spread is not None else config.schedule.spread(plan_platform),
                                      None if spread is not None else config.path)
            entry_spread = _published_shape(config, issue.id, target, spread_s, spread_s)
        prepared = prepare(target, issue.source, config, drip=entry_spread > 0, issue=issue)
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
            raise InputError(f"{target}: the last of {entry.posts} posts, one every {_human(entry.spread)}, "
                             "would go out more than ten years from now; use a shorter --spread")
        out.append(entry)
    return out


# -- showing the queue -----------------------------------------------------------------------------


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
    from .platforms import THREAD, get

    thread = get(e.plan_platform).plan == THREAD
    shape = (f"{e.posts} posts, one every {_human(e.spread)}" if e.drip
             else f"{e.posts} post{'s' if e.posts != 1 else ''}" + (" (thread)" if thread else ""))
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


def _human(seconds: float) -> str:
    for unit, size in (("d", DAY), ("h", 3600.0), ("m", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def record(config: Config, ref: str | None, targets: list[str], *, at: str | None = None,
           spread: str | None = None, replan: bool = False,
           dry_run: bool = False) -> tuple[list[Entry], list[Entry], list[str]]:
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
    from .ledger import Ledger

    with Schedule(config.resolve(config.ledger.path)) as sched, Ledger(config.resolve(config.ledger.path)) as ledger:
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
    from .credentials import load_credentials, missing
    from .platforms import get

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
            out.append(f"no {label} credentials yet: set {', '.join(absent)} or run `crosspost login {platform}` "
                       "before it is due")
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
                db.executemany("DELETE FROM schedule WHERE issue_id=? AND target=?",
                               [(e.issue_id, e.target) for e in kept])
    return removed
