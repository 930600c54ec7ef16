"""`crosspost login` and `crosspost doctor`: credentials stored 0600, checked without printing them."""

from __future__ import annotations

import stat
import responses
from typer.testing import CliRunner

from crosspost import credentials
from crosspost.cli import app
from crosspost.config import load_config
from crosspost.doctor import run_checks
from fakex import TEST_CREDENTIALS, fake_x  # noqa: F401 - fixture

BASE = "http://x.test"


@responses.activate
def test_login_x_pin_flow_stores_tokens_0600(monkeypatch, project):
    monkeypatch.setenv("CROSSPOST_X_API_URL", BASE)
    monkeypatch.setenv("CROSSPOST_X_API_KEY", "CK-login-123456")
    monkeypatch.setenv("CROSSPOST_X_API_SECRET", "CS-login-abcdef")
    responses.post(
        f"{BASE}/oauth/request_token",
        body="oauth_token=REQTOKEN&oauth_token_secret=REQSECRET&oauth_callback_confirmed=true",
    )
    responses.post(
        f"{BASE}/oauth/access_token",
        body="oauth_token=42-ACCESS-TOKEN-xyz&oauth_token_secret=ACCESS-SECRET-xyz&user_id=42",
    )
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("typer.prompt", lambda *a, **k: "7654321")
    from crosspost.platforms.x.login import login as login_x

    where = login_x(load_config())
    path = credentials.secrets_path()
    assert where == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    monkeypatch.delenv("CROSSPOST_X_API_KEY")
    monkeypatch.delenv("CROSSPOST_X_API_SECRET")
    assert credentials.load_credentials("x") == {
        "api_key": "CK-login-123456",
        "api_secret": "CS-login-abcdef",
        "access_token": "42-ACCESS-TOKEN-xyz",
        "access_secret": "ACCESS-SECRET-xyz",
    }
    # the PIN went to X as the OAuth verifier, signed with the request token
    access = responses.calls[1].request
    auth = access.headers["Authorization"]
    if isinstance(auth, bytes):
        auth = auth.decode()
    body = access.body.decode() if isinstance(access.body, bytes) else (access.body or "")
    assert 'oauth_verifier="7654321"' in auth or "7654321" in body
    assert 'oauth_token="REQTOKEN"' in auth


def test_login_without_terminal_is_a_clear_error(project):
    res = CliRunner().invoke(app, ["login", "x"])
    assert res.exit_code != 0
    assert "CROSSPOST_X_API_KEY" in str(res.exception)


def test_doctor_lists_credentials_by_name_only(monkeypatch, project):
    monkeypatch.setenv("CROSSPOST_X_API_KEY", "DOCTOR-SECRET-VALUE-1")
    checks = {c.name: c for c in run_checks(load_config())}
    assert checks["config"].ok and checks["issues"].ok and checks["fonts"].ok
    x = checks["x credentials"]
    assert not x.ok and "CROSSPOST_X_API_SECRET" in x.detail
    res = CliRunner().invoke(app, ["doctor"])
    assert res.exit_code == 0, res.output  # missing credentials are a warning, not a failure
    assert "DOCTOR-SECRET-VALUE-1" not in res.output
    assert "issue-34" in res.output


def test_doctor_online_verifies_against_the_fake_server(fake_x, project):
    res = CliRunner().invoke(app, ["doctor", "--online"])
    assert "x online: signed in as @crosspost_test" in res.output
    assert fake_x.calls() and all(c.method == "GET" for c in fake_x.calls())  # read-only
    for secret in TEST_CREDENTIALS.values():
        assert secret not in res.output
    assert fake_x.violations == []


def test_doctor_online_reports_rejected_credentials(fake_x, project):
    fake_x.fail("unauthorized", method="GET", path="/2/users/me")
    res = CliRunner().invoke(app, ["doctor", "--online"])
    assert res.exit_code == 1
    assert "FAIL x online" in res.output and "401" in res.output


def test_broken_issue_fails_doctor(project):
    (project / "issues" / "issue-34.txt").write_bytes(b"")
    res = CliRunner().invoke(app, ["doctor"])
    assert res.exit_code == 1
    assert "FAIL issues" in res.output and "issue-34.txt" in res.output


def test_doctor_checks_the_ledger_is_intact_and_not_lost(project):
    from crosspost.ledger import Ledger

    config = load_config()
    path = config.resolve(config.ledger.path)
    assert run_checks(config)[3].name == "ledger"
    assert {c.name: c for c in run_checks(config)}["ledger"].ok  # none yet: fine
    Ledger(path).close()
    assert "intact" in {c.name: c for c in run_checks(config)}["ledger"].detail
    data = bytearray(path.read_bytes())
    data[200:4096] = b"\xff" * (4096 - 200)  # garbage over the schema page
    path.write_bytes(bytes(data))
    check = {c.name: c for c in run_checks(config)}["ledger"]
    assert not check.ok and "ledger.db" in check.detail
    path.write_bytes(b"")  # emptied after use
    check = {c.name: c for c in run_checks(config)}["ledger"]
    assert not check.ok and "empty" in check.detail
    res = CliRunner().invoke(app, ["doctor"])
    assert res.exit_code != 0 and "empty" in res.output
