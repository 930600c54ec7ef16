"""Reading an issue file safely: every way a file can be unusable becomes one InputError line.

The checks run cheapest first (stat before read) so a 2 GB log passed by mistake is refused
without being loaded, and a binary or mis-encoded file is named precisely instead of crashing.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

MAX_BYTES = 5 * 1024 * 1024  # an issue is a few KB; anything over 5 MB is a wrong file
_UTF8_BOM = b"\xef\xbb\xbf"


def read_issue_text(path: Path) -> str:
    """The file's text (BOM removed, line endings as stored) or an InputError saying why not."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    if path.is_dir():
        raise InputError("is a directory, not an issue file", path)
    if not path.is_file():
        raise InputError("not a regular file", path)
    if st.st_size > MAX_BYTES:
        raise InputError(f"too large for an issue ({_over_the_limit(st.st_size)})", path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)  # the file may have grown since stat
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    if len(data) > MAX_BYTES:
        raise InputError("too large for an issue (over 5 MB)", path)
    return decode_issue_bytes(data, path)


def _over_the_limit(size: int) -> str:
    """ "5.01 MB; the limit is 5 MB": as many decimals as it takes for the size to read as over the limit
    (5,250,000 bytes is 5.0 MB to one decimal, which reads as a file refused for being the limit)."""
    limit = MAX_BYTES / 1024 / 1024
    for digits in range(1, 7):
        shown = f"{size / 1024 / 1024:.{digits}f}"
        if float(shown) > limit:
            return f"{shown} MB; the limit is {limit:g} MB"
    return f"{size:,} bytes; the limit is {MAX_BYTES:,} bytes"


def decode_issue_bytes(data: bytes, path: Path) -> str:
    """Strict UTF-8 (optional BOM); UTF-16, binary and empty files are refused by name."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("UTF-16 text; save the issue as UTF-8", path)
    if b"\x00" in data:
        raise InputError("binary file (contains NUL bytes), not an issue", path)
    offset = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    try:
        text = data[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (invalid byte at offset {exc.start + offset})", path) from None
    if not text.strip():
        raise InputError("empty file" if not text else "empty file (whitespace only)", path)
    return text
