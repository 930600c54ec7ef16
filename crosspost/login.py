"""`crosspost login <platform>`: get credentials interactively and store them in the secrets file (0600).

Each platform's own flow lives in its folder (its spec's `login`); this module holds what the flows share.
"""

from __future__ import annotations

import os
import sys

import typer

from .config import Config
from .errors import InputError


def ask(label: str, env: str, *, secret: bool) -> str:
    """A credential from its environment variable, else from the person at the terminal."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise InputError(f"{label} is needed: set {env} or run this in a terminal")
    return typer.prompt(label, hide_input=secret).strip()


def login(platform: str, config: Config) -> str:
    """Run `platform`'s sign-in flow; returns where the credentials were saved."""
    from .platforms import get

    spec = get(platform)
    if not spec.login:
        if not spec.credentials:
            raise InputError(f"{spec.label} needs no sign-in")
        raise InputError(f"{spec.label} has no sign-in flow: set {', '.join(spec.credentials.values())}")
    return spec.sign_in(config)
