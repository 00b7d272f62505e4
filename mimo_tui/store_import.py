"""Writing a whole session at once: imports (transcripts) and copies (forks). A part of
`Store`: one transaction, so all of it lands or none of it, with the tree it had."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from mimo_tui import blobs as attached
from mimo_tui import source_store
from mimo_tui.model import Message, Session
from mimo_tui.store_rows import blocks_json, calls_json
from mimo_tui.store_search import remember_terms


def new_id() -> str:
    """A session id: 12 random hex digits (os.urandom: `secrets` costs 1.5 ms of start-up)."""
    return os.urandom(6).hex()


class ImportMixin:
    """Store's import methods (Store provides what is declared here)."""

    clock: Callable[[], float]
    _write: Callable[[], AbstractContextManager[sqlite3.Connection]]
    messages: Callable[..., list[Message]]
    get_session: Callable[[str], Session]

    def fork_session(self, session_id: str, before_message_id: int, title: str) -> Session:
        """A new session holding copies of the active path's messages before
        `before_message_id` (edit-and-resend now branches within the session instead)."""
        source = self.get_session(session_id)
        kept = [m for m in self.messages(session_id) if (m.id or 0) < before_message_id]
        return self.import_session(title, source.model, source.settings, kept)

    def import_session(
        self,
        title: str,
        model: str,
        settings: dict[str, Any],
        messages: list[Message],
        created_at: float | None = None,
    ) -> Session:
        """Write a whole session in one transaction: all of it lands, or none of it.

        The messages keep their tree (tree.import_links): parent links where they carry them,
        else each follows the one before it, old superseded replies becoming branches."""
        from mimo_tui.tree import import_links

        now = self.clock()
        session_id = new_id()
        links = import_links(messages)
        new_ids: list[int | None] = []
        leaf: int | None = None
        with self._write() as db:
            db.execute(
                "INSERT INTO sessions(id, title, model, settings, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, title, model, json.dumps(settings), created_at or now, now),
            )
            reply_id: int | None = None  # the last reply written: its calls' results follow
            for msg, (parent, on_path, status) in zip(messages, links, strict=True):
                usage = msg.usage
                meta = msg.tool_meta
                if meta and "assistant_message_id" in meta:
                    # A call is known by its reply's id in *this* session (forks, imports).
                    meta = {**meta, "assistant_message_id": reply_id}
                cur = db.execute(
                    "INSERT INTO messages(session_id, role, content, reasoning_content, "
                    "tool_calls, tool_call_id, model, prompt_tokens, completion_tokens, "
                    "reasoning_tokens, finish_reason, status, error, ttft_ms, reasoning_ms, "
                    "duration_ms, created_at, updated_at, tool_meta, thinking_blocks, "
                    "cached_tokens, parent_id, on_path) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        session_id,
                        msg.role,
                        msg.content,
                        msg.reasoning_content,
                        calls_json(msg.tool_calls),
                        msg.tool_call_id,
                        msg.model,
                        usage.prompt_tokens if usage else None,
                        usage.completion_tokens if usage else None,
                        usage.reasoning_tokens if usage else None,
                        msg.finish_reason,
                        "interrupted" if status == "streaming" else status,
                        msg.error,
                        msg.ttft_ms,
                        msg.reasoning_ms,
                        msg.duration_ms,
                        msg.created_at or now,
                        now,
                        json.dumps(meta) if meta is not None else None,
                        blocks_json(msg.thinking_blocks),
                        usage.cached_tokens if usage else None,
                        new_ids[parent] if parent is not None else None,
                        int(on_path),
                    ),
                )
                new_ids.append(cur.lastrowid)
                if on_path:
                    leaf = cur.lastrowid
                if msg.role == "assistant":
                    reply_id = cur.lastrowid
                    source_store.put(db, reply_id, msg.sources)
                if msg.attachments and cur.lastrowid is not None:
                    attached.insert(db, session_id, cur.lastrowid, msg.attachments)
            remember_terms(
                db,
                [
                    t
                    for m in messages
                    for t in (m.content, m.reasoning_content, calls_json(m.tool_calls))
                ],
            )
            db.execute("UPDATE sessions SET active_leaf = ? WHERE id = ?", (leaf, session_id))
        return self.get_session(session_id)
