"""`crosspost run`: publish everything due, then exit — built to be started by cron every 15 minutes.

Never collide: one run at a time per project, by a non-blocking OS file lock next to the ledger
(flock: the kernel drops it when a run dies, even by SIGKILL, so a stale lock cannot block).
Never lose: the engine (publish.py) keeps every post exactly-once in the ledger; an entry stays
due until all its posts are out, so a run that failed or was killed is simply finished by the next.
One entry that needs a person (missing or bad credentials, a challenge, a broken issue file) is
marked failed and reported; the rest of the queue still goes out. A 429 puts that platform on
hold until its reset time.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import log
from .errors import InputError, PlatformError
from .schedule import Entry, Schedule, fmt

if TYPE_CHECKING:
    from .config import Config
    from .ledger import Ledger
    from .progress import Progress

# outcome kinds and what they mean for the exit code
OK_KINDS = ("done", "waiting", "held", "busy", "auto", "fetched", "cancelled")  # nothing failed in this run
FAIL_KINDS = ("failed", "retry", "deferred", "error")  # a platform refused or failed: exit 1
INPUT_KINDS = ("input",)  # an issue file, config or credentials problem: exit 2
AUTO_SETTLE = 60.0  # seconds: a new issue file that still fails after this long is broken, not half-written


@dataclass
class Outcome:
    issue_id: str
    target: str
    kind: str
    posted: int = 0
    detail: str = ""
    sent: int = 0  # posts out, a prefix of the plan


@dataclass
class RunResult:
    busy: bool = False  # another run held the lock: nothing was done
    outcomes: list[Outcome] = field(default_factory=list)
    next_due: float | None = None
    zone: str = "UTC"
    queued: dict[str, int] = field(default_factory=dict)  # schedule entries by state, after the run

    @property
    def posted(self) -> int:
        return sum(o.posted for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        kinds = {o.kind for o in self.outcomes}
        if kinds & set(INPUT_KINDS):
            return 2
        return 1 if kinds & set(FAIL_KINDS) else 0

    def summary(self) -> str:
        """One line for a person (not printed under --quiet)."""
        if self.busy:
            return "Another crosspost run is in progress; nothing done."
        nxt = f" Next: {fmt(self.next_due, self.zone)}." if self.next_due is not None else ""
        if not self.outcomes:
            if self.next_due is not None:
                return "Nothing due." + nxt
            if not self.queued:
                return "Nothing scheduled."
            there = ", ".join(f"{n} {state}" for state, n in sorted(self.queued.items()))
            return f"Nothing due: nothing left to send ({there}; see crosspost schedule --list)."
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.kind] = counts.get(o.kind, 0) + 1
        words = {
            "input": "need a fix (input/credentials)",
            "failed": "failed",
            "retry": "will retry",
            "deferred": "rate limited",
            "held": "on hold",
            "busy": "busy elsewhere",
            "auto": "auto-scheduled",
            "fetched": "fetched from the feed",
            "cancelled": "cancelled (undone or unscheduled meanwhile)",
        }
        parts = ", ".join(f"{n} {words.get(k, k)}" for k, n in sorted(counts.items()))
        return f"Published {self.posted} post{'s' if self.posted != 1 else ''} ({parts}).{nxt}"


def run_lock_path(config: "Config") -> Path:
    ledger = config.resolve(config.ledger.path)
    return ledger.with_name(ledger.name + ".run.lock")


def run_due(
    config: "Config",
    *,
    now: float | None = None,
    debug: bool = False,
    force: bool = False,
    progress: "Progress | None" = None,
) -> RunResult:
    """Publish what is due at `now` (default: the clock); one run at a time per project.

    `force` (`crosspost run --now`): a person says "now": platform holds and every post's
    retry wait are cleared first, so nothing a past failure (or a wrong clock) stored waits.
    `progress` (crosspost.progress) is told of the feed fetch, the cards rendered and each post.
    """
    from filelock import FileLock, Timeout

    from .ledger import refuse_lost, state_of

    where = state_of(config)
    clock = time.time() if now is None else now
    if isinstance(where, str):  # a shared database: runners on many hosts claim due entries one by one
        return _run_locked(config, clock, debug, force, progress)
    ledger_path = where
    refuse_lost(ledger_path)
    if not ledger_path.exists() and not config.schedule.auto and not config.issue.feed:
        return RunResult()  # nothing was ever scheduled: do not even create the state folder
    ledger_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(run_lock_path(config)), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        log.action("-", "-", "skipped", f"another crosspost run holds {run_lock_path(config)}")
        return RunResult(busy=True)
    try:
        return _run_locked(config, clock, debug, force, progress)
    finally:
        lock.release()


def _run_locked(
    config: "Config", now: float, debug: bool, force: bool = False, progress: "Progress | None" = None
) -> RunResult:
    from .database import runner_name
    from .ledger import Ledger, state_of

    path = state_of(config)
    result = RunResult(zone=config.schedule.timezone)
    if config.issue.feed:
        result.outcomes += fetch_new_issues(config, debug, progress)
    with Ledger(path) as ledger, Schedule(path) as sched:
        if config.schedule.auto:
            result.outcomes += auto_schedule(config, sched, ledger, now)
        else:
            sched.forget_auto()
        if force:
            for platform in sched.clear_holds():
                log.action("-", platform, "hold", "cleared (run --now)")
            ledger.clear_waits()
        owner = runner_name() if isinstance(path, str) else None
        try:
            result.outcomes += _run_due_entries(config, ledger, sched, now, owner, debug, force, progress)
        finally:
            if owner is not None:
                sched.release(owner)
        queue = sched.entries()
        result.next_due = min((t for e in queue if (t := e.next_time()) is not None), default=None)
        result.queued = dict(Counter(e.state for e in queue))
    return result


def _due(sched: Schedule, now: float, owner: str | None):
    """The entries due at `now`: all of them (one run at a time holds the project's run lock), or,
    in a database many runners share, one at a time, each claimed for this runner first."""
    if owner is None:
        yield from sched.due(now)
        return
    from .database import lease_seconds

    had: set[tuple[str, str]] = set()  # a claim lasts a lease: a runner that died lets go as soon
    while (entry := sched.claim(now, owner, lease_seconds(), had)) is not None:
        had.add((entry.issue_id, entry.target))
        yield entry


def _run_due_entries(
    config: "Config",
    ledger: "Ledger",
    sched: Schedule,
    now: float,
    owner: str | None,
    debug: bool,
    force: bool,
    progress: "Progress | None",
) -> list[Outcome]:
    """Publish each due entry in turn, deferring those whose platform is on hold."""
    outcomes: list[Outcome] = []
    holds = sched.holds(now)
    told: set[str] = set()
    issues: dict[str, object] = {}  # parsed once per run
    for entry in _due(sched, now, owner):
        hold = holds.get(entry.adapter)
        if hold is not None:
            if entry.adapter not in told:
                told.add(entry.adapter)
                log.action(
                    entry.issue_id,
                    entry.target,
                    "deferred",
                    f"{entry.adapter} on hold until {fmt(hold[0], entry.zone)}: {hold[1]}",
                )
            outcomes.append(Outcome(entry.issue_id, entry.target, "held"))
            continue
        current = sched.get(entry.issue_id, entry.target)
        if current is None or current.state != "scheduled":
            continue  # unscheduled (or finished by someone else) since we looked
        outcome = _publish_entry(current, config, ledger, sched, now, issues, debug, force, progress)
        outcomes.append(outcome)
        if outcome.kind == "deferred":
            holds = sched.holds(now)
    return outcomes


class _Watched:
    """The adapter, with a note of the last rate limit it answered (for the platform hold)."""

    def __init__(self, inner):
        self._inner = inner
        self.name = inner.name
        self.limits = inner.limits
        self.lookup_settle = getattr(inner, "lookup_settle", 0.0)
        self.retry_at: float | None = None
        self.needs_person: str | None = None

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except PlatformError as exc:
            if exc.retry_at is not None:
                self.retry_at = exc.retry_at
            if exc.needs_person:
                self.needs_person = str(exc)
            raise

    def begin(self, plan) -> None:
        begin = getattr(self._inner, "begin", None)
        if callable(begin):
            begin(plan)

    def account(self) -> str:
        return self._call(self._inner.account)

    def publish(self, post, reply_to=None):
        return self._call(self._inner.publish, post, reply_to)

    def find(self, post, reply_to=None, since=None):
        return self._call(self._inner.find, post, reply_to, since)

    def legacy_accounts(self) -> list[str]:
        return self._inner.legacy_accounts()

    def intent(self, post, reply_to):
        intent = getattr(self._inner, "intent", None)
        return intent(post, reply_to) if callable(intent) else None

    def delete(self, remote_id):
        return self._call(self._inner.delete, remote_id)


def _fail(sched: Schedule, entry: Entry, kind: str, message: str) -> Outcome:
    sched.record(entry.issue_id, entry.target, state="failed", error=message)
    _said_failed(entry, message)
    return Outcome(entry.issue_id, entry.target, kind, detail=message)


def _said_failed(entry: Entry, message: str) -> None:
    log.action(
        entry.issue_id,
        entry.target,
        "failed",
        f"{message} (fix it, then: crosspost schedule {entry.issue_id} --to {entry.target} --at now)",
        error=True,
    )


def _publish_entry(
    entry: Entry,
    config: "Config",
    ledger: "Ledger",
    sched: Schedule,
    now: float,
    issues: dict,
    debug: bool,
    force: bool = False,
    progress: "Progress | None" = None,
) -> Outcome:
    """Publish the due prefix of one entry and record what became of it."""
    from . import pipeline
    from .ledger import LedgerBusy
    from .publish import PlanChanged, Undone

    try:
        prepared = _prepared(entry, config, issues)
        adapter = _Watched(pipeline.target(prepared, config, entry.adapter))  # the CLI's own checks
        plan = prepared.plan
        upto = entry.due_count(now, len(plan.posts))
        _render_due(prepared, config, upto, progress)
    except InputError as exc:  # missing credentials, a broken or missing issue file
        return _fail(sched, entry, "input", str(exc))

    total = len(plan.posts)
    label = f"{entry.issue_id}", entry.target

    def on_event(what: str, position: int, detail: str) -> None:
        if what in ("posted", "adopted"):
            log.action(*label, f"{what} {position}/{total}", detail)
        elif what == "failed":
            log.action(*label, f"failed {position}/{total}", detail, error=True)
        elif what == "pending" and detail and not detail.startswith("waiting for post"):
            log.action(*label, f"will retry {position}/{total}", detail, error=True)
        elif what == "deferred":
            fresh = adapter.retry_at is not None
            log.action(*label, f"deferred {position}/{total}", detail, error=fresh)

    def still_wanted() -> str | None:
        """`undo` and `unschedule` win over this run, which picked the entry a while ago."""
        current = sched.get(entry.issue_id, entry.target)
        if current is None or current.state != "scheduled":
            return "unscheduled while this run was preparing it"
        return None

    try:
        report = pipeline.publish(
            prepared,
            config,
            to=entry.adapter,
            adapter=adapter,
            ledger=ledger,
            replan=entry.replan,
            retry_now=force,
            on_event=on_event,
            now=lambda: now,
            lock_timeout=0,
            upto=upto,
            still_wanted=still_wanted,
            progress=progress,
        )
    except Undone as exc:
        if still_wanted() is not None:  # undone while this run prepared it: the undo wins
            log.action(*label, "cancelled", str(exc))
            return Outcome(entry.issue_id, entry.target, "cancelled")
        return _fail(sched, entry, "input", str(exc))
    except PlanChanged as exc:
        return _fail(sched, entry, "input", str(exc))
    except LedgerBusy as exc:
        log.action(*label, "skipped", str(exc))
        return Outcome(entry.issue_id, entry.target, "busy")
    except InputError as exc:  # e.g. a card the adapter cannot read
        return _fail(sched, entry, "input", str(exc))
    except PlatformError as exc:  # from account(): the platform before any post
        return _platform_error(sched, entry, adapter, exc)
    except Exception as exc:  # noqa: BLE001 - one broken entry must not starve the queue
        if debug:
            raise
        log.action(*label, "error", f"{type(exc).__name__}: {exc}", error=True)
        return Outcome(entry.issue_id, entry.target, "error", detail=str(exc))

    outcome = _outcome(entry, report, adapter.retry_at)
    if outcome.kind == "cancelled":
        log.action(*label, "cancelled", f"{outcome.posted} posted before it was unscheduled; the rest not sent")
        return outcome
    sched.record(
        entry.issue_id,
        entry.target,
        outcome.sent,
        total,
        state=_STATES.get(outcome.kind, "scheduled"),
        error=outcome.detail or None,
        replanned=entry.replan and report.exit_code == 0,
    )
    if outcome.kind == "failed":
        _said_failed(entry, outcome.detail)
    elif outcome.kind == "deferred":
        _hold(sched, entry, adapter.retry_at or now, "rate limited")
    elif outcome.kind == "done":
        log.action(*label, "done", f"{total}/{total} out")
    return outcome


_STATES = {"failed": "failed", "done": "done"}  # outcome kind -> the entry's state (others stay scheduled)


def _outcome(entry: Entry, report, retry_at: float | None) -> Outcome:
    """What became of an entry's run, from the engine's report: how many posts are out (a prefix)
    and which kind of outcome it is."""
    from .publish import CANCELLED, DONE, NOT_YET_DUE

    states = [r.state for r in report.results]
    posted = sum(1 for s in states if s in ("posted", "adopted"))
    sent = next((i for i, s in enumerate(states) if s not in DONE), len(states))
    out = Outcome(entry.issue_id, entry.target, "retry", posted, sent=sent)
    failed = next((r for r in report.results if r.state == "failed"), None)
    waiting_only = all(
        s in DONE
        or s == NOT_YET_DUE
        or s == "deferred"
        or (s == "pending" and r.error and r.error.startswith("waiting for post"))
        for s, r in zip(states, report.results)
    )
    if CANCELLED in states:
        out.kind = "cancelled"
    elif failed is not None:
        out.kind, out.detail = "failed", failed.error or "refused"
    elif retry_at is not None:
        out.kind = "deferred"
    elif all(s in DONE for s in states):
        out.kind = "done"
    elif all(s in DONE or s == NOT_YET_DUE for s in states) or (waiting_only and "deferred" in states):
        out.kind = "waiting"  # not due yet, or a backoff from an earlier failure
    return out


def _platform_error(sched: Schedule, entry: Entry, adapter: _Watched, exc: PlatformError) -> Outcome:
    if exc.needs_person:
        return _fail(sched, entry, "failed", str(exc))
    if exc.retry_at is not None:
        _hold(sched, entry, exc.retry_at, str(exc))
        log.action(entry.issue_id, entry.target, "deferred", str(exc), error=True)
        return Outcome(entry.issue_id, entry.target, "deferred")
    log.action(entry.issue_id, entry.target, "will retry", str(exc), error=True)
    return Outcome(entry.issue_id, entry.target, "retry")


def _hold(sched: Schedule, entry: Entry, until: float, reason: str) -> None:
    sched.hold(entry.adapter, until, reason)
    log.action(
        entry.issue_id, entry.target, "hold", f"{entry.adapter} paused until {fmt(until, entry.zone)} ({reason})"
    )


def _prepared(entry: Entry, config: "Config", issues: dict):
    from . import pipeline

    source = str(config.resolve(entry.source))
    if source not in issues:
        issues[source] = pipeline.load(source, config)
    return pipeline.plan(source, config, entry.plan_platform, per_story=entry.drip, issue=issues[source])


def _render_due(prepared, config: "Config", upto: int, progress: "Progress | None" = None) -> None:
    """Render only the cards the due posts use (a drip's later cards are rendered on their day)."""
    from .cards import render_cards

    wanted = {str(m.path) for post in prepared.plan.posts[:upto] for m in post.media}
    render_cards([s for s in prepared.cards if str(s.path) in wanted], config, progress)


# -- auto: new files in issues/ ------------------------------------------------------------------


def auto_schedule(config: "Config", sched: Schedule, ledger: "Ledger", now: float) -> list[Outcome]:
    """Schedule issue files first seen after `schedule.auto` was switched on, with the defaults.

    The first run with auto on records every file already there as the back catalogue, and
    schedules nothing. Files that already have a schedule entry or ledger rows are never new.

    Feeds: the first fetch of a feed saves its whole back catalogue (often years of posts) into
    issues/ at once. Those files are the back catalogue too, whenever that first fetch happens
    (before auto was on, in the same run that switches it on, or long after, by `crosspost fetch`
    or `run`): the feed state marks them `backlog`, and they are recorded here as seen without
    being scheduled, so adding a feed never publishes old issues. An item that appears in a later
    fetch is a new post and is scheduled like any new file.
    """
    from .feeds import backlog_files
    from .parse.resolve import issue_files
    from .schedule import build_entries, expand_targets

    files = issue_files(config.resolve(config.issues_dir))
    if sched.meta("auto_since") is None:
        sched.mark_seen([p.name for p in files], "back catalogue", now)
        sched.set_meta("auto_since", str(now))
        log.action(
            "-",
            "-",
            "auto",
            f"on: {len(files)} existing issue file(s) kept as the back catalogue; "
            "files added from now on are scheduled",
        )
        return []
    seen = sched.seen()
    unseen = [p.name for p in files if p.name not in seen]
    fed = backlog_files(config) if unseen else set()  # read after listing: a fetch writes files, then state
    backlog = [name for name in unseen if name in fed]
    if backlog:
        sched.mark_seen(backlog, "back catalogue (first fetch of the feed)", now)
        seen.update(backlog)
        log.action(
            "-",
            "feed",
            "auto",
            f"{len(backlog)} issue(s) from the first fetch of the feed kept as "
            "the back catalogue; items fetched from now on are scheduled",
        )
    out: list[Outcome] = []
    for path in files:
        if path.name in seen:
            continue
        issue_id = path.stem
        if sched.entries(issue_id) or ledger.rows(issue_id=issue_id):
            sched.mark_seen([path.name], "already handled", now)
            continue
        try:
            targets = expand_targets(config.schedule.to, config.path)
            entries = build_entries(config, str(path), targets, now=now)
        except InputError as exc:
            if _still_changing(path):  # not marked seen: it may be half-written, tried again next run
                log.action(issue_id, "-", "auto", str(exc), error=True)
            else:  # finished and broken: said once, then left alone (scheduling it by hand retries it)
                sched.mark_seen([path.name], "skipped: cannot be read", now)
                log.action(
                    issue_id, "-", "auto skipped", f"{exc} (fix it, then: crosspost schedule {issue_id})", error=True
                )
            out.append(Outcome(issue_id, "-", "input", detail=str(exc)))
            continue
        for e in entries:
            sched.upsert(e)
            log.action(e.issue_id, e.target, "scheduled", f"{e.posts} post(s) from {fmt(e.due_at, e.zone)}")
        sched.mark_seen([path.name], "scheduled", now)
        out.append(Outcome(issue_id, ",".join(e.target for e in entries), "auto"))
    return out


def _still_changing(path: Path) -> bool:
    """True while a file may still be being written: changed within the last minute (by the clock,
    not the run's `now`: the file system's times are real)."""
    try:
        return time.time() - path.stat().st_mtime < AUTO_SETTLE
    except OSError:
        return False


def fetch_new_issues(config: "Config", debug: bool = False, progress: "Progress | None" = None) -> list[Outcome]:
    """Fetch `[issue] feed` before publishing: new items become issue files. A broken feed is one
    logged line and an `input` outcome; it never stops the run from publishing the rest."""
    from .feeds import display_url, fetch_feed, scrub

    try:
        fetched = fetch_feed(config, progress=progress)
    except InputError as exc:
        log.action("-", "feed", "failed", str(exc), error=True)
        return [Outcome("-", "feed", "input", detail=str(exc))]
    except Exception as exc:  # noqa: BLE001 - the feed must not starve the queue
        if debug:
            raise
        message = scrub(f"{display_url(config.issue.feed)}: {type(exc).__name__}: {exc}", config.issue.feed)
        log.action("-", "feed", "error", message, error=True)
        return [Outcome("-", "feed", "error", detail=message)]
    if fetched.not_modified:
        log.action("-", "feed", "unchanged", f"{fetched.url} (HTTP 304)")
    out: list[Outcome] = []
    for item in fetched.saved:
        log.action(item.issue_id, "feed", "fetched", item.url or item.title)
        out.append(Outcome(item.issue_id, "feed", "fetched"))
    for failed in fetched.failed:
        log.action("-", "feed", "skipped", failed.error, error=True)
        out.append(Outcome("-", "feed", "input", detail=failed.error))
    return out


# -- cron ------------------------------------------------------------------------------------------

PATH_ENV = ("CROSSPOST_CONFIG_DIR", "CROSSPOST_DATA_DIR", "CROSSPOST_SECRETS_FILE")  # paths, never secrets


def cron_schedule(every: str) -> str:
    """ "15m" -> "*/15 * * * *"; steps must divide the hour (or the day) so runs stay evenly spaced."""
    from .schedule import parse_duration

    seconds = int(parse_duration(every))
    minutes, rest = divmod(seconds, 60)
    if rest or minutes <= 0:
        raise InputError(f"--every {every}: use whole minutes, e.g. 15m, 1h")
    if minutes < 60 and 60 % minutes == 0:
        return "* * * * *" if minutes == 1 else f"*/{minutes} * * * *"
    hours, rest = divmod(minutes, 60)
    if rest == 0 and 24 % hours == 0:
        return "0 * * * *" if hours == 1 else f"0 */{hours} * * *"
    if minutes == 24 * 60:
        return "0 0 * * *"
    raise InputError(f"--every {every}: choose a step that divides an hour or a day (5m, 10m, 15m, 30m, 1h, 2h, 1d)")


def executable(argv0: str | None = None) -> list[str]:
    """How cron should start this crosspost: the resolved script, `crosspost` on PATH, or python -m."""
    import shutil
    import sys

    argv0 = sys.argv[0] if argv0 is None else argv0
    script = Path(argv0)
    if script.name == "crosspost" and script.exists():
        return [str(script.resolve())]
    found = shutil.which("crosspost")
    if found:
        return [str(Path(found).resolve())]
    return [str(Path(sys.executable).absolute()), "-m", "crosspost"]


def cron_line(config: "Config", every: str = "15m", argv0: str | None = None) -> str:
    """A crontab line: cd to the project, run quietly, append everything to <data dir>/cron.log."""
    import os
    import shlex

    from .credentials import data_dir

    env = " ".join(f"{k}={shlex.quote(os.environ[k])}" for k in PATH_ENV if os.environ.get(k))
    command = " ".join(shlex.quote(part) for part in executable(argv0))
    logfile = data_dir().absolute() / "cron.log"
    return (
        f"{cron_schedule(every)} cd {shlex.quote(str(config.root.absolute()))} && "
        f"{env + ' ' if env else ''}{command} run --quiet >> {shlex.quote(str(logfile))} 2>&1"
    )


def cron_setup(config: "Config", every: str = "15m") -> tuple[str, list[str]]:
    """What `crosspost cron` prints: the crontab line, once the data folder its log goes to is known to
    be writable, and the credential variables set in this shell, which cron will not have (a run
    from cron would find no credentials: they belong in the secrets file, `crosspost login`)."""
    import os

    from .credentials import data_dir, env_vars
    from .files import writable_folder

    line = cron_line(config, every)
    writable_folder(data_dir(), "the data folder (CROSSPOST_DATA_DIR)")  # cron's `>> cron.log` needs it
    in_env = sorted(v for names in env_vars().values() for v in names.values() if os.environ.get(v))
    return line, in_env
