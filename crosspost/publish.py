"""The exactly-once publishing engine: plan + adapter + ledger -> every post sent once, in order.

How it stays exactly-once across crashes, timeouts and concurrent runs:
  * one run at a time per (issue, platform, account): an OS file lock next to the ledger;
  * a post is committed to the ledger as `sending` before its request leaves;
  * a row found in `sending`/`unknown` (died or timed out after the request left) is looked up
    with `adapter.find()` and adopted if present, before anything is sent again;
  * an outcome-unknown error is never answered by a resend in the same run: the run stops;
  * a thread is never restarted or forked: each post replies to the previous post's remote id;
  * a plan that changed after part of it went out stops the run before any request
    (PlanChanged, exit 2) unless `replan=True`.

`platform` in ledger keys is the *target adapter's* name, so an X-shaped plan published to the
outbox is tracked separately from the same plan published to X.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from typing import Callable

from .errors import CrosspostError, PlatformError
from .ledger import LIVE, MAYBE_SENT, Key, Ledger, Row
from .model import Plan, Post
from .platforms.base import Adapter, Published

KILL_ENV = "CROSSPOST_TEST_KILL_AT"
BACKOFF_BASE = 60.0  # seconds before the first retry after a transient error
BACKOFF_MAX = 3600.0

EventHook = Callable[[str, int, str], None]  # (what, position, detail)


def _crash_point(name: str) -> None:
    """Test hook: die like a power cut (SIGKILL, no cleanup) when $CROSSPOST_TEST_KILL_AT == name."""
    target = os.environ.get(KILL_ENV)
    if target and target == name:
        os.kill(os.getpid(), signal.SIGKILL)


class PlanChanged(CrosspostError):
    """The issue changed after part of it was published; publishing it as-is would mix versions."""

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


@dataclass
class Report:
    issue_id: str
    platform: str  # the target adapter
    account: str
    results: list[PostResult] = field(default_factory=list)
    write_calls: int = 0  # publish/delete requests made by this run
    find_calls: int = 0  # read-only lookups made by this run

    @property
    def exit_code(self) -> int:
        """0 when everything due is done (or there was nothing to do), 1 when work is left."""
        return 0 if all(r.state in DONE or r.state == NOT_YET_DUE for r in self.results) else 1

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
            "counts": self.counts(),
            "results": [r.to_dict() for r in self.results],
        }


def backoff(attempts: int) -> float:
    """Seconds to wait after the n-th failed attempt: 60 s, 120 s, 240 s ... capped at an hour."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def _short(text: str, n: int = 40) -> str:
    one = " ".join(text.split())
    return repr(one if len(one) <= n else one[: n - 1] + "…")


def _check_unchanged(
    plan: Plan, rows: dict[int, Row], issue_id: str, platform: str, upto: int | None = None
) -> None:
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

    def __init__(self, plan: Plan, adapter: Adapter, ledger: Ledger, account: str, on_event, now):
        self.plan, self.adapter, self.ledger, self.account = plan, adapter, ledger, account
        self.platform = adapter.name
        self.on_event = on_event
        self.now = now
        self.report = Report(plan.issue_id, self.platform, account)

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

    def find(self, post: Post, reply_to: str | None, position: int) -> Published | None:
        """adapter.find(), ignoring a match that another position of this plan already owns.

        Two posts with the same text (an Instagram plan, say) must not adopt the same remote post.
        """
        self.report.find_calls += 1
        found = self.adapter.find(post, reply_to)
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
    now: Callable[[], float] = time.time,
    lock_timeout: float = 900.0,
    upto: int | None = None,
) -> Report:
    """Publish `plan` through `adapter`, exactly once per post, resuming whatever a past run left.

    Raises PlanChanged (exit 2) when posts already out differ from the plan and `replan` is
    False, and LedgerBusy when another run holds the lock for longer than `lock_timeout`.
    `now` is the clock used for backoff (tests pass a later time to retry at once).
    `upto`: publish only posts 1..upto (a drip's due prefix); later ones are reported as
    `scheduled`, which does not count as work left (exit code 0).
    """
    prepare = getattr(adapter, "prepare", None)
    if callable(prepare):
        prepare(plan)  # optional hook, before account(): the outbox keys and files by plan
    account = adapter.account()
    with ledger.lock(plan.issue_id, adapter.name, account, timeout=lock_timeout):
        rows = {r.position: r for r in ledger.rows(plan.issue_id, adapter.name, account)}
        if not replan:
            _check_unchanged(plan, rows, plan.issue_id, adapter.name, upto)
        ledger.record_plan(plan, account, platform=adapter.name, accept=replan)
        run = _Run(plan, adapter, ledger, account, on_event, now)
        _walk(run, upto)
        return run.report


def _walk(run: _Run, upto: int | None = None) -> None:
    plan = run.plan
    reply_to: str | None = None
    stopped_at: int | None = None
    for position, post in enumerate(plan.posts, start=1):
        if upto is not None and position > upto:
            run.result(position, NOT_YET_DUE)
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
        run.result(position, "already", row)
        return row.remote_id

    if row.state in MAYBE_SENT:
        # The request may have been applied: look before sending again. After a replan the
        # row still describes what may have been sent, so look for *that* post.
        looked_for = post if row.content_hash == post.content_hash() else row.post()
        try:
            found = run.find(looked_for, row.reply_to, position)
        except PlatformError as exc:
            run.ledger.mark_unknown(key, f"lookup failed: {exc}")
            run.result(position, "pending", error=f"outcome unknown, lookup failed: {exc}")
            return None
        if found is not None:
            row = run.ledger.mark_posted(key, found.remote_id, found.url, adopted=True)
            run.result(position, "adopted", row)
            return row.remote_id
        run.ledger.log(key, "not-found", "earlier request did not land; sending")

    if row.state == "pending" and row.next_attempt_at and row.next_attempt_at > run.now():
        run.result(position, "deferred", row, error=row.error or "waiting to retry")
        return None

    sending = run.ledger.mark_sending(
        key, post, reply_to=reply_to, fingerprint=run.plan.fingerprint(), plan_platform=run.plan.platform
    )
    _crash_point(f"before-send:{position}")
    run.report.write_calls += 1
    run.emit("sending", position, "")
    try:
        published = run.adapter.publish(post, reply_to)
    except PlatformError as exc:
        return _handle_error(run, position, post, reply_to, exc, sending.attempts)
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
    run: _Run, position: int, post: Post, reply_to: str | None, exc: PlatformError, attempts: int
) -> str | None:
    """Record a refused or failed request; return a remote id only if the post turned out to exist."""
    key = run.key(position)
    message = str(exc)
    if exc.outcome_unknown:
        run.ledger.mark_unknown(key, message)
        try:
            found = run.find(post, reply_to, position)
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
        row = run.ledger.mark_pending(key, error=message, next_attempt_at=exc.retry_at)
        run.result(position, "deferred", row, error=message)
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
        adapter.prepare(Plan(plan_platform, issue_id, []))
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
        rows = [r for r in ledger.rows(issue_id, platform, account) if r.state in LIVE]
        for row in sorted(rows, key=lambda r: r.position, reverse=True):
            remote_id = row.remote_id
            if row.state in MAYBE_SENT:
                report.find_calls += 1
                try:
                    found = adapter.find(row.post(), row.reply_to)
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
