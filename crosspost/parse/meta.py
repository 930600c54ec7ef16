"""Issue metadata that all formats find the same way: number, brand, title line, outro.

Kept in one place so "Update #34", "No. 34" and "Issue 34" mean the same in a text file,
a Markdown heading or an HTML <h1>, and so the resolver numbers file names like the parsers.
"""

from __future__ import annotations

import re


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
    r"like this (?:issue|newsletter)\b|enjoyed this\b|cheers\b|that'?s a wrap\b|that’s a wrap\b)",
    re.IGNORECASE,
)

TITLE_LINE_MAX = 200


_CJK_NUMBER = re.compile(r"第\s*(\d{1,6})\s*[号號期回巻话話]")
# A line that names the issue by a word, never by a bare "#": "September 29, 2022 • Issue 43".
_ISSUE_WORD_NUMBER = re.compile(
    r"\b(?:issue|edition|no\.|nr\.|number|ausgabe|numéro|número|numero)\s*#?\s*(\d{1,5})\b", re.I
)
_TRAILING_NUMBER = re.compile(r"^(?:[^\W\d_][\w'’&.-]*\s+){1,6}(\d{1,5})$")


def number_from_title(title: str) -> int | None:
    """34 from "Update #34 - …", "No. 34", "Issue 34", "第34期", "This Week in Rust 512";
    None when the title has no number (a year is not one)."""
    found = [m for m in _NUMBER_IN_TITLE.finditer(title)]
    # "Volume 38, Number 3": the number within the volume is the issue's
    found.sort(key=lambda m: bool(re.match(r"vol", m.group(0), re.I)))
    m = (found[0] if found else None) or _CJK_NUMBER.search(title)
    if m:
        return int(m.group(1))
    m = _TRAILING_NUMBER.match(title.strip())
    if m and not _YEAR.fullmatch(m.group(1)):
        return int(m.group(1))
    return None


def number_from_issue_line(text: str) -> int | None:
    """43 from a line under the title like "September 29, 2022 • Issue 43" or "第43期"; a bare
    "#123" there is more often a pull request or a hashtag, so it is not read."""
    m = _ISSUE_WORD_NUMBER.search(text) or _CJK_NUMBER.search(text)
    return int(m.group(1)) if m else None


def number_from_name(stem: str) -> int | None:
    """The issue number in a file name: after a keyword ("issue-34", "update_7", "no34"),
    else the only digit run in it ("34", "ewh34"). Names with several digit runs and no
    keyword (dates like "2024-05-01"), a year, a calendar week or a long id ("123456789.my-post"
    from a Substack export) have no number."""
    m = _NAME_KEYWORD_NUMBER.search(stem)
    if m:
        return int(m.group(1))
    runs = _DIGITS.findall(re.sub(r"(?:week|wk|kw)[-_ ]?\d{1,2}(?!\d)", "", stem, flags=re.I))  # calendar weeks
    if len(runs) == 1 and len(runs[0]) <= 5 and not _YEAR.fullmatch(runs[0]):
        return int(runs[0])
    return None


_YEAR = re.compile(r"(?:19|20)\d\d")


def is_title_line(line: str) -> bool:
    """True for a plain-text title line like "Update #34 - Ant's Blockchain, …"."""
    return len(line) <= TITLE_LINE_MAX and not line.startswith(">") and bool(_TITLE_LINE.match(line))


def brand_from_intro(lines: list[str]) -> str | None:
    """ "East West Hurricane" from "Welcome to East West Hurricane! 🌪"; "Weekly Thing" from
    "Welcome to Weekly Thing #130 and the final issue for 2019". Only a name is taken: a short
    run of capitalised words, never a sentence fragment ("the newsletter", "this week's issue")."""
    from .normalize import split_emoji  # imported late: resolve.py uses this module too

    for line in lines[:6]:  # "… of our Creative Cloud Developer newsletter."
        m = _OUR_NEWSLETTER.search(line)
        if m and is_name(m.group(1)):
            return m.group(1) + " Newsletter"
    for line in lines[:6]:
        text, _ = split_emoji(line)
        m = _WELCOME.match(text.strip())
        if not m:
            continue
        name = re.split(
            r"\s+[—–-]\s+|[,;:!?(#]|\.(?:\s|$)|\s+(?:issue|no\.?|number|edition)\s*\d",
            m.group(1),
            maxsplit=1,
            flags=re.I,
        )[0]
        name = name.strip(" .!\"'“”’")
        if is_name(name):
            return name
    return None


_OUR_NEWSLETTER = re.compile(r"\bour\s+((?:[A-Z][\w'’&.-]*\s+){0,5}[A-Z][\w'’&.-]*)\s+newsletter\b")
_GENERIC = {
    "the",
    "this",
    "a",
    "an",
    "our",
    "my",
    "your",
    "issue",
    "update",
    "edition",
    "newsletter",
    "weekly",
    "digest",
    "number",
    "no",
    "vol",
    "volume",
    "episode",
    "letter",
    "week",
    "news",
    "ending",
    "month",
    "monthly",
    "daily",
    "report",
    "bulletin",
    "roundup",
    "recap",
    "summary",
    "notes",
}
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun"
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    # German, French, Spanish, Italian, Portuguese, Dutch
    "januar|februar|märz|mai|juni|juli|oktober|dezember|janvier|février|mars|avril|juin|juillet|"
    "août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|"
    "septiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|"
    "ottobre|dicembre|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro|"
    "januari|februari|maart|mei|augustus"
)
_DATE_WORDS = frozenset(f"{_MONTHS}|{_DAYS}".split("|"))  # a set, not a regex alternation: 2 ms less to start
_NAME_SMALL = {
    "of",
    "the",
    "in",
    "on",
    "and",
    "for",
    "to",
    "a",
    "at",
    "by",
    "&",
    "de",
    "la",
    "le",
    "du",
    "des",
    "der",
    "die",
    "das",
    "von",
}


def is_name(text: str) -> bool:
    """A plausible newsletter name: 1-6 words, capitalised (or caseless script), not generic."""
    words = text.split()
    if not words or len(words) > 6 or len(text) > 60 or not any(c.isalpha() for c in text):
        return False
    if all(w.lower().strip(".") in _GENERIC for w in words):
        return False
    if all(w.lower().strip(".,") in _DATE_WORDS for w in words):
        return False  # "Jan", "December": a date, not a name
    if words[0][:1].isalpha() and words[0][:1].islower():
        return False  # "the newsletter", "and the final issue"
    cased = [w for w in words[1:] if w[:1].isalpha() and w.lower() not in _NAME_SMALL and not w[:1].isdigit()]
    lower = [w for w in cased if w[:1].islower()]
    return len(lower) <= 1 and len(lower) * 2 <= len(cased) + 1


_TITLE_BRAND = re.compile(
    r"^(?P<name>.+?)\s*(?:[-–—:|·,]\s*)?(?:#|\bn[oº°]\.?\s*|\b(?:issue|edition|number|vol(?:ume)?\.?|episode)\s*#?\s*)?"
    r"(?P<num>\d{1,5})(?![.,]\d)\b",  # not a version ("Babel 5.0.0")
    re.IGNORECASE,
)
# Words that say "newsletter" rather than name one: dropped from the start of a derived brand
# ("Bulletin Hebdomadaire Bitcoin Optech" is Bitcoin Optech's weekly bulletin).
_LEADING_GENERIC = {"bulletin", "hebdomadaire", "newsletter", "lettre", "boletín", "boletim", "semanal"}
_TRAILING_GENERIC = re.compile(r"(?:\s+(?:newsletter|issue|edition))+$", re.I)
# Words that mark a title's suffix as the publication's name ("… - Berlin News Daily").
MASTHEAD_WORDS = re.compile(
    r"\b(?:news|daily|weekly|monthly|newsletter|digest|report|briefing|letter|times|journal|bulletin|"
    r"review|gazette|dispatch|roundup|magazine|zine|(?:this|last|the) (?:week|month|year) in)\b|"
    r"周刊|週刊|月刊|日报|ニュース",
    re.I,
)


def brand_from_title(title: str | None) -> str | None:
    """The recurring part of a title: "This Week in Rust" from "This Week in Rust 512",
    "NixOS Weekly" from "#05 - NixOS Weekly", "Philly Bike Action" from "Philly Bike Action
    November Newsletter", "This month in Servo" from "This month in Servo: new image formats".
    None when that part is generic ("Update #34", "Issue 12") or nothing marks it as the
    publication's name (an issue number, a date, "Newsletter", or a word like Weekly or News)."""
    if not title:
        return None
    title = title.strip()
    tag = re.match(r"^\[([^\[\]\s]{2,30})\]\s+\S", title)
    if tag and tag.group(1).lower() not in _GENERIC:
        return tag.group(1)  # "[python-urlo;)] Newsletter di notizie…": the list's own tag
    parts = re.split(r"\s*(?::\s|\s[-–—|·]\s|\s--\s|：)\s*", title, maxsplit=1)
    named = [_name_part(p) for p in parts]
    # "Data Is Plural — 2017.11.29 edition": one part only says which issue; the other names it
    if len(named) == 2:
        for k in (0, 1):
            rest, marked = named[k]
            dated = re.search(rf"(?i)\b(?:19|20)\d\d\b|\b(?:{_MONTHS})\b|\bedition\b", parts[k])
            if (
                marked
                and dated
                and not re.search(r"[^\W\d_]{2,}", re.sub(rf"(?i)\b(?:{_MONTHS}|edition|issue)\b", "", rest))
                and is_name(parts[1 - k].strip())
                and not re.search(r"\d", parts[1 - k])
            ):
                return parts[1 - k].strip()
    # a part that reads like a masthead ("This Week in Solus") beats one that only had a number
    named.sort(key=lambda nm: not MASTHEAD_WORDS.search(nm[0]))
    for name, marked in named:
        if name and (marked or MASTHEAD_WORDS.search(name)) and not re.search(r"\d", name) and is_name(name):
            return name
    return None


def _name_part(part: str) -> tuple[str, bool]:
    """(the part without its number, date and generic words, whether any were there)."""
    name = part.strip()
    marked = False
    iso = re.match(r"^\d{4}-\d{2}-\d{2}\s+", name)
    if iso:
        name, marked = name[iso.end() :], True
    lead = re.match(r"^(?:#|n[oº°]\.?\s*|(?:issue|edition|number)\s*#?\s*)?\d{1,5}\b\s*[-–—:|·]?\s*", name, re.I)
    if lead and lead.group(0).strip():
        name, marked = name[lead.end() :], True
    m = _TITLE_BRAND.match(name)
    if m:
        name, marked = m.group("name"), True
    for _ in range(3):  # "Newsletter, October" / "Week Ending July" / "（第"
        before = name
        name = name.strip(" -–—:|·,#(（[第!?")
        name = re.sub(r"\s+(?:issue|edition|no\.?|number|vol(?:ume)?\.?|episode)$", "", name, flags=re.I)
        name = re.sub(rf"[\s,:–—-]+(?:{_MONTHS})\.?$", "", name, flags=re.I)
        name = _TRAILING_GENERIC.sub("", name)
        marked = marked or (name != before and before.strip(" -–—:|·,#(（[第!?") != name)
    words = name.split()
    while len(words) > 1 and words[0].lower() in _LEADING_GENERIC:
        words = words[1:]
    return " ".join(words), marked


TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " · ", " :: ")


def title_suffixes(title: str):
    """(head, tail) for each way a page title may end in a site's name: "Foo | Site", "Foo - Site"…"""
    for sep in TITLE_SEPARATORS:
        head, _, tail = title.rpartition(sep)
        if head:
            yield head.strip(), tail.strip()


def split_masthead(title: str) -> tuple[str, str | None]:
    """("Gun laws, AfD ruling", "Berlin News Daily") from "Gun laws, AfD ruling - Berlin News
    Daily": a page title that ends with the publication's name, recognised by a masthead word.
    A title whose other part is only a number ("#05 - NixOS Weekly") is left whole."""
    for head, tail in title_suffixes(title):
        words = [w for w in head.split() if any(c.isalpha() for c in w)]
        name = re.sub(r"\s*(?:#|\bno\.?\s*|\bissue\s*)\d{1,5}$", "", tail, flags=re.I).strip()  # "… Newsletter #3"
        if len(words) >= 2 and is_name(name) and MASTHEAD_WORDS.search(name) and not re.search(r"\d", name):
            return head, name
    return title, None


_NUMBER_IN_URL = re.compile(r"(?:issue|edition|number|no|newsletter|weekly|episode)[-_/]?(\d{1,5})(?:\D|$)", re.I)


def number_from_url(url: str) -> int | None:
    """130 from ".../issue-130/" or ".../weekly-thing-130"; None when the URL names no issue."""
    path = re.sub(r"^[a-z]+://[^/]+", "", url)
    m = _NUMBER_IN_URL.search(path)
    if m and not (_YEAR.fullmatch(m.group(1)) and re.match(r"[-/]\d\d", path[m.end(1) :])):  # a date
        return int(m.group(1))
    m = re.search(r"[-_/](\d{1,4})/?(?:\.html?)?$", path)
    return int(m.group(1)) if m and not re.search(r"/\d{4}/\d{1,2}/?\d{0,2}/?$", path) else None


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
    """A title for an issue that has none: "East West Hurricane #34", else the file name made
    readable ("123456789.the-big-one" from a Substack export: "The big one")."""
    if brand and number is not None:
        return f"{brand} #{number}"
    if number is not None:
        return f"Issue #{number}"
    words = re.sub(r"^\d{5,}[._-]", "", stem).replace("_", " ").replace("-", " ").split()
    readable = " ".join(words)
    return brand or (readable[:1].upper() + readable[1:] if readable else stem)
