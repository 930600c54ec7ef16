"""An issue saved as the e-mail itself (`.eml`, or a MIME message pasted into a file).

The message is decoded with the standard library (multipart, quoted-printable, base64,
charsets): its HTML part is read like any HTML issue, else its plain-text part like a text issue.
The Subject is the title (list tags such as "[club]" and "Fwd:" removed), the Date the date.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from ..model import Issue
from .dates import iso_date
from .document import Settings, read_document
from .frontmatter import clean_subject


def looks_like_mime(text: str) -> bool:
    """A header block at the top that declares MIME content."""
    head = text[:16384].split("\n\n", 1)[0] if "\n\n" in text[:16384] else ""
    return (
        bool(head)
        and bool(re.search(r"^(?:MIME-Version|Content-Type):", head, re.M | re.I))
        and bool(re.match(r"^(?:From [^\n]*\n)?[\w-]+:", head))
    )


MAX_MULTIPARTS = 100  # a newsletter e-mail has a handful (alternative, related, mixed)
_MULTIPART = re.compile(r"^content-type:\s*multipart/", re.I | re.M)


def parse_mail(text: str, path: Path, settings: Settings | None = None) -> Issue:
    # The standard library's parser slows down steeply on deeply nested parts (44 s for 4.7 MB of
    # them): count them first, in one linear pass, and refuse a message no sender makes.
    parts = sum(1 for _ in _MULTIPART.finditer(text))
    if parts > MAX_MULTIPARTS:
        raise InputError(f"e-mail with {parts} multipart sections (more than {MAX_MULTIPARTS}): not a newsletter", path)
    import email
    import email.policy  # ~12 ms to import: only for a file that is an e-mail (looks_like_mime runs on every issue)

    message = email.message_from_string(text, policy=email.policy.default)
    html = _body(message, "html")
    plain = None if html is not None else _body(message, "plain")
    if html is None and plain is None:
        raise InputError("e-mail with no text or HTML part", path)
    subject = clean_subject(str(message.get("subject", "") or ""))
    date = _date(message)
    if html is not None:
        from .html import html_document

        doc = html_document(html)
        if doc is None:
            raise InputError("no stories found (the e-mail's HTML has no body)", path)
    else:
        from .text import text_document

        doc = text_document(plain or "")
    if subject:
        doc.meta.title, doc.meta.title_source = subject, "the e-mail's Subject"
    doc.meta.date = doc.meta.date or date
    return read_document(doc, path, settings)


def _body(message, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return None
    try:
        return part.get_content()
    except (LookupError, UnicodeError, ValueError):  # an unknown charset or broken encoding
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace")


def _date(message) -> str | None:
    try:
        value = message.get("date")  # a DateHeader: the header's text, read like any other date
    except (TypeError, ValueError):
        return None
    return iso_date(value)
