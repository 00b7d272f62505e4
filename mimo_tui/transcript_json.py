"""The lossless JSON export: every stored field of every branch, plus an OpenAI-style
`messages` array of the active path that can be sent to the API as is; and the format's
name and version, which an import (transcript_import.py) checks.

Apart from the exports for people (transcripts.py: Markdown, HTML) because this one is a
file format that must round-trip: it is built from the store and the replay, not from what a
reader sees.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from mimo_tui.compaction import base_prompt
from mimo_tui.model import Message, Session
from mimo_tui.replay import build_replay, openai_messages
from mimo_tui.store import Store
from mimo_tui.text import scrub, visible_json

FORMAT = "mimo-tui.session"
VERSION = 1


def _system_prompt(store: Store, messages: list[Message]) -> str | None:
    for msg in reversed(messages):
        if msg.role == "assistant" and msg.id is not None:
            sent = store.request_for(msg.id)
            if sent is not None:
                prompt = sent["system_prompt"]
                return prompt if isinstance(prompt, str) else None
    return None


def _message_dict(msg: Message) -> dict[str, Any]:
    data = asdict(msg)
    data["tool_calls"] = [c._asdict() for c in msg.tool_calls]
    data["usage"] = msg.usage._asdict() if msg.usage else None
    data.pop("session_id", None)
    if msg.attachments:
        data["attachments"] = [a._asdict() for a in msg.attachments]
    else:
        data.pop("attachments", None)
    return data


def export_json(store: Store, session: Session, key: str | None = None) -> str:
    """Every message of every branch (each with its parent_id and on_path); the
    `openai_messages` are the active path's replay."""
    everything = store.messages(session.id, branches=True)
    messages = [m for m in everything if m.on_path]
    media_parts = None
    table: dict[str, str] = {}
    if any(m.attachments for m in everything):
        from mimo_tui import media
        from mimo_tui.transcript_media import blob_table

        table = blob_table(store.blobs, everything)
        planned = media.plan(messages, lambda _kind: True, 1_000_000)
        media_parts = media.encode(store.blobs, planned)
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "session": {
            "id": session.id,
            "title": session.title,
            "model": session.model,
            "settings": session.settings,
            "created_at": session.created_at,
            "updated_at": session.updated_at,
        },
        "messages": [_message_dict(m) for m in everything],
        "openai_messages": openai_messages(
            build_replay(messages, base_prompt(_system_prompt(store, messages)), media_parts)
        ),
        "compactions": [
            {
                "before_id": c.before_id,
                "summary": c.summary,
                "covered": c.covered,
                "active": c.active,
                "created_at": c.created_at,
            }
            for c in store.compactions(session.id)
        ],
    }
    if table:  # each attachment's bytes once, by sha256 (messages name them)
        data["attachments"] = table
    return scrub(visible_json(data), key) + "\n"
