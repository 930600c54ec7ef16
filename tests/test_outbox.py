"""The outbox platform: files written atomically, found again, deleted, and shown in index.html."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from fakeplatform import make_plan

from crosspost.config import Config
from crosspost.ledger import Ledger
from crosspost.model import Media, Plan, Post
from crosspost.platforms import adapter_class
from crosspost.platforms.outbox.adapter import Adapter as Outbox
from crosspost.publish import publish_plan, status, undo


class _Page(HTMLParser):
    """Collects what a browser would show: images (src, alt), links, and text."""

    def __init__(self):
        super().__init__()
        self.images, self.links, self.text, self.scripts = [], [], [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append((a.get("src"), a.get("alt")))
        elif tag == "a":
            self.links.append(a.get("href"))
        elif tag == "script":
            self.scripts += 1

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def published_plan(tmp_path, n=3, **kw):
    outbox = Outbox(tmp_path / "outbox")
    plan = make_plan(tmp_path / "cards", n=n, **kw)
    with Ledger(tmp_path / "ledger.db") as ledger:
        report = publish_plan(plan, outbox, ledger)
    return outbox, plan, report


def test_found_by_name_and_built_from_config(tmp_path):
    config = Config(root=tmp_path)
    config.outbox.path = "out/box"  # relative to the config's directory
    adapter = adapter_class("outbox").from_config(config)
    assert isinstance(adapter, Outbox)
    assert adapter.root == tmp_path / "out" / "box"
    assert adapter.verify() == str((tmp_path / "out" / "box").resolve())
    assert adapter.limits.threads and adapter.limits.max_media >= 4


def test_one_json_file_per_post_with_copied_media(tmp_path):
    outbox, plan, report = published_plan(tmp_path)
    files = sorted((tmp_path / "outbox" / "issue-34").glob("*.json"))
    assert [f.name[:4] for f in files] == ["001-", "002-", "003-"]
    records = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    assert [r["text"] for r in records] == [p.text for p in plan.posts]
    assert [r["reply_to"] for r in records] == [None, records[0]["id"], records[1]["id"]]
    for r, post, f, result in zip(records, plan.posts, files, report.results):
        assert f.name == f"{f.name[:3]}-{r['id']}.json"
        assert result.url == f.resolve().as_uri() and result.remote_id == r["id"]
        (m,) = r["media"]
        assert m["alt_text"] == post.media[0].alt_text
        copied = f.parent / m["path"]
        assert copied.read_bytes() == Path(post.media[0].path).read_bytes()
        assert r["created_at"].endswith("Z")
    assert not list((tmp_path / "outbox").rglob(".*.tmp"))


def test_index_is_an_escaped_timeline_in_thread_order(tmp_path):
    outbox, plan, _ = published_plan(tmp_path)
    evil = Post(
        text='<script>alert(1)</script> "quoted" see https://example.com/a?b=1&c=2.',
        media=[Media(path=plan.posts[0].media[0].path, alt_text='alt with "quotes" & <tags>')],
    )
    with Ledger(tmp_path / "ledger.db") as ledger:
        publish_plan(Plan("x", "issue-35", [evil], thread=True), outbox, ledger)
    index = tmp_path / "outbox" / "index.html"
    page = parse(index)
    assert page.scripts == 0
    raw = index.read_text(encoding="utf-8")
    assert "<script>alert" not in raw and "&lt;script&gt;" in raw
    assert ("issue-35/media/" in page.images[-1][0]) and page.images[-1][1] == 'alt with "quotes" & <tags>'
    assert [alt for _, alt in page.images[:3]] == [p.media[0].alt_text for p in plan.posts]
    assert "https://example.com/a?b=1&c=2" in page.links  # trailing full stop not part of the link
    text = "".join(page.text)
    positions = [text.index(p.text.split(":")[0]) for p in plan.posts]
    assert positions == sorted(positions)
    for src, _ in page.images:  # relative paths that resolve to the copied cards
        assert (tmp_path / "outbox" / src).is_file()


def test_find_matches_text_and_reply_to(tmp_path):
    outbox, plan, report = published_plan(tmp_path)
    second = report.results[1]
    found = outbox.find(plan.posts[1], report.results[0].remote_id)
    assert found is not None and found.remote_id == second.remote_id and found.url == second.url
    assert outbox.find(plan.posts[1], None) is None  # same text, different place in the thread
    assert outbox.find(Post(text="never sent"), None) is None
    assert Outbox(tmp_path / "nothing-here").find(plan.posts[0]) is None


def test_find_stays_within_the_prepared_issue(tmp_path):
    outbox, plan, _ = published_plan(tmp_path)
    other = Outbox(tmp_path / "outbox")
    other.begin(Plan("x", "issue-99", []))
    assert other.find(plan.posts[0], None) is None


def test_delete_removes_the_post_its_media_and_its_card_in_the_index(tmp_path):
    outbox, plan, report = published_plan(tmp_path)
    last = report.results[-1].remote_id
    outbox.delete(last)
    outbox.delete(last)  # already gone: not an error
    outbox.delete("../../etc/passwd")  # not an outbox id: ignored
    folder = tmp_path / "outbox" / "issue-34"
    assert len(list(folder.glob("*.json"))) == 2
    assert not list((folder / "media").glob(f"{last}-*"))
    assert last not in (tmp_path / "outbox" / "index.html").read_text()


def test_an_x_plan_published_to_the_outbox_is_tracked_under_outbox(tmp_path):
    outbox, plan, report = published_plan(tmp_path)
    with Ledger(tmp_path / "ledger.db") as ledger:
        rows = status(ledger, "issue-34")
        assert {(r["platform"], r["plan_platform"]) for r in rows} == {("outbox", "x")}
        assert all(r["url"].startswith("file://") for r in rows)
        assert publish_plan(plan, outbox, ledger).write_calls == 0
        result = undo("issue-34", "outbox", outbox, ledger)
        assert result.exit_code == 0 and result.write_calls == 3
    assert not list((tmp_path / "outbox" / "issue-34").glob("*.json"))
    assert "Nothing published yet" in (tmp_path / "outbox" / "index.html").read_text()


def test_numbering_continues_after_a_delete(tmp_path):
    outbox, plan, report = published_plan(tmp_path, n=2)
    outbox.delete(report.results[0].remote_id)
    outbox.begin(plan)
    outbox.publish(Post(text="another"), None)
    names = sorted(f.name[:3] for f in (tmp_path / "outbox" / "issue-34").glob("*.json"))
    assert names == ["002", "003"]


def test_undo_outbox_removes_the_thread_and_the_cards(project):
    """The outbox gets two plans of one issue (thread + cards); undo removes both, under their own keys."""
    from crosspost import pipeline
    from crosspost.config import load_config
    from crosspost.ledger import Ledger
    from crosspost.platforms.outbox.adapter import Adapter as Outbox
    from crosspost.publish import undo

    config = load_config()
    for prepared in (pipeline.plan("issue-34", config, "x"), pipeline.plan("issue-34", config, "instagram")):
        pipeline.render(prepared, config)
        assert pipeline.publish(prepared, config, to="outbox").exit_code == 0
    posts = sorted((project / "outbox" / "issue-34").rglob("*.json"))
    assert len(posts) == 5 + 1  # thread + one carousel
    with Ledger(config.resolve(config.ledger.path)) as ledger:
        report = undo("issue-34", "outbox", Outbox.from_config(config), ledger)
        assert report.exit_code == 0
        assert [r.state for r in report.results].count("deleted") == 6
        assert {r.state for r in ledger.rows("issue-34", "outbox")} == {"deleted"}
    assert list((project / "outbox" / "issue-34").rglob("*.json")) == []
