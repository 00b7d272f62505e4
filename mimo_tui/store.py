"""The session store: SQLite (WAL) under the data dir, with forward migrations and replay.

The pieces: store_db opens the file (migrations, a corrupt file set aside, orphaned replies,
write transactions), store_rows turns rows into `Message`s and `Session`s, store_search
finds messages. `replay()` is the single place that turns stored history into the API's
`messages`, applying MiMo's 400 rules (reasoning_content on every assistant turn,
`content: ""` never null, tool content a string, every tool call answered) so a bad history
never leaves the client.
Each session row carries its message count and token sums (kept by triggers, see
migrations), so listing sessions never aggregates messages.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mimo_tui import blobs as attached
from mimo_tui import gc_policy, source_store
from mimo_tui.migrations import DAMAGED_SESSION
from mimo_tui.model import Message, SearchHit, Session, SessionSummary, Usage, UsageRow
from mimo_tui.store_compactions import CompactionsMixin
from mimo_tui.store_db import (
    MAX_PAGES_ENV,
    WRITING,
    StoreDamaged,
    StoreError,
    StoreFull,
    damaged,
    is_corrupt,
    open_db,
    write,
)
from mimo_tui.store_import import ImportMixin, new_id
from mimo_tui.store_open import OpenMixin
from mimo_tui.store_rows import (
    MESSAGE_COLUMNS,
    SAFE_SESSION_COLUMNS,
    SESSION_COLUMNS,
    SESSION_ROW,
    blocks_json,
    calls_json,
    message_from_row,
    session_from_row,
    summary_from_row,
)
from mimo_tui.store_search import context, marked_off_path, remember_terms, search_messages
from mimo_tui.store_tree import TreeMixin

__all__ = ["MAX_PAGES_ENV", "Store", "StoreDamaged", "StoreError", "StoreFull"]


def _texts(message: Message) -> list[str | None]:
    """What the search index holds of a message."""
    return [message.content, message.reasoning_content, calls_json(message.tool_calls)]


class Store(CompactionsMixin, TreeMixin, OpenMixin, ImportMixin):
    """All access to the sessions database. Synchronous: each call is a few milliseconds."""

    def __init__(self, path: Path | str, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.clock = clock
        self.db, self.recovered_from = open_db(self.path)
        # Attachment bytes, by sha256, beside the store (a temp folder for :memory:).
        root = (  # created on the first blob, owner-only
            Path(tempfile.gettempdir()) / f"mimo-blobs-{os.getpid()}-{id(self):x}"
            if str(self.path) == ":memory:"
            else attached.blob_dir(self.path)
        )
        self.blobs = attached.BlobStore(root)

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with write(self.db, self.path) as db:
            yield db

    def close(self) -> None:
        self.db.close()

    def read_damage(self, exc: BaseException) -> StoreDamaged | None:
        """The error to tell for a read that found the file damaged (and the store marked,
        so the next open sets it aside), or None when `exc` says nothing of the kind.
        Writes raise StoreDamaged themselves; reads are too many to wrap one by one."""
        if not is_corrupt(exc) or str(self.path) == ":memory:":
            return None
        return damaged(self.path, exc, "it could not be read")

    # ---- sessions ------------------------------------------------------------------------------

    def create_session(
        self, model: str, settings: dict[str, Any] | None = None, session_id: str | None = None
    ) -> Session:
        now = self.clock()
        session_id = session_id or new_id()
        with self._write() as db:
            db.execute(
                "INSERT INTO sessions(id, model, settings, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (session_id, model, json.dumps(settings or {}), now, now),
            )
        return Session(session_id, "", model, now, now, settings=dict(settings or {}))

    def get_session(self, ref: str) -> Session:
        """A session by id, unique id prefix, or `last`; StoreError says why none matched."""
        if ref == "last":
            row = self.db.execute(
                f"SELECT {SESSION_ROW} FROM sessions ORDER BY updated_at DESC, rowid DESC LIMIT 1"
            ).fetchone()
            if row is None:
                raise StoreError("there are no sessions yet")
            return session_from_row(row)
        row = self.db.execute(f"SELECT {SESSION_ROW} FROM sessions WHERE id = ?", (ref,)).fetchone()
        if row is not None:
            return session_from_row(row)
        # Ids that start with `ref`, as a range of the primary key's index: `id LIKE 'ref%'`
        # ORed with the exact match scanned every session (20 ms at 100,000, on every start).
        rows = self.db.execute(
            f"SELECT {SESSION_ROW} FROM sessions WHERE id > ? AND id < ? ORDER BY id LIMIT 2",
            (ref, ref + "\U0010ffff"),
        ).fetchall()
        if not rows:
            raise StoreError(f"no session matches {ref!r}")
        if len(rows) > 1:
            raise StoreError(f"{ref!r} matches several sessions; give more of the id")
        return session_from_row(rows[0])

    def update_session_settings(self, session_id: str, changes: dict[str, Any]) -> None:
        """Merge `changes` into the session's stored settings (read and written under lock)."""
        with self._write() as db:
            row = db.execute("SELECT settings FROM sessions WHERE id = ?", (session_id,)).fetchone()
            current = json.loads(row["settings"] or "{}") if row else {}
            current.update(changes)
            db.execute(
                "UPDATE sessions SET settings = ? WHERE id = ?", (json.dumps(current), session_id)
            )
            if isinstance(changes.get("model"), str):  # the list's model column says it too
                db.execute(
                    "UPDATE sessions SET model = ? WHERE id = ?", (changes["model"], session_id)
                )

    def rename_session(self, session_id: str, title: str) -> None:
        title = " ".join(title.split())[:200]
        if not title:
            raise StoreError("a session title cannot be empty")
        with self._write() as db:
            db.execute("UPDATE sessions SET title = ? WHERE id = ?", (title, session_id))

    @property
    def kept_lines_file(self) -> Path | None:
        """Where the TUI keeps the lines it last drew of this store's newest replies, so
        that reopening a session draws them at once (ui/widgets/kept_lines.py): a cache
        beside the store, one per store (the demo's apart)."""
        if str(self.path) == ":memory:":
            return None
        return self.path.with_name(self.path.stem + "-kept-lines.json")

    def delete_session(self, session_id: str) -> None:
        """Delete a session, its messages and its request log (one transaction), then the
        attachment blobs no other message references, and the lines the TUI kept of the
        newest replies it drew (they may be this session's: deleted is gone from disk)."""
        with self._write() as db:
            shas = attached.of_session(db, session_id)
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        attached.collect(self.db, self.blobs, shas)
        if self.kept_lines_file is not None:
            with contextlib.suppress(OSError):
                self.kept_lines_file.unlink(missing_ok=True)

    def forget_blobs(self, shas: list[str]) -> None:
        """Remove those of `shas` no message references (a turn that wrote them failed)."""
        attached.collect(self.db, self.blobs, shas)

    def delete_if_empty(self, session_id: str) -> None:
        with self._write() as db:
            db.execute(
                "DELETE FROM sessions WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM messages WHERE session_id = ?)",
                (session_id, session_id),
            )

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Messages of any session matching every word of `query` in their text (see
        store_search), in the name of a file attached to them, or in their web sources,
        newest first."""
        words = query.split()
        if not words:
            return []
        hits = search_messages(self.db, query, limit)
        by_name = attached.search_names(self.db, words, limit)
        if by_name:
            seen = {h.message_id for h in hits}
            hits += [
                SearchHit(r[1], r[3], r[0], r[2], context(r[5], words[0]), r[4])
                for r in by_name
                if r[0] not in seen
            ]
            hits.sort(key=lambda h: h.message_id, reverse=True)
            hits = hits[:limit]
        return marked_off_path(self.db, source_store.with_source_hits(self.db, hits, words, limit))

    def usage_report(self, since: float | None = None) -> list[UsageRow]:
        """Requests and tokens per local day and model, like the platform's usage page.

        Only replies this client asked for count (each has its `requests` row): an imported
        transcript's replies were no request of ours, and had no model to show but `?`."""
        rows = self.db.execute(
            "SELECT date(created_at, 'unixepoch', 'localtime') AS day, "
            "coalesce(model, (SELECT q.model FROM requests q WHERE q.message_id = messages.id "
            "LIMIT 1)) AS model, count(*) AS requests, "
            "coalesce(sum(prompt_tokens), 0) AS p, coalesce(sum(completion_tokens), 0) AS c, "
            "coalesce(sum(reasoning_tokens), 0) AS r, sum(cached_tokens) AS k, "
            "coalesce(sum(CASE WHEN cached_tokens IS NOT NULL THEN prompt_tokens END), 0) AS kp "
            "FROM messages WHERE role = 'assistant' AND created_at >= ? "
            "AND EXISTS (SELECT 1 FROM requests q WHERE q.message_id = messages.id) "
            "GROUP BY day, model "
            "ORDER BY day, model",
            (since or 0,),
        ).fetchall()
        return [
            UsageRow(
                r["day"], r["model"], r["requests"], Usage(r["p"], r["c"], r["r"], r["k"]), r["kp"]
            )
            for r in rows
        ]

    def list_sessions(self, limit: int = 100) -> list[SessionSummary]:
        """The newest sessions with their message counts and tokens, from the sessions table
        alone (the counters live on each session's row), newest first.

        Each row's tuple becomes a SessionSummary in C (tuple.__new__ through map), with no
        Python code per row: building a full Session, its Usage and a settings dict for each
        of 100,000 rows was two thirds of listing them. Nothing built here is cyclic, so the
        collector stays out of the way while the list grows (gc_policy.bulk). A store that
        holds a damaged row (its partial index says so at once) is read column by column
        as the types a list needs: "(damaged title)", time 0.
        """
        damaged = self.db.execute(f"SELECT 1 FROM sessions WHERE {DAMAGED_SESSION} LIMIT 1")
        columns = SAFE_SESSION_COLUMNS if damaged.fetchone() else SESSION_COLUMNS
        with gc_policy.bulk():
            rows = self._tuples(
                f"SELECT {columns} FROM sessions ORDER BY updated_at DESC, rowid DESC LIMIT ?",
                (limit,),
            )
            return list(map(summary_from_row, rows))

    def sessions_in_full(self, limit: int = 100) -> list[Session]:
        """The newest sessions as list_sessions orders them, each whole (creation time, the
        token split, its own settings) for an export such as `sessions list --json`."""
        rows = self.db.execute(
            f"SELECT {SESSION_ROW} FROM sessions ORDER BY updated_at DESC, rowid DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [session_from_row(r) for r in rows]

    # ---- messages ------------------------------------------------------------------------------

    def add_message(self, session_id: str, message: Message) -> Message:
        now = self.clock()
        message.session_id = session_id
        message.created_at = message.created_at or now
        with self._write() as db:
            # It follows the session's active leaf (tree.py), and becomes that leaf.
            leaf = db.execute(
                "SELECT active_leaf FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
            message.parent_id = leaf[0] if leaf else None
            message.on_path = True
            cur = db.execute(
                "INSERT INTO messages(session_id, role, content, reasoning_content, tool_calls, "
                "tool_call_id, model, status, owner_pid, created_at, updated_at, tool_meta, "
                "parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    message.role,
                    message.content,
                    message.reasoning_content,
                    calls_json(message.tool_calls),
                    message.tool_call_id,
                    message.model,
                    message.status,
                    os.getpid() if message.status == "streaming" else None,
                    message.created_at,
                    now,
                    json.dumps(message.tool_meta) if message.tool_meta is not None else None,
                    message.parent_id,
                ),
            )
            message.id = cur.lastrowid
            if message.status == "streaming" and message.id is not None:
                WRITING.add((str(self.path), message.id))
            if message.attachments and message.id is not None:
                attached.insert(db, session_id, message.id, message.attachments)
            if message.status != "streaming":
                remember_terms(db, _texts(message))
            if message.role == "user":
                title = " ".join(message.content.split())[:80]
                db.execute(
                    "UPDATE sessions SET title = ? WHERE id = ? AND title = ''",
                    (title, session_id),
                )
            db.execute(
                "UPDATE sessions SET updated_at = ?, active_leaf = ? WHERE id = ?",
                (now, message.id, session_id),
            )
        return message

    def update_message(self, message: Message) -> None:
        """Write the message's current state: a checkpoint while streaming, or the final one."""
        usage = message.usage or Usage()
        with self._write() as db:
            db.execute(
                "UPDATE messages SET content = ?, reasoning_content = ?, tool_calls = ?, "
                "prompt_tokens = ?, completion_tokens = ?, reasoning_tokens = ?, "
                "finish_reason = ?, status = ?, error = ?, ttft_ms = ?, reasoning_ms = ?, "
                "duration_ms = ?, thinking_blocks = ?, cached_tokens = ?, updated_at = ? "
                "WHERE id = ?",
                (
                    message.content,
                    message.reasoning_content,
                    calls_json(message.tool_calls),
                    usage.prompt_tokens if message.usage else None,
                    usage.completion_tokens if message.usage else None,
                    usage.reasoning_tokens if message.usage else None,
                    message.finish_reason,
                    message.status,
                    message.error,
                    message.ttft_ms,
                    message.reasoning_ms,
                    message.duration_ms,
                    blocks_json(message.thinking_blocks),
                    usage.cached_tokens,
                    self.clock(),
                    message.id,
                ),
            )
            source_store.put(db, message.id, message.sources)
            if message.status != "streaming":  # the final write: indexed for search now
                remember_terms(db, _texts(message))
        if message.status != "streaming" and message.id is not None:
            WRITING.discard((str(self.path), message.id))

    def messages(
        self,
        session_id: str,
        from_id: int | None = None,
        before_id: int | None = None,
        *,
        branches: bool = False,
    ) -> list[Message]:
        """The active path's messages in order (tree.py); optionally only ids in
        [from_id, before_id). `branches`: every message of every branch."""
        low = from_id if from_id is not None else -1
        high = before_id if before_id is not None else 2**62
        path = "" if branches else " AND on_path = 1"
        rows = self._tuples(
            f"SELECT {MESSAGE_COLUMNS} FROM messages"
            f" WHERE session_id = ?{path} AND id >= ? AND id < ? ORDER BY id",
            (session_id, low, high),
        ).fetchall()
        return self._completed(session_id, [message_from_row(r) for r in rows])

    def page(
        self,
        session_id: str,
        *,
        before_id: int | None = None,
        after_id: int | None = None,
        limit: int = 40,
    ) -> list[Message]:
        """At most `limit` messages of the active path in id order, read through the
        (session_id, on_path, id) index.

        No bound: the newest `limit`. `before_id`: the `limit` just older than it (scrolling up).
        `after_id`: the `limit` just newer than it (scrolling down). The cost depends on `limit`,
        not on the session's length, so a 50,000-message session opens like a short one.
        """
        if after_id is not None:
            rows = self._tuples(
                f"SELECT {MESSAGE_COLUMNS} FROM messages"
                " WHERE session_id = ? AND on_path = 1 AND id > ? ORDER BY id LIMIT ?",
                (session_id, after_id, limit),
            ).fetchall()
            return self._completed(session_id, [message_from_row(r) for r in rows])
        high = before_id if before_id is not None else 2**62
        rows = self._tuples(
            f"SELECT {MESSAGE_COLUMNS} FROM messages"
            " WHERE session_id = ? AND on_path = 1 AND id < ? ORDER BY id DESC LIMIT ?",
            (session_id, high, limit),
        ).fetchall()
        return self._completed(session_id, [message_from_row(r) for r in reversed(rows)])

    def last_id(self, session_id: str, role: str, before: int | None = None) -> int | None:
        """The id of the session's newest message of this role (before id `before`), read
        newest first: one look-up, however long the session."""
        row = self.db.execute(
            "SELECT id FROM messages WHERE session_id = ? AND on_path = 1 AND role = ? "
            "AND id < ? ORDER BY id DESC LIMIT 1",
            (session_id, role, 2**62 if before is None else before),
        ).fetchone()
        return int(row[0]) if row else None

    def message(self, message_id: int) -> Message | None:
        row = self._tuples(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        if not row:
            return None
        found = message_from_row(row)
        return self._completed(found.session_id or "", [found])[0]

    def _completed(self, session_id: str, messages: list[Message]) -> list[Message]:
        """Messages read from their rows, with their attachments and web sources filled in."""
        return source_store.attach(self.db, attached.fill(self.db, session_id, messages))

    def _tuples(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
        """Run a query whose rows come back as plain tuples, not sqlite3.Row."""
        cursor = self.db.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params)

    def record_request(
        self,
        session_id: str,
        message_id: int,
        model: str,
        system_prompt: str | None,
        params: dict[str, Any],
        history_count: int,
    ) -> None:
        """Remember what a round sent: the system prompt as rendered and every parameter.

        The messages themselves are not copied (that would grow quadratically); they are the
        session's first `history_count` replayed messages.
        """
        with self._write() as db:
            db.execute(
                "INSERT INTO requests(session_id, message_id, created_at, model, system_prompt, "
                "params, history_count) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    message_id,
                    self.clock(),
                    model,
                    system_prompt,
                    json.dumps(params, ensure_ascii=False),
                    history_count,
                ),
            )

    def request_for(self, message_id: int) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT * FROM requests WHERE message_id = ? ORDER BY id DESC LIMIT 1", (message_id,)
        ).fetchone()
        if row is None:
            return None
        return {
            "model": row["model"],
            "system_prompt": row["system_prompt"],
            "params": json.loads(row["params"]),
            "history_count": row["history_count"],
            "created_at": row["created_at"],
        }
