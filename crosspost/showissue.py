"""`crosspost show`: how crosspost read an issue, so a writer can check it before publishing."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .model import Issue


def show_issue(issue: Issue, console: Console, *, explain: bool = False) -> None:
    meta = Table.grid(padding=(0, 2))
    meta.add_column(style="bold")
    meta.add_column()
    meta.add_row("issue", issue.id)
    meta.add_row("title", issue.title)
    for label, value in (
        ("number", issue.number),
        ("brand", issue.brand),
        ("url", issue.url),
        ("date", issue.date),
        ("format", issue.format),
        ("file", issue.source),
    ):
        if value not in (None, ""):
            meta.add_row(label, str(value))
    if issue.hashtags:
        meta.add_row("hashtags", " ".join(issue.hashtags))
    console.print(meta)
    if issue.intro:
        console.print(Text("\nintro (not a story):", style="dim"))
        for line in issue.intro:
            console.print(Text(f"  {line}", style="dim"))
    for story in issue.stories:
        console.print()
        head = Text(f"{story.index}. ", style="bold")
        head.append(story.headline, style="bold")
        if story.emoji:
            head.append(f"  {story.emoji}")
        console.print(head)
        words = sum(len(p.split()) for p in story.paragraphs)
        console.print(Text(f"   {len(story.paragraphs)} paragraphs, {words} words", style="dim"))
        if story.paragraphs:
            lead = story.paragraphs[0]
            console.print(Text("   " + (lead[:160] + "…" if len(lead) > 160 else lead)))
        if story.quote:
            console.print(Text(f"   quote: “{story.quote}”", style="italic"))
        if story.url:
            console.print(Text(f"   url: {story.url}", style="cyan"))
        for item in story.items:
            bullet = Text("   • ", style="dim")
            bullet.append(item.title or "(untitled)")
            if item.url:
                bullet.append(f" <{item.url}>", style="cyan")
            if item.paragraphs:
                bullet.append(f"  ({sum(len(p.split()) for p in item.paragraphs)} words)", style="dim")
            console.print(bullet)
        if not story.items:
            for link in story.links:
                console.print(Text(f"   link: {link.text} <{link.url}>", style="cyan"))
    if issue.outro:
        console.print(Text("\noutro (not a story):", style="dim"))
        for line in issue.outro:
            console.print(Text(f"  {line}", style="dim"))
    if explain:
        console.print(Text("\nhow it was read:", style="bold"))
        for line in issue.explain or ["(nothing to explain)"]:
            console.print(Text(f"  {line}"))
        console.print(
            Text("  a wrong guess? set [issue] stories / title / brand / skip in crosspost.toml", style="dim")
        )
