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

from ..model import Issue, Link
from .document import Block, Document, Settings, join_lines, read_document
from .frontmatter import header_meta, split_key_value_header
from .meta import bare_links, is_title_line
from .normalize import clean_inline, join_text, split_emoji

MAX_HEADLINE_WORDS = 15
MAX_HEADLINE_CHARS = 120
WRAP_MAX = 100
_SENTENCE_END = set(".!:;,…。！：；，、")
_CLOSERS = "\"'”’»)]」』"
_SMALL_WORDS = {
    "a",
    "an",
    "the",
    "and",
    "or",
    "but",
    "nor",
    "of",
    "in",
    "on",
    "at",
    "to",
    "for",
    "by",
    "with",
    "from",
    "as",
    "into",
    "onto",
    "over",
    "per",
    "via",
    "vs",
    "vs.",
    "is",
    "are",
    "be",
    "than",
    "that",
    "its",
    "up",
    "off",
    "out",
    "so",
    "yet",
    "de",
    "la",
    "le",
    "von",
    "van",
}


@dataclass
class _Unit:
    text: str
    quote: bool = False
    standalone: bool = False  # alone between blank lines in a file that uses them


def parse_text(text: str, path: Path, settings: Settings | None = None) -> Issue:
    return read_document(text_document(text), path, settings)


def text_document(text: str) -> Document:
    """The document model of a plain-text issue (see the module docstring)."""
    text = re.sub(r"\r\n?", "\n", text)
    data, text = split_key_value_header(text)
    meta = header_meta(data)
    text, targets = rst_targets(text)
    raw = [_without_art(_unescape_from(line.rstrip())) for line in text.split("\n")]
    lines = [clean_inline(line) for line in raw]
    title = None
    for i, line in enumerate(lines):
        if is_title_line(line):
            title = line
            lines[i] = raw[i] = ""
            break
    if meta.title is None and title:
        meta.title, meta.title_source = title, "a title line"
    blocks = _marked_blocks(raw)
    notes = ["plain text: sections marked by underlines, separator lines, ALL-CAPS titles or lists"]
    if blocks is None:
        blocks = _heuristic_blocks(lines)
        notes = ["plain text with no marked sections: short title-like lines are the headlines"]
    for b in blocks:
        b.text, b.links = text_links(b.text)
    return Document(blocks=attach_targets(blocks, targets), meta=meta, format="text", notes=notes)


def attach_targets(blocks: list[Block], targets: dict[str, str]) -> list[Block]:
    """Each block that names a reStructuredText target (see rst_targets) gets its link."""
    for b in blocks:
        for name, url in targets.items():
            if name in b.text.lower():
                b.links.append(Link(name, url))
    return blocks


_LABELLED_LINK = re.compile(r"\[([^\[\]]+)\]\s*\(<?(https?://[^)>\s]+)>?\)")
_ANGLE_URL = re.compile(r"<(https?://[^<>\s]+)>")


def text_links(text: str) -> tuple[str, list[Link]]:
    """Links as plain-text mail writes them: "[label] (<url>)" or "[label](url)" become the
    label with its link; "<url>" becomes the bare URL; other bare URLs stay and are links."""
    links: list[Link] = []

    def labelled(m: re.Match) -> str:
        links.append(Link(m.group(1).strip(), m.group(2)))
        return m.group(1).strip()

    text = _LABELLED_LINK.sub(labelled, text)
    text = _ANGLE_URL.sub(r"\1", text)
    known = {link.url for link in links}
    links += [Link(u, u) for u in bare_links(text) if u not in known]
    return text, links


def _without_art(line: str) -> str:
    """A line of ASCII art or a box/table border ("|_____|_____|", "\\____/") is not text.
    Separator lines made of one repeated character are kept: they mark sections."""
    ink = [c for c in line if not c.isspace()]
    if len(ink) >= 4 and not _RULE.match(line) and sum(c.isalnum() for c in ink) < 0.35 * len(ink):
        return ""
    if line.count("|") >= 3:  # a text table row: its cells, without the rules between them
        cells = [c.strip(" -_=*+") for c in line.split("|")]
        return " · ".join(c for c in cells if any(ch.isalnum() for ch in c))
    return line


def _unescape_from(line: str) -> str:
    """mbox quoting: ">From " at the start of a line was "From " in the message."""
    return line[1:] if re.match(r"^>+From ", line) else line


_RST_TARGET = re.compile(r"^\s*\.\. _(`[^`]+`|[^:]+):[ \t]*(\S*)[ \t]*$")


def rst_targets(text: str) -> tuple[str, dict[str, str]]:
    """reStructuredText link targets (`.. _name: url`, the URL possibly on the next indented
    line) taken out of the text; references (`` `name`_ ``, `name_`) keep only the name."""
    targets: dict[str, str] = {}
    kept = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _RST_TARGET.match(lines[i])
        if m:
            name = m.group(1).strip("`").strip().lower()
            url = m.group(2)
            if not url and i + 1 < len(lines) and lines[i + 1][:1] in (" ", "\t"):
                i += 1
                url = lines[i].strip()
            targets[name] = url
            i += 1
            continue
        kept.append(lines[i])
        i += 1
    out = "\n".join(kept)
    if targets or "`_" in out:
        out = re.sub(r"`([^`<]+?)(?:\s*<[^>]+>)?`_{1,2}", r"\1", out)
        out = re.sub(r"\b(\w+)_\b(?!\w)", lambda m: m.group(1) if m.group(1).lower() in targets else m.group(0), out)
    return out, targets


_RULE = re.compile(r"^\s*([-=~*_#+^.•·─━═])(?:\s?\1){2,}\s*$")
_UNDERLINE = re.compile(r"^([-=~*^#+])\1{2,}\s*$")
_BULLET = re.compile(r"^(\s*)(?:[-*•+◦▪]|\d{1,3}[.)])\s+(\S.*)$")


def _marked_blocks(raw: list[str]) -> list[Block] | None:
    """Blocks of a text file whose writer marked sections: underlined titles (setext Markdown,
    reStructuredText), or separator lines each followed by a short title line, or ALL-CAPS
    title lines. None when the file marks nothing (the headline heuristic then decides)."""
    n = len(raw)
    heads: dict[int, int] = {}  # line index -> heading level
    skip: set[int] = set()
    levels: list[str] = []

    def fits(i: int) -> bool:  # raw[i + 1] could underline raw[i]
        line, under = raw[i].strip(), raw[i + 1].strip()
        return (
            bool(line)
            and not _RULE.match(line)
            and bool(_UNDERLINE.match(under))
            and (0.6 * _width(line) <= len(under) <= _width(line) + 8)
        )

    # A rule repeated through the mail that mostly stands on its own is a separator, even where
    # it happens to sit under a short line ("January 2009" / "----------").
    uses: dict[str, list[bool]] = {}
    for i in range(1, n):
        if _RULE.match(raw[i]):
            uses.setdefault(raw[i].strip(), []).append(fits(i - 1))
    separators = {r for r, fit in uses.items() if len(fit) >= 3 and sum(fit) * 2 < len(fit)}
    for i in range(n - 1):
        if not fits(i) or raw[i + 1].strip() in separators:
            continue
        under = raw[i + 1].strip()
        over = i > 0 and raw[i - 1].strip() and _UNDERLINE.match(raw[i - 1].strip())
        key = under[0] + ("o" if over else "")
        if key not in levels:
            levels.append(key)
        heads[i] = levels.index(key) + 1
        skip.add(i + 1)
        if over:
            skip.add(i - 1)
    rules = [i for i in range(n) if i not in skip and _RULE.match(raw[i])]
    if len(heads) < 2:
        heads = {}
        skip = set()
        titled = []
        for r in rules:  # a separator, then (after blank lines) a short line standing alone
            j = r + 1
            while j < n and not raw[j].strip():
                j += 1
            if (
                j < n
                and _short_title(raw[j])
                and (
                    j + 1 >= n
                    or not raw[j + 1].strip()
                    or _RULE.match(raw[j + 1])
                    or raw[j + 1].lstrip()[:1].isupper()
                    or raw[j + 1].lstrip()[:1] in "[(—-"
                )
            ):  # a title, then a blank line, a byline or a subtitle
                titled.append(j)
        caps = [i for i in range(n) if _caps_title(raw, i)]
        bullets = sum(1 for line in raw if _BULLET.match(line))
        if len(titled) >= 2:
            heads = {j: 2 for j in titled}
        elif len(caps) >= 2:
            heads = {j: 2 for j in caps}
        elif bullets >= 3 and bullets >= 0.3 * sum(1 for line in raw if line.strip()):
            heads = {}  # a list-shaped mail ("- Category:" with nested items): lines as items
        else:
            return None
    return _blocks_from_lines(raw, heads, skip)


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _short_title(line: str) -> bool:
    t = clean_inline(line)
    return bool(t) and len(t) <= 80 and not _RULE.match(t) and t[-1] not in ".,;" and len(t.split()) <= 12


def _caps_title(raw: list[str], i: int) -> bool:
    t = clean_inline(raw[i])
    letters = [c for c in t if c.isalpha()]
    alone = (i == 0 or not raw[i - 1].strip() or _RULE.match(raw[i - 1])) and (
        i + 1 >= len(raw) or not raw[i + 1].strip() or _RULE.match(raw[i + 1])
    )
    return bool(alone and len(letters) >= 3 and t.upper() == t and len(t) <= 80 and t.lower() != t)


def _blocks_from_lines(raw: list[str], heads: dict[int, int], skip: set[int]) -> list[Block]:
    blocks: list[Block] = []
    para: list[str] = []
    quote: list[str] = []

    def flush():
        nonlocal para, quote
        if para:
            blocks.append(Block("para", join_lines(para)))
        if quote:
            blocks.append(Block("quote", join_lines(quote)))
        para, quote = [], []

    for i, line in enumerate(raw):
        if i in skip:
            continue
        if i in heads:
            flush()
            blocks.append(Block("heading", clean_inline(line), level=heads[i]))
            continue
        text = clean_inline(line)
        if not text:
            flush()
            continue
        if _RULE.match(line):
            flush()
            blocks.append(Block("rule"))
            continue
        if text.startswith(">"):
            if para:
                flush()
            quote.append(text.lstrip("> "))
            continue
        bullet = _BULLET.match(line)
        if bullet:
            flush()
            depth = 1 + len(bullet.group(1).expandtabs(4)) // 2
            blocks.append(Block("item", clean_inline(bullet.group(2)), level=depth))
            continue
        if blocks and blocks[-1].kind == "item" and not para and line[:1] in (" ", "\t"):
            blocks[-1].text = join_text(blocks[-1].text, text)  # a wrapped list item
            continue
        if quote:
            flush()
        para.append(text)
    flush()
    return blocks


def _heuristic_blocks(lines: list[str]) -> list[Block]:
    """The headline heuristic of the module docstring, for files that mark nothing."""
    units = _units(lines)
    heads = set(_headline_positions(units))
    blocks = []
    for i, u in enumerate(units):
        if i in heads:
            blocks.append(Block("heading", u.text, level=2))
        else:
            blocks.append(Block("quote" if u.quote else "para", u.text))
    return blocks


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
            body = seg[len(head) :]
            if _looks_wrapped(body):
                units.extend(_Unit(s) for s in head + [join_lines(body)])
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
    # ragged right: each line plus the next line's first word would have passed the wrap
    # column (give or take the editor's margin of a few characters)
    return all(len(body[i]) + 1 + len(body[i + 1].split(" ", 1)[0]) > width - 6 for i in range(len(body) - 1))


def _is_candidate(text: str, standalone: bool) -> bool:
    """Rules 1–4 of the headline heuristic (rule 5 needs the neighbours)."""
    core, emoji = split_emoji(text)
    words = core.split()
    if not words or len(words) > MAX_HEADLINE_WORDS or len(core) > MAX_HEADLINE_CHARS:
        return False
    if core.startswith(">") or _BYLINE.match(core):
        return False
    last = core.rstrip(_CLOSERS)[-1:] or core[-1]
    if last in _SENTENCE_END:
        return False
    first_word = next((w for w in words if any(c.isalpha() for c in w)), "")
    if first_word and first_word == first_word.lower() and first_word != first_word.upper():
        return False  # starts like a sentence fragment ("and then…")
    return bool(emoji) or standalone or _title_ish(words)


_BYLINE = re.compile(r"^(?:by|von|par|por|di|door|av)\s+\S", re.IGNORECASE)  # "By Jane Doe"


def _title_ish(words: list[str]) -> bool:
    significant = [w for w in words if w[:1].isalpha() and (w is words[0] or w.lower() not in _SMALL_WORDS)]
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
