"""One date reader for every format's dates: front matter values (YAML and TOML dates, the strings
Hugo, Jekyll, Pelican and Buttondown write), an HTML page's <time datetime> and
article:published_time (which `crosspost fetch` writes from a feed item's date), an e-mail's
Date header."""

from __future__ import annotations

import datetime as dt
import re

# ISO (Hugo, <time>), "2019-12-27 09:00:00 -0500" (Jekyll), "2019-12-27 09:00" (Pelican)
_ISO = re.compile(r"\s*(\d{4}-\d{2}-\d{2})(?:[T ][\d:.]+\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?)?\s*$")
_DOTTED = re.compile(r"\s*(\d{4})[/.](\d{1,2})[/.](\d{1,2})\b")  # "2024/08/19", "2024.08.19"
_WRITTEN = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y")  # "August 19, 2024", "19 Aug 2024"


def iso_date(value: object) -> str | None:
    """ "2024-08-19" from a date, a datetime (its own date, as written, not moved to UTC) or a
    string in one of the forms above or RFC 2822 ("Mon, 19 Aug 2024 09:00:00 GMT", RSS and
    e-mail); None for anything else."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    m = _ISO.match(value)
    if m:
        try:
            return dt.date.fromisoformat(m.group(1)).isoformat()
        except ValueError:
            pass
    m = _DOTTED.match(value)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            pass
    for fmt in _WRITTEN:
        try:
            return dt.datetime.strptime(value.strip(), fmt).date().isoformat()
        except ValueError:
            pass
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(value.strip()).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None
