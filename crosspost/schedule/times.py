"""Time in schedules: durations ("1d12h"), --at ("2026-12-01 09:00", "now"), each platform's
default time of day on the next weekday, and showing times in the configured zone.

A local time that does not exist (the spring-forward gap) moves forward by the gap; an ambiguous
one (fall-back) is the first.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from ..config import Config

DAY = 86400.0
MAX_AHEAD = 3653 * DAY  # ten years: anything later is a typo (9999-12-31), and past year 9999 no clock can show it

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhms])")
_UNITS = {"w": 7 * DAY, "d": DAY, "h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration(text: str, where: str | Path | None = None) -> float:
    """ "1d" / "12h" / "1d12h" / "90m" / "0" -> seconds."""
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
        raise InputError(
            f"'schedule.timezone' is not a known time zone: {name!r} (e.g. Europe/Berlin)", config.path
        ) from None


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
        raise InputError(f'--at {text!r}: use "YYYY-MM-DD HH:MM", an ISO time with offset, or now') from None
    except OverflowError:  # 9999-12-31 23:59 east of UTC, 0001-01-01 west of it
        at = float("inf")
    if abs(at - now) > MAX_AHEAD:  # refused before anything is stored
        raise InputError(f"--at {text!r} is more than ten years from now")
    return at


def default_start(config: "Config", plan_platform: str, now: float) -> float:
    """When a target goes out by default: the issue's day is the next weekday on which the first
    platform scheduled by default (X) can still post at its `<name>_at`; every platform posts
    that day at its own time, or on the next weekday at it when that time has passed."""
    from ..platforms import registry, scheduled_by_default

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


def _human(seconds: float) -> str:
    for unit, size in (("d", DAY), ("h", 3600.0), ("m", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"
