"""A reply's web search sources in the Markdown and HTML exports (JSON keeps them raw).

Titles, sites and URLs are untrusted: made one-line and visible (web_search.sources_of),
Markdown-escaped or HTML-escaped, and only http(s) URLs become links.
"""

from __future__ import annotations

from typing import Any

from mimo_tui.web_search import safe_url, sources_of

_MD_SPECIAL = "\\`*_{}[]()<>#+-!|~&"  # `&`: no character reference decodes


def _md_escape(text: str) -> str:
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in text)


def sources_markdown(raw: list[dict[str, Any]] | None) -> list[str]:
    """`**Sources**` and a numbered list (`<url>` autolinks for http(s) only), or []."""
    sources = sources_of(raw)
    if not sources:
        return []
    out = ["**Sources**", ""]
    for s in sources:
        title = _md_escape(s.title or s.url or "untitled")
        site = f" — {_md_escape(s.site)}" if s.site else ""
        url = safe_url(s.url)
        link = (
            f" — <{url.replace('>', '%3E')}>"
            if url
            else (f" — {_md_escape(s.url)}" if s.url else "")
        )
        out.append(f"{s.number}. {title}{site}{link}")
    return [*out, ""]


def sources_html(raw: list[dict[str, Any]] | None) -> str:
    """An `<ol class=sources>` of the sources (links for http(s) only), or ""."""
    import html  # the entity table is start-up time otherwise: the store imports us

    sources = sources_of(raw)
    if not sources:
        return ""
    items = []
    for s in sources:
        title = html.escape(s.title or s.url or "untitled")
        site = f" <span class=site>{html.escape(s.site)}</span>" if s.site else ""
        url = safe_url(s.url)
        if url:
            link = (
                f' <a href="{html.escape(url, quote=True)}" rel="noopener noreferrer">'
                f"{html.escape(url)}</a>"
            )
        else:
            link = f" {html.escape(s.url)}" if s.url else ""
        items.append(f"<li value={s.number}>{title}{site}{link}</li>")
    return (
        f"<details class=sources open><summary>Sources</summary><ol>{''.join(items)}</ol></details>"
    )
