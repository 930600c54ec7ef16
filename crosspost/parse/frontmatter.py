"""YAML front matter of a Markdown issue: split off, parsed safely, fields validated.

Only the keys crosspost uses are read (title, number, url, date, hashtags, brand); any other
key is ignored so writers can keep their own metadata. A wrong value is an InputError, because
a silently dropped issue number or date would make a preview lie.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .normalize import clean_inline


@dataclass
class FrontMatter:
    title: str | None = None
    number: int | None = None
    url: str | None = None
    date: str | None = None
    brand: str | None = None
    hashtags: list[str] = field(default_factory=list)


def split_front_matter(text: str, path: Path) -> tuple[dict, str, int]:
    """(mapping, body, number of lines before the body). Text must use "\\n" line endings."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return {}, text, 0
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        raise InputError("front matter opened with '---' on line 1 is never closed", path)
    raw = "\n".join(lines[1:end])
    import yaml

    try:
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
        raise InputError(
            f"front matter must be a mapping of 'key: value' lines, not a {_kind(data)}", path
        )
    return data, "\n".join(lines[end + 1 :]), end + 1


def read_front_matter(data: dict, path: Path) -> FrontMatter:
    fm = FrontMatter()
    fm.title = _text(data, "title", path)
    fm.url = _text(data, "url", path)
    fm.brand = _text(data, "brand", path)
    fm.number = _number(data.get("number"), path)
    fm.date = _date(data.get("date"), path)
    fm.hashtags = _hashtags(data.get("hashtags"), path)
    return fm


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
    raise InputError(f"front matter 'number' must be an integer, got {value!r}", path)


def _date(value, path: Path) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        m = re.match(r"\s*(\d{4}-\d{2}-\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\s*$", value)
        if m:
            try:
                return dt.date.fromisoformat(m.group(1)).isoformat()
            except ValueError:
                pass
    raise InputError(f"front matter 'date' must be a date like 2020-06-12, got {value!r}", path)


def _hashtags(value, path: Path) -> list[str]:
    """Tags without their '#', from a YAML list or a space/comma separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        items = re.split(r"[\s,]+", value)
    elif isinstance(value, list) and all(
        isinstance(v, (str, int)) and not isinstance(v, bool) for v in value
    ):
        items = [str(v) for v in value]
    else:
        raise InputError("front matter 'hashtags' must be a list or a string of tags", path)
    tags: list[str] = []
    for item in items:
        tag = "".join(clean_inline(item).lstrip("#").split())
        if tag and tag not in tags:
            tags.append(tag)
    return tags
