"""Exceptions that the CLI turns into one clear line and an exit code.

Everything a user can fix (a bad file, a bad config) is an InputError: exit 2.
A ledger that cannot be written (full disk, read-only, locked by another process) is a StorageError: exit 2.
A platform that refused or failed is a PlatformError: exit 1, work stays pending.
"""

from __future__ import annotations

from pathlib import Path


class CrosspostError(Exception):
    """Base class: str(exc) is the one line shown to the user."""

    exit_code = 1


class _FileProblem(CrosspostError):
    """A problem a person fixes on this machine: exit 2, the line starting with the file it is about."""

    exit_code = 2

    def __init__(self, message: str, path: str | Path | None = None):
        # a database URL (its password already hidden) names the place as it is, not as a file
        url = isinstance(path, str) and "://" in path
        self.path = Path(path) if path is not None and not url else None
        self.problem = message
        where = path if url else self.path
        super().__init__(f"{where}: {message}" if where is not None else message)


class InputError(_FileProblem):
    """Bad input or configuration, always naming the file when there is one."""


class StorageError(_FileProblem):
    """crosspost's own state cannot be used: the ledger's disk is full, its folder read-only, or another
    process holds it locked. Not an InputError, so an unattended run leaves its work due instead of
    marking it failed: it goes out by itself once the disk or the lock is fixed."""


class DatabaseUnavailable(StorageError):
    """The shared database cannot be reached (or refused the connection): nothing was sent, the work
    stays due, and the run exits 1 as for any outage that fixes itself."""

    exit_code = 1


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
