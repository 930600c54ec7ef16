"""One line per action, for unattended runs: to a log file in the data dir and to stderr.

Format: `2026-12-01T09:00:03Z issue-34 x posted 3/5 https://x.com/i/status/123`. No colour, no
ANSI; every configured secret value is redacted before a line is written anywhere.
"""

from __future__ import annotations

import logging
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path

LOGGER_NAME = "crosspost"


def redact(text: str, secrets: Iterable[str], mask: str = "***") -> str:
    """`text` with every secret (and its URL-encoded form) replaced by `mask`, longest first."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, mask)
        quoted = urllib.parse.quote(secret, safe="")
        if quoted != secret:
            text = text.replace(quoted, mask)
    return text


class RedactFilter(logging.Filter):
    """A logging filter that rewrites each record's message through `scrub` (secret values masked).

    `secrets` is called per record, so secrets learned later (a login) are covered too.
    """

    def __init__(self, secrets: Callable[[], Iterable[str]], mask: str = "***"):
        super().__init__()
        self._secrets = secrets
        self.mask = mask

    def scrub(self, text: str) -> str:
        return redact(text, self._secrets(), self.mask)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record: keep only its template
            message = str(record.msg)
        record.msg, record.args = self.scrub(message), None
        return True


class _UTCFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's API
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", self.converter(record.created))


def log_path() -> Path:
    from .credentials import data_dir

    return data_dir() / "crosspost.log"


def setup(*, quiet: bool = False, to_file: bool = True, stream=None) -> logging.Logger:
    """Configure the action log; `quiet` keeps only errors on stderr (the file gets everything)."""
    from .credentials import secret_values

    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    for flt in list(logger.filters):
        logger.removeFilter(flt)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        secrets = secret_values()
    except Exception:  # noqa: BLE001 - a broken secrets file is reported elsewhere
        secrets = []
    logger.addFilter(RedactFilter(lambda: secrets))
    fmt = _UTCFormatter("%(asctime)s %(message)s")
    err = logging.StreamHandler(stream or sys.stderr)
    err.setLevel(logging.ERROR if quiet else logging.INFO)
    err.setFormatter(fmt)
    logger.addHandler(err)
    if to_file:
        _add_file_handler(logger, fmt, stream or sys.stderr)
    return logger


def _add_file_handler(logger: logging.Logger, fmt: logging.Formatter, stream) -> None:
    """Log to <data dir>/crosspost.log, or warn once and keep stderr only: a log file that cannot be
    written (a root-owned file after a `sudo` run, a data dir on a full disk) must not stop a cron run
    from publishing."""
    from .files import os_problem

    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        stream.write(f"crosspost: warning: cannot write the log file {exc.filename or path}: {os_problem(exc)}; "
                     "logging to stderr only\n")
        return
    fh.setFormatter(fmt)
    logger.addHandler(fh)


def action(issue: str, platform: str, what: str, detail: str = "", *, error: bool = False) -> None:
    """Log one action line: issue, platform, what happened, then a URL or the error."""
    logger = logging.getLogger(LOGGER_NAME)
    line = " ".join(part for part in (issue, platform, what, detail) if part)
    logger.log(logging.ERROR if error else logging.INFO, line)
