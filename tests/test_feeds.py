"""Feeds: `crosspost fetch` and `run` against a feed server on 127.0.0.1 (tests/fakefeed.py).

Real HTTP (requests), real feedparser, feeds shaped like Substack, Ghost, Buttondown, Beehiiv,
WordPress and Atom ones; the saved files are read back by crosspost's own HTML parser.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fakefeed import ATOM_TYPE, PLATFORMS, FeedServer, item, substack

from crosspost import feeds
from crosspost.config import load_config
from crosspost.errors import InputError
from crosspost.feeds import fetch_feed, slug, state_path
from crosspost.parse import parse_issue
from crosspost.runner import run_due
from crosspost.schedule import Schedule, build_entries

ROOT = Path(__file__).resolve().parent.parent
T0 = 1_800_000_000.0  # 2027-01-15 08:00 UTC, a Friday
SITES = {
    "substack": "East West Hurricane",
    "ghost": "The Ghost Letter",
    "buttondown": "Buttoned Up",
    "beehiiv": "Bee Brief",
    "wordpress": "Press Notes",
    "atom": "Atomic Weekly",
}
LINKS = {
    "substack": "https://eastwest.substack.com/p/{}",
    "ghost": "https://letter.ghost.io/{}/",
    "buttondown": "https://buttondown.com/buttonedup/archive/{}/",
    "beehiiv": "https://beebrief.beehiiv.com/p/{}",
    "wordpress": "https://pressnotes.example/2026/11/{}/",
    "atom": "https://atomic.example/posts/{}",
}


@pytest.fixture
def server():
    with FeedServer() as fake:
        yield fake


def cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "crosspost", *args], cwd=project, capture_output=True, text=True, env=env, timeout=120
    )


def configure(project: Path, text: str):
    (project / "crosspost.toml").write_text(text, encoding="utf-8")
    return load_config(project)


def fetched(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "issues").glob("*.html"))


def serve(server: FeedServer, platform: str, items, **options) -> str:
    content_type = ATOM_TYPE if platform == "atom" else "application/rss+xml; charset=utf-8"
    server.serve(f"/{platform}", PLATFORMS[platform](items), content_type=content_type, **options)
    return server.url(f"/{platform}")


# -- what is saved ---------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_first_fetch_saves_every_item_as_a_complete_issue(project, server, platform):
    url = serve(server, platform, [item(30), item(31), item(32, "Why the yuan matters")])
    result = fetch_feed(load_config(project), url)
    assert result.first and not result.failed and result.entries == 3
    assert [s.issue_id for s in result.saved] == [
        "issue-30-markets-movies-more",
        "issue-31-markets-movies-more",
        "why-the-yuan-matters",
    ]
    assert fetched(project) == [f"{s.issue_id}.html" for s in result.saved]
    for n, saved in zip((30, 31, 32), result.saved):
        path = Path(saved.file)
        head = path.read_text(encoding="utf-8").split("<body>")[0]
        assert head.startswith("<!DOCTYPE html>\n<html>\n<head>")
        for needle in (
            '<meta property="og:title"',
            '<link rel="canonical"',
            '<meta property="og:url"',
            '<meta property="article:published_time"',
            f'<meta property="og:site_name" content="{SITES[platform]}"',
        ):
            assert needle in head
        issue = parse_issue(path)
        assert issue.title == ("Why the yuan matters" if n == 32 else f"Issue #{n}: Markets, movies & more")
        assert issue.url == LINKS[platform].format(f"issue-{n}")
        assert issue.date == f"2026-11-{6 + 7 * (n - 30):02d}"
        assert [s.headline for s in issue.stories][:2] == [
            f"Story 1 of issue {n}: a headline about markets",
            f"Story 2 of issue {n}: a headline about markets",
        ]
        posted = datetime(2026, 11, 6, 9, 0, tzinfo=timezone.utc) + timedelta(weeks=n - 30)
        assert path.stat().st_mtime == posted.timestamp()  # the file's date is the post's


def test_metadata_is_escaped_and_the_item_html_is_kept_as_is(project, server):
    body = "<p>Hello <b>there</b> &amp; <script>x()</script></p><h2>One</h2><p>Text of one.</p>"
    it = item(40, 'Issue 40: "Quotes" <b>&</b> a <tag>')
    it.body = body
    url = serve(server, "substack", [it])
    saved = fetch_feed(load_config(project), url).saved[0]
    text = Path(saved.file).read_text(encoding="utf-8")
    assert '<title>Issue 40: "Quotes" &lt;b&gt;&amp;&lt;/b&gt; a &lt;tag&gt;</title>' in text
    assert 'content="Issue 40: &quot;Quotes&quot; &lt;b&gt;&amp;&lt;/b&gt; a &lt;tag&gt;"' in text
    assert f"<article>\n{body}\n</article>" in text  # not sanitised, not rewritten
    assert saved.issue_id == "issue-40-quotes-b-b-a-tag"


def test_show_reads_a_fetched_issue_by_its_id(project, server):
    url = serve(server, "ghost", [item(35)])
    res = cli(project, "fetch", url, "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert [s["issue_id"] for s in out["saved"]] == ["issue-35-markets-movies-more"]
    shown = cli(project, "show", "issue-35-markets-movies-more", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert (data["title"], data["url"], data["date"]) == (
        "Issue #35: Markets, movies & more",
        "https://letter.ghost.io/issue-35/",
        "2026-12-11",
    )
    latest = json.loads(cli(project, "show", "--json").stdout)  # 35 beats the sample's 34
    assert latest["id"] == "issue-35-markets-movies-more"


# -- never twice -----------------------------------------------------------------------------------


def test_second_fetch_sends_the_validators_and_saves_nothing(project, server):
    url = serve(server, "substack", [item(30), item(31)])
    config = load_config(project)
    first = fetch_feed(config, url)
    before = {p: p.stat().st_mtime_ns for p in (project / "issues").glob("*.html")}
    second = fetch_feed(config, url)
    assert len(first.saved) == 2 and second.not_modified and second.saved == []
    hits = server.hits("/substack")
    assert len(hits) == 2
    route = server.routes["/substack"]
    assert "if-none-match" not in hits[0].headers
    assert hits[1].headers["if-none-match"] == route.etag
    assert hits[1].headers["if-modified-since"] == route.last_modified
    assert hits[1].headers["user-agent"].startswith("crosspost/")
    assert {p: p.stat().st_mtime_ns for p in (project / "issues").glob("*.html")} == before
    state = json.loads(state_path(config).read_text(encoding="utf-8"))
    assert state_path(config).parent == project / ".crosspost"
    assert len(state["feeds"][url]["items"]) == 2


def test_a_server_without_validators_still_saves_nothing_twice(project, server):
    url = serve(server, "wordpress", [item(30), item(31)], validators=False)
    config = load_config(project)
    fetch_feed(config, url)
    again = fetch_feed(config, url)
    assert not again.not_modified and again.saved == [] and again.known == 2
    assert len(fetched(project)) == 2


def test_a_new_item_later_is_saved_and_nothing_else(project, server):
    url = serve(server, "beehiiv", [item(30), item(31)])
    config = load_config(project)
    fetch_feed(config, url)
    serve(server, "beehiiv", [item(30), item(31), item(32)])
    later = fetch_feed(config, url)
    assert not later.first and [s.issue_id for s in later.saved] == ["issue-32-markets-movies-more"]
    assert later.known == 2 and len(fetched(project)) == 3
    assert "if-none-match" in server.hits("/beehiiv")[-1].headers  # conditional, but the feed changed


def test_a_renamed_title_does_not_create_a_duplicate(project, server):
    url = serve(server, "substack", [item(30)])
    config = load_config(project)
    fetch_feed(config, url)
    original = (project / "issues" / "issue-30-markets-movies-more.html").read_bytes()
    serve(server, "substack", [item(30, "Issue #30: A better title, fixed typo")])
    again = fetch_feed(config, url)
    assert again.saved == [] and again.known == 1
    assert fetched(project) == ["issue-30-markets-movies-more.html"]
    assert (project / "issues" / "issue-30-markets-movies-more.html").read_bytes() == original


def test_a_lost_state_file_recognises_items_by_their_files(project, server):
    url = serve(server, "atom", [item(30), item(31)])
    config = load_config(project)
    fetch_feed(config, url)
    state_path(config).unlink()
    again = fetch_feed(config, url)
    assert again.saved == [] and again.known == 2 and len(fetched(project)) == 2


def test_a_page_saved_by_hand_is_recognised_by_its_url(project, server):
    (project / "issues" / "issue-30.html").write_text(
        '<html><head><meta content="https://eastwest.substack.com/p/issue-30" property="og:url"></head>'
        "<body><h2>A</h2><p>b</p></body></html>",
        encoding="utf-8",
    )
    url = serve(server, "substack", [item(30), item(31)])
    result = fetch_feed(load_config(project), url)
    assert [s.issue_id for s in result.saved] == ["issue-31-markets-movies-more"] and result.known == 1


def test_an_existing_file_is_never_overwritten(project, server):
    mine = project / "issues" / "issue-30-markets-movies-more.html"
    mine.write_text("<html><body><h2>Mine</h2><p>Hand written.</p></body></html>", encoding="utf-8")
    url = serve(server, "ghost", [item(30)])
    result = fetch_feed(load_config(project), url)
    assert [s.issue_id for s in result.saved] == ["issue-30-markets-movies-more-2"]
    assert mine.read_text(encoding="utf-8").endswith("Hand written.</p></body></html>")


def test_slugs():
    assert slug("Issue #130: The big one!") == "issue-130-the-big-one"
    assert slug("Week 12, 2024: #130") == "issue-130-week-12-2024-130"  # so the resolver reads 130
    assert slug("Week 12, 2024 (No. 130)") == "week-12-2024-no-130"  # it reads "no-130" already
    assert slug("Crème brûlée — ça va?") == "creme-brulee-ca-va"
    assert slug("你好", "2026-11-27T09:00:00+00:00") == "post-2026-11-27"
    long = slug("Issue 7: " + "a very long title that goes on " * 5)
    assert len(long) <= 60 and long.startswith("issue-7-") and not long.endswith("-")
    names = feeds._suffixes("why-the-yuan-matters")
    assert [next(names) for _ in range(3)] == [
        "why-the-yuan-matters",
        "why-the-yuan-matters-b",
        "why-the-yuan-matters-c",
    ]
    numbered = feeds._suffixes("issue-130-x")
    assert [next(numbered) for _ in range(2)] == ["issue-130-x", "issue-130-x-2"]


# -- bad items, bad feeds --------------------------------------------------------------------------


def test_an_item_without_content_is_named_and_the_others_are_saved(project, server):
    url = serve(server, "wordpress", [item(30), item(31, "Issue 31: summary only", content=False), item(32)])
    res = cli(project, "fetch", url)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert lines[0].startswith(f"crosspost: error: {url}: item 'Issue 31: summary only': no content")
    assert fetched(project) == ["issue-30-markets-movies-more.html", "issue-32-markets-movies-more.html"]
    # once the feed carries the post, it is saved
    serve(server, "wordpress", [item(30), item(31, "Issue 31: summary only"), item(32)])
    res = cli(project, "fetch", url)
    assert res.returncode == 0, res.stderr
    assert "issue-31-summary-only.html" in fetched(project)


def test_a_buttondown_item_with_only_a_short_description_has_no_content(project, server):
    url = serve(server, "buttondown", [item(30, content=False)])
    result = fetch_feed(load_config(project), url)
    assert result.saved == [] and len(result.failed) == 1 and "short summary" in result.failed[0].error


def _refused_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed"


BAD_FEEDS = {
    "404": (lambda s: s.url("/nothing-here"), "HTTP 404"),
    "500": (lambda s: (s.serve("/f", substack([item(30)]), status=500), s.url("/f"))[1], "HTTP 500"),
    "timeout": (lambda s: (s.serve("/f", substack([item(30)]), delay=3), s.url("/f"))[1], "timed out after 0.5s"),
    "html page": (
        lambda s: (
            s.serve("/f", "<!doctype html><html><body><h1>My blog</h1></body></html>", content_type="text/html"),
            s.url("/f"),
        )[1],
        "not an RSS or Atom feed (got an HTML page",
    ),
    "garbage": (
        lambda s: (s.serve("/f", b"\x00\x01 this is { not xml", content_type="application/octet-stream"), s.url("/f"))[
            1
        ],
        "not an RSS or Atom feed",
    ),
    "oversize": (
        lambda s: (s.serve("/f", b"<rss>" + b" " * feeds.MAX_BYTES + b"</rss>"), s.url("/f"))[1],
        "larger than 10 MB",
    ),
    "refused": (lambda s: _refused_url(), "connection refused"),
}


@pytest.mark.parametrize("case", sorted(BAD_FEEDS))
def test_a_bad_feed_is_one_line_and_exit_2(project, server, case):
    make, problem = BAD_FEEDS[case]
    url = make(server)
    res = cli(project, "fetch", url, "--timeout", "0.5")
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert res.stderr.startswith(f"crosspost: error: {url}: ")
    assert problem in res.stderr
    assert fetched(project) == [] and not state_path(load_config(project)).exists()


def test_oversize_without_content_length_is_cut_off_while_streaming(project, server):
    url = serve(server, "substack", [item(30), item(31)], length=False)
    with pytest.raises(InputError, match="larger than"):
        fetch_feed(load_config(project), url, max_bytes=2000)
    assert fetch_feed(load_config(project), url).saved  # the same body without the cap is fine


def test_the_userinfo_of_a_url_is_never_shown(project, server):
    server.serve("/private", substack([item(30)]), status=401)
    url = server.url("/private", userinfo="reader:hunter2-secret")
    res = cli(project, "fetch", url)
    assert res.returncode == 2
    assert "hunter2-secret" not in res.stderr + res.stdout and "reader" not in res.stderr
    assert f"crosspost: error: {server.url('/private', userinfo='***')}: HTTP 401" in res.stderr
    assert server.hits("/private")[0].headers["authorization"].startswith("Basic ")  # requests used it
    server.serve("/private", substack([item(30)]))
    assert cli(project, "fetch", url).returncode == 0
    state = state_path(load_config(project)).read_text(encoding="utf-8")
    assert "hunter2-secret" not in state and "reader" not in state


def test_fetch_without_a_url_or_config_says_how_to_set_one(project):
    res = cli(project, "fetch")
    assert res.returncode == 2 and res.stderr.count("\n") == 1
    assert "no feed URL" in res.stderr and "[issue]" in res.stderr


def test_fetch_reads_the_configured_feed_and_help_stays_light(project, server):
    url = serve(server, "substack", [item(30)])
    configure(project, f'[issue]\nfeed = "{url}"\n')
    res = cli(project, "fetch")
    assert res.returncode == 0, res.stderr
    assert "saved issue-30-markets-movies-more" in res.stdout and "1 new" in res.stdout
    res = cli(project, "fetch")
    assert res.returncode == 0 and "not modified" in res.stdout and res.stdout.count("\n") == 1
    code = (
        "import sys\nfrom crosspost.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('HEAVY=' + ','.join(m for m in ('feedparser', 'requests', 'crosspost.feeds') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True)
    assert "fetch" in out.stdout and out.stdout.rsplit("HEAVY=", 1)[1].strip() == ""


# -- crosspost run ---------------------------------------------------------------------------------


def _schedule_sample(project: Path, at: float) -> None:
    from datetime import datetime, timezone

    config = load_config(project)
    iso = datetime.fromtimestamp(at, timezone.utc).isoformat()
    with Schedule(config.resolve(config.ledger.path)) as sched:
        for e in build_entries(config, "issue-34", ["outbox:x"], at=iso, spread="0", now=at):
            sched.upsert(e)


def test_run_with_a_broken_feed_still_publishes_what_is_due(project, server):
    configure(project, f'[issue]\nfeed = "{server.url("/gone")}"\n')
    _schedule_sample(project, time.time() - 60)
    res = cli(project, "run")
    assert len(list((project / "outbox" / "issue-34").glob("*.json"))) == 5  # the thread went out
    assert res.returncode == 2, res.stderr
    feed_lines = [line for line in res.stderr.splitlines() if " feed " in line]
    assert len(feed_lines) == 1 and "Traceback" not in res.stderr
    assert feed_lines[0].endswith(f"- feed failed {server.url('/gone')}: HTTP 404 Not Found")


def test_run_with_auto_keeps_the_first_fetch_as_back_catalogue_and_schedules_a_new_item(project, server):
    url = serve(server, "substack", [item(40 + i) for i in range(5)])
    config = configure(project, f'[issue]\nfeed = "{url}"\n[schedule]\nauto = true\nto = ["outbox"]\n')
    first = run_due(config, now=T0)
    assert [o.kind for o in first.outcomes] == ["fetched"] * 5 and first.exit_code == 0
    assert len(fetched(project)) == 5
    with Schedule(config.resolve(config.ledger.path)) as sched:
        assert sched.entries() == []  # 5 old posts, none scheduled
    assert run_due(config, now=T0 + 900).outcomes == []  # 304, nothing new
    serve(server, "substack", [item(40 + i) for i in range(6)])
    later = run_due(config, now=T0 + 1800)
    assert [(o.issue_id, o.kind) for o in later.outcomes] == [
        ("issue-45-markets-movies-more", "fetched"),
        ("issue-45-markets-movies-more", "auto"),
    ]
    with Schedule(config.resolve(config.ledger.path)) as sched:
        assert {(e.issue_id, e.target) for e in sched.entries()} == {
            ("issue-45-markets-movies-more", "outbox:x"),
            ("issue-45-markets-movies-more", "outbox:instagram"),
        }
    out = run_due(config, now=T0 + 10 * 86400)  # well past the default slot: the fetched issue goes out
    assert out.exit_code == 0 and out.posted > 0
    assert (project / "outbox" / "issue-45-markets-movies-more").is_dir()
    assert not (project / "outbox" / "issue-40-markets-movies-more").exists()


def test_adding_a_feed_after_auto_was_on_does_not_publish_its_back_catalogue(project, server):
    config = configure(project, '[schedule]\nauto = true\nto = ["outbox:x"]\n')
    assert run_due(config, now=T0).outcomes == []  # auto on: issue-34 is the back catalogue
    url = serve(server, "ghost", [item(40 + i) for i in range(4)])
    config = configure(project, f'[issue]\nfeed = "{url}"\n[schedule]\nauto = true\nto = ["outbox:x"]\n')
    first = run_due(config, now=T0 + 900)
    assert [o.kind for o in first.outcomes] == ["fetched"] * 4
    serve(server, "ghost", [item(40 + i) for i in range(5)])
    later = run_due(config, now=T0 + 1800)
    assert [(o.issue_id, o.kind) for o in later.outcomes][-1] == ("issue-44-markets-movies-more", "auto")
    with Schedule(config.resolve(config.ledger.path)) as sched:
        assert [e.issue_id for e in sched.entries()] == ["issue-44-markets-movies-more"]


def test_a_first_fetch_by_hand_is_back_catalogue_for_a_later_auto_run(project, server):
    config = configure(project, '[schedule]\nauto = true\nto = ["outbox:x"]\n')
    run_due(config, now=T0)
    url = serve(server, "atom", [item(30), item(31)])
    assert cli(project, "fetch", url).returncode == 0  # not configured: fetched by hand
    assert run_due(config, now=T0 + 900).outcomes == []
    serve(server, "atom", [item(30), item(31), item(32)])
    assert cli(project, "fetch", url).returncode == 0
    assert [(o.issue_id, o.kind) for o in run_due(config, now=T0 + 1800).outcomes] == [
        ("issue-32-markets-movies-more", "auto")
    ]
