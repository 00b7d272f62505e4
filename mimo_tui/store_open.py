"""What opening a session reads besides its newest page, without reading the whole session.
A part of `Store`.

The status line's totals and the `[` / `]` versions used to be computed from every message
of every branch, decoded into Python: 1.4 s of `mimo-tui -c`'s first frame at 50,000
messages. Here the totals are one aggregate the database sums in C (no row becomes a
Python object), and the versions are read from the off-path branches only, whose size is
what was regenerated, not the length of the session.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mimo_tui.cost import PathTotals, UsageGroup
from mimo_tui.model import Message, Usage
from mimo_tui.store_rows import MESSAGE_COLUMNS, message_from_row

if TYPE_CHECKING:
    from mimo_tui.tree import Tree

# SQLite's smallest default limit on bound parameters is 999.
_CHUNK = 500

_HAS_USAGE = "(prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL)"


class OpenMixin:
    """Store's session-opening reads (Store provides what is declared here)."""

    db: sqlite3.Connection
    _tuples: Callable[[str, tuple[Any, ...]], sqlite3.Cursor]
    _completed: Callable[[str, list[Message]], list[Message]]

    def path_totals(self, session_id: str) -> PathTotals:
        """The totals the status line shows for a session, as Store.messages would give
        them summed (one aggregate over the (session_id, on_path, id) index)."""
        rows = self.db.execute(
            "SELECT model, cached_tokens IS NOT NULL, COUNT(*), SUM(COALESCE(prompt_tokens, 0)), "
            "SUM(COALESCE(completion_tokens, 0)), SUM(COALESCE(reasoning_tokens, 0)), "
            "SUM(MIN(COALESCE(cached_tokens, 0), COALESCE(prompt_tokens, 0))), "
            "SUM(cached_tokens) FROM messages "
            f"WHERE session_id = ? AND on_path = 1 AND {_HAS_USAGE} "
            "GROUP BY model, cached_tokens IS NOT NULL ORDER BY MIN(id)",
            (session_id,),
        ).fetchall()
        session = Usage()
        groups = []
        for model, known, count, prompt, completion, reasoning, billed, cached in rows:
            known = bool(known)
            session = session + Usage(prompt, completion, reasoning, cached)
            usage = Usage(prompt, completion, reasoning, billed if known else None)
            groups.append(UsageGroup(model, usage, count, prompt if known else 0, known))
        last = self.db.execute(
            "SELECT prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens "
            f"FROM messages WHERE session_id = ? AND on_path = 1 AND {_HAS_USAGE} "
            "AND status IS NOT 'superseded' ORDER BY id DESC LIMIT 1",
            (session_id,),
        ).fetchone()
        replayed = None
        if last is not None:
            replayed = Usage(last[0] or 0, last[1] or 0, last[2] or 0, last[3])
        return PathTotals(session, groups, replayed)

    def versions_tree(self, session_id: str) -> Tree:
        """The part of a session's tree that `versions.reply_versions` looks at: every
        message off the active path, with the path messages they branch from and those
        messages' children on the path. A session never regenerated reads no row."""
        from mimo_tui.tree import Tree

        off = [
            message_from_row(r)
            for r in self._tuples(
                f"SELECT {MESSAGE_COLUMNS} FROM messages"
                " WHERE session_id = ? AND on_path = 0 ORDER BY id",
                (session_id,),
            ).fetchall()
        ]
        if not off:
            return Tree([])
        parents = sorted({m.parent_id for m in off if m.parent_id is not None})
        on: dict[int, Message] = {}
        for i in range(0, len(parents), _CHUNK):
            chunk = parents[i : i + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            for r in self._tuples(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE on_path = 1 AND session_id = ?"
                f" AND (id IN ({marks}) OR parent_id IN ({marks}))",
                (session_id, *chunk, *chunk),
            ).fetchall():
                msg = message_from_row(r)
                if msg.id is not None:
                    on[msg.id] = msg
        found = sorted([*off, *on.values()], key=lambda m: m.id or 0)
        return Tree(self._completed(session_id, found))
