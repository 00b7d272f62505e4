"""The fake's rules for content parts (images, audio, video), strict like the real service.

- Only models that take media may receive it (text-only models: 400 `Param Incorrect`
  naming the model, the wire brief's expected answer).
- Every part must be well formed: a data URL with valid base64 of a known type, or an
  http(s) URL; decoded images over 10 MB (audio 50 MB, video 300 MB) are a 400.
- `describe()` says what arrived: kind, type, byte count and sha256 of each part's bytes, so
  a test can check the exact bytes were sent, and which earlier turns were replayed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

# What the fake's models accept besides text (its own table: a fake that read the client's
# catalogue could not catch the client disagreeing with the service).
MEDIA_MODELS: dict[str, frozenset[str]] = {
    "mimo-v2.5": frozenset({"image", "audio", "video"}),
    "mimo-v2-omni": frozenset({"image", "audio", "video"}),
    "mimo-v2.6-pro": frozenset({"image"}),
    "mimo-v2.6-flash": frozenset({"image"}),
}
LIMITS = {"image": 10 * 1024 * 1024, "audio": 50 * 1024 * 1024, "video": 300 * 1024 * 1024}
_KIND = {"image_url": "image", "input_audio": "audio", "video_url": "video"}


def _url_of(part: dict[str, Any]) -> Any:
    kind = part.get("type")
    if kind == "image_url":
        return (part.get("image_url") or {}).get("url")
    if kind == "input_audio":
        return (part.get("input_audio") or {}).get("data")
    if kind == "video_url":
        return (part.get("video_url") or {}).get("url")
    return None


def decode(url: Any) -> tuple[str, bytes | None] | str:
    """(mime, bytes) of a data URL, (\"url\", None) for an http(s) URL, or the problem."""
    if not isinstance(url, str) or not url:
        return "a media part has no url/data"
    if url.startswith(("http://", "https://")):
        return ("url", None)
    if not url.startswith("data:") or ";base64," not in url:
        return "media must be an http(s) URL or a base64 data URL"
    head, payload = url[5:].split(";base64,", 1)
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return "invalid base64 in a data URL"
    return (head, data)


def check(model: Any, messages: list[Any]) -> str | None:
    """The `param` of the 400 for this request's media, or None."""
    accepted = MEDIA_MODELS.get(str(model), frozenset())
    for msg in messages:
        content = msg.get("content") if isinstance(msg, dict) else None
        if not isinstance(content, list):
            continue
        if msg.get("role") != "user":
            if any(isinstance(p, dict) and p.get("type") in _KIND for p in content):
                return "media content parts are only allowed in user messages"
            continue
        for p in content:
            if not isinstance(p, dict):
                return "content parts must be objects"
            kind = _KIND.get(str(p.get("type")))
            if kind is None:
                if p.get("type") != "text" or not isinstance(p.get("text"), str):
                    return "`text` is not set"
                continue
            if kind not in accepted:
                return f"model {model} does not support {kind} input"
            found = decode(_url_of(p))
            if isinstance(found, str):
                return found
            mime, data = found
            if data is not None:
                if not mime.startswith(kind + "/"):
                    return f"data URL type {mime} is not {kind}"
                if len(data) > LIMITS[kind]:
                    return f"{kind} exceeds the size limit ({len(data)} bytes)"
    return None


def describe(messages: list[Any]) -> list[str]:
    """One line per media part of the request, in order, e.g.
    `user#1 image image/png bytes=1234 sha256=ab…` (user#N: the Nth user message)."""
    lines: list[str] = []
    n = 0
    for msg in messages:
        if not isinstance(msg, dict) or msg.get("role") != "user":
            continue
        n += 1
        content = msg.get("content")
        if not isinstance(content, list):
            continue
        for p in content:
            kind = _KIND.get(str(p.get("type"))) if isinstance(p, dict) else None
            if kind is None:
                continue
            found = decode(_url_of(p))
            if isinstance(found, str):
                continue
            mime, data = found
            if data is None:
                lines.append(f"user#{n} {kind} url={_url_of(p)}")
            else:
                digest = hashlib.sha256(data).hexdigest()
                lines.append(f"user#{n} {kind} {mime} bytes={len(data)} sha256={digest}")
    return lines


def text_of(content: Any) -> str:
    """The text of a user message's content, whether a string or a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""
