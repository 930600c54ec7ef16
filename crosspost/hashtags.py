"""Hashtags: one normaliser for the tags a writer gives (config, front matter, article:tag) and
the tags posted (X's closing post, Instagram's caption)."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable


def hashtag(tag: str) -> str:
    """ "#word" from "word", "#word" or "＃word": letters, digits and underscores kept, everything
    else (spaces, punctuation, emoji) dropped, so "#tech news" is "#technews"; "" when nothing is
    left."""
    body = re.sub(r"\W", "", unicodedata.normalize("NFC", tag))  # "#", "＃" and spaces are \W too
    return "#" + body if body else ""


def hashtags(tags: Iterable[str]) -> list[str]:
    """hashtag() of each tag, in order, without empty ones or repeats (a repeat in another case
    too: "#AI" then "#ai" is one tag, the first)."""
    out: list[str] = []
    seen: set[str] = set()
    for tag in map(hashtag, tags):
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            out.append(tag)
    return out
