"""Reading real newsletters as an editor would: compare crosspost's reading of a corpus issue
with the editor's reading written down beside it (`<slug>.expected.yaml`).

Used by tests/test_corpus.py (every issue must read right) and benchmarks/bench_corpus.py (the
share read right, also on issues kept aside). Matching is what an editor would accept: headlines
and titles compared without case, quote style, spacing or trailing punctuation; the strings an
editor said a story must keep must be found in that story (its text, item titles or links).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CORPUS = Path(__file__).parent / "data" / "newsletters"

# Markup that must never reach a post: in any file, HTML tags, separator lines, table rows and
# reStructuredText targets; in Markdown and HTML files also Markdown syntax (a plain-text mail's
# "** TRUE savings! **" or "<RET>" is the writer's own text).
_ANY_MARKUP = (
    r"</?(?:a|p|div|span|br|img|strong|em|b|i|u|table|tr|td|th|h[1-6]|ul|ol|li|font|center|iframe|"
    r"figure|section|article|style|script)\b[^<>]*>|^\s*[-=~*_+#]{3,}\s*$|\|\s*[-:]{3,}|"
    r"^\s*\|.*\|\s*$|\.\. _\w|\.\. \w+::|\{\{|\{%"
)
MARKUP = {
    "text": re.compile(_ANY_MARKUP, re.M | re.I),
    "markdown": re.compile(_ANY_MARKUP + r"|\*\*|(?:^|\s)#{1,6}\s|\]\(|\]\[|^\s*[-*+] ", re.M | re.I),
}
MARKUP["html"] = MARKUP["markdown"]


@dataclass
class Reading:
    name: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def expected_files(folder: Path = CORPUS) -> list[Path]:
    return sorted(folder.glob("*.expected.yaml"))


_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]")


def norm(text: str | None) -> str:
    """Case, quote style, spacing, emoji and trailing punctuation aside."""
    if text is None:
        return ""
    t = _EMOJI.sub("", unicodedata.normalize("NFKC", text)).casefold()
    t = t.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    t = re.sub(r"[\s\u3000]+", " ", t).strip()
    return t.strip(" .:：!?;,-–—\"'*_")


def _brand(text: str | None) -> str:
    """A brand with or without the word "Newsletter" is the same brand."""
    return re.sub(r"\s*\bnewsletter\b\s*", " ", norm(text)).strip()


def _story_haystack(story) -> str:
    parts = [story.headline, story.quote or ""] + list(story.paragraphs)
    parts += [it.title for it in story.items] + [it.url or "" for it in story.items]
    parts += [f"{link.text} {link.url}" for link in story.links]
    return norm(" \n ".join(parts))


def check(expected_path: Path) -> Reading:
    """Every way crosspost's reading of one corpus issue differs from the editor's."""
    from crosspost.errors import InputError
    from crosspost.parse import parse_issue

    want = yaml.safe_load(expected_path.read_text(encoding="utf-8"))
    path = expected_path.parent / want["file"]
    reading = Reading(want["file"])
    p = reading.problems
    try:
        issue = parse_issue(path)
    except InputError as exc:
        p.append(f"not read: {exc}")
        return reading
    if want.get("title") is not None and norm(issue.title) != norm(want["title"]):
        p.append(f"title {issue.title!r} != {want['title']!r}")
    if want.get("number", None) != issue.number:
        p.append(f"number {issue.number!r} != {want.get('number')!r}")
    if _brand(want.get("brand")) != _brand(issue.brand):
        p.append(f"brand {issue.brand!r} != {want.get('brand')!r}")
    got = [norm(s.headline) for s in issue.stories]
    heads = [norm(s["headline"]) for s in want["stories"]]
    if got != heads:
        p.append(f"stories {[s.headline for s in issue.stories]} != {[s['headline'] for s in want['stories']]}")
    else:
        for story, ws in zip(issue.stories, want["stories"]):
            hay = _story_haystack(story)
            for keep in ws.get("keep") or []:
                if norm(keep) not in hay:
                    p.append(f"story {story.headline!r} lost {keep!r}")
    for chrome in want.get("chrome") or []:
        if any(norm(chrome) and norm(chrome) in norm(s.headline) for s in issue.stories):
            p.append(f"chrome {chrome!r} became a story")
    return reading


def check_posts(issue) -> list[str]:
    """Posts of both thread modes: no markup, within the limit, full mode loses and repeats no word."""
    from crosspost.config import Config
    from crosspost.plan.thread import plan_thread
    from crosspost.platforms.x.textlen import weighted_length

    problems = []
    config = Config()
    for mode in ("summary", "full"):
        plan = plan_thread(issue, config, mode=mode)
        for i, post in enumerate(plan.posts, 1):
            if weighted_length(post.text) > plan.limit:
                problems.append(f"{mode} post {i} over the limit")
            m = MARKUP[issue.format].search(post.text)
            if m:
                problems.append(f"{mode} post {i} has markup {m.group(0)!r}: {post.text[:80]!r}")
        if mode == "full":
            number = re.compile(r" \d+/\d+$")
            for story in issue.stories:
                posted = " ".join(number.sub("", p.text) for p in plan.posts if p.story == story.index)
                want = " ".join([story.display_headline, story.url or "", *story.paragraphs])
                if _squeeze(posted) != _squeeze(want):
                    problems.append(f"full mode changed the words of {story.headline!r}")
    return problems


def _squeeze(text: str) -> str:
    """The text without whitespace: a cut inside a CJK run re-joins without a space."""
    return re.sub(r"\s+", "", text)
