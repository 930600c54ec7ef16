"""The fake X server itself: its validation is real, its answers match the spec, its failures fire."""

from __future__ import annotations

import json

import pytest
import requests
from requests_oauthlib import OAuth1

import fakex
from fakex import DUPLICATE_DETAIL, TEST_CREDENTIALS, FakeX, fake_x  # noqa: F401  (fixture)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def signed(credentials: dict[str, str] | None = None) -> OAuth1:
    c = credentials or TEST_CREDENTIALS
    return OAuth1(c["api_key"], c["api_secret"], c["access_token"], c["access_secret"])


def send(server: FakeX, method: str, path: str, *, auth=None, **kwargs) -> requests.Response:
    return requests.request(method, server.url + path, auth=auth if auth is not None else signed(), timeout=5, **kwargs)


def upload(server: FakeX, **fields) -> requests.Response:
    data = {"media_category": "tweet_image", **fields}
    return send(server, "POST", "/2/media/upload", data=data, files={"media": ("c.png", PNG, "image/png")})


# ---------------------------------------------------------------- requests the spec forbids


def test_unknown_field_in_create_post_is_rejected(fake_x):
    response = send(fake_x, "POST", "/2/tweets", json={"text": "hi", "colour": "red"})
    assert response.status_code == 400
    assert response.json()["type"] == "https://api.x.com/2/problems/invalid-request"
    assert "colour" in response.text
    assert len(fake_x.violations) == 1 and "colour" in fake_x.violations[0]
    assert fake_x.posts == []


def test_missing_media_category_is_rejected(fake_x):
    response = send(fake_x, "POST", "/2/media/upload", files={"media": ("c.png", PNG, "image/png")})
    assert response.status_code == 400
    assert any("media_category" in v for v in fake_x.violations)
    assert fake_x.media == {}


def test_extra_multipart_field_is_rejected(fake_x):
    """openapi-core drops unknown multipart fields silently; the fake does not."""
    response = upload(fake_x, media_type="image/png")
    assert response.status_code == 400
    assert any("media_type" in v for v in fake_x.violations)


def test_bad_values_are_rejected(fake_x):
    cases = [
        ("POST", "/2/tweets", {"json": {"text": "x", "media": {"media_ids": ["12", "abc"]}}}),
        ("POST", "/2/tweets", {"json": {"text": "x", "media": {"media_ids": ["1", "2", "3", "4", "5"]}}}),
        ("POST", "/2/tweets", {"data": "text=form-encoded"}),
        ("POST", "/2/media/metadata", {"json": {"id": "1", "metadata": {"alt_text": {"text": "a" * 1001}}}}),
        ("POST", "/2/media/metadata", {"json": {"metadata": {}}}),
        ("DELETE", "/2/tweets/not-a-number", {}),
        ("GET", "/2/users/123/tweets", {"params": {"max_results": 2}}),
        ("GET", "/2/users/123/tweets", {"params": {"tweet.fields": "created_at,colour"}}),
        ("GET", "/2/users/123/tweets", {"params": {"colour": "red"}}),
        ("GET", "/2/users/me", {"params": {"user.fields": "shoe_size"}}),
        ("GET", "/2/not/an/endpoint", {}),
        ("PATCH", "/2/tweets", {"json": {}}),
    ]
    for method, path, kwargs in cases:
        before = len(fake_x.violations)
        response = send(fake_x, method, path, **kwargs)
        assert response.status_code == 400, (method, path, kwargs)
        assert len(fake_x.violations) == before + 1, (method, path, kwargs)


def test_image_part_must_be_a_png_or_jpeg(fake_x):
    response = send(
        fake_x,
        "POST",
        "/2/media/upload",
        data={"media_category": "tweet_image"},
        files={"media": ("c.png", b"GIF89a....", "image/png")},
    )
    assert response.status_code == 400 and "not image/png" in fake_x.violations[0]


def test_missing_or_malformed_oauth_header_is_a_violation(fake_x):
    assert requests.get(fake_x.url + "/2/users/me", timeout=5).status_code == 400
    assert (
        requests.get(fake_x.url + "/2/users/me", headers={"Authorization": "Bearer abc"}, timeout=5).status_code == 400
    )
    half = 'OAuth oauth_consumer_key="k", oauth_token="t"'
    assert requests.get(fake_x.url + "/2/users/me", headers={"Authorization": half}, timeout=5).status_code == 400
    assert len(fake_x.violations) == 3
    assert "lacks" in fake_x.violations[2] and "oauth_signature" in fake_x.violations[2]


def test_signature_is_verified(fake_x):
    wrong_secret = dict(TEST_CREDENTIALS, access_secret="not-the-secret")
    response = send(fake_x, "GET", "/2/users/me", auth=signed(wrong_secret))
    assert response.status_code == 401
    assert fake_x.violations == ["GET /2/users/me: OAuth signature does not verify"]
    fake_x.violations.clear()
    assert send(fake_x, "GET", "/2/users/me", params={"user.fields": "created_at"}).status_code == 200
    assert fake_x.violations == []


def test_unknown_consumer_key_is_401_not_a_violation(fake_x):
    response = send(fake_x, "GET", "/2/users/me", auth=signed(dict(TEST_CREDENTIALS, api_key="other")))
    assert response.status_code == 401 and response.json()["title"] == "Unauthorized"
    assert fake_x.violations == []


# ---------------------------------------------------------------- valid requests and the answers


def test_full_flow_answers_match_the_spec(fake_x):
    media_id = upload(fake_x).json()["data"]["id"]
    meta = send(
        fake_x, "POST", "/2/media/metadata", json={"id": media_id, "metadata": {"alt_text": {"text": "A card"}}}
    )
    assert meta.json()["data"]["id"] == media_id
    created = send(
        fake_x, "POST", "/2/tweets", json={"text": "x & y https://a.example/b", "media": {"media_ids": [media_id]}}
    )
    assert created.status_code == 201
    post_id = created.json()["data"]["id"]
    reply = send(fake_x, "POST", "/2/tweets", json={"text": "r", "reply": {"in_reply_to_tweet_id": post_id}})
    timeline = send(
        fake_x,
        "GET",
        "/2/users/1234567890/tweets",
        params={"max_results": 20, "tweet.fields": "created_at,referenced_tweets,conversation_id"},
    )
    data = timeline.json()["data"]
    assert [t["id"] for t in data] == [reply.json()["data"]["id"], post_id]
    assert data[0]["referenced_tweets"] == [{"type": "replied_to", "id": post_id}]
    assert data[0]["conversation_id"] == post_id
    assert data[1]["text"].startswith("x &amp; y https://t.co/")  # as X shows it
    assert send(fake_x, "DELETE", f"/2/tweets/{post_id}").json() == {"data": {"deleted": True}}
    assert send(fake_x, "DELETE", f"/2/tweets/{post_id}").status_code == 404
    assert send(fake_x, "GET", "/2/users/me").json()["data"]["username"] == "crosspost_test"
    assert fake_x.posts[0].alt_texts == ["A card"]
    assert fake_x.violations == [] and fake_x.response_violations == []


def test_timeline_pages_and_windows_as_the_spec_defines(fake_x):
    base = 1_790_000_000.0
    posts = [fake_x.add_post(f"post {i}", created_at=base + i) for i in range(7)]
    path = "/2/users/1234567890/tweets"

    first = send(fake_x, "GET", path, params={"max_results": 5}).json()
    assert [t["id"] for t in first["data"]] == [p.id for p in reversed(posts[2:])]
    second = send(
        fake_x, "GET", path, params={"max_results": 5, "pagination_token": first["meta"]["next_token"]}
    ).json()
    assert [t["id"] for t in second["data"]] == [posts[1].id, posts[0].id]
    assert "next_token" not in second["meta"]
    window = send(
        fake_x,
        "GET",
        path,
        params={
            "start_time": "2026-09-21T14:13:23Z",  # base + 3, inclusive
            "end_time": "2026-09-21T14:13:25Z",
        },
    ).json()  # base + 5, exclusive
    assert [t["id"] for t in window["data"]] == [posts[4].id, posts[3].id]
    assert send(fake_x, "GET", path, params={"pagination_token": "zz"}).status_code == 400
    assert send(fake_x, "GET", path, params={"start_time": "yesterday"}).status_code == 400
    fake_x.violations.remove(next(v for v in fake_x.violations if "start_time" in v))
    assert fake_x.violations == [] and fake_x.response_violations == []


def test_response_validation_is_real():
    request = fakex.spec_request("POST", "/2/tweets", [], {}, b'{"text":"a"}', "application/json")
    good = json.dumps({"data": {"id": "123", "text": "a"}}).encode()
    assert fakex.validate_response(request, 201, good, "application/json") == []
    bad = json.dumps({"data": {"id": "abc"}}).encode()
    problems = fakex.validate_response(request, 201, bad, "application/json")
    assert problems and "text" in problems[0]
    wrong_problem = json.dumps({"type": "https://api.x.com/2/problems/invalid-request", "title": "x"}).encode()
    assert fakex.validate_response(request, 400, wrong_problem, "application/problem+json")


def test_server_rejects_duplicate_text_itself(fake_x):
    assert send(fake_x, "POST", "/2/tweets", json={"text": "once"}).status_code == 201
    again = send(fake_x, "POST", "/2/tweets", json={"text": "once"})
    assert again.status_code == 403 and again.json()["detail"] == DUPLICATE_DETAIL
    assert len(fake_x.live_posts()) == 1


def test_semantic_errors_are_400_but_not_violations(fake_x):
    assert send(fake_x, "POST", "/2/tweets", json={"text": "m", "media": {"media_ids": ["42"]}}).status_code == 400
    assert (
        send(fake_x, "POST", "/2/tweets", json={"text": "r", "reply": {"in_reply_to_tweet_id": "42"}}).status_code
        == 400
    )
    assert fake_x.violations == [] and fake_x.posts == []


# ---------------------------------------------------------------- failure injection


def test_failures_match_method_path_nth_and_times(fake_x):
    fake_x.fail("server-error", method="GET", path="/2/users/{id}/tweets", times=2)
    fake_x.fail("unauthorized", nth=5)
    statuses = [
        send(fake_x, "GET", "/2/users/me").status_code,  # 1: no match
        send(fake_x, "GET", "/2/users/1234567890/tweets").status_code,  # 2
        send(fake_x, "GET", "/2/users/1234567890/tweets").status_code,  # 3
        send(fake_x, "GET", "/2/users/1234567890/tweets").status_code,  # 4: used up
        send(fake_x, "GET", "/2/users/me").status_code,  # 5: the n-th
        send(fake_x, "GET", "/2/users/me").status_code,  # 6
    ]
    assert statuses == [200, 500, 500, 200, 401, 200]
    assert fake_x.count("GET", "/2/users/{id}/tweets") == 3


def test_rate_limit_headers(fake_x):
    fake_x.fail("daily-limit", reset_at=1000, daily_reset_at=2000)
    response = send(fake_x, "GET", "/2/users/me")
    assert response.status_code == 429
    assert response.headers["x-rate-limit-reset"] == "1000"
    assert response.headers["x-user-limit-24hour-remaining"] == "0"
    assert response.headers["x-user-limit-24hour-reset"] == "2000"


def test_drop_closes_without_answer_and_stores_nothing(fake_x):
    fake_x.fail("drop", method="POST", path="/2/tweets")
    with pytest.raises(requests.ConnectionError):
        send(fake_x, "POST", "/2/tweets", json={"text": "gone"})
    assert fake_x.posts == [] and fake_x.calls("POST", "/2/tweets")[0].status is None


def test_stored_no_answer_stores_then_closes(fake_x):
    fake_x.fail("stored-no-answer", method="POST", path="/2/tweets")
    with pytest.raises(requests.ConnectionError):
        send(fake_x, "POST", "/2/tweets", json={"text": "kept"})
    assert [p.text for p in fake_x.live_posts()] == ["kept"]


def test_stored_hang_stores_then_times_out(fake_x):
    fake_x.fail("stored-hang", method="POST", path="/2/tweets", hang_for=3)
    with pytest.raises(requests.ReadTimeout):
        requests.post(fake_x.url + "/2/tweets", json={"text": "slow"}, auth=signed(), timeout=0.3)
    assert [p.text for p in fake_x.live_posts()] == ["slow"]


def test_unknown_failure_kind_is_refused():
    with pytest.raises(ValueError):
        FakeX().fail("teapot")


def test_fixture_sets_environment(fake_x, monkeypatch):
    import os

    assert os.environ["CROSSPOST_X_API_URL"] == fake_x.url
    assert os.environ["CROSSPOST_X_API_KEY"] == TEST_CREDENTIALS["api_key"]


def test_the_listing_lag_is_bounded_like_the_adapter_expects():
    import fakex

    from crosspost.platforms.x.adapter import Adapter

    assert fakex.LISTING_LAG_MAX == Adapter.lookup_settle
