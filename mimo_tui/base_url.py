"""The API's base URL: what a configured value may be, and when it would send the key in
clear (plain http to a host that is not this machine).

Apart from the settings (config.py) because it is a question about URLs and hosts, asked
of every source of a base URL (config.toml, MIMO_BASE_URL, --base-url), not about settings.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def base_url_problem(value: str) -> str | None:
    """Why `value` cannot be the API's base URL (an http(s) URL with a host), or None."""
    if any(c.isspace() or not c.isprintable() for c in value):
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return "must start with https:// (or http://)"
    if not parts.hostname:
        return "must name a host (https://host/v1)"
    return None


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_warning(base_url: str) -> str | None:
    """A warning when the key would travel unencrypted: plain http to a non-loopback host."""
    parts = urlsplit(base_url)
    if parts.scheme.lower() != "http" or _is_loopback(parts.hostname or ""):
        return None
    return (
        f"Warning: base_url {base_url} is plain http to {parts.hostname}: your API key "
        "would be sent unencrypted. Use https:// unless you trust every network in between"
    )
