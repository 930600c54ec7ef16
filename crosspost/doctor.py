"""`crosspost doctor`: is everything in place to publish? Checks only; never changes anything.

Each check gives (name, ok, detail). Credentials are reported by variable name, never by value.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .errors import CrosspostError


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    warn: bool = False  # not fatal: e.g. credentials of a platform you do not use

    @property
    def level(self) -> str:
        """ "ok", "warn" (not fatal: a platform you may not use) or "fail" (publishing would fail)."""
        return "ok" if self.ok else ("warn" if self.warn else "fail")


def passed(checks: list[Check]) -> bool:
    """Whether doctor passes (exit 0): no check failed; warnings alone do not fail it."""
    return all(c.level != "fail" for c in checks)


def run_checks(config: Config, *, online: bool = False) -> list[Check]:
    from . import credentials

    checks: list[Check] = []
    checks.append(Check("config", True, str(config.path) if config.path else "no crosspost.toml: defaults"))

    issues_dir = config.resolve(config.issues_dir)
    try:
        from .parse import parse_issue
        from .parse.resolve import resolve_issue

        latest = resolve_issue(None, issues_dir)
        issue = parse_issue(latest)
        checks.append(Check("issues", True, f"latest is {latest.name} in {issues_dir}: {len(issue.stories)} stories"))
    except CrosspostError as exc:
        checks.append(Check("issues", False, str(exc)))

    try:
        from .cards.fonts import font_paths

        paths = font_paths()
        absent = [str(p) for p in paths if not Path(p).exists()]
        checks.append(
            Check("fonts", not absent, "missing: " + ", ".join(absent) if absent else f"{len(paths)} bundled fonts")
        )
    except Exception as exc:  # noqa: BLE001 - doctor reports, it does not crash
        checks.append(Check("fonts", False, f"cannot load fonts: {type(exc).__name__}"))

    checks.append(_ledger_check(config))

    secrets = credentials.secrets_path()
    try:
        credentials.read_secrets_file()  # what loading does, so doctor reports exactly its refusal
        checks.append(Check("secrets file", True, f"{secrets}" + ("" if secrets.exists() else " (none)")))
    except CrosspostError as exc:
        checks.append(Check("secrets file", False, str(exc)))

    for platform in credentials.env_vars():
        try:
            found = credentials.load_credentials(platform)
        except CrosspostError as exc:
            checks.append(Check(f"{platform} credentials", False, str(exc)))
            continue
        missing = credentials.missing(platform, found)
        if missing:
            checks.append(Check(f"{platform} credentials", False, "missing " + ", ".join(missing), warn=True))
            continue
        checks.append(Check(f"{platform} credentials", True, "present: " + ", ".join(sorted(found))))
        if online:
            checks.append(_verify(platform, config))
    return checks


CLOCK_SKEW_MAX = 2.0  # seconds this host's clock may be off the shared database's


def _database_check(url: str) -> Check:
    """The shared database answers, holds a schema this crosspost understands, and keeps the same
    time as this host (leases lapse on the database's clock; due times and `since` on the host's)."""
    from .database import DB_NOW, PostgresDatabase, has_tables, redact_url
    from .ledger import SCHEMA_VERSION
    from .schedule import Schedule

    where = redact_url(url)
    try:
        db = PostgresDatabase(url)
    except CrosspostError as exc:
        return Check("database", False, str(exc))
    try:
        with db.read() as conn:
            rows = (
                conn.execute("SELECT component, max(number) AS n FROM migrations GROUP BY component").fetchall()
                if has_tables(conn)
                else []
            )
            before = time.time()
            theirs = float(conn.execute(f"SELECT {DB_NOW}").fetchone()["now"])
            skew = theirs - (before + time.time()) / 2
    except CrosspostError as exc:
        return Check("database", False, str(exc))
    finally:
        db.close()
    schema = {r["component"]: r["n"] for r in rows}
    known = {"ledger": SCHEMA_VERSION, "schedule": max(Schedule.migrations)}
    newer = [f"{c} {schema[c]} (this crosspost knows {n})" for c, n in known.items() if schema.get(c, 0) > n]
    if newer:
        return Check(
            "database", False, f"{where}: schema newer than this crosspost: {', '.join(newer)}; upgrade crosspost"
        )
    if abs(skew) > CLOCK_SKEW_MAX:
        return Check(
            "database",
            False,
            f"{where}: this host's clock is {skew:+.1f}s off the database's (at most {CLOCK_SKEW_MAX:g}s): "
            "set it right (NTP) before it runs crosspost, or posts go out early or late",
        )
    state = (
        ", ".join(f"{c} {schema.get(c, 0)}/{n}" for c, n in known.items()) if schema else "empty (made on first use)"
    )
    return Check("database", True, f"{where}: schema {state}; clock {skew:+.2f}s off this host's")


def _ledger_check(config: Config) -> Check:
    """The ledger is writable, not lost (empty or missing after use), and intact (SQLite's own check)."""
    from .ledger import connect, refuse_lost, state_of

    where = state_of(config)
    if isinstance(where, str):
        return _database_check(where)
    ledger = config.resolve(config.ledger.path)
    try:
        refuse_lost(ledger)
    except CrosspostError as exc:
        return Check("ledger", False, str(exc))
    parent = ledger.parent if ledger.parent.exists() else config.root
    if not os.access(parent, os.W_OK):
        return Check("ledger", False, f"{ledger}: its folder is not writable")
    if not ledger.exists():
        return Check("ledger", True, f"{ledger} (none yet)")
    try:
        db = connect(ledger)
        try:
            problems = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
            rows = db.execute("SELECT count(*) FROM posts").fetchone()[0]
        finally:
            db.close()
    except CrosspostError as exc:
        return Check("ledger", False, str(exc))
    except Exception as exc:  # noqa: BLE001 - doctor reports, it does not crash
        return Check("ledger", False, f"{ledger}: not a usable crosspost ledger ({type(exc).__name__}: {exc})")
    if problems != ["ok"]:
        return Check("ledger", False, f"{ledger}: damaged ({'; '.join(problems[:3])}): restore it from a backup")
    return Check("ledger", True, f"{ledger}: intact, {rows} post(s) recorded")


def _verify(platform: str, config: Config) -> Check:
    from .platforms import adapter_class

    try:
        adapter = adapter_class(platform).from_config(config)
        who = adapter.verify()
        return Check(f"{platform} online", True, f"signed in as {who}")
    except CrosspostError as exc:
        return Check(f"{platform} online", False, str(exc))
