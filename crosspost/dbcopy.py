"""`crosspost db migrate`: a project's SQLite ledger and schedule copied into a shared PostgreSQL
database, so the hosts that share it know everything this one already published.

Copying is idempotent: a row the database already has (the same key) is kept as it is there, so the
command can be run again, or after runners started on the database, without ever turning a post
back into one to send. Events are copied unless the same event is already there. The project's run
lock is held while copying, so no `crosspost run` changes the file meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError

# table -> its key, in the order they are copied
TABLES = {
    "posts": ("issue_id", "platform", "account", "position"),
    "schedule": ("issue_id", "target"),
    "schedule_holds": ("platform",),
    "schedule_meta": ("key",),
    "schedule_seen": ("name",),
}
_NOT_COPIED = {"schedule": ("claimed_by", "claimed_until")}  # a claim belongs to a runner of that database
_EVENT_COLUMNS = ("at", "issue_id", "platform", "account", "position", "what", "detail")


@dataclass
class Copied:
    source: str
    target: str
    tables: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> (copied, already there)

    def lines(self) -> list[str]:
        out = [f"{self.source} -> {self.target}"]
        for table, (copied, kept) in self.tables.items():
            out.append(f"  {table}: {copied} copied, {kept} already there")
        return out


def copy_ledger(source: Path, url: str, run_lock: Path | None = None) -> Copied:
    """Copy the SQLite ledger and schedule at `source` into the database at `url` (see module)."""
    from filelock import FileLock, Timeout

    from .database import redact_url
    from .ledger import Ledger, refuse_lost
    from .schedule import Schedule

    refuse_lost(source)
    if not source.exists():
        raise InputError("no ledger to copy: nothing was ever published or scheduled from here", source)
    lock = FileLock(str(run_lock or source.with_name(source.name + ".run.lock")), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise InputError("a crosspost run is using this ledger; copy it when the run is over", source) from None
    try:
        report = Copied(str(source), redact_url(url))
        with Ledger(source) as old, Schedule(source), Ledger(url) as new, Schedule(url):
            # Opening brought the file and the database to this crosspost's schema.
            with old.db.read() as src, new.db.tx() as dst:
                for table, key in TABLES.items():
                    report.tables[table] = _copy_table(src, dst, table, key)
                report.tables["events"] = _copy_events(src, dst)
        return report
    finally:
        lock.release()


def _copy_table(src, dst, table: str, key: tuple[str, ...]) -> tuple[int, int]:
    copied = kept = 0
    skip = _NOT_COPIED.get(table, ())
    for row in src.execute(f"SELECT * FROM {table}").fetchall():
        values = {k: row[k] for k in row.keys() if k not in skip}
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        done = dst.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT ({', '.join(key)}) DO NOTHING",
            tuple(values.values()),
        ).rowcount
        copied += done
        kept += 1 - done
    return copied, kept


def _copy_events(src, dst) -> tuple[int, int]:
    """Each event not already there (the same time, key, what and detail)."""
    copied = kept = 0
    columns = ", ".join(_EVENT_COLUMNS)
    typed = ", ".join(f"CAST(? AS {_EVENT_TYPES.get(c, 'TEXT')})" for c in _EVENT_COLUMNS)
    same = " AND ".join(
        f"(e.{c} = ? OR (e.{c} IS NULL AND CAST(? AS INTEGER) IS NULL))" if c == "position" else f"e.{c} = ?"
        for c in _EVENT_COLUMNS
    )
    for row in src.execute(f"SELECT {columns} FROM events ORDER BY id").fetchall():
        values = [row[c] for c in _EVENT_COLUMNS]
        match = [w for c, v in zip(_EVENT_COLUMNS, values) for w in ((v, v) if c == "position" else (v,))]
        done = dst.execute(
            f"INSERT INTO events ({columns}) SELECT {typed} WHERE NOT EXISTS (SELECT 1 FROM events e WHERE {same})",
            (*values, *match),
        ).rowcount
        copied += done
        kept += 1 - done
    return copied, kept


_EVENT_TYPES = {"at": "DOUBLE PRECISION", "position": "INTEGER"}
