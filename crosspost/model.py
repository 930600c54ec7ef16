"""The data that flows through crosspost: Issue -> Plan (posts with media) -> published.

Plain dataclasses with no behaviour beyond serialisation, so every stage can be tested alone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Link:
    text: str
    url: str


@dataclass
class Item:
    """One entry of a link roundup inside a story: its title, its link and the writer's commentary."""

    title: str
    url: str | None = None
    paragraphs: list[str] = field(default_factory=list)

    @property
    def title_line(self) -> str:
        """The title with its URL, as posted (a URL counts 23 on X whatever its length)."""
        if self.url and self.url not in self.title:
            return f"{self.title} {self.url}" if self.title else self.url
        return self.title


@dataclass
class Story:
    headline: str  # without its trailing emoji
    emoji: str = ""  # "" when the headline has none
    paragraphs: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    quote: str | None = None  # a pull quote marked by the writer, if any
    index: int = 1  # 1-based position in the issue
    # A roundup story's entries, in order. When present, `paragraphs` is their flattening
    # (each item's title line, then its commentary), so every consumer can keep reading paragraphs.
    items: list[Item] = field(default_factory=list)
    url: str | None = None  # the headline's own link, posted with it

    @property
    def display_headline(self) -> str:
        return f"{self.headline} {self.emoji}" if self.emoji else self.headline


@dataclass
class Issue:
    id: str  # the file stem, e.g. "issue-34"
    title: str
    stories: list[Story]
    number: int | None = None
    url: str | None = None
    date: str | None = None  # ISO 8601 date when known
    brand: str | None = None  # the newsletter's name when the issue says it
    intro: list[str] = field(default_factory=list)
    outro: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    source: str = ""  # path of the file it was read from
    format: str = "text"  # text | markdown | html
    explain: list[str] = field(default_factory=list)  # how the stories were found, what was dropped

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Media:
    path: str  # where the rendered card is (or will be) written
    alt_text: str
    story: int | None = None  # story index the card belongs to; None for a cover
    width: int = 0
    height: int = 0
    # The file the adapter sends instead of `path` when the platform takes another format (the
    # spec's upload_jpeg): written by the same render, from the same pixels; "" when none.
    upload: str = ""

    def to_dict(self) -> dict:
        out = {"path": self.path, "alt_text": self.alt_text}
        if self.upload:
            out["upload"] = self.upload
        return out


@dataclass
class Post:
    text: str
    media: list[Media] = field(default_factory=list)
    weighted_length: int | None = None  # the length as the platform counts it (thread plans)
    story: int | None = None
    # The token every send of this post carries (a record key, an idempotency key), chosen by the
    # adapter once and kept in the ledger before the first send (Adapter.intent); not content.
    intent: str | None = None

    def content_hash(self) -> str:
        """Stable fingerprint of what would be sent (text + alt texts + media names)."""
        payload = json.dumps(
            [self.text, [(Path(m.path).name, m.alt_text) for m in self.media]],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


@dataclass
class Plan:
    platform: str  # the registered platform the plan was made for
    issue_id: str
    posts: list[Post]
    mode: str = ""
    limit: int | None = None
    thread: bool = False  # each post replies to the previous one

    def to_dict(self) -> dict:
        out: dict = {"platform": self.platform}
        if self.mode:
            out["mode"] = self.mode
        posts = []
        from .platforms import registry

        spec = registry().get(self.platform)
        text_key = spec.text_word if spec else "text"  # the platform's own word ("caption")
        for p in self.posts:
            d: dict = {text_key: p.text}
            if p.weighted_length is not None:
                d["weighted_length"] = p.weighted_length
            d["media"] = [m.to_dict() for m in p.media]
            posts.append(d)
        out["posts"] = posts
        return out

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for p in self.posts:
            h.update(p.content_hash().encode())
        return h.hexdigest()[:16]
