"""Instagram: an issue as a carousel of 4:5 cards with a caption, or one card a day.

Only the spec lives here; the adapter (instagrapi) is imported when something is published.
Instagram counts a caption in UTF-16 code units (an emoji may count 2), here and in the adapter.
"""

from __future__ import annotations

from ...config import CarouselSettings
from .. import CAROUSEL, Limits, PlatformSpec, hookimpl
from ..base import posts_and_images

CREDENTIALS = {
    "username": "CROSSPOST_INSTAGRAM_USERNAME",
    "password": "CROSSPOST_INSTAGRAM_PASSWORD",
    "totp_seed": "CROSSPOST_INSTAGRAM_TOTP_SEED",
}
MAX_CAPTION = 2200


def caption_length(text: str) -> int:
    """Characters as counted conservatively: UTF-16 code units (an emoji may count 2)."""
    return len(text.encode("utf-16-le")) // 2


SPEC = PlatformSpec(
    name="instagram",
    label="Instagram",
    adapter="crosspost.platforms.instagram.adapter:Adapter",
    plan=CAROUSEL,
    limits=Limits(
        max_chars=MAX_CAPTION,
        max_media=10,
        min_media=1,
        max_hashtags=30,
        max_mentions=20,
        aspect_ratios=(4 / 5, 90 / 47),
    ),  # 90/47: "1.91:1", the exact bound instagrapi crops to
    length=caption_length,
    settings=CarouselSettings,
    credentials=CREDENTIALS,
    optional_credentials=frozenset({"totp_seed"}),
    public_credentials=frozenset({"username"}),  # masking it would hide whose account is meant
    login="crosspost.platforms.instagram.login:login",
    card_size=(1080, 1350),
    # Instagram takes JPEG: each card is also written as this JPEG from its own pixels, sent as is.
    upload_jpeg={"quality": 92, "subsampling": 0, "optimize": True},
    api_calls=posts_and_images,
    schedule_at="12:00",  # the day the thread goes out
    schedule_spread="1d",  # one card a day
    scheduled_by_default=True,
    text_word="caption",
)


@hookimpl
def register_platforms(register):
    register(SPEC)
