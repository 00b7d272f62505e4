"""The store's conversation tree (see mimo_tui.tree): the active leaf, switching branches,
and a message's lineage. A part of `Store`.

The path is kept marked (`messages.on_path`) rather than walked on each read: paging a
50,000-message session and replaying it stay one index read of (session_id, on_path, id).
Switching rewrites the mark along the old and the new path, once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from mimo_tui.model import Message
from mimo_tui.store_db import StoreError
from mimo_tui.store_rows import MESSAGE_COLUMNS, message_from_row

if TYPE_CHECKING:
    from mimo_tui.tree import Tree

_ANCESTORS = (
    "WITH RECURSIVE up(id) AS (SELECT ? UNION ALL "
    "SELECT m.parent_id FROM messages m JOIN up ON m.id = up.id WHERE m.parent_id IS NOT NULL) "
)


class TreeMixin:
    """Store's tree methods (Store provides what is declared here)."""

    db: sqlite3.Connection
    _write: Callable[[], AbstractContextManager[sqlite3.Connection]]
    _tuples: Callable[[str, tuple[Any, ...]], sqlite3.Cursor]
    _completed: Callable[[str, list[Message]], list[Message]]
    messages: Callable[..., list[Message]]

    def active_leaf(self, session_id: str) -> int | None:
        row = self.db.execute(
            "SELECT active_leaf FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def set_active_leaf(self, session_id: str, leaf_id: int | None) -> None:
        """Make `leaf_id` and its ancestors the active path (None: an empty path, so the next
        message starts a new root, as editing the first message does)."""
        with self._write() as db:
            if leaf_id is not None:
                row = db.execute(
                    "SELECT session_id FROM messages WHERE id = ?", (leaf_id,)
                ).fetchone()
                if row is None or row[0] != session_id:
                    raise StoreError(f"message {leaf_id} is not in session {session_id}")
            db.execute(
                "UPDATE messages SET on_path = 0 WHERE session_id = ? AND on_path = 1",
                (session_id,),
            )
            if leaf_id is not None:
                db.execute(
                    _ANCESTORS + "UPDATE messages SET on_path = 1 WHERE id IN (SELECT id FROM up)",
                    (leaf_id,),
                )
            db.execute("UPDATE sessions SET active_leaf = ? WHERE id = ?", (leaf_id, session_id))

    def branch_from(self, session_id: str, message_id: int | None) -> None:
        """The next message becomes a new child of `message_id` (regenerate: the user message;
        edit: the edited message's parent). What was below it stays, as another branch."""
        self.set_active_leaf(session_id, message_id)

    def tree(self, session_id: str) -> Tree:
        from mimo_tui.tree import Tree  # loaded when first used, not with the store

        return Tree(self.messages(session_id, branches=True))

    def switch_branch(self, session_id: str, message_id: int) -> int:
        """Make the branch through `message_id` the active path, down to its newest leaf (or
        the leaf the path already reaches through it); returns that leaf's id."""
        tree = self.tree(session_id)
        start = tree.by_id.get(message_id)
        if start is None:
            raise StoreError(f"message {message_id} is not in session {session_id}")
        leaf = tree.leaf(start).id
        self.set_active_leaf(session_id, leaf)
        assert leaf is not None
        return leaf

    def lineage(self, message_id: int) -> list[Message]:
        """`message_id` and its ancestors, root first: the history its request replayed,
        whichever branch is active now."""
        rows = self._tuples(
            _ANCESTORS + f"SELECT {MESSAGE_COLUMNS} FROM messages "
            "WHERE id IN (SELECT id FROM up) ORDER BY id",
            (message_id,),
        ).fetchall()
        found = [message_from_row(r) for r in rows]
        return self._completed(found[0].session_id or "", found) if found else []
