"""Secrets never leak, in any encoding: one redaction (crosspost.log.redact) for every message that is
printed, logged or stored; the secrets file written and checked so it can neither lock out every
credential nor be swapped by someone else."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import sqlite3
import stat
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from fakeig import fake_ig  # noqa: F401  (fixture)
from conftest import cli_env
from fakex import FakeX
from typer.testing import CliRunner

from crosspost import credentials, log
from crosspost.cli import app
from crosspost.credentials import ENV_VARS

ROOT = Path(__file__).resolve().parent.parent

# Characters that percent-encoding changes, so the encoded form differs from the raw one.
X_SECRETS = {
    "api_key": "SEKRIT/API+KEY=123456",
    "api_secret": "SEKRIT-API-SECRET-234567",
    "access_token": "SEKRIT-ACCESS/TOKEN+345678",  # no "<id>-" prefix: GET /2/users/me comes first
    "access_secret": "SEKRIT-ACCESS-SECRET-456789",
}
SECRET = "Pa$$ w/rd+=&Ünï-0123"


# ---------------------------------------------------------------- an independent oracle


def _base64_runs_decoded(text: str) -> list[bytes]:
    """Every run of base64 characters in `text`, decoded from each of its 4 possible group starts
    (standard and URL-safe alphabets), so a secret at any alignment inside one shows up."""
    out = []
    for run in re.findall(r"[A-Za-z0-9+/_-]{8,}", text):
        run = run.replace("-", "+").replace("_", "/")
        for start in range(4):
            chunk = run[start:]
            chunk = chunk[: len(chunk) - 1] if len(chunk) % 4 == 1 else chunk + "=" * (-len(chunk) % 4)
            try:
                out.append(base64.b64decode(chunk, validate=True))
            except (binascii.Error, ValueError):
                pass
    return out


def leaks(text: str, secrets) -> list[str]:
    """Which secrets `text` shows: raw, percent-encoded (either hex case, `+` for space) or inside base64."""
    found = []
    decoded = _base64_runs_decoded(text)
    for secret in secrets:
        quoted = urllib.parse.quote(secret, safe="")
        forms = {
            secret,
            quoted,
            urllib.parse.quote(secret),
            urllib.parse.quote_plus(secret),
            re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quoted),
        }
        if any(form in text for form in forms):
            found.append(f"{secret!r} (raw or percent-encoded)")
        elif any(form.encode() in blob for blob in decoded for form in forms):
            found.append(f"{secret!r} (base64)")
    return found


def test_the_oracle_sees_every_form():
    """The checks below would be worthless if this could miss one."""
    texts = [f"x {SECRET} y", urllib.parse.quote(SECRET, safe=""), urllib.parse.quote_plus(SECRET)]
    texts += [
        base64.b64encode(b"p" * pad + SECRET.encode() + b"q" * tail).decode() for pad in range(4) for tail in range(3)
    ]
    texts.append(base64.urlsafe_b64encode(b"Authorization: " + urllib.parse.quote(SECRET).encode()).decode())
    for text in texts:
        assert leaks(text, [SECRET]), text


# ---------------------------------------------------------------- redact()


@pytest.fixture
def known(monkeypatch):
    monkeypatch.setenv("CROSSPOST_INSTAGRAM_PASSWORD", SECRET)
    return SECRET


def test_a_url_encoded_secret_is_redacted(known):
    for encoded in (
        urllib.parse.quote(SECRET, safe=""),
        urllib.parse.quote(SECRET),
        urllib.parse.quote_plus(SECRET),
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), urllib.parse.quote(SECRET, safe="")),
    ):
        assert encoded != SECRET
        out = log.redact(f"GET /login?pw={encoded}&next=1 failed", patterns=False)
        assert encoded not in out and log.MASK in out and out.endswith("&next=1 failed")


@pytest.mark.parametrize("pad", range(6))
@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_a_secret_inside_base64_is_redacted_at_every_alignment(known, pad, encode):
    for value in (
        SECRET,
        urllib.parse.quote(SECRET, safe=""),
        urllib.parse.quote(SECRET),
        urllib.parse.quote_plus(SECRET),
    ):  # a header, URL or form body base64-encoded too
        blob = encode(b"Basic user:"[:pad] + value.encode() + b"; trailing").decode()
        assert leaks(blob, [SECRET])
        out = log.redact(f"echo {blob} end")
        assert not leaks(out, [SECRET]), out
        assert log.MASK in out


def test_raw_and_json_escaped_secrets_and_credential_shapes(known):
    echoed = json.dumps({"password": SECRET, "note": "fine"})
    out = log.redact(f"raw {SECRET}; json {echoed}; Authorization: Bearer abcdef123456; token=zzz999")
    assert not leaks(out, [SECRET]) and "abcdef123456" not in out and "zzz999" not in out
    assert '"note": "fine"' in out


def test_redact_line_redacts_before_it_cuts(known):
    text = "error\n  echo " + "x" * 30 + " " + known + " tail"
    cut = 30 + len("error echo  ") + len(known) // 2  # the limit falls inside the secret
    out = log.redact_line(text, limit=cut)
    assert out == ("error echo " + "x" * 30 + " " + log.MASK)[: cut - 1] + "…" and known[:4] not in out
    assert log.redact_line("a\tb\n c hunter22", ["hunter22"]) == f"a b c {log.MASK}"
    assert log.redact_line(None) == "" and log.redact_line("short", limit=5) == "short"


def test_values_registered_by_an_adapter_and_passed_as_extra_are_redacted():
    log.register_secrets(["sessionid-IGcookie-31337"])
    assert log.redact("cookie sessionid-IGcookie-31337 x", patterns=False) == f"cookie {log.MASK} x"
    assert log.redact("feed pw hunter22 x", ["hunter22"], patterns=False) == f"feed pw {log.MASK} x"


def test_a_preview_keeps_credential_shaped_words_but_not_values(known):
    """Output streams mask only values: a post may say 'password: never share it'."""
    text = f"Tip: the password: never share it ({SECRET})"
    assert log.redact(text, patterns=False) == f"Tip: the password: never share it ({log.MASK})"


# ---------------------------------------------------------------- the action log


def test_the_action_log_never_prints_a_secret_handed_to_it_directly(known, capsys):
    """No setup(): log.action must redact by itself (any handler, even logging's last resort)."""
    logger = logging.getLogger(log.LOGGER_NAME)
    old = logger.handlers[:], logger.level, logger.propagate
    stream = __import__("io").StringIO()
    handler = logging.StreamHandler(stream)
    logger.handlers, logger.propagate = [handler], False
    try:
        log.action("issue-34", "x", "failed", f"proxy echoed {urllib.parse.quote(SECRET)} / {SECRET}", error=True)
    finally:
        logger.handlers, logger.level, logger.propagate = old
    assert "issue-34 x failed proxy echoed" in stream.getvalue()
    assert not leaks(stream.getvalue(), [SECRET])


def test_the_log_file_and_stderr_redact_records_of_child_loggers(known):
    """setup()'s filter sits on its handlers: a child logger's record is redacted too."""
    stream = __import__("io").StringIO()
    log.setup(stream=stream)
    log.action("issue-34", "x", "failed", f"echo {SECRET}", error=True)
    logging.getLogger("crosspost.platforms.x").warning("echo %s", SECRET)
    try:
        raise ValueError(f"echo {SECRET}")
    except ValueError:  # a library logging an exception: its traceback text is redacted too
        logging.getLogger("crosspost.platforms.instagram.instagrapi").exception("boom")
    for handler in logging.getLogger(log.LOGGER_NAME).handlers:
        handler.flush()
    written = log.log_path().read_text(encoding="utf-8")
    assert written.count("echo [redacted]") == 3 and stream.getvalue().count("echo [redacted]") == 3
    assert not leaks(written + stream.getvalue(), [SECRET])


def test_instagrapi_debug_records_never_reach_the_log(fake_ig, tmp_path, project):
    """Even with crosspost's logger at DEBUG (what a --debug that lowered levels would do), the
    library's DEBUG dumps (whole login answers) are never made."""
    log.setup(stream=__import__("io").StringIO())
    logging.getLogger(log.LOGGER_NAME).setLevel(logging.DEBUG)
    made: list[logging.LogRecord] = []
    spy = logging.Handler(logging.DEBUG)
    spy.emit = made.append
    library = logging.getLogger("crosspost.platforms.instagram.instagrapi")
    library.addHandler(spy)
    try:
        adapter = fake_ig.adapter(tmp_path, saved_session=False)
        adapter.verify()  # a password login: instagrapi logs its answer at DEBUG
        logging.getLogger("crosspost.platforms.x").debug("a DEBUG line of ours")
    finally:
        library.removeHandler(spy)
    for handler in logging.getLogger(log.LOGGER_NAME).handlers:
        handler.flush()
    written = log.log_path().read_text(encoding="utf-8")
    assert "instagram.com" in written  # the library's INFO lines do arrive: the path is live
    assert "last_json" not in written and "private_request" not in written and "DEBUG line" not in written
    assert made and not [r for r in made if r.levelno < logging.INFO]  # never even made


# ---------------------------------------------------------------- case 12 through the CLI


def _env(server: FakeX, home: Path) -> dict:
    env = cli_env(home, CROSSPOST_X_API_URL=server.url)
    env.update({ENV_VARS["x"][k]: v for k, v in X_SECRETS.items()})
    return env


def _tables(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert {"events", "posts", "schedule"} <= set(names)
        return "\n".join(f"{name}: {row}" for name in names for row in con.execute(f"SELECT * FROM {name}"))
    finally:
        con.close()


def test_an_error_answer_echoing_the_request_leaks_no_secret_anywhere(project, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    outputs: list[tuple[str, subprocess.CompletedProcess]] = []

    def cli(*args: str) -> subprocess.CompletedProcess:
        res = subprocess.run(
            [sys.executable, "-m", "crosspost", *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        outputs.append((" ".join(args), res))
        return res

    with FakeX(credentials=X_SECRETS) as server:
        env = _env(server, home)
        server.fail("echo", path="/2/tweets", echo="raw")
        raw = cli("thread", "issue-34")
        server.fail("echo", path="/2/tweets", echo="base64")
        encoded = cli("thread", "issue-34")
        assert cli("schedule", "issue-34", "--to", "x", "--at", "now").returncode == 0
        server.fail("echo", path="/2/tweets", echo="base64")
        ran = cli("run")
        listed = cli("schedule", "--list")
        status = cli("status", "issue-34")
        as_json = cli("status", "issue-34", "--json")
        assert server.violations == []

    # the echo really reached every place it is checked in
    assert raw.returncode == 1 and "upstream refused the request; request: Authorization:" in raw.stdout
    assert encoded.returncode == 1 and "auth (base64): T0F1dGgg" in encoded.stdout
    assert ran.returncode == 1 and "auth (base64)" in ran.stderr
    assert "failed: x: X rejected the request" in listed.stdout and "auth (base64)" in listed.stdout
    assert "auth (base64)" in status.stdout and "auth (base64)" in as_json.stdout
    texts = {
        f"the output of `crosspost {cmd}` (#{n})": res.stdout + res.stderr for n, (cmd, res) in enumerate(outputs, 1)
    }
    texts["crosspost.log"] = (home / "data" / "crosspost.log").read_text(encoding="utf-8")
    texts["the ledger's tables"] = _tables(project / ".crosspost" / "ledger.db")
    assert "auth (base64)" in texts["crosspost.log"] and "auth (base64)" in texts["the ledger's tables"]
    for where, text in texts.items():
        assert not leaks(text, X_SECRETS.values()), f"{where}: {leaks(text, X_SECRETS.values())}"
    for path in [*project.rglob("*"), *home.rglob("*")]:  # every file written, byte for byte
        if path.is_file():
            assert not leaks(path.read_bytes().decode("latin-1"), X_SECRETS.values()), path


def test_every_store_redacts_what_it_is_handed(known, tmp_path):
    """Each sink on its own (the adapters redact first; these must not depend on it)."""
    from fakeplatform import make_plan

    from crosspost.ledger import Key, Ledger
    from crosspost.schedule import Entry, Schedule

    echo = "refused; auth (base64): " + base64.b64encode(b"OAuth k=" + SECRET.encode()).decode()
    straddling = "x" * 490 + SECRET  # the 500-character cut falls inside the secret
    plan = make_plan(tmp_path / "cards", n=1)
    db = tmp_path / "ledger.db"
    with Ledger(db) as ledger:
        key = Key(plan.issue_id, "x", "acct", 1)
        ledger.mark_sending(key, plan.posts[0], reply_to=None)
        ledger.mark_pending(key, error=straddling)
        ledger.mark_failed(key, echo)
    with Schedule(db) as sched:
        sched.upsert(Entry(plan.issue_id, "x", "issues/x.txt", 0.0, 0.0, "UTC", 1))
        sched.update(plan.issue_id, "x", state="failed", error=echo)
        sched.hold("x", 2e9, echo)
    stored = _tables(db)
    assert stored.count("auth (base64)") >= 4 and "xxxxx" in stored
    assert not leaks(stored, [SECRET]) and SECRET[:8] not in stored


def test_x_keeps_no_part_of_a_secret_its_300_character_cut_falls_in(known):
    import requests

    from crosspost.platforms.x.adapter import error_from_response

    response = requests.Response()
    response.status_code, response.reason = 400, "Bad Request"
    response._content = json.dumps({"title": "Bad Request", "detail": "e" * 290 + SECRET}).encode()
    message = str(error_from_response(response, "publish the post"))
    assert "eeee" in message and SECRET[:6] not in message


def test_rows_stored_by_an_older_version_are_shown_redacted(project, known, tmp_path_factory):
    """`status` and `schedule --list` print what is stored; an older crosspost stored errors raw."""
    assert CliRunner().invoke(app, ["schedule", "issue-34", "--to", "x", "--at", "now"]).exit_code == 0
    from crosspost.ledger import Ledger

    Ledger(project / ".crosspost" / "ledger.db").close()
    con = sqlite3.connect(project / ".crosspost" / "ledger.db")
    raw = f"old echo {SECRET} {urllib.parse.quote(SECRET, safe='')} password=legacy-pw-77"
    with con:
        con.execute("UPDATE schedule SET state='failed', error=?", (raw,))
        con.execute(
            "INSERT INTO posts (issue_id, platform, account, position, content_hash, state, error, "
            "created_at, updated_at) VALUES ('issue-34', 'x', 'acct', 1, 'h', 'failed', ?, 0, 0)",
            (raw,),
        )
    con.close()
    for args in (["status", "issue-34"], ["status", "issue-34", "--json"], ["schedule", "--list"]):
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0 and "old echo" in res.output, res.output
        assert not leaks(res.output, [SECRET]), (args, res.output)
    assert "legacy-pw-77" not in CliRunner().invoke(app, ["schedule", "--list"]).output


# ---------------------------------------------------------------- item 13 and doctor (item 17)


def test_a_saved_value_with_control_characters_reads_back_and_locks_nothing_out(project):
    odd = 'pw\x01with\ttab\r\n"quote"\\back\x7f'
    credentials.save_credentials("x", X_SECRETS)
    credentials.save_credentials("instagram", {"username": "ewh", "password": odd})
    assert credentials.load_credentials("instagram") == {"username": "ewh", "password": odd}
    assert credentials.load_credentials("x") == X_SECRETS
    res = CliRunner().invoke(app, ["doctor"])
    assert "ok   secrets file" in res.output and "ok   x credentials: present" in res.output
    assert "FAIL" not in res.output.replace("FAIL issues", "")


def _private_secrets_file() -> Path:
    return credentials.save_credentials("x", X_SECRETS)


@pytest.mark.parametrize("folder_mode", [0o770, 0o703, 0o777], ids=oct)
def test_a_secrets_file_in_a_folder_others_can_write_is_refused(project, folder_mode):
    path = _private_secrets_file()
    os.chmod(path.parent, folder_mode)
    try:
        res = subprocess.run(
            [sys.executable, "-m", "crosspost", "thread", "issue-34"],
            cwd=project,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        with pytest.raises(credentials.InputError):
            credentials.save_credentials("x", {"api_key": "other"})  # nor is one written there
    finally:
        os.chmod(path.parent, 0o700)
    assert res.returncode == 2 and res.stdout == "" and "Traceback" not in res.stderr
    assert res.stderr == (
        f"crosspost: error: {path}: the secrets file's folder is writable by others "
        f"(mode {folder_mode:o}); run: chmod 700 {path.parent}\n"
    )


@pytest.mark.parametrize("break_it", ["file mode", "folder mode", "not toml"])
def test_doctor_reports_exactly_what_loading_refuses(project, break_it):
    path = _private_secrets_file()
    if break_it == "file mode":
        os.chmod(path, 0o644)
    elif break_it == "folder mode":
        os.chmod(path.parent, 0o775)
    else:
        path.write_text('[x]\napi_key = "unterminated\n', encoding="utf-8")
    try:
        with pytest.raises(credentials.InputError) as refused:
            credentials.load_credentials("x")
        res = CliRunner().invoke(app, ["doctor"])
    finally:
        os.chmod(path.parent, 0o700)
    assert res.exit_code == 1
    assert f"FAIL secrets file: {refused.value}" in res.output, res.output
    assert "ok   secrets file" not in res.output
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_urls_password_is_redacted_wherever_it_appears():
    from crosspost.log import redact_line

    line = redact_line("could not connect to postgresql://crosspost:s3cr3t-pw@db.example:5432/news: timeout")
    assert "s3cr3t-pw" not in line and "postgresql://crosspost:[redacted]@db.example:5432/news" in line
    assert redact_line("see http://example.com/a:b@c") == "see http://example.com/a:b@c"  # a path, not a password
