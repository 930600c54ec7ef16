"""No secret value ever leaves the process: run every command that touches credentials with
distinctive fake secrets, then grep stdout, stderr, logs, the ledger and every file written."""

from __future__ import annotations

import logging
import stat
import sys
import subprocess
from pathlib import Path

import pytest
from fakeig import fake_ig  # noqa: F401  (fixture)
from conftest import cli_env
from fakex import FakeX

from crosspost.credentials import ENV_VARS, save_credentials


X_SECRETS = {  # no "<user id>-" prefix on the token, so the adapter must ask GET /2/users/me too
    "api_key": "SEKRIT-API-KEY-123456",
    "api_secret": "SEKRIT-API-SECRET-234567",
    "access_token": "SEKRIT-ACCESS-TOKEN-345678",
    "access_secret": "SEKRIT-ACCESS-SECRET-456789",
}
IG_SECRETS = {"password": "SEKRIT-IG-PASSWORD-567890", "totp_seed": "SEKRITTOTPSEEDQRSTUVWXYZ234567AB"}
SECRETS = list(X_SECRETS.values()) + list(IG_SECRETS.values())


def env_for(server: FakeX, home: Path, *, with_env_secrets: bool = True, instagram: bool = True) -> dict:
    env = cli_env(home, CROSSPOST_X_API_URL=server.url)
    if with_env_secrets:
        env.update({ENV_VARS["x"][k]: v for k, v in X_SECRETS.items()})
        if instagram:
            env.update(
                {ENV_VARS["instagram"][k]: v for k, v in IG_SECRETS.items()},
                CROSSPOST_INSTAGRAM_USERNAME="eastwesthurricane",
            )
    return env


class Transcript:
    """Everything the commands printed, to be scanned at the end."""

    def __init__(self, project: Path, env: dict):
        self.project, self.env, self.texts = project, env, []

    def run(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "crosspost", *args],
            cwd=self.project,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.texts.append((" ".join(args), result.stdout + result.stderr))
        return result


def assert_no_secret(where: str, blob: bytes | str) -> None:
    data = blob.encode("utf-8", "replace") if isinstance(blob, str) else blob
    for secret in SECRETS:
        assert secret.encode() not in data, f"{secret} leaked into {where}"


def scan_files(*roots: Path, skip: tuple[Path, ...] = ()) -> int:
    """Every file under `roots` (ledger, lock files, cards, logs, sessions), byte for byte."""
    seen = 0
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and path not in skip:
                assert_no_secret(str(path), path.read_bytes())
                seen += 1
    return seen


@pytest.fixture
def server():
    fake = FakeX(credentials=X_SECRETS).start()
    try:
        yield fake
    finally:
        fake.stop()


def test_no_secret_in_output_logs_or_ledger(server, project, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    t = Transcript(project, env_for(server, home))

    assert t.run("thread", "issue-34", "--dry-run").returncode == 0
    assert t.run("thread", "issue-34", "--dry-run", "--json").returncode == 0
    assert t.run("cards", "issue-34", "--dry-run").returncode == 0
    assert t.run("doctor").returncode == 0

    server.fail("unauthorized", method="POST", path="/2/tweets")  # a 401 in the middle of publishing
    refused = t.run("thread", "issue-34")
    assert refused.returncode == 1 and "401" in refused.stdout
    assert t.run("status", "issue-34").returncode == 0

    done = t.run("thread", "issue-34")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(server.live_posts()) >= 3
    assert t.run("status", "issue-34", "--json").returncode == 0
    assert t.run("status").returncode == 0

    server.fail("unauthorized", method="GET", path="/2/users/me")  # fails before any post: a traceback
    debug = t.run("--debug", "thread", "issue-34")
    assert debug.returncode != 0 and "Traceback" in debug.stderr and "401" in debug.stderr

    # doctor --online only with X credentials: an Instagram check here would go to the real site
    online = t.run("doctor", "--online", env=env_for(server, home, instagram=False))
    assert online.returncode == 0 and "signed in as @crosspost_test" in online.stdout

    assert t.run("undo", "issue-34", "--platform", "x", "--yes").returncode == 0
    assert server.live_posts() == [] and server.violations == []

    for command, text in t.texts:
        assert_no_secret(f"the output of `crosspost {command}`", text)
    signatures = {r.signature for r in server.calls() if r.signature}
    assert signatures
    for command, text in t.texts:  # nor the OAuth signatures made from them
        assert not any(sig in text for sig in signatures), command
    log = home / "data" / "crosspost.log"
    if log.exists():
        assert_no_secret(str(log), log.read_bytes())
    ledger = project / ".crosspost" / "ledger.db"
    assert ledger.is_file()
    assert_no_secret("the ledger", ledger.read_bytes())
    assert scan_files(project, home) >= 4


def test_secrets_file_is_private_and_its_values_never_printed(server, project, tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    env = env_for(server, home, with_env_secrets=False)
    monkeypatch.setenv("CROSSPOST_CONFIG_DIR", env["CROSSPOST_CONFIG_DIR"])
    path = save_credentials("x", X_SECRETS)  # what `crosspost login x` stores
    save_credentials("instagram", {"username": "eastwesthurricane", **IG_SECRETS})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.parent == home / "config"

    t = Transcript(project, env)
    done = t.run("thread", "issue-34")  # credentials from the file only
    assert done.returncode == 0, done.stdout + done.stderr
    assert t.run("status", "issue-34").returncode == 0
    assert t.run("doctor").returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # still private after being read
    for command, text in t.texts:
        assert_no_secret(f"the output of `crosspost {command}`", text)
    assert scan_files(project, home, skip=(path,)) >= 2


def test_doctor_online_for_both_platforms_in_process_logs_nothing_secret(
    server, fake_ig, project, tmp_path_factory, monkeypatch, caplog
):
    """In-process, so every library's DEBUG log record (OAuth signing included) is caught too."""
    from typer.testing import CliRunner

    from crosspost.cli import app

    home = tmp_path_factory.mktemp("home")
    for key, value in env_for(server, home).items():
        if key.startswith("CROSSPOST_"):
            monkeypatch.setenv(key, value)
    fake_ig.mock.add_passthru(server.url)  # X goes to the fake X server, Instagram to fakeig
    fake_ig.write_session(home / "data" / "instagram-session.json")
    caplog.set_level(logging.DEBUG)

    result = CliRunner().invoke(app, ["doctor", "--online"])
    assert result.exit_code == 0, result.output
    assert "x online: signed in as @crosspost_test" in result.output
    assert "instagram online: signed in as eastwesthurricane" in result.output
    assert_no_secret("doctor --online output", result.output)
    assert caplog.records, "expected library debug logs to scan"
    assert_no_secret("log records", "\n".join(r.getMessage() for r in caplog.records))
    scan_files(project, home)
