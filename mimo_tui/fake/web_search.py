"""The fake's web search: MiMo's `web_search` tool entry, checked strictly, and sources.

A request whose `tools` holds `{"type": "web_search", ...}` gets sources in the first
streamed chunk, in `delta.annotations`, in OpenAI's url_citation shape plus extra fields
(site name, summary, publish time) as a real search service would add; the answer cites
them as `[1]`, `[2]`. A key whose Web Search plugin is off (FakeMimo.web_search_enabled =
False, or the `web_search_disabled` scenario) gets a 400 naming the plugin.
"""

from __future__ import annotations

import re
from typing import Any

OPTIONS = {"type", "max_keyword", "force_search", "limit", "user_location"}
RANGES = {"max_keyword": (1, 10), "limit": (1, 20)}
NOT_ENABLED = (
    "Web Search plugin is not activated",
    "the web_search tool needs the Web Search plugin: activate it in the console first",
)


def entry(body: dict[str, Any]) -> dict[str, Any] | None:
    tools = body.get("tools")
    if not isinstance(tools, list):
        return None
    return next((t for t in tools if isinstance(t, dict) and t.get("type") == "web_search"), None)


def problem(body: dict[str, Any]) -> str | None:
    """The `param` of the 400 for a malformed tools list or web_search entry, or None."""
    tools = body.get("tools")
    if tools is None:
        return None
    if not isinstance(tools, list):
        return "tools must be a list"
    searches = 0
    for n, tool in enumerate(tools):
        if not isinstance(tool, dict) or tool.get("type") not in ("function", "web_search"):
            return f"tools[{n}].type must be function or web_search"
        if tool["type"] == "function":
            continue
        searches += 1
        unknown = sorted(set(tool) - OPTIONS)
        if unknown:
            return f"tools[{n}]: unknown web_search option {unknown[0]!r}"
        for name, (low, high) in RANGES.items():
            value = tool.get(name)
            if name in tool and (
                isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
            ):
                return f"tools[{n}].{name} must be an integer in [{low}, {high}]"
        if "force_search" in tool and not isinstance(tool["force_search"], bool):
            return f"tools[{n}].force_search must be a boolean"
        if "user_location" in tool:
            loc = tool["user_location"]
            if not isinstance(loc, dict) or loc.get("type") != "approximate":
                return f"tools[{n}].user_location.type must be approximate"
            for key, value in loc.items():
                if key not in ("type", "country", "region", "city") or not isinstance(value, str):
                    return f"tools[{n}].user_location.{key} is not valid"
    if searches > 1:
        return "only one web_search tool may be given"
    return None


def results(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The sources of a search for the last user message: `limit` of them (default 3)."""
    tool = entry(body) or {}
    query = ""
    for msg in reversed(body.get("messages") or []):
        if isinstance(msg, dict) and msg.get("role") == "user":
            content = msg.get("content")
            query = content if isinstance(content, str) else ""
            break
    slug = re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-")[:40] or "search"
    sites = [
        ("mimo.xiaomi.com", "Xiaomi MiMo", f"MiMo news: {query[:60]}"),
        ("platform.xiaomimimo.com", "MiMo Open Platform", "MiMo API documentation"),
        ("example-news.test", "Example News", f"What is new about {query[:40]}"),
    ]
    out = []
    for n in range(tool.get("limit", 3)):
        host, site, title = sites[n % len(sites)]
        url = f"https://{host}/{slug}/{n + 1}"
        out.append(
            {
                "type": "url_citation",
                "url_citation": {"url": url, "title": title, "start_index": 0, "end_index": 0},
                "site_name": site,
                "summary": f"Result {n + 1} for {query[:60]}",
                "publish_time": "2026-04-22T09:00:00+08:00",
                "logo_url": f"https://{host}/favicon.ico",
            }
        )
    return out


def cited(content: str, count: int) -> str:
    """The answer with `[1]`..`[count]` citations, unless it already has some."""
    if not content or count <= 0 or re.search(r"\[\d+\]", content):
        return content
    marks = "".join(f"[{n}]" for n in range(1, min(count, 2) + 1))
    first, sep, rest = content.partition("\n\n")
    return f"{first} {marks}{sep}{rest}"
