"""One document model for every format, and the one story finder that reads it.

Each format reader (text.py, markdown.py, html.py) turns its file into a `Document`: metadata
plus a flat list of `Block`s in reading order (headings with levels, paragraphs, list items with
their depth, quotes, tables, rules), every string already free of markup. From there on nothing
depends on the format: `read_document` decides from evidence in the document how the writer
marked the stories, in this order —

1. **headings**: the shallowest heading level that splits the body into at least two sections
   with content (a link roundup's `##` sections holding `###` items split at `##`; a document
   whose only `##` is "News" does not split there);
2. **bold**: paragraphs or list items that open with a bold run (`**Topic.** text…`) or are a
   bold line followed by text;
3. **list**: top-level list items ending in a colon (`- Category:`) with nested items;
4. a single heading section, as a last resort (one story).

Inside a story, deeper headings and bold lines start *items* (title, URL, commentary), so a
roundup's entries keep their titles and links. Chrome (preheaders, "view in browser", social
links, subscribe blurbs, sponsor sections, footers, tables of contents) is dropped and listed in
`Issue.explain`, with the rule that found the stories, for `crosspost show --explain`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import regex

from ..errors import InputError
from ..model import Issue, Item, Link, Story
from .meta import (
    MASTHEAD_WORDS,
    brand_from_intro,
    brand_from_title,
    bare_links,
    fallback_title,
    is_name,
    is_outro,
    is_title_line,
    number_from_issue_line,
    number_from_name,
    number_from_title,
    number_from_url,
    split_masthead,
)
from .normalize import join_text, split_emoji, strip_enclosing_quotes

BOLD_HEAD_MAX = 120  # a bold line longer than this is emphasis, not a heading
LEAD_MAX = 80  # a bold lead-in ("Topic.") longer than this is emphasis
PULL_QUOTE_WORDS = 40  # a marked quote longer than this is an excerpt: posted, not only carded


@dataclass
class Block:
    kind: str  # heading | para | item | quote | table | rule | code | links (a headline's links)
    text: str = ""
    level: int = 0  # heading: 1-6; item: list depth from 1
    links: list[Link] = field(default_factory=list)
    lead: str = ""  # the bold run the text opens with ("Topic." of "**Topic.** text")
    bold: bool = False  # the whole text is bold: a heading in disguise when text follows
    rows: list[list[str]] = field(default_factory=list)  # table cells, header row first
    size: float = 0.0  # font size in px where the format says it (HTML e-mails), else 0


@dataclass
class Meta:
    title: str | None = None
    number: int | None = None
    url: str | None = None
    date: str | None = None
    brand: str | None = None  # front matter brand/newsletter or og:site_name
    hashtags: list[str] = field(default_factory=list)
    title_source: str = ""  # where the title came from, for --explain


@dataclass
class Document:
    blocks: list[Block]
    meta: Meta = field(default_factory=Meta)
    format: str = "text"
    notes: list[str] = field(default_factory=list)  # what the reader itself dropped


@dataclass
class Settings:
    """The `[issue]` section of crosspost.toml: one line fixes a wrong guess."""

    stories: str = "auto"
    title: str = ""
    brand: str = ""
    skip: list[str] = field(default_factory=list)


# Short lines that are e-mail or page chrome wherever they stand.
_CHROME = re.compile(
    r"view (?:this|it|the)?\s*(?:e-?mail|newsletter|issue|post)?\s*(?:in|on) (?:a |your )?(?:web )?browser|"
    r"(?:read|view) (?:this |it )?online|web version|having trouble (?:viewing|reading)|"
    r"unsubscribe|update (?:your )?(?:subscription )?preferences|manage (?:your )?(?:subscription|preferences|email)|"
    r"you (?:are|'re|’re) receiving this|you received this|was this (?:e-?mail|newsletter) forwarded|"
    r"forward (?:this|it) to a friend|forwarded (?:this|by) |add us to your address book|"
    r"our mailing address|all rights reserved|copyright ©|©\s*\d{4}|"
    r"^(?:share|tweet|like|follow|subscribe|sign up|donate|comment|reply|restack)(?: now| here| on \w+)?[.!]?$|"
    r"^(?:share|follow) (?:this|us|me)\b|^subscribe (?:now|here|to|for)\b|"
    r"^(?:facebook|twitter|x|linkedin|instagram|youtube|mastodon|bluesky|github|rss|email)"
    r"(?:\s*[|·•/]\s*(?:facebook|twitter|x|linkedin|instagram|youtube|mastodon|bluesky|github|rss|email))*$|"
    r"powered by (?:substack|buttondown|ghost|beehiiv|mailchimp|revue|convertkit)|"
    r"^(?:advertisement|sponsored|ad)$|this e-?mail (?:has been|was) sent to|^p\.?o\.? box\b|"
    r"\b501\s?\(c\)\s?\(?\d|not (?:tax[- ])?deductible|you can unsubscribe|sent (?:to you )?by\b.*\bmailchimp",
    re.IGNORECASE,
)
# A request for money or membership, which closes many issues and is never a story.
_APPEAL = re.compile(
    r"^\W*(?:become a (?:monthly |paid |founding )?(?:supporter|member|patron|sponsor|subscriber)|"
    r".{0,80}\b(?:patreon|ko-fi|buy me a coffee|paid subscri(?:ber|ption)|become a (?:paid )?member)\b|"
    r".{0,40}\bdonat(?:e|ion)s?\b|"
    r"(?:please )?(?:consider )?(?:donat(?:e|ing)|support(?:ing)? us|chip in)|your (?:donation|support) "
    r"(?:helps|keeps|makes)|\$\d+\s*(?:a|per|/)?\s*month|\$\d+ monthly|"
    r"you['’]re (?:getting|reading|on) the free (?:version|edition|plan)|upgrade to (?:a )?(?:paid|premium))",
    re.IGNORECASE,
)
CHROME_TEXT_MAX = 240
# Section headings whose content is never a story.
_CHROME_HEADING = re.compile(
    r"^(?:(?:this week'?s |today'?s |our )?sponsors?(?:ed)?(?: by| message| post| content)?\b|"
    r"presented by\b|brought to you by\b|a word from our sponsors?|partner(?:ed)? (?:content|post)|"
    r"in this (?:issue|edition|week)\b|table of contents|contents$|inside this issue|what['’]?s inside|"
    r"what['’]?s in (?:today['’]?s|this (?:week['’]?s )?|the )|in today['’]?s (?:issue|edition|email|newsletter)|"
    r"(?:recent|related|popular) (?:blog )?(?:posts|articles)$|"
    r"(?:blog )?tag cloud|tags$|categories$|archives?$|search$|about (?:me|us|the author)$|"
    r"share this\b|comments?$|leave a (?:comment|reply)|support(?:ing)? (?:us|this|the|our)\b|"
    r"advertise\b|job (?:board|listings)$|donat(?:e|ions?)\b|contribute to\b|learn more about\b|"
    r"(?:past|previous|older) (?:issues|editions)\b|from the archives?\b|往年回顾|往期回顾|过往|"
    r"バックナンバー)",
    re.IGNORECASE,
)
# A section holding nothing but an invitation ("Would you like to introduce your project?")
# is the newsletter talking about itself, not a story.
_INVITATION = re.compile(
    r"^\W*(?:would you like|want to|interested in|do you have|have you got|got a|join us|get in touch|"
    r"send us|submit|let us know|reply to this|write to us|if you(?:'d| would) like|are you new|new here|"
    r"ready to (?:start|join|get)|looking to (?:join|help|get involved)|become a (?:member|supporter|patron))\b",
    re.IGNORECASE,
)
_SEPARATOR_TEXT = re.compile(r"^[\W_]{3,}$")
# A short line that says the section next to it is paid for: announcing it ("In partnership
# with X.") or closing it ("Please support our sponsors!").
_SPONSOR_NEXT = re.compile(
    r"^\W*(?:in partnership with|presented by|sponsored by|brought to you by|together with|a message from|"
    r"this (?:issue|edition|newsletter|email|post|week'?s issue) (?:is|was) (?:sponsored|brought to you|made possible) by|"
    r"today'?s sponsor|this week'?s sponsor|advertisement|sponsored|paid (?:post|partnership))\b",
    re.IGNORECASE,
)
_SPONSOR_END = re.compile(r"^\W*(?:(?:please )?support our sponsors?|thanks? (?:to )?our sponsors?)\b", re.I)


def is_sponsor_line(text: str) -> bool:
    t = text.strip()
    return len(t) <= 120 and bool(_SPONSOR_NEXT.match(t) or _SPONSOR_END.match(t))


_COLON_END = re.compile(r"[:：]\s*$")


def read_document(doc: Document, path: Path, settings: Settings | None = None) -> Issue:
    """The Issue an editor would read in `doc`; InputError naming `path` when it has no stories."""
    settings = settings or Settings()
    explain = list(doc.notes)
    # text with no letter or digit ("•", "|", "---") is decoration, never content
    blocks = [b for b in doc.blocks if b.kind not in ("para", "item", "heading") or _has_word(b.text)]
    title, title_source, blocks = _title(doc, blocks, settings)
    finder = _Finder(blocks, settings, explain, doc.format)
    intro, sections, rule = finder.find()
    if not sections:
        raise InputError(
            "no stories found (mark stories with headings, bold lead-ins or 'Label:' list items; "
            "or set [issue] stories in crosspost.toml)",
            path,
        )
    mastheads: list[str] = []  # a masthead heading dropped above the stories names the newsletter
    stories, outro = _stories(sections, settings, explain, mastheads)
    if not stories:
        raise InputError("no stories found (every section is a sign-off, sponsor or skipped)", path)
    explain.insert(0, f"stories: {rule} ({len(stories)} found)")
    if title and len(stories) > 1 and _same(stories[0].headline, title):
        # the e-mail repeats its subject in bold above the stories: that line is not a story
        _note(explain, "the title repeated above the stories", stories[0].headline)
        stories = stories[1:]
        for n, story in enumerate(stories, 1):
            story.index = n
    if title is None:
        for text in intro:
            if is_title_line(text):
                title, title_source = text, "a title line in the intro"
                intro.remove(text)
                break
    meta = doc.meta
    masthead = None
    if title and not settings.title:
        title, masthead = split_masthead(title)
    number: int | None = meta.number
    if number is None and title:
        number = number_from_title(title)
    if number is None:  # "September 29, 2022 • Issue 43" under the title
        number = next(
            (found for text in intro[:4] if len(text) <= 120 and (found := number_from_issue_line(text)) is not None),
            None,
        )
    if number is None and meta.url:
        number = number_from_url(meta.url)
    if number is None:
        number = number_from_name(path.stem)
    brand = (
        settings.brand
        or meta.brand
        or masthead
        or brand_from_title(title)
        or brand_from_intro(intro)
        or (mastheads[0] if mastheads else None)
        or _masthead_line(intro)
    )
    if brand is None and number is not None:  # "JSer.info #222 では…": the name before the number
        brand = _name_before_number(number, intro[:6] + [b.text for b in blocks[:6]])
    if brand and not settings.brand and re.fullmatch(r"[A-Z]{2,5}", brand):
        brand = _spelled_out(brand, doc.blocks) or brand
    if title_source:
        explain.insert(1, f"title: from {title_source}")
    return Issue(
        id=path.stem,
        title=title or fallback_title(brand, number, path.stem),
        stories=stories,
        number=number,
        url=meta.url,
        date=meta.date,
        brand=brand,
        intro=intro,
        outro=outro,
        hashtags=list(meta.hashtags),
        source=str(path),
        format=doc.format,
        explain=explain,
    )


def _masthead_line(intro: list[str]) -> str | None:
    """ "Open(ish) Machine Learning News" standing alone at the top of the issue."""
    for text in intro[:3]:
        name = split_emoji(text)[0]
        words = [w for w in name.split() if w.lower() not in ("of", "the", "in", "and", "for", "on", "&")]
        if (
            is_name(name)
            and MASTHEAD_WORDS.search(name)
            and not _GREETING.match(name)
            and name[-1:] not in ".!?:,"
            and all(w[:1].isupper() for w in words)
        ):
            return name
    return None


def _name_before_number(number: int, texts: list[str]) -> str | None:
    pattern = re.compile(rf"((?:[A-Z][\w.'’&-]*\s+){{0,4}}[A-Z][\w.'’&-]*)\s*#\s?{number}\b")
    for text in texts:
        m = pattern.search(text)
        if m and is_name(m.group(1).strip(".")):
            return m.group(1).strip(".")
    return None


def _spelled_out(acronym: str, blocks: list[Block]) -> str | None:
    """ "Philly Bike Action" for "PBA" when the issue spells it out somewhere."""
    words = r"\s+".join(rf"{c}[\w'’-]+" for c in acronym)
    pattern = re.compile(rf"\b{words}\b")
    counts: dict[str, int] = {}
    for b in blocks:
        for m in pattern.finditer(b.text):
            counts[m.group(0)] = counts.get(m.group(0), 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def is_chrome_text(text: str) -> bool:
    """True for e-mail/page furniture: "View in browser", "Unsubscribe", social link rows…"""
    t = text.strip()
    return len(t) <= CHROME_TEXT_MAX and bool(_CHROME.search(t))


def is_chrome_heading(text: str) -> bool:
    core, _ = split_emoji(text)
    return bool(_CHROME_HEADING.match(core.strip().strip(":").strip()))


def _has_word(text: str) -> bool:
    return any(c.isalnum() for c in text)


def _chrome_block(b: Block) -> bool:
    """E-mail/page furniture inside a story: "View in browser", share rows, separator lines."""
    return b.kind in ("para", "item", "heading") and (is_chrome_text(b.text) or bool(_SEPARATOR_TEXT.match(b.text)))


def _note(explain: list[str], what: str, text: str) -> None:
    short = text if len(text) <= 70 else text[:69] + "…"
    explain.append(f"dropped {what}: {short!r}")


def _title(doc: Document, blocks: list[Block], settings: Settings) -> tuple[str | None, str, list[Block]]:
    """The issue's title, and the blocks without the heading that carried it."""
    headings = [i for i, b in enumerate(blocks) if b.kind == "heading"]
    first = headings[0] if headings else None
    # A heading that restates the title is the title, not a story (wherever it stands first).
    if first is not None and doc.meta.title and _same(blocks[first].text, doc.meta.title):
        blocks = blocks[:first] + blocks[first + 1 :]
        first = None
    if settings.title:
        return settings.title, "crosspost.toml", blocks
    if doc.meta.title:
        return doc.meta.title, doc.meta.title_source or "the metadata", blocks
    if first is not None and not any(b.text for b in blocks[:first]):
        text = blocks[first].text
        nxt = blocks[first + 1] if first + 1 < len(blocks) else None
        empty = nxt is not None and nxt.kind == "heading" and nxt.level >= blocks[first].level
        if _ISSUE_DESIGNATOR.search(text) or (empty and len(headings) > 2):
            # the file opens with "# März 2025" / "# Issue 12" above sections of its own level,
            # or with a heading that has no text of its own: that heading names the issue
            return text, "the top heading", blocks[:first] + blocks[first + 1 :]
    if first is not None and blocks[first].level == 1:
        h1s = [i for i in headings if blocks[i].level == 1]
        if len(h1s) == 1:
            # the only level-1 heading names the issue when nothing but a little intro precedes it
            before = sum(len(b.text) for b in blocks[:first])
            if before < 400:
                text = blocks[first].text
                return text, "the top heading", blocks[:first] + blocks[first + 1 :]
    return None, "", blocks


_ISSUE_DESIGNATOR = re.compile(r"\b(?:19|20)\d\d\b|#\s?\d|\b(?:issue|no\.|nr\.|edition|vol\.?)\s*\d|第\s*\d", re.I)


_NON_WORD = regex.compile(r"[\W_]+")


def _same(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return _NON_WORD.sub(" ", s.casefold()).strip()

    x, y = norm(a), norm(b)
    return bool(x) and (x == y or (len(x) > 12 and (x in y or y in x)))


# --- finding the stories ------------------------------------------------------------------------

Section = tuple[str, list[Block]]  # headline, body blocks


class _Finder:
    def __init__(self, blocks: list[Block], settings: Settings, explain: list[str], fmt: str = "text"):
        self.blocks = blocks
        self.settings = settings
        self.explain = explain
        self.format = fmt

    def find(self) -> tuple[list[str], list[Section], str]:
        marker = self.settings.stories
        if marker in ("h1", "h2", "h3"):
            wanted = int(marker[1])
            return (*self._by_heading(wanted, only=True), f"<h{wanted}>/{'#' * wanted} headings (crosspost.toml)")
        if marker == "bold":
            return (*self._by_bold(), "bold lead-ins (crosspost.toml)")
        if marker == "list":
            return (*self._by_list(), "'Label:' list items (crosspost.toml)")
        level = self._story_level()
        if level is not None:
            intro, sections = self._by_heading(level)
            if sum(_has_content(body) for _, body in sections) >= 2:
                lead = self._lead_stories(level)
                rule = f"level-{level} headings split the body into sections"
                if lead:
                    rule = f"bold lines before the first heading, then {rule}"
                    intro = self._intro_before(level, lead)
                return intro, lead + sections, rule
        intro, sections = self._by_bold()
        if len(sections) >= 2:
            return intro, sections, "bold lead-ins / bold lines start the stories"
        intro, sections = self._by_list()
        if len(sections) >= 2:
            return intro, sections, "top-level 'Label:' list items start the stories"
        for level in range(1, 7):  # whatever headings there are: one story each
            intro, sections = self._by_heading(level)
            if any(_has_content(body) for _, body in sections):
                return intro, sections, f"level-{level} headings (only one section)"
        return [b.text for b in self.blocks if b.text], [], "none"

    def _intro_before(self, level: int, lead: list[Section]) -> list[str]:
        """The text above the first lead story."""
        out = []
        for b in self.blocks:
            if (b.kind == "heading" and b.level == level) or b.text.startswith(lead[0][0]):
                break
            if b.text:
                out.append(b.text)
        return out

    def _lead_stories(self, level: int) -> list[Section]:
        """Stories above the first section heading (an e-mail's top stories before its "News" /
        "Events" sections): marked by bold lines, else by deeper headings with text of their own."""
        head: list[Block] = []
        for b in self.blocks:
            if b.kind == "heading" and b.level == level:
                break
            head.append(b)
        if self.format == "html":
            # bold lines mark top stories in e-mails (their layout has no other way); in Markdown
            # the text above the first heading is the writer's preface, ads and all
            _, sections = _Finder(head, self.settings, [])._by_bold(lines_only=True)
            if sections:
                return sections
        out: list[Section] = []
        for k, b in enumerate(head):
            if b.kind == "heading" and b.level < level:
                out = []  # a masthead or greeting above the stories: what came before is not a story
            elif b.kind == "heading" and k + 1 < len(head) and head[k + 1].kind != "heading":
                out.append((b.text, [Block("links", links=b.links)] if b.links else []))
            elif out and b.kind != "heading":
                out[-1][1].append(b)
            elif out:
                out.append((b.text, []))  # a heading with no text of its own ends the one before
        return [s for s in out if _has_content(s[1])]

    # which heading level splits the body into sections with content
    def _story_level(self) -> int | None:
        for level in range(1, 7):
            if self._content_sections(level) >= 2 and not self._dominated(level):
                return level
        return None

    def _dominated(self, level: int) -> bool:
        """True when one section at `level` holds nearly all the text and is itself split by
        deeper headings with hardly any text of its own above them: "# News" over
        "## Announcements", "## Jobs"… The stories are one level down. (A long story with a
        few sub-heads has its own opening text, and stays one story.)"""
        sizes: list[int] = []
        subs: list[int] = []
        direct: list[int] = []  # text before the section's first sub-heading
        for b in self.blocks:
            if b.kind == "heading" and b.level <= level:
                sizes.append(0)
                subs.append(0)
                direct.append(0)
            elif sizes:
                size = _size(b)
                sizes[-1] += size
                if b.kind == "heading" and b.level > level:
                    subs[-1] += 1
                elif not subs[-1]:
                    direct[-1] += size
        total = sum(sizes)
        if not total:
            return False
        k = max(range(len(sizes)), key=sizes.__getitem__)
        return sizes[k] >= 0.8 * total and subs[k] >= 2 and direct[k] <= max(300, 0.15 * sizes[k])

    def _content_sections(self, level: int) -> int:
        count = 0
        current = None  # heading text of the open section
        has_content = False
        for b in self.blocks:
            if b.kind == "heading" and b.level <= level:
                if current is not None and has_content:
                    count += 1
                current = b.text if b.level == level and not _not_story_heading(b.text) else None
                has_content = False
            elif b.kind != "rule" and current is not None and (b.text or b.rows) and not _chrome_block(b):
                has_content = True
        if current is not None and has_content:
            count += 1
        return count

    def _by_heading(self, level: int, only: bool = False) -> tuple[list[str], list[Section]]:
        """Sections at `level`. A higher heading after the first story closes it and opens a
        section of its own ("# Quote of the Week" after "## …" stories), unless `only` (the writer
        said which level marks stories): then it only closes the story. Before the first story
        it is a masthead."""
        intro: list[str] = []
        sections: list[Section] = []
        open_ = False
        for b in self.blocks:
            if b.kind == "heading" and b.level <= level:
                if only and b.level < level:
                    if open_:
                        sections.append(("", []))  # closes the story; "" is never a story
                    continue
                if b.level == level or open_:
                    sections.append((b.text, [Block("links", links=b.links)] if b.links else []))
                    open_ = True
                elif b.text:
                    intro.append(b.text)
                continue
            if open_:
                sections[-1][1].append(b)
            elif b.text:
                intro.append(b.text)
        return intro, [part for section in sections for part in _promote_lone_subheading(section)]

    def _by_bold(self, lines_only: bool = False) -> tuple[list[str], list[Section]]:
        intro: list[str] = []
        sections: list[Section] = []
        blocks = self.blocks
        heads = [_bold_head(b, blocks[i + 1] if i + 1 < len(blocks) else None) for i, b in enumerate(blocks)]
        if lines_only:
            heads = [h if h is not None and blocks[i].bold else None for i, h in enumerate(heads)]
        sizes = [blocks[i].size for i, h in enumerate(heads) if h is not None]
        if sizes and max(sizes) > min(sizes):  # titles set larger than the bold lines inside stories
            big = max(sizes)
            heads = [h if h is not None and blocks[i].size >= 0.9 * big else None for i, h in enumerate(heads)]
        for i, b in enumerate(blocks):
            head = heads[i]
            if head is not None:
                headline, rest = head
                body = [Block("para", rest, links=b.links)] if rest else [Block("links", links=b.links)]
                sections.append((headline, body))
            elif b.kind == "heading" and sections:
                sections.append((b.text, []))
            elif sections:
                sections[-1][1].append(b)
            elif b.text:
                intro.append(b.text)
        return intro, [s for s in sections if _has_content(s[1])]

    def _by_list(self) -> tuple[list[str], list[Section]]:
        intro: list[str] = []
        sections: list[Section] = []
        blocks = self.blocks
        for i, b in enumerate(blocks):
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if (
                b.kind == "item"
                and b.level == 1
                and _COLON_END.search(b.text)
                and nxt is not None
                and nxt.kind == "item"
                and nxt.level > 1
            ):
                sections.append(
                    (_COLON_END.sub("", b.text).strip(), [Block("links", links=b.links)] if b.links else [])
                )
            elif sections and not (b.kind == "heading"):
                sections[-1][1].append(b)
            elif b.kind == "heading" and sections:
                sections.append((b.text, []))
            elif b.text:
                intro.append(b.text)
        return intro, [s for s in sections if _has_content(s[1])]


def _promote_lone_subheading(section: Section) -> list[Section]:
    """A section's only sub-heading, standing after the section's own text and heading at least
    as much text again, is a sibling section set one level too deep, not an item."""
    headline, body = section
    subs = [k for k, b in enumerate(body) if b.kind == "heading"]
    if len(subs) != 1 or subs[0] == 0:
        return [section]
    k = subs[0]
    if body[k].text[:1].islower():
        return [section]  # "humane": a label inside the story, not a section title
    before = sum(map(_size, body[:k]))
    after = sum(map(_size, body[k + 1 :]))
    if before and after >= before:
        return [(headline, body[:k]), (body[k].text, body[k + 1 :])]
    return [section]


def _size(b: Block) -> int:
    """How much text a block holds (a table: its cells)."""
    return len(b.text) + sum(len(c) for row in b.rows for c in row)


def _not_story_heading(text: str) -> bool:
    return is_chrome_heading(text) or is_outro(text)


def _has_content(body: list[Block]) -> bool:
    return any((b.text or b.rows) and b.kind != "rule" and not _chrome_block(b) for b in body)


# A button's words ("Learn more", "Register here"): a call to action, never a title.
_CALL_TO_ACTION = re.compile(
    r"^\W*(?:learn|read|find out|see|view|watch|listen|register|sign up|apply|download|get|join|try|shop|"
    r"buy|book|rsvp|click|check out|discover|explore|continue|start|order|subscribe|donate)\b.{0,30}$",
    re.IGNORECASE,
)


def _bold_head(b: Block, nxt: Block | None) -> tuple[str, str] | None:
    """(headline, rest of the text) when `b` opens a story by a bold lead-in or a bold line."""
    if b.kind not in ("para", "item") or (b.kind == "item" and b.level > 1) or _chrome_block(b):
        return None
    if _CALL_TO_ACTION.match(b.text) and (b.bold or link_line(b)):
        return None
    if (b.bold or link_line(b)) and len(b.text) <= BOLD_HEAD_MAX and not is_outro(b.text):
        if nxt is not None and nxt.kind in ("para", "item", "quote", "table") and not nxt.bold:
            return b.text.rstrip(":：").strip(), ""
        return None
    if b.bold or link_line(b):
        return None
    if b.lead and len(b.lead) <= LEAD_MAX and b.text.startswith(b.lead) and len(b.text) > len(b.lead) + 20:
        headline = b.lead.strip().rstrip(".:：—–-").strip()
        if headline and headline[-1:] not in ",;":
            return headline, b.text[len(b.lead) :].lstrip(" .:—–-").strip()
    return None


# --- from sections to stories ---------------------------------------------------------------


def _without_link_parenthetical(text: str, links: list[Link]) -> str:
    """ "Upcoming events" from "Upcoming events (iCal file, Org)" when the parenthesis only
    names links (formats of the same thing), which a post cannot click."""
    m = re.match(r"^(.*\S)\s*[(（]([^()（）]+)[)）]\s*[:：]?$", text)
    if not m:
        return text
    labels = {link.text.strip().casefold() for link in links}
    parts = [p.strip().casefold() for p in re.split(r"[,;/|]", m.group(2)) if p.strip()]
    return m.group(1) if parts and all(p in labels for p in parts) else text


_NUMBERED = re.compile(r"^\W*\d{1,2}\s*[.)/:]\s+\S")
_GREETING = re.compile(
    r"^\W*(?:welcome|hello|hi|hey|dear|greetings|good (?:morning|evening|afternoon)|bonjour|salut|hallo|"
    r"guten (?:morgen|tag)|liebe|hola|buenos días|ciao|olá|bom dia|(?:the|this|la|le|die|el|a) newsletter\b|"
    r"in this (?:issue|edition)|this week'?s issue)\b",
    re.IGNORECASE,
)


def _sponsored_sections(sections: list[Section]) -> set[int]:
    """Sections paid for: announced by a sponsor line ending the section before ("In partnership
    with X."), opening with one ("Sponsored by…"), or closed by one ("Please support our
    sponsors!"). A sponsor line further down only cuts the ad off its section (_without_ad)."""
    out = set()
    for n, (_, body) in enumerate(sections):
        texts = [b.text.strip() for b in body if b.text]
        if any(is_sponsor_line(t) for t in texts[:2]) or (texts and _SPONSOR_END.match(texts[-1])):
            out.add(n)
        prev = [b.text.strip() for b in sections[n - 1][1] if b.text] if n else []
        if prev and _SPONSOR_NEXT.match(prev[-1]) and len(prev[-1]) <= 120:
            out.add(n)
    return out


def _without_ad(body: list[Block]) -> list[Block]:
    """The section up to an ad inside it ("Sponsored by X" and what follows); a sponsor line as
    the last text announces the next section and is simply dropped."""
    with_text = [k for k, b in enumerate(body) if b.text]
    for k in with_text[:-1]:
        if _SPONSOR_NEXT.match(body[k].text.strip()) and len(body[k].text) <= 120:
            return body[:k]
    return [b for b in body if not is_sponsor_line(b.text)]


def _skipped(headline: str, settings: Settings) -> bool:
    h = headline.casefold()
    return any(s.strip().casefold() and h.startswith(s.strip().casefold()) for s in settings.skip)


def _stories(
    sections: list[Section], settings: Settings, explain: list[str], mastheads: list[str] | None = None
) -> tuple[list[Story], list[str]]:
    stories: list[Story] = []
    outro: list[str] = []
    sponsored = _sponsored_sections(sections)
    numbered = [bool(_NUMBERED.match(h)) for h, _ in sections]
    if len(sections) > 2 and not numbered[0] and sum(numbered[1:]) >= 2 and all(numbered[1:3]):
        # "Slow Chinese" above "1. …", "2. …": the masthead of numbered stories
        _note(explain, "masthead above numbered sections", sections[0][0])
        if mastheads is not None and is_name(split_emoji(sections[0][0])[0]):
            mastheads.append(split_emoji(sections[0][0])[0])
        sections = sections[1:]
    if sections and _GREETING.match(split_emoji(sections[0][0])[0]):
        # "Welcome!", "La newsletter green, super green": the writer's hello, not a story
        _note(explain, "greeting", sections[0][0])
        sections = sections[1:]
    for n, (headline_text, body) in enumerate(sections):
        if not headline_text.strip():
            continue  # text under a heading the writer said is not a story marker
        if n in sponsored:
            _note(explain, "sponsor section", headline_text)
            continue
        body = _without_ad(body)
        if stories and (is_outro(headline_text) or is_chrome_heading(headline_text) or is_chrome_text(headline_text)):
            outro.extend([headline_text] + [b.text for b in body if b.text])  # sign-off, share, unsubscribe
            continue
        if n == len(sections) - 1:  # the last story may end with a sign-off
            with_text = [k for k, b in enumerate(body) if b.text and b.kind in ("para", "item", "heading")]
            for k in with_text[1:]:
                t = body[k].text
                if is_outro(t) or is_chrome_text(t) or _APPEAL.match(t):  # the footer starts here
                    outro.extend(b.text for b in body[k:] if b.text)
                    body = body[:k]
                    break
        if _skipped(headline_text, settings):
            _note(explain, "section ([issue] skip)", headline_text)
            continue
        if is_chrome_heading(headline_text):
            _note(explain, "section", headline_text)
            continue
        if is_outro(headline_text):
            continue  # a sign-off before any story (one after a story went to the outro above)
        if not _has_content(body):
            continue  # a heading with nothing under it is not a story
        texts = [b.text for b in body if b.text and not _chrome_block(b)]
        if texts and all(_INVITATION.match(t) for t in texts):
            _note(explain, "invitation section", headline_text)
            continue
        if texts and _APPEAL.match(texts[0]) and (len(texts) <= 4 or n == len(sections) - 1):
            # "Did you say patreon?" / "Become a member": a request for money, not a story
            _note(explain, "appeal section", headline_text)
            continue
        if body and body[0].kind == "links":
            headline_text = _without_link_parenthetical(headline_text, body[0].links)
        headline, emoji = split_emoji(headline_text)
        kept = []
        for b in body:
            if _chrome_block(b):
                if not _SEPARATOR_TEXT.match(b.text):
                    _note(explain, "chrome", b.text)
            else:
                kept.append(b)
        story = _story(headline, emoji, kept)
        if story.paragraphs or story.items:
            story.index = len(stories) + 1
            stories.append(story)
    return stories, outro


def _story(headline: str, emoji: str, body: list[Block]) -> Story:
    """One story: its lead paragraphs, then items started by sub-headings or bold lines."""
    story = Story(headline=headline, emoji=emoji)
    if body and body[0].kind == "links":  # the headline is a link: the story's own URL
        own = [link for link in body[0].links if link.text.strip() == headline.strip()]
        story.url = _first_url(Block("links", links=own)) if own else None
    lead: list[str] = []
    items: list[Item] = []
    links: list[Link] = []
    sub_levels = {b.level for b in body if b.kind == "heading"}
    bold_items = sum(1 for i, b in enumerate(body) if _item_head(b, body[i + 1] if i + 1 < len(body) else None))
    for i, b in enumerate(body):
        nxt = body[i + 1] if i + 1 < len(body) else None
        links.extend(b.links)
        if b.kind == "heading" and sub_levels:
            items.append(Item(title=b.text, url=_first_url(b)))
            continue
        if bold_items >= 2 and _item_head(b, nxt):
            items.append(Item(title=b.text.rstrip(":：").strip(), url=_first_url(b)))
            continue
        texts = _texts(b)
        if link_line(b) and b.links[0].url.startswith(("http://", "https://")):
            texts = [f"{b.text} {b.links[0].url}"]  # a bare link's title alone would point nowhere
        if b.kind == "quote":
            quote = strip_enclosing_quotes(b.text)
            words = len(quote.split())
            if story.quote is None:
                story.quote = quote
                if words <= PULL_QUOTE_WORDS and not items:
                    continue  # a pull quote: carded, not posted
            texts = [quote]
        target = items[-1].paragraphs if items else lead
        target.extend(t for t in texts if t)
    items = [it for it in items if it.title or it.paragraphs]
    story.paragraphs = lead + [p for it in items for p in [it.title_line, *it.paragraphs] if p]
    story.items = items
    seen: set[tuple[str, str]] = set()
    for link in links:
        key = (link.text, link.url)
        if key not in seen:
            seen.add(key)
            story.links.append(link)
    return story


def link_line(b: Block) -> bool:
    """A paragraph (or list item) that is one link and nothing else: a title when text follows."""
    return (
        b.kind in ("para", "item") and len(b.links) == 1 and b.links[0].text == b.text and not b.text.startswith("http")
    )


def _item_head(b: Block, nxt: Block | None) -> bool:
    """A bold line, or a link alone on its line, with its description under it: a roundup item.
    (A run of bare links with no descriptions stays a list: one post holds several.)"""
    if b.kind not in ("para", "item") or len(b.text) > BOLD_HEAD_MAX or _CALL_TO_ACTION.match(b.text):
        return False
    if nxt is None or nxt.kind not in ("para", "item", "quote") or nxt.bold:
        return False
    if b.bold:
        return True
    return (
        link_line(b) and not link_line(nxt) and not (b.kind == "item" and nxt.kind == "item" and nxt.level <= b.level)
    )


def _first_url(b: Block) -> str | None:
    for link in b.links:
        if link.url.startswith(("http://", "https://")):
            return link.url
    found = bare_links(b.text)
    return found[0] if found else None


def _texts(b: Block) -> list[str]:
    """What a block contributes to a post: its text, or a table as one readable line per row."""
    if b.kind == "table":
        return table_lines(b.rows)
    if b.kind in ("rule", "code"):
        return []
    return [b.text] if b.text else []


def table_lines(rows: list[list[str]]) -> list[str]:
    """A data table as lines a person reads: "Header: cell · Header: cell" per row."""
    rows = [[c.strip() for c in r] for r in rows if any(c.strip() for c in r)]
    if not rows:
        return []
    header = rows[0]
    if len(rows) > 1 and len(header) > 1 and all(header):
        return [" · ".join(f"{h}: {c}" if h else c for h, c in zip(header, r) if c) for r in rows[1:]]
    return [" · ".join(c for c in r if c) for r in rows]


def join_lines(lines: list[str]) -> str:
    """Wrapped lines as one paragraph; CJK lines join without a space."""
    out = ""
    for line in lines:
        out = join_text(out, line) if out else line
    return out
