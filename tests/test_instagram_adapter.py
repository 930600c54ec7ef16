"""The Instagram adapter against instagrapi itself, its HTTP answered by tests/fakeig.py."""

from __future__ import annotations

import io
import json
import logging
import stat
import time
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from crosspost.errors import InputError, PlatformError
from crosspost.model import Media, Post
from crosspost.platforms.instagram.adapter import MAX_RATIO, MIN_RATIO, Adapter, prepare_jpeg

from fakeig import (  # noqa: F401  (fake_ig is a fixture)
    SESSION_ID,
    USER_PK,
    USERNAME,
    answer_cut_off,
    connection_dropped,
    connection_refused,
    fake_ig,
    read_timeout,
)

CAPTION = "Issue 34: the storm season 🌀\n\nThree stories from the coast.\n\n#weather #newsletter"


def card(tmp_path: Path, name: str, size=(1080, 1350), colour=(246, 241, 232), mode="RGB") -> str:
    path = tmp_path / name
    im = Image.new(mode, size, colour if mode == "RGB" else colour + (255,))
    for x in range(0, size[0], 7):  # some "text" touching the edges
        im.putpixel((x, 0), (0, 0, 0) if mode == "RGB" else (0, 0, 0, 255))
        im.putpixel((x, size[1] - 1), (0, 0, 0) if mode == "RGB" else (0, 0, 0, 255))
    im.save(path)
    return str(path)


def post_with(tmp_path: Path, n: int, text: str = CAPTION) -> Post:
    return Post(
        text=text,
        media=[Media(card(tmp_path, f"card-{i}.png"), f"Quote card {i}: a storm over the sea") for i in range(n)],
    )


def jpeg_size(body: bytes) -> tuple[int, int]:
    assert body[:3] == b"\xff\xd8\xff", "upload body is not a JPEG"
    with Image.open(io.BytesIO(body)) as im:
        assert im.format == "JPEG"
        return im.size


# ------------------------------------------------------------------ publishing


def test_single_photo_uploads_one_jpeg_and_configures_once_with_caption_and_alt(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path)
    post = post_with(tmp_path, 1)

    published = adapter.publish(post)

    uploads = fake_ig.requests_to("/rupload_igphoto/")
    configures = fake_ig.requests_to("/media/configure/")
    assert len(uploads) == 1 and len(configures) == 1
    assert not fake_ig.requests_to("configure_sidecar")
    assert jpeg_size(uploads[0].body) == (1080, 1350)
    assert uploads[0].headers["X-Entity-Type"] == "image/jpeg"
    form = configures[0].form
    assert form["caption"] == post.text
    assert form["custom_accessibility_caption"] == post.media[0].alt_text
    assert form["upload_id"] == json.loads(uploads[0].headers["X-Instagram-Rupload-Params"])["upload_id"]
    item = fake_ig.medias[0]
    assert published.remote_id == str(item["pk"])
    assert published.url == f"https://www.instagram.com/p/{item['code']}/"
    assert fake_ig.logins == 0  # the saved session was reused


def test_carousel_of_three_uploads_each_image_once_and_sends_alt_text_per_item(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path)
    post = post_with(tmp_path, 3)
    post.media[1].alt_text = "Second card: a lighthouse"

    published = adapter.publish(post)

    uploads = fake_ig.requests_to("/rupload_igphoto/")
    sidecars = fake_ig.requests_to("/media/configure_sidecar/")
    assert len(uploads) == 3 and len(sidecars) == 1
    assert not [r for r in fake_ig.requests if r.path.endswith("/media/configure/")]
    upload_ids = []
    for upload in uploads:
        assert jpeg_size(upload.body) == (1080, 1350)
        params = json.loads(upload.headers["X-Instagram-Rupload-Params"])
        assert params["is_sidecar"] == "1"
        upload_ids.append(params["upload_id"])
    form = sidecars[0].form
    assert form["caption"] == post.text
    children = form["children_metadata"]
    assert [c["upload_id"] for c in children] == upload_ids
    assert [c["custom_accessibility_caption"] for c in children] == [m.alt_text for m in post.media]
    assert published.remote_id == str(fake_ig.medias[0]["pk"])
    assert fake_ig.medias[0]["media_type"] == 8


def test_wide_transparent_image_is_padded_not_cropped(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path)
    wide = card(tmp_path, "wide.png", size=(2400, 600), colour=(10, 20, 30), mode="RGBA")
    adapter.publish(Post(text="wide", media=[Media(wide, "a wide banner")]))

    (upload,) = fake_ig.requests_to("/rupload_igphoto/")
    w, h = jpeg_size(upload.body)
    assert w == 1080  # scaled to Instagram's width, whole width kept
    assert MIN_RATIO <= w / h <= MAX_RATIO
    with Image.open(io.BytesIO(upload.body)) as im:
        top = im.convert("RGB").getpixel((540, 2))
    assert max(abs(a - b) for a, b in zip(top, (10, 20, 30))) < 12  # padding in the card's colour


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(w=st.integers(1, 2500), h=st.integers(1, 2500))
def test_prepared_jpeg_fits_instagram_without_losing_content(tmp_path, w, h):
    src, dest = tmp_path / "in.png", tmp_path / "out.jpg"
    Image.new("RGB", (w, h), (200, 100, 50)).save(src)
    out_w, out_h = prepare_jpeg(src, dest)
    with Image.open(dest) as im:
        assert im.format == "JPEG" and im.size == (out_w, out_h)
    assert out_w <= 1080 and out_h <= 1350
    assert MIN_RATIO <= out_w / out_h <= MAX_RATIO + 1e-9
    scale = min(1.0, 1080 / w, 1350 / h)
    # the scaled picture fits inside the output whole (padding only, never a crop)
    assert out_w >= round(w * scale) and out_h >= round(h * scale)


def test_a_card_rendered_with_its_jpeg_is_sent_as_that_jpeg_and_a_changed_card_is_converted(
    fake_ig, tmp_path, monkeypatch
):
    """The JPEG the renderer wrote beside the card is what the adapter hands instagrapi (no decode of
    the PNG, no second encode of ours); once the card file is not the one it was made from, the card
    itself is converted, so what is sent is always what the card shows. A file at the upload's path
    that the renderer did not write for this card is not sent."""
    from crosspost.cards.render import save
    from crosspost.platforms.instagram import SPEC, adapter as adapter_module

    handed: list[bytes] = []
    converted: list[Path] = []
    real_prepare = adapter_module.prepare_jpeg
    monkeypatch.setattr(
        adapter_module, "prepare_jpeg", lambda src, dest: converted.append(src) or real_prepare(src, dest)
    )
    real_prepared = Adapter._prepared
    monkeypatch.setattr(
        Adapter,
        "_prepared",
        staticmethod(lambda m, dest: handed.append((p := real_prepared(m, dest)).read_bytes()) or p),
    )

    png, jpg = tmp_path / "instagram-01.png", tmp_path / "instagram-01.upload.jpg"
    save(Image.new("RGB", (1080, 1350), (246, 241, 232)), png, "png", upload=(jpg, SPEC.upload_jpeg))
    media = Media(str(png), "a card", upload=str(jpg))
    adapter = fake_ig.adapter(tmp_path)
    adapter.publish(Post(text="rendered", media=[media]))
    assert handed == [jpg.read_bytes()] and converted == []
    assert jpeg_size(fake_ig.requests_to("/rupload_igphoto/")[-1].body) == (1080, 1350)

    Image.new("RGB", (1080, 1350), (10, 20, 30)).save(png)  # the card replaced after rendering
    adapter.publish(Post(text="edited", media=[media]))
    assert converted == [png] and handed[-1] != jpg.read_bytes()
    with Image.open(io.BytesIO(fake_ig.requests_to("/rupload_igphoto/")[-1].body)) as im:
        assert max(abs(a - b) for a, b in zip(im.convert("RGB").getpixel((540, 675)), (10, 20, 30))) < 4

    Image.new("RGB", (1080, 1350), (200, 0, 0)).save(jpg, "JPEG")  # no comment naming the card
    adapter.publish(Post(text="stranger", media=[media]))
    assert converted == [png, png] and handed[-1] != jpg.read_bytes()


# ------------------------------------------------------------------ the JPEG Instagram receives


def quality_92_tables() -> dict:
    """The quantisation tables of a JPEG written with the adapter's options (quality 92)."""
    from crosspost.platforms.instagram.adapter import JPEG_OPTIONS

    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG", **JPEG_OPTIONS)
    with Image.open(buf) as im:
        return im.quantization


@pytest.mark.parametrize("n", [1, 3], ids=["photo", "album"])
def test_instagram_receives_the_prepared_jpeg_byte_for_byte(fake_ig, tmp_path, monkeypatch, n):
    """instagrapi's prepare_image would decode each file and save it again with Pillow's defaults
    (quality 75, 4:2:0 chroma): the rupload body must be the JPEG the adapter prepared, as is,
    whether converted by prepare_jpeg or rendered beside the card."""
    from instagrapi import image_util
    from instagrapi.mixins import photo
    from PIL import JpegImagePlugin

    from crosspost.cards.render import save
    from crosspost.platforms.instagram import SPEC

    handed: list[bytes] = []
    real_prepared = Adapter._prepared
    monkeypatch.setattr(
        Adapter,
        "_prepared",
        staticmethod(lambda m, dest: handed.append((p := real_prepared(m, dest)).read_bytes()) or p),
    )
    post = post_with(tmp_path, n)
    png, jpg = tmp_path / "rendered.png", tmp_path / "rendered.upload.jpg"
    canvas = Image.new("RGB", (1080, 1350), (246, 241, 232))
    canvas.paste((200, 30, 40), (100, 600, 980, 640))  # coloured "text": what 4:2:0 smears
    save(canvas, png, "png", upload=(jpg, SPEC.upload_jpeg))
    post.media[-1] = Media(str(png), "a rendered card", upload=str(jpg))

    fake_ig.adapter(tmp_path).publish(post)

    uploads = fake_ig.requests_to("/rupload_igphoto/")
    assert len(handed) == len(uploads) == n and handed[-1] == jpg.read_bytes()
    assert [u.body for u in uploads] == handed  # byte for byte: no second encode anywhere
    for upload in uploads:
        assert upload.headers["X-Entity-Length"] == str(len(upload.body))
        with Image.open(io.BytesIO(upload.body)) as im:
            assert im.size == (1080, 1350)
            assert JpegImagePlugin.get_sampling(im) == 0  # 4:4:4, not Pillow's default 4:2:0
            assert im.quantization == quality_92_tables()  # quality 92, not 75
    assert photo.prepare_image is image_util.prepare_image  # instagrapi's own name is back


def test_only_our_prepared_jpegs_within_instagrams_limits_skip_instagrapis_preparation(tmp_path):
    """Inside an upload, instagrapi's preparation is skipped only for the files that upload
    registered, only when it would do nothing but re-encode; every other call (another file, a
    file too big, a save_path, another thread) gets instagrapi's own result, and after the upload
    (even a failed one) the name is instagrapi's function again."""
    import threading

    from instagrapi import image_util
    from instagrapi.mixins import photo
    from PIL import JpegImagePlugin

    from crosspost.platforms.instagram.adapter import _SentAsPrepared

    def jpeg(name: str, size=(1080, 1350)) -> Path:
        path = tmp_path / name
        prepare_jpeg(Path(card(tmp_path, name + ".png", size=size)), path)
        return path

    ours, big_source, stranger = jpeg("ours.jpg"), tmp_path / "big.jpg", jpeg("stranger.jpg")
    Image.new("RGB", (1500, 1875), (20, 90, 200)).save(big_source, "JPEG", quality=92, subsampling=0)

    def sampling(data: bytes) -> int:
        with Image.open(io.BytesIO(data)) as im:
            return JpegImagePlugin.get_sampling(im)

    with pytest.raises(RuntimeError), _SentAsPrepared([ours, big_source]):
        data, size = photo.prepare_image(str(ours), max_side=1080)
        assert (data, size) == (ours.read_bytes(), (1080, 1350))
        story = photo.prepare_image(str(ours), max_side=1080, aspect_ratios=(9 / 16, 90 / 47), max_size=(1080, 1920))
        assert story == (ours.read_bytes(), (1080, 1350))  # a 4:5 card fits a story as is, too

        for args, kwargs in (
            ((str(stranger),), {"max_side": 1080}),  # not registered by this upload
            ((str(big_source),), {"max_side": 1080}),  # ours, but instagrapi would resize it
            ((str(ours),), {"max_side": 1080, "save_path": str(tmp_path / "copy.jpg")}),  # asks for more
        ):
            got = photo.prepare_image(*args, **kwargs)
            assert got == image_util.prepare_image(*args, **kwargs)  # instagrapi's own result
            assert sampling(got[0]) == 2  # its re-encode: Pillow's 4:2:0
        assert photo.prepare_image(str(big_source), max_side=1080)[1] == (1080, 1350)

        other: list = []
        thread = threading.Thread(target=lambda: other.append(photo.prepare_image(str(ours), max_side=1080)))
        thread.start()
        thread.join()
        assert other[0][0] != ours.read_bytes() and sampling(other[0][0]) == 2  # not this upload's file

        raise RuntimeError("the upload failed")
    assert photo.prepare_image is image_util.prepare_image
    assert sampling(image_util.prepare_image(str(ours))[0]) == 2  # what every card got before


def test_a_failed_upload_restores_instagrapis_preparation(fake_ig, tmp_path):
    from instagrapi import image_util
    from instagrapi.mixins import photo

    adapter = fake_ig.adapter(tmp_path)
    fake_ig.fail("/rupload_igphoto/", status=503, body=b"<html>upstream error</html>")
    with pytest.raises(PlatformError):
        adapter.publish(post_with(tmp_path, 2))
    assert photo.prepare_image is image_util.prepare_image


def test_post_limits_and_missing_image_are_input_errors(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path)
    with pytest.raises(InputError):
        adapter.publish(Post(text="no image"))
    with pytest.raises(InputError):
        adapter.publish(post_with(tmp_path, 11))
    with pytest.raises(InputError):
        adapter.publish(post_with(tmp_path, 1, text="x" * 2201))
    with pytest.raises(InputError) as err:
        adapter.publish(Post(text="t", media=[Media(str(tmp_path / "missing.png"), "alt")]))
    assert "missing.png" in str(err.value)
    assert fake_ig.requests_to("/media/configure") == []


@pytest.mark.parametrize(
    "text, ok",
    [("x" * 2200, True), ("x" * 2201, False), ("🌀" * 1100, True), ("🌀" * 1100 + "x", False)],
    ids=["2200", "2201", "1100-emoji", "1100-emoji+1"],
)
def test_caption_limit_is_the_planners(fake_ig, tmp_path, text, ok):
    """The adapter counts and limits captions as crosspost/plan/instagram.py does (UTF-16 units,
    2,200): what the planner allows goes out, what it refuses the adapter refuses too."""
    from crosspost.platforms.instagram import MAX_CAPTION, caption_length

    assert (caption_length(text) <= MAX_CAPTION) is ok
    adapter = fake_ig.adapter(tmp_path)
    if ok:
        adapter.publish(post_with(tmp_path, 1, text=text))
        assert fake_ig.medias[0]["caption"]["text"] == text
    else:
        with pytest.raises(InputError) as err:
            adapter.publish(post_with(tmp_path, 1, text=text))
        assert str(err.value) == "Instagram caption is 2201 characters, the limit is 2200"
        assert fake_ig.requests_to("/media/configure") == []


# ------------------------------------------------------------------ session


def test_first_login_saves_session_0600_and_next_run_reuses_it(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path, saved_session=False)
    assert adapter.verify() == USERNAME
    assert fake_ig.logins == 1

    path = adapter.settings_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    saved = json.loads(path.read_text())
    assert saved["authorization_data"]["ds_user_id"] == USER_PK
    assert saved["private_transport"] == "requests"

    second = Adapter({"username": USERNAME, "password": "pw-Fake-9b1e7c"}, settings_path=path)
    assert second.verify() == USERNAME
    assert fake_ig.logins == 1  # no second password login
    assert saved["uuids"] == json.loads(path.read_text())["uuids"]  # same device identity


def test_login_required_mid_call_relogs_in_once_and_retries(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path)
    adapter.verify()
    fake_ig.session_valid = False  # Instagram logged the session out

    published = adapter.publish(post_with(tmp_path, 1))

    assert fake_ig.logins == 1
    configures = fake_ig.requests_to("/media/configure/")
    assert len(configures) == 2  # the refused one, then the retry
    assert len(fake_ig.medias) == 1 and published.remote_id == str(fake_ig.medias[0]["pk"])


def test_login_required_again_after_relogin_needs_a_person(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path)
    fake_ig.fail("/media/configure/", status=403, json={"message": "login_required", "status": "fail"}, times=2)
    with pytest.raises(PlatformError) as err:
        adapter.publish(post_with(tmp_path, 1))
    assert err.value.needs_person and fake_ig.logins == 1
    assert "crosspost login instagram" in str(err.value)


@pytest.mark.parametrize("saved_session", [True, False], ids=["saved-session", "password-login"])
def test_account_is_the_user_pk_whatever_the_login_name(fake_ig, tmp_path, saved_session):
    """The ledger key is Instagram's numeric id: an e-mail login and a handle login of the same
    account share it; the old key (the login name, lowercased) is offered for moving old rows."""
    by_mail = fake_ig.adapter(tmp_path / "a", saved_session=saved_session, username="Hurricane@Example.com")
    by_handle = fake_ig.adapter(tmp_path / "b", saved_session=saved_session, username="EastWestHurricane")
    assert by_mail.account() == by_handle.account() == USER_PK
    assert by_mail.legacy_accounts() == ["hurricane@example.com"]
    assert by_handle.legacy_accounts() == ["eastwesthurricane"]
    assert by_handle.verify() == USERNAME and by_handle.login() == "EastWestHurricane"
    assert fake_ig.logins == (0 if saved_session else 2)


def test_missing_credentials_name_the_variables():
    with pytest.raises(InputError) as err:
        Adapter({"username": "someone"})
    assert "CROSSPOST_INSTAGRAM_PASSWORD" in str(err.value)
    with pytest.raises(InputError) as err:
        Adapter({})
    assert "CROSSPOST_INSTAGRAM_USERNAME" in str(err.value) and "CROSSPOST_INSTAGRAM_PASSWORD" in str(err.value)


def test_from_config_reads_env_and_puts_session_in_data_dir(monkeypatch, tmp_path):
    from crosspost.config import Config

    monkeypatch.setenv("CROSSPOST_INSTAGRAM_USERNAME", "someone")
    monkeypatch.setenv("CROSSPOST_INSTAGRAM_PASSWORD", "pw")
    monkeypatch.setenv("CROSSPOST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CROSSPOST_SECRETS_FILE", str(tmp_path / "none.toml"))
    adapter = Adapter.from_config(Config(root=tmp_path))
    assert adapter.legacy_accounts() == ["someone"]
    assert adapter.settings_path == tmp_path / "data" / "instagram-session.json"


# ------------------------------------------------------------------ find / delete


def test_find_adopts_existing_media_with_same_caption(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path)
    fake_ig.add_media("an older post")
    item = fake_ig.add_media(CAPTION.replace("\n\n", "\n") + "  ")  # Instagram re-spaced it
    fake_ig.add_media("a newer post")

    found = adapter.find(post_with(tmp_path, 1))
    assert found is not None
    assert found.remote_id == str(item["pk"])
    assert found.url == f"https://www.instagram.com/p/{item['code']}/"
    assert adapter.find(post_with(tmp_path, 1, text="never posted")) is None
    assert fake_ig.requests_to(f"/feed/user/{USER_PK}/")


def test_timeout_after_configure_is_unknown_then_find_adopts_it(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path)
    post = post_with(tmp_path, 1)
    fake_ig.fail("/media/configure/", exc=read_timeout, apply=True)

    with pytest.raises(PlatformError) as err:
        adapter.publish(post)
    assert err.value.outcome_unknown and not err.value.transient
    assert len(fake_ig.requests_to("/media/configure/")) == 1  # nothing resent it

    found = adapter.find(post)
    assert found is not None and found.remote_id == str(fake_ig.medias[0]["pk"])


def test_find_does_not_mistake_a_network_error_for_absence(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path)
    adapter.verify()
    fake_ig.fail("/feed/user/", exc=read_timeout)
    with pytest.raises(PlatformError) as err:
        adapter.find(post_with(tmp_path, 1))
    assert err.value.transient


def test_find_does_not_take_an_answer_without_posts_for_absence(fake_ig, tmp_path):
    """A feed answer with no list of posts (an error page that parsed as JSON) is not "not posted"."""
    adapter = fake_ig.adapter(tmp_path)
    fake_ig.fail("/feed/user/", status=200, json={"status": "ok"})
    with pytest.raises(PlatformError) as err:
        adapter.find(post_with(tmp_path, 1))
    assert err.value.transient and not err.value.outcome_unknown


def test_instagram_lookups_wait_for_the_feed_to_settle():
    """The engine looks again (bounded) while an unknown outcome is younger than this."""
    assert 30 <= Adapter.lookup_settle <= 300


def test_find_since_never_adopts_an_older_post_of_the_same_caption(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path)
    now = int(time.time())
    old = fake_ig.add_media(CAPTION, taken_at=now - 7 * 86400)  # last week's post, same words
    fake_ig.add_media("something else", taken_at=now - 3600)
    post = post_with(tmp_path, 1)

    assert adapter.find(post, since=now - 60) is None
    assert adapter.find(post).remote_id == str(old["pk"])  # since=None: the most recent page, as before
    new = fake_ig.add_media(CAPTION, taken_at=now - 60)
    assert adapter.find(post, since=now - 60).remote_id == str(new["pk"])  # "at or after"


def test_find_since_pages_back_until_older_posts_and_no_further(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path)
    fake_ig.page_size = 3
    now = int(time.time())
    for n in range(4):  # posts from before `since`, one with the caption
        fake_ig.add_media(CAPTION if n == 2 else f"old {n}", taken_at=now - 86400 + n)
    target = fake_ig.add_media(CAPTION, taken_at=now - 100)
    for n in range(7):  # then seven newer posts push it to the third page
        fake_ig.add_media(f"newer {n}", taken_at=now - 90 + n)
    post = post_with(tmp_path, 1)

    assert adapter.find(post, since=now - 100).remote_id == str(target["pk"])
    reads = fake_ig.requests_to("/feed/user/")
    assert len(reads) == 3
    assert "max_id" not in reads[0].url and f"max_id={fake_ig.medias[5]['id']}" in reads[2].url

    fake_ig.medias.remove(target)  # not there: stop at the first page that reaches past `since`
    assert adapter.find(post, since=now - 100) is None  # page 3 ends with last week's same caption
    assert len(fake_ig.requests_to("/feed/user/")) == 3 + 3  # not page 4


def buried(fake_ig, newer: int) -> int:
    """The post (CAPTION) under `newer` later posts, 3 to a feed page; returns its `since`."""
    fake_ig.page_size = 3
    now = int(time.time())
    fake_ig.add_media(CAPTION, taken_at=now - 50)
    for n in range(newer):
        fake_ig.add_media(f"newer {n}", taken_at=now - 40 + n)
    return now - 60


def test_find_since_reads_at_most_five_pages(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path)
    since = buried(fake_ig, 20)
    assert adapter.find(post_with(tmp_path, 1), since=since) is None
    assert len(fake_ig.requests_to("/feed/user/")) == 5


def test_find_since_fails_rather_than_miss_when_a_later_page_fails(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path)
    since = buried(fake_ig, 5)
    adapter.verify()
    fake_ig.fail("/feed/user/", status=500, body=b"<html>oops</html>", skip=1)  # page 2 fails
    with pytest.raises(PlatformError) as err:
        adapter.find(post_with(tmp_path, 1), since=since)
    assert err.value.transient
    assert len(fake_ig.requests_to("/feed/user/")) == 2


# ------------------------------------------------------------------ writes are sent once


def test_configure_answer_without_media_is_unknown_not_a_refusal(fake_ig, tmp_path):
    """Case 3: the configure applied, its answer has no `media`; photo_upload then reads the feed
    (which does not list the post yet) and raises PhotoConfigureError. The last request was a
    read, but a write went out in this call: the outcome is unknown, never "refused"."""
    adapter = fake_ig.adapter(tmp_path)
    post = post_with(tmp_path, 1)
    fake_ig.feed_lag = 5  # instagrapi's five looks after the configure miss the new post
    fake_ig.fail("/media/configure/", status=200, json={"status": "ok"}, apply=True)

    with pytest.raises(PlatformError) as err:
        adapter.publish(post)
    exc = err.value
    assert exc.outcome_unknown and not (exc.transient or exc.needs_person or exc.retry_at)
    assert fake_ig.requests[-1].path.endswith(f"/feed/user/{USER_PK}/")  # a read came last
    assert len(fake_ig.requests_to("/media/configure/")) == 1 and len(fake_ig.medias) == 1

    found = adapter.find(post)  # the feed has caught up
    assert found is not None and found.remote_id == str(fake_ig.medias[0]["pk"])


LOGIN_REQUIRED = {"message": "login_required", "status": "fail", "logout_reason": 2}


@pytest.mark.parametrize(
    "endpoint, images, failures",
    [
        ("/media/configure/", 1, [{"exc": answer_cut_off}]),  # instagrapi resends after 2 s
        ("/media/configure_sidecar/", 3, [{"exc": answer_cut_off}]),
        ("/media/configure/", 1, [{"status": 408, "json": {}}]),  # ... and 60 s after an HTTP 408
        ("/media/configure/", 1, [{"status": 200, "json": {}}]),  # its configure loop resends after 200 {}
        ("/media/configure_sidecar/", 3, [{"status": 200, "json": {}}]),
        # the resend would meet login_required: the adapter must not log in again and rerun it all
        (
            "/media/configure_sidecar/",
            3,
            [{"status": 200, "json": {}}, {"status": 403, "json": LOGIN_REQUIRED, "apply": False}],
        ),
    ],
    ids=["cut-off", "cut-off-carousel", "408", "200-empty", "200-empty-carousel", "then-login-required"],
)
def test_library_resends_of_a_write_never_leave_the_machine(fake_ig, tmp_path, endpoint, images, failures):
    """Case 4: instagrapi resends a configure by itself; the transport refuses to send any write
    a second time in one adapter call, and the adapter reports an unknown outcome to look up."""
    adapter = fake_ig.adapter(tmp_path)
    post = post_with(tmp_path, images)
    for failure in failures:
        fake_ig.fail(endpoint, **({"apply": True} | failure))  # applied, answer lost or useless

    with pytest.raises(PlatformError) as err:
        adapter.publish(post)
    exc = err.value
    assert exc.outcome_unknown and not (exc.transient or exc.needs_person or exc.retry_at)
    assert "may or may not" in str(exc)
    assert len(fake_ig.requests_to(endpoint)) == 1  # the write left once
    assert len(fake_ig.requests_to("/rupload_igphoto/")) == images and fake_ig.logins == 0
    assert len(fake_ig.medias) == 1

    found = adapter.find(post)
    assert found is not None and found.remote_id == str(fake_ig.medias[0]["pk"])
    adapter.publish(post_with(tmp_path, 1, text="the next post"))  # a new call may write again
    assert len(fake_ig.medias) == 2


def test_login_required_after_a_write_is_unknown_not_a_relogin_and_rerun(fake_ig, tmp_path):
    """Any adapter call (this one a configure that posted, then a read the session had lost): a
    relogin would rerun the whole call, write included, so the outcome is unknown instead."""
    adapter = fake_ig.adapter(tmp_path)
    adapter.verify()

    def configure_then_read(c):
        c.album_configure([{"upload_id": "1700000000001"}, {"upload_id": "1700000000002"}], "a caption")
        fake_ig.session_valid = False  # Instagram logs the session out after the post went through
        return c.account_info()

    with pytest.raises(PlatformError) as err:
        adapter._call(configure_then_read, action="publish")
    assert err.value.outcome_unknown and fake_ig.logins == 0
    assert len(fake_ig.requests_to("/media/configure_sidecar/")) == 1 and len(fake_ig.medias) == 1


def test_delete_removes_media_and_gone_media_is_not_an_error(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path)
    published = adapter.publish(post_with(tmp_path, 1))
    adapter.delete(published.remote_id)
    assert fake_ig.deleted == [published.remote_id] and fake_ig.medias == []
    adapter.delete(published.remote_id)  # already gone
    assert len(fake_ig.requests_to("/delete/")) == 2


# ------------------------------------------------------------------ error mapping

CHALLENGE = {
    "message": "challenge_required",
    "status": "fail",
    "lock": True,
    "challenge": {
        "url": "https://i.instagram.com/challenge/?next=/api/v1/media/configure/",
        "api_path": "/challenge/",
        "hide_webview_header": True,
        "lock": True,
        "logout": False,
    },
}
FEEDBACK = {
    "message": "feedback_required",
    "spam": True,
    "feedback_title": "Try Again Later",
    "feedback_message": "We restrict certain activity to protect our community.",
    "feedback_url": "repute/report_problem/scraping/",
    "status": "fail",
}
PLEASE_WAIT = {"message": "Please wait a few minutes before you try again.", "status": "fail"}


@pytest.mark.parametrize(
    "path, kwargs, flags, words, backoff",
    [
        (
            "/media/configure/",
            {"status": 400, "json": CHALLENGE},
            "needs_person",
            ["security challenge", "crosspost login instagram"],
            None,
        ),
        (
            "/media/configure/",
            {"status": 400, "json": FEEDBACK},
            "retry_at",
            ["We restrict certain activity to protect our community."],
            3600,
        ),
        ("/feed/user/", {"status": 400, "json": PLEASE_WAIT}, "retry_at", ["wait a few minutes"], 900),
        (
            "/media/configure/",
            {"status": 429, "json": {"message": "rate limited", "status": "fail"}},
            "retry_at",
            ["429"],
            900,
        ),
        ("/media/configure/", {"status": 429, "json": {}, "headers": {"Retry-After": "120"}}, "retry_at", ["429"], 120),
        ("/rupload_igphoto/", {"status": 429, "body": b"Too Many Requests"}, "retry_at", ["429"], 900),
        ("/rupload_igphoto/", {"exc": connection_refused}, "transient", ["could not reach"], None),
        ("/media/configure/", {"exc": connection_refused}, "transient", ["could not reach"], None),
        ("/media/configure/", {"exc": connection_dropped}, "outcome_unknown", ["may or may not"], None),
        ("/rupload_igphoto/", {"exc": read_timeout}, "transient", ["timeout"], None),
        ("/rupload_igphoto/", {"status": 503, "body": b"<html>upstream error</html>"}, "transient", ["503"], None),
        ("/media/configure/", {"status": 502, "body": b"<html>bad gateway</html>"}, "outcome_unknown", ["502"], None),
        (
            "/media/configure/",
            {
                "status": 400,
                "json": {
                    "message": "Uploaded image isn't in an allowed aspect ratio",
                    "error_type": "invalid_aspect_ratio",
                    "status": "fail",
                },
            },
            None,
            ["invalid_aspect_ratio"],
            None,
        ),
    ],
)
def test_errors_map_to_flags(fake_ig, tmp_path, monkeypatch, path, kwargs, flags, words, backoff):
    monkeypatch.setattr("builtins.input", lambda *_: pytest.fail("prompted while not interactive"))
    adapter = fake_ig.adapter(tmp_path)
    adapter.verify()
    fake_ig.fail(path, **kwargs)
    before = time.time()
    with pytest.raises(PlatformError) as err:
        if path == "/feed/user/":
            adapter.find(post_with(tmp_path, 1))
        else:
            adapter.publish(post_with(tmp_path, 1))
    exc = err.value
    assert exc.platform == "instagram" and str(exc).startswith("instagram: ")
    for flag in ("needs_person", "transient", "outcome_unknown"):
        assert getattr(exc, flag) is (flag == flags), flag
    assert (exc.retry_at is not None) is (flags == "retry_at")
    if backoff is not None:
        assert before + backoff <= exc.retry_at <= time.time() + backoff
    for word in words:
        assert word in str(exc)
    assert "allowed aspect ratio" not in str(exc)  # Instagram's free text is not passed through
    assert fake_ig.medias == []


def _login_error(fake_ig, tmp_path, body, **creds) -> PlatformError:
    fake_ig.login_error = body
    adapter = fake_ig.adapter(tmp_path, saved_session=False, **creds)
    with pytest.raises(PlatformError) as err:
        adapter.verify()
    return err.value


def test_bad_password_needs_a_person(fake_ig, tmp_path):
    exc = _login_error(
        fake_ig,
        tmp_path,
        {
            "message": "The password you entered is incorrect.",
            "invalid_credentials": True,
            "error_type": "bad_password",
            "status": "fail",
        },
    )
    assert exc.needs_person and "CROSSPOST_INSTAGRAM_PASSWORD" in str(exc)
    assert "crosspost login instagram" in str(exc)


TWO_FACTOR = {
    "message": "",
    "two_factor_required": True,
    "error_type": "two_factor_required",
    "status": "fail",
    "two_factor_info": {
        "username": USERNAME,
        "two_factor_identifier": "abc123",
        "totp_two_factor_on": True,
        "sms_two_factor_on": False,
    },
}


def test_two_factor_without_seed_says_to_set_the_seed(fake_ig, tmp_path, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda *_: pytest.fail("prompted while not interactive"))
    exc = _login_error(fake_ig, tmp_path, TWO_FACTOR)
    assert exc.needs_person and "CROSSPOST_INSTAGRAM_TOTP_SEED" in str(exc)


def test_challenge_at_login_never_prompts(fake_ig, tmp_path, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda *_: pytest.fail("prompted while not interactive"))
    exc = _login_error(fake_ig, tmp_path, CHALLENGE)
    assert exc.needs_person and "approve the login" in str(exc)
    assert not fake_ig.requests_to("/challenge/")


def test_malformed_totp_seed_is_an_input_error_without_the_value(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path, saved_session=False, totp_seed="not base32 at all!!1")
    with pytest.raises(InputError) as err:
        adapter.verify()
    assert "CROSSPOST_INSTAGRAM_TOTP_SEED" in str(err.value) and "not base32" not in str(err.value)


# ------------------------------------------------------------------ secrets

PASSWORD = "Pw-7f3Qx!zz-DISTINCTIVE"
SEED = "JBSWY3DPEHPK3PXPQRSTUVWX"


def test_secrets_never_reach_exceptions_or_logs(fake_ig, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = [PASSWORD, SEED, SESSION_ID, SESSION_ID.replace("%3A", ":")]
    texts: list[str] = []

    def capture(fn):
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - every failure's text is checked below
            texts.append(str(exc) + repr(exc) + "".join(traceback.format_exception(exc)))

    # a password login whose answers echo the password back, then failures of every kind
    fake_ig.login_error = {
        "message": f"bad password {PASSWORD} for {USERNAME}",
        "error_type": "bad_password",
        "status": "fail",
    }
    adapter = fake_ig.adapter(tmp_path, saved_session=False, password=PASSWORD, totp_seed=SEED)
    capture(adapter.verify)
    fake_ig.login_error = None
    adapter = fake_ig.adapter(tmp_path, saved_session=False, password=PASSWORD, totp_seed=SEED)
    adapter.verify()  # real login: the answer embeds the session token
    echo = {"message": f"session {SESSION_ID} pw {PASSWORD}", "error_type": "weird", "status": "fail"}
    for path, kwargs in [
        ("/media/configure/", {"status": 400, "json": echo}),
        ("/media/configure/", {"status": 403, "json": echo}),
        ("/rupload_igphoto/", {"status": 400, "body": json.dumps(echo).encode()}),
        ("/media/configure/", {"status": 400, "json": FEEDBACK | {"feedback_message": PASSWORD}}),
        ("/media/configure/", {"exc": read_timeout}),
    ]:
        fake_ig.fail(path, **kwargs)
        capture(lambda: adapter.publish(post_with(tmp_path, 1)))

    assert len(texts) == 6
    logged = caplog.text
    assert "instagram" in logged.lower()  # the library did log (INFO lines; its DEBUG dumps are never made)
    for secret in secrets:
        for text in texts:
            assert secret not in text
        assert secret not in logged


def test_unreadable_session_file_falls_back_to_a_fresh_login(fake_ig, tmp_path):
    adapter = fake_ig.adapter(tmp_path, saved_session=False)
    adapter.settings_path.parent.mkdir(parents=True)
    adapter.settings_path.write_text("{not json")
    assert adapter.verify() == USERNAME
    assert fake_ig.logins == 1
    assert json.loads(adapter.settings_path.read_text())["authorization_data"]["ds_user_id"] == USER_PK


def test_interactive_login_asks_for_the_two_factor_code(fake_ig, tmp_path, monkeypatch):
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "123456")
    fake_ig.fail("send_login_request", status=400, json=TWO_FACTOR)
    adapter = Adapter({"username": USERNAME, "password": "pw"}, settings_path=tmp_path / "s.json", interactive=True)
    assert adapter.login() == USERNAME
    assert len(asked) == 1 and len(fake_ig.requests_to("send_login_request")) == 2
