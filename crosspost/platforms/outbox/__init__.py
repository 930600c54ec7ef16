"""The outbox: a local folder that receives any platform's plan as that platform would, with no
account and no network (previews, tests, a static archive of what was posted).

Only the spec lives here; the adapter is imported when something is published.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import ANY, Limits, PlatformSpec, hookimpl


@dataclass
class OutboxSettings:
    """`[outbox]` in crosspost.toml."""

    path: str = "outbox"


SPEC = PlatformSpec(
    name="outbox",
    label="the outbox",
    adapter="crosspost.platforms.outbox.adapter:Adapter",
    plan=ANY,
    limits=Limits(max_chars=25_000, max_media=10, threads=True),
    settings=OutboxSettings,
)


@hookimpl
def register_platforms(register):
    register(SPEC)
