"""The header of a Markdown issue: YAML `---` or TOML `+++` front matter, or a `Key: value` block.

Every common dialect's keys are read: crosspost's own (title, number, url, date, hashtags,
brand) and those of Buttondown, Ghost, Hugo, Jekyll, Pelican and MultiMarkdown exports
(`subject`, `issue`, `publish_date`, `absolute_url`, `canonical_url`, `slug`, `newsletter`…).
Any other key is ignored so writers can keep their own metadata. A wrong value of one of
crosspost's own keys is an InputError, because a silently dropped issue number or date would make
a preview lie; the other dialects' keys are read when they make sense and ignored otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..hashtags import hashtags
from .dates import iso_date
from .normalize import clean_inline

if TYPE_CHECKING:
    from .document import Meta


MAX_FRONT_MATTER = 64 * 1024


def _shown(value) -> str:
    """A value for an error message: its repr, cut short (a message is one line)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def split_front_matter(text: str, path: Path) -> tuple[dict, str, int]:
    """(mapping, body, number of lines before the body). Text must use "\\n" line endings."""
    lines = text.split("\n")
    fence = lines[0].rstrip()
    if fence not in ("---", "+++"):
        return {}, text, 0
    closers = ("---", "...") if fence == "---" else ("+++",)
    for end in range(1, len(lines)):
        if lines[end].rstrip() in closers:
            break
    else:
        raise InputError(f"front matter opened with '{fence}' on line 1 is never closed", path)
    raw = "\n".join(lines[1:end])
    if fence == "+++":
        return _toml(raw, path), "\n".join(lines[end + 1 :]), end + 1
    import yaml

    if len(raw) > MAX_FRONT_MATTER:
        raise InputError(
            f"front matter is {len(raw) // 1024} KB; more than {MAX_FRONT_MATTER // 1024} KB is not a "
            "header (is the closing '---' missing?)",
            path,
        )
    try:
        # aliases (*name) can expand a few hundred bytes into gigabytes; a header never needs them
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(raw, Loader=yaml.SafeLoader)):
            raise InputError("front matter uses YAML aliases (*name); write the values out", path)
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"invalid YAML front matter: {problem}{where}", path) from None
    except RecursionError:
        raise InputError("invalid YAML front matter: nested too deeply", path) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. "date: 2020-13-45"
        raise InputError(f"invalid YAML front matter: {exc}", path) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"front matter must be a mapping of 'key: value' lines, not a {_kind(data)}", path)
    return data, "\n".join(lines[end + 1 :]), end + 1


def _toml(raw: str, path: Path) -> dict:
    import tomllib

    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML front matter: {exc}", path) from None


# Other dialects' names for crosspost's keys, most specific first.
_ALIASES = {
    "title": ("subject", "name", "headline"),
    "number": ("issue", "issue_number", "issueNumber", "edition", "no", "episode"),
    "date": ("publish_date", "published", "published_at", "pubDate", "publishDate", "created"),
    "url": ("canonical_url", "absolute_url", "canonical", "permalink", "link", "external_url"),
    "brand": ("newsletter", "publication", "site_name", "series"),
}


def read_front_matter(data: dict, path: Path) -> "Meta":
    from .document import Meta

    fm = Meta()
    lower = {str(k).lower(): v for k, v in data.items()}
    fm.title = _text(data, "title", path) or _first(lower, "title", _loose_text)
    fm.url = _url(_text(data, "url", path)) or _first(lower, "url", lambda v: _url(_loose_text(v)))
    fm.brand = _text(data, "brand", path) or _first(lower, "brand", _loose_text)
    fm.number = _number(data.get("number"), path)
    if fm.number is None:
        fm.number = _first(lower, "number", _loose_number)
    fm.date = _date(data.get("date"), path)
    if fm.date is None:
        fm.date = _first(lower, "date", iso_date)
    fm.hashtags = _hashtags(data.get("hashtags"), path)
    return fm


def _first(lower: dict, key: str, read, *, with_key: bool = False):
    """The first of `key`'s other dialects' names (and `key` itself first, `with_key`) that
    `read` makes sense of."""
    for alias in ((key,) if with_key else ()) + _ALIASES[key]:
        value = lower.get(alias.lower())
        if value is not None:
            got = read(value)
            if got is not None:
                return got
    return None


def _loose_text(value) -> str | None:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return clean_inline(str(value)) or None
    return None


def _url(value: str | None) -> str | None:
    return value if value and re.match(r"https?://\S+$", value) else None


def _loose_number(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(?:(?:issue|no\.?|number|edition)\s*)?#?(\d{1,9})\s*", value, re.I)
        return int(m.group(1)) if m else None
    return None


def _kind(value) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


def _text(data: dict, key: str, path: Path) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return clean_inline(str(value)) or None
    raise InputError(f"front matter '{key}' must be text, not a {_kind(value)}", path)


def _number(value, path: Path) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*#?\d{1,9}\s*", value):
        return int(value.strip().lstrip("#"))
    raise InputError(f"front matter 'number' must be an integer, got {_shown(value)}", path)


def _date(value, path: Path) -> str | None:
    if value is None:
        return None
    date = iso_date(value)
    if date is None:
        raise InputError(f"front matter 'date' must be a date like 2020-06-12, got {_shown(value)}", path)
    return date


def _hashtags(value, path: Path) -> list[str]:
    """Tags without their '#' (as hashtags.hashtag makes them), from a YAML list or a space/comma
    separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        items = re.split(r"[\s,]+", value)
    elif isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        items = [str(v) for v in value]
    else:
        raise InputError("front matter 'hashtags' must be a list or a string of tags", path)
    return [tag[1:] for tag in hashtags(items)]


# A Pelican / MultiMarkdown header: "Title: …" lines at the very top, ended by a blank line.
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_ -]{0,24}):[ \t]*(.*)$")
_HEADER_KEYS = {
    "title",
    "subject",
    "date",
    "number",
    "issue",
    "author",
    "authors",
    "category",
    "tags",
    "slug",
    "summary",
    "status",
    "modified",
    "lang",
    "url",
    "save_as",
    "brand",
    "newsletter",
    "description",
    "publish_date",
    "canonical_url",
    "hashtags",
    "keywords",
    "edition",
    # an e-mail saved with its headers
    "from",
    "to",
    "cc",
    "reply-to",
    "message-id",
    "mime-version",
    "content-type",
    "list-id",
    "content-transfer-encoding",
    "in-reply-to",
    "references",
    "sender",
    "x-mailer",
    "return-path",
}


def split_key_value_header(text: str) -> tuple[dict, str]:
    """({key: value}, rest) for a `Title: … / Date: …` header block; ({}, text) when there is none.

    A header is two or more `Key: value` lines at the top of the file (one is enough when it is
    Title or Subject) with at least one key from the common dialects, ended by a blank line."""
    lines = text.split("\n")
    data: dict = {}
    n = 0
    for line in lines:
        if not line.strip():
            break
        m = _HEADER_LINE.match(line)
        if not m:
            if n and line[:1] in (" ", "\t"):  # MultiMarkdown continuation line
                n += 1
                continue
            return {}, text
        data[m.group(1).strip().lower().replace(" ", "_")] = m.group(2).strip()
        n += 1
    known = set(data) & _HEADER_KEYS
    if not known or (len(data) < 2 and not known & {"title", "subject"}):
        return {}, text
    return data, "\n".join(lines[n:])


def read_header(text: str, path: Path):
    """(Meta, body) from whichever header the Markdown text starts with."""

    data, body, _ = split_front_matter(text, path)
    if not data:
        data, body = split_key_value_header(text)
        return header_meta(data), body
    meta = read_front_matter(data, path)
    meta.title_source = "the front matter" if meta.title else ""
    return meta, body


_SUBJECT_NOISE = re.compile(r"^(?:\s*(?:\[[^\]]{1,40}\]|re:|fwd?:))+\s*", re.I)


def clean_subject(subject: str) -> str | None:
    """A mail subject as a title: list tags ("[club]"), "Re:" and "Fwd:" removed."""
    return clean_inline(_SUBJECT_NOISE.sub("", subject)) or None


def header_meta(data: dict):
    """The Meta of a `Key: value` header (Pelican, MultiMarkdown, a saved mail's headers)."""
    from .document import Meta

    meta = Meta(
        title=_first(data, "title", lambda v: clean_subject(str(v)), with_key=True),
        url=_first(data, "url", lambda v: _url(_loose_text(v)), with_key=True),
        brand=_first(data, "brand", _loose_text, with_key=True),
        number=_first(data, "number", _loose_number, with_key=True),
        date=_first(data, "date", iso_date, with_key=True),
    )
    if meta.title:
        meta.title_source = "the 'Title:' header" if data.get("title") else "the 'Subject:' header"
    return meta
