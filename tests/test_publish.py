"""The exactly-once engine against a scriptable fake platform: failures, re-runs, plan changes, undo."""

from __future__ import annotations

import threading
import re
import time

import pytest
from fakeplatform import KINDS, FakeAdapter, assert_thread_exactly_once, make_plan
from conftest import run_until_done
from fakex import fake_x  # noqa: F401  (pytest fixture)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crosspost.ledger import Ledger, LedgerBusy
from pg import database, pg_db, pg_server  # noqa: F401, E402 - fixtures: the engine on both backends
from crosspost.publish import PlanChanged, Undone, backoff, publish_plan, status, undo


@pytest.fixture
def env(tmp_path, database):
    """A ledger (in the SQLite file, then in PostgreSQL), the fake platform's folder and a plan."""
    ledger = Ledger(database)
    plan = make_plan(tmp_path / "cards")
    yield tmp_path, ledger, plan
    ledger.close()


def texts(plan):
    return [p.text for p in plan.posts]


def test_thread_published_once_in_order_with_replies(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json")
    report = publish_plan(plan, fake, ledger)
    assert report.exit_code == 0
    assert [r.state for r in report.results] == ["posted"] * 10
    assert report.write_calls == 10 and report.find_calls == 0
    assert_thread_exactly_once(fake, texts(plan))
    assert [p["media"][0]["alt_text"] for p in fake.live_posts()] == [p.media[0].alt_text for p in plan.posts]
    rows = ledger.rows(plan.issue_id)
    assert [r.state for r in rows] == ["posted"] * 10
    assert [r.url for r in rows] == [r.url for r in report.results]
    assert all(r.platform == "fake" and r.plan_platform == "x" for r in rows)


def test_immediate_rerun_makes_no_call_at_all(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json")
    publish_plan(plan, fake, ledger)
    before = fake.state()
    again = publish_plan(plan, fake, ledger)
    assert again.exit_code == 0
    assert again.write_calls == 0 and again.find_calls == 0
    assert [r.state for r in again.results] == ["already"] * 10
    after = fake.state()
    assert (after["publish_calls"], after["find_calls"]) == (before["publish_calls"], before["find_calls"])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("call", range(1, 11))
def test_failure_at_each_request_then_rerun_is_exactly_once(tmp_path, database, kind, call):
    ledger = Ledger(database)
    plan = make_plan(tmp_path / "cards")
    fake = FakeAdapter(tmp_path / "fake.json", script={call: kind})
    if kind == "error_stored":
        with pytest.raises(ConnectionResetError):
            publish_plan(plan, fake, ledger)
        assert ledger.get(plan.issue_id, "fake", "fake-account", call).state == "unknown"
    else:
        first = publish_plan(plan, fake, ledger)
        failed_at = call if kind != "unknown_stored" else None
        if failed_at:
            assert first.exit_code == 1
            assert [r.state for r in first.results[: call - 1]] == ["posted"] * (call - 1)
            assert all(r.state == "pending" for r in first.results[call:])
            expected = {
                "transient": "pending",
                "needs_person": "failed",
                "retry_at": "deferred",
                "unknown_lost": "pending",
                "unknown_hidden": "pending",
                "refused": "failed",
            }[kind]
            assert first.results[call - 1].state == expected
            assert first.results[call - 1].error
        else:
            assert first.exit_code == 0 and first.results[call - 1].state == "adopted"
    run_until_done(plan, fake, ledger)
    assert_thread_exactly_once(fake, texts(plan))
    stored_on_failure = kind in ("unknown_stored", "unknown_hidden", "error_stored")
    # Exactly one extra request when the failed one did not land; none when it did (adopted).
    assert fake.state()["publish_calls"] == (10 if stored_on_failure else 11)
    ledger.close()


def test_outcome_unknown_not_found_stops_and_never_sends_a_variant(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", script={4: "unknown_lost"})
    report = publish_plan(plan, fake, ledger)
    assert report.exit_code == 1
    assert report.write_calls == 4  # stopped right after the unknown one
    assert report.find_calls == 1  # looked for it at once
    row = ledger.get(plan.issue_id, "fake", "fake-account", 4)
    assert row.state == "unknown" and "timed out" in row.error
    # the next run looks again first, does not find it, and sends it replying to post 3
    again = publish_plan(plan, fake, ledger)
    assert again.find_calls == 1 and again.write_calls == 7
    assert_thread_exactly_once(fake, texts(plan))


def test_post_that_landed_but_was_not_visible_yet_is_adopted_on_the_next_run(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", script={2: "unknown_hidden"})
    first = publish_plan(plan, fake, ledger)
    assert first.results[1].state == "pending" and first.exit_code == 1
    second = publish_plan(plan, fake, ledger)
    assert second.results[1].state == "adopted"
    assert second.write_calls == 8  # posts 3..10; post 2 was never sent twice
    assert_thread_exactly_once(fake, texts(plan))


def test_lookup_failure_leaves_unknown_and_sends_nothing(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", script={3: "unknown_lost"}, find_script={1: "transient", 2: "transient"})
    first = publish_plan(plan, fake, ledger)
    assert first.write_calls == 3 and first.exit_code == 1
    second = publish_plan(plan, fake, ledger)  # lookup fails again: still nothing sent
    assert second.write_calls == 0 and second.results[2].state == "pending"
    assert ledger.get(plan.issue_id, "fake", "fake-account", 3).state == "unknown"
    run_until_done(plan, fake, ledger)
    assert_thread_exactly_once(fake, texts(plan))


def test_x_style_duplicate_answer_is_resolved_by_lookup(env):
    """X answers a resend of a post that landed with a duplicate-content 403: adopt, never vary."""
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", reject_duplicates=True, script={5: "unknown_hidden"})
    publish_plan(plan, fake, ledger)
    run_until_done(plan, fake, ledger)
    assert_thread_exactly_once(fake, texts(plan))


def test_transient_backs_off_and_the_rerun_waits_for_it(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", script={1: "transient", 2: "transient"})
    t0 = 1_000_000.0
    publish_plan(plan, fake, ledger, now=lambda: t0)
    row = ledger.get(plan.issue_id, "fake", "fake-account", 1)
    assert (row.state, row.attempts, row.next_attempt_at) == ("pending", 1, t0 + backoff(1))
    early = publish_plan(plan, fake, ledger, now=lambda: t0 + 30)
    assert early.write_calls == 0 and early.results[0].state == "deferred"
    publish_plan(plan, fake, ledger, now=lambda: t0 + backoff(1) + 1)
    row = ledger.get(plan.issue_id, "fake", "fake-account", 1)
    assert (row.attempts, row.next_attempt_at) == (2, t0 + backoff(1) + 1 + backoff(2))
    assert backoff(1) < backoff(2) < backoff(20) == 3600
    run_until_done(plan, fake, ledger)
    assert_thread_exactly_once(fake, texts(plan))


def test_rate_limit_defers_until_retry_at(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", script={6: "retry_at"})
    first = publish_plan(plan, fake, ledger)
    assert first.results[5].state == "deferred" and first.exit_code == 1
    retry_at = ledger.get(plan.issue_id, "fake", "fake-account", 6).next_attempt_at
    assert retry_at > time.time() + 3000
    second = publish_plan(plan, fake, ledger)  # now < retry_at: nothing is sent
    assert second.write_calls == 0 and second.results[5].state == "deferred"
    third = publish_plan(plan, fake, ledger, now=lambda: retry_at + 1)
    assert third.exit_code == 0 and third.write_calls == 5
    assert_thread_exactly_once(fake, texts(plan))


def test_needs_person_is_failed_with_the_reason_and_status_says_so(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", script={3: "needs_person"})
    report = publish_plan(plan, fake, ledger)
    assert report.results[2].state == "failed" and "401" in report.results[2].error
    rows = {r["position"]: r for r in status(ledger, plan.issue_id)}
    assert rows[1]["state"] == "posted" and rows[1]["url"].startswith("https://fake.example/p/")
    assert rows[3]["state"] == "failed" and "check the credentials" in rows[3]["error"]
    assert rows[4]["state"] == "pending" and rows[4]["url"] is None
    assert rows[1]["updated_at"].endswith("+00:00")
    import json

    json.dumps(status(ledger))  # JSON-friendly
    # after a person fixed it, a re-run continues the same thread
    run_until_done(plan, fake, ledger)
    assert_thread_exactly_once(fake, texts(plan))


def test_non_thread_plan_posts_stand_alone(env):
    tmp, ledger, _ = env
    plan = make_plan(tmp / "cards", n=4, thread=False, platform="instagram")
    fake = FakeAdapter(tmp / "fake.json", script={2: "transient"})
    publish_plan(plan, fake, ledger)
    run_until_done(plan, fake, ledger)
    assert_thread_exactly_once(fake, texts(plan), thread=False)


def test_changed_plan_stops_before_sending_anything(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", script={6: "needs_person"})
    publish_plan(plan, fake, ledger)
    calls = fake.state()["publish_calls"]
    changed = make_plan(tmp / "cards")
    changed.posts[2].text = "3/10 A corrected headline"
    with pytest.raises(PlanChanged) as err:
        publish_plan(changed, fake, ledger)
    assert err.value.exit_code == 2
    message = str(err.value)
    assert "\n" not in message and "post 3" in message and "A corrected headline" in message
    assert "Story 3" in message  # the before text
    assert fake.state()["publish_calls"] == calls
    assert ledger.get(plan.issue_id, "fake", "fake-account", 3).text == plan.posts[2].text


def test_changed_post_count_is_a_plan_change(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", script={2: "needs_person"})
    publish_plan(plan, fake, ledger)
    longer = make_plan(tmp / "cards", n=11)
    longer.posts[:10] = plan.posts
    with pytest.raises(PlanChanged, match="10 posts -> 11 posts"):
        publish_plan(longer, fake, ledger)


def test_plan_may_change_freely_while_nothing_went_out(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", script={1: "needs_person"})
    publish_plan(plan, fake, ledger)
    changed = make_plan(tmp / "cards", n=8, variant=" (v2)")
    report = publish_plan(changed, fake, ledger)
    assert report.exit_code == 0
    assert_thread_exactly_once(fake, texts(changed))
    assert len(ledger.rows(plan.issue_id)) == 8


def test_replan_keeps_what_is_posted_and_continues_with_the_new_plan(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", script={6: "needs_person"})
    publish_plan(plan, fake, ledger)
    changed = make_plan(tmp / "cards", n=9, variant=" (v2)")
    report = publish_plan(changed, fake, ledger, replan=True)
    assert report.exit_code == 0
    assert [r.state for r in report.results] == ["already"] * 5 + ["posted"] * 4
    assert_thread_exactly_once(fake, texts(plan)[:5] + texts(changed)[5:])
    # the accepted change is not reported again, and nothing more is sent
    again = publish_plan(changed, fake, ledger)
    assert again.write_calls == 0 and again.exit_code == 0
    with pytest.raises(PlanChanged):  # a further change still is
        publish_plan(make_plan(tmp / "cards", n=9, variant=" (v3)"), fake, ledger)


def test_replan_shorter_than_what_was_posted_keeps_the_extra_posts(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json")
    publish_plan(plan, fake, ledger)
    shorter = make_plan(tmp / "cards", n=10)
    shorter.posts = shorter.posts[:7]
    with pytest.raises(PlanChanged, match="10 posts -> 7 posts"):
        publish_plan(shorter, fake, ledger)
    assert publish_plan(shorter, fake, ledger, replan=True).write_calls == 0
    assert publish_plan(shorter, fake, ledger).exit_code == 0  # accepted: no PlanChanged
    assert len(fake.live_posts()) == 10


def test_replan_resolves_a_maybe_sent_post_with_its_old_text(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", script={4: "unknown_hidden"})
    publish_plan(plan, fake, ledger)  # post 4 landed but is not visible: row unknown
    changed = make_plan(tmp / "cards", variant=" (v2)")
    with pytest.raises(PlanChanged, match="maybe sent"):
        publish_plan(changed, fake, ledger)
    report = publish_plan(changed, fake, ledger, replan=True)
    assert report.results[3].state == "adopted"  # found under its old text, not sent again
    assert_thread_exactly_once(fake, texts(plan)[:4] + texts(changed)[4:])


def test_unexpected_exception_marks_unknown_and_next_run_adopts(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", script={7: "error_stored"})
    with pytest.raises(ConnectionResetError):
        publish_plan(plan, fake, ledger)
    row = ledger.get(plan.issue_id, "fake", "fake-account", 7)
    assert row.state == "unknown" and "ConnectionResetError" in row.error
    report = publish_plan(plan, fake, ledger)
    assert report.results[6].state == "adopted" and report.write_calls == 3
    assert_thread_exactly_once(fake, texts(plan))


def test_undo_deletes_in_reverse_and_records(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json")
    publish_plan(plan, fake, ledger)
    ids = [p["id"] for p in fake.live_posts()]
    report = undo(plan.issue_id, "fake", fake, ledger)
    assert report.exit_code == 0 and report.write_calls == 10
    assert fake.state()["deleted_order"] == ids[::-1]
    assert fake.live_posts() == []
    assert [r.state for r in ledger.rows(plan.issue_id)] == ["deleted"] * 10
    assert sum(e["what"] == "deleted" for e in ledger.events(plan.issue_id)) == 10
    assert undo(plan.issue_id, "fake", fake, ledger).write_calls == 0  # nothing left to undo
    # an undone issue is not sent again by a plain re-run (a cron run that started before the undo)...
    with pytest.raises(Undone):
        publish_plan(plan, fake, ledger)
    assert fake.state()["publish_calls"] == 10
    # ...only when asked: then it is a fresh, whole thread
    assert publish_plan(plan, fake, ledger, again=True).write_calls == 10
    assert_thread_exactly_once(fake, texts(plan))
    assert publish_plan(plan, fake, ledger).write_calls == 0


def test_undo_stops_at_a_refused_delete_and_can_be_resumed(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", delete_script={3: "transient"})
    publish_plan(plan, fake, ledger)
    report = undo(plan.issue_id, "fake", fake, ledger)
    assert report.exit_code == 1
    states = [r.state for r in ledger.rows(plan.issue_id)]
    assert states == ["posted"] * 8 + ["deleted"] * 2
    assert undo(plan.issue_id, "fake", fake, ledger).exit_code == 0
    assert fake.live_posts() == []


def test_undo_looks_up_a_maybe_sent_post(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", script={3: "unknown_hidden"})
    publish_plan(plan, fake, ledger)  # post 3 landed, ledger says unknown
    report = undo(plan.issue_id, "fake", fake, ledger)
    assert report.exit_code == 0 and fake.live_posts() == []


def test_on_event_reports_progress(env):
    tmp, ledger, plan = env
    seen = []
    publish_plan(plan, FakeAdapter(tmp / "fake.json"), ledger, on_event=lambda *e: seen.append(e))
    assert [e[1] for e in seen if e[0] == "posted"] == list(range(1, 11))
    assert all(e[2].startswith("https://fake.example/") for e in seen if e[0] == "posted")


def test_ledger_platform_is_the_target_adapter_not_the_plan(env):
    tmp, ledger, plan = env
    publish_plan(plan, FakeAdapter(tmp / "a.json"), ledger)
    other = FakeAdapter(tmp / "b.json", account_id="second-account")
    assert publish_plan(plan, other, ledger).write_calls == 10  # another account: its own thread
    assert {(r.platform, r.account, r.plan_platform) for r in ledger.rows()} == {
        ("fake", "fake-account", "x"),
        ("fake", "second-account", "x"),
    }


def test_concurrent_threads_never_double_post(tmp_path):
    plan = make_plan(tmp_path / "cards")
    reports, errors = [], []

    def worker():
        try:
            with Ledger(tmp_path / "ledger.db") as ledger:
                reports.append(publish_plan(plan, FakeAdapter(tmp_path / "fake.json", delay=0.005), ledger))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=worker) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert sum(r.write_calls for r in reports) == 10
    assert all(r.exit_code == 0 for r in reports)
    assert_thread_exactly_once(FakeAdapter(tmp_path / "fake.json"), texts(plan))


def test_second_run_reports_busy_instead_of_waiting_when_asked(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json")
    with ledger.lock(plan.issue_id, "fake", "fake-account"):
        with Ledger(ledger.where) as other, pytest.raises(LedgerBusy, match="another crosspost run"):
            publish_plan(plan, fake, other, lock_timeout=0)
    assert fake.state()["publish_calls"] == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    script=st.dictionaries(st.integers(1, 16), st.sampled_from([k for k in KINDS if k != "error_stored"]), max_size=6),
    finds=st.dictionaries(st.integers(1, 8), st.just("transient"), max_size=3),
    n=st.integers(1, 8),
)
def test_any_mix_of_failures_ends_exactly_once(tmp_path_factory, script, finds, n):
    tmp = tmp_path_factory.mktemp("prop")
    plan = make_plan(tmp / "cards", n=n)
    fake = FakeAdapter(tmp / "fake.json", script=script, find_script=finds, reject_duplicates=True)
    with Ledger(tmp / "ledger.db") as ledger:
        run_until_done(plan, fake, ledger, max_runs=30)
        assert publish_plan(plan, fake, ledger).write_calls == 0
    assert_thread_exactly_once(fake, texts(plan))


@pytest.mark.parametrize("kind", ["unknown_lost", "unknown_stored"])
def test_identical_posts_never_adopt_each_other(env, kind):
    tmp, ledger, _ = env
    plan = make_plan(tmp / "cards", n=3, thread=False, platform="instagram")
    plan.posts[1] = plan.posts[0]  # the same caption and card twice, on purpose
    fake = FakeAdapter(tmp / "fake.json", script={2: kind})
    run_until_done(plan, fake, ledger)
    assert_thread_exactly_once(fake, texts(plan), thread=False)
    ids = [r.remote_id for r in ledger.rows(plan.issue_id)]
    assert len(set(ids)) == 3


# -- the real X adapter against the fake X server: each kind of failure on a create request ----

X_FIRST_RUN = {  # what the first run reports for the post whose create request failed
    "unauthorized": "failed",
    "forbidden": "failed",
    "usage-capped": "failed",
    "duplicate": "pending",
    "drop": "pending",
    "server-error": "pending",  # unknown / unknown / transient
    "rate-limited": "deferred",
    "daily-limit": "deferred",
    "stored-no-answer": "adopted",
    "stored-hang": "adopted",  # landed, answer lost: found, not resent
}
X_KINDS = list(X_FIRST_RUN)


@pytest.mark.parametrize("kind", X_KINDS)
@pytest.mark.parametrize("position", [1, 7])
def test_x_adapter_failure_then_rerun_is_exactly_once(tmp_path, fake_x, kind, position):
    plan = make_plan(tmp_path / "cards", n=8)
    adapter = fake_x.adapter(timeout=0.5 if kind == "stored-hang" else 5.0)

    def inject(what, pos, detail):
        if what == "sending" and pos == position:
            fake_x.fail(kind, method="POST", path="/2/tweets", hang_for=2.0)

    with Ledger(tmp_path / "ledger.db") as ledger:
        first = publish_plan(plan, adapter, ledger, on_event=inject)
        result = first.results[position - 1]
        assert result.state == X_FIRST_RUN[kind], result
        assert first.exit_code == (0 if result.state == "adopted" else 1)
        assert [r.state for r in first.results[: position - 1]] == ["posted"] * (position - 1)
        run_until_done(plan, adapter, ledger)
        assert publish_plan(plan, adapter, ledger).write_calls == 0
    live = fake_x.live_posts()
    assert [p.text for p in live] == texts(plan)
    assert [p.reply_to for p in live] == [None] + [p.id for p in live[:-1]]
    assert fake_x.violations == []


# -- issue 8: lookups adopt only what this request made, after the platform's listing caught up ------


def test_an_older_post_with_the_same_text_is_not_adopted(env):
    tmp, ledger, plan = env
    fake = FakeAdapter(tmp / "fake.json", script={1: "unknown_lost"})
    old = FakeAdapter(tmp / "fake.json")
    data = old.state()
    data["posts"].append(
        {
            "id": "old1",
            "text": plan.posts[0].text,
            "reply_to": None,
            "media": [],
            "deleted": False,
            "created_at": time.time() - 30 * 86400,
        }
    )  # last month's post
    old._save(data)
    first = publish_plan(plan, fake, ledger)
    assert first.results[0].state == "pending"
    assert all(s is not None and s > time.time() - 3600 for s in fake.since_seen)
    run_until_done(plan, fake, ledger)
    row = ledger.get(plan.issue_id, "fake", "fake-account", 1)
    assert row.state == "posted" and row.remote_id != "old1"


def test_a_lagging_listing_is_asked_again_before_resending(env, monkeypatch):
    import crosspost.publish as engine

    tmp, ledger, plan = env
    waited: list[float] = []
    monkeypatch.setattr(engine, "_sleep", waited.append)
    fake = FakeAdapter(tmp / "fake.json", script={1: "unknown_hidden"}, lookup_settle=60, hidden_for=2)
    first = publish_plan(plan, fake, ledger)
    assert first.results[0].state == "pending" and waited == []  # right after the error: one look, no wait
    second = publish_plan(plan, fake, ledger)  # a person re-runs at once: the feed still lags
    assert second.results[0].state == "adopted" and waited and sum(waited) <= 60
    assert_thread_exactly_once(fake, texts(plan))
    assert fake.state()["publish_calls"] == len(plan.posts)


def test_the_wait_for_a_lagging_listing_is_bounded(env, monkeypatch):
    import crosspost.publish as engine

    tmp, ledger, plan = env
    waited: list[float] = []
    monkeypatch.setattr(engine, "_sleep", waited.append)
    fake = FakeAdapter(tmp / "fake.json", script={1: "unknown_lost"}, lookup_settle=60)
    publish_plan(plan, fake, ledger)
    report = publish_plan(plan, fake, ledger)
    assert report.results[0].state == "posted"  # it never landed: sent again after the wait
    assert 0 < sum(waited) <= 60 and len(waited) <= 6


STORY_TEXT = {
    "A": "Ant Group launches a blockchain for supply chains, with twelve banks on board",
    "B": "Regulators in Seoul fine three exchanges over missing audit trails",
    "C": "A new open-source wallet ships passkeys instead of seed phrases",
}


def _numbered_plan(folder, stories: list[str]):
    """Opening, a post with a card per story, closing; numbered " i/n" like the X planner does."""
    from crosspost.model import Media, Plan, Post

    bodies = [("Issue 34 is out: three stories this week", [])]
    for name in stories:
        card = folder / f"card-{name}.png"
        card.write_bytes(b"\x89PNG fake " + name.encode())
        bodies.append((STORY_TEXT[name], [Media(str(card), f"Quote card for story {name}")]))
    bodies.append(("Read the whole issue https://example.com/34", []))
    n = len(bodies)
    return Plan("x", "issue-34", [Post(f"{t} {i}/{n}", media=m) for i, (t, m) in enumerate(bodies, 1)], thread=True)


def test_replan_after_removing_a_story_matches_by_content_not_position(env):
    tmp, ledger, _ = env
    old = _numbered_plan(tmp, ["A", "B", "C"])
    fake = FakeAdapter(tmp / "fake.json", script={4: "needs_person"})
    publish_plan(old, fake, ledger)  # opening, A, B are out; C failed
    new = _numbered_plan(tmp, ["A", "C"])  # the writer removed story B
    with pytest.raises(PlanChanged):
        publish_plan(new, fake, ledger)
    report = publish_plan(new, fake, ledger, replan=True)
    assert report.exit_code == 0
    assert report.notes == [
        "replan: keeps posts 1, 2 (already out); sends posts 4, 5 from the new plan; "
        "leaves post 3 out but no longer in the issue (undo deletes the whole issue if you "
        "want it gone)"
    ]
    live = [p["text"] for p in fake.live_posts()]
    assert live == [
        "Issue 34 is out: three stories this week 1/5",
        STORY_TEXT["A"] + " 2/5",
        STORY_TEXT["B"] + " 3/5",  # out before the edit: left, and said so
        STORY_TEXT["C"] + " 4/5",  # never lost
        "Read the whole issue https://example.com/34 5/5",  # numbering agrees with the thread
    ]
    assert_thread_exactly_once(fake, live)
    assert publish_plan(new, fake, ledger).write_calls == 0  # accepted: no PlanChanged, nothing more


def test_replan_after_adding_a_story_sends_it_after_what_is_out(env):
    tmp, ledger, _ = env
    old = _numbered_plan(tmp, ["A", "B"])
    fake = FakeAdapter(tmp / "fake.json", script={3: "needs_person"})
    publish_plan(old, fake, ledger)  # opening, A out
    new = _numbered_plan(tmp, ["A", "B", "C"])
    report = publish_plan(new, fake, ledger, replan=True)
    assert report.exit_code == 0
    assert [p["text"][-3:] for p in fake.live_posts()] == ["1/4", "2/4", "3/5", "4/5", "5/5"]


def test_replan_keeps_edited_posts_in_place(env):
    tmp, ledger, _ = env
    old = _numbered_plan(tmp, ["A", "B", "C"])
    fake = FakeAdapter(tmp / "fake.json", script={4: "needs_person"})
    publish_plan(old, fake, ledger)  # opening, A, B are out
    new = _numbered_plan(tmp, ["A", "B", "C"])
    new.posts[0].text = new.posts[0].text.replace("three stories", "three big stories")  # no card: text only
    new.posts[1].text = "Twelve banks now settle invoices on Ant's ledger 2/5"  # rewritten; same card
    report = publish_plan(new, fake, ledger, replan=True)
    assert report.notes == ["replan: keeps posts 1, 2, 3 (already out); sends posts 4, 5 from the new plan"]
    assert len(fake.live_posts()) == 5


def test_undo_finds_posts_recorded_under_a_legacy_account_key(env):
    tmp, ledger, plan = env
    publish_plan(plan, FakeAdapter(tmp / "fake.json", account_id="alice"), ledger)  # an older crosspost's key
    upgraded = FakeAdapter(tmp / "fake.json", account_id="17841400000", legacy=["alice"])
    report = undo(plan.issue_id, "fake", upgraded, ledger)
    assert report.write_calls == len(plan.posts) and upgraded.live_posts() == []


def test_replan_after_swapping_two_stories_that_are_out_sends_neither_again(env):
    tmp, ledger, _ = env
    fake = FakeAdapter(tmp / "fake.json", script={4: "needs_person"})
    publish_plan(_numbered_plan(tmp, ["A", "B", "C"]), fake, ledger)  # opening, A, B are out
    swapped = _numbered_plan(tmp, ["B", "A", "C"])
    report = publish_plan(swapped, fake, ledger, replan=True)
    assert report.exit_code == 0
    live = [p["text"] for p in fake.live_posts()]
    assert [t[:-4] for t in live] == [
        swapped.posts[0].text[:-4],
        STORY_TEXT["A"],
        STORY_TEXT["B"],
        STORY_TEXT["C"],
        swapped.posts[-1].text[:-4],
    ]
    assert len(set(live)) == 5  # nothing twice


def test_replan_never_sends_a_removed_story_whose_first_send_did_not_land(env):
    tmp, ledger, _ = env
    fake = FakeAdapter(tmp / "fake.json", script={3: "unknown_lost"})
    publish_plan(_numbered_plan(tmp, ["A", "B", "C"]), fake, ledger)  # opening, A out; B may have been sent
    without_b = _numbered_plan(tmp, ["A", "C"])
    report = publish_plan(without_b, fake, ledger, replan=True)
    assert report.exit_code == 0, report.to_dict()
    live = [p["text"] for p in fake.live_posts()]
    assert [re.sub(r" \d/\d$", "", t) for t in live] == [re.sub(r" \d/\d$", "", p.text) for p in without_b.posts]
    assert live[2:] == [STORY_TEXT["C"] + " 3/4", without_b.posts[-1].text]  # B never went out, and is not sent


def test_a_replanned_thread_longer_than_the_issue_is_published_to_its_end_when_all_is_due(env):
    tmp, ledger, _ = env
    fake = FakeAdapter(tmp / "fake.json", script={4: "needs_person"})
    publish_plan(_numbered_plan(tmp, ["A", "B", "C"]), fake, ledger)  # opening, A, B are out
    without_a = _numbered_plan(tmp, ["B", "C"])  # 4 posts; with A left up the thread has 5
    report = publish_plan(without_a, fake, ledger, replan=True, upto=len(without_a.posts))  # as `run` does
    assert report.exit_code == 0 and len(fake.live_posts()) == 5
    assert [r.state for r in report.results][-2:] == ["posted", "posted"]


class IntentAdapter(FakeAdapter):
    """A platform that makes a resend harmless by construction: every publish and find sees the
    token the engine stored for the post (Adapter.intent)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked = 0
        self.sent: list[tuple[str, str | None]] = []  # (text, intent) of every publish
        self.looked: list[str | None] = []

    def intent(self, post, reply_to):
        self.asked += 1
        return f"token-{self.asked}"

    def publish(self, post, reply_to=None):
        self.sent.append((post.text, post.intent))
        return super().publish(post, reply_to)

    def find(self, post, reply_to=None, since=None):
        self.looked.append(post.intent)
        return super().find(post, reply_to, since)


def test_every_send_of_a_post_carries_the_token_stored_before_the_first(env):
    tmp, ledger, plan = env
    fake = IntentAdapter(tmp / "fake.json", script={4: "unknown_lost", 5: "transient"})
    publish_plan(plan, fake, ledger)
    first = dict(fake.sent)[plan.posts[3].text]
    assert ledger.get(plan.issue_id, "fake", "fake-account", 4).intent == first  # stored with the claim
    assert fake.looked == [first]  # the lookup after the unknown outcome sees it too
    run_until_done(plan, fake, ledger)
    tokens = [t for text, t in fake.sent if text == plan.posts[3].text]
    assert len(tokens) == 3 and set(tokens) == {first}  # lost, refused, sent: each with the same token
    assert fake.looked == [first, first]
    assert len({t for _, t in fake.sent}) == 10  # one token per post, never shared
    assert_thread_exactly_once(fake, texts(plan))


def test_a_changed_post_or_a_publish_again_gets_a_new_token(env):
    tmp, ledger, plan = env
    fake = IntentAdapter(tmp / "fake.json", script={2: "unknown_lost"})
    publish_plan(plan, fake, ledger)
    old = ledger.get(plan.issue_id, "fake", "fake-account", 2).intent
    edited = make_plan(tmp / "cards", variant=" (edited)")
    publish_plan(edited, fake, ledger, replan=True)
    new = ledger.get(plan.issue_id, "fake", "fake-account", 2)
    assert new.state == "posted" and new.intent not in (None, old)  # other content: another token
    undo(plan.issue_id, "fake", fake, ledger)
    assert all(r.state == "deleted" for r in ledger.rows(plan.issue_id))
    ledger.reopen(plan.issue_id, "fake")
    assert all(r.intent is None for r in ledger.rows(plan.issue_id))  # published anew: new tokens
