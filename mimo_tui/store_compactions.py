"""The store's compactions: summaries standing in for a session's older messages when
replaying (see mimo_tui.compaction), and the replay that uses them. A part of `Store`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from mimo_tui.compaction import Compaction, with_summary
from mimo_tui.model import Message
from mimo_tui.replay import build_replay
from mimo_tui.store_db import StoreError


class CompactionsMixin:
    """Store's compaction methods (Store provides what is declared here)."""

    clock: Callable[[], float]
    _write: Callable[[], AbstractContextManager[sqlite3.Connection]]
    _tuples: Callable[[str, tuple[Any, ...]], sqlite3.Cursor]
    messages: Callable[..., list[Message]]

    def add_compaction(
        self, session_id: str, before_id: int, summary: str, covered: int
    ) -> Compaction:
        """Store a summary for the messages before `before_id`; it becomes the active one."""
        now = self.clock()
        with self._write() as db:
            db.execute("UPDATE compactions SET active = 0 WHERE session_id = ?", (session_id,))
            cur = db.execute(
                "INSERT INTO compactions(session_id, before_id, summary, covered, active, "
                "created_at) VALUES (?, ?, ?, ?, 1, ?)",
                (session_id, before_id, summary, covered, now),
            )
            db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))
        assert cur.lastrowid is not None
        return Compaction(cur.lastrowid, session_id, before_id, summary, True, now, covered)

    def compactions(self, session_id: str) -> list[Compaction]:
        """Every compaction of the session, oldest first (undone ones included)."""
        rows = self._tuples(
            "SELECT id, session_id, before_id, summary, active, created_at, covered "
            "FROM compactions WHERE session_id = ? ORDER BY id",
            (session_id,),
        ).fetchall()
        return [
            Compaction(r[0], r[1], int(r[2]), str(r[3]), bool(r[4]), float(r[5]), int(r[6]))
            for r in rows
        ]

    def active_compaction(self, session_id: str) -> Compaction | None:
        """The compaction replay uses now, if any: the newest active one, while it holds for
        the active path (its cut message on the path: ancestors never change, so the path
        then begins with exactly what was summarised). On a branch that left the path before
        the cut, the whole path is replayed."""
        active = [c for c in self.compactions(session_id) if c.active]
        if not active:
            return None
        cut = active[-1]
        row = self._tuples(
            "SELECT on_path FROM messages WHERE session_id = ? AND id = ?",
            (session_id, cut.before_id),
        ).fetchone()
        if row is None:  # everything was summarised: the newest message it covered
            row = self._tuples(
                "SELECT on_path FROM messages WHERE session_id = ? AND id < ? "
                "ORDER BY id DESC LIMIT 1",
                (session_id, cut.before_id),
            ).fetchone()
        return cut if row is not None and row[0] else None

    def set_compaction(
        self, compaction_id: int, *, active: bool, summary: str | None = None
    ) -> None:
        """Undo (active=False) or redo a compaction, optionally with an edited summary."""
        with self._write() as db:
            row = db.execute(
                "SELECT session_id FROM compactions WHERE id = ?", (compaction_id,)
            ).fetchone()
            if row is None:
                raise StoreError(f"no compaction {compaction_id}")
            if active:
                db.execute("UPDATE compactions SET active = 0 WHERE session_id = ?", (row[0],))
            db.execute(
                "UPDATE compactions SET active = ?, summary = coalesce(?, summary) WHERE id = ?",
                (int(active), summary, compaction_id),
            )

    def replay(self, session_id: str, system_prompt: str | None) -> list[dict[str, Any]]:
        """The next request's messages; with an active compaction, its summary (appended to the
        system prompt) and the messages from its cut on, instead of the whole history."""
        compaction = self.active_compaction(session_id)
        if compaction is None:
            return build_replay(self.messages(session_id), system_prompt)
        recent = self.messages(session_id, from_id=compaction.before_id)
        return build_replay(recent, with_summary(system_prompt, compaction))
