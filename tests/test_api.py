"""The Python API (crosspost.api): every function on the sample issue, published to the local outbox."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT

from crosspost import api
from crosspost.config import Config, load_config
from crosspost.errors import CrosspostError, InputError
from crosspost.model import Issue


def when(days: float) -> str:
    """A schedule time `days` from now, in the default zone (UTC)."""
    from datetime import datetime, timedelta, timezone

    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%d %H:%M")


def outbox_files(project: Path) -> list[Path]:
    return sorted((project / "outbox").rglob("*.json"))


def test_load_issue_by_name_number_path_and_latest(project):
    issue = api.load_issue("issue-34")
    assert isinstance(issue, Issue) and issue.id == "issue-34" and len(issue.stories) == 3
    assert api.load_issue("34").id == api.load_issue().id == api.load_issue(str(project / "issues" / "issue-34.txt")).id


def test_config_is_a_config_a_folder_or_the_working_directory(project, tmp_path_factory, monkeypatch):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(elsewhere)
    with pytest.raises(InputError, match="issues directory not found"):
        api.load_issue()  # the working directory has no issues/
    assert api.load_issue(config=project).id == "issue-34"
    assert api.load_issue(config=str(project)).id == "issue-34"
    assert api.load_issue(config=load_config(project)).id == "issue-34"


def test_plan_x_and_instagram(project):
    thread = api.plan("issue-34", "x")
    assert thread.plan.platform == "x" and thread.issue.id == "issue-34" and len(thread.plan.posts) == 5
    full = api.plan("issue-34", "x", mode="full", numbering=False)
    assert len(full.plan.posts) > len(thread.plan.posts) and not re.search(r" \d+/\d+$", full.plan.posts[0].text)
    carousel = api.plan(api.load_issue("issue-34"), "instagram")  # an Issue already read is planned as is
    assert carousel.plan.platform == "instagram" and len(carousel.cards) == 3
    with pytest.raises(InputError, match="unknown platform 'myspace'"):
        api.plan("issue-34", "myspace")
    with pytest.raises(InputError, match="publishes other platforms' plans"):
        api.plan("issue-34", "outbox")


def test_render_cards_writes_the_images_the_plan_refers_to(project):
    prepared = api.plan("issue-34", "x")
    paths = api.render_cards(prepared)
    assert [p.name for p in paths] == ["x-01.png", "x-02.png", "x-03.png"]
    assert all(p.is_file() and p.parent == project / "out" / "issue-34" for p in paths)
    media = [m.path for post in prepared.plan.posts for m in post.media]
    assert sorted(Path(m) for m in media) == sorted(paths)
    carousel = api.plan("issue-34", "instagram")
    api.render_cards(carousel)  # a preview: the cards, not the JPEGs publishing makes from them
    assert not list((project / "out" / "issue-34").glob("*.jpg"))
    api.publish(carousel, to="outbox")
    assert len(list((project / "out" / "issue-34").glob("*.upload.jpg"))) == 3


def test_publish_once_then_nothing_new(project):
    prepared = api.plan("issue-34", "x")
    report = api.publish(prepared, to="outbox")
    assert report.exit_code == 0 and report.counts() == {"posted": 5} and report.platform == "outbox"
    files = outbox_files(project)
    assert len(files) == 5
    again = api.publish(api.plan("issue-34", "x"), to="outbox")  # a fresh plan of the same issue: all out already
    assert again.counts() == {"already": 5} and again.write_calls == 0
    assert outbox_files(project) == files
    assert [r.url for r in again.results] == [r.url for r in report.results]


def test_publish_defaults_to_the_plans_platform_and_checks_before_sending(project):
    prepared = api.plan("issue-34", "x")
    with pytest.raises(InputError, match="X credentials"):  # to=None is "x": no account in tests
        api.publish(prepared)
    with pytest.raises(InputError, match="cannot be published to 'instagram'"):
        api.publish(prepared, to="instagram")
    with pytest.raises(InputError, match="unknown platform 'bogus'"):
        api.publish(prepared, to="bogus")
    assert not (project / ".crosspost").exists() and not (project / "out").exists()  # nothing written


def test_publish_upto_sends_a_prefix(project):
    report = api.publish(api.plan("issue-34", "x"), to="outbox", upto=2)
    assert [r.state for r in report.results] == ["posted", "posted", "scheduled", "scheduled", "scheduled"]
    assert len(outbox_files(project)) == 2


def test_status_is_what_status_json_prints(project):
    from crosspost.cli import app

    assert api.status() == []  # no ledger yet: nothing, and none created
    assert not (project / ".crosspost").exists()
    api.publish(api.plan("issue-34", "x"), to="outbox")
    rows = api.status("issue-34")
    assert [(r["platform"], r["plan_platform"], r["position"], r["state"]) for r in rows] == [
        ("outbox", "x", i, "posted") for i in range(1, 6)
    ]
    assert all(r["url"].startswith("file://") for r in rows)
    res = CliRunner().invoke(app, ["status", "issue-34", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout) == rows
    assert api.status("34") == rows and api.status() == rows
    assert api.status("issue-99") == []  # no file, no posts: an id all the same


def test_undo_deletes_unschedules_and_blocks_a_republish(project):
    from crosspost.publish import Undone

    api.publish(api.plan("issue-34", "x"), to="outbox")
    queued = api.schedule("issue-34", "outbox:instagram", at=when(30))
    assert [e.target for e in queued.entries] == ["outbox:instagram"]
    report = api.undo("issue-34", "outbox")
    assert report.counts() == {"deleted": 5} and report.exit_code == 0 and not report.no_ledger
    assert [(e.issue_id, e.target) for e in report.unscheduled] == [("issue-34", "outbox:instagram")]
    assert api.queue() == [] and outbox_files(project) == []
    assert {r["state"] for r in api.status("issue-34")} == {"deleted"}
    with pytest.raises(Undone):  # an undone issue goes out again only on purpose
        api.publish(api.plan("issue-34", "x"), to="outbox")
    assert api.publish(api.plan("issue-34", "x"), to="outbox", again=True).counts() == {"posted": 5}


def test_undo_asks_confirm_before_deleting(project):
    api.publish(api.plan("issue-34", "x"), to="outbox")
    asked = []
    with pytest.raises(InputError, match="not confirmed"):
        api.undo("34", "outbox", confirm=lambda issue_id, platform: asked.append((issue_id, platform)) or False)
    assert asked == [("issue-34", "outbox")] and len(outbox_files(project)) == 5
    assert api.undo("34", "outbox", confirm=lambda *_: True).counts() == {"deleted": 5}


def test_undo_with_nothing_published_or_an_unknown_platform(project):
    report = api.undo("issue-34", "outbox")
    assert report.no_ledger and report.results == [] and report.exit_code == 0
    api.publish(api.plan("issue-34", "x"), to="outbox")
    with pytest.raises(InputError, match="unknown platform 'myspace'"):
        api.undo("issue-34", "myspace")


def test_schedule_queue_unschedule(project):
    dry = api.schedule("issue-34", "outbox", at=when(30), dry_run=True)
    assert sorted(e.target for e in dry.entries) == ["outbox:instagram", "outbox:x"] and api.queue() == []
    done = api.schedule("issue-34", ["outbox:x"], at=when(30))
    assert done.warnings == [] and done.others == []
    assert [(e.issue_id, e.target, e.posts) for e in api.queue("34")] == [("issue-34", "outbox:x", 5)]
    past = api.schedule("34", "outbox:instagram", at=when(-1))
    assert any("in the past" in w for w in past.warnings) and [e.target for e in past.others] == ["outbox:x"]
    gone = api.unschedule("issue-34", "outbox:x")
    assert gone.issue_id == "issue-34" and [e.target for e in gone.removed] == ["outbox:x"] and gone.kept == []
    assert [e.target for e in api.queue()] == ["outbox:instagram"]
    assert api.unschedule("issue-34").removed and api.unschedule("issue-34").removed == []


def test_unknown_issue_is_an_input_error(project):
    for call in (
        lambda: api.load_issue("issue-99"),
        lambda: api.plan("nope", "x"),
        lambda: api.schedule("nope", "outbox"),
    ):
        with pytest.raises(InputError, match="available: issue-34") as caught:
            call()
        assert isinstance(caught.value, CrosspostError) and caught.value.exit_code == 2


def test_issue_id_needs_no_readable_file(project):
    assert api.issue_id("34") == api.issue_id("issue-34") == "issue-34"
    assert api.issue_id("issue-7") == "issue-7" and api.issue_id(None) is None
    assert api.issue_id("34", Config(root=project / "nowhere")) == "34"


def test_import_crosspost_is_light_and_reexports_the_api():
    code = (
        "import sys, crosspost\n"
        "assert 'crosspost.api' not in sys.modules, 'api imported eagerly'\n"
        "assert crosspost.status is __import__('crosspost.api').api.status\n"
        "print(','.join(m for m in ('PIL', 'typer', 'sqlite3', 'crosspost.pipeline') if m in sys.modules))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == ""
    import crosspost

    for name in crosspost._API:
        assert getattr(crosspost, name) is getattr(api, name)
        assert name in dir(crosspost)
    with pytest.raises(AttributeError):
        crosspost.no_such_function  # noqa: B018


def test_reexported_names_are_not_submodules():
    """A submodule of the same name would replace the function on `crosspost` the moment it is imported."""
    import pkgutil

    import crosspost

    submodules = {m.name for m in pkgutil.iter_modules(crosspost.__path__)}
    assert not submodules & set(crosspost._API)
    assert {"plan", "publish", "schedule"} <= submodules  # why those three are only in crosspost.api
    assert set(crosspost._API) < set(api.__all__)


def test_readme_example_runs(project):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"^## Python API\n.*?^```python\n(.*?)^```", readme, re.S | re.M).group(1)
    res = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == "5 posts; ['x-01.png', 'x-02.png', 'x-03.png']"
    assert lines[1:3] == ["{'posted': 5}", "{'already': 5}"]
    assert len(lines) == 9 and lines[-1] == "{'deleted': 5} []"


# -- decisions moved out of the CLI with the API: what fails doctor, what cron will not see


def test_doctor_fails_on_a_failure_not_on_a_warning():
    from crosspost.doctor import Check, passed

    ok, warn, fail = Check("a", True, ""), Check("b", False, "", warn=True), Check("c", False, "")
    assert [c.level for c in (ok, warn, fail)] == ["ok", "warn", "fail"]
    assert passed([ok, warn]) and not passed([ok, warn, fail]) and passed([])


def test_cron_setup_names_the_credentials_only_this_shell_has(project, monkeypatch):
    from crosspost.runner import cron_setup

    line, in_env = cron_setup(load_config(project), "30m")
    assert line.startswith("*/30 * * * * cd ") and in_env == []
    monkeypatch.setenv("CROSSPOST_X_API_SECRET", "s")
    monkeypatch.setenv("CROSSPOST_INSTAGRAM_PASSWORD", "p")
    monkeypatch.setenv("CROSSPOST_DATA_DIR", str(project / "data"))
    line, in_env = cron_setup(load_config(project), "1h")
    assert in_env == ["CROSSPOST_INSTAGRAM_PASSWORD", "CROSSPOST_X_API_SECRET"] and "s" not in line.split()
    assert (project / "data").is_dir()  # where cron's `>> cron.log` goes: made (or refused) now, not at 3 am
