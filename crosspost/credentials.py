"""Where secrets come from: environment variables first, then the secrets file.

The secrets file (`<user config dir>/crosspost/secrets.toml`, or $CROSSPOST_SECRETS_FILE) must be mode 0600:
a group- or world-readable file is refused. Secrets never live in crosspost.toml, and values never appear in
messages: errors name the variable, not its value.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

from .errors import InputError


def env_vars() -> dict[str, dict[str, str]]:
    """platform -> {credential key: environment variable}, from each platform's spec."""
    from .platforms import registry

    return {name: dict(spec.credentials) for name, spec in registry().items() if spec.credentials}


def __getattr__(name: str):
    if name == "ENV_VARS":  # the table as a value, for callers that read it once
        return env_vars()
    raise AttributeError(name)


def config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(os.environ.get("CROSSPOST_CONFIG_DIR") or user_config_dir("crosspost"))


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(os.environ.get("CROSSPOST_DATA_DIR") or user_data_dir("crosspost"))


def secrets_path() -> Path:
    return Path(os.environ.get("CROSSPOST_SECRETS_FILE") or config_dir() / "secrets.toml")


def read_secrets_file() -> dict:
    """The secrets file's tables ({} when there is none), or the InputError that refuses it.

    `crosspost doctor` calls this very function, so it reports exactly what loading would raise.
    """
    path = secrets_path()
    if not path.exists():
        return {}
    if not path.is_file():  # a folder: its mode would be misreported as "readable by others"
        raise InputError("the secrets file is a folder, not a file", path)
    _check_folder(path)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError(
            f"secrets file is readable by others (mode {stat.S_IMODE(mode):o}); run: chmod 600 {path}", path
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        # the parser's message could quote a secret: say only where
        raise InputError("secrets file is not valid TOML", path) from None
    return data


def _check_folder(path: Path) -> None:
    """Refuse a secrets file in a folder others can write to: they could swap it for their own."""
    mode = path.parent.stat().st_mode
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise InputError(
            f"the secrets file's folder is writable by others (mode {stat.S_IMODE(mode):o}); "
            f"run: chmod 700 {path.parent}",
            path,
        )


def load_credentials(platform: str) -> dict[str, str]:
    """The credentials for `platform` that are present (env wins over the secrets file)."""
    names = env_vars().get(platform, {})
    from_file = read_secrets_file().get(platform, {})
    found: dict[str, str] = {}
    for key, env in names.items():
        value = os.environ.get(env) or from_file.get(key)
        if isinstance(value, str) and value:
            found[key] = value
    return found


def missing(platform: str, found: dict[str, str]) -> list[str]:
    """Environment variable names of the required credentials not found."""
    from .platforms import get

    spec = get(platform)
    return [env for key, env in spec.credentials.items() if key not in found and key not in spec.optional_credentials]


def save_credentials(platform: str, values: dict[str, str]) -> Path:
    """Merge `values` into the secrets file, written atomically with mode 0600.

    Written by a TOML library: a value with a control character or a quote must read back as
    itself, or one odd password would make the whole file unreadable and lock out every credential.
    """
    import tomli_w

    path = secrets_path()
    if path.parent.exists():
        _check_folder(path)
    data = read_secrets_file()
    data.setdefault(platform, {}).update(values)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    from .files import atomic_write

    atomic_write(path, tomli_w.dumps(data).encode("utf-8"), mode=0o600)
    return path


def secret_values() -> list[str]:
    """Every secret value currently configured, for redaction of logs and output.

    Both the environment's and the file's value of each credential, and the environment's even when
    the file is refused: what is masked must not depend on which value won or on the file's state.
    """
    try:
        from_file = read_secrets_file()
    except (InputError, OSError):  # redaction must never fail: the refusal is reported where it is loaded
        from_file = {}
    from .platforms import registry

    out: list[str] = []
    for platform, spec in registry().items():
        table = from_file.get(platform, {})
        for key, env in spec.credentials.items():
            if key in spec.public_credentials:  # a login name: masking it would hide whose account is meant
                continue
            for value in (os.environ.get(env), table.get(key) if isinstance(table, dict) else None):
                if isinstance(value, str) and len(value) >= 4:
                    out.append(value)
    return out
