"""The command line: parse flags, call the API (crosspost/api.py) or the library, print. Nothing else lives here.

Heavy libraries are imported inside the commands, so `crosspost --help` stays fast. No `from __future__ import
annotations` here: typer would compile and eval every annotation string of every command on each start (5 ms of
--help, whose goal is 1.1x of a bare typer app: benchmarks/bench_startup.py).
"""

import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="crosspost",
    # ASCII only in the help `crosspost --help` shows: one character wider than a byte (an em dash) makes rich
    # load its Unicode width table, 15 ms of a 190 ms start-up (benchmarks/bench_startup.py)
    help="Turn a newsletter issue into an X thread, quote cards and Instagram posts: previewed first, "
    "published exactly once.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

_state = {"debug": False, "quiet": False}


def _flag(*names: str, **options):
    """typer.Option for an on/off flag, with no metavar: typer 0.29 prints `<bool>` beside every flag
    in --help (a flag takes no value); an empty metavar keeps the help column blank in every version."""
    return typer.Option(*names, metavar="", **options)


# -- shell completion: called on every Tab press, in a fresh process. Cheap (no issue file is read, no
# platform module imported) and never raising: a broken config or a missing folder completes nothing.


def complete_issue(incomplete: str) -> list[tuple[str, str]]:
    """ISSUE: the names (stems) of the files in the project's issues folder, then their numbers."""
    try:
        from .config import load_config
        from .parse.meta import number_from_name
        from .parse.resolve import issue_files

        try:
            config = load_config()
            folder = config.resolve(config.issues_dir)
        except Exception:  # noqa: BLE001 - a config crosspost would refuse still has an issues/ folder
            folder = Path("issues")
        files = issue_files(folder)
        stems = [p.stem for p in files]
        out = {(p.stem if stems.count(p.stem) == 1 else p.name): p.name for p in files}  # issue-34.txt and .md: by name
        numbers: dict[str, list[str]] = {}
        for p in files:
            if (n := number_from_name(p.stem)) is not None:
                numbers.setdefault(str(n), []).append(p.stem)
        out.update({n: found[0] for n, found in numbers.items() if len(found) == 1})  # an ambiguous number is no name
        return [(value, help) for value, help in out.items() if value.startswith(incomplete)]
    except Exception:  # noqa: BLE001 - completion must never break the shell
        return []


def complete_platform(incomplete: str) -> list[str]:
    """--to of thread/cards, --platform of undo: the registered platforms (built-in and plugins)."""
    try:
        from .platforms import available

        return [name for name in available() if name.startswith(incomplete)]
    except Exception:  # noqa: BLE001 - completion must never break the shell
        return []


def complete_login(incomplete: str) -> list[str]:
    """`login`: the platforms with a sign-in flow."""
    try:
        from .platforms import registry

        return [name for name, spec in registry().items() if spec.login and name.startswith(incomplete)]
    except Exception:  # noqa: BLE001 - completion must never break the shell
        return []


def complete_targets(incomplete: str) -> list[str]:
    """--to of schedule/unschedule: schedule targets, comma-separated (completes the one after the last comma)."""
    try:
        from .platforms import ANY, registry, scheduled_by_default

        done, _, last = incomplete.rpartition(",")
        given = {t.strip() for t in done.split(",")}
        prefix = done + "," if done else ""
        names = list(registry())  # every platform; a sink alone means the sink for each default platform
        names += [
            f"{name}:{plan}" for name, spec in registry().items() if spec.plan == ANY for plan in scheduled_by_default()
        ]
        return [prefix + t for t in names if t.startswith(last) and t not in given]
    except Exception:  # noqa: BLE001 - completion must never break the shell
        return []


IssueArg = Annotated[
    Optional[str],
    typer.Argument(
        metavar="ISSUE",
        help="Issue name in ./issues (issue-34), its number (34) or a path. Default: the latest issue.",
        show_default=False,
        autocompletion=complete_issue,
    ),
]
DryRun = Annotated[bool, _flag("--dry-run", "-n", help="Preview only: render and show, send nothing.")]
JsonOut = Annotated[bool, _flag("--json", help="Print JSON only, on stdout.")]
Replan = Annotated[bool, _flag("--replan", help="The issue changed after part was posted: continue with the new plan.")]
Again = Annotated[bool, _flag("--again", help="The issue was undone here: publish it again, on purpose.")]


def _to(kind: str):
    """--to of `thread` and `cards`: a platform whose plans are of that kind, or a sink."""
    return typer.Option(
        "--to",
        help=f"Where to publish: a platform that takes {kind}s, or the outbox (a local folder, no account). "
        f"Default: the first {kind} platform.",
        show_default=False,
        autocompletion=complete_platform,
    )


class Mode(str, Enum):
    summary = "summary"
    full = "full"


def _config():
    from .config import load_config

    return load_config()


def _console():
    from .preview import make_console

    return make_console()


def _stderr_is_terminal() -> bool:
    """Whether a person watches stderr (a terminal, not a pipe or a file): only then is progress shown.
    Tests replace it to see the display without a terminal."""
    return sys.stderr.isatty()


@contextmanager
def _progress(as_json: bool = False, quiet: bool = False):
    """The display of long work's progress (crosspost.progress): a rich bar on stderr when stderr is
    a terminal and neither --json nor --quiet was given, else None (nothing extra printed)."""
    if as_json or quiet or _state["quiet"] or not _stderr_is_terminal():
        yield None
        return
    from .liveprogress import LiveProgress

    with LiveProgress() as live:
        yield live


def _print_json(data) -> None:
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _print_version(value: bool) -> None:
    if value:
        from . import __version__

        print(f"crosspost {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    debug: Annotated[bool, _flag("--debug", help="Show tracebacks on errors.")] = False,
    quiet: Annotated[bool, _flag("--quiet", "-q", help="Print only errors.")] = False,
    version: Annotated[
        bool, _flag("--version", help="Print the version and exit.", is_eager=True, callback=_print_version)
    ] = False,
):
    _state["debug"] = debug
    _state["quiet"] = quiet
    if ctx.invoked_subcommand != "show":  # show loads no credential or stored message, and its speed is a goal
        from .log import protect_output

        protect_output()  # whatever a command prints, no loaded secret reaches the terminal


@app.command()
def show(
    issue: IssueArg = None,
    as_json: JsonOut = False,
    explain: Annotated[
        bool, _flag("--explain", help="Also say which rule found the stories and what was dropped as chrome.")
    ] = False,
):
    """Show how crosspost reads an issue: title, number, brand, its stories and their items."""
    from .api import load_issue

    parsed = load_issue(issue, _config())
    if as_json:
        data = parsed.to_dict()
        if not explain:
            data.pop("explain", None)
        _print_json(data)
        return
    from .showissue import show_issue

    show_issue(parsed, _console(), explain=explain)


@app.command()
def thread(
    issue: IssueArg = None,
    dry_run: DryRun = False,
    as_json: JsonOut = False,
    mode: Annotated[Optional[Mode], typer.Option(help="summary: a post per story; full: every sentence.")] = None,
    numbering: Annotated[
        Optional[bool], _flag("--numbering/--no-numbering", show_default=False, help="Add ' i/n' to posts.")
    ] = None,
    limit: Annotated[
        Optional[int],
        typer.Option(
            help="Length limit per post, as the platform counts it (default: its own; more for long-post accounts).",
            min=40,
        ),
    ] = None,
    to: Annotated[Optional[str], _to("thread")] = None,
    replan: Replan = False,
    again: Again = False,
):
    """Publish an issue as a thread (X by default), a card on each story (preview it with --dry-run)."""
    options = {"mode": mode.value if mode else None, "numbering": numbering, "limit": limit}
    _plan_and_finish("thread", issue, to, dry_run=dry_run, as_json=as_json, replan=replan, again=again, **options)


@app.command()
def cards(
    issue: IssueArg = None,
    dry_run: DryRun = False,
    as_json: JsonOut = False,
    out: Annotated[
        Optional[Path], typer.Option("--out", help="Directory for the cards (default out/<issue>/).")
    ] = None,
    to: Annotated[Optional[str], _to("carousel")] = None,
    replan: Replan = False,
    again: Again = False,
):
    """Render the quote cards and publish them as a carousel (Instagram by default; preview it with --dry-run)."""
    _plan_and_finish("carousel", issue, to, dry_run=dry_run, as_json=as_json, replan=replan, again=again, out=out)


def _plan_and_finish(kind: str, issue, to, *, dry_run: bool, as_json: bool, replan: bool, again: bool, **options):
    """Plan the issue for `--to` (a platform of plan kind `kind`, or a sink given such a plan), then finish."""
    from . import api
    from .platforms import Target

    config = _config()
    target = Target.of_kind(to, kind)
    prepared = api.plan(issue, target.plan, config, **options)
    _finish(prepared, config, dry_run=dry_run, as_json=as_json, to=target.platform, replan=replan, again=again)


def _finish(prepared, config, *, dry_run: bool, as_json: bool, to: str, replan: bool, again: bool = False) -> None:
    """Preview (dry run: render the cards, show the plan) or publish the plan, and print the result."""
    from . import api

    if not dry_run:
        with _progress(as_json) as progress:
            report = api.publish(prepared, to, config, replan=replan, again=again, progress=progress)
        if as_json:
            _print_json(report.to_dict())
        elif not _state["quiet"]:
            from .preview import show_report

            show_report(report, _console())
        raise typer.Exit(report.exit_code)
    from . import pipeline
    from .ledger import refuse_lost, state_of

    refuse_lost(state_of(config))  # every preview refuses a lost ledger: it would show nothing as out
    with _progress(as_json) as progress:
        api.render_cards(prepared, config, progress=progress)
    if as_json:
        _print_json(prepared.plan.to_dict())
        return
    if _state["quiet"]:
        return  # the cards are rendered; --quiet asked for no preview
    from .preview import show_plan

    title = f"{prepared.issue.title} — dry run, nothing sent"
    show_plan(
        prepared.plan, _console(), title=title, target=to, published=pipeline.published_state(prepared, config, to)
    )


@app.command()
def status(issue: IssueArg = None, as_json: JsonOut = False):
    """What is posted (with URLs), pending, failed and why, per issue and platform."""
    from . import api

    config = _config()
    rows = api.status(issue, config)
    if as_json:
        _print_json(rows)
        return
    from .preview import show_status

    show_status(rows, _console(), issue_id=api.issue_id(issue, config))
    _print_queue(config, issue, only_if_any=True)


def _print_queue(config, issue: str | None = None, *, only_if_any: bool = False, as_json: bool = False) -> None:
    """The schedule queue with its posts per day (plain lines: no colour in cron mail or pipes)."""
    from .api import queue
    from .schedule import queue_lines

    entries = queue(issue, config)
    if as_json:
        _print_json([e.to_dict() for e in entries])
        return
    if entries or not only_if_any:
        if only_if_any:
            typer.echo("Schedule:")
        typer.echo("\n".join(queue_lines(entries)))


@app.command()
def schedule(
    issue: IssueArg = None,
    to: Annotated[
        Optional[str],
        typer.Option(
            "--to",
            help="x, instagram, outbox (both into the outbox folder), "
            "outbox:x or outbox:instagram; comma-separated. Default: schedule.to.",
            autocompletion=complete_targets,
        ),
    ] = None,
    at: Annotated[
        Optional[str],
        typer.Option(
            "--at",
            help='When: "2026-12-01 09:00" (schedule.timezone), an ISO '
            "time with offset, or now. Default: x_at on the next weekday, "
            "Instagram at instagram_at that day.",
        ),
    ] = None,
    spread: Annotated[
        Optional[str],
        typer.Option(
            "--spread",
            help="Instagram drip: one story card every SPREAD "
            "(1d, 12h, 0 = one carousel). Default: schedule.instagram_spread.",
        ),
    ] = None,
    list_: Annotated[bool, _flag("--list", "-l", help="Show the queue and its posts per day.")] = False,
    dry_run: Annotated[bool, _flag("--dry-run", "-n", help="Show what would be scheduled; store nothing.")] = False,
    as_json: JsonOut = False,
    replan: Replan = False,
):
    """Record when an issue goes out where; `crosspost run` (from cron) publishes it when due."""
    config = _config()
    if list_:
        _print_queue(config, issue, as_json=as_json)
        return
    from . import api

    done = api.schedule(issue, to, config, at=at, spread=spread, replan=replan, dry_run=dry_run)
    for warning in done.warnings:
        typer.echo(f"crosspost: warning: {warning}", err=True)
    if as_json:
        _print_json([e.to_dict() for e in done.entries])
        return
    if _state["quiet"]:
        return
    from .schedule import queue_lines

    typer.echo("Dry run, nothing stored. Would schedule:" if dry_run else "Scheduled:")
    queued = sorted(done.entries + done.others, key=lambda e: (e.due_at, e.issue_id, e.target))
    typer.echo("\n".join(queue_lines(queued)))


@app.command()
def unschedule(
    issue: Annotated[
        str, typer.Argument(metavar="ISSUE", help="Issue name, number or path.", autocompletion=complete_issue)
    ],
    to: Annotated[
        Optional[str],
        typer.Option("--to", help="Only these targets (default: all of the issue's).", autocompletion=complete_targets),
    ] = None,
):
    """Remove an issue's schedule entries that have not gone out (what is posted stays posted)."""
    from .api import unschedule as remove

    done = remove(issue, to, _config())
    for e in done.removed:
        part = f" ({e.sent}/{e.posts} already out stay published)" if e.sent else ""
        typer.echo(f"Unscheduled {e.issue_id} {e.target}{part}.")
    for e in done.kept:
        typer.echo(f"Kept {e.issue_id} {e.target}: already published (use undo to delete it).")
    if not done.removed and not done.kept:
        typer.echo(f"Nothing scheduled for {done.issue_id}.")


@app.command()
def fetch(
    feed_url: Annotated[
        Optional[str],
        typer.Argument(
            metavar="FEED_URL",
            show_default=False,
            help="RSS/Atom feed URL. Default: `feed` under \\[issue] in crosspost.toml.",
        ),
    ] = None,
    as_json: JsonOut = False,
    timeout: Annotated[
        Optional[float], typer.Option("--timeout", help="Seconds for the whole download (default 20).", min=0.1)
    ] = None,
):
    """Read the newsletter's RSS/Atom feed and save each new item as issues/<id>.html."""
    from .feeds import fetch_feed

    with _progress(as_json) as progress:
        result = fetch_feed(_config(), feed_url, timeout=timeout, progress=progress)
    if as_json:
        _print_json(result.to_dict())
    elif not _state["quiet"]:
        from rich.text import Text

        console = _console()
        for item in result.saved:
            when = f"  ({item.date[:10]})" if item.date else ""
            console.print(Text.assemble(("saved ", "green"), f"{item.issue_id}  {item.title}{when}"))
        typer.echo(result.summary())
    for failed in result.failed:
        typer.echo(f"crosspost: error: {failed.error}", err=True)
    raise typer.Exit(result.exit_code)


@app.command()
def run(
    quiet: Annotated[bool, _flag("--quiet", "-q", help="Print only errors.")] = False,
    now: Annotated[
        bool, _flag("--now", help="Lift platform holds and retry waits first: try what is due now.")
    ] = False,
):
    """Publish everything that is due, then exit (meant for cron: see `crosspost cron`)."""
    from . import log
    from .runner import run_due

    quiet = quiet or _state["quiet"]
    with _progress(quiet=quiet) as progress:
        if progress is None:
            log.setup(quiet=quiet)
        else:  # the action log goes to stderr as it is during the display: its lines print above the bar
            from .liveprogress import CurrentStderr

            log.setup(quiet=quiet, stream=CurrentStderr())
        result = run_due(_config(), debug=_state["debug"], force=now, progress=progress)
    if result.busy:
        raise typer.Exit(0)  # run_due logged the one line saying so
    if not quiet:
        typer.echo(result.summary())
    raise typer.Exit(result.exit_code)


@app.command()
def cron(
    every: Annotated[
        str, typer.Option("--every", help="How often cron starts `crosspost run` (5m, 15m, 1h...).")
    ] = "15m",
):
    """Print a crontab line that runs `crosspost run` for this project (paste it into `crontab -e`)."""
    from .runner import cron_setup

    line, in_env = cron_setup(_config(), every)
    typer.echo(line)
    if in_env:
        typer.echo(
            f"note: {', '.join(in_env)} come from this shell's environment, which cron does not have; "
            "store them with `crosspost login` (secrets file) instead",
            err=True,
        )


@app.command()
def undo(
    issue: Annotated[
        str, typer.Argument(metavar="ISSUE", help="Issue name, number or path.", autocompletion=complete_issue)
    ],
    platform: Annotated[
        str, typer.Option("--platform", "-p", help="The platform to delete it from.", autocompletion=complete_platform)
    ],
    yes: Annotated[bool, _flag("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: JsonOut = False,
):
    """Delete what was posted for an issue on one platform, and record it in the ledger."""
    from .api import undo as undo_posts

    def ask(issue_id: str, platform: str) -> None:
        if not sys.stdin.isatty():  # a script, a pipe, ssh without a terminal: nobody to ask
            from .errors import InputError

            raise InputError(
                f"undo deletes every post of {issue_id} on {platform}; with no terminal to ask, pass --yes to confirm"
            )
        typer.confirm(f"Delete every post of {issue_id} on {platform}?", abort=True)

    config = _config()
    report = undo_posts(issue, platform, config, confirm=None if yes else ask)
    if report.no_ledger:
        from .ledger import describe_state, state_of

        typer.echo(f"Nothing was published from {describe_state(state_of(config))}.")
        return
    for entry in report.unscheduled:
        typer.echo(f"Unscheduled {entry.issue_id} {entry.target}: `crosspost run` will not send it again.", err=True)
    if as_json:
        _print_json(report.to_dict())
    elif not _state["quiet"]:
        from .preview import show_report

        show_report(report, _console())
    raise typer.Exit(report.exit_code)


@app.command()
def login(
    platform: Annotated[
        str, typer.Argument(metavar="PLATFORM", help="The platform to sign in to.", autocompletion=complete_login)
    ],
):
    """Sign in to a platform and store the credentials in the secrets file (mode 0600)."""
    from .login import login as sign_in

    where = sign_in(platform, _config())
    typer.echo(f"Saved {platform} credentials to {where}")


db_app = typer.Typer(
    help="The shared PostgreSQL database (CROSSPOST_DATABASE_URL or database.url).", no_args_is_help=True
)
app.add_typer(db_app, name="db")


@db_app.command("migrate")
def db_migrate(
    source: Annotated[
        Optional[Path],
        typer.Option("--from", help="The SQLite ledger to copy (default: ledger.path).", show_default=False),
    ] = None,
):
    """Copy this project's SQLite ledger and schedule into the shared database; safe to run again."""
    from .dbcopy import copy_ledger
    from .errors import InputError
    from .ledger import state_of

    config = _config()
    url = state_of(config)
    if not isinstance(url, str):
        raise InputError("no database to copy into: set CROSSPOST_DATABASE_URL (or database.url in crosspost.toml)")
    path = config.resolve(str(source)) if source is not None else config.resolve(config.ledger.path)
    from .runner import run_lock_path

    report = copy_ledger(path, url, run_lock_path(config) if source is None else None)
    if not _state["quiet"]:
        for line in report.lines():
            typer.echo(line)


@app.command()
def doctor(online: Annotated[bool, _flag("--online", help="Verify credentials with read-only API calls.")] = False):
    """Check config, fonts, the ledger and which credentials are present (never prints secrets)."""
    from .doctor import passed, run_checks

    checks = run_checks(_config(), online=online)
    from rich.text import Text

    console = _console()
    marks = {"ok": ("ok  ", "green"), "warn": ("--  ", "yellow"), "fail": ("FAIL", "red")}
    for check in checks:
        mark, style = marks[check.level]
        console.print(Text.assemble((mark, style), f" {check.name}: {check.detail}"))
    if not passed(checks):
        raise typer.Exit(1)


def main() -> None:
    """Entry point: run the app and turn known errors into one line and an exit code."""
    from .errors import CrosspostError

    debug = "--debug" in sys.argv[1:]
    try:
        app()
    except CrosspostError as exc:
        if debug:
            raise
        print(f"crosspost: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except OSError as exc:  # a file or folder the machine refused, not caught closer to its cause
        if debug or exc.filename is None:
            raise
        from .files import file_error

        print(f"crosspost: error: {file_error(exc)}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("crosspost: interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
