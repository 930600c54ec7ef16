"""One line per action, for unattended runs: to a log file in the data dir and to stderr; and the one
redaction function every printed, logged or stored message goes through.

Format: `2026-12-01T09:00:03Z issue-34 x posted 3/5 https://x.com/i/status/123`. No colour, no
ANSI; every known secret value is redacted before a line is written anywhere.

Why redaction looks the way it does: a proxy or a mistyped API URL can answer with an echo of our own
request, and that echo turns up in error messages, the ledger, the schedule and the log. The request
carries secrets raw, percent-encoded (OAuth headers, form bodies) or inside base64 (Basic auth,
gateways that echo the body encoded), so each known value is matched in all three forms. Values are
"known" when crosspost loaded them (environment or secrets file) or an adapter registered them (session
cookies learned at login). Credential-shaped text (`Bearer …`, `password=…`, `oauth_token="…"`) is
masked too, as a second line of defence for values nobody registered.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path

LOGGER_NAME = "crosspost"
MASK = "[redacted]"
MIN_BASE64 = 8  # shorter stable base64 runs would mask ordinary words

_registered: set[str] = set()

_PATTERNS = [
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]*):[^\s@/]+@"), rf"\1:{MASK}@"),  # a URL's password
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"), rf"\1 {MASK}"),
    (re.compile(r"""(?i)(['"]?\bauthorization['"]?\s*[:=]\s*)('[^']*'|"[^"]*"|[^,}\n]*)"""), rf"\1{MASK}"),
    (
        re.compile(
            r"(?i)\b(oauth_[a-z_]+|access_token|refresh_token|token|secret|password|passwd|api_key|apikey|"
            r"sessionid|csrftoken)(['\"]?\s*(?:[=:]|%3D|',\s*'|\",\s*\")\s*['\"]?)[^\s'\"&,;})]+"
        ),
        rf"\1\2{MASK}",
    ),
]


def register_secrets(values: Iterable[str]) -> None:
    """Adapters call this with values they learn at run time (session cookies, tokens)."""
    _registered.update(v for v in values if isinstance(v, str) and len(v) >= 4)


def known_secrets() -> frozenset[str]:
    """Every credential crosspost loaded plus every value an adapter registered."""
    from .credentials import secret_values

    return frozenset(secret_values()) | frozenset(_registered)


def _char_forms(ch: str) -> str:
    """A regex for one character of a secret: itself, percent-encoded (either hex case, `+` for a
    space) or JSON-escaped."""
    forms = {re.escape(ch)}
    forms.add(
        "".join(
            "%" + "".join(f"[{c}{c.lower()}]" if c.isalpha() else c for c in f"{b:02X}") for b in ch.encode("utf-8")
        )
    )
    if ch == " ":
        forms.add(r"\+")
    escaped = json.dumps(ch)[1:-1]
    if escaped != ch:
        forms.add(re.escape(escaped))
    if ch == "/":
        forms.add(re.escape("\\/"))
    return "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")"


def _base64_forms(secret: str) -> set[str]:
    """The stable inner part of `secret` base64-encoded at each of the 3 byte alignments it can have
    inside a longer encoded string (standard and URL-safe alphabets; the value raw and in the
    percent-encodings a header, a URL or a form body gives it)."""
    out: set[str] = set()
    quote = urllib.parse.quote
    for value in {secret, quote(secret, safe=""), quote(secret), urllib.parse.quote_plus(secret)}:
        data = value.encode("utf-8")
        for shift in range(3):
            encoded = base64.b64encode(b"\0" * shift + data).decode("ascii")
            inner = encoded[-(-8 * shift // 6) : 8 * (shift + len(data)) // 6]
            if len(inner) >= MIN_BASE64:
                out |= {inner, inner.replace("+", "-").replace("/", "_")}
    return out


@functools.lru_cache(maxsize=32)
def _secret_pattern(secrets: frozenset[str]) -> re.Pattern | None:
    alternatives: list[str] = []
    for secret in sorted(secrets, key=len, reverse=True):
        alternatives.append("".join(_char_forms(ch) for ch in secret))
        alternatives += [re.escape(b) for b in sorted(_base64_forms(secret), key=len, reverse=True)]
    return re.compile("|".join(alternatives)) if alternatives else None


def redact(text: str, extra: Iterable[str] = (), *, patterns: bool = True) -> str:
    """`text` with every known secret (and `extra`) masked, raw, percent-encoded or base64-encoded;
    then, with `patterns`, anything shaped like a credential. The one redaction crosspost has.

    `patterns=False` is for output that may legitimately say "password: …" (a post preview)."""
    if not text:
        return text
    secrets = known_secrets() | frozenset(s for s in extra if s)
    pattern = _secret_pattern(secrets)
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if patterns:
        for regex, replacement in _PATTERNS:
            text = regex.sub(replacement, text)
    return text


def redact_line(text: str | None, extra: Iterable[str] = (), *, limit: int | None = None) -> str:
    """`text` as one line (each run of whitespace one space), redacted, then cut to at most `limit`
    characters with "…". Redaction comes before the cut, so a secret that straddles the limit is
    never kept in part."""
    if not text:
        return ""
    out = redact(" ".join(str(text).split()), extra)
    return out if limit is None or len(out) <= limit else out[: limit - 1] + "…"


class RedactFilter(logging.Filter):
    """A logging filter that rewrites each record's message through `redact`.

    Secrets are looked up per record, so values learned later (a login) are covered too; `extra`
    adds values only this filter's owner knows.
    """

    def __init__(self, extra: Callable[[], Iterable[str]] = tuple):
        super().__init__()
        self._extra = extra

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record: keep only its template
            message = str(record.msg)
        record.msg, record.args = redact(message, self._extra()), None
        if record.exc_info and not record.exc_text:  # a traceback is text too
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


class RedactingStream:
    """stdout/stderr with every known secret value masked before it is written.

    The CLI wraps both streams once, so no print, rich panel, JSON dump or traceback can show a
    loaded credential, whichever code path produced the text. Only values are masked here, not
    credential-shaped patterns: a post preview may legitimately say "password: …".
    """

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        return self._stream.write(redact(text, patterns=False) if isinstance(text, str) else text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def protect_output() -> None:
    """Wrap sys.stdout and sys.stderr in RedactingStream (once)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, RedactingStream):
            setattr(sys, name, RedactingStream(stream))


class _UTCFormatter(logging.Formatter):
    converter = time.gmtime  # type: ignore[assignment]  # logging documents this very assignment

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's API
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", self.converter(record.created))


def log_path() -> Path:
    from .credentials import data_dir

    return data_dir() / "crosspost.log"


def setup(*, quiet: bool = False, to_file: bool = True, stream=None) -> logging.Logger:
    """Configure the action log; `quiet` keeps only errors on stderr (the file gets everything).

    The redaction filter sits on the handlers, not the logger: a logger's filters never see the
    records its children (the adapters' library loggers) propagate to it. Both handlers stop at
    INFO, so no library's DEBUG dump reaches the log whatever level a logger is set to.
    """
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    for flt in list(logger.filters):
        logger.removeFilter(flt)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    fmt = _UTCFormatter("%(asctime)s %(message)s")
    err = logging.StreamHandler(stream or sys.stderr)
    err.setLevel(logging.ERROR if quiet else logging.INFO)
    handlers: list[logging.Handler] = [err]
    if to_file:
        fh = _file_handler(stream or sys.stderr)
        if fh is not None:
            handlers.append(fh)
    for handler in handlers:
        handler.setFormatter(fmt)
        handler.addFilter(RedactFilter())
        logger.addHandler(handler)
    return logger


def _file_handler(stream) -> logging.Handler | None:
    """A handler for <data dir>/crosspost.log (INFO and up), or None after one warning: a log file
    that cannot be written (a root-owned file after a `sudo` run, a data dir on a full disk) must
    not stop a cron run from publishing."""
    from .files import os_problem

    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        stream.write(
            f"crosspost: warning: cannot write the log file {exc.filename or path}: {os_problem(exc)}; "
            "logging to stderr only\n"
        )
        return None
    fh.setLevel(logging.INFO)
    return fh


def action(issue: str, platform: str, what: str, detail: str = "", *, error: bool = False) -> None:
    """Log one action line: issue, platform, what happened, then a URL or the error (redacted here
    too, so a line is safe even where setup() never ran)."""
    logger = logging.getLogger(LOGGER_NAME)
    line = " ".join(part for part in (issue, platform, what, detail) if part)
    logger.log(logging.ERROR if error else logging.INFO, redact(line))
