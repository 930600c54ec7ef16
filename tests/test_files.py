"""files.atomic_write: all or nothing, never over a file when asked not to, secrets 0600 from the start."""

from __future__ import annotations

import os
import stat

from crosspost.files import atomic_write


def test_writes_and_replaces(tmp_path):
    path = tmp_path / "a.json"
    assert atomic_write(path, b"one")
    assert atomic_write(path, b"two")
    assert path.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # no temporary file left behind


def test_exclusive_never_replaces_an_existing_file(tmp_path):
    path = tmp_path / "issue.html"
    path.write_bytes(b"the writer's own file")
    assert atomic_write(path, b"fetched", exclusive=True) is False
    assert path.read_bytes() == b"the writer's own file"
    assert [p.name for p in tmp_path.iterdir()] == ["issue.html"]
    new = tmp_path / "new.html"
    assert atomic_write(new, b"fetched", exclusive=True, mtime=1_000_000_000)
    assert new.read_bytes() == b"fetched" and int(new.stat().st_mtime) == 1_000_000_000


def test_mode_is_exact_despite_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        path = tmp_path / "public.txt"
        atomic_write(path, b"x", mode=0o644)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    secret = tmp_path / "secrets.toml"
    atomic_write(secret, b"token", mode=0o600)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
