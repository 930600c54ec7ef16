"""Schedules: time zones (DST-safe), defaults (next weekday), drip math, list, update, unschedule, auto."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from crosspost.cli import app
from crosspost.config import load_config
from crosspost.errors import InputError
from crosspost.runner import run_due
from crosspost.schedule import (
    DAY,
    Entry,
    Schedule,
    default_start,
    expand_targets,
    local,
    next_weekday_at,
    parse_at,
    parse_duration,
    per_day,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc


def ts(y, mo, d, h, mi, tz=UTC) -> float:
    return local(datetime(y, mo, d).date(), h, mi, tz).timestamp()


def config_in(project, text: str):
    (project / "crosspost.toml").write_text(text, encoding="utf-8")
    return load_config(project)


def test_durations_and_targets():
    assert parse_duration("1d") == DAY and parse_duration("12h") == 43200 and parse_duration("1d12h") == 1.5 * DAY
    assert parse_duration("90m") == 5400 and parse_duration("0") == 0
    for bad in ("", "soon", "1x", "d"):
        with pytest.raises(InputError):
            parse_duration(bad)
    assert expand_targets("x, outbox") == ["x", "outbox:x", "outbox:instagram"]
    assert expand_targets(["instagram", "instagram"]) == ["instagram"]
    with pytest.raises(InputError, match="unknown target 'myspace'"):
        expand_targets("x,myspace")


def test_next_weekday_skips_weekends_and_passed_times():
    fri_evening = ts(2026, 11, 27, 18, 0)  # a Friday
    assert next_weekday_at("09:00", UTC, fri_evening) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday
    sat = ts(2026, 11, 28, 8, 0)
    assert next_weekday_at("09:00", UTC, sat).date().isoformat() == "2026-11-30"
    tue_early = ts(2026, 12, 1, 8, 0)
    assert next_weekday_at("09:00", UTC, tue_early) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # still today
    assert next_weekday_at("09:00", UTC, ts(2026, 12, 1, 9, 0)).day == 2  # exactly 09:00 has passed


def test_local_times_are_dst_safe():
    assert local(datetime(2026, 3, 29).date(), 2, 30, BERLIN).strftime("%H:%M %Z") == "03:30 CEST"  # the gap
    assert local(datetime(2026, 10, 25).date(), 2, 30, BERLIN).utcoffset() == timedelta(hours=2)  # first of two
    # 09:00 on the Monday after the spring change is 07:00 UTC, on the Friday before it 08:00 UTC
    assert next_weekday_at("09:00", BERLIN, ts(2026, 3, 27, 10, 0)).astimezone(UTC).hour == 7
    assert next_weekday_at("09:00", BERLIN, ts(2026, 3, 26, 10, 0)).astimezone(UTC).hour == 8


def test_at_in_the_configured_zone_with_offset_or_now():
    now = ts(2026, 11, 27, 12, 0)
    assert parse_at("now", BERLIN, now) == now
    assert parse_at("2026-12-01 09:00", BERLIN, now) == ts(2026, 12, 1, 8, 0)  # CET = UTC+1
    assert parse_at("2026-07-01 09:00", BERLIN, now) == ts(2026, 7, 1, 7, 0)  # CEST = UTC+2
    assert parse_at("2026-12-01T09:00+05:00", BERLIN, now) == ts(2026, 12, 1, 4, 0)
    assert parse_at("2026-12-01T09:00Z", BERLIN, now) == ts(2026, 12, 1, 9, 0)
    with pytest.raises(InputError):
        parse_at("tomorrow-ish", BERLIN, now)


def test_defaults_thread_at_x_at_and_cards_the_same_day(project):
    config = config_in(project, '[schedule]\ntimezone = "Europe/Berlin"\nx_at = "09:30"\ninstagram_at = "12:00"\n')
    fri = ts(2026, 11, 27, 18, 0)
    assert default_start(config, "x", fri) == ts(2026, 11, 30, 8, 30)
    assert default_start(config, "instagram", fri) == ts(2026, 11, 30, 11, 0)
    config = config_in(project, '[schedule]\ntimezone = "Mars/Olympus"\n')
    with pytest.raises(InputError, match="time zone"):
        default_start(config, "x", fri)


def test_drip_spread_math_keeps_the_wall_clock_across_dst():
    start = ts(2026, 3, 28, 12, 0, BERLIN)
    e = Entry("issue-34", "instagram", "issues/issue-34.txt", start, spread=DAY, zone="Europe/Berlin", posts=3)
    times = [datetime.fromtimestamp(e.post_time(i), BERLIN) for i in (1, 2, 3)]
    assert [t.strftime("%m-%d %H:%M") for t in times] == ["03-28 12:00", "03-29 12:00", "03-30 12:00"]
    assert e.post_time(2) - e.post_time(1) == 23 * 3600  # the short day
    assert [
        e.due_count(start - 1),
        e.due_count(start),
        e.due_count(e.post_time(2) - 1),
        e.due_count(e.post_time(3)),
    ] == [0, 1, 1, 3]
    hourly = Entry("i", "outbox:instagram", "s", start, spread=3600 * 6, zone="Europe/Berlin", posts=3)
    assert hourly.post_time(3) - start == 12 * 3600
    thread = Entry("i", "x", "s", start, spread=DAY, zone="Europe/Berlin", posts=5)
    assert thread.due_count(start) == 5  # a thread goes out at once whatever the spread


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/Santiago"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ZONES), st.integers(1_700_000_000, 1_900_000_000), st.integers(1, 3), st.integers(1, 12))
def test_day_spreads_keep_the_local_time_of_day(zone, start, days, position):
    tz = ZoneInfo(zone)
    start = float(start - start % 60)
    e = Entry("i", "instagram", "s", start, spread=days * DAY, zone=zone, posts=12)
    first, later = datetime.fromtimestamp(start, tz), datetime.fromtimestamp(e.post_time(position), tz)
    assert (later.date() - first.date()).days == days * (position - 1)
    if local(later.date(), first.hour, first.minute, tz).strftime("%H:%M") == first.strftime("%H:%M"):
        assert (later.hour, later.minute) == (first.hour, first.minute)  # unless that time is in a DST gap
    assert e.due_count(e.post_time(position)) >= position


def test_per_day_counts_posts_per_target():
    start = ts(2026, 12, 1, 9, 0)
    entries = [
        Entry("issue-34", "x", "s", start, posts=5),
        Entry("issue-34", "instagram", "s", start + 3 * 3600, spread=DAY, posts=3, sent=1),
        Entry("issue-33", "x", "s", start, posts=4, state="done", sent=4),
    ]
    assert per_day(entries) == {
        "2026-12-01 Tue": {"x": 5},
        "2026-12-02 Wed": {"instagram": 1},
        "2026-12-03 Thu": {"instagram": 1},
    }


def cli(*args):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_schedule_list_update_unschedule(project):
    config_in(project, '[schedule]\ntimezone = "Europe/Berlin"\n')
    res = cli("schedule", "issue-34", "--to", "x,instagram", "--at", "2030-01-07 09:00", "--spread", "1d", "--dry-run")
    assert res.exit_code == 0 and "Dry run" in res.output and "2030-01-09 Wed  instagram 1" in res.output
    assert not (project / ".crosspost").exists()
    res = cli("schedule", "issue-34", "--to", "x,instagram", "--at", "2030-01-07 09:00", "--spread", "1d")
    assert res.exit_code == 0, res.output
    assert "2030-01-07 09:00 CET" in res.output and "2030-01-07 Mon  instagram 1, x 5" in res.output
    res = cli("schedule", "34", "--to", "instagram", "--at", "2030-01-08T10:00+01:00", "--spread", "12h")
    assert res.exit_code == 0
    with Schedule(project / ".crosspost" / "ledger.db") as sched:
        rows = sched.entries()
    assert [(e.target, e.spread) for e in rows] == [("x", 0.0), ("instagram", 12 * 3600)]  # updated, not added
    assert rows[1].due_at == ts(2030, 1, 8, 9, 0)
    listed = cli("schedule", "--list")
    assert "3 posts, one every 12h" in listed.output and "2030-01-08 Tue  instagram 2" in listed.output
    assert "Schedule:" in cli("status").output
    assert "Unscheduled issue-34 instagram." in cli("unschedule", "issue-34", "--to", "instagram").output
    assert "Nothing scheduled for issue-34" not in cli("unschedule", "34").output
    assert "Nothing scheduled for issue-34" in cli("unschedule", "issue-34").output
    assert "Nothing scheduled." in cli("schedule", "--list").output


def test_a_published_entry_cannot_be_rescheduled_nor_unscheduled(project):
    res = cli("schedule", "issue-34", "--to", "outbox:x", "--at", "2020-01-01 09:00")
    assert res.exit_code == 0
    assert run_due(load_config(project)).posted == 5
    with pytest.raises(InputError, match="already published"):
        cli("schedule", "issue-34", "--to", "outbox:x", "--at", "now")
    assert "Kept issue-34 outbox:x: already published" in cli("unschedule", "issue-34").output


def test_auto_schedules_only_files_first_seen_after_it_was_enabled(project):
    config = config_in(project, '[schedule]\nauto = true\nto = ["outbox"]\n')
    first = run_due(config, now=ts(2026, 11, 27, 18, 0))
    assert first.outcomes == []  # the back catalogue (issue-34) is never scheduled
    text = (project / "issues" / "issue-34.txt").read_text(encoding="utf-8").replace("#34", "#35")
    (project / "issues" / "issue-35.txt").write_text(text, encoding="utf-8")
    second = run_due(config, now=ts(2026, 11, 27, 19, 0))
    assert [(o.issue_id, o.kind) for o in second.outcomes] == [("issue-35", "auto")]
    with Schedule(project / ".crosspost" / "ledger.db") as sched:
        got = {e.target: e for e in sched.entries()}
    assert set(got) == {"outbox:x", "outbox:instagram"}
    assert got["outbox:x"].due_at == ts(2026, 11, 30, 9, 0)  # defaults: Monday 09:00, cards at 12:00 daily
    assert got["outbox:instagram"].due_at == ts(2026, 11, 30, 12, 0) and got["outbox:instagram"].spread == DAY
    assert run_due(config, now=ts(2026, 11, 27, 20, 0)).outcomes == []  # not twice
    # switched off and on again: what exists then is the back catalogue again
    off = config_in(project, "[schedule]\nauto = false\n")
    run_due(off, now=ts(2026, 11, 27, 21, 0))
    (project / "issues" / "issue-36.txt").write_text(text.replace("#35", "#36"), encoding="utf-8")
    on = config_in(project, '[schedule]\nauto = true\nto = ["outbox"]\n')
    assert run_due(on, now=ts(2026, 11, 27, 22, 0)).outcomes == []
