"""Bluesky: the real CLI, engine, ledger and adapter against the reference atproto PDS on 127.0.0.1.

tests/fakebsky.py starts the PDS (tests/pds) and, for faults the PDS cannot produce, a proxy in
front of it. Every check of what ended up on the account reads the repo back from the PDS; what the
PDS stores although wrong (facet byte ranges, reply refs) is checked here against the text.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakebsky import PDS, Fault, FaultProxy, new_account, pds, proxy, small_plan  # noqa: F401  (fixtures)
from conftest import cli_env, run_cli, run_until_done

from crosspost import pipeline
from crosspost.config import load_config
from crosspost.errors import InputError
from crosspost.ledger import Ledger
from crosspost.model import Post
from crosspost.platforms.bluesky import graphemes
from crosspost.platforms.bluesky.adapter import Adapter, Ref, check_facets, facets, is_tid, new_tid, prepare_image
from crosspost.publish import publish_plan

ROOT = Path(__file__).resolve().parent.parent
PUT = "com.atproto.repo.putRecord"


# ---------------------------------------------------------------- helpers


def bsky_env(server_url: str, server: PDS, home: Path, **extra: str) -> dict[str, str]:
    account = {
        "CROSSPOST_X_API_URL": "http://127.0.0.1:9",
        "CROSSPOST_BLUESKY_HANDLE": server.handle,
        "CROSSPOST_BLUESKY_APP_PASSWORD": server.password,
        "CROSSPOST_BLUESKY_SERVICE": server_url,
    }
    return cli_env(home, **{**account, **extra})  # extra wins


def cli(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_cli(args, cwd, env, timeout=180)  # a PDS under a loaded CI machine answers slowly


def adapter_for(url: str, server: PDS, tmp: Path) -> Adapter:
    return Adapter(
        {"handle": server.handle, "app_password": server.password},
        service=url,
        session_file=tmp / "session.json",
    )


def assert_thread_exactly_once(server: PDS, texts: list[str]) -> list[dict]:
    """Every text once on the account, in order of their keys, each replying to the one before
    with strong refs to the right parent and root; facets whose byte ranges cover what they say."""
    records = server.posts()
    assert [r["value"]["text"] for r in records] == texts, "a post is missing or there twice"
    root = records[0]
    assert "reply" not in root["value"]
    for before, record in zip(records, records[1:]):
        reply = record["value"]["reply"]
        assert reply["parent"] == {"uri": before["uri"], "cid": before["cid"]}
        assert reply["root"] == {"uri": root["uri"], "cid": root["cid"]}
    for record in records:
        value = record["value"]
        check_facets(value["text"], value.get("facets", []))
        assert graphemes(value["text"]) <= 300
    return records


# ---------------------------------------------------------------- units: keys, lengths, facets, images


def test_tids_are_13_sortable_characters_and_strictly_increasing():
    keys = [new_tid()[0] for _ in range(2000)]
    assert all(is_tid(k) for k in keys)
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    same_time = [new_tid(now_us=1_700_000_000_000_000)[0] for _ in range(3)]  # a clock that stands still
    assert same_time == sorted(same_time) and len(set(same_time)) == 3
    assert not is_tid("zzzzzzzzzzzzz")  # top bit set
    assert not is_tid("3jui7kd54zh2")  # 12 characters


def test_length_is_graphemes():
    assert graphemes("🇪🇺") == 1 and len("🇪🇺") == 2
    assert graphemes("👩‍👩‍👧‍👦") == 1
    assert graphemes("e\u0301") == 1
    assert graphemes("café") == 4


def test_facets_have_utf8_byte_ranges():
    text = "Über 🇪🇺 https://example.com/a_(b) and (https://example.org/x). #China #2020 #Tech! ＃中文"
    found = facets(text)
    data = text.encode()
    covered = [data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in found]
    assert covered == ["https://example.com/a_(b)", "https://example.org/x", "#China", "#Tech", "＃中文"]
    assert [f["features"][0].get("uri") or f["features"][0].get("tag") for f in found] == [
        "https://example.com/a_(b)",
        "https://example.org/x",
        "China",
        "Tech",
        "中文",
    ]
    check_facets(text, found)


@pytest.mark.parametrize(
    "start,end,problem",
    [(0, 999, "not inside"), (5, 5, "not inside"), (6, 3, "not inside"), (6, 8, "cuts a character"), (0, 4, "covers")],
)
def test_wrong_facets_are_refused_before_sending(start, end, problem):
    text = "Read 🇪🇺 https://example.com"
    facet = {
        "index": {"byteStart": start, "byteEnd": end},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com"}],
    }
    with pytest.raises(InputError, match=problem):
        check_facets(text, [facet])


def test_big_images_are_reencoded_as_jpeg_under_the_blob_limit(tmp_path):
    import random

    from PIL import Image

    rnd = random.Random(1)
    img = Image.frombytes("RGB", (1600, 900), bytes(rnd.getrandbits(8) for _ in range(1600 * 900 * 3)))
    path = tmp_path / "noise.png"
    img.save(path)
    assert path.stat().st_size > 1_000_000
    data, mime, width, height = prepare_image(path)
    assert mime == "image/jpeg" and len(data) <= 1_000_000 and width / height == pytest.approx(16 / 9, rel=0.01)
    assert prepare_image(path) == (data, mime, width, height)  # the same blob on every send


def test_refs_round_trip():
    root = Ref("at://did:plc:a/app.bsky.feed.post/3k", "bafyroot", "at://did:plc:a/app.bsky.feed.post/3k", "bafyroot")
    assert str(root) == "at://did:plc:a/app.bsky.feed.post/3k bafyroot"
    assert Ref.parse(str(root)) == root
    reply = Ref("at://did:plc:a/app.bsky.feed.post/3m", "bafyb", root.uri, root.cid)
    assert Ref.parse(str(reply)) == reply and reply.rkey == "3m" and reply.repo == "did:plc:a"


def test_reading_the_registry_imports_neither_atproto_nor_regex():
    code = "import sys, crosspost.platforms as p; p.registry(); print(sorted({'atproto', 'regex'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT))
    )
    assert out.stdout.strip() == "[]", out.stderr


# ---------------------------------------------------------------- the sample through the CLI


def test_cli_publishes_reruns_reports_and_undoes_the_sample(pds, proxy, project, tmp_path_factory):
    env = bsky_env(proxy.url, pds, tmp_path_factory.mktemp("home"))
    plan = pipeline.plan("issue-34", load_config(project), "bluesky").plan
    n = len(plan.posts)
    cards = [m for p in plan.posts for m in p.media]
    assert n >= 3 and cards

    dry = cli(["thread", "issue-34", "--to", "bluesky", "--dry-run", "--json"], project, env)
    assert dry.returncode == 0, dry.stderr
    assert all(graphemes(p["text"]) <= 300 for p in json.loads(dry.stdout)["posts"])
    assert proxy.count(PUT) == 0

    first = cli(["thread", "issue-34", "--to", "bluesky"], project, env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert proxy.count(PUT) == n
    assert proxy.count("com.atproto.repo.uploadBlob") == len(cards)
    records = assert_thread_exactly_once(pds, [p.text for p in plan.posts])
    for post, record in zip(plan.posts, records):
        images = record["value"].get("embed", {}).get("images", [])
        assert [i["alt"] for i in images] == [m.alt_text for m in post.media]
        for image in images:
            assert image["aspectRatio"] == {"width": 1600, "height": 900}
            assert image["image"]["size"] <= 1_000_000
    assert "bsky.app/profile/alice.test/post/" in first.stdout
    session = Path(env["CROSSPOST_DATA_DIR"]) / "bluesky" / "session.json"
    assert session.stat().st_mode & 0o777 == 0o600
    assert pds.password not in first.stdout + first.stderr

    logins = proxy.count("com.atproto.server.createSession")
    again = cli(["thread", "issue-34", "--to", "bluesky"], project, env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert proxy.count(PUT) == n  # not one write more
    assert proxy.count("com.atproto.server.createSession") == logins  # the saved session was reused

    status = cli(["status", "issue-34", "--json"], project, env)
    rows = [r for r in json.loads(status.stdout) if r["platform"] == "bluesky"]
    assert [r["state"] for r in rows] == ["posted"] * n
    assert [r["remote_id"].split()[0] for r in rows] == [r["uri"] for r in records]

    undo = cli(["undo", "issue-34", "--platform", "bluesky", "--yes"], project, env)
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert pds.posts() == []
    status = cli(["status", "issue-34", "--json"], project, env)
    assert [r["state"] for r in json.loads(status.stdout) if r["platform"] == "bluesky"] == ["deleted"] * n
    saved = json.loads(session.read_text())["session"].split(":::")
    secrets = [pds.password, saved[2], saved[3]]  # the app password, the access and refresh tokens
    for path in [*Path(env["CROSSPOST_DATA_DIR"]).rglob("*"), *project.rglob("*")]:  # logs, ledger, schedule
        if path.is_file() and path.name != "session.json":
            assert not any(secret.encode() in path.read_bytes() for secret in secrets), path


# ---------------------------------------------------------------- exactly once, in process


def test_facets_links_and_emoji_publish_with_checked_byte_ranges(pds, proxy, tmp_path):
    plan = small_plan(tmp_path / "cards")
    with Ledger(tmp_path / "ledger.db") as ledger:
        report = publish_plan(plan, adapter_for(proxy.url, pds, tmp_path), ledger)
    assert report.exit_code == 0, report.to_dict()
    records = assert_thread_exactly_once(pds, [p.text for p in plan.posts])
    for record in records:
        kinds = [f["features"][0]["$type"].rsplit("#", 1)[1] for f in record["value"]["facets"]]
        assert kinds == ["link", "tag", "tag"]


def test_a_different_record_at_the_key_is_never_overwritten(pds, proxy, tmp_path):
    """putRecord with a JSON-null swapRecord: create only if absent (without it: an upsert)."""
    plan = small_plan(tmp_path / "cards", n=1)
    adapter = adapter_for(proxy.url, pds, tmp_path)
    post = plan.posts[0]
    intent = adapter.intent(post, None)
    rkey = json.loads(intent)["rkey"]
    squatter = {"$type": "app.bsky.feed.post", "text": "someone else's", "createdAt": "2026-01-01T00:00:00.000Z"}
    status, body = pds.xrpc(
        "POST",
        PUT,
        body={"repo": pds.did, "collection": "app.bsky.feed.post", "rkey": rkey, "record": squatter},
        token=pds.token(),
    )
    assert status == 200, body
    from crosspost.errors import PlatformError

    with pytest.raises(PlatformError) as caught:
        adapter.publish(Post(text=post.text, media=post.media, intent=intent))
    assert caught.value.needs_person and "not overwritten" in str(caught.value)
    assert [r["value"]["text"] for r in pds.posts()] == ["someone else's"]
    # the same record again is no write at all: adopted
    published = adapter.publish(
        Post(text=post.text, intent=json.dumps({"rkey": new_tid()[0], "createdAt": "2026-01-01T00:00:00.000Z"}))
    )
    again = adapter.publish(
        Post(
            text=post.text,
            intent=json.dumps({"rkey": Ref.parse(published.remote_id).rkey, "createdAt": "2026-01-01T00:00:00.000Z"}),
        )
    )
    assert again == published and len(pds.posts()) == 2


N_FAULT = 3
FAULTS = [
    (route, nth, kind)
    for nth in range(1, N_FAULT + 1)
    for route, kind in [
        (PUT, "drop"),
        (PUT, "rate-limited"),
        (PUT, "server-error"),
        (PUT, "stored-server-error"),
        ("com.atproto.repo.uploadBlob", "drop"),
        ("com.atproto.repo.uploadBlob", "server-error"),
        ("com.atproto.repo.getRecord", "server-error"),
    ]
]


@pytest.mark.parametrize("route,nth,kind", FAULTS)
def test_a_fault_then_reruns_leave_each_post_exactly_once(pds, proxy, tmp_path, route, nth, kind):
    plan = small_plan(tmp_path / "cards", n=N_FAULT)
    if route == "com.atproto.repo.getRecord":  # the lookup after a lost answer fails too
        proxy.faults = [Fault(PUT, nth, "drop"), Fault(route, 1, kind)]
    else:
        proxy.faults = [Fault(route, nth, kind)]
    adapter = adapter_for(proxy.url, pds, tmp_path)
    with Ledger(tmp_path / "ledger.db") as ledger:
        first = publish_plan(plan, adapter, ledger)
        if kind == "rate-limited":  # a hold until the ratelimit-reset the answer gave
            assert first.exit_code != 0 and first.results[nth - 1].state == "deferred"
            row = ledger.get(plan.issue_id, "bluesky", pds.did, nth)
            assert row.wait_kind == "limit" and abs(row.next_attempt_at - (time.time() + 120)) < 30
        run_until_done(plan, adapter, ledger)
        assert publish_plan(plan, adapter, ledger).write_calls == 0
    assert_thread_exactly_once(pds, [p.text for p in plan.posts])
    landed = [s for s in proxy.seen if s.route == PUT and s.status == 200]
    assert len({json.loads(s.body)["rkey"] for s in proxy.seen if s.route == PUT}) == N_FAULT  # one key per post
    assert len(landed) >= N_FAULT


# ---------------------------------------------------------------- SIGKILL at every crash point

KILL_N = 3
KILL_POINTS = [
    f"{when}:{pos}" for pos in range(1, KILL_N + 1) for when in ("before-send", "after-send", "after-record")
]
KILL_RUNNER = r"""
import sys
from pathlib import Path
from crosspost.ledger import Ledger
from crosspost.platforms.bluesky.adapter import Adapter
from crosspost.publish import publish_plan
from fakebsky import small_plan

tmp, url, handle, password = Path(sys.argv[1]), *sys.argv[2:5]
plan = small_plan(tmp / "cards", n=int(sys.argv[5]))
adapter = Adapter({"handle": handle, "app_password": password}, service=url, session_file=tmp / "session.json")
with Ledger(tmp / "ledger.db") as ledger:
    publish_plan(plan, adapter, ledger)
"""


@pytest.fixture(scope="module")
def bsky_kills(pds, tmp_path_factory):
    """One process per crash point, all at once, each on its own account; each must die there."""
    from crosspost.publish import KILL_ENV

    base = tmp_path_factory.mktemp("bsky-kills")
    cases, procs = {}, {}
    for i, point in enumerate(KILL_POINTS):
        tmp = base / point.replace(":", "-")
        tmp.mkdir()
        account = new_account(pds, f"kill{i}.test")
        cases[point] = (tmp, account)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]), **{KILL_ENV: point})
        procs[point] = subprocess.Popen(
            [sys.executable, "-c", KILL_RUNNER, str(tmp), pds.url, account.handle, account.password, str(KILL_N)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    for point, proc in procs.items():
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == -signal.SIGKILL, f"{point}: not killed (rc={proc.returncode}) {err[-2000:]}"
    return cases


@pytest.mark.parametrize("point", KILL_POINTS)
def test_bluesky_survives_sigkill_at_every_crash_point(bsky_kills, point):
    tmp, account = bsky_kills[point]
    when, pos = point.split(":")
    pos = int(pos)
    plan = small_plan(tmp / "cards", n=KILL_N)
    landed = pos if when != "before-send" else pos - 1
    assert len(account.posts()) == landed  # it died exactly where it was told to
    adapter = adapter_for(account.url, account, tmp)
    with Ledger(tmp / "ledger.db") as ledger:
        row = ledger.get(plan.issue_id, "bluesky", account.did, pos)
        assert row.state == ("posted" if when == "after-record" else "sending")
        assert row.intent and is_tid(json.loads(row.intent)["rkey"])  # the key was stored before the send
        report = publish_plan(plan, adapter, ledger)
        assert report.exit_code == 0, report.to_dict()
        resumed = report.results[pos - 1].state
        assert resumed == {"before-send": "posted", "after-send": "adopted", "after-record": "already"}[when]
        assert report.write_calls == KILL_N - landed  # nothing sent twice
        assert publish_plan(plan, adapter, ledger).write_calls == 0
    assert_thread_exactly_once(account, [p.text for p in plan.posts])


def test_login_checks_the_app_password_then_saves_it_0600(pds, tmp_path):
    import tomllib

    env = bsky_env(pds.url, pds, tmp_path / "home")
    bad = cli(["login", "bluesky"], tmp_path, dict(env, CROSSPOST_BLUESKY_APP_PASSWORD="wrong-password-xyz"))
    assert bad.returncode != 0 and "wrong-password-xyz" not in bad.stdout + bad.stderr
    secrets = tmp_path / "home" / "config" / "secrets.toml"
    assert not secrets.exists()
    good = cli(["login", "bluesky"], tmp_path, env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert pds.password not in good.stdout + good.stderr
    assert secrets.stat().st_mode & 0o777 == 0o600
    saved = tomllib.loads(secrets.read_text())["bluesky"]
    assert saved == {"handle": pds.handle, "app_password": pds.password, "service": pds.url}
    verify = cli(
        ["doctor"],
        tmp_path,
        {k: v for k, v in env.items() if not k.startswith("CROSSPOST_BLUESKY_")}
        | {"CROSSPOST_BLUESKY_SERVICE": pds.url},
    )
    assert pds.password not in verify.stdout + verify.stderr


def test_a_revoked_saved_session_means_one_new_login_not_an_error(pds, proxy, tmp_path):
    adapter = adapter_for(proxy.url, pds, tmp_path)
    assert adapter.verify() == f"@{pds.handle} ({pds.did})"
    saved = json.loads((tmp_path / "session.json").read_text())
    assert (tmp_path / "session.json").stat().st_mode & 0o777 == 0o600
    reused = adapter_for(proxy.url, pds, tmp_path)
    logins = proxy.count("com.atproto.server.createSession")
    assert reused.account() == pds.did and proxy.count("com.atproto.server.createSession") == logins
    parts = saved["session"].split(":::")
    parts[2] = parts[2][:-4] + "AAAA"  # a token the PDS no longer accepts
    saved["session"] = ":::".join(parts)
    (tmp_path / "session.json").write_text(json.dumps(saved))
    again = adapter_for(proxy.url, pds, tmp_path)
    assert again.account() == pds.did
    assert proxy.count("com.atproto.server.createSession") == logins + 1
