"""Writing files so that a crash, a kill or a full disk never leaves half a file behind.

One helper for every file crosspost writes (outbox posts, the secrets file, the Instagram
session, fetched issues, the feed state): write a temporary sibling, fsync it, rename it over
the target, fsync the folder. Readers see the old file or the new one, never a mix.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644, exclusive: bool = False,
                 mtime: float | None = None) -> bool:
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
