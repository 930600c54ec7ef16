"""Issue metadata that all formats find the same way: number, brand, title line, outro.

Kept in one place so "Update #34", "No. 34" and "Issue 34" mean the same in a text file,
a Markdown heading or an HTML <h1>, and so the resolver numbers file names like the parsers.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import Issue, Story


# "#34", "No. 34", "Nº 34", "Issue 34", "Update #34", "Edition 34", "Vol. 34", "Number 34".
_NUMBER_IN_TITLE = re.compile(
    r"(?:#|\bn[oº°]\.?\s*|\b(?:number|issue|update|edition|episode|vol(?:ume)?\.?|letter)\s*#?\s*)"
    r"(\d{1,6})\b",
    re.IGNORECASE,
)
# A standalone title line in a plain-text issue: an issue keyword and a number at its start,
# optionally after a short name ("East West Hurricane Update #34 - …"), or a name and "#7"
# followed by a separator or the end ("Hardware Notes #7 - …"; not "Apple Is #1 in China").
_TITLE_LINE = re.compile(
    r"^(?:[^\W\d_][\w'’&.\- ]{0,40}?\s+)?"
    r"(?:update|issue|edition|newsletter|digest|episode|vol(?:ume)?\.?|n[oº°]\.|number)"
    r"\s*(?:#|n[oº°]\.?)?\s*\d{1,6}\b"
    r"|^(?:[^\W\d_][\w'’&.\- ]{0,40}?\s+)?#\d{1,6}\s*(?:[-–—:|·]|$)",
    re.IGNORECASE,
)
_NAME_KEYWORD_NUMBER = re.compile(
    r"(?:issue|update|edition|number|episode|vol|no|#)[-_ .#]*(\d{1,9})(?!\d)", re.IGNORECASE
)
_DIGITS = re.compile(r"\d+")
_WELCOME = re.compile(r"^welcome\s+(?:back\s+)?to\s+(.+)$", re.IGNORECASE)
# Headings/lines that close a newsletter rather than tell a story.
_OUTRO = re.compile(
    r"^(?:thanks?\b|thank you\b|subscribe\b|unsubscribe\b|share\b|before you go\b|see you\b|"
    r"until next\b|that'?s (?:it|all)\b|that’s (?:it|all)\b|follow us\b|forward(?:ed)?\b|"
    r"leave a comment\b|comments?$|sponsors?\b|about (?:us|this newsletter)\b|"
    r"like this (?:issue|newsletter)\b|enjoyed this\b|cheers\b)",
    re.IGNORECASE,
)

TITLE_LINE_MAX = 200


def number_from_title(title: str) -> int | None:
    """34 from "Update #34 - …", "No. 34", "Issue 34"; None when the title has no number."""
    m = _NUMBER_IN_TITLE.search(title)
    return int(m.group(1)) if m else None


def number_from_name(stem: str) -> int | None:
    """The issue number in a file name: after a keyword ("issue-34", "update_7", "no34"),
    else the only digit run in it ("34", "ewh34"). Names with several digit runs and no
    keyword (dates like "2024-05-01") have no number."""
    m = _NAME_KEYWORD_NUMBER.search(stem)
    if m:
        return int(m.group(1))
    runs = _DIGITS.findall(stem)
    return int(runs[0]) if len(runs) == 1 and len(runs[0]) <= 9 else None


def is_title_line(line: str) -> bool:
    """True for a plain-text title line like "Update #34 - Ant's Blockchain, …"."""
    return len(line) <= TITLE_LINE_MAX and not line.startswith(">") and bool(_TITLE_LINE.match(line))


def brand_from_intro(lines: list[str]) -> str | None:
    """"East West Hurricane" from "Welcome to East West Hurricane! 🌪"."""
    from .normalize import split_emoji  # imported late: resolve.py uses this module too

    for line in lines:
        text, _ = split_emoji(line)
        m = _WELCOME.match(text.strip())
        if not m:
            continue
        name = re.split(r"\s+[—–-]\s+|[,;:!?(]|\.(?:\s|$)", m.group(1), maxsplit=1)[0].strip()
        name = name.strip(" .!\"'“”’")
        if name and len(name) <= 60 and name.lower() not in ("the", "this issue", "this week"):
            return name
    return None


def is_outro(text: str) -> bool:
    """Closing lines/sections: "Thanks for reading", "Subscribe", "See you next week"…"""
    from .normalize import split_emoji

    core, _ = split_emoji(text)
    return bool(_OUTRO.match(core.strip()))


_URL = re.compile(r"https?://[^\s<>\"'“”‘’()\[\]]+[^\s<>\"'“”‘’()\[\].,;:!?]")


def bare_links(text: str) -> list[str]:
    """http(s) URLs written out in a paragraph, without trailing sentence punctuation."""
    return _URL.findall(text)


def fallback_title(brand: str | None, number: int | None, stem: str) -> str:
    """A title for an issue that has none: "East West Hurricane #34", else the file stem."""
    if brand and number is not None:
        return f"{brand} #{number}"
    if number is not None:
        return f"Issue #{number}"
    return brand or stem


def build_issue(
    path: Path, fmt: str, *, title: str | None, stories: list[Story], intro: list[str], outro: list[str],
    brand: str | None = None, number: int | None = None, url: str | None = None, date: str | None = None,
    hashtags: list[str] | None = None,
) -> Issue:
    """The Issue every format ends in, with the shared fallbacks: brand from the intro ("Welcome to
    X!"), number from the title then the file name, and a title made from those when there is none."""
    brand = brand or brand_from_intro(intro)
    if number is None and title:
        number = number_from_title(title)
    if number is None:
        number = number_from_name(path.stem)
    return Issue(
        id=path.stem,
        title=title or fallback_title(brand, number, path.stem),
        stories=stories,
        number=number,
        url=url,
        date=date,
        brand=brand,
        intro=intro,
        outro=outro,
        hashtags=list(hashtags or []),
        source=str(path),
        format=fmt,
    )
