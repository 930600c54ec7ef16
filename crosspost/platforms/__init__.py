"""The platform registry: every platform is one folder, registered like a plugin.

A platform folder (`crosspost/platforms/<name>/`, or a package of its own) holds a light
`__init__.py` with its `PlatformSpec` and a `register_platforms` hook implementation, and an
adapter module imported only when something is published. Built-in platforms register through
the same pluggy hook as third-party ones, which are found through the `crosspost.platforms`
entry-point group:

    # a plugin's pyproject.toml
    [project.entry-points."crosspost.platforms"]
    echo = "crosspost_echo"

    # crosspost_echo/__init__.py
    from crosspost.platforms import PlatformSpec, hookimpl

    @hookimpl
    def register_platforms(register):
        register(PlatformSpec(name="echo", ...))

Nothing outside a platform's folder names it: planning, cards, credentials, login, scheduling and
the CLI all read the spec. `crosspost --help` never builds the registry (pluggy and the entry-point
scan cost start-up time), and no adapter's library is imported before it is used.
"""

from __future__ import annotations

import functools
import importlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InputError
from .base import ANY, CAROUSEL, THREAD, Adapter, Limits, PlatformSpec, Published

if TYPE_CHECKING:
    import pluggy

ENTRY_POINTS = "crosspost.platforms"
BUILT_IN = (
    "crosspost.platforms.x",
    "crosspost.platforms.instagram",
    "crosspost.platforms.outbox",
    "crosspost.platforms.bluesky",
    "crosspost.platforms.mastodon",
)
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def __getattr__(name: str):
    # pluggy's markers, made on first use so that importing this package stays cheap
    if name in ("hookimpl", "hookspec"):
        import pluggy

        marker = pluggy.HookimplMarker("crosspost") if name == "hookimpl" else pluggy.HookspecMarker("crosspost")
        globals()[name] = marker
        return marker
    raise AttributeError(name)


def plugin_manager() -> "pluggy.PluginManager":
    """The built-in platforms and the installed plugins, registered with pluggy."""
    import pluggy

    hookspec = __getattr__("hookspec")

    class Hooks:
        @hookspec
        def register_platforms(self, register):
            """Call `register(spec)` with a PlatformSpec for each platform this plugin adds."""

    pm = pluggy.PluginManager("crosspost")
    pm.add_hookspecs(Hooks)
    for module in BUILT_IN:
        pm.register(importlib.import_module(module), name=module)
    for name, value in entry_points(ENTRY_POINTS):
        if pm.has_plugin(name):
            continue  # the same plugin found twice on the path
        try:
            plugin = _load(value)
        except Exception as exc:  # a broken plugin is one line naming it, not a traceback
            raise InputError(
                f"the platform plugin '{name}' ({value}) cannot be loaded: {type(exc).__name__}: {exc}"
            ) from None
        pm.register(plugin, name=name)
    return pm


def entry_points(group: str) -> list[tuple[str, str]]:
    """(name, "module:attr") of every entry point in `group`, as importlib.metadata.entry_points(group=)
    finds them: each distribution's `entry_points.txt` in its .dist-info (or .egg-info) folder on
    sys.path, the first distribution of a name on the path winning. Read here rather than through
    importlib.metadata, whose import alone (email, zipfile, csv) costs ~40 ms CPU, a tenth of a dry
    run; tests/test_platforms.py checks both agree. Zipped eggs are not searched."""
    import os
    import sys

    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for folder in names:
            stem, dot, kind = folder.rpartition(".")
            if not dot or kind not in ("dist-info", "egg-info"):
                continue
            distribution = re.sub(r"[-_.]+", "_", stem.partition("-")[0]).lower()
            if distribution in seen:
                continue
            seen.add(distribution)
            try:
                with open(os.path.join(entry or ".", folder, "entry_points.txt"), encoding="utf-8") as f:
                    text = f.read()
            except OSError:
                continue
            found.extend(_section(text, group))
    return found


def _section(text: str, group: str) -> list[tuple[str, str]]:
    """The `name = value` lines of the `[group]` section of an entry_points.txt (an INI file)."""
    pairs: list[tuple[str, str]] = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            inside = line[1:-1].strip() == group
        elif inside and "=" in line:
            name, _, value = line.partition("=")
            pairs.append((name.strip(), value.strip()))
    return pairs


def _load(value: str):
    """The object an entry point names: "module", or "module:attr.attr" (an "[extra]" suffix ignored)."""
    module, _, attrs = value.split("[", 1)[0].strip().partition(":")
    obj = importlib.import_module(module.strip())
    for attr in filter(None, attrs.strip().split(".")):
        obj = getattr(obj, attr)
    return obj


@functools.cache
def registry() -> dict[str, PlatformSpec]:
    """Every registered platform by name: the built-in ones first, then plugins in load order."""
    return collect(plugin_manager())


def collect(pm: "pluggy.PluginManager") -> dict[str, PlatformSpec]:
    """The specs the plugins of `pm` register, checked: a taken or malformed name, or an unknown
    plan kind, stops here rather than misrouting posts later."""
    specs: dict[str, PlatformSpec] = {}
    plugin = ""

    def register(spec: PlatformSpec) -> None:
        problem = ""
        if not isinstance(spec, PlatformSpec):
            problem = f"registered a {type(spec).__name__}, not a PlatformSpec"
        elif spec.name in specs:
            problem = f"registered the platform name '{spec.name}', which is taken"
        elif not _NAME.fullmatch(spec.name):
            problem = f"registered the platform name {spec.name!r} (use a-z, 0-9, _ and -, starting with a letter)"
        elif spec.plan not in (THREAD, CAROUSEL, ANY):
            problem = f"registered '{spec.name}' with an unknown plan kind {spec.plan!r}"
        if problem:
            raise InputError(f"the platform plugin '{plugin}' {problem}")
        specs[spec.name] = spec

    for impl in pm.hook.register_platforms.get_hookimpls():  # registration order
        plugin = impl.plugin_name
        impl.function(register=register)
    return specs


def available() -> list[str]:
    """Names of every registered platform, built-in first."""
    return list(registry())


def get(name: str) -> PlatformSpec:
    """The spec of platform `name`; an unknown name is an input error listing the known ones."""
    spec = registry().get(name)
    if spec is None:
        raise InputError(f"unknown platform '{name}' (known: {', '.join(available())})")
    return spec


def first(plan: str) -> PlatformSpec:
    """The first registered platform whose plans are of kind `plan`: what `crosspost thread` and
    `crosspost cards` publish to when no --to is given."""
    for spec in registry().values():
        if spec.plan == plan:
            return spec
    raise InputError(f"no registered platform takes a {plan} plan")


def scheduled_by_default() -> list[str]:
    return [name for name, spec in registry().items() if spec.scheduled_by_default]


def adapter_class(name: str) -> type[Adapter]:
    return get(name).adapter_class()


@dataclass(frozen=True, order=True)
class Target:
    """Where a plan goes: the platform it is published to, and the platform whose plan it is.

    They differ only for a sink such as the outbox, which takes another platform's plan as it is
    ("outbox:x" is the X thread written to the outbox). `str()` gives that stored form, which
    the schedule keeps; `parse` reads it back, checked against the registry.
    """

    platform: str
    plan: str

    def __str__(self) -> str:
        return self.platform if self.platform == self.plan else f"{self.platform}:{self.plan}"

    @classmethod
    def parse(cls, text: str) -> "Target":
        platform, _, plan = text.strip().lower().partition(":")
        spec = get(platform)
        if not plan:
            return cls(platform, platform)
        if plan != platform and spec.plan != ANY:
            raise InputError(f"'{text}': {spec.label} publishes only its own plans (use --to {platform})")
        if get(plan).plan == ANY:
            raise InputError(f"'{text}': {get(plan).label} has no plan of its own to publish")
        return cls(platform, plan)

    @property
    def spec(self) -> PlatformSpec:
        return get(self.platform)

    @property
    def plan_spec(self) -> PlatformSpec:
        return get(self.plan)

    @classmethod
    def of_kind(cls, to: str | None, kind: str) -> "Target":
        """The target of `crosspost thread` (kind THREAD) or `cards` (CAROUSEL) for `--to`: a platform
        of that kind, or a sink given the first such platform's plan (`--to outbox`)."""
        if to is None:
            name = first(kind).name
            return cls(name, name)
        target = cls.parse(to)
        if ":" not in to and target.spec.plan == ANY:
            return cls(target.platform, first(kind).name)
        if target.plan_spec.plan != kind:
            raise InputError(
                f"{target.plan_spec.label} does not take a {kind} plan "
                f"(platforms that do: {', '.join(n for n, s in registry().items() if s.plan == kind)})"
            )
        return target


__all__ = [
    "ANY",
    "CAROUSEL",
    "THREAD",
    "Adapter",
    "Limits",
    "PlatformSpec",
    "Published",
    "Target",
    "adapter_class",
    "available",
    "first",
    "get",
    "hookimpl",
    "registry",
    "scheduled_by_default",
]
