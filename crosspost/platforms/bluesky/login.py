"""`crosspost login bluesky`: a handle and an app password (Settings → Privacy and security → App
passwords), checked by logging in, then saved to the secrets file (0600)."""

from __future__ import annotations

import os

from ...login import ask
from . import CREDENTIALS


def login(config) -> str:
    """Returns where the credentials were saved."""
    from ...credentials import save_credentials
    from ...log import register_secrets
    from .adapter import Adapter

    handle = ask("Bluesky handle (e.g. name.bsky.social)", CREDENTIALS["handle"], secret=False).lstrip("@")
    password = ask("Bluesky app password (not your account password)", CREDENTIALS["app_password"], secret=True)
    register_secrets([password])
    service = os.environ.get(CREDENTIALS["service"]) or None
    values = {"handle": handle, "app_password": password}
    adapter = Adapter(values, service=service)
    adapter.verify()  # logs in: wrong credentials stop here, before anything is saved
    if service:
        values["service"] = adapter.service
    return str(save_credentials("bluesky", values))
