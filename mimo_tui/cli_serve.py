"""`mimo-tui serve`: the chat UI in a browser, through textual-serve (an optional extra).

Every browser tab that opens the page gets its own `mimo-tui` process, run with the flags
given to `serve`; the API key stays in that process (its environment or key file) and never
reaches the page. The page and its websocket need a random token that only the printed URL
carries, wherever the server listens: loopback is reachable by every account on the machine,
and whoever gets the page gets the user's key in use, every stored session and their tools.
On 127.0.0.1 (the default) requests must also be addressed to a loopback name. This module
is the policy (what the child runs, which requests pass); the web server itself is
ui/serve.py, which textual-serve and aiohttp are imported by.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import shlex
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import argparse

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
INSTALL_HINT = "mimo-tui serve needs the extra: pip install 'mimo-tui[serve]'"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})

# The chat's flags that `serve` passes on to each browser's process: (dest, option).
_VALUE_FLAGS = (
    ("model", "--model"),
    ("base_url", "--base-url"),
    ("api", "--api"),
    ("lang", "--lang"),
    ("tools", "--tools"),
    ("tools_file", "--tools-file"),
    ("session", "--session"),
    ("theme", "--theme"),
)
_SWITCHES = (
    ("no_thinking", "--no-thinking"),
    ("no_system", "--no-system"),
    ("demo", "--demo"),
    ("resume", "--continue"),
)


def add_parser(sub: Any, common: Any) -> None:
    """`serve`, with the chat's own flags (`common` adds them, as for `ask`)."""
    serve = sub.add_parser(
        "serve",
        help="run the chat UI in a browser (needs the extra 'mimo-tui[serve]')",
        description="Serve the chat UI to a browser, on 127.0.0.1 by default. Open the URL "
        "it prints: the page and its websocket need the random token that URL carries (other "
        "accounts on this machine can reach 127.0.0.1 too); without it they get 403.",
    )
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}; 0.0.0.0: every interface, "
        "still behind the URL's token)",
    )
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any)"
    )
    serve.add_argument("--theme", help="UI theme")
    common(serve, sub=True)


def is_loopback(host: str) -> bool:
    """Only this machine can reach `host` (127.0.0.1, ::1, localhost): then requests must
    also be addressed to a loopback name (see `host_allowed`).

    Only the usual loopback names count: another address of 127/8 is treated like a
    network interface (and tests use one to see the token alone enforced)."""
    return host in LOOPBACK_NAMES


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_matches(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def child_command(args: argparse.Namespace, python: str = sys.executable) -> str:
    """The shell command textual-serve runs for each browser (it takes a shell string):
    this interpreter running mimo-tui with the flags given to `serve`, each quoted."""
    argv = [python, "-m", "mimo_tui"]
    for dest, option in _VALUE_FLAGS:
        value = getattr(args, dest, None)
        if value is not None:
            argv += [option, str(value)]
    for dest, option in _SWITCHES:
        if getattr(args, dest, False):
            argv.append(option)
    return shlex.join(argv)


def url_host(host: str) -> str:
    """`host` as it stands in a URL (an IPv6 address in brackets)."""
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host


def page_url(host: str, port: int, token: str) -> str:
    """The URL to open, with the `?token=` every server requires."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://{url_host(shown)}:{port}/?token={token}"


def host_allowed(host_header: str | None, port: int) -> bool:
    """On loopback, only requests addressed to this machine by a loopback name pass.

    A web page the user visits can make the browser send requests to 127.0.0.1 under a name
    of its own (DNS rebinding); the Host header says which name the browser used."""
    if not host_header:
        return False
    allowed = {f"{url_host(name)}:{port}" for name in LOOPBACK_NAMES}
    return host_header.lower() in allowed


def origin_allowed(origin: str | None, host_header: str | None) -> bool:
    """A websocket opened by a page of another site is refused (browsers send Origin; a
    websocket is not bound by the same-origin rule otherwise). No Origin: not a browser."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == (host_header or "").lower()


def textual_serve_missing() -> str | None:
    """Why `serve` cannot run (the extra to install), or None."""
    from importlib.util import find_spec

    return None if find_spec("textual_serve") is not None else INSTALL_HINT
