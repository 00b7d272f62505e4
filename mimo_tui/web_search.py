"""MiMo's built-in web search: the request's tool entry, its options, and the sources.

MiMo runs the search server-side when the request's `tools` holds `{"type": "web_search",
...}` (wire brief §17.2). Where the sources come back is not documented, so `annotations` are
looked for everywhere a server might put them (the chunk, its choices, their delta or
message) and accepted in OpenAI's `url_citation` shape and as flat objects. The raw objects
are what is stored; `sources_of` makes the numbered, sanitized view that the TUI, `ask`
and the exports show. Everything in a source is untrusted text.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from mimo_tui.text import one_line

TOOL_TYPE = "web_search"

# Client-side bounds (MiMo documents the options, not their ranges): a search round per
# keyword is billed, so `max_keyword` is kept small.
RANGES = {"max_keyword": (1, 10), "limit": (1, 20)}
LOCATION_FIELDS = ("country", "region", "city")

ENABLE_HINT = (
    "Web search is MiMo's Web Search plugin: enable it in the MiMo console (Plugins → Web "
    "Search) for this key; it is billed per search. Or turn web search off for this session."
)

TITLE_MAX, URL_MAX = 300, 2000


class OptionError(ValueError):
    """A `[web_search]` option that cannot be sent; the message names it and its range."""


def check_option(name: str, value: Any) -> Any:
    """One `[web_search]` option, validated; raises OptionError."""
    if name in RANGES:
        low, high = RANGES[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise OptionError(f"{name} must be a whole number between {low} and {high}")
        return value
    if name == "force_search":
        if not isinstance(value, bool):
            raise OptionError("force_search must be true or false")
        return value
    if name == "user_location":
        if not isinstance(value, dict):
            raise OptionError('user_location must be a table, e.g. { country = "CN" }')
        unknown = sorted(set(value) - {"type", *LOCATION_FIELDS})
        if unknown:
            raise OptionError(f"user_location: unknown field {unknown[0]!r}")
        if value.get("type", "approximate") != "approximate":
            raise OptionError('user_location.type must be "approximate"')
        for field in LOCATION_FIELDS:
            if field in value and not (isinstance(value[field], str) and value[field].strip()):
                raise OptionError(f"user_location.{field} must be a non-empty string")
        return {"type": "approximate", **{k: value[k] for k in LOCATION_FIELDS if k in value}}
    raise OptionError(
        f"unknown option {name!r} (known: enabled, force_search, limit, max_keyword, user_location)"
    )


def options_from(table: Any, where: str, notices: list[str]) -> tuple[bool | None, dict[str, Any]]:
    """(enabled, options) from config.toml's `[web_search]` table. A bad entry is dropped
    with a notice (MiMo's own default is then used), like every other setting."""
    if table is None:
        return None, {}
    if not isinstance(table, dict):
        notices.append(f"{where}: [web_search] must be a table; ignored")
        return None, {}
    enabled: bool | None = None
    options: dict[str, Any] = {}
    for name, value in table.items():
        if name == "enabled":
            if isinstance(value, bool):
                enabled = value
            else:
                notices.append(
                    f"{where}: [web_search] enabled must be true or false, got {value!r}; "
                    "using the default (false)"
                )
            continue
        try:
            options[name] = check_option(name, value)
        except OptionError as exc:
            notices.append(f"{where}: [web_search] {exc}, got {value!r}; MiMo's default is used")
    return enabled, options


def tool_entry(options: dict[str, Any]) -> dict[str, Any]:
    """The `tools` entry that turns MiMo's search on, with the configured options."""
    return {"type": TOOL_TYPE, **options}


def is_search_entry(tool: Any) -> bool:
    return isinstance(tool, dict) and tool.get("type") == TOOL_TYPE


# ---- sources --------------------------------------------------------------------------------


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def annotations_in(chunk: Any) -> list[dict[str, Any]]:
    """Every annotation object in one chunk (or a non-stream response), wherever it is."""
    if not isinstance(chunk, dict):
        return []
    found = _dicts(chunk.get("annotations"))
    for choice in _dicts(chunk.get("choices")):
        found += _dicts(choice.get("annotations"))
        for key in ("delta", "message"):
            part = choice.get(key)
            if isinstance(part, dict):
                found += _dicts(part.get("annotations"))
    return found


class Source(NamedTuple):
    """One source as shown: its number, and sanitized one-line title, site and URL."""

    number: int
    title: str
    site: str
    url: str

    @property
    def openable(self) -> bool:
        return safe_url(self.url) is not None

    def line(self) -> str:
        """`[1] Title — site — https://…`, for `ask` and the exports."""
        parts = [p for p in (self.title, self.site, self.url) if p]
        return f"[{self.number}] " + " — ".join(parts)


def _field(raw: dict[str, Any], *names: str) -> str:
    for name in names:
        value = raw.get(name)
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return str(value)
    return ""


def _clip(text: str, limit: int) -> str:
    text = one_line(text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_url(url: str) -> str | None:
    """`url` if it is an http(s) URL with a host and nothing but printable, non-space
    characters; None for anything else (javascript:, file:, a URL with controls...)."""
    if not url or len(url) > URL_MAX or any(c.isspace() or not c.isprintable() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def _site(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def sources_of(raw: list[dict[str, Any]] | None) -> list[Source]:
    """The numbered sources of a reply from its stored annotations: OpenAI's url_citation
    shape or flat objects, one per URL (a repeated citation of the same URL is one source)."""
    out: list[Source] = []
    seen: set[str] = set()
    for item in raw or []:
        if not isinstance(item, dict):
            continue
        inner = item.get("url_citation")
        data = {**item, **inner} if isinstance(inner, dict) else item
        url = _field(data, "url", "link", "href")
        title = _field(data, "title", "name")
        if not (url or title):
            continue
        key = url or title
        if key in seen:
            continue
        seen.add(key)
        site = _field(data, "site_name", "site", "source", "website", "host") or _site(url)
        out.append(
            Source(
                len(out) + 1,
                _clip(title, TITLE_MAX),
                _clip(site, TITLE_MAX),
                _clip(url, URL_MAX),
            )
        )
    return out


def search_text(raw: list[dict[str, Any]] | None) -> str:
    """What the search index holds of a reply's sources: titles, sites, URLs."""
    return "\n".join(f"{s.title} {s.site} {s.url}" for s in sources_of(raw))


def sources_block(raw: list[dict[str, Any]] | None) -> str:
    """`Sources:` and one numbered line per source (for `ask` on stderr), or ""."""
    sources = sources_of(raw)
    if not sources:
        return ""
    return "\n".join(["Sources:", *(s.line() for s in sources)])


def explained(error: Any, tools: list[dict[str, Any]]) -> Any:
    """The API's error, and, when it is about web search on a request that asked for it,
    where to enable the plugin (MiMo's message for this is not documented: a 4xx naming
    the plugin or the tool is taken to be it)."""
    from mimo_tui.errors import ApiError

    status = getattr(error, "status", None)
    if not isinstance(error, ApiError) or not any(is_search_entry(t) for t in tools):
        return error
    said = str(error).lower()
    if not (status and 400 <= status < 500) or status in (401, 429):
        return error
    if not any(word in said for word in ("web search", "web_search", "websearch", "plugin")):
        return error
    return ApiError("web_search_disabled", f"{error} {ENABLE_HINT}", status)


def anthropic_sources(block: Any) -> list[dict[str, Any]]:
    """Sources in an Anthropic-format content block, as the objects were sent: a text
    block's `citations`, or a `web_search_tool_result` block's results (Anthropic's own
    shapes; what MiMo's Anthropic path sends is not documented)."""
    if not isinstance(block, dict):
        return []
    if block.get("type") == "web_search_tool_result":
        return _dicts(block.get("content"))
    return _dicts(block.get("citations"))


def sources_json(raw: list[dict[str, Any]] | None) -> dict[str, Any]:
    """`ask --json`'s fields: the numbered sources as shown, and the annotations as sent."""
    if not raw:
        return {}
    return {
        "sources": [s._asdict() for s in sources_of(raw)],
        "annotations": raw,
    }


def switch_notice(on: bool) -> str:
    """What the TUI says when the session's web search is switched."""
    if on:
        return (
            "Web search on for this session: MiMo may search the web before it answers "
            "(Web Search plugin, billed per search)."
        )
    return "Web search off for this session."
