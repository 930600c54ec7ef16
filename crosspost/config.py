"""`crosspost.toml`: theme, per-platform settings, ledger and schedule.

Every key has a default, so no config file is needed. Unknown keys and wrong types are input
errors naming the file, because a silently ignored typo is a preview that lies. Secrets never
live here (see credentials.py).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .files import read_small_text

CONFIG_NAME = "crosspost.toml"


@dataclass
class Theme:
    brand: str = ""  # empty: taken from the issue (e.g. "East West Hurricane"), else none shown
    handle: str = ""  # e.g. "@eastwesthurricane", shown in the card footer
    mode: str = "light"  # light | dark
    background: str = ""  # colours as "#rrggbb"; empty: from the mode
    foreground: str = ""
    accent: str = ""
    muted: str = ""
    headline_font: str = ""  # path to a .ttf/.otf; empty: the bundled font
    body_font: str = ""
    quote_font: str = ""
    logo: str = ""  # path to an image drawn in the footer
    format: str = "png"  # png | jpeg


@dataclass
class XConfig:
    limit: int = 280
    mode: str = "summary"  # summary | full
    numbering: bool = True
    call_to_action: str = "Read the whole issue"
    subscribe_url: str = ""  # used in the closing post when the issue has no url
    hashtags: list[str] = field(default_factory=list)


@dataclass
class InstagramConfig:
    hashtags: list[str] = field(default_factory=list)
    cover: bool = False  # a cover card first in the carousel
    call_to_action: str = "Link in bio"
    mentions: list[str] = field(default_factory=list)


STORY_MARKERS = ("auto", "h1", "h2", "h3", "bold", "list")


@dataclass
class IssueConfig:
    """How to read the writer's issues when the automatic reading guesses wrong."""

    stories: str = "auto"  # auto | h1 | h2 | h3 | bold | list: what marks a story
    title: str = ""  # empty: from the issue
    brand: str = ""  # empty: theme.brand, else from the issue
    skip: list[str] = field(default_factory=list)  # section headings never posted ("Sponsor", ...)
    feed: str = ""  # RSS/Atom URL fetched by `crosspost fetch` and before `crosspost run`


@dataclass
class LedgerConfig:
    path: str = ".crosspost/ledger.db"


@dataclass
class ScheduleConfig:
    timezone: str = "UTC"
    auto: bool = False  # schedule new files in issues/ automatically on `crosspost run`
    to: list[str] = field(default_factory=lambda: ["x", "instagram"])
    x_at: str = "09:00"  # the thread goes out at this time on the next weekday
    instagram_at: str = "12:00"
    instagram_spread: str = "1d"  # one card a day


@dataclass
class OutboxConfig:
    path: str = "outbox"


@dataclass
class Config:
    theme: Theme = field(default_factory=Theme)
    issue: IssueConfig = field(default_factory=IssueConfig)
    x: XConfig = field(default_factory=XConfig)
    instagram: InstagramConfig = field(default_factory=InstagramConfig)
    ledger: LedgerConfig = field(default_factory=LedgerConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    outbox: OutboxConfig = field(default_factory=OutboxConfig)
    issues_dir: str = "issues"
    out_dir: str = "out"
    root: Path = field(default_factory=Path.cwd)  # directory holding crosspost.toml
    path: Path | None = None  # the file read, if any

    def resolve(self, p: str) -> Path:
        """A path from the config, relative to the config's directory."""
        q = Path(p).expanduser()
        return q if q.is_absolute() else self.root / q


_SECRET_WORDS = ("password", "secret", "token", "api_key", "totp")


def _fill(obj, data: dict, where: str, path: Path):
    for key, value in data.items():
        internal = ("root", "path") if isinstance(obj, Config) else ()
        fields = {f.name: f for f in dataclasses.fields(obj) if f.name not in internal}
        dotted = f"{where}{key}"
        if any(w in key.lower() for w in _SECRET_WORDS):
            raise InputError(
                f"'{dotted}' looks like a secret; secrets go in environment variables or the "
                "secrets file, never in crosspost.toml",
                path,
            )
        if key not in fields:
            raise InputError(f"unknown key '{dotted}'", path)
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise InputError(f"'{dotted}' must be a table", path)
            _fill(current, value, dotted + ".", path)
            continue
        expected = type(current)
        ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
        if expected is list:
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        if not ok:
            raise InputError(
                f"'{dotted}' must be {expected.__name__}, got {type(value).__name__}", path
            )
        setattr(obj, key, value)


def _validate(cfg: Config, path: Path | None):
    if cfg.x.mode not in ("summary", "full"):
        raise InputError(f"'x.mode' must be summary or full, got {cfg.x.mode!r}", path)
    if cfg.x.limit < 40:
        raise InputError(f"'x.limit' must be at least 40, got {cfg.x.limit}", path)
    if cfg.issue.stories not in STORY_MARKERS:
        raise InputError(
            f"'issue.stories' must be one of {', '.join(STORY_MARKERS)}, got {cfg.issue.stories!r}", path
        )
    if cfg.theme.mode not in ("light", "dark"):
        raise InputError(f"'theme.mode' must be light or dark, got {cfg.theme.mode!r}", path)
    if cfg.theme.format not in ("png", "jpeg"):
        raise InputError(f"'theme.format' must be png or jpeg, got {cfg.theme.format!r}", path)
    for key in ("background", "foreground", "accent", "muted"):
        value = getattr(cfg.theme, key)
        if value and not re.fullmatch(r"#(?:[0-9a-fA-F]{3}){1,2}", value):
            raise InputError(f"'theme.{key}' must be a colour like #1a2b3c, got {value!r}", path)
    for key in ("logo", "headline_font", "body_font", "quote_font"):
        value = getattr(cfg.theme, key)
        if value and not cfg.resolve(value).is_file():
            raise InputError(f"'theme.{key}': no such file {cfg.resolve(value)}", path)


def load_config(root: Path | None = None) -> Config:
    """Read crosspost.toml from `root` (default: the working directory), or return defaults."""
    root = Path(root) if root is not None else Path.cwd()
    path = root / CONFIG_NAME
    cfg = Config(root=root)
    if not path.exists():
        return cfg
    text = read_small_text(path, "the config")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", path) from None
    except RecursionError:  # `a = [[[[...` thousands deep
        raise InputError("invalid TOML: nested too deeply", path) from None
    _fill(cfg, data, "", path)
    cfg.path = path
    _validate(cfg, path)
    return cfg
