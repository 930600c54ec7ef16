"""Quote cards: one image per story (and an optional cover), in the size each platform's spec asks
for (landscape 16:9 for X, portrait 4:5 for Instagram).

This module stays light (no Pillow at import): `card_specs` only decides what each card says and
where it goes, so planning and previews are cheap; `render_card` imports the renderer lazily.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from ..config import Config
from ..model import Issue, Media
from ..platforms.base import ALT_TEXT_MAX as ALT_TEXT_LIMIT

if TYPE_CHECKING:
    from ..progress import Progress
    from .layout import Layout


def sizes() -> dict[str, tuple[int, int]]:
    """platform -> card pixels, for every registered platform that posts cards."""
    from ..platforms import registry

    return {name: spec.card_size for name, spec in registry().items() if spec.card_size}


def _upload_jpeg(size: str) -> Mapping[str, Any] | None:
    from ..platforms import registry

    return registry()[size].upload_jpeg


# Cards (stories) per issue. Real issues have a few dozen stories at most (18 in the largest of the
# test corpus); a file that yields hundreds is mis-read or not a newsletter, and rendering and
# uploading hundreds of images would take minutes and hit the platforms' limits.
MAX_CARDS = 50
CALL_TO_READ = "Read the full issue"


@dataclass
class CardSpec:
    story: int | None  # story index, None for the cover
    size: str  # the platform the card is for (a key of sizes()); names its file
    path: Path
    brand: str
    number: int | None
    headline: str  # the story headline, or the issue title on a cover
    emoji: str
    quote: str  # the pull quote; on a cover, the story headlines one per line
    footer: str  # the call to read, e.g. "Read the full issue · example.substack.com"
    alt_text: str
    width: int
    height: int
    upload_jpeg: Mapping[str, Any] | None = None  # the platform's spec.upload_jpeg: also written as that JPEG

    @property
    def upload_path(self) -> Path | None:
        """Where the JPEG the platform is sent goes (beside the card), None when it takes the card as is."""
        return self.path.with_name(f"{self.path.stem}.upload.jpg") if self.upload_jpeg is not None else None

    def media(self) -> Media:
        upload = self.upload_path
        return Media(
            path=str(self.path),
            alt_text=self.alt_text,
            story=self.story,
            width=self.width,
            height=self.height,
            upload=str(upload) if upload else "",
        )


def brand_of(issue: Issue, config: Config) -> str:
    """The newsletter's name, or "" when nobody knows it: the card then leaves it out (it never
    shows the program's name in its place)."""
    return config.issue.brand or config.theme.brand or issue.brand or ""


def footer_text(issue: Issue) -> str:
    host = urlparse(issue.url).hostname if issue.url else None
    if host and host.startswith("www."):
        host = host[4:]
    return f"{CALL_TO_READ} · {host}" if host else CALL_TO_READ


def card_specs(issue: Issue, config: Config, size: str, *, cover: bool = False) -> list[CardSpec]:
    """What each card of an issue says and where it is written (no rendering)."""
    from .quotes import pick_quote

    known = sizes()
    if size not in known:
        raise ValueError(f"no card size for {size!r}; expected one of {', '.join(known)}")
    if len(issue.stories) > MAX_CARDS:
        from ..errors import InputError

        raise InputError(
            f"{len(issue.stories)} stories would make {len(issue.stories)} cards; an issue may have at most "
            f"{MAX_CARDS} (is every heading a story? set [issue] stories in crosspost.toml, or split the file)",
            issue.source or None,
        )
    width, height = known[size]
    ext = "jpg" if config.theme.format == "jpeg" else "png"
    folder = config.resolve(config.out_dir) / issue.id
    brand = brand_of(issue, config)
    footer = footer_text(issue)
    handle = config.theme.handle
    upload_jpeg = _upload_jpeg(size)

    def card(story: int | None, name: str, headline: str, emoji: str, quote: str) -> CardSpec:
        spec = CardSpec(
            story,
            size,
            folder / f"{size}-{name}.{ext}",
            brand,
            issue.number,
            headline,
            emoji,
            quote,
            footer,
            "",
            width,
            height,
            upload_jpeg,
        )
        spec.alt_text = alt_text(spec, handle, issue)
        return spec

    specs: list[CardSpec] = []
    if cover:
        listing = "\n".join(s.display_headline for s in issue.stories)
        specs.append(card(None, "cover", issue.title, "", listing))
    for n, story in enumerate(issue.stories, start=1):
        specs.append(card(story.index, f"{n:02d}", story.headline, story.emoji, pick_quote(story)))
    return specs


def alt_text(spec: CardSpec, handle: str = "", issue: Issue | None = None) -> str:
    """What the card says, for screen readers: at most 1,000 characters, never empty."""
    name = spec.brand or "the newsletter"
    source = f"{name}, issue {spec.number}" if spec.number is not None else name
    footer = " · ".join(p for p in (handle or spec.brand, spec.footer) if p)
    headline = f"{spec.headline} {spec.emoji}".strip()
    if spec.story is None:
        stories = "; ".join(f"{i}. {h}" for i, h in enumerate(spec.quote.split("\n"), 1) if h.strip())
        text = f"Cover card from {source}. Title: {_end(headline)} Stories: {_end(stories)} Footer: {footer}."
    else:
        quote = f" Quote: “{spec.quote}”." if spec.quote else ""
        text = f"Quote card from {source}. Headline: {_end(headline)}{quote} Footer: {footer}."
    return trim_words(" ".join(text.split()), ALT_TEXT_LIMIT) or f"Card from {name}"


def _end(sentence: str) -> str:
    sentence = sentence.strip()
    return sentence if sentence[-1:] in (".", "!", "?", "…", "。", "！", "？") else sentence + "."


def trim_words(text: str, limit: int) -> str:
    """`text` cut on a word boundary with "…" so that it has at most `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:  # a word boundary not too far back (CJK text has few spaces)
        cut = cut[:space]
    return cut.rstrip(" ,;:·") + "…"


def layout_card(spec: CardSpec, config: Config) -> "Layout":
    """Where everything on a card goes (fonts, runs, ink boxes) without drawing it."""
    from .layout import layout_card as _layout

    return _layout(spec, config)


def render_card(spec: CardSpec, config: Config, *, upload: bool = True) -> Path:
    """Draw a card and write it to spec.path (directories created), and with `upload` the JPEG its
    platform is sent to spec.upload_path when the platform's spec asks for one; returns the card's path.
    A preview leaves the JPEG out (it is made from the same pixels when publishing: ~13 ms a card)."""
    from .layout import layout_card as _layout
    from .render import flat_pixels, paint, save

    layout = _layout(spec, config)
    canvas = paint(layout)
    jpeg = (
        (spec.upload_path, spec.upload_jpeg) if upload and spec.upload_path and spec.upload_jpeg is not None else None
    )
    return save(canvas, Path(spec.path), config.theme.format, exact=flat_pixels(layout, canvas), upload=jpeg)


def render_cards(
    specs: list[CardSpec], config: Config, progress: "Progress | None" = None, *, uploads: bool = True
) -> list[Path]:
    """Render every card (with the JPEGs their platform is sent, unless `uploads` is False: a preview);
    `progress` (crosspost.progress) hears of each card as it is written."""
    from ..files import writable_folder
    from ..progress import or_silent

    for folder in dict.fromkeys(Path(spec.path).parent for spec in specs):  # one line, not a traceback
        writable_folder(folder, "the cards folder (--out or out_dir)")
    if not specs:
        return []
    shown = or_silent(progress)
    shown.start(len(specs), "rendering cards")
    try:
        paths = []
        for n, spec in enumerate(specs, start=1):
            paths.append(render_card(spec, config, upload=uploads))
            shown.advance(f"card {n}/{len(specs)} {Path(spec.path).name}")
        return paths
    finally:
        shown.done()


__all__ = ["sizes", "CardSpec", "card_specs", "render_card", "render_cards", "layout_card", "alt_text"]
