"""The dry-run preview: every post in a panel, card thumbnails, a summary table.

On a terminal it uses colour and draws each card with half-block characters; when stdout is not
a terminal it prints the same information as plain text, without ANSI codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .model import Plan

THUMB_WIDTH = 36  # terminal columns of a card thumbnail


def make_console(file=None) -> Console:
    console = Console(file=file, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        # plain text: never insert line breaks that the post does not have
        console = Console(
            file=file, highlight=False, color_system=None, force_terminal=False, width=100, soft_wrap=True
        )
    return console


def _count_style(length: int, limit: int) -> str:
    if length > limit:
        return "bold red"
    if length >= 0.9 * limit:
        return "yellow"
    return "green"


def thumbnail(path: str | Path, width: int = THUMB_WIDTH) -> Text:
    """A card drawn with '▀': each character cell shows two pixels (fg above, bg below)."""
    from PIL import Image

    with Image.open(path) as opened:
        rgb = opened.convert("RGB")
        w, h = rgb.size
        rows = max(2, round(width * h / w / 2) * 2)  # character cells are ~2x taller than wide
        small = rgb.resize((width, rows), Image.Resampling.BOX)
    px: Any = small.load()
    text = Text()
    for y in range(0, rows, 2):
        for x in range(width):
            top, bottom = px[x, y], px[x, y + 1]
            text.append("▀", style=f"rgb({top[0]},{top[1]},{top[2]}) on rgb({bottom[0]},{bottom[1]},{bottom[2]})")
        text.append("\n")
    text.rstrip()
    return text


def _media_lines(post, console: Console, thumbs: bool) -> list:
    parts: list = []
    for m in post.media:
        line = Text()
        line.append("🖼  " if console.is_terminal else "[image] ", style="bold")
        line.append(f"{m.path}", style="cyan")
        if m.width and m.height:
            line.append(f"  {m.width}x{m.height}", style="dim")
        if m.upload:  # the JPEG made from the card's pixels when publishing: what the platform is sent
            line.append(f"  sent as {Path(m.upload).name}", style="dim")
        parts.append(line)
        alt = Text("   alt: ", style="dim")
        alt.append(m.alt_text)
        parts.append(alt)
        if thumbs and console.is_terminal and Path(m.path).exists():
            parts.append(thumbnail(m.path))
    return parts


def show_plan(
    plan: Plan,
    console: Console,
    *,
    title: str = "",
    target: str | None = None,
    published: dict[int, tuple[str, str]] | None = None,
) -> None:
    """Print every post of a plan and a summary table; `published` marks what the ledger says is out."""
    from .pipeline import api_calls

    published = published or {}
    n = len(plan.posts)
    for i, post in enumerate(plan.posts, 1):
        body: list = [Text(post.text)]
        media = _media_lines(post, console, thumbs=True)
        if media:
            body.append(Text(""))
            body.extend(media)
        if post.weighted_length is not None and plan.limit:
            count = Text(f"{post.weighted_length}/{plan.limit}", style=_count_style(post.weighted_length, plan.limit))
        else:
            count = Text(f"{len(post.text)} chars")
        heading = f"{plan.platform} · post {i}/{n}"
        if plan.thread and i > 1:
            heading += " · reply"
        if i in published:
            state, detail = published[i]
            heading += f" · {'already ' if state == 'posted' else ''}{state}"
            body.append(
                Text(f"{state}: {detail}" if detail else state, style="yellow" if state != "posted" else "green")
            )
        if console.is_terminal:
            console.print(
                Panel(Group(*body), title=heading, title_align="left", subtitle=count, subtitle_align="right")
            )
        else:
            console.print(f"--- {heading} [{count.plain}] ---")
            console.print(Group(*body))
            console.print()

    table = Table(title=title or None, show_header=True, header_style="bold")
    table.add_column("platform")
    table.add_column("posts", justify="right")
    table.add_column("cards", justify="right")
    table.add_column("alt texts", justify="right")
    table.add_column("API calls", justify="right")
    table.add_column("longest", justify="right")
    images = sum(len(p.media) for p in plan.posts)
    alts = sum(1 for p in plan.posts for m in p.media if m.alt_text)
    if plan.limit and any(p.weighted_length is not None for p in plan.posts):
        longest = f"{max(p.weighted_length or 0 for p in plan.posts)}/{plan.limit}"
    else:
        longest = f"{max((len(p.text) for p in plan.posts), default=0)} chars"
    out = {i for i, (state, _) in published.items() if state == "posted"}
    to_send = Plan(plan.platform, plan.issue_id, [p for i, p in enumerate(plan.posts, 1) if i not in out])
    calls = str(api_calls(to_send, target or plan.platform))
    if out:
        calls += f" ({len(out)} posts already out)"
    table.add_row(target or plan.platform, str(n), str(images), f"{alts}/{images}", calls, longest)
    console.print(table)
    if any(state == "undone" for state, _ in published.values()):
        console.print(
            Text(
                f"This issue was undone on {target or plan.platform}: publishing refuses it unless you add --again.",
                style="yellow",
            )
        )
    changed = sorted(i for i, (state, _) in published.items() if state == "changed")
    if changed:
        console.print(
            Text(
                f"The issue changed after post {', '.join(map(str, changed))} went out: publishing will stop and "
                "say what differs; --replan keeps what is out and sends the rest from this plan.",
                style="yellow",
            )
        )


_STATE_STYLE = {
    "posted": "green",
    "already": "green",
    "adopted": "green",
    "deleted": "dim",
    "pending": "yellow",
    "deferred": "yellow",
    "sending": "yellow",
    "unknown": "yellow",
    "failed": "red",
}


def show_report(report, console: Console) -> None:
    """What a publish (or undo) run did: one line per post with its URL or its error."""
    for note in getattr(report, "notes", []):
        console.print(Text(note, style="yellow"))
    for r in report.results:
        style = _STATE_STYLE.get(r.state, "")
        line = Text(f"{report.platform} {report.issue_id} {r.position:>2} ", style="bold")
        line.append(f"{r.state:<8}", style=style)
        if r.url:
            line.append(f" {r.url}", style="cyan")
        if r.error:
            line.append(f" {r.error}", style="red" if r.state == "failed" else "yellow")
        console.print(line)
    counts = ", ".join(f"{n} {state}" for state, n in sorted(report.counts().items())) or "nothing to do"
    console.print(Text(f"{report.platform}: {counts}; {report.write_calls} write calls", style="dim"))


def show_status(rows: list[dict], console: Console, *, issue_id: str | None = None) -> None:
    """The ledger, one line per post: issue, platform, position, state, when, then its URL or reason.

    Not a table: a table folds a long URL over several lines on a narrow terminal, and a URL cut
    by line breaks can be neither clicked nor copied. Each line is printed whole (soft wrap), so
    only the terminal itself wraps it.
    """
    if not rows:
        console.print(f"Nothing published{' for ' + issue_id if issue_id else ''} yet.")
        return
    lines = [("issue", "platform", "#", "state", "updated", "url / reason")]
    for r in rows:
        detail = r.get("url") or r.get("error") or r.get("text") or ""
        if r.get("next_attempt_at") and r["state"] in ("pending", "deferred"):
            detail += f" (retry after {r['next_attempt_at']})"
        platform = (
            r["platform"]
            if r.get("plan_platform") in (None, "", r["platform"])
            else f"{r['platform']} ({r['plan_platform']})"
        )
        lines.append(
            (r["issue_id"], platform, str(r["position"]), r["state"], (r.get("updated_at") or "")[:19], detail)
        )
    widths = [max(len(line[i]) for line in lines) for i in range(5)]
    for n, line in enumerate(lines):
        text = Text(style="bold" if n == 0 else "")
        for i, cell in enumerate(line[:5]):
            style = _STATE_STYLE.get(cell, "") if (i == 3 and n) else ""
            text.append(cell.rjust(widths[i]) if i == 2 else cell.ljust(widths[i]), style=style)
            text.append("  ")
        text.append(line[5], style="cyan" if n and rows[n - 1].get("url") else "")
        console.print(text, soft_wrap=True)
