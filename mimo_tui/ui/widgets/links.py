"""Which links in model text may be opened: http and https only.

A reply's links are underlined wherever they point, but only a web address is made live
(an OSC 8 hyperlink for terminals that support them, and a click in the app). `file:`,
`javascript:`, custom schemes and relative paths stay text.
"""

from __future__ import annotations

SAFE_SCHEMES = ("http://", "https://")


def safe_link(href: str) -> str:
    """`href` if a click may open it (http or https), else "" (the text stays, not live)."""
    return href if href.lower().startswith(SAFE_SCHEMES) else ""
