"""X (Twitter): an issue as a thread of replies, a 16:9 card on each story.

Only the spec lives here; the adapter (tweepy, requests) is imported when something is published.
X counts a post's length with its weighted length (twitter-text v3: URLs 23, CJK and emoji 2).
"""

from __future__ import annotations

from ...config import ThreadSettings
from ...model import Plan
from .. import THREAD, Limits, PlatformSpec, hookimpl
from .textlen import weighted_length

CREDENTIALS = {
    "api_key": "CROSSPOST_X_API_KEY",
    "api_secret": "CROSSPOST_X_API_SECRET",
    "access_token": "CROSSPOST_X_ACCESS_TOKEN",
    "access_secret": "CROSSPOST_X_ACCESS_SECRET",
}


def api_calls(plan: Plan) -> int:
    """A create per post, an upload and an alt-text call per image."""
    return len(plan.posts) + 2 * sum(len(p.media) for p in plan.posts)


SPEC = PlatformSpec(
    name="x",
    label="X",
    adapter="crosspost.platforms.x.adapter:Adapter",
    plan=THREAD,
    limits=Limits(max_chars=280, max_media=4, threads=True),
    length=weighted_length,
    settings=ThreadSettings,
    credentials=CREDENTIALS,
    login="crosspost.platforms.x.login:login",
    card_size=(1600, 900),
    api_calls=api_calls,
    schedule_at="09:00",  # the thread goes out at this time on the next weekday
    scheduled_by_default=True,
)


@hookimpl
def register_platforms(register):
    register(SPEC)
