"""`crosspost login mastodon`: the OAuth app flow. crosspost registers itself as an app on the
instance, the account authorises it in a browser and pastes the code back, and the code is
exchanged for an access token; the instance URL and the token go to the secrets file (0600)."""

from __future__ import annotations

import sys

import typer

from ...errors import InputError, PlatformError
from ...log import register_secrets
from ...login import ask
from . import CREDENTIALS

SCOPES = ["read", "write"]
REDIRECT = "urn:ietf:wg:oauth:2.0:oob"  # Mastodon shows the code instead of redirecting


def login(config) -> str:
    """Returns where the instance URL and token were saved."""
    import mastodon

    from ...credentials import save_credentials
    from .adapter import instance_url

    url = instance_url(ask("Mastodon instance URL (e.g. https://mastodon.social)", CREDENTIALS["url"], secret=False))
    try:
        client_id, client_secret = mastodon.Mastodon.create_app(
            "crosspost", scopes=SCOPES, redirect_uris=REDIRECT, api_base_url=url, user_agent="crosspost"
        )
        register_secrets([client_secret])
        app = mastodon.Mastodon(
            client_id=client_id, client_secret=client_secret, api_base_url=url, user_agent="crosspost"
        )
        authorize = app.auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES)
    except Exception:  # noqa: BLE001 - the library's message may carry the request; say only what failed
        raise PlatformError(f"could not register crosspost as an app on {url}", platform="mastodon") from None
    typer.echo(f"Open this address, authorise crosspost, then paste the code Mastodon shows you:\n  {authorize}")
    if not sys.stdin.isatty():
        raise InputError("`crosspost login mastodon` needs a terminal to read the code")
    code = typer.prompt("Code", hide_input=True).strip()
    try:
        token = app.log_in(code=code, redirect_uri=REDIRECT, scopes=SCOPES)
    except Exception:  # noqa: BLE001
        raise PlatformError(
            "Mastodon did not accept that code; run `crosspost login mastodon` again", platform="mastodon"
        ) from None
    register_secrets([token])
    return str(save_credentials("mastodon", {"url": url, "token": token}))
