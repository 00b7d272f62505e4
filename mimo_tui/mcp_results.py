"""What an MCP tool's answer becomes for MiMo, which takes a tool result as a string.

Text parts are joined; images, audio and resources are described in a line each (their data
stays in the inspector's copy of the MCP response); structured content stands in when there
is no text. `isError` results become an error the model can read. The text is capped like a
user tool's output (MAX_OUTPUT, marked). Works on the result as JSON (the SDK's model_dump),
so nothing here imports the SDK.
"""

from __future__ import annotations

import json
import re
from hashlib import sha1
from typing import Any

from mimo_tui.tools import MAX_OUTPUT

RESPONSE_CAP = 1024 * 1024  # the MCP response kept for the inspector (stored with the call)
_API_BAD = re.compile(r"[^A-Za-z0-9_-]")
API_NAME_MAX = 64


def api_names(server: str, tools: list[str], taken: set[str]) -> dict[str, str]:
    """The function name sent to the API for each tool (`server__tool`): only letters,
    digits, _ and -, at most 64 characters, none equal to a name in `taken` (which grows)."""
    out: dict[str, str] = {}
    for tool in tools:
        base = _API_BAD.sub("_", f"{server}__{tool}")
        if len(base) > API_NAME_MAX:
            base = base[: API_NAME_MAX - 9] + "_" + sha1(tool.encode()).hexdigest()[:8]
        name, n = base, 2
        while name in taken:
            suffix = f"_{n}"
            name, n = base[: API_NAME_MAX - len(suffix)] + suffix, n + 1
        taken.add(name)
        out[tool] = name
    return out


def _size(data: Any) -> str:
    if not isinstance(data, str):
        return "no data"
    return f"{len(data) * 3 // 4:,} bytes"


def _part(part: Any) -> str:
    """One content block as text."""
    if not isinstance(part, dict):
        return f"[unreadable content: {str(part)[:80]}]"
    kind = part.get("type")
    if kind == "text":
        return str(part.get("text", ""))
    if kind in ("image", "audio"):
        mime = part.get("mimeType", "?")
        return f"[{kind}: {mime}, {_size(part.get('data'))}; the data is in the inspector]"
    if kind == "resource":
        res = part.get("resource") or {}
        uri, mime = res.get("uri", "?"), res.get("mimeType") or "?"
        if isinstance(res.get("text"), str):
            return f"[resource {uri} ({mime})]\n{res['text']}"
        return f"[resource {uri} ({mime}), {_size(res.get('blob'))}; the data is in the inspector]"
    if kind == "resource_link":
        name = part.get("name") or ""
        return f"[resource link: {part.get('uri', '?')} {name}]".replace(" ]", "]")
    return f"[{kind} content]"


def result_text(response: dict[str, Any]) -> tuple[str, bool, bool]:
    """(text for the model, is an error, truncated) of a `tools/call` result."""
    content = response.get("content")
    parts = [_part(p) for p in content] if isinstance(content, list) else []
    text = "\n".join(p for p in parts if p)
    structured = response.get("structuredContent")
    if not text.strip() and structured is not None:
        text = json.dumps(structured, ensure_ascii=False)
    is_error = response.get("isError") is True
    if is_error:
        text = "error: the MCP tool reported an error" + (f":\n{text}" if text.strip() else "")
    truncated = len(text.encode("utf-8")) > MAX_OUTPUT
    if truncated:
        text = text.encode("utf-8")[:MAX_OUTPUT].decode("utf-8", "ignore")
        text += f"\n[output truncated at {MAX_OUTPUT // 1024} KiB]"
    return text, is_error, truncated


def response_json(response: dict[str, Any]) -> str:
    """The MCP response as the inspector shows it, capped (an image can be megabytes)."""
    text = json.dumps(response, indent=2, ensure_ascii=False)
    if len(text) > RESPONSE_CAP:
        text = text[:RESPONSE_CAP] + f"\n… [cut at {RESPONSE_CAP // 1024} KiB]"
    return text
