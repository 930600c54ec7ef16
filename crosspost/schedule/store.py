"""The schedule's store: entries (one per issue and target), platform holds and what `auto` has
seen, in their own tables of the ledger's SQLite file (own connection; WAL shared with the ledger).

An entry is due from `due_at`; an entry of a carousel platform with a `spread` is a drip of one
story card per post, post i due at due_at + (i-1)*spread. Whole-day spreads step in local calendar
days, so "1d" stays at 12:00 across a DST change.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..errors import InputError
from ..ledger import Store, scrub
from .times import DAY, fmt, local

if TYPE_CHECKING:
    from ..config import Config

STATES = ("scheduled", "done", "failed")

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


def split_target(target: str) -> tuple[str, str]:
    """(platform published to, platform whose plan it is): "outbox:instagram" -> ("outbox", "instagram")."""
    platform, _, plan = target.partition(":")
    return (platform, plan) if plan else (target, target)


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
        from ..platforms import get

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


class Schedule(Store):
    """The schedule tables in the ledger's database (own connection; in SQLite, WAL shared with the ledger)."""

    component = "schedule"
    # 1: the first tables. CREATE ... IF NOT EXISTS: on a file made before the migrations table,
    # which has them already, it changes nothing and is recorded as applied.
    # 2: claims, so runners on many hosts sharing one database each take their own due entries.
    migrations = {
        1: tuple(stmt for stmt in _SCHEMA.split(";") if stmt.strip()),
        2: ("ALTER TABLE schedule ADD COLUMN claimed_by TEXT", "ALTER TABLE schedule ADD COLUMN claimed_until REAL"),
    }

    @staticmethod
    def _entry(r) -> Entry:
        d = dict(r)
        d["replan"] = bool(d["replan"])
        d.pop("claimed_by", None)
        d.pop("claimed_until", None)
        return Entry(**d)

    # -- entries

    def get(self, issue_id: str, target: str) -> Entry | None:
        with self._read() as db:
            r = db.execute("SELECT * FROM schedule WHERE issue_id=? AND target=?", (issue_id, target)).fetchone()
        return self._entry(r) if r else None

    def entries(self, issue_id: str | None = None, states: tuple[str, ...] | None = None) -> list[Entry]:
        with self._read() as db:
            rows = db.execute(
                "SELECT * FROM schedule"
                + (" WHERE issue_id=?" if issue_id else "")
                + " ORDER BY due_at, issue_id, target",
                (issue_id,) if issue_id else (),
            ).fetchall()
        out = [self._entry(r) for r in rows]
        return [e for e in out if states is None or e.state in states]

    def due(self, now: float) -> list[Entry]:
        with self._read() as db:
            rows = db.execute(
                "SELECT * FROM schedule WHERE state='scheduled' AND due_at<=? ORDER BY due_at, issue_id, target", (now,)
            ).fetchall()
        return [self._entry(r) for r in rows]

    def claim(self, now: float, owner: str, lease: float, skip: set[tuple[str, str]] = set()) -> Entry | None:  # noqa: B006
        """The first entry due at `now` that no runner holds, claimed by `owner` for `lease`
        seconds (of the database's clock): runners on many hosts sharing one database each take
        their own. In PostgreSQL the row is read `FOR UPDATE SKIP LOCKED`, so two runners claiming
        at once never wait for nor take the same entry; `skip`: entries this run already had."""
        with self._claiming() as (db, clock):
            rows = db.execute(
                "SELECT issue_id, target FROM schedule WHERE state='scheduled' AND due_at<=?"
                " AND (claimed_until IS NULL OR claimed_until<? OR claimed_by=?)"
                " ORDER BY due_at, issue_id, target LIMIT ?" + self._skip_locked(),
                (now, clock, owner, len(skip) + 1),
            ).fetchall()
            found = next(((r["issue_id"], r["target"]) for r in rows if (r["issue_id"], r["target"]) not in skip), None)
            if found is None:
                return None
            db.execute(
                "UPDATE schedule SET claimed_by=?, claimed_until=? WHERE issue_id=? AND target=?",
                (owner, clock + lease, *found),
            )
        return self.get(*found)

    def release(self, owner: str) -> None:
        """Give back every entry `owner` claimed (a run's end)."""
        with self._tx() as db:
            db.execute("UPDATE schedule SET claimed_by=NULL, claimed_until=NULL WHERE claimed_by=?", (owner,))

    def claims(self) -> dict[tuple[str, str], tuple[str, float]]:
        """(issue_id, target) -> (runner, until) of every claimed entry."""
        with self._read() as db:
            rows = db.execute(
                "SELECT issue_id, target, claimed_by, claimed_until FROM schedule WHERE claimed_by IS NOT NULL"
            ).fetchall()
        return {(r["issue_id"], r["target"]): (r["claimed_by"], r["claimed_until"]) for r in rows}

    def _claiming(self):
        """A short transaction for claims, with the database's clock. PostgreSQL: row locks only
        (SKIP LOCKED does the rest), not the write lock every other change takes."""
        from contextlib import contextmanager

        @contextmanager
        def claiming():
            if self.db.kind == "postgresql":
                from ..database import DB_NOW, PostgresDatabase

                assert isinstance(self.db, PostgresDatabase)
                with self.db.tx(exclusive=False) as db:
                    yield db, float(db.execute(f"SELECT {DB_NOW}").fetchone()["now"])
            else:
                with self._tx() as db:
                    yield db, time.time()

        return claiming()

    def _skip_locked(self) -> str:
        return " FOR UPDATE SKIP LOCKED" if self.db.kind == "postgresql" else ""

    def upsert(self, entry: Entry) -> Entry:
        """Add or update the entry for (issue, target); an entry already published is refused."""
        now = time.time()
        with self._tx() as db:
            old = db.execute(
                "SELECT * FROM schedule WHERE issue_id=? AND target=?", (entry.issue_id, entry.target)
            ).fetchone()
            if old is not None and old["state"] == "done":
                raise InputError(
                    f"{entry.issue_id} was already published to {entry.target}; "
                    "it cannot be rescheduled (undo it first to post it again)"
                )
            entry.created_at = old["created_at"] if old is not None else now
            entry.sent = old["sent"] if old is not None else 0
            entry.state, entry.error, entry.updated_at = "scheduled", None, now
            db.execute(
                "INSERT INTO schedule (issue_id, target, source, due_at, spread, zone, posts, sent, state,"
                " error, replan, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT (issue_id, target) DO UPDATE SET source=excluded.source, due_at=excluded.due_at,"
                " spread=excluded.spread, zone=excluded.zone, posts=excluded.posts, sent=excluded.sent,"
                " state=excluded.state, error=excluded.error, replan=excluded.replan,"
                " created_at=excluded.created_at, updated_at=excluded.updated_at",
                (
                    entry.issue_id,
                    entry.target,
                    entry.source,
                    entry.due_at,
                    entry.spread,
                    entry.zone,
                    entry.posts,
                    entry.sent,
                    entry.state,
                    entry.error,
                    int(entry.replan),
                    entry.created_at,
                    entry.updated_at,
                ),
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
            db.execute(
                f"UPDATE schedule SET {sets} WHERE issue_id=? AND target=?", (*fields.values(), issue_id, target)
            )

    def record(
        self,
        issue_id: str,
        target: str,
        sent: int | None = None,
        posts: int | None = None,
        *,
        state: str = "scheduled",
        error: str | None = None,
        replanned: bool = False,
    ) -> None:
        """What a run made of an entry: its posts out (a prefix) of how many, and its state
        (`done` clears the error; a replan that went through is not asked for again)."""
        fields: dict = {"state": state, "error": None if state == "done" else error}
        if sent is not None:
            fields["sent"] = sent
        if posts is not None:
            fields["posts"] = posts
        if replanned:
            fields["replan"] = False
        if state == "scheduled" and error is None:
            fields.pop("error")  # a retry keeps the last error on show
        self.update(issue_id, target, **fields)

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
        from ..publish import LIMIT_MAX

        with self._read() as db:
            rows = db.execute(
                "SELECT * FROM schedule_holds WHERE until>? AND until<=?", (now, now + LIMIT_MAX)
            ).fetchall()
        return {r["platform"]: (r["until"], r["reason"]) for r in rows}

    def hold(self, platform: str, until: float, reason: str) -> None:
        from ..publish import LIMIT_MAX

        until = min(until, time.time() + LIMIT_MAX)
        with self._tx() as db:
            db.execute(
                "INSERT INTO schedule_holds (platform, until, reason) VALUES (?,?,?)"
                " ON CONFLICT (platform) DO UPDATE SET until=excluded.until, reason=excluded.reason",
                (platform, until, scrub(reason)),
            )

    def clear_holds(self, platforms: list[str] | None = None) -> list[str]:
        """Lift platform holds (a person said "now"); returns the platforms that were held."""
        with self._tx() as db:
            held = [
                r["platform"]
                for r in db.execute("SELECT platform FROM schedule_holds").fetchall()
                if platforms is None or r["platform"] in platforms
            ]
            db.executemany("DELETE FROM schedule_holds WHERE platform=?", [(p,) for p in held])
        return held

    # -- auto: which issue files were already there

    def meta(self, key: str) -> str | None:
        with self._read() as db:
            r = db.execute("SELECT value FROM schedule_meta WHERE key=?", (key,)).fetchone()
        return r["value"] if r else None

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO schedule_meta (key, value) VALUES (?,?) ON CONFLICT (key) DO UPDATE SET value=excluded.value",
                (key, value),
            )

    def seen(self) -> set[str]:
        with self._read() as db:
            return {r["name"] for r in db.execute("SELECT name FROM schedule_seen").fetchall()}

    def mark_seen(self, names: list[str], action: str, now: float) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT INTO schedule_seen (name, first_seen, action) VALUES (?,?,?) ON CONFLICT (name) DO NOTHING",
                [(n, now, action) for n in names],
            )

    def forget_auto(self) -> None:
        """auto was switched off: the next switch-on takes a fresh look at what exists."""
        if self.meta("auto_since") is None:
            return
        with self._tx() as db:
            db.execute("DELETE FROM schedule_meta WHERE key='auto_since'")
            db.execute("DELETE FROM schedule_seen")


def open_existing(config: "Config") -> Schedule | None:
    """The schedule of the project, or None when no ledger file exists yet (never creates one)."""
    from ..ledger import has_state, refuse_lost, state_of

    where = state_of(config)
    refuse_lost(where)
    return Schedule(where) if has_state(where) else None
