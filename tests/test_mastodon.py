"""Mastodon end to end: the real CLI, pipeline, engine, ledger and Mastodon adapter (Mastodon.py)
against tests/fakemastodon.py, a fake instance on 127.0.0.1 that refuses what Mastodon refuses.

Nothing of ours is mocked. What the CLI prints, what the ledger says and what ends up on the
account must agree: after clean runs, after a fault at every request of a thread, after a dropped
answer that only the Idempotency-Key can absorb, and after SIGKILL at every crash point.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import cli_env, run_until_done
from conftest import run_cli as cli
from fakemastodon import TOKEN, FakeMastodon, fake_mastodon, mastodon_length, render_html  # noqa: F401

from crosspost import pipeline
from crosspost.config import load_config
from crosspost.errors import InputError, PlatformError
from crosspost.ledger import Ledger
from crosspost.model import Media, Plan, Post
from crosspost.platforms.mastodon import MastodonSettings, status_length
from crosspost.platforms.mastodon.adapter import comparable_text, html_to_text
from crosspost.publish import KILL_ENV, publish_plan

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "issues" / "issue-34.txt"
ACCOUNT_ID = "109876543210"
STATUSES = "/api/v1/statuses"


# ---------------------------------------------------------------- helpers


def base_env(server: FakeMastodon, home: Path, **extra: str) -> dict[str, str]:
    account = {
        "CROSSPOST_X_API_URL": "http://127.0.0.1:9",
        "CROSSPOST_MASTODON_URL": server.url,
        "CROSSPOST_MASTODON_TOKEN": TOKEN,
    }
    return cli_env(home, **{**account, **extra})  # extra wins


def spawn(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "crosspost", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def make_project(folder: Path) -> Path:
    (folder / "issues").mkdir(parents=True)
    shutil.copy(SAMPLE, folder / "issues" / SAMPLE.name)
    return folder


def sample_plan(project: Path) -> Plan:
    return pipeline.plan("issue-34", load_config(project), "mastodon").plan


def writes(server: FakeMastodon) -> list:
    return [r for r in server.calls() if r.method in ("POST", "DELETE", "PUT", "PATCH")]


def assert_thread_exactly_once(server: FakeMastodon, texts: list[str]) -> None:
    """Every text on the account once, in order, each replying to the one before; nothing else."""
    live = server.live_statuses()
    assert [s.text for s in live] == texts
    assert len(server.statuses) == len(texts), "a status was created twice (or created and deleted)"
    assert [s.in_reply_to_id for s in live] == [None] + [s.id for s in live[:-1]]
    assert server.violations == []


def status_json(project: Path, env: dict[str, str]) -> list[dict]:
    result = cli(["status", "issue-34", "--json"], project, env)
    assert result.returncode == 0, result.stderr
    return [r for r in json.loads(result.stdout) if r["platform"] == "mastodon"]


# ---------------------------------------------------------------- counting as Mastodon counts


def test_length_counts_urls_as_23_and_remote_mentions_as_local():
    url = "https://example.com/" + "a" * 80
    assert status_length(f"read {url} now") == len("read  now") + 23
    assert status_length("hi @alice@mastodon.social!") == len("hi @alice!")
    assert status_length("é 日本 🎉") == 6  # code points
    assert status_length(f"{url}", url_length=30) == 30
    for text in (f"a {url} b", "@bob@example.org and @carol", "plain", f"{url}\n\n{url}."):
        assert status_length(text) == mastodon_length(text)  # the fake counts the same


def test_status_html_reads_back_as_the_text_sent():
    text = "Story one https://example.com/a/very/long/path/that/mastodon/shortens #ai\n\nRead more 2/5 <&>"
    assert comparable_text(html_to_text(render_html(text, "http://h"))) == comparable_text(text)


def test_errors_map_to_the_engines_flags():
    import mastodon
    import requests

    from crosspost.platforms.mastodon.adapter import _Session, error_from

    session = _Session(5)

    def api_error(status: int, text: str = "") -> Exception:
        return mastodon.MastodonAPIError("Mastodon API returned error", status, "reason", text)

    assert error_from(api_error(503), "publish", creates=True, session=session).outcome_unknown
    assert error_from(api_error(503), "upload", creates=False, session=session).transient
    assert error_from(api_error(401), "publish", creates=True, session=session).needs_person
    assert error_from(api_error(403), "publish", creates=True, session=session).needs_person
    assert error_from(
        api_error(422, "Cannot attach files that have not finished processing."), "p", creates=True, session=session
    ).transient
    assert error_from(
        api_error(422, "Text character limit of 500 exceeded"), "p", creates=True, session=session
    ).needs_person
    try:
        try:
            raise requests.exceptions.ReadTimeout("read timed out")
        except requests.RequestException as exc:
            raise mastodon.MastodonNetworkError(f"Could not complete request: {exc}")
    except mastodon.MastodonNetworkError as wrapped:
        assert error_from(wrapped, "publish", creates=True, session=session).outcome_unknown
        assert error_from(wrapped, "upload", creates=False, session=session).transient


def test_find_pages_back_to_since_and_never_adopts_an_older_twin(fake_mastodon):
    adapter = fake_mastodon.adapter()
    old = adapter.publish(Post("Read the whole issue", intent="k-old"))
    fake_mastodon.statuses[-1].created_at -= 7 * 86400  # last week's closing post, the same text
    since = time.time() - 60
    target = adapter.publish(Post("Read the whole issue", intent="k-new"))
    for i in range(45):  # more than a page (40) of later statuses
        adapter.publish(Post(f"filler {i}", intent=f"k{i}"))
    found = adapter.find(Post("Read the whole issue"), None, since=since)
    assert found is not None and found.remote_id == target.remote_id != old.remote_id
    assert fake_mastodon.count("GET", rf"/api/v1/accounts/{ACCOUNT_ID}/statuses") == 2
    fake_mastodon.statuses[-46].deleted = True  # the new one gone: the older twin is not adopted
    assert adapter.find(Post("Read the whole issue"), None, since=since) is None
    assert adapter.find(Post("filler 3"), "someone-else", since=since) is None  # replies to something else


def test_visibility_is_checked():
    MastodonSettings(visibility="unlisted").check("mastodon", None)
    with pytest.raises(InputError, match="public or unlisted"):
        MastodonSettings(visibility="direct").check("mastodon", None)


def test_login_runs_the_oauth_app_flow_and_saves_url_and_token(fake_mastodon, tmp_path, monkeypatch, capsys):
    import typer

    from crosspost import credentials
    from crosspost.config import Config
    from crosspost.login import login

    monkeypatch.delenv("CROSSPOST_MASTODON_TOKEN")  # the flow asks for the URL only (from the environment here)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr(typer, "prompt", lambda *a, **k: fake_mastodon.auth_code)
    saved = login("mastodon", Config(root=tmp_path))
    assert credentials.load_credentials("mastodon") == {"url": fake_mastodon.url, "token": TOKEN}
    assert Path(saved).stat().st_mode & 0o077 == 0
    shown = capsys.readouterr().out
    assert f"{fake_mastodon.url}/oauth/authorize?" in shown and "client_id=fake-client-id" in shown
    assert "response_type=code" in shown and TOKEN not in shown
    apps = fake_mastodon.calls("POST", "/api/v1/apps")
    assert len(apps) == 1 and apps[0].form["scopes"] == "read write"
    assert fake_mastodon.violations == []


# ---------------------------------------------------------------- 1. the whole life of the sample


def test_cli_publishes_reruns_reports_and_undoes_the_sample(fake_mastodon, project, tmp_path_factory):
    server = fake_mastodon
    env = base_env(server, tmp_path_factory.mktemp("home"))
    (project / "crosspost.toml").write_text('[mastodon]\nvisibility = "unlisted"\n', encoding="utf-8")
    plan = sample_plan(project)
    n = len(plan.posts)
    cards = [m for p in plan.posts for m in p.media]
    assert n >= 3 and cards

    dry = cli(["thread", "issue-34", "--to", "mastodon", "--dry-run", "--json"], project, env)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    shown = json.loads(dry.stdout)
    assert server.calls() == []  # a dry run sends nothing
    posts = shown["posts"] if "posts" in shown else shown["plan"]["posts"]
    for post in posts:
        assert post["weighted_length"] == mastodon_length(post["text"]) <= 500

    first = cli(["thread", "issue-34", "--to", "mastodon"], project, env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert server.count("POST", "/api/v2/media") == len(cards)
    assert server.count("POST", STATUSES) == n
    assert len(writes(server)) == n + len(cards) == pipeline.api_calls(plan)
    assert_thread_exactly_once(server, [p.text for p in plan.posts])
    live = server.live_statuses()
    # each card went up with its post, with its alt text and a focus point, processed before posting
    assert [s.descriptions for s in live] == [[m.alt_text for m in p.media] for p in plan.posts]
    assert all(f == "0.0,0.0" for s in live for f in s.focuses)
    assert [server.media[m].filename for s in live for m in s.media_ids] == [Path(m.path).name for m in cards]
    assert {s.visibility for s in live} == {"unlisted"}
    keys = [r.idempotency_key for r in server.calls("POST", STATUSES)]
    assert all(k and re.fullmatch(r"[0-9a-f]{32}", k) for k in keys) and len(set(keys)) == n
    assert server.count("GET", r"/api/v1/media/\w+") >= len(cards)  # waited for processing

    again = cli(["thread", "issue-34", "--to", "mastodon"], project, env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(writes(server)) == n + len(cards)  # not one write more

    rows = status_json(project, env)
    assert [(r["position"], r["state"]) for r in rows] == [(i, "posted") for i in range(1, n + 1)]
    assert [r["remote_id"] for r in rows] == [s.id for s in live]

    undo = cli(["undo", "issue-34", "--platform", "mastodon", "--yes"], project, env)
    assert undo.returncode == 0, undo.stdout + undo.stderr
    deletes = server.calls("DELETE", r"/api/v1/statuses/\w+")
    assert [d.path.rsplit("/", 1)[1] for d in deletes] == [s.id for s in reversed(live)]
    assert server.live_statuses() == []
    assert [r["state"] for r in status_json(project, env)] == ["deleted"] * n
    out = first.stdout + first.stderr + again.stdout + undo.stdout + undo.stderr
    assert TOKEN not in out
    home = Path(env["CROSSPOST_DATA_DIR"]).parent
    for path in [*project.rglob("*"), *home.rglob("*")]:  # the ledger, the log, the cards
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_a_plan_longer_than_the_instance_takes_is_refused_before_sending(project, tmp_path_factory, monkeypatch):
    server = FakeMastodon(max_characters=400).start()
    try:
        env = base_env(server, tmp_path_factory.mktemp("home"))
        result = cli(["thread", "issue-34", "--to", "mastodon"], project, env)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "400" in result.stderr and "limit" in result.stderr and "nothing was sent" in result.stderr
        assert writes(server) == []
        # planned for the instance's limit, it goes through
        (project / "crosspost.toml").write_text("[mastodon]\nlimit = 400\n", encoding="utf-8")
        ok = cli(["thread", "issue-34", "--to", "mastodon"], project, env)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert all(mastodon_length(s.text) <= 400 for s in server.live_statuses())
        assert server.violations == []
    finally:
        server.stop()


def test_401_is_a_person_matter_and_429_holds_until_the_reset(fake_mastodon, tmp_path):
    server = fake_mastodon
    plan = Plan("mastodon", "issue-34", [Post(f"post {i}") for i in range(1, 4)], thread=True, limit=500)
    adapter = server.adapter()
    server.fail("rate-limited", method="POST", path=STATUSES, nth=None, reset_in=1800)
    with Ledger(tmp_path / "ledger.db") as ledger:
        report = publish_plan(plan, adapter, ledger)
        assert [r.state for r in report.results] == ["deferred", "pending", "pending"]
        row = ledger.get("issue-34", "mastodon", adapter.account(), 1)
        assert row.next_attempt_at and 1700 < row.next_attempt_at - time.time() <= 1800
        assert "rate limit" in (row.error or "")
        assert publish_plan(plan, adapter, ledger).write_calls == 0  # before the reset: nothing
        later = publish_plan(plan, adapter, ledger, now=lambda: time.time() + 3600)
        assert later.exit_code == 0
    assert_thread_exactly_once(server, [p.text for p in plan.posts])

    bad = FakeMastodon().start()
    try:
        from crosspost.platforms.mastodon.adapter import Adapter

        wrong = Adapter({"url": bad.url, "token": "wrong-token"})
        with pytest.raises(PlatformError) as err:
            wrong.account()
        assert err.value.needs_person and "401" in str(err.value) and "wrong-token" not in str(err.value)
    finally:
        bad.stop()


# ---------------------------------------------------------------- 2. a fault at every request


N_POSTS = 5
KINDS = ("server-error", "drop", "stored-no-answer", "stored-server-error")


@pytest.fixture(scope="module")
def small_plan(tmp_path_factory) -> Plan:
    """Five posts of the sample's thread, each with a small card (real text and alt text)."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("five")
    project = make_project(folder / "project")
    config = load_config(project)
    prepared = pipeline.render(pipeline.plan("issue-34", config, "mastodon", mode="full"), config)
    cards = [m for p in prepared.plan.posts for m in p.media]
    posts = prepared.plan.posts[:N_POSTS]
    small = []
    for card in cards:
        with Image.open(card.path) as im:
            im.thumbnail((160, 90))
            path = folder / Path(card.path).name
            im.save(path)
        small.append(Media(path=str(path), alt_text=card.alt_text, story=card.story))
    for i, post in enumerate(posts):
        post.media = [small[i % len(small)]]
    return Plan(platform="mastodon", issue_id="issue-34", posts=posts, mode="full", thread=True, limit=500)


@pytest.fixture(scope="module")
def clean_requests(small_plan, tmp_path_factory) -> list[tuple[str, str]]:
    """The requests of a clean publish of the small plan, in order: what the fault matrix hits."""
    server = FakeMastodon().start()
    try:
        with Ledger(tmp_path_factory.mktemp("clean") / "ledger.db") as ledger:
            assert publish_plan(small_plan, server.adapter(), ledger).exit_code == 0
        assert_thread_exactly_once(server, [p.text for p in small_plan.posts])
        return [(r.method, r.path) for r in server.calls()]
    finally:
        server.stop()


def _cases(n_requests: int) -> list[tuple[int, str]]:
    return [(k, kind) for k in range(1, n_requests + 1) for kind in KINDS]


# a clean publish of 5 posts with a card each: account, instance, then per post an upload,
# two processing polls (206, 200) and the status
N_REQUESTS = 2 + N_POSTS * 4


@pytest.mark.parametrize("k,kind", _cases(N_REQUESTS), ids=[f"req{k}-{kind}" for k, kind in _cases(N_REQUESTS)])
def test_fault_at_each_request_then_rerun_is_exactly_once(small_plan, clean_requests, tmp_path, monkeypatch, k, kind):
    monkeypatch.setattr("crosspost.platforms.mastodon.adapter._sleep", lambda s: None)
    assert len(clean_requests) == N_REQUESTS, clean_requests
    method, path = clean_requests[k - 1]
    server = FakeMastodon().start()
    try:
        server.fail(kind, nth=k)
        adapter = server.adapter(timeout=5)
        with Ledger(tmp_path / "ledger.db") as ledger:
            try:
                first = publish_plan(small_plan, adapter, ledger)
            except PlatformError as exc:  # the account or the instance could not be read: nothing sent
                assert k <= 2 and not exc.outcome_unknown
                assert writes(server) == []
            else:
                if (method, path) == ("POST", STATUSES) and kind in ("drop", "stored-no-answer", "stored-server-error"):
                    position = clean_requests[:k].count(("POST", STATUSES))
                    state = first.results[position - 1].state
                    # stored, answer lost: found on the account and adopted at once; not stored: looked for later
                    assert state == ("adopted" if kind != "drop" else "pending"), first.to_dict()
            run_until_done(small_plan, adapter, ledger, max_runs=4)
            assert publish_plan(small_plan, adapter, ledger).write_calls == 0
        assert_thread_exactly_once(server, [p.text for p in small_plan.posts])
        live = server.live_statuses()
        assert all(s.descriptions == [small_plan.posts[i].media[0].alt_text] for i, s in enumerate(live))
    finally:
        server.stop()


# ---------------------------------------------------------------- 3. the Idempotency-Key absorbs a resend


def test_a_resend_of_a_stored_status_is_absorbed_by_the_idempotency_key(small_plan, tmp_path, monkeypatch):
    """Post 3 is stored but its answer is lost, and the account's listing does not show it (yet): the
    lookup finds nothing, so the next run sends again, with the same key: Mastodon answers with the
    status it made the first time and the thread goes on from it."""
    monkeypatch.setattr("crosspost.platforms.mastodon.adapter._sleep", lambda s: None)
    server = FakeMastodon().start()
    try:
        server.hide_from_listing = True  # the account's listing shows no new status (a lagging replica)
        server.fail("stored-no-answer", nth=_nth_status_request(3))
        adapter = server.adapter(timeout=5)
        with Ledger(tmp_path / "ledger.db") as ledger:
            first = publish_plan(small_plan, adapter, ledger)
            assert [r.state for r in first.results][:3] == ["posted", "posted", "pending"]
            assert ledger.get("issue-34", "mastodon", adapter.account(), 3).state == "unknown"
            assert len(server.statuses) == 3  # it was stored
            rest = run_until_done(small_plan, adapter, ledger, max_runs=3)
            assert rest[-1].results[2].state == "posted"  # sent again, answered with the stored status
        tries = [r for r in server.calls("POST", STATUSES) if r.form.get("status") == small_plan.posts[2].text]
        assert len(tries) == 2 and tries[0].idempotency_key is not None
        assert tries[0].idempotency_key == tries[1].idempotency_key  # the same key twice
        assert_thread_exactly_once(server, [p.text for p in small_plan.posts])  # and one status
    finally:
        server.stop()


def _nth_status_request(position: int) -> int:
    """1-based index, among all requests of a clean run of the small plan, of the status post of `position`
    (the account and the instance are read first; then per post an upload, two polls, the status)."""
    return 2 + 4 * position


# ---------------------------------------------------------------- 4. SIGKILL at every crash point


WHENS = ("before-send", "after-send", "after-record")


@pytest.fixture(scope="module")
def sample_shape(tmp_path_factory) -> Plan:
    return sample_plan(make_project(tmp_path_factory.mktemp("shape")))


@pytest.fixture(scope="module")
def killed_then_rerun(tmp_path_factory, sample_shape):
    points = [f"{when}:{pos}" for pos in range(1, len(sample_shape.posts) + 1) for when in WHENS]
    cases: dict[str, dict] = {}
    try:
        for point in points:
            folder = tmp_path_factory.mktemp(point.replace(":", "-"))
            server = FakeMastodon(processing_polls=0).start()
            cases[point] = {
                "project": make_project(folder / "project"),
                "server": server,
                "env": base_env(server, folder / "home"),
            }
        args = ["thread", "issue-34", "--to", "mastodon"]
        procs = {p: spawn(args, c["project"], dict(c["env"], **{KILL_ENV: p})) for p, c in cases.items()}
        for point, proc in procs.items():
            out, err = proc.communicate(timeout=120)
            cases[point]["killed"] = (proc.returncode, out, err)
            cases[point]["landed"] = len(cases[point]["server"].live_statuses())
        procs = {p: spawn([*args, "--json"], c["project"], c["env"]) for p, c in cases.items()}
        for point, proc in procs.items():
            out, err = proc.communicate(timeout=120)
            cases[point]["rerun"] = (proc.returncode, out, err)
        yield cases
    finally:
        for case in cases.values():
            case["server"].stop()


@pytest.mark.parametrize("point", [f"{when}:{pos}" for pos in range(1, 6) for when in WHENS])
def test_cli_killed_at_each_crash_point_then_rerun_is_exactly_once(killed_then_rerun, sample_shape, point):
    plan = sample_shape
    assert len(plan.posts) == 5, "the parametrisation assumes the sample's 5-post thread"
    case = killed_then_rerun[point]
    server = case["server"]
    when, pos = point.split(":")
    pos = int(pos)
    rc, out, err = case["killed"]
    assert rc == -signal.SIGKILL, f"not killed at {point}: rc={rc} {err[-2000:]}"
    assert case["landed"] == (pos - 1 if when == "before-send" else pos)
    rc, out, err = case["rerun"]
    assert rc == 0, out + err
    report = json.loads(out)
    assert (
        report["results"][pos - 1]["state"]
        == {"before-send": "posted", "after-send": "adopted", "after-record": "already"}[when]
    )
    assert report["write_calls"] == len(plan.posts) - case["landed"]
    assert_thread_exactly_once(server, [p.text for p in plan.posts])
    assert server.count("POST", STATUSES) == len(plan.posts)
