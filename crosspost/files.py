"""Writing files so that a crash, a kill or a full disk never leaves half a file behind.

One helper for every file crosspost writes (outbox posts, the secrets file, the Instagram
session, fetched issues, the feed state): write a temporary sibling, fsync it, rename it over
the target, fsync the folder. Readers see the old file or the new one, never a mix.
"""

from __future__ import annotations

import errno
import os
import uuid
from pathlib import Path

from .errors import InputError


def atomic_write(
    path: Path, data: bytes, *, mode: int = 0o644, exclusive: bool = False, mtime: float | None = None
) -> bool:
    """Write `data` to `path` all at once. Returns False (writing nothing) when `exclusive` and
    `path` already exists: a fetched issue must never replace a file the writer has.

    `mode` is set when the temporary file is created, so a secret is never readable by others,
    not even for a moment. `mtime` dates the file (a fetched issue carries its post's date).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # the umask may have narrowed it; the caller asked for exactly this
        if mtime is not None:
            os.utime(tmp, (mtime, mtime))
        if exclusive:
            try:
                os.link(tmp, path)  # atomic create-if-absent
            except FileExistsError:
                return False
            except OSError:  # a file system without hard links
                if path.exists():
                    return False
                os.replace(tmp, path)
        else:
            os.replace(tmp, path)
        fsync_dir(path.parent)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (best effort: some systems cannot open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_REASONS = {
    errno.EEXIST: "it exists and is not a folder",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.ENOENT: "no such file or folder",
}


def read_small_text(path: Path, what: str, limit: int = 1 << 20) -> str:
    """A small UTF-8 file crosspost keeps (config, an id): never blocks on a FIFO or a device,
    never reads more than `limit` bytes, and says what is wrong in one line naming the file."""
    import stat

    path = Path(path)
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{what} is a folder, not a file", path)
        if not stat.S_ISREG(mode):
            raise InputError(f"{what} is not a regular file (a pipe or a device?)", path)
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise file_error(exc, f"cannot read {what}", path) from None
    if len(data) > limit:
        raise InputError(f"{what} is larger than {limit // 1024} KB", path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{what} is not UTF-8 text", path) from None


def os_problem(exc: OSError) -> str:
    """What an OSError means for the person reading it, in words (the errno's, not Python's)."""
    return _REASONS.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def file_error(exc: OSError, what: str = "", path: str | Path | None = None) -> InputError:
    """The one-line InputError for a file or folder crosspost could not use: `path: what: reason`."""
    reason = f"{what}: {os_problem(exc)}" if what else os_problem(exc)
    return InputError(reason, path if path is not None else exc.filename)


def writable_folder(folder: Path, what: str) -> Path:
    """Create `folder` if needed and prove a file can be made in it, or raise an InputError naming it.

    A probe file, not mkdir or os.access: /proc and /sys accept mkdir of what exists but no new file,
    and access() says yes to root on any folder; only creating a file tells. Checked before any work
    starts, so a wrong `--out`, `out_dir` or `outbox.path` is one line, not a traceback half-way.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise file_error(exc, f"cannot create {what}", folder) from None
    import tempfile  # here, not at the top: most commands write no folder

    try:
        fd, probe = tempfile.mkstemp(prefix=".crosspost-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = "no new file can be created in it" if exc.errno == errno.ENOENT else os_problem(exc)
        raise InputError(f"cannot write {what} here: {reason}", folder) from None
    return folder


def lock_holders(paths: list[Path]) -> list[str]:
    """The other processes holding an OS lock on any of `paths`, as "pid 123 (python3)", writers first.

    Read from /proc/locks (Linux; elsewhere nothing is known and the list is empty). Only the
    process name (/proc/PID/comm) is shown, never its command line, which may hold a secret.
    """
    wanted = set()
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue
        wanted.add((os.major(st.st_dev), os.minor(st.st_dev), st.st_ino))
    try:
        table = Path("/proc/locks").read_text(encoding="ascii", errors="replace")
    except OSError:
        return []
    found: dict[int, bool] = {}
    for line in table.splitlines():
        parts = line.split()
        if len(parts) < 6 or parts[1] == "->":  # "->" marks a waiter, not a holder
            continue
        try:
            pid = int(parts[4])
            major, minor, inode = parts[5].split(":")
            key = (int(major, 16), int(minor, 16), int(inode))
        except ValueError:
            continue
        if key in wanted and pid != os.getpid():
            found[pid] = found.get(pid, False) or parts[3] == "WRITE"
    return [f"pid {pid} ({_process_name(pid)})" for pid in sorted(found, key=lambda p: (not found[p], p))]


def _process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text(encoding="utf-8", errors="replace").strip() or "?"
    except OSError:
        return "gone"
