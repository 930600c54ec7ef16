"""Files and folders crosspost cannot use: one line naming the file, exit 2, no traceback (issue 8, 14, 16, 17).

Each case goes through the CLI's own entry point (`crosspost.cli.main`, argv and all), in this process so the
machine can be made to refuse at the OS boundary where a real refusal is impossible here: the tests run as
root, and chmod does not stop root. Where a real refusal exists it is used (a path under a file, /dev/null,
/proc, a folder where a file belongs); a read-only folder is `os.open` failing with EROFS, a full disk and a
read-only ledger are SQLite's own SQLITE_FULL and SQLITE_READONLY (max_page_count, query_only).
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakex import TEST_CREDENTIALS

from crosspost import cli
from crosspost.config import load_config
from crosspost.schedule import Entry, Schedule

ROOT = Path(__file__).resolve().parent.parent


def crosspost(capsys, *args: str) -> tuple[int, str, str]:
    """Run `crosspost ARGS` through the real entry point; (exit code, stdout, stderr)."""
    capsys.readouterr()
    argv = sys.argv
    sys.argv = ["crosspost", *args]
    try:
        cli.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = argv
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str, *words: str) -> str:
    """The single error line on stderr, checked to contain every word and no traceback."""
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def toml(project: Path, text: str) -> None:
    (project / "crosspost.toml").write_text(text, encoding="utf-8")


def scheduled(project: Path) -> dict[str, Entry]:
    with Schedule(project / ".crosspost" / "ledger.db") as sched:
        return {e.target: e for e in sched.entries()}


def outbox_posts(project: Path) -> list[Path]:
    return sorted((project / "outbox" / "issue-34").glob("*.json"))


# -- 16: output folders that are files, devices or /proc ------------------------------------------------


@pytest.mark.parametrize(
    "out, problem",
    [
        ("a-file", "exists and is not a folder"),
        ("a-file/cards", "a part of the path is a file"),
        ("/dev/null", "exists and is not a folder"),
        ("/proc", "no new file can be created in it"),
    ],
)
def test_cards_out_that_cannot_hold_files(project, capsys, out, problem):
    (project / "a-file").write_text("x", encoding="utf-8")
    code, _, err = crosspost(capsys, "cards", "issue-34", "--dry-run", "--out", out)
    assert code == 2
    assert one_line(err, problem).startswith(f"crosspost: error: {out}: ")


def test_cards_out_on_a_read_only_folder(project, capsys, monkeypatch):
    (project / "cards").mkdir()
    _read_only(monkeypatch, project / "cards")
    code, _, err = crosspost(capsys, "cards", "issue-34", "--dry-run", "--out", "cards")
    assert code == 2
    one_line(err, "cards: cannot write the cards folder", "read-only file system")


def test_out_dir_that_is_a_file(project, capsys):
    (project / "a-file").write_text("x", encoding="utf-8")
    toml(project, 'out_dir = "a-file"\n')
    code, _, err = crosspost(capsys, "thread", "issue-34", "--dry-run")
    assert code == 2
    one_line(err, str(project / "a-file" / "issue-34"), "not a folder")


@pytest.mark.parametrize("where", ["a-file", "/proc"])
def test_outbox_path_that_cannot_hold_files_fails_before_anything_is_sent(project, capsys, where):
    (project / "a-file").write_text("x", encoding="utf-8")
    toml(project, f'[outbox]\npath = "{where}"\n')
    code, _, err = crosspost(capsys, "thread", "issue-34", "--to", "outbox")
    assert code == 2
    one_line(err, "outbox.path")
    code, out, _ = crosspost(capsys, "status", "--json")
    assert code == 0 and json.loads(out) == []  # nothing recorded as sent or maybe-sent


# -- 16: a theme font that is not a font, a logo that is not an image ------------------------------------


@pytest.mark.parametrize("content", [b"not a font at all", "half"])
def test_theme_font_that_is_not_a_font(project, capsys, content):
    if content == "half":  # a real font cut in half: fontTools opens it, then fails on a table
        whole = (ROOT / "assets" / "fonts" / "Inter-Bold.ttf").read_bytes()
        content = whole[: len(whole) // 2]
    (project / "brand.ttf").write_bytes(content)
    toml(project, '[theme]\nquote_font = "brand.ttf"\n')
    code, _, err = crosspost(capsys, "cards", "issue-34", "--dry-run")
    assert code == 2
    one_line(err, str(project / "brand.ttf"), "theme.quote_font", "not a TrueType or OpenType font")


@pytest.mark.parametrize("cut", [None, 60])
def test_logo_that_is_not_an_image(project, capsys, cut):
    from PIL import Image

    logo = project / "logo.png"
    if cut is None:
        logo.write_bytes(b"<svg>not a raster image</svg>")
    else:  # a PNG whose header is fine and whose pixels are missing
        Image.new("RGB", (64, 32), "red").save(logo)
        logo.write_bytes(logo.read_bytes()[:cut])
    toml(project, '[theme]\nlogo = "logo.png"\n')
    code, _, err = crosspost(capsys, "cards", "issue-34", "--dry-run")
    assert code == 2
    one_line(err, str(logo), "theme.logo", "not an image")


# -- 16: crosspost.toml or the secrets file being a folder ----------------------------------------------


def test_config_file_that_is_a_folder(project, capsys):
    (project / "crosspost.toml").mkdir()
    code, _, err = crosspost(capsys, "show", "issue-34")
    assert code == 2
    one_line(err, str(project / "crosspost.toml"), "a folder, not a file")


@pytest.mark.parametrize("mode", [0o700, 0o755])
def test_secrets_file_that_is_a_folder(project, capsys, monkeypatch, tmp_path, mode):
    folder = tmp_path / "secrets.toml"
    folder.mkdir(mode=mode)
    folder.chmod(mode)
    monkeypatch.setenv("CROSSPOST_SECRETS_FILE", str(folder))
    code, _, err = crosspost(capsys, "thread", "issue-34", "--to", "x")
    assert code == 2
    line = one_line(err, str(folder), "is a folder, not a file")
    assert "readable by others" not in line


# -- 16: the data dir and crosspost.log: logging degrades to stderr, the run still publishes ---------------


def _due_outbox_thread(project: Path, capsys) -> None:
    code, _, err = crosspost(capsys, "schedule", "issue-34", "--to", "outbox:x", "--at", "now")
    assert code == 0, err


@pytest.mark.parametrize("how", ["data dir under a file", "log is a folder", "log owned by root"])
def test_an_unwritable_log_is_one_warning_and_the_run_still_publishes(project, capsys, monkeypatch, tmp_path, how):
    _due_outbox_thread(project, capsys)
    data = tmp_path / "data"
    if how == "data dir under a file":
        (tmp_path / "a-file").write_text("x", encoding="utf-8")
        data = tmp_path / "a-file" / "crosspost"
    elif how == "log is a folder":
        (data / "crosspost.log").mkdir(parents=True)
    else:  # root ignores chmod: refuse at the OS boundary, as open(2) would for another user's 0644 file
        import logging

        def refuse(self):
            raise PermissionError(errno.EACCES, "Permission denied", self.baseFilename)

        monkeypatch.setattr(logging.FileHandler, "_open", refuse)
    monkeypatch.setenv("CROSSPOST_DATA_DIR", str(data))
    code, _, err = crosspost(capsys, "run", "--quiet")
    assert code == 0, err
    assert one_line(err, "warning: cannot write the log file", "logging to stderr only")
    assert len(outbox_posts(project)) == 5
    assert scheduled(project)["outbox:x"].state == "done"


def test_an_unwritable_log_in_a_real_cron_run(project, tmp_path):
    """The same through a real process, as cron starts it: a crash here was every cron run failing."""
    subprocess.run(
        [sys.executable, "-m", "crosspost", "schedule", "issue-34", "--to", "outbox:x", "--at", "now"],
        cwd=project,
        check=True,
        capture_output=True,
    )
    (tmp_path / "data" / "crosspost.log").mkdir(parents=True)
    res = subprocess.run(
        [sys.executable, "-m", "crosspost", "run", "--quiet"],
        cwd=project,
        capture_output=True,
        text=True,
        env=dict(os.environ, CROSSPOST_DATA_DIR=str(tmp_path / "data")),
        timeout=120,
    )
    assert res.returncode == 0
    one_line(res.stderr, "cannot write the log file")
    assert len(outbox_posts(project)) == 5


def test_cron_with_an_unusable_data_dir(project, capsys, monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    monkeypatch.setenv("CROSSPOST_DATA_DIR", str(tmp_path / "a-file"))
    code, out, err = crosspost(capsys, "cron")
    assert code == 2 and out == ""
    one_line(err, str(tmp_path / "a-file"), "CROSSPOST_DATA_DIR", "not a folder")


# -- 16: a read-only lock folder ----------------------------------------------------------------------


def _read_only(monkeypatch, folder: Path) -> None:
    """Files under `folder` cannot be created or opened for writing (EROFS), as on a read-only mount."""
    real_open = os.open

    def open_(path, flags, *args, **kwargs):
        if str(path).startswith(str(folder)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)


def test_a_read_only_lock_folder(project, capsys, monkeypatch):
    _due_outbox_thread(project, capsys)
    locks = project / ".crosspost" / "ledger.db.locks"
    locks.mkdir()
    with monkeypatch.context() as patch:
        _read_only(patch, locks)
        code, _, err = crosspost(capsys, "thread", "issue-34", "--to", "outbox")
        assert code == 2
        one_line(err, str(locks), "publish lock", "read-only file system")
        code, _, err = crosspost(capsys, "run", "--quiet")  # cron: logged, the entry stays due
        assert "read-only file system" in err and "Traceback" not in err
    assert outbox_posts(project) == []
    assert scheduled(project)["outbox:x"].state == "scheduled"  # not failed: it goes out once the folder is fixed
    assert crosspost(capsys, "run", "--quiet")[0] == 0
    assert len(outbox_posts(project)) == 5


# -- 16: SQLite's disk full, read-only database, database locked ------------------------------------------


def _sqlite_pragma(monkeypatch, pragma: str) -> None:
    """Every connection to the ledger opens with `pragma`, so SQLite itself refuses the write."""
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):
        db = real_connect(*args, **kwargs)
        db.execute(pragma)
        return db

    monkeypatch.setattr(sqlite3, "connect", connect)


def test_a_full_disk_under_the_ledger(project, capsys, monkeypatch):
    _sqlite_pragma(monkeypatch, "PRAGMA max_page_count = 1")  # SQLITE_FULL: what a full disk returns
    for args in (["schedule", "issue-34", "--to", "outbox:x", "--at", "now"], ["thread", "issue-34", "--to", "outbox"]):
        code, _, err = crosspost(capsys, *args)
        assert code == 2
        line = one_line(err, str(project / ".crosspost" / "ledger.db"), "the disk is full")
        assert "not a usable" not in line
    assert outbox_posts(project) == []


def test_a_read_only_ledger(project, capsys, monkeypatch):
    _due_outbox_thread(project, capsys)
    _sqlite_pragma(monkeypatch, "PRAGMA query_only = 1")  # SQLITE_READONLY: a write to a read-only database
    code, _, err = crosspost(capsys, "schedule", "issue-34", "--to", "outbox:x", "--at", "now")
    assert code == 2
    line = one_line(err, str(project / ".crosspost" / "ledger.db"), "cannot write the ledger", "read-only")
    assert "not a usable" not in line


def test_a_locked_ledger_names_the_process_holding_it(project, capsys, monkeypatch):
    """17: not "not a usable crosspost ledger" after 31 s: who holds it (here: a process that took the
    run lock and a write transaction and never let go)."""
    from crosspost import ledger
    from crosspost.runner import run_lock_path

    _due_outbox_thread(project, capsys)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\nfrom filelock import FileLock\n"
            "FileLock(sys.argv[2]).acquire()\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None); db.execute('BEGIN IMMEDIATE')\n"
            "print('held', flush=True); time.sleep(120)",
            str(project / ".crosspost" / "ledger.db"),
            str(run_lock_path(load_config(project))),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(ledger, "BUSY_TIMEOUT_MS", 200)  # the wait is not what is tested
        code, _, err = crosspost(capsys, "schedule", "issue-34", "--to", "outbox:x", "--at", "now")
    finally:
        holder.kill()
        holder.wait()
    assert code == 2
    line = one_line(err, "another process holds the ledger locked", f"pid {holder.pid} ")
    assert "not a usable" not in line


# -- 16: absurd schedule times are refused before anything is stored; stored ones never crash --------------


@pytest.mark.parametrize(
    "args, problem",
    [
        (["--spread", "99999999999999999999d"], "longer than ten years"),
        (["--at", "9999-12-31T23:59"], "more than ten years from now"),
        (["--at", "0001-01-01T00:00+05:00"], "more than ten years from now"),
        (["--to", "outbox:instagram", "--at", "now", "--spread", "3000d"], "use a shorter --spread"),
    ],
)
def test_absurd_times_are_refused_before_storing(project, capsys, args, problem):
    to = [] if "--to" in args else ["--to", "outbox"]
    code, _, err = crosspost(capsys, "schedule", "issue-34", *to, *args)
    assert code == 2
    one_line(err, problem)
    assert not (project / ".crosspost").exists()


def test_status_and_list_survive_a_stored_out_of_range_time(project, capsys):
    """An entry an older crosspost stored at 9999-12-31 (or beyond) is shown, not a crash."""
    with Schedule(project / ".crosspost" / "ledger.db") as sched:
        sched.upsert(
            Entry("issue-34", "outbox:instagram", "issues/issue-34.txt", 253402300740.0, spread=86400.0, posts=3)
        )
        sched.upsert(Entry("issue-34", "outbox:x", "issues/issue-34.txt", 1e300, posts=5))
    for args in (["status"], ["schedule", "--list"], ["schedule", "--list", "--json"]):
        code, out, err = crosspost(capsys, *args)
        assert code == 0, err
        assert "9999-12-31 23:59" in out and "out of range" in out
    code, out, _ = crosspost(capsys, "run")
    assert code == 0 and "Nothing due" in out
    code, out, _ = crosspost(capsys, "unschedule", "issue-34")
    assert code == 0 and "Unscheduled issue-34 outbox:x" in out


# -- 17: a malformed CROSSPOST_X_API_URL is a configuration error, before anything is sent ----------------


def _x_credentials(monkeypatch) -> None:
    for key, env in {
        "api_key": "CROSSPOST_X_API_KEY",
        "api_secret": "CROSSPOST_X_API_SECRET",
        "access_token": "CROSSPOST_X_ACCESS_TOKEN",
        "access_secret": "CROSSPOST_X_ACCESS_SECRET",
    }.items():
        monkeypatch.setenv(env, TEST_CREDENTIALS[key])


@pytest.mark.parametrize("url", ["api.x.com", "http://127.0.0.1:99999", "http://", "http://[::1"])
def test_a_malformed_x_api_url_is_refused_before_sending(project, capsys, monkeypatch, url):
    _x_credentials(monkeypatch)
    monkeypatch.setenv("CROSSPOST_X_API_URL", url)
    code, _, err = crosspost(capsys, "thread", "issue-34", "--to", "x")
    assert code == 2
    line = one_line(err, "CROSSPOST_X_API_URL", "nothing was sent")
    assert "may or may not" not in line
    assert not (project / ".crosspost").exists()  # no post recorded as sending


def test_a_malformed_x_api_url_in_a_run_needs_a_fix_and_is_not_retried(project, capsys, monkeypatch):
    _x_credentials(monkeypatch)
    assert crosspost(capsys, "schedule", "issue-34", "--to", "x", "--at", "now")[0] == 0
    monkeypatch.setenv("CROSSPOST_X_API_URL", "api.x.com")
    code, _, err = crosspost(capsys, "run", "--quiet")
    assert code == 2 and "CROSSPOST_X_API_URL is not a usable X API URL" in err
    entry = scheduled(project)["x"]
    assert entry.state == "failed" and "CROSSPOST_X_API_URL" in entry.error
    with sqlite3.connect(project / ".crosspost" / "ledger.db") as db:
        assert db.execute("SELECT count(*) FROM posts").fetchone()[0] == 0


# -- 17: a file just over 5 MB says a size over 5 MB --------------------------------------------------------


def test_a_file_just_over_the_limit_shows_a_size_over_the_limit(project, capsys):
    path = project / "issues" / "issue-35.txt"
    with path.open("wb") as fh:  # sparse: 5,250,000 bytes on paper
        fh.truncate(5_250_000)
    code, _, err = crosspost(capsys, "show", "issue-35")
    assert code == 2
    line = one_line(err, str(Path("issues") / "issue-35.txt"), "5.01 MB; the limit is 5 MB")
    assert "5.0 MB" not in line


# -- 14: with schedule.auto, a broken issue file is said once, then left alone ----------------------------


BOMB = "\n".join(
    ["---", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]" for n, p in zip("bcdefghi", "abcdefgh")]
    + ["title: bomb", "---", "", "## A", "", "Text.", "", "## B", "", "Text.", ""]
)


def test_auto_skips_a_finished_broken_file_once_and_publishes_the_rest(project, capsys):
    toml(project, '[schedule]\nauto = true\nto = ["outbox:x"]\n')
    assert crosspost(capsys, "run", "--quiet") == (0, "", "")  # auto on: issue-34 is the back catalogue
    _due_outbox_thread(project, capsys)
    bomb = project / "issues" / "issue-36.md"
    bomb.write_text(BOMB, encoding="utf-8")
    old = time.time() - 120  # written two minutes ago: finished, not half-written
    os.utime(bomb, (old, old))
    code, _, err = crosspost(capsys, "run", "--quiet")
    assert code == 2  # said once, with the fix
    line = one_line(err, "issue-36", "auto skipped", "aliases", "crosspost schedule issue-36")
    assert len(line) < 400
    assert len(outbox_posts(project)) == 5  # the other due entry went out
    assert crosspost(capsys, "run", "--quiet") == (0, "", "")  # and never again


def test_auto_retries_a_broken_file_that_may_still_be_being_written(project, capsys):
    toml(project, '[schedule]\nauto = true\nto = ["outbox:x"]\n')
    assert crosspost(capsys, "run", "--quiet")[0] == 0
    (project / "issues" / "issue-36.md").write_text(BOMB, encoding="utf-8")  # fresh: may be half-written
    for _ in range(2):
        code, _, err = crosspost(capsys, "run", "--quiet")
        assert code == 2
        one_line(err, "issue-36", "aliases")
        assert "skipped" not in err


# -- found by an adversarial review: files that block, nest or are not text --------------------------


def test_a_config_that_is_a_pipe_does_not_hang(project, capsys):
    os.mkfifo(project / "crosspost.toml")
    code, out, err = crosspost(capsys, "thread", "issue-34", "--dry-run")
    assert code == 2
    one_line(err, "crosspost.toml", "not a regular file")


def test_a_config_nested_thousands_deep_is_one_line(project, capsys):
    toml(project, "a = " + "[" * 100_000)
    code, out, err = crosspost(capsys, "thread", "issue-34", "--dry-run")
    assert code == 2
    one_line(err, "crosspost.toml", "nested too deeply")


@pytest.mark.parametrize("content", ["fifo", "binary"])
def test_an_outbox_id_file_that_is_not_text_is_one_line(project, capsys, content):
    outbox = project / "outbox"
    outbox.mkdir()
    if content == "fifo":
        os.mkfifo(outbox / ".crosspost-outbox-id")
    else:
        (outbox / ".crosspost-outbox-id").write_bytes(b"\xff\x00")
    code, out, err = crosspost(capsys, "thread", "issue-34", "--to", "outbox")
    assert code == 2
    one_line(err, ".crosspost-outbox-id")
    assert not list(outbox.glob("issue-34/*.json"))


@pytest.mark.parametrize("preview", [["--json"], ["--quiet"]])
def test_every_preview_refuses_a_lost_ledger(project, capsys, preview):
    assert crosspost(capsys, "thread", "issue-34", "--to", "outbox")[0] == 0
    ledger = project / ".crosspost" / "ledger.db"
    for extra in ledger.parent.glob("ledger.db-*"):
        extra.unlink()
    ledger.write_bytes(b"")
    args = (
        ["--quiet", "thread", "issue-34", "--dry-run"]
        if preview == ["--quiet"]
        else ["thread", "issue-34", "--dry-run", "--json"]
    )
    code, out, err = crosspost(capsys, *args)
    assert code == 2
    one_line(err, "ledger.db", "empty")


def test_an_email_of_nested_multiparts_is_refused_quickly(project, capsys):
    body = b"--a\nContent-Type: multipart/mixed; boundary=a\n\n" * 20_000
    (project / "issues" / "issue-39.eml").write_bytes(
        b"Subject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=a\n\n" + body
    )
    code, out, err = crosspost(capsys, "thread", "issue-39", "--dry-run")
    assert code == 2
    one_line(err, "issue-39.eml", "multipart")
