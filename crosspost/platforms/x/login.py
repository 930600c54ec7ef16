"""`crosspost login x`: the OAuth 1.0a PIN flow (the account authorises the app in a browser and
pastes the PIN back); the tokens go to the secrets file (0600)."""

from __future__ import annotations

import os
import sys

import typer

from ...errors import InputError, PlatformError
from ...login import ask
from . import CREDENTIALS


def login(config) -> str:
    """Returns where the tokens were saved."""
    import tweepy

    from ...credentials import save_credentials

    key = ask("X API key (consumer key)", CREDENTIALS["api_key"], secret=False)
    secret = ask("X API key secret", CREDENTIALS["api_secret"], secret=True)
    base = os.environ.get("CROSSPOST_X_API_URL", "https://api.x.com").rstrip("/")

    class Handler(tweepy.OAuth1UserHandler):
        def _get_oauth_url(self, endpoint):  # honour CROSSPOST_X_API_URL like every other call
            return f"{base}/oauth/{endpoint}"

    handler = Handler(key, secret, callback="oob")
    try:
        url = handler.get_authorization_url()
    except Exception:  # noqa: BLE001 - tweepy's message may carry the request; say only what failed
        raise PlatformError(
            "could not start the X authorisation (check the API key and secret)", platform="x"
        ) from None
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
