"""The CLI's progress display: crosspost.progress events drawn by rich on stderr.

Only the CLI uses it, and only when stderr is a terminal and neither --json nor --quiet was given
(cli._progress decides). It is transient: each bar disappears when its piece of work is done, so
what stays on the screen is what the command prints afterwards (the report, the preview).
"""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
)
from rich.text import Text

DETAIL_MAX = 60  # characters of a step's detail shown beside the bar


class _Left(ProgressColumn):
    """While the work waits: the time left ("waiting 4:05"), or "waiting" when no end is known."""

    def render(self, task: Task) -> Text:
        if not task.fields.get("waiting"):
            return Text("")
        until = task.fields.get("until")
        if until is None:
            return Text("waiting", style="yellow")
        left = max(0, round(until - time.time()))
        hours, rest = divmod(left, 3600)
        clock = f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
        return Text(f"waiting {clock}", style="yellow")


def _trim(text: str, n: int = DETAIL_MAX) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


class LiveProgress:
    """A crosspost.progress.Progress shown as a rich progress bar on stderr."""

    def __init__(self, console: Console | None = None):
        # the caller decided stderr is a terminal; rich is told so (and follows sys.stderr as it is replaced).
        # soft_wrap: a log line printed above the bar stays one line (its URL whole) however narrow the screen
        self.console = console or Console(stderr=True, force_terminal=True, highlight=False, soft_wrap=True)
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._what = ""

    def _ensure(self, total: int | None, what: str) -> None:
        if self._bar is None:
            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}", markup=False),
                BarColumn(bar_width=24),
                MofNCompleteColumn(),
                _Left(),
                console=self.console,
                transient=True,
                refresh_per_second=4,  # the countdown ticks; every event also refreshes at once
            )
            self._bar.start()
        if self._task is None:
            self._what = what
            self._task = self._bar.add_task(_trim(what), total=total)

    def start(self, total: int | None, what: str) -> None:
        self.done()
        self._ensure(total, what)

    def advance(self, detail: str = "", *, steps: int = 1) -> None:
        self._ensure(None, "working")
        assert self._bar is not None and self._task is not None
        description = f"{self._what} · {detail}" if detail else self._what
        self._bar.update(
            self._task, advance=steps, description=_trim(description), waiting=False, until=None, refresh=True
        )

    def waiting(self, until: float | None, why: str) -> None:
        self._ensure(None, why)
        assert self._bar is not None and self._task is not None
        self._bar.update(self._task, description=_trim(why), waiting=True, until=until, refresh=True)

    def done(self) -> None:
        """End the piece of work: its bar is erased."""
        if self._bar is not None:
            self._bar.stop()
        self._bar, self._task, self._what = None, None, ""

    close = done

    def __enter__(self) -> "LiveProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CurrentStderr:
    """sys.stderr as it is at each write: a live display replaces sys.stderr so that what is written
    meanwhile (the action log of `crosspost run`) appears above the bar instead of through it."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()
