"""Progress of long work, as events: the library reports them, the caller decides whether to show them.

The library never prints. Rendering cards, publishing a plan and fetching a feed take an optional
`progress` object (anything with the four methods of `Progress`) and tell it what happens:

    start(total, what)    a piece of work of `total` steps (None: not known) begins
    advance(detail)       one step is done ("post 3/12 sent"); steps=0 only says what is under way
    waiting(until, why)   the work sleeps until `until` (a time.time() value; None: no known end)
    done()                the piece of work is over (also when it failed)

Pieces of work follow one another (the cards are rendered, then the posts go out); they do not nest.
`waiting` is only ever said when this process really waits (another run holds the publish lock, a
platform's listing lags behind a post); a platform's rate limit does not make the engine sleep: the
post is deferred, reported as a step, and the run ends.

The default, `SILENT`, does nothing. The CLI shows a rich progress display on a terminal
(crosspost/liveprogress.py); nothing here imports rich.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, total: int | None, what: str) -> None: ...

    def advance(self, detail: str = "", *, steps: int = 1) -> None: ...

    def waiting(self, until: float | None, why: str) -> None: ...

    def done(self) -> None: ...


class Silent:
    """A Progress that shows nothing: what the library uses when nobody asked."""

    def start(self, total: int | None, what: str) -> None:
        pass

    def advance(self, detail: str = "", *, steps: int = 1) -> None:
        pass

    def waiting(self, until: float | None, why: str) -> None:
        pass

    def done(self) -> None:
        pass

    def __enter__(self) -> "Silent":
        return self

    def __exit__(self, *exc: object) -> None:
        pass


SILENT = Silent()


def or_silent(progress: Progress | None) -> Progress:
    return SILENT if progress is None else progress
