"""`crosspost login x|instagram`: get credentials interactively and store them in the secrets file (0600).

X uses the OAuth 1.0a PIN flow (the account authorises the app in a browser and pastes the PIN back).
Instagram logs in once (asking for a 2FA code when needed) so the session is saved and reused by cron runs.
"""

from __future__ import annotations

import os
import sys

import typer

from .config import Config
from .errors import InputError, PlatformError


def _ask(label: str, env: str, *, secret: bool) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise InputError(f"{label} is needed: set {env} or run this in a terminal")
    return typer.prompt(label, hide_input=secret).strip()


def login_x(config: Config) -> str:
    """OAuth 1.0a PIN flow; returns where the tokens were saved."""
    import tweepy

    from .credentials import save_credentials

    key = _ask("X API key (consumer key)", "CROSSPOST_X_API_KEY", secret=False)
    secret = _ask("X API key secret", "CROSSPOST_X_API_SECRET", secret=True)
    base = os.environ.get("CROSSPOST_X_API_URL", "https://api.x.com").rstrip("/")

    class Handler(tweepy.OAuth1UserHandler):
        def _get_oauth_url(self, endpoint):  # honour CROSSPOST_X_API_URL like every other call
            return f"{base}/oauth/{endpoint}"

    handler = Handler(key, secret, callback="oob")
    try:
        url = handler.get_authorization_url()
    except Exception:  # noqa: BLE001 - tweepy's message may carry the request; say only what failed
        raise PlatformError("could not start the X authorisation (check the API key and secret)", platform="x") from None
    typer.echo(f"Open this address, authorise crosspost, then paste the PIN X shows you:\n  {url}")
    if not sys.stdin.isatty():
        raise InputError("`crosspost login x` needs a terminal to read the PIN")
    pin = typer.prompt("PIN").strip()
    try:
        token, token_secret = handler.get_access_token(pin)
    except Exception:  # noqa: BLE001
        raise PlatformError("X did not accept that PIN; run `crosspost login x` again", platform="x") from None
    path = save_credentials(
        "x", {"api_key": key, "api_secret": secret, "access_token": token, "access_secret": token_secret}
    )
    return str(path)


def login_instagram(config: Config) -> str:
    """Log in once (with a 2FA code when asked) so the session is saved; store the credentials."""
    from .credentials import save_credentials
    from .platforms import adapter_class

    username = _ask("Instagram username", "CROSSPOST_INSTAGRAM_USERNAME", secret=False)
    password = _ask("Instagram password", "CROSSPOST_INSTAGRAM_PASSWORD", secret=True)
    seed = os.environ.get("CROSSPOST_INSTAGRAM_TOTP_SEED", "")
    if not seed and sys.stdin.isatty():
        seed = typer.prompt("TOTP seed for 2FA (empty if none)", default="", hide_input=True, show_default=False).strip()
    creds = {"username": username, "password": password}
    if seed:
        creds["totp_seed"] = seed
    cls = adapter_class("instagram")
    adapter = cls(creds, interactive=sys.stdin.isatty())
    who = adapter.verify()  # logs in and saves the session
    path = save_credentials("instagram", creds)
    return f"{path} (signed in as {who})"
