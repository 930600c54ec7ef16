"""A platform added as a plugin: tests/plugins/crosspost-echo is installed with pip into a folder of its
own and every command works with it (plan, dry run, publish, ledger, status, undo, schedule, run,
doctor, login) without any change to crosspost/. The built-in platforms register the same way.

Also here: nothing in crosspost/ outside crosspost/platforms/ names a platform.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

PLUGIN = Path(__file__).parent / "plugins" / "crosspost-echo"
PACKAGE = Path(__file__).resolve().parent.parent / "crosspost"


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory) -> Path:
    """The plugin, installed by pip (no network: its build backend is in its folder)."""
    site = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(site),
            str(PLUGIN),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (site / "crosspost_echo-0.1.0.dist-info" / "entry_points.txt").exists()
    return site


@pytest.fixture
def echo(plugin_site, project):
    """Run `crosspost ...` in the sample project with the plugin on the path."""
    env = dict(os.environ, PYTHONPATH=str(plugin_site), CROSSPOST_ECHO_TOKEN="tok-123456")

    def run(*args: str, token: bool = True) -> subprocess.CompletedProcess:
        this = dict(env)
        if not token:
            this.pop("CROSSPOST_ECHO_TOKEN")
        return subprocess.run(
            [sys.executable, "-m", "crosspost", *args],
            capture_output=True,
            text=True,
            cwd=project,
            env=this,
            timeout=120,
        )

    return run


def _posts(project: Path) -> list[dict]:
    folder = project / ".echo"
    return (
        sorted((json.loads(p.read_text()) for p in folder.glob("*.json")), key=lambda r: r["n"])
        if folder.is_dir()
        else []
    )


LONG_URL = "https://example.com/subscribe/" + "a-long-path-segment/" * 6


def _echo_length(text: str) -> int:
    return len(re.sub(r"https?://\S+", "u" * 10, text))


def test_a_plugin_platform_plans_with_its_own_spec(echo, project):
    (project / "crosspost.toml").write_text(f'[echo]\ncall_to_action = "Join"\nsubscribe_url = "{LONG_URL}"\n')
    done = echo("thread", "issue-34", "--to", "echo", "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["platform"] == "echo"
    texts = [p["text"] for p in plan["posts"]]
    assert all(_echo_length(t) <= 120 for t in texts)  # echo's own length function and limit
    assert LONG_URL in texts[-1] and len(texts[-1]) > 120  # the URL counts 10 there: only echo's count allows it
    assert "Join: " in texts[-1]  # its table, read from crosspost.toml
    full = json.loads(echo("thread", "issue-34", "--to", "echo", "--dry-run", "--json", "--mode", "full").stdout)
    assert len(full["posts"]) > len(texts) and all(_echo_length(p["text"]) <= 120 for p in full["posts"])
    cards = [m["path"] for p in plan["posts"] for m in p["media"]]
    assert cards and all(Path(c).name.startswith("echo-") for c in cards)
    from PIL import Image

    with Image.open(cards[0]) as im:
        assert im.size == (1200, 1200)  # the card size from its spec, rendered

    shown = echo("thread", "issue-34", "--to", "echo", "--dry-run")
    assert shown.returncode == 0 and "echo" in shown.stdout


def test_a_plugin_platform_publishes_exactly_once_and_undoes(echo, project):
    missing = echo("thread", "issue-34", "--to", "echo", token=False)
    assert missing.returncode == 2 and "CROSSPOST_ECHO_TOKEN" in missing.stderr and "Traceback" not in missing.stderr
    assert _posts(project) == []

    first = echo("thread", "issue-34", "--to", "echo", "--json")
    assert first.returncode == 0, first.stderr
    posts = _posts(project)
    assert len(posts) == len(json.loads(first.stdout)["results"]) == 5
    assert [p["reply_to"] for p in posts[1:]] == [p["id"] for p in posts[:-1]]  # a thread: each replies
    assert posts[1]["media"] and posts[1]["media"][0]["alt_text"]

    again = echo("thread", "issue-34", "--to", "echo")
    assert again.returncode == 0 and len(_posts(project)) == len(posts)  # nothing twice

    status = json.loads(echo("status", "issue-34", "--json").stdout)
    assert {r["platform"] for r in status} == {"echo"} and all(r["state"] == "posted" for r in status)

    undone = echo("undo", "issue-34", "--platform", "echo", "--yes")
    assert undone.returncode == 0, undone.stderr
    assert _posts(project) == []


def test_a_plugin_platform_is_scheduled_and_run(echo, project):
    (project / "crosspost.toml").write_text('[schedule]\ntimezone = "UTC"\necho_at = "06:45"\n[echo]\nlimit = 100\n')
    planned = echo("schedule", "issue-34", "--to", "echo", "--dry-run", "--json")
    assert planned.returncode == 0, planned.stderr
    entry = json.loads(planned.stdout)[0]
    assert entry["target"] == "echo" and entry["due"].endswith("06:45 UTC")  # its own schedule key

    assert echo("schedule", "issue-34", "--to", "echo,outbox:echo", "--at", "now").returncode == 0
    ran = echo("run")
    assert ran.returncode == 0, ran.stderr + ran.stdout
    posts = _posts(project)
    assert posts and all(_echo_length(p["text"]) <= 100 for p in posts)  # its [echo] limit
    outbox = list((project / "outbox" / "issue-34" / "echo").glob("*.json"))
    assert len(outbox) == len(posts)  # the same plan, in the outbox
    assert echo("run").returncode == 0 and len(_posts(project)) == len(posts)

    doctor = echo("doctor")
    assert "echo credentials: present: token" in doctor.stdout
    assert "tok-123456" not in doctor.stdout + doctor.stderr
    assert "tok-123456" not in (project / ".crosspost" / "ledger.db").read_bytes().decode("latin-1")

    login = echo("login", "echo")
    assert login.returncode == 2 and "CROSSPOST_ECHO_TOKEN" in login.stderr


def test_a_plugin_platform_refuses_what_its_spec_does_not_take(echo):
    cards = echo("cards", "issue-34", "--to", "echo", "--dry-run")
    assert cards.returncode == 2 and "Echo does not take a carousel plan" in cards.stderr


def test_the_built_in_platforms_register_through_the_hook():
    from crosspost.platforms import BUILT_IN, plugin_manager, registry

    pm = plugin_manager()
    assert [impl.plugin_name for impl in pm.hook.register_platforms.get_hookimpls()][: len(BUILT_IN)] == list(BUILT_IN)
    assert list(registry())[:5] == ["x", "instagram", "outbox", "bluesky", "mastodon"]


# -- no platform named outside its folder -----------------------------------------------------------

PLATFORM_WORDS = re.compile(
    r"\b(?:x|X|[Ii]nstagram|[Oo]utbox|[Tt]witter|[Tt]weets?|tweepy|instagrapi|[Bb]luesky|atproto|[Mm]astodon)\b"
)
# Reading an issue is about what a newsletter contains (embedded tweets, "follow us on Instagram"
# links to drop), not about where crosspost posts: the readers may name those services.
READERS = ("parse/",)


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """String literals and names of a module, without its docs: docstrings, comments and the
    `help=` texts of the CLI (which name the built-in platforms as examples)."""
    out = []
    skip = (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT)
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
        if t.type not in skip
    ]
    in_help = False
    for i, tok in enumerate(tokens):
        before = [t.string for t in tokens[max(0, i - 2) : i]]
        if tok.type == tokenize.STRING:
            in_help = in_help or before == ["help", "="]
            docstring = not before or before[-1] == ":" or (i > 0 and tokens[i - 1].type == tokenize.DEDENT)
            if not docstring and not in_help:
                out.append((tok.start[0], tok.string))
            continue
        in_help = False
        if tok.type == tokenize.NAME and PLATFORM_WORDS.fullmatch(tok.string) and tok.string not in ("x", "X"):
            out.append((tok.start[0], tok.string))  # a name like `instagram` (a variable may be called x)
    return out


def test_no_platform_is_named_outside_its_folder():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("platforms/") or rel.startswith(READERS):
            continue
        for line, text in _code_strings(path):
            if PLATFORM_WORDS.search(text.replace("\\n", " ").replace("\\X", "").replace("}x{", "")):  # a grapheme, WxH
                found.append(f"{rel}:{line}: {text[:70]}")
    assert found == [], "\n".join(found)


def test_entry_points_are_found_as_importlib_metadata_finds_them(plugin_site, tmp_path, monkeypatch):
    """The registry reads entry_points.txt itself (importing importlib.metadata costs ~40 ms a run):
    the same (name, value) pairs as importlib.metadata for every group installed here, with the
    pip-installed plugin on the path, an egg-info, a shadowed second copy and an unreadable entry."""
    import sys
    from importlib.metadata import distributions
    from importlib.metadata import entry_points as reference

    from crosspost.platforms import entry_points

    egg = tmp_path / "eggs" / "old_style-1.0-py3.11.egg-info"
    egg.mkdir(parents=True)
    (egg / "entry_points.txt").write_text(
        "# comment\n[crosspost.platforms]\nold = old_style.plugin:hooks\n\n[other]\nx=y\n"
    )
    shadow = tmp_path / "shadow" / "crosspost_echo-0.0.1.dist-info"  # later on the path: not the one used
    shadow.mkdir(parents=True)
    (shadow / "entry_points.txt").write_text("[crosspost.platforms]\necho = elsewhere\n")
    extra = [tmp_path / "eggs", tmp_path / "shadow", tmp_path / "missing"]
    monkeypatch.setattr(sys, "path", [str(plugin_site), *sys.path, *map(str, extra)])
    groups = {ep.group for dist in distributions() for ep in dist.entry_points}
    assert {"crosspost.platforms", "console_scripts", "other"} <= groups
    for group in groups:
        want = sorted((ep.name, ep.value) for ep in reference(group=group))
        assert sorted(entry_points(group)) == want, group
    assert ("echo", "crosspost_echo") in entry_points("crosspost.platforms")
    assert ("old", "old_style.plugin:hooks") in entry_points("crosspost.platforms")
