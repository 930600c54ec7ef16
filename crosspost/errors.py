"""Exceptions that the CLI turns into one clear line and an exit code.

Everything a user can fix (a bad file, a bad config) is an InputError: exit 2.
A platform that refused or failed is a PlatformError: exit 1, work stays pending.
"""

from __future__ import annotations

from pathlib import Path


class CrosspostError(Exception):
    """Base class: str(exc) is the one line shown to the user."""

    exit_code = 1


class InputError(CrosspostError):
    """Bad input or configuration, always naming the file when there is one."""

    exit_code = 2

    def __init__(self, message: str, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        self.problem = message
        super().__init__(f"{self.path}: {message}" if self.path is not None else message)


class PlatformError(CrosspostError):
    """A platform refused or failed; `needs_person` marks errors a retry cannot fix."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        platform: str = "",
        retry_at: float | None = None,
        needs_person: bool = False,
        transient: bool = False,
        outcome_unknown: bool = False,
    ):
        self.platform = platform
        self.retry_at = retry_at
        self.needs_person = needs_person
        self.transient = transient
        self.outcome_unknown = outcome_unknown
        super().__init__(f"{platform}: {message}" if platform else message)
