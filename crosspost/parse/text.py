"""Plain-text issues, like issues/issue-34.txt.

Layout rules (the documented heuristic):

* Lines are cleaned (NFC, invisible characters removed, whitespace collapsed). CRLF/CR
  endings and a BOM are accepted.
* The title is the first line that starts with an issue keyword and a number
  ("Update #34 - …", "Issue 34: …", "No. 34 …", "#34 …"), wherever it stands.
* Paragraphs: in a file with no blank lines every line is a paragraph. In a file with blank
  lines, a block of lines is one hard-wrapped paragraph when its lines could only have been
  produced by wrapping (all ≤ 100 characters and the next line's first word would not have
  fitted on the previous line); otherwise each line is its own paragraph.
* A line starting with "> " is the story's pull quote (consecutive ones are joined); it is
  not a paragraph. Later quotes in the same story become paragraphs.
* A headline is a unit that (1) after removing its trailing emoji has 1–15 words and
  ≤ 120 characters, (2) does not end with sentence punctuation (. ! : ; , … and full-width
  forms; "?" is allowed), (3) does not start with an all-lowercase word, (4) is title-ish —
  at least 60% of its significant words capitalised, or a caseless script (CJK), or it
  carries an emoji, or it stands alone between blank lines — and (5) is followed by a
  paragraph that is not itself a headline candidate.
* Everything before the first headline is the intro ("Welcome to X!" gives the brand).
  In the last story, the first line that reads like a sign-off ("Thanks for reading",
  "See you next week", "Subscribe…") starts the outro.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..model import Issue, Link, Story
from .meta import bare_links, build_issue, is_outro, is_title_line
from .normalize import clean_inline, split_emoji, strip_enclosing_quotes

MAX_HEADLINE_WORDS = 15
MAX_HEADLINE_CHARS = 120
WRAP_MAX = 100
_SENTENCE_END = set(".!:;,…。！：；，、")
_CLOSERS = "\"'”’»)]」』"
_SMALL_WORDS = {
    "a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at", "to", "for", "by",
    "with", "from", "as", "into", "onto", "over", "per", "via", "vs", "vs.", "is", "are", "be",
    "than", "that", "its", "up", "off", "out", "so", "yet", "de", "la", "le", "von", "van",
}


@dataclass
class _Unit:
    text: str
    quote: bool = False
    standalone: bool = False  # alone between blank lines in a file that uses them


def parse_text(text: str, path: Path) -> Issue:
    lines = [clean_inline(line) for line in re.split(r"\r\n|\r|\n", text)]
    title = None
    for i, line in enumerate(lines):
        if is_title_line(line):
            title = line
            lines[i] = ""
            break
    units = _units(lines)
    heads = _headline_positions(units)
    if not heads:
        raise InputError(
            "no stories found (a story is a short headline line followed by paragraphs)", path
        )
    intro = [u.text for u in units[: heads[0]]]
    stories, outro = _stories(units, heads)
    return build_issue(path, "text", title=title, stories=stories, intro=intro, outro=outro)


def _units(lines: list[str]) -> list[_Unit]:
    """Paragraph-sized units from cleaned lines (see the module docstring)."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    uses_blank_lines = len(blocks) > 1
    units: list[_Unit] = []
    for block in blocks:
        for seg_is_quote, seg in _segments(block):
            if seg_is_quote:
                quote = " ".join(re.sub(r"^>\s?", "", s) for s in seg).strip()
                if quote:
                    units.append(_Unit(quote, quote=True))
                continue
            standalone = uses_blank_lines and len(block) == 1
            if not uses_blank_lines or len(seg) == 1:
                units.extend(_Unit(s, standalone=standalone) for s in seg)
                continue
            head = seg[:1] if _is_candidate(seg[0], False) else []
            body = seg[len(head):]
            if _looks_wrapped(body):
                units.extend(_Unit(s) for s in head + [" ".join(body)])
            else:
                units.extend(_Unit(s) for s in seg)
    return units


def _segments(block: list[str]):
    """Runs of quote ("> ") lines and of ordinary lines within a block."""
    out: list[tuple[bool, list[str]]] = []
    for line in block:
        is_quote = line.startswith(">")
        if out and out[-1][0] == is_quote:
            out[-1][1].append(line)
        else:
            out.append((is_quote, [line]))
    return out


def _looks_wrapped(body: list[str]) -> bool:
    """True when these lines are one paragraph broken by an editor's hard wrap."""
    if len(body) < 2:
        return len(body) == 1
    width = max(len(s) for s in body)
    if width > WRAP_MAX:
        return False
    return all(
        len(body[i]) + 1 + len(body[i + 1].split(" ", 1)[0]) > width for i in range(len(body) - 1)
    )


def _is_candidate(text: str, standalone: bool) -> bool:
    """Rules 1–4 of the headline heuristic (rule 5 needs the neighbours)."""
    core, emoji = split_emoji(text)
    words = core.split()
    if not words or len(words) > MAX_HEADLINE_WORDS or len(core) > MAX_HEADLINE_CHARS:
        return False
    if core.startswith(">"):
        return False
    last = core.rstrip(_CLOSERS)[-1:] or core[-1]
    if last in _SENTENCE_END:
        return False
    first_word = next((w for w in words if any(c.isalpha() for c in w)), "")
    if first_word and first_word == first_word.lower() and first_word != first_word.upper():
        return False  # starts like a sentence fragment ("and then…")
    return bool(emoji) or standalone or _title_ish(words)


def _title_ish(words: list[str]) -> bool:
    significant = [
        w for w in words if w[:1].isalpha() and (w is words[0] or w.lower() not in _SMALL_WORDS)
    ]
    cased = [w for w in significant if w[0].isupper() or w[0].islower()]
    if not cased:
        return bool(significant)  # caseless scripts (CJK…) have no case to judge by
    return sum(w[0].isupper() for w in cased) / len(cased) >= 0.6


def _headline_positions(units: list[_Unit]) -> list[int]:
    flags = [not u.quote and _is_candidate(u.text, u.standalone) for u in units]
    heads = []
    for i, unit in enumerate(units):
        if not flags[i]:
            continue
        j = i + 1
        while j < len(units) and units[j].quote:
            j += 1
        if j < len(units) and not flags[j]:
            heads.append(i)
    return heads


def _stories(units: list[_Unit], heads: list[int]) -> tuple[list[Story], list[str]]:
    stories: list[Story] = []
    outro: list[str] = []
    bounds = heads + [len(units)]
    for n, (start, end) in enumerate(zip(bounds, bounds[1:]), start=1):
        headline, emoji = split_emoji(units[start].text)
        story = Story(headline=headline, emoji=emoji, index=n)
        body = units[start + 1 : end]
        if n == len(heads):  # the last story may end with a sign-off
            for k, unit in enumerate(body):
                if k > 0 and not unit.quote and is_outro(unit.text):
                    outro = [u.text for u in body[k:]]
                    body = body[:k]
                    break
        for unit in body:
            if unit.quote and story.quote is None:
                story.quote = strip_enclosing_quotes(unit.text)
            else:
                story.paragraphs.append(unit.text)
        seen = set()
        for paragraph in story.paragraphs:
            for url in bare_links(paragraph):
                if url not in seen:
                    seen.add(url)
                    story.links.append(Link(text=url, url=url))
        stories.append(story)
    return stories, outro
