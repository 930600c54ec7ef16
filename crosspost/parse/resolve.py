"""Which issue file the user means: a name, a number, a path, or (nothing) the latest.

Rules, in order, for ISSUE = ref:
1. An existing file path (absolute, or relative to the working directory) is used as is.
2. A name in the issues directory: "issue-34" -> issues/issue-34.{txt,md,markdown,html,htm}
   (or the exact file name "issue-34.md").
3. A bare number ("34" or "#34"): the issue file whose name carries that number
   ("issue-34.txt", "update_34.md", "34.html"; see parse.meta.number_from_name).
4. Anything else is an InputError listing the issues that do exist.

Without ref, the latest issue is the one with the highest number in its file name. Files
whose names carry no number (e.g. dated names) only count when no file has a number; then
the most recently modified wins (ties: the later name). Numbers beat mtimes because a git
checkout or a copy resets modification times but never renames files.

Two files for the same issue (issue-34.txt and issue-34.md) are ambiguous: the error lists
both so the user can name one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from . import ISSUE_SUFFIXES
from .meta import number_from_name

if TYPE_CHECKING:
    from ..config import Config
    from ..model import Issue

MAX_LISTED = 12


def issue_files(issues_dir: Path) -> list[Path]:
    """Issue files directly in issues_dir (known suffixes, no hidden or backup files)."""
    try:
        entries = list(issues_dir.iterdir())
    except OSError:
        return []
    return sorted(
        p
        for p in entries
        if p.suffix.lower() in ISSUE_SUFFIXES and not p.name.startswith((".", "~", "#")) and p.is_file()
    )


def resolve_issue(ref: str | None, issues_dir: Path) -> Path:
    """The file the ISSUE argument refers to (see the module docstring for the rules)."""
    issues_dir = Path(issues_dir)
    if ref is not None:
        ref = ref.strip()
        as_path = Path(ref).expanduser()
        if ref and as_path.exists() and not as_path.is_dir():
            return as_path
        if ref and _looks_like_path(ref):
            if as_path.is_dir():
                raise InputError("is a directory, not an issue file", as_path)
            raise InputError("no such file", as_path)
    files = _existing_issues(issues_dir)
    if ref is None:
        return _latest(files)
    if not ref:
        raise InputError("empty issue name")
    matches = _by_name(ref, files)
    if not matches and re.fullmatch(r"#?\d{1,9}", ref):
        wanted = int(ref.lstrip("#"))
        matches = [p for p in files if number_from_name(p.stem) == wanted]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        names = ", ".join(p.name for p in matches)
        raise InputError(f"issue {ref!r} is ambiguous in {_show(issues_dir)}/: {names}; name the file")
    raise InputError(f"no issue {ref!r} in {_show(issues_dir)}/; available: {_available(files)}")


def load_issue(ref: str | None, config: "Config") -> "Issue":
    """Resolve ISSUE against the configured issues directory and parse it."""
    from . import parse_issue, settings_from

    return parse_issue(resolve_issue(ref, config.resolve(config.issues_dir)), settings_from(config))


def _looks_like_path(ref: str) -> bool:
    return "/" in ref or os.sep in ref or ref.startswith((".", "~"))


def _existing_issues(issues_dir: Path) -> list[Path]:
    if not issues_dir.is_dir():
        raise InputError("issues directory not found; create it or pass the issue file's path", issues_dir)
    files = issue_files(issues_dir)
    if not files:
        suffixes = ", ".join(ISSUE_SUFFIXES)
        raise InputError(f"no issue files ({suffixes}) in the issues directory", issues_dir)
    return files


def _by_name(ref: str, files: list[Path]) -> list[Path]:
    exact = [p for p in files if p.name == ref]
    if exact:
        return exact
    return [p for p in files if p.stem == ref]


def _latest(files: list[Path]) -> Path:
    numbered = [(n, p) for p in files if (n := number_from_name(p.stem)) is not None]
    if numbered:
        top = max(n for n, _ in numbered)
        best = [p for n, p in numbered if n == top]
        if len(best) > 1:
            names = ", ".join(p.name for p in best)
            raise InputError(f"the latest issue ({top}) has several files: {names}; name the one to use")
        return best[0]
    return max(files, key=lambda p: (_mtime(p), p.name))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _available(files: list[Path]) -> str:
    """Issue ids, by number then name; the latest ones when there are many."""

    def key(p: Path):
        n = number_from_name(p.stem)
        return (n is None, n if n is not None else 0, p.stem)

    ids = list(dict.fromkeys(p.stem for p in sorted(files, key=key)))
    if len(ids) > MAX_LISTED:
        return f"{', '.join(ids[-MAX_LISTED:])} (and {len(ids) - MAX_LISTED} older)"
    return ", ".join(ids)


def _show(path: Path) -> str:
    """The directory as the user would write it: relative to cwd when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)
