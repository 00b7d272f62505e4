"""Attachments as the API's content parts, and which of them a request replays.

- Images become `image_url` parts, audio `input_audio`, video `video_url` (wire brief §17.1);
  a file is sent as a base64 data URL, a URL the user gave as that URL.
- The message being answered sends all its attachments. Earlier ones are replayed too (so
  "and what colour is the car?" works turns later), the newest `cap` of them; older ones, and
  any the model cannot take (the session switched to a text-only model), leave a short text
  note in their place so the model knows something was there.
- Reading and base64-encoding the bytes (a 10 MB image is 13 MB of text) runs in a thread:
  the event loop that draws the UI never waits for it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
from collections.abc import Callable
from typing import Any

from mimo_tui.blobs import BlobStore
from mimo_tui.model import Attachment, Message
from mimo_tui.replay import build_replay
from mimo_tui.text import one_line

Parts = dict[int, list[dict[str, Any]]]


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def part(a: Attachment, url: str) -> dict[str, Any]:
    """The content part for one attachment whose data (or URL) is `url`."""
    if a.kind == "audio":
        return {"type": "input_audio", "input_audio": {"data": url}}
    if a.kind == "video":
        return {"type": "video_url", "video_url": {"url": url}}
    return {"type": "image_url", "image_url": {"url": url}}


def note(a: Attachment, why: str) -> dict[str, Any]:
    return {"type": "text", "text": f"[attachment {a.name} ({a.mime}): {why}]"}


def plan(
    history: list[Message], accepts: Callable[[str], bool], cap: int
) -> dict[int, list[tuple[Attachment, str | None]]]:
    """For each user message with attachments: (attachment, None to send it | why not)."""
    last_user = next((m.id for m in reversed(history) if m.role == "user"), None)
    out: dict[int, list[tuple[Attachment, str | None]]] = {}
    earlier_left = max(cap, 0)
    for msg in reversed(history):
        if msg.role != "user" or not msg.attachments or msg.id is None:
            continue
        items: list[tuple[Attachment, str | None]] = []
        for a in reversed(msg.attachments):
            why: str | None = None
            if not accepts(a.kind):
                why = f"not sent, this model does not accept {a.kind} input"
            elif msg.id != last_user:
                if earlier_left <= 0:
                    why = "sent earlier, not replayed (max_replayed_attachments)"
                else:
                    earlier_left -= 1
            items.insert(0, (a, why))
        out[msg.id] = items
    return out


def encode(blobs: BlobStore, planned: dict[int, list[tuple[Attachment, str | None]]]) -> Parts:
    """The content parts of every planned message (reads and encodes: call it in a thread)."""
    parts: Parts = {}
    for message_id, items in planned.items():
        built: list[dict[str, Any]] = []
        for a, why in items:
            if why is not None:
                built.append(note(a, why))
            elif a.url:
                built.append(part(a, a.url))
            else:
                try:
                    data = blobs.get(a.sha256)
                except (OSError, ValueError):
                    built.append(note(a, "missing from the store"))
                    continue
                built.append(part(a, data_url(a.mime, data)))
        parts[message_id] = built
    return parts


CAP_KEY = "_max_replayed_attachments"  # in a recorded request: the cap it replayed with


def with_cap(record: dict[str, Any], history: list[Message], cap: int) -> dict[str, Any]:
    """A request's recorded parameters plus the attachment cap, when its history has any
    attachments (the inspector re-plans which of them the request carried)."""
    return {**record, CAP_KEY: cap} if any(m.attachments for m in history) else record


def stand_in(a: Attachment) -> str:
    """What the inspector shows in place of a file's data URL: its type, name, size, how
    much base64 went on the wire and its sha256 prefix (never the megabytes themselves)."""
    from mimo_tui.attachments import human_size  # only when the inspector opens

    encoded = 4 * -(-a.size // 3)  # base64 of `size` bytes
    return (
        f"data:{a.mime};base64,… ({one_line(a.name)}, {human_size(a.size)}, "
        f"{human_size(encoded)} "
        f"of base64, sha256 {a.sha256[:12]}…)"
    )


def abbreviated(planned: dict[int, list[tuple[Attachment, str | None]]]) -> Parts:
    """The content parts as `encode` builds them, each data URL replaced by its stand-in."""
    return {
        message_id: [
            note(a, why) if why is not None else part(a, a.url or stand_in(a)) for a, why in items
        ]
        for message_id, items in planned.items()
    }


async def replay(
    history: list[Message],
    system_prompt: str | None,
    blobs: BlobStore,
    accepts: Callable[[str], bool],
    cap: int,
) -> list[dict[str, Any]]:
    """The request's `messages` with attachments as content parts, encoded off the loop."""
    planned = plan(history, accepts, cap)
    if not planned:
        return build_replay(history, system_prompt)
    parts = await asyncio.to_thread(encode, blobs, planned)
    return build_replay(history, system_prompt, parts)


def unaccepted(kinds: set[str], accepts: Callable[[str], bool]) -> set[str]:
    return {k for k in kinds if not accepts(k)}


_SAFE_HEAD = re.compile(r"data:[A-Za-z0-9.+/-]+;base64,")


def json_body(body: dict[str, Any]) -> bytes | None:
    """The request body as JSON bytes with each data URL spliced in rather than encoded, or
    None when it carries none (the SDK then encodes it as usual).

    The SDK's JSON encoding of a body holding a 6.7 MB base64 string ran on the event loop
    (one C call, 30-150 ms under load). Base64 needs no JSON escaping, so the rest of the body
    is encoded with short placeholders and the bytes of each URL copied into their place.
    """
    urls: list[bytes] = []
    token = os.urandom(8).hex()

    def swap(holder: dict[str, Any], key: str) -> dict[str, Any]:
        value = holder.get(key)
        if isinstance(value, str) and len(value) > 4096 and _SAFE_HEAD.match(value):
            urls.append(value.encode("ascii"))
            return {**holder, key: f"{token}:{len(urls) - 1}"}
        return holder

    messages = []
    for msg in body.get("messages") or []:
        content = msg.get("content")
        if msg.get("role") != "user" or not isinstance(content, list):
            messages.append(msg)
            continue
        parts = []
        for p in content:
            kind = p.get("type")
            if kind in ("image_url", "video_url"):
                p = {**p, kind: swap(p.get(kind) or {}, "url")}
            elif kind == "input_audio":
                p = {**p, "input_audio": swap(p.get("input_audio") or {}, "data")}
            parts.append(p)
        messages.append({**msg, "content": parts})
    if not urls:
        return None
    text = json.dumps({**body, "messages": messages}, ensure_ascii=False).encode("utf-8")
    pieces = text.split(f'"{token}:'.encode())
    out = [pieces[0]]
    for piece in pieces[1:]:
        index, rest = piece.split(b'"', 1)
        out += [b'"', urls[int(index)], b'"', rest]
    return b"".join(out)
