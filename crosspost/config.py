"""`crosspost.toml`: theme, per-platform settings, ledger and schedule.

Every key has a default, so no config file is needed. A platform's table (`[x]`, `[instagram]`,
a plugin's) is the settings dataclass its PlatformSpec makes: the thread and carousel settings
below are shared by every platform that plans that way, with the platform's own defaults. Unknown keys and wrong types are input
errors naming the file, because a silently ignored typo is a preview that lies. Secrets never
live here (see credentials.py).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


THREAD_MODES = ("summary", "full")


@dataclass
class ThreadSettings:
    """The table of a platform that posts an issue as a thread."""

    limit: int = 280  # the platform's own limit by default; more for long-post accounts
    mode: str = "summary"  # summary | full
    numbering: bool = True
    call_to_action: str = "Read the whole issue"
    subscribe_url: str = ""  # used in the closing post when the issue has no url
    hashtags: list[str] = field(default_factory=list)

    def check(self, table: str, path: Path | None) -> None:
        if self.mode not in THREAD_MODES:
            raise InputError(f"'{table}.mode' must be summary or full, got {self.mode!r}", path)
        if self.limit < 40:
            raise InputError(f"'{table}.limit' must be at least 40, got {self.limit}", path)


@dataclass
class CarouselSettings:
    """The table of a platform that posts an issue's cards with a caption."""

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
class DatabaseConfig:
    """`[database]`: a PostgreSQL database many hosts share (CROSSPOST_DATABASE_URL wins). Its
    password never goes here: libpq reads PGPASSWORD and ~/.pgpass, or the variable holds it."""

    url: str = ""


_PER_PLATFORM = re.compile(r"(.+)_(at|spread)")


@dataclass
class ScheduleConfig:
    """`[schedule]`. Besides these keys, each platform has `<name>_at` (its time of day, e.g.
    x_at = "09:00") and a carousel platform `<name>_spread` (its drip, e.g. instagram_spread = "1d"),
    defaulting to its spec's."""

    timezone: str = "UTC"
    auto: bool = False  # schedule new files in issues/ automatically on `crosspost run`
    to: list[str] = field(default_factory=list)  # empty: the platforms scheduled by default
    times: dict[str, str] = field(default_factory=dict)  # platform -> "HH:MM", from `<name>_at`
    spreads: dict[str, str] = field(default_factory=dict)  # platform -> "1d", from `<name>_spread`

    def at(self, platform: str) -> str:
        from .platforms import get

        return self.times.get(platform) or get(platform).schedule_at

    def spread(self, platform: str) -> str:
        from .platforms import get

        return self.spreads.get(platform) or get(platform).schedule_spread

    def targets(self) -> list[str]:
        from .platforms import scheduled_by_default

        return list(self.to) or scheduled_by_default()

    def __getattr__(self, name: str):  # x_at, instagram_spread: read like the keys they come from
        m = _PER_PLATFORM.fullmatch(name)
        if m is None or name.startswith("__"):
            raise AttributeError(name)
        return self.at(m.group(1)) if m.group(2) == "at" else self.spread(m.group(1))


@dataclass
class Config:
    theme: Theme = field(default_factory=Theme)
    issue: IssueConfig = field(default_factory=IssueConfig)
    ledger: LedgerConfig = field(default_factory=LedgerConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    issues_dir: str = "issues"
    out_dir: str = "out"
    root: Path = field(default_factory=Path.cwd)  # directory holding crosspost.toml
    path: Path | None = None  # the file read, if any
    platforms: dict[str, Any] = field(default_factory=dict)  # platform -> its table, made on first use

    def resolve(self, p: str) -> Path:
        """A path from the config, relative to the config's directory."""
        q = Path(p).expanduser()
        return q if q.is_absolute() else self.root / q

    def settings(self, platform: str) -> Any:
        """Platform `platform`'s table: what crosspost.toml says, over the platform's defaults."""
        if platform not in self.platforms:
            from .platforms import get

            make = get(platform).settings
            if make is None:
                raise InputError(f"the {platform} platform has no settings")
            self.platforms[platform] = make()
        return self.platforms[platform]

    def __getattr__(self, name: str):  # config.x, config.outbox: a platform's table
        if name.startswith("_") or name in ("platforms", "root", "path"):
            raise AttributeError(name)
        from .platforms import registry

        if name in registry():
            return self.settings(name)
        raise AttributeError(name)


_SECRET_WORDS = ("password", "secret", "token", "api_key", "totp")


_INTERNAL = {"Config": ("root", "path", "platforms"), "ScheduleConfig": ("times", "spreads")}


def _fill(obj, data: dict, where: str, path: Path):
    for key, value in data.items():
        internal = _INTERNAL.get(type(obj).__name__, ())
        fields = {f.name: f for f in dataclasses.fields(obj) if f.name not in internal}
        dotted = f"{where}{key}"
        if any(w in key.lower() for w in _SECRET_WORDS):
            raise InputError(
                f"'{dotted}' looks like a secret; secrets go in environment variables or the "
                "secrets file, never in crosspost.toml",
                path,
            )
        if key not in fields:
            if isinstance(obj, Config) and _is_platform(key, lambda spec: spec.settings is not None):
                current = obj.settings(key)
                if not isinstance(value, dict):
                    raise InputError(f"'{dotted}' must be a table", path)
                _fill(current, value, dotted + ".", path)
                continue
            m = _PER_PLATFORM.fullmatch(key) if isinstance(obj, ScheduleConfig) else None
            if m and _is_platform(m.group(1), lambda spec: m.group(2) == "at" or spec.drips):
                if not isinstance(value, str):
                    raise InputError(f"'{dotted}' must be str, got {type(value).__name__}", path)
                (obj.times if m.group(2) == "at" else obj.spreads)[m.group(1)] = value
                continue
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
            raise InputError(f"'{dotted}' must be {expected.__name__}, got {type(value).__name__}", path)
        setattr(obj, key, value)


def _is_platform(name: str, having) -> bool:
    from .platforms import registry

    spec = registry().get(name)
    return spec is not None and having(spec)


def _validate(cfg: Config, path: Path | None):
    for name, table in cfg.platforms.items():
        if hasattr(table, "check"):
            table.check(name, path)
    if cfg.issue.stories not in STORY_MARKERS:
        raise InputError(f"'issue.stories' must be one of {', '.join(STORY_MARKERS)}, got {cfg.issue.stories!r}", path)
    if cfg.theme.mode not in ("light", "dark"):
        raise InputError(f"'theme.mode' must be light or dark, got {cfg.theme.mode!r}", path)
    if cfg.theme.format not in ("png", "jpeg"):
        raise InputError(f"'theme.format' must be png or jpeg, got {cfg.theme.format!r}", path)
    for key in ("background", "foreground", "accent", "muted"):
        value = getattr(cfg.theme, key)
        if value and not re.fullmatch(r"#(?:[0-9a-fA-F]{3}){1,2}", value):
            raise InputError(f"'theme.{key}' must be a colour like #1a2b3c, got {value!r}", path)
    url = cfg.database.url
    if url and not re.match(r"postgres(ql)?://", url):
        raise InputError(f"'database.url' must be a postgresql:// URL, got {url!r}", path)
    if re.match(r"^postgres(ql)?://[^:/@]*:[^@]+@", url):
        raise InputError(
            "'database.url' holds a password; secrets never go in crosspost.toml: put the URL in "
            "CROSSPOST_DATABASE_URL, or the password in PGPASSWORD or ~/.pgpass",
            path,
        )
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
    import tomllib  # only when there is a file to read

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
