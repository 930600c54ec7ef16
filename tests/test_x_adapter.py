"""The X adapter against the fake X API: real tweepy, real HTTP, every request checked by the spec."""

from __future__ import annotations

import logging
import socket
import time

import pytest
import requests
import urllib3.exceptions as u3
from hypothesis import given, settings
from hypothesis import strategies as st

from crosspost.config import Config
from crosspost.errors import InputError, PlatformError
from crosspost.model import Media, Post
from crosspost.platforms import adapter_class
from crosspost.platforms.x import adapter as xmod
from fakex import CREDENTIAL_ENV, TEST_CREDENTIALS, FakePost, FakeX, fake_x  # noqa: F401  (fixture)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _spec_clean(request):
    """Every test that uses the fake ends with zero spec violations, both ways."""
    server = request.getfixturevalue("fake_x") if "fake_x" in request.fixturenames else None
    yield
    if server is not None:
        assert server.violations == []
        assert server.response_violations == []


@pytest.fixture
def images(tmp_path):
    png, jpg = tmp_path / "card-1.png", tmp_path / "card-2.jpg"
    png.write_bytes(PNG)
    jpg.write_bytes(JPEG)
    return png, jpg


def fails(call, *args, **kwargs) -> PlatformError:
    with pytest.raises(PlatformError) as info:
        call(*args, **kwargs)
    return info.value


# ---------------------------------------------------------------- publishing


def test_publish_with_two_images_uploads_each_once_with_alt_text(fake_x, images):
    adapter = fake_x.adapter()
    png, jpg = images
    post = Post(text="Issue 34 is out", media=[Media(str(png), "A red card"), Media(str(jpg), "A blue card")])

    published = adapter.publish(post)

    assert fake_x.count("POST", "/2/media/upload") == 2
    assert fake_x.count("POST", "/2/media/metadata") == 2
    assert fake_x.count("POST", "/2/tweets") == 1
    assert [(r.method, r.path) for r in fake_x.log] == [
        ("POST", "/2/media/upload"),
        ("POST", "/2/media/metadata"),
        ("POST", "/2/media/upload"),
        ("POST", "/2/media/metadata"),
        ("POST", "/2/tweets"),
    ]
    [stored] = fake_x.live_posts()
    assert stored.text == "Issue 34 is out" and stored.reply_to is None
    assert stored.alt_texts == ["A red card", "A blue card"]
    media = [fake_x.media[m] for m in stored.media_ids]
    assert [(m.content_type, m.data, m.media_category) for m in media] == [
        ("image/png", PNG, "tweet_image"),
        ("image/jpeg", JPEG, "tweet_image"),
    ]
    assert published.remote_id == stored.id
    assert published.url == f"https://x.com/i/status/{stored.id}"  # username not looked up: no extra call


def test_post_without_alt_text_skips_metadata(fake_x, images):
    fake_x.adapter().publish(Post(text="plain", media=[Media(str(images[0]), "")]))
    assert fake_x.count("POST", "/2/media/upload") == 1
    assert fake_x.count("POST", "/2/media/metadata") == 0


def test_reply_chain(fake_x):
    adapter = fake_x.adapter()
    first = adapter.publish(Post(text="1/3 the thread"))
    second = adapter.publish(Post(text="2/3 more"), reply_to=first.remote_id)
    third = adapter.publish(Post(text="3/3 end"), reply_to=second.remote_id)

    posts = {p.id: p for p in fake_x.live_posts()}
    assert posts[first.remote_id].reply_to is None
    assert posts[second.remote_id].reply_to == first.remote_id
    assert posts[third.remote_id].reply_to == second.remote_id
    assert [r.json.get("reply") for r in fake_x.calls("POST", "/2/tweets")] == [
        None,
        {"in_reply_to_tweet_id": first.remote_id},
        {"in_reply_to_tweet_id": second.remote_id},
    ]


def test_url_uses_username_once_known(fake_x):
    adapter = fake_x.adapter()
    assert adapter.verify() == "@crosspost_test (Crosspost Test)"
    published = adapter.publish(Post(text="hello"))
    assert published.url == f"https://x.com/crosspost_test/status/{published.remote_id}"


def test_delete_and_delete_again(fake_x):
    adapter = fake_x.adapter()
    published = adapter.publish(Post(text="to be removed"))
    adapter.delete(published.remote_id)
    assert fake_x.live_posts() == []
    adapter.delete(published.remote_id)  # already gone: not an error
    assert [r.status for r in fake_x.calls("DELETE", "/2/tweets/{id}")] == [200, 404]


def test_verify_and_account(fake_x):
    adapter = fake_x.adapter()
    assert adapter.account() == "1234567890"  # from the access token: no call
    assert fake_x.count() == 0
    assert adapter.verify() == "@crosspost_test (Crosspost Test)"
    assert fake_x.count("GET", "/2/users/me") == 1


def test_account_is_looked_up_once_when_the_token_has_no_user_id(fake_x):
    creds = dict(TEST_CREDENTIALS, access_token="opaque-token-without-id")
    fake_x.credentials = creds
    adapter = fake_x.adapter(credentials=creds)
    assert adapter.account() == "1234567890"
    assert adapter.account() == "1234567890"
    assert fake_x.count("GET", "/2/users/me") == 1


def test_every_call_goes_to_the_configured_base_url(fake_x, images):
    adapter = fake_x.adapter()
    adapter.publish(Post(text="x", media=[Media(str(images[0]), "alt")]))
    adapter.verify()
    adapter.find(Post(text="x"))
    # the fake saw all of them, so nothing went to tweepy's hard-coded api.twitter.com
    assert [r.path for r in fake_x.log] == [
        "/2/media/upload",
        "/2/media/metadata",
        "/2/tweets",
        "/2/users/me",
        "/2/users/1234567890/tweets",
    ]


# ---------------------------------------------------------------- find after an unknown outcome


def test_find_after_stored_but_never_answered(fake_x, images):
    adapter = fake_x.adapter()
    first = adapter.publish(Post(text="Start of thread"))
    text = "Read it & share: https://example.com/issues/34?utm=x <3"
    post = Post(text=text, media=[Media(str(images[0]), "card")])
    fake_x.fail("stored-no-answer", method="POST", path="/2/tweets")

    error = fails(adapter.publish, post, reply_to=first.remote_id)

    assert error.outcome_unknown and not error.transient
    stored = fake_x.live_posts()[-1]
    assert stored.text == text  # X kept it although we never heard back
    found = adapter.find(post, reply_to=first.remote_id)
    assert found is not None and found.remote_id == stored.id
    assert adapter.find(post) is None  # same text but not as a reply: not ours
    assert adapter.find(post, reply_to="1") is None
    assert adapter.find(Post(text="Something else"), reply_to=first.remote_id) is None
    request = fake_x.calls("GET", "/2/users/{id}/tweets")[-1]
    assert "referenced_tweets" in request.query["tweet.fields"].split(",")
    assert 20 <= int(request.query["max_results"]) <= 100


def test_find_never_adopts_an_identical_post_older_than_since(fake_x):
    adapter = fake_x.adapter()
    now = time.time()
    fake_x.add_post("Read the whole issue", created_at=now - 7 * 86400)  # last week's closing post

    assert adapter.find(Post(text="Read the whole issue"), since=now - 600) is None
    request = fake_x.calls("GET", "/2/users/{id}/tweets")[-1]
    assert request.query["start_time"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 600))
    assert adapter.find(Post(text="Read the whole issue"), since=now - 8 * 86400) is not None


def test_find_checks_created_at_itself_inside_starts_second(fake_x):
    adapter = fake_x.adapter()
    second = float(int(time.time()) - 60)
    fake_x.add_post("Same second", created_at=second)  # start_time has whole seconds: X lists this post
    assert adapter.find(Post(text="Same second"), since=second + 0.5) is None
    assert adapter.find(Post(text="Same second"), since=second) is not None


def test_find_pages_back_until_since(fake_x):
    adapter = fake_x.adapter()
    now = time.time()
    ours = fake_x.add_post("Story two", created_at=now - 900)
    for i in range(xmod.FIND_PAGE_SIZE):  # a full page of newer posts pushes ours to page 2
        fake_x.add_post(f"Later post {i}", created_at=now - 600 + i)

    found = adapter.find(Post(text="Story two"), since=now - 3600)

    assert found is not None and found.remote_id == ours.id
    pages = fake_x.calls("GET", "/2/users/{id}/tweets")
    assert len(pages) == 2 and "pagination_token" not in pages[0].query and pages[1].query["pagination_token"]
    assert adapter.find(Post(text="Story two")) is None  # no window: only the newest page is read


def test_find_reads_a_bounded_number_of_pages(fake_x):
    adapter = fake_x.adapter()
    now = time.time()
    fake_x.add_post("Buried", created_at=now - 3000)
    for i in range(xmod.FIND_PAGE_SIZE * xmod.FIND_MAX_PAGES):
        fake_x.add_post(f"Newer post {i}", created_at=now - 2500 + i)

    assert adapter.find(Post(text="Buried"), since=now - 3600) is None
    assert fake_x.count("GET", "/2/users/{id}/tweets") == xmod.FIND_MAX_PAGES


def test_timeout_after_sending_is_an_unknown_outcome(fake_x):
    adapter = fake_x.adapter(timeout=0.5)
    fake_x.fail("stored-hang", method="POST", path="/2/tweets", hang_for=5)
    error = fails(adapter.publish, Post(text="slow"))
    assert error.outcome_unknown
    assert "timed out" in str(error)
    assert adapter.find(Post(text="slow")).remote_id == fake_x.live_posts()[0].id


def test_dropped_connection_before_storing(fake_x):
    adapter = fake_x.adapter()
    fake_x.fail("drop", method="POST", path="/2/tweets")
    error = fails(adapter.publish, Post(text="lost"))
    assert error.outcome_unknown  # the client cannot tell whether X stored it
    assert fake_x.live_posts() == []
    assert adapter.find(Post(text="lost")) is None
    assert adapter.publish(Post(text="lost")).remote_id == fake_x.live_posts()[0].id


def test_dropped_image_upload_is_transient_not_unknown(fake_x, images):
    adapter = fake_x.adapter()
    fake_x.fail("drop", method="POST", path="/2/media/upload")
    error = fails(adapter.publish, Post(text="with image", media=[Media(str(images[0]), "alt")]))
    assert error.transient and not error.outcome_unknown
    assert fake_x.count("POST", "/2/tweets") == 0


def test_connection_refused_is_transient():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    adapter = xmod.Adapter(TEST_CREDENTIALS, base_url=f"http://127.0.0.1:{port}", timeout=2)
    error = fails(adapter.publish, Post(text="nobody listens"))
    assert error.transient and not error.outcome_unknown


@pytest.mark.parametrize(
    ("exc", "sent"),
    [
        (requests.ConnectionError(u3.MaxRetryError(None, "/", u3.NameResolutionError("api.x.com", None, "no"))), False),
        (requests.ConnectionError(u3.MaxRetryError(None, "/", u3.NewConnectionError(None, "refused"))), False),
        (requests.exceptions.ConnectTimeout("connect"), False),
        (requests.ConnectionError(u3.ProtocolError("Connection aborted.", ConnectionResetError())), True),
        (requests.exceptions.ReadTimeout("read"), True),
        (requests.exceptions.ChunkedEncodingError("cut"), True),
    ],
)
def test_transport_errors_split_on_whether_the_request_left(exc, sent):
    error = xmod._transport_error(exc, "publish the post", creates=True)
    assert error.outcome_unknown is sent
    assert error.transient is (not sent)


# ---------------------------------------------------------------- X's error answers


def test_401_needs_a_person(fake_x):
    fake_x.fail("unauthorized")
    error = fails(fake_x.adapter().publish, Post(text="hi"))
    assert error.needs_person and not error.transient and not error.outcome_unknown
    assert str(error) == "x: X rejected the credentials (401): check CROSSPOST_X_* or run `crosspost login x`"


def test_wrong_credentials_are_rejected_by_the_server(fake_x):
    wrong = dict(TEST_CREDENTIALS, api_key="CKEY-someone-else")
    error = fails(fake_x.adapter(credentials=wrong).verify)
    assert error.needs_person and "401" in str(error)


def test_duplicate_answer_is_an_unknown_outcome(fake_x):
    fake_x.fail("duplicate", method="POST", path="/2/tweets")
    error = fails(fake_x.adapter().publish, Post(text="again"))
    assert error.outcome_unknown and not error.needs_person
    assert "duplicate" in str(error)


def test_server_rejects_real_duplicates_like_x(fake_x):
    adapter = fake_x.adapter()
    first = adapter.publish(Post(text="same words"))
    error = fails(adapter.publish, Post(text="same words"))
    assert error.outcome_unknown and "duplicate" in str(error)
    assert adapter.find(Post(text="same words")).remote_id == first.remote_id


def test_other_403_needs_a_person_with_xs_detail(fake_x):
    fake_x.fail("forbidden")
    error = fails(fake_x.adapter().publish, Post(text="hi"))
    assert error.needs_person and not error.outcome_unknown
    assert "You are not permitted to perform this action." in str(error)


def test_429_retry_at_from_rate_limit_reset(fake_x):
    reset = int(time.time()) + 600
    fake_x.fail("rate-limited", method="POST", path="/2/tweets", reset_at=reset)
    adapter = fake_x.adapter()
    error = fails(adapter.publish, Post(text="hi"))
    assert error.retry_at == reset
    assert not error.needs_person and not error.outcome_unknown
    assert "local time" in str(error) and "in 10 minutes" in str(error)
    assert time.strftime("%H:%M", time.localtime(reset)) in str(error)
    assert fake_x.count("POST", "/2/tweets") == 1  # tweepy did not wait and retry
    assert adapter._client.wait_on_rate_limit is False


def test_429_daily_cap_uses_the_24_hour_reset(fake_x):
    now = int(time.time())
    fake_x.fail("daily-limit", reset_at=now + 60, daily_reset_at=now + 5 * 3600)
    error = fails(fake_x.adapter().publish, Post(text="hi"))
    assert error.retry_at == now + 5 * 3600
    assert "in 300 minutes" in str(error)


def test_usage_cap_needs_a_person(fake_x):
    fake_x.fail("usage-capped")
    error = fails(fake_x.adapter().publish, Post(text="hi"))
    assert error.needs_person and error.retry_at is None
    assert "usage cap" in str(error).lower()


def test_500_is_transient(fake_x):
    fake_x.fail("server-error")
    error = fails(fake_x.adapter().verify)
    assert error.transient and not error.needs_person and not error.outcome_unknown


def test_error_in_image_step_sends_no_post(fake_x, images):
    fake_x.fail("server-error", method="POST", path="/2/media/metadata")
    error = fails(fake_x.adapter().publish, Post(text="hi", media=[Media(str(images[0]), "alt")]))
    assert error.transient
    assert fake_x.count("POST", "/2/tweets") == 0


def test_app_daily_cap_and_missing_headers():
    response = requests.Response()
    response.status_code = 429
    response.headers.update(
        {
            "x-rate-limit-reset": "1000",
            "x-app-limit-24hour-remaining": "0",
            "x-app-limit-24hour-reset": "5000",
            "x-user-limit-24hour-remaining": "3",
            "x-user-limit-24hour-reset": "9000",
        }
    )
    assert xmod.error_from_response(response, "post", now=900).retry_at == 5000
    bare = requests.Response()
    bare.status_code = 429
    assert xmod.error_from_response(bare, "post", now=900).retry_at == 900 + xmod.FALLBACK_RATE_LIMIT_WAIT


# ---------------------------------------------------------------- input checks before any request


def test_bad_media_is_an_input_error_before_any_request(fake_x, tmp_path, images):
    adapter = fake_x.adapter()
    gif = tmp_path / "anim.gif"
    gif.write_bytes(b"GIF89a" + b"\x00" * 10)
    cases = [
        Post(text="5", media=[Media(str(images[0]), "a")] * 5),
        Post(text="alt", media=[Media(str(images[0]), "a" * 1001)]),
        Post(text="gif", media=[Media(str(gif), "a")]),
        Post(text="missing", media=[Media(str(tmp_path / "nope.png"), "a")]),
    ]
    for post in cases:
        with pytest.raises(InputError):
            adapter.publish(post)
    assert fake_x.count() == 0


@pytest.mark.parametrize(("key", "env"), sorted(CREDENTIAL_ENV.items()))
def test_missing_credential_names_the_variable(key, env):
    creds = {k: v for k, v in TEST_CREDENTIALS.items() if k != key}
    with pytest.raises(InputError, match=env):
        xmod.Adapter(creds)


def test_from_config_reads_env(fake_x, monkeypatch, tmp_path):
    monkeypatch.setenv("CROSSPOST_SECRETS_FILE", str(tmp_path / "none.toml"))
    adapter = adapter_class("x").from_config(Config(root=tmp_path))
    assert adapter.base_url == fake_x.url
    assert adapter.verify().startswith("@crosspost_test")


def test_default_base_url(monkeypatch):
    monkeypatch.delenv("CROSSPOST_X_API_URL", raising=False)
    assert xmod.Adapter(TEST_CREDENTIALS).base_url == "https://api.x.com"
    monkeypatch.setenv("CROSSPOST_X_API_URL", "http://127.0.0.1:9/")
    assert xmod.Adapter(TEST_CREDENTIALS).base_url == "http://127.0.0.1:9"
    assert xmod.Adapter(TEST_CREDENTIALS, base_url="http://h:1").base_url == "http://h:1"


# ---------------------------------------------------------------- secrets


def test_secrets_never_appear_in_errors_or_logs(fake_x, images, caplog):
    caplog.set_level(logging.DEBUG)  # the most talkative setting, every logger
    adapter = fake_x.adapter(timeout=0.5)
    errors: list[BaseException] = []
    post = Post(text="secret test", media=[Media(str(images[0]), "alt")])
    adapter.publish(post)
    for kind in (
        "unauthorized",
        "forbidden",
        "duplicate",
        "rate-limited",
        "usage-capped",
        "server-error",
        "drop",
        "stored-hang",
    ):
        fake_x.fail(kind)
        with pytest.raises(PlatformError) as info:
            adapter.publish(Post(text=f"after {kind}"))
        errors.append(info.value)
    with pytest.raises(PlatformError) as info:
        fake_x.adapter(credentials=dict(TEST_CREDENTIALS, api_secret="ASECRET-wrong-0000")).verify()
    errors.append(info.value)
    with pytest.raises(InputError) as missing:
        xmod.Adapter({k: v for k, v in TEST_CREDENTIALS.items() if k != "access_secret"})
    errors.append(missing.value)
    fake_x.violations.clear()  # the wrong-secret request above fails signature checks on purpose

    secrets = list(TEST_CREDENTIALS.values()) + ["ASECRET-wrong-0000"]
    signatures = [r.signature for r in fake_x.log if r.signature]
    assert len(signatures) >= 10
    exposed = [repr(adapter), str(adapter)]
    for error in errors:
        assert error.__cause__ is None
        exposed += [str(error), repr(error), repr(error.args)]
    exposed.append(caplog.text)
    exposed += [repr(r.__dict__) for r in caplog.records]
    blob = "\n".join(exposed)
    for value in secrets + signatures:
        assert value not in blob
    assert "Authorization" not in caplog.text or "[redacted]" in caplog.text
    assert "tweepy.client" in {r.name for r in caplog.records}  # logging really was on


# ---------------------------------------------------------------- matching X's rendering of our text


texts = (
    st.lists(
        st.one_of(
            st.text(alphabet="abc &<>\"'é\n", min_size=1, max_size=12),
            st.sampled_from(["https://example.com/a?b=1&c=2", "http://t.co/x", "https://ex.org/ünï"]),
        ),
        min_size=1,
        max_size=6,
    )
    .map(" ".join)
    .filter(lambda t: xmod.comparable_text(t) != "")
)


@settings(max_examples=150, deadline=None)
@given(text=texts, with_media=st.booleans(), reply=st.booleans())
def test_find_matches_the_text_as_x_renders_it(text, with_media, reply):
    server = FakeX()
    parent = "1900000000000000000" if reply else None
    shown = server._as_x_shows(
        FakePost("1900000000000000009", text, parent, ["1"] if with_media else [], "2026-01-01T00:00:00.000Z"),
        {"referenced_tweets"},
    )
    assert xmod.matching_tweet([shown], text, parent) is shown
    assert xmod.matching_tweet([shown], text + " extra", parent) is None


def test_unreadable_success_answer_to_a_post_is_an_unknown_outcome(monkeypatch):
    adapter = xmod.Adapter(TEST_CREDENTIALS, base_url="http://127.0.0.1:9")

    def garbled(*args, **kwargs):
        raise requests.exceptions.JSONDecodeError("Expecting value", "<html>", 0)

    monkeypatch.setattr(adapter._client, "create_tweet", garbled)
    error = fails(adapter.publish, Post(text="hi"))
    assert error.outcome_unknown and "unreadable" in str(error)
    monkeypatch.setattr(adapter._client, "get_me", garbled)
    error = fails(adapter.verify)
    assert error.transient and not error.outcome_unknown
