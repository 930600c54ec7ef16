"""Issue files -> Issue: plain text, Markdown or HTML, detected by extension and content.

The format parsers (and the heavy libraries they use) are imported only when a file of that
format is parsed, so importing crosspost.parse stays cheap.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import Issue

ISSUE_SUFFIXES = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".eml": "email",  # a message saved from a mail client: its HTML or text part is read
}

_HTML_START = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
_HTML_TAGS = re.compile(r"</(?:p|h[1-6]|div|article|section|body|li)\s*>", re.I)
_MD_HEADING = re.compile(r"^#{1,3}\s+\S", re.M)
_FRONT_MATTER = re.compile(r"^(?:---[ \t]*\r?\n(?:[A-Za-z_][\w-]*[ \t]*:.*\r?\n)|\+\+\+[ \t]*\r?\n)")


def detect_format(path: Path, text: str) -> str:
    """text | markdown | html | email. Content wins over the extension when it is unmistakable:
    a saved web page is HTML whatever it is called, and a .txt with front matter or "## "
    headings is Markdown. Unknown extensions are sniffed and default to text."""
    head = text[:4096]
    if path.suffix.lower() == ".eml":
        return "email"
    from .mail import looks_like_mime

    if looks_like_mime(text):
        return "email"
    if _HTML_START.match(head) or (head.lstrip().startswith("<") and len(_HTML_TAGS.findall(head)) >= 2):
        return "html"
    by_suffix = ISSUE_SUFFIXES.get(path.suffix.lower())
    if by_suffix in ("markdown", "html"):
        return by_suffix
    if _FRONT_MATTER.match(text) or len(_MD_HEADING.findall(text)) >= 2:
        return "markdown"
    return "text"


def parse_issue(path: Path, settings=None) -> Issue:
    """Read and parse one issue file; every unusable input raises InputError naming it.

    `settings` (document.Settings, from crosspost.toml's [issue]) overrides the guesses."""
    from .source import read_issue_text

    path = Path(path)
    text = read_issue_text(path)
    fmt = detect_format(path, text)
    if fmt == "email":
        from .mail import parse_mail

        return parse_mail(text, path, settings)
    if fmt == "html":
        from .html import parse_html

        return parse_html(text, path, settings)
    if fmt == "markdown":
        from .markdown import parse_markdown

        return parse_markdown(text, path, settings)
    from .text import parse_text

    return parse_text(text, path, settings)


def settings_from(config) -> "object":
    """The [issue] section of a Config as the finder's Settings."""
    from .document import Settings

    brand = config.issue.brand or config.theme.brand
    return Settings(stories=config.issue.stories, title=config.issue.title, brand=brand, skip=list(config.issue.skip))


__all__ = ["parse_issue", "detect_format", "settings_from", "ISSUE_SUFFIXES"]
