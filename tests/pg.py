"""A throwaway PostgreSQL cluster on 127.0.0.1 for the tests that need a real server.

`pg_server` (session fixture) finds the server's binaries (`initdb`, `pg_ctl`: on PATH, else the highest version in
/usr/lib/postgresql/*/bin, where Debian's `postgresql` package puts them), makes a cluster in a fresh temporary
folder (trust authentication, superuser `postgres`, UTF8, no fsync: nothing in it outlives the session), starts it
on 127.0.0.1 at a free port with its unix socket in that folder, and yields a `PGServer`; at the end it stops the
server (`pg_ctl stop -m immediate`) and deletes the folder. Under pytest-xdist each worker that needs one starts its
own (a port and a folder of its own). `pg_url` is its URL, `postgresql://postgres@127.0.0.1:<port>/postgres`, and
`pg_db` (per test) the URL of a database of its own, created empty for the test and dropped after it.

initdb and postgres refuse to run as root: run as root (CI, this machine), the cluster is made and run as the
`postgres` account Debian's package creates, else as `nobody`, which owns the temporary folder.

Without the binaries the tests that use these fixtures are skipped, unless CROSSPOST_REQUIRE_PG=1 (set by .ci/run),
when they fail.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
import uuid
from dataclasses import dataclass
from typing import Iterator

import pytest

REQUIRE_ENV = "CROSSPOST_REQUIRE_PG"
START_TIMEOUT = 60  # seconds pg_ctl waits for the server to accept connections
# Durability off: the cluster is thrown away, and a test's speed is what matters
SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "listen_addresses": "127.0.0.1",
}


@dataclass
class PGServer:
    url: str  # postgresql://postgres@127.0.0.1:<port>/postgres
    host: str
    port: int
    bin_dir: Path
    base: Path  # the temporary folder: data/, the server's log, its unix socket
    startup_seconds: float  # initdb + start, until it accepts connections

    def db_url(self, name: str) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{name}"


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name  # /usr/lib/postgresql/<version>/bin/initdb
    return tuple(int(n) for n in re.findall(r"\d+", version)) or (0,)


def find_bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl (and postgres beside them), or None."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    found = [p for p in glob.glob("/usr/lib/postgresql/*/bin/initdb") if os.access(p, os.X_OK)]
    for initdb in sorted(found, key=_version_key, reverse=True):
        folder = Path(initdb).parent
        if (folder / "pg_ctl").exists() and (folder / "postgres").exists():
            return folder
    return None


def _server_account() -> pwd.struct_passwd | None:
    """Whom the server runs as: None (the current user) unless that is root, which postgres refuses."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and there is neither a `postgres` nor a `nobody` account to run postgres as")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Runner:
    """Runs the server's programs as the account that owns the cluster, with no PG* variables of the caller."""

    def __init__(self, bin_dir: Path, base: Path, account: pwd.struct_passwd | None):
        self.bin_dir, self.base, self.account = bin_dir, base, account
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        self.env.update(LC_ALL="C", LANG="C")
        if account is not None:
            self.env.update(HOME=str(base), USER=account.pw_name, LOGNAME=account.pw_name)

    def run(self, program: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        kwargs: dict = {}
        if self.account is not None:
            kwargs = {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}
        return subprocess.run(
            [str(self.bin_dir / program), *args],
            cwd=self.base,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            **kwargs,
        )


def _tmp_base(account: pwd.struct_passwd | None) -> Path:
    """A fresh folder the server's account can reach: under root, in /tmp (TMPDIR may be root's own)."""
    parent = tempfile.gettempdir() if account is None else "/tmp"
    base = Path(tempfile.mkdtemp(prefix="crosspost-pg-", dir=parent))
    if account is not None:
        os.chown(base, account.pw_uid, account.pw_gid)
    return base


def _log_tail(base: Path, lines: int = 20) -> str:
    try:
        return "\n".join((base / "server.log").read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start(bin_dir: Path) -> PGServer:
    """initdb and start a cluster; the caller stops it with `stop`."""
    started = time.monotonic()
    account = _server_account()
    base = _tmp_base(account)
    runner = _Runner(bin_dir, base, account)
    try:
        data = base / "data"
        done = runner.run(
            "initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        for _ in range(5):  # another process may take the free port before the server binds it
            port = _free_port()
            settings = {**SERVER_SETTINGS, "port": str(port), "unix_socket_directories": str(base)}
            options = " ".join(f"-c {k}={v}" for k, v in settings.items())
            log = str(base / "server.log")
            args = ["start", "-D", str(data), "-l", log, "-w", "-t", str(START_TIMEOUT), "-o", options]
            done = runner.run("pg_ctl", *args, timeout=START_TIMEOUT + 30)
            if done.returncode == 0:
                break
            tail = _log_tail(base)
            if "could not bind" not in tail and "in use" not in tail:
                raise RuntimeError(f"the PostgreSQL test server did not start ({done.returncode}):\n{tail}")
            (base / "server.log").unlink(missing_ok=True)
        else:
            raise RuntimeError(f"the PostgreSQL test server found no free port:\n{_log_tail(base)}")
        ready = runner.run("pg_isready", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-t", "30")
        if ready.returncode != 0:
            stop_server(runner, data)
            raise RuntimeError(f"the PostgreSQL test server does not accept connections: {ready.stdout.strip()}")
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    server = PGServer(url, "127.0.0.1", port, bin_dir, base, time.monotonic() - started)
    server._runner = runner  # type: ignore[attr-defined]
    return server


def stop_server(runner: _Runner, data: Path) -> None:
    done = runner.run("pg_ctl", "stop", "-D", str(data), "-m", "immediate", "-w", "-t", "30", timeout=60)
    if done.returncode != 0 and (data / "postmaster.pid").exists():
        try:  # pg_ctl could not stop it: the postmaster's pid is the first line of postmaster.pid
            os.kill(int((data / "postmaster.pid").read_text().split()[0]), 9)
        except (OSError, ValueError, IndexError):
            pass


def stop(server: PGServer) -> None:
    try:
        stop_server(server._runner, server.base / "data")  # type: ignore[attr-defined]
    finally:
        shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PGServer]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        reason = (
            "the PostgreSQL server is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin): "
            "`apt-get install postgresql`"
        )
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(reason + f" ({REQUIRE_ENV}=1)")
        pytest.skip(reason)
    server = start(bin_dir)
    try:
        yield server
    finally:
        stop(server)


@pytest.fixture(scope="session")
def pg_url(pg_server: PGServer) -> str:
    """postgresql://postgres@127.0.0.1:<port>/postgres of this worker's throwaway cluster."""
    return pg_server.url


def new_database(server: PGServer, prefix: str = "t") -> str:
    """Create a new, empty database on `server`; its URL."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server.url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return server.db_url(name)


@pytest.fixture
def pg_db(pg_server: PGServer) -> Iterator[str]:
    """The URL of a new, empty database for this test alone; dropped after it (its connections closed)."""
    import psycopg

    url = new_database(pg_server)
    name = url.rsplit("/", 1)[1]
    try:
        yield url
    finally:
        with psycopg.connect(pg_server.url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path: Path) -> str | Path:
    """Where a ledger and a schedule live, once per backend: the SQLite file (tmp_path/ledger.db)
    and a fresh PostgreSQL database of its own (its URL)."""
    if request.param == "sqlite":
        return tmp_path / "ledger.db"
    return request.getfixturevalue("pg_db")
