"""`crosspost login instagram`: log in once (with a 2FA code when asked) so the session is saved
and reused by cron runs; the credentials go to the secrets file (0600)."""

from __future__ import annotations

import os
import sys

import typer

from ...login import ask
from . import CREDENTIALS


def login(config) -> str:
    from ...credentials import save_credentials
    from .adapter import Adapter

    username = ask("Instagram username", CREDENTIALS["username"], secret=False)
    password = ask("Instagram password", CREDENTIALS["password"], secret=True)
    seed = os.environ.get(CREDENTIALS["totp_seed"], "")
    if not seed and sys.stdin.isatty():
        seed = typer.prompt(
            "TOTP seed for 2FA (empty if none)", default="", hide_input=True, show_default=False
        ).strip()
    creds = {"username": username, "password": password}
    if seed:
        creds["totp_seed"] = seed
    adapter = Adapter(creds, interactive=sys.stdin.isatty())
    who = adapter.verify()  # logs in and saves the session
    path = save_credentials("instagram", creds)
    return f"{path} (signed in as {who})"
