"""echo: a thread platform whose posts are JSON files in the project's `.echo/` folder.

It differs from every built-in platform where a platform can differ: its own length function
(characters, with any URL counting 10), limit (120), images per post (2), card size (1200x1200),
credential (CROSSPOST_ECHO_TOKEN) and schedule time, so a test can tell its spec was used.
"""

import re

from crosspost.config import ThreadSettings
from crosspost.platforms import THREAD, Limits, PlatformSpec, hookimpl

_URL = re.compile(r"https?://\S+")


def echo_length(text: str) -> int:
    return len(_URL.sub("u" * 10, text))


SPEC = PlatformSpec(
    name="echo",
    label="Echo",
    adapter="crosspost_echo.adapter:Adapter",
    plan=THREAD,
    limits=Limits(max_chars=120, max_media=2, threads=True),
    length=echo_length,
    settings=lambda: ThreadSettings(limit=120, call_to_action="Read it all"),
    credentials={"token": "CROSSPOST_ECHO_TOKEN"},
    card_size=(1200, 1200),
    schedule_at="07:15",
)


@hookimpl
def register_platforms(register):
    register(SPEC)
