"""A PEP 517 build backend for this one pure-Python package: a wheel is a zip of the package with
its metadata and entry points (what setuptools or hatchling would write for it)."""

import base64
import hashlib
import zipfile
from pathlib import Path

NAME, VERSION = "crosspost_echo", "0.1.0"
HERE = Path(__file__).parent
DIST_INFO = f"{NAME}-{VERSION}.dist-info"


def get_requires_for_build_wheel(config_settings=None):
    return []


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {f"{NAME}/{p.name}": p.read_bytes() for p in sorted((HERE / NAME).glob("*.py"))}
    files[f"{DIST_INFO}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: crosspost-echo\nVersion: {VERSION}\nRequires-Python: >=3.11\n"
    ).encode()
    files[f"{DIST_INFO}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: _backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{DIST_INFO}/entry_points.txt"] = f"[crosspost.platforms]\necho = {NAME}\n".encode()
    record = [_record_line(name, data) for name, data in files.items()] + [f"{DIST_INFO}/RECORD,,"]
    files[f"{DIST_INFO}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(Path(wheel_directory) / wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return wheel
