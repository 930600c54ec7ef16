"""End to end on Instagram: the real pipeline, card renderer, engine, ledger and instagrapi-based
adapter, with Instagram's HTTP answered by tests/fakeig.py (instagrapi itself runs unpatched)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fakeig import USER_PK, fake_ig, read_timeout  # noqa: F401  (fake_ig is a fixture)
from PIL import Image, JpegImagePlugin

from crosspost import pipeline
from crosspost.config import load_config
from crosspost.ledger import Ledger
from crosspost.publish import publish_plan, status

WRITES = ("/rupload_igphoto/", "/media/configure/", "/media/configure_sidecar/", "/delete/")


def sampling(body: bytes) -> int:
    """The chroma subsampling of a JPEG: 0 is 4:4:4, 2 is 4:2:0."""
    with Image.open(io.BytesIO(body)) as im:
        return JpegImagePlugin.get_sampling(im)


def writes(fake) -> list:
    return [r for r in fake.requests if r.method == "POST" and any(w in r.path for w in WRITES)]


@pytest.fixture
def prepared(project):
    """The sample's Instagram plan with its 1080x1350 cards rendered."""
    config = load_config(project)
    done = pipeline.render(pipeline.plan("issue-34", config, "instagram"), config)
    assert len(done.plan.posts) == 1 and len(done.plan.posts[0].media) == 3, "the sample is one 3-card carousel"
    return config, done.plan


def test_carousel_goes_out_once_and_a_rerun_sends_nothing(fake_ig, prepared, tmp_path, monkeypatch):
    from crosspost.platforms import base
    from crosspost.platforms.instagram import adapter as adapter_module

    converted: list = []
    real_prepare = adapter_module.prepare_jpeg
    monkeypatch.setattr(
        adapter_module, "prepare_jpeg", lambda src, dest: converted.append(src) or real_prepare(src, dest)
    )
    config, plan = prepared
    post = plan.posts[0]
    adapter = fake_ig.adapter(tmp_path)
    with Ledger(config.resolve(config.ledger.path)) as ledger:
        report = publish_plan(plan, adapter, ledger)
        assert report.exit_code == 0 and [r.state for r in report.results] == ["posted"]

        uploads = fake_ig.requests_to("/rupload_igphoto/")
        sidecars = fake_ig.requests_to("/media/configure_sidecar/")
        assert len(uploads) == 3 and len(sidecars) == 1
        assert not [r for r in fake_ig.requests if r.path.endswith("/media/configure/")]
        for upload in uploads:  # the rendered PNG cards went up as 1080x1350 JPEGs
            assert upload.body[:3] == b"\xff\xd8\xff"
            with Image.open(io.BytesIO(upload.body)) as im:
                assert (im.format, im.size) == ("JPEG", (1080, 1350))
        # each handed over as the JPEG rendered with it (no PNG decoded, no second encode of ours)
        assert converted == [] and all(base.made_from(m.upload, m.path) for m in post.media)
        # and that JPEG is what Instagram received, byte for byte (instagrapi did not re-encode it)
        assert [u.body for u in uploads] == [Path(m.upload).read_bytes() for m in post.media]
        assert all(sampling(u.body) == 0 for u in uploads)  # 4:4:4 as rendered, not Pillow's 4:2:0
        form = sidecars[0].form
        assert form["caption"] == post.text
        upload_ids = [json.loads(u.headers["X-Instagram-Rupload-Params"])["upload_id"] for u in uploads]
        assert [c["upload_id"] for c in form["children_metadata"]] == upload_ids
        assert [c["custom_accessibility_caption"] for c in form["children_metadata"]] == [
            m.alt_text for m in post.media
        ]
        (item,) = fake_ig.medias
        assert report.results[0].url == f"https://www.instagram.com/p/{item['code']}/"

        seen = len(fake_ig.requests)
        again = publish_plan(plan, adapter, ledger)
        assert again.exit_code == 0 and [r.state for r in again.results] == ["already"]
        assert again.write_calls == 0 and again.find_calls == 0
        assert len(fake_ig.requests) == seen  # not one request, let alone a write
        assert status(ledger, "issue-34")[0]["url"] == report.results[0].url
    assert len(fake_ig.medias) == 1


@pytest.mark.parametrize("lookup_fails", [False, True], ids=["found-at-once", "found-by-rerun"])
def test_timeout_after_configure_is_adopted_not_posted_twice(fake_ig, prepared, tmp_path, lookup_fails):
    config, plan = prepared
    adapter = fake_ig.adapter(tmp_path)
    fake_ig.fail("/media/configure_sidecar/", exc=read_timeout, apply=True)  # applied, answer lost
    if lookup_fails:
        fake_ig.fail("/feed/user/", exc=read_timeout)
    with Ledger(config.resolve(config.ledger.path)) as ledger:
        first = publish_plan(plan, adapter, ledger)
        if lookup_fails:
            assert first.exit_code == 1 and first.results[0].state == "pending"
            assert ledger.rows("issue-34")[0].state == "unknown"  # maybe sent: look before resending
            second = publish_plan(plan, adapter, ledger)
            assert second.exit_code == 0 and second.results[0].state == "adopted"
            assert second.write_calls == 0 and second.find_calls == 1
        else:
            assert first.exit_code == 0 and first.results[0].state == "adopted"
        (item,) = fake_ig.medias  # one post on the account
        row = ledger.rows("issue-34")[0]
        assert row.state == "posted" and row.remote_id == str(item["pk"])
        assert row.url == f"https://www.instagram.com/p/{item['code']}/"
        assert publish_plan(plan, adapter, ledger).write_calls == 0
    assert len(fake_ig.requests_to("/media/configure_sidecar/")) == 1
    assert len(fake_ig.requests_to("/rupload_igphoto/")) == 3
    assert len(writes(fake_ig)) == 4


def test_an_email_login_and_a_handle_login_share_one_ledger_key(fake_ig, prepared, tmp_path):
    """Case 7: the ledger key is the account's pk, so switching the login name from the e-mail
    address to the handle does not post the carousel again."""
    config, plan = prepared
    with Ledger(config.resolve(config.ledger.path)) as ledger:
        first = publish_plan(plan, fake_ig.adapter(tmp_path, username="hurricane@example.com"), ledger)
        assert first.exit_code == 0 and [r.state for r in first.results] == ["posted"]
        again = publish_plan(plan, fake_ig.adapter(tmp_path, username="EastWestHurricane"), ledger)
        assert again.exit_code == 0 and [r.state for r in again.results] == ["already"]
        assert again.write_calls == 0
        assert {r.account for r in ledger.rows("issue-34")} == {USER_PK}
    assert len(fake_ig.medias) == 1 and len(writes(fake_ig)) == 4


def test_a_photo_whose_configure_answer_lacks_media_is_adopted_not_posted_again(fake_ig, project, tmp_path):
    """Case 3 on the default scheduled path (one story card a day: single photos): the configure
    went through, its answer had no media and the feed lagged. The run leaves it unknown; the
    next run finds it and sends nothing."""
    config = load_config(project)
    plan = pipeline.render(pipeline.plan("issue-34", config, "instagram", per_story=True), config).plan
    assert len(plan.posts) == 3 and all(len(p.media) == 1 for p in plan.posts)
    adapter = fake_ig.adapter(tmp_path)
    fake_ig.feed_lag = 6  # instagrapi's five looks and the engine's first lookup miss it
    fake_ig.fail("/media/configure/", status=200, json={"status": "ok"}, apply=True)
    with Ledger(config.resolve(config.ledger.path)) as ledger:
        first = publish_plan(plan, adapter, ledger)
        assert first.exit_code == 1 and first.results[0].state == "pending"
        assert ledger.rows("issue-34")[0].state == "unknown"  # not "failed", not refused
        second = publish_plan(plan, adapter, ledger)
        assert [r.state for r in second.results] == ["adopted", "posted", "posted"]
    assert len(fake_ig.requests_to("/media/configure/")) == 3 and len(fake_ig.medias) == 3
    # one upload a card (the adopted one was not sent again), each the card's rendered JPEG as is
    uploads = [u.body for u in fake_ig.requests_to("/rupload_igphoto/")]
    assert uploads == [Path(p.media[0].upload).read_bytes() for p in plan.posts]
    assert all(sampling(body) == 0 for body in uploads)
