"""The exactly-once publishing engine: plan + adapter + ledger -> every post sent once, in order.

How it stays exactly-once across crashes, timeouts and concurrent runs:
  * one run at a time per (issue, platform, account): an OS file lock next to the ledger;
  * a post is committed to the ledger as `sending` before its request leaves;
  * a row found in `sending`/`unknown` (died or timed out after the request left) is looked up
    with `adapter.find()` and adopted if present, before anything is sent again;
  * an outcome-unknown error is never answered by a resend in the same run: the run stops;
  * a thread is never restarted or forked: each post replies to the previous post's remote id;
  * a plan that changed after part of it went out stops the run before any request
    (PlanChanged, exit 2) unless `replan=True`;
  * an undone issue is never sent again unless asked (`again=True`: Undone, exit 2), and a caller
    that can be overruled while it waits (a scheduled run, by `undo` or `unschedule`) passes
    `still_wanted`, asked under the lock before every request;
  * a lookup adopts only posts made after the request left (`since`), and waits out the
    platform's listing lag (`lookup_settle`) before it concludes "not there".

`platform` in ledger keys is the *target adapter's* name, so an X-shaped plan published to the
outbox is tracked separately from the same plan published to X.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field, replace
from typing import Callable

from .errors import CrosspostError, PlatformError
from .ledger import BACKOFF, LIMIT, LIVE, MAYBE_SENT, Key, Ledger, Row
from .model import Plan, Post
from .platforms.base import Adapter, Published
from .progress import Progress, or_silent

KILL_ENV = "CROSSPOST_TEST_KILL_AT"
BACKOFF_BASE = 60.0  # seconds before the first retry after a transient error
BACKOFF_MAX = 3600.0
LIMIT_MAX = 25 * 3600.0  # no platform limit lasts longer (X's daily cap resets within 24 h)
CLOCK_SKEW = 600.0  # find() adopts posts made up to this long before our clock says we sent
_sleep = time.sleep  # tests replace it to wait out lookup_settle instantly

EventHook = Callable[[str, int, str], None]  # (what, position, detail)


def _crash_point(name: str) -> None:
    """Test hook: die like a power cut (SIGKILL, no cleanup) when $CROSSPOST_TEST_KILL_AT == name."""
    target = os.environ.get(KILL_ENV)
    if target and target == name:
        os.kill(os.getpid(), signal.SIGKILL)


class PlanChanged(CrosspostError):
    """The issue changed after part of it was published; publishing it as-is would mix versions."""

    exit_code = 2


class Undone(CrosspostError):
    """The issue was undone on this platform; it goes out again only when asked explicitly."""

    exit_code = 2


@dataclass
class PostResult:
    position: int
    state: str  # posted | already | adopted | pending | failed | deferred | deleted | scheduled
    url: str | None = None
    remote_id: str | None = None
    error: str | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


DONE = ("posted", "already", "adopted", "deleted")
NOT_YET_DUE = "scheduled"  # beyond `upto`: left for a later run, not a failure
CANCELLED = "cancelled"  # undone or unscheduled while this run waited: not sent, not a failure


@dataclass
class Report:
    issue_id: str
    platform: str  # the target adapter
    account: str
    results: list[PostResult] = field(default_factory=list)
    write_calls: int = 0  # publish/delete requests made by this run
    find_calls: int = 0  # read-only lookups made by this run
    notes: list[str] = field(default_factory=list)  # what a replan did, for the person who asked

    @property
    def exit_code(self) -> int:
        """0 when everything due is done (or there was nothing to do), 1 when work is left."""
        return 0 if all(r.state in DONE or r.state in (NOT_YET_DUE, CANCELLED) for r in self.results) else 1

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r.state] = out.get(r.state, 0) + 1
        return out

    def to_dict(self) -> dict:
        return {
            "issue_id": self.issue_id,
            "platform": self.platform,
            "account": self.account,
            "exit_code": self.exit_code,
            "write_calls": self.write_calls,
            "find_calls": self.find_calls,
            "notes": self.notes,
            "counts": self.counts(),
            "results": [r.to_dict() for r in self.results],
        }


@dataclass
class UndoReport(Report):
    """What `undo` did (crosspost.api.undo): the deletions, as a Report, and what else changed with them.

    Its JSON (`to_dict`) is a Report's: `crosspost undo --json` prints only the deletions."""

    unscheduled: list = field(default_factory=list)  # schedule entries removed, so `run` does not send it again
    no_ledger: bool = False  # no ledger in the project: nothing was ever published from it, nothing was done


def backoff(attempts: int) -> float:
    """Seconds to wait after the n-th failed attempt: 60 s, 120 s, 240 s ... capped at an hour."""
    return min(BACKOFF_BASE * 2 ** max(min(attempts, 30) - 1, 0), BACKOFF_MAX)


def waits(row: Row, now: float, *, retry_now: bool = False) -> bool:
    """True while `row` must not be retried yet.

    A backoff is for cron: a person re-running the command (`retry_now`) retries at once. A
    platform limit is always respected. A wait longer than any backoff or limit can be was
    stored while the clock was wrong (say two years fast): it is over.
    """
    if row.state != "pending" or not row.next_attempt_at or row.next_attempt_at <= now:
        return False
    if row.wait_kind == BACKOFF or not row.wait_kind:
        return not retry_now and row.next_attempt_at <= now + BACKOFF_MAX
    return row.next_attempt_at <= now + LIMIT_MAX


def _waiting(row: Row) -> str:
    """Why a post waits and until when: "rate limited (...): retrying after 14:05 UTC"."""
    from datetime import datetime, timezone

    when = datetime.fromtimestamp(row.next_attempt_at or 0, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    why = row.error or "an earlier failure"
    if row.wait_kind == LIMIT:
        return f"{why} — the platform's limit holds it until {when}"
    return f"{why} — retrying after {when} (run the command yourself to retry now)"


def _short(text: str, n: int = 40) -> str:
    one = " ".join(text.split())
    return repr(one if len(one) <= n else one[: n - 1] + "…")


def _check_unchanged(plan: Plan, rows: dict[int, Row], issue_id: str, platform: str, upto: int | None = None) -> None:
    """Raise PlanChanged if a post that may be on the platform differs from the plan.

    With `upto` (a drip publishing only its due prefix), positions beyond it that never went
    out are not part of the comparison: a not-yet-due tail is free to change.
    """
    if upto is not None:
        rows = {pos: r for pos, r in rows.items() if pos <= upto or r.state in LIVE}
    live = {pos: r for pos, r in rows.items() if r.state in LIVE}
    if not live:
        return  # nothing went out: a new plan simply replaces the old one
    diffs: list[str] = []
    for pos, row in sorted(live.items()):
        if pos > len(plan.posts) or row.plan_hash == "":
            continue
        new = plan.posts[pos - 1]
        if new.content_hash() != row.plan_hash:
            maybe = "" if row.state == "posted" else f" (maybe sent: {row.state})"
            if new.text != row.text:
                diffs.append(f"post {pos}{maybe} {_short(row.text)} -> {_short(new.text)}")
            else:
                diffs.append(f"post {pos}{maybe} images or alt text changed")
    planned = [pos for pos, r in rows.items() if not (r.state in LIVE and r.plan_hash == "")]
    recorded = max(planned, default=0)
    expected = len(plan.posts) if upto is None else min(len(plan.posts), max(upto, recorded))
    if recorded != expected:
        diffs.append(f"{recorded} posts -> {len(plan.posts)} posts")
    if diffs:
        raise PlanChanged(
            f"{issue_id} changed after part of it was published to {platform}: "
            + "; ".join(diffs)
            + " — publish with replan to keep what is posted and send the rest from the new plan"
        )


class _Run:
    """State of one publish run: the report, the event hook and the clock."""

    def __init__(
        self,
        plan: Plan,
        adapter: Adapter,
        ledger: Ledger,
        account: str,
        on_event,
        now,
        retry_now: bool = False,
        still_wanted: "Callable[[], str | None] | None" = None,
        fingerprint: str = "",
        progress: Progress | None = None,
    ):
        self.plan, self.adapter, self.ledger, self.account = plan, adapter, ledger, account
        self.platform = adapter.name
        self.on_event = on_event
        self.now = now
        self.retry_now = retry_now
        self.still_wanted = still_wanted
        self.fingerprint = fingerprint or plan.fingerprint()
        self.adopted: set[int] = set()  # positions found on the platform before the walk (replan)
        self.report = Report(plan.issue_id, self.platform, account)
        self.progress = or_silent(progress)
        self.walking = False  # a step is shown for each post only during the walk (its total is known)

    def key(self, position: int) -> Key:
        return Key(self.plan.issue_id, self.platform, self.account, position)

    def emit(self, what: str, position: int, detail: str = "") -> None:
        if self.on_event is not None:
            self.on_event(what, position, detail)

    def result(self, position: int, state: str, row: Row | None = None, error: str | None = None) -> None:
        self.report.results.append(
            PostResult(
                position,
                state,
                url=row.url if row else None,
                remote_id=row.remote_id if row else None,
                error=error if error is not None else (row.error if row and state != "posted" else None),
            )
        )
        self.emit(state, position, error or (row.url if row and row.url else "") or "")
        if self.walking:
            self.progress.advance(_step(position, len(self.plan.posts), state, error or (row.error if row else None)))

    def find(
        self, post: Post, reply_to: str | None, position: int, sent_at: float | None, *, settle: bool = True
    ) -> Published | None:
        """adapter.find() for a post sent at `sent_at`, ignoring a match another position owns.

        Only a post made after the request left (less clock skew) may be adopted: an older post
        with the same text is someone else's. Two posts with the same text (an Instagram plan,
        say) must not adopt the same remote post. A platform whose listing lags
        (`lookup_settle`) is asked again, for at most that long after the request left, before
        the answer "not there" is believed (not with `settle=False`: right after the error, the
        run stops anyway and the next one does the waiting).
        """
        since = sent_at - CLOCK_SKEW if sent_at else None
        self.report.find_calls += 1
        found = self.adapter.find(post, reply_to, since=since)
        wait = float(getattr(self.adapter, "lookup_settle", 0.0) or 0.0)
        if found is None and settle and wait > 0 and sent_at:
            remaining = min(wait, sent_at + wait - time.time())  # a clock set back: at most `wait`
            step = min(5.0, wait)
            if remaining > 0:
                self.progress.waiting(
                    time.time() + remaining, f"waiting for {self.platform} to list post {position} (its listing lags)"
                )
            while found is None and remaining > 0:
                pause = min(step, remaining)
                _sleep(pause)
                remaining -= pause
                step *= 2
                self.report.find_calls += 1
                found = self.adapter.find(post, reply_to, since=since)
        if found is None:
            return None
        owners = [
            r.position
            for r in self.ledger.rows(self.plan.issue_id, self.platform, self.account)
            if r.remote_id == found.remote_id and r.state == "posted" and r.position != position
        ]
        return None if owners else found


def publish_plan(
    plan: Plan,
    adapter: Adapter,
    ledger: Ledger,
    *,
    replan: bool = False,
    on_event: EventHook | None = None,
    progress: Progress | None = None,
    now: Callable[[], float] = time.time,
    lock_timeout: float = 900.0,
    upto: int | None = None,
    again: bool = False,
    retry_now: bool = False,
    still_wanted: Callable[[], str | None] | None = None,
) -> Report:
    """Publish `plan` through `adapter`, exactly once per post, resuming whatever a past run left.

    Raises PlanChanged (exit 2) when posts already out differ from the plan and `replan` is
    False, Undone (exit 2) when the issue was undone here and `again` is False, and LedgerBusy
    when another run holds the lock for longer than `lock_timeout`.
    `now` is the clock used for backoff (tests pass a later time to retry at once).
    `upto`: publish only posts 1..upto (a drip's due prefix); later ones are reported as
    `scheduled`, which does not count as work left (exit code 0).
    `retry_now`: a person typed the command: posts waiting on backoff are retried at once
    (a platform's rate limit is still respected).
    `still_wanted`: asked under the lock before every request; a reason (str) cancels the rest.
    `progress` (crosspost.progress): told of each post as it goes out or is skipped, one step per
    post of the plan, and of any wait (the publish lock, a platform's listing lag).
    """
    begin = getattr(adapter, "begin", None)
    if callable(begin):
        begin(plan)  # optional hook, before account(): the outbox keys and files by plan
    account = adapter.account()
    with ledger.lock(plan.issue_id, adapter.name, account, timeout=lock_timeout, progress=progress):
        _adopt_legacy_keys(adapter, ledger, account)
        rows = {r.position: r for r in ledger.rows(plan.issue_id, adapter.name, account)}
        undone = [pos for pos, r in rows.items() if r.state == "deleted"]
        if undone and not again:
            raise Undone(
                f"{plan.issue_id} was undone on {adapter.name} ({len(undone)} post(s) deleted); it is not "
                "published again unless you ask: add --again (or schedule it again)"
            )
        if again:
            ledger.reopen(plan.issue_id, adapter.name, plan.platform)
            rows = {r.position: r for r in ledger.rows(plan.issue_id, adapter.name, account)}
        fingerprint = plan.fingerprint()  # what the writer's issue says, before it is laid over what is out
        accepted = replan or _accepted(fingerprint, rows)
        if not accepted:
            _check_unchanged(plan, rows, plan.issue_id, adapter.name, upto)
        run = _Run(plan, adapter, ledger, account, on_event, now, retry_now, still_wanted, fingerprint, progress)
        if accepted:
            from .replan import continues, reconcile

            if not continues(plan, list(rows.values())):
                # Replanning keeps what is out; first learn what is out. A post that may have been
                # sent is looked up: found, it is out (and stays); not there, it never went out and
                # is not sent now unless the new plan still has it.
                if not _resolve_maybe_sent(run, rows):
                    return run.report
                rows = {r.position: r for r in ledger.rows(plan.issue_id, adapter.name, account)}
            fitted = reconcile(plan, list(rows.values()))
            if replan:
                run.report.notes.append(f"replan: {fitted.summary()}")
            if upto is not None and upto >= len(plan.posts):
                upto = len(fitted.plan.posts)  # everything was due: so is the replanned thread's tail
            plan = run.plan = fitted.plan
        ledger.record_plan(plan, account, platform=adapter.name, accept=accepted, fingerprint=fingerprint)
        _walk(run, upto)
        return run.report


def _resolve_maybe_sent(run: "_Run", rows: dict[int, Row]) -> bool:
    """Settle every `sending`/`unknown` row by a lookup; False (the run stops) if a lookup failed."""
    for row in sorted(rows.values(), key=lambda r: r.position):
        if row.state not in MAYBE_SENT:
            continue
        looked, found = _look_for(run, row, row.post())
        if not looked:
            return False
        if found is not None:
            run.adopted.add(row.position)
        else:
            run.ledger.mark_pending(run.key(row.position), error="the earlier request did not land")
    return True


def _look_for(run: "_Run", row: Row, post: Post) -> tuple[bool, Row | None]:
    """Look for a maybe-sent row's post on the platform: (True, the row now `posted`) when found
    and adopted, (True, None) when not there, (False, None) when the lookup failed (recorded)."""
    key = run.key(row.position)
    try:
        found = run.find(post, row.reply_to, row.position, row.claimed_at)
    except PlatformError as exc:
        run.ledger.mark_unknown(key, f"lookup failed: {exc}")
        run.result(row.position, "pending", error=f"outcome unknown, lookup failed: {exc}")
        return False, None
    if found is None:
        return True, None
    return True, run.ledger.mark_posted(key, found.remote_id, found.url, adopted=True)


def _accepted(fingerprint: str, rows: dict[int, Row]) -> bool:
    """True when the plan with this fingerprint was accepted by an earlier replan (every post out
    carries it): it is laid over what is out the same way again, without asking again."""
    live = [r for r in rows.values() if r.state in LIVE]
    return bool(live) and all(r.fingerprint == fingerprint for r in live)


def _adopt_legacy_keys(adapter: Adapter, ledger: Ledger, account: str) -> None:
    """Move rows an older crosspost keyed by a login name or a path to the stable account id."""
    legacy = getattr(adapter, "legacy_accounts", None)
    for old in legacy() if callable(legacy) else []:
        ledger.move_account(adapter.name, old, account)


def _walk(run: _Run, upto: int | None = None) -> None:
    run.progress.start(len(run.plan.posts), f"publishing {run.plan.issue_id} to {run.platform}")
    run.walking = True
    try:
        _walk_posts(run, upto)
    finally:
        run.walking = False
        run.progress.done()


def _step(position: int, total: int, state: str, error: str | None) -> str:
    """What became of one post, for a progress display: "post 3/12 sent"."""
    words = {
        "posted": "sent",
        "already": "already out",
        "adopted": "found out already (adopted)",
        NOT_YET_DUE: "not due yet",
        "deferred": "deferred",
        "pending": "not sent",
        "failed": "failed",
        CANCELLED: "cancelled",
    }
    said = f"post {position}/{total} {words.get(state, state)}"
    return f"{said}: {error}" if error and state not in DONE else said


def _walk_posts(run: _Run, upto: int | None = None) -> None:
    plan = run.plan
    reply_to: str | None = None
    stopped_at: int | None = None
    cancelled: str | None = None
    for position, post in enumerate(plan.posts, start=1):
        if upto is not None and position > upto:
            run.result(position, NOT_YET_DUE)
            continue
        if cancelled is None and stopped_at is None and run.still_wanted is not None:
            row = run.ledger.get(*run.key(position))
            if row is not None and row.state != "posted":
                cancelled = run.still_wanted()
        if cancelled is not None:
            run.result(position, CANCELLED, error=cancelled)
            continue
        if stopped_at is not None:
            # Later posts wait: in a thread they reply to this one; elsewhere order still matters.
            run.result(position, "pending", error=f"waiting for post {stopped_at}")
            continue
        row = run.ledger.get(*run.key(position))
        assert row is not None  # record_plan created it
        published = _publish_one(run, position, post, row, reply_to)
        if published is None:
            stopped_at = position
            continue
        if plan.thread:
            reply_to = published


def _publish_one(run: _Run, position: int, post: Post, row: Row, reply_to: str | None) -> str | None:
    """Bring one post to `posted`; return its remote id, or None when the run must stop here."""
    key = run.key(position)
    if row.state == "posted":
        run.result(position, "adopted" if position in run.adopted else "already", row)
        return row.remote_id

    if row.state in MAYBE_SENT:
        # The request may have been applied: look before sending again. After a replan the
        # row still describes what may have been sent, so look for *that* post.
        looked_for = replace(post, intent=row.intent) if row.content_hash == post.content_hash() else row.post()
        looked, adopted = _look_for(run, row, looked_for)
        if not looked:
            return None
        if adopted is not None:
            run.result(position, "adopted", adopted)
            return adopted.remote_id
        run.ledger.log(key, "not-found", "earlier request did not land; sending")

    if waits(row, run.now(), retry_now=run.retry_now):
        run.result(position, "deferred", row, error=_waiting(row))
        return None

    sending = run.ledger.mark_sending(
        key,
        post,
        reply_to=reply_to,
        fingerprint=run.fingerprint,
        plan_platform=run.plan.platform,
        intent=run.adapter.intent(post, reply_to) if hasattr(run.adapter, "intent") else None,
    )
    post = replace(post, intent=sending.intent)  # the stored token, the same on every send
    _crash_point(f"before-send:{position}")
    run.report.write_calls += 1
    run.emit("sending", position, "")
    run.progress.advance(f"post {position}/{len(run.plan.posts)} sending", steps=0)
    try:
        published = run.adapter.publish(post, reply_to)
    except PlatformError as exc:
        return _handle_error(run, position, post, reply_to, exc, sending)
    except BaseException as exc:
        # Anything unexpected (a bug, Ctrl-C) after the request may have left: maybe sent.
        run.ledger.mark_unknown(key, f"interrupted: {type(exc).__name__}: {exc}")
        raise
    _crash_point(f"after-send:{position}")
    row = run.ledger.mark_posted(key, published.remote_id, published.url)
    _crash_point(f"after-record:{position}")
    run.result(position, "posted", row)
    return row.remote_id


def _handle_error(
    run: _Run, position: int, post: Post, reply_to: str | None, exc: PlatformError, sending: Row
) -> str | None:
    """Record a refused or failed request; return a remote id only if the post turned out to exist."""
    key = run.key(position)
    message = str(exc)
    attempts = sending.attempts
    if exc.outcome_unknown:
        run.ledger.mark_unknown(key, message)
        try:
            found = run.find(post, reply_to, position, sending.sent_at, settle=False)
        except PlatformError as lookup:
            found = None
            message = f"{message}; lookup failed: {lookup}"
        if found is not None:
            row = run.ledger.mark_posted(key, found.remote_id, found.url, adopted=True)
            run.result(position, "adopted", row)
            return row.remote_id
        run.result(position, "pending", error=f"outcome unknown (will look again before resending): {message}")
        return None
    if exc.needs_person:
        run.ledger.mark_failed(key, message)
        run.result(position, "failed", error=message)
        return None
    if exc.retry_at is not None:
        until = min(exc.retry_at, run.now() + LIMIT_MAX)
        row = run.ledger.mark_pending(key, error=message, next_attempt_at=until, wait_kind=LIMIT)
        run.result(position, "deferred", row, error=_waiting(row))
        return None
    if exc.transient:
        row = run.ledger.mark_pending(key, error=message, next_attempt_at=run.now() + backoff(attempts))
        run.result(position, "pending", row, error=message)
        return None
    # An unflagged refusal: the adapter says it did not work and gave no reason to retry.
    run.ledger.mark_failed(key, message)
    run.result(position, "failed", error=message)
    return None


def undo(issue_id: str, platform: str, adapter: Adapter, ledger: Ledger, *, lock_timeout: float = 900.0) -> Report:
    """Delete what was published for `issue_id` on `platform` (last post first) and record it.

    Rows that may have been sent (`sending`/`unknown`) are looked up first and deleted if found.
    Stops at the first delete the platform refuses; what is left stays `posted`. A target that
    received several plans of the issue (the outbox gets the X thread and the Instagram cards)
    is undone plan by plan, each under its own ledger account.
    """
    live = [r for r in ledger.rows(issue_id, platform) if r.state in LIVE]
    plan_platforms = sorted({r.plan_platform or platform for r in live}) or [platform]
    report: Report | None = None
    for plan_platform in plan_platforms:
        adapter.begin(Plan(plan_platform, issue_id, []))
        part = _undo_account(issue_id, platform, adapter, ledger, lock_timeout)
        if report is None:
            report = part
        else:
            report.results.extend(part.results)
            report.write_calls += part.write_calls
            report.find_calls += part.find_calls
    assert report is not None
    return report


def _undo_account(issue_id: str, platform: str, adapter: Adapter, ledger: Ledger, lock_timeout: float) -> Report:
    account = adapter.account()
    report = Report(issue_id, platform, account)
    with ledger.lock(issue_id, platform, account, timeout=lock_timeout):
        _adopt_legacy_keys(adapter, ledger, account)
        rows = [r for r in ledger.rows(issue_id, platform, account) if r.state in LIVE]
        for row in sorted(rows, key=lambda r: r.position, reverse=True):
            remote_id = row.remote_id
            if row.state in MAYBE_SENT:
                report.find_calls += 1
                try:
                    found = adapter.find(row.post(), row.reply_to, since=row.claimed_at - CLOCK_SKEW)
                except PlatformError as exc:
                    report.results.append(PostResult(row.position, "failed", error=f"lookup failed: {exc}"))
                    break
                if found is None:
                    ledger.mark_deleted(row.key, "never landed")
                    report.results.append(PostResult(row.position, "deleted"))
                    continue
                remote_id = found.remote_id
            report.write_calls += 1
            try:
                adapter.delete(remote_id)  # type: ignore[arg-type]
            except PlatformError as exc:
                ledger.log(row.key, "delete-failed", str(exc))
                report.results.append(PostResult(row.position, "failed", row.url, remote_id, str(exc)))
                break
            ledger.mark_deleted(row.key, remote_id or "")
            report.results.append(PostResult(row.position, "deleted", row.url, remote_id))
    report.results.sort(key=lambda r: r.position)
    return report


def status(ledger: Ledger, issue_id: str | None = None) -> list[dict]:
    """One JSON-friendly dict per issue/platform/account/position: state, url, why, when."""
    out = []
    for r in ledger.rows(issue_id=issue_id):
        out.append(
            {
                "issue_id": r.issue_id,
                "platform": r.platform,
                "plan_platform": r.plan_platform,
                "account": r.account,
                "position": r.position,
                "state": r.state,
                "url": r.url,
                "remote_id": r.remote_id,
                "error": r.error,
                "attempts": r.attempts,
                "next_attempt_at": _iso(r.next_attempt_at),
                "updated_at": _iso(r.updated_at),
                "text": r.text if len(r.text) <= 80 else r.text[:79] + "…",
            }
        )
    return out


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds")
