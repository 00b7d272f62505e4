"""The session store: SQLite (WAL) under the data dir, with forward migrations and replay.

Why it looks like this:
- Every write takes the lock up front (`BEGIN IMMEDIATE`): in WAL mode a read-then-write
  transaction that started as a reader fails with "database is locked" despite the busy timeout
  when another instance wrote meanwhile. Two running instances lose nothing.
- A reply in flight is a row with status `streaming`, checkpointed by the engine; the pid that
  owns it is stored, so a store opened after a crash marks orphans `interrupted` without touching
  another live instance's reply.
- `replay()` is the single place that turns stored history into the API's `messages`, applying
  MiMo's 400 rules (reasoning_content on every assistant turn, `content: ""` never null, tool
  content a string, every tool call answered) so a bad history never leaves the client.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mimo_tui import transcript_schema as schema
from mimo_tui.compaction import Compaction, with_summary
from mimo_tui.migrations import MIGRATIONS, SCHEMA_VERSION
from mimo_tui.model import Message, Role, SearchHit, Session, ToolCall, Usage, UsageRow
from mimo_tui.replay import build_replay


def _new_id() -> str:
    """A session id: 12 random hex digits (os.urandom: `secrets` costs 1.5 ms of start-up)."""
    return os.urandom(6).hex()


class StoreError(Exception):
    """The store cannot be used as is; the message says what happened and what to do."""


class StoreFull(StoreError):
    """A write failed because the disk (or the store's size limit) is full: SQLITE_FULL.
    The transaction was rolled back whole; what was written before it is intact."""


# A test hook: SQLite's max_page_count on every connection, so a test can make the store
# "full" at a size it chooses and drive the real SQLITE_FULL path without a tiny filesystem.
MAX_PAGES_ENV = "MIMO_TUI_STORE_MAX_PAGES"


def _is_full(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or (
        "database or disk is full" in str(exc)
    )


_MESSAGE_COLUMNS = (
    "id, session_id, role, content, reasoning_content, tool_calls, tool_call_id, model, "
    "prompt_tokens, completion_tokens, reasoning_tokens, finish_reason, status, error, "
    "ttft_ms, reasoning_ms, duration_ms, created_at, tool_meta, thinking_blocks"
)


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Store:
    """All access to the sessions database. Synchronous: each call is a few milliseconds."""

    def __init__(self, path: Path | str, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.clock = clock
        self.recovered_from: Path | None = None
        self.db = self._open()

    # ---- opening, migrations ---------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not self.path.exists():
                # Create it owner-only before SQLite does, so no moment exists with wider rights.
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        db = sqlite3.connect(self.path, isolation_level=None, timeout=10, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA busy_timeout = 10000")
        # WAL is persistent: only the first opener switches, so others never race for it.
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = NORMAL")
        max_pages = os.environ.get(MAX_PAGES_ENV, "")
        if max_pages.isdigit():
            db.execute(f"PRAGMA max_page_count = {int(max_pages)}")
        return db

    def _open(self) -> sqlite3.Connection:
        """Connect and migrate; a corrupt file is kept aside and a fresh store started.

        Only a file SQLite cannot read as a database counts as corrupt (sqlite3.DatabaseError
        that is not an OperationalError): a busy or locked store is waited for, never moved.
        """
        deadline = time.monotonic() + 15
        while True:
            db: sqlite3.Connection | None = None
            try:
                db = self._connect()
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
                self._migrate(db)
                break
            except StoreError:
                if db is not None:
                    db.close()
                raise
            except sqlite3.OperationalError as exc:
                if db is not None:
                    db.close()
                busy = "locked" in str(exc) or "busy" in str(exc)
                if busy and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                why = "locked by another process" if busy else f"cannot be opened ({exc})"
                raise StoreError(f"{self.path}: the store is {why}") from exc
            except sqlite3.DatabaseError:
                if db is not None:
                    db.close()
                self._set_aside()
        self._mark_orphans(db)
        return db

    def _set_aside(self) -> None:
        """Move a corrupt store (and its WAL files) aside with a timestamp; never delete it."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        os.replace(self.path, aside)
        for suffix in ("-wal", "-shm"):
            side = Path(str(self.path) + suffix)
            if side.exists():
                os.replace(side, Path(str(aside) + suffix))
        self.recovered_from = aside

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer mimo-tui (schema {version}, this version "
                f"knows {SCHEMA_VERSION}); upgrade mimo-tui. The file was not changed."
            )
        while version < SCHEMA_VERSION:
            db.execute("BEGIN IMMEDIATE")
            try:
                # Re-read under the lock: another instance may have migrated meanwhile.
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version < SCHEMA_VERSION:
                    MIGRATIONS[version](db)
                    version += 1
                    db.execute(f"PRAGMA user_version = {version}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _mark_orphans(self, db: sqlite3.Connection) -> None:
        """Replies left `streaming` by a process that died are `interrupted` now."""
        rows = db.execute("SELECT id, owner_pid FROM messages WHERE status = 'streaming'")
        dead = [row["id"] for row in rows if not _pid_alive(row["owner_pid"])]
        if dead:
            with self._write(db):
                db.executemany(
                    "UPDATE messages SET status = 'interrupted' WHERE id = ?",
                    [(i,) for i in dead],
                )

    @contextlib.contextmanager
    def _write(self, db: sqlite3.Connection | None = None) -> Iterator[sqlite3.Connection]:
        db = db or self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException as exc:
            # SQLite may have rolled back already (SQLITE_FULL does): a second ROLLBACK
            # would fail with "no transaction is active" and hide the real error.
            if db.in_transaction:
                db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError) and _is_full(exc):
                raise StoreFull(
                    f"The disk is full: {self.path} could not be written ({exc}). "
                    "Free some space; what was saved before is kept"
                ) from exc
            raise

    def close(self) -> None:
        self.db.close()

    # ---- sessions ------------------------------------------------------------------------------

    def create_session(
        self, model: str, settings: dict[str, Any] | None = None, session_id: str | None = None
    ) -> Session:
        now = self.clock()
        session_id = session_id or _new_id()
        with self._write() as db:
            db.execute(
                "INSERT INTO sessions(id, model, settings, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (session_id, model, json.dumps(settings or {}), now, now),
            )
        return Session(session_id, "", model, now, now, settings=dict(settings or {}))

    def _session(self, row: sqlite3.Row) -> Session:
        stats = self.db.execute(
            "SELECT count(*), sum(prompt_tokens), sum(completion_tokens), sum(reasoning_tokens) "
            "FROM messages WHERE session_id = ?",
            (row["id"],),
        ).fetchone()
        usage = Usage(stats[1] or 0, stats[2] or 0, stats[3] or 0)
        return Session(
            row["id"],
            row["title"],
            row["model"],
            row["created_at"],
            row["updated_at"],
            stats[0],
            usage,
            json.loads(row["settings"] or "{}"),
        )

    def get_session(self, ref: str) -> Session:
        """A session by id, unique id prefix, or `last`; StoreError says why none matched."""
        if ref == "last":
            row = self.db.execute(
                "SELECT * FROM sessions ORDER BY updated_at DESC, rowid DESC LIMIT 1"
            ).fetchone()
            if row is None:
                raise StoreError("there are no sessions yet")
            return self._session(row)
        rows = self.db.execute(
            "SELECT * FROM sessions WHERE id = ? OR id LIKE ? ESCAPE '\\' LIMIT 3",
            (ref, ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"),
        ).fetchall()
        exact = [r for r in rows if r["id"] == ref]
        if exact:
            return self._session(exact[0])
        if not rows:
            raise StoreError(f"no session matches {ref!r}")
        if len(rows) > 1:
            raise StoreError(f"{ref!r} matches several sessions; give more of the id")
        return self._session(rows[0])

    def update_session_settings(self, session_id: str, changes: dict[str, Any]) -> None:
        """Merge `changes` into the session's stored settings (read and written under lock)."""
        with self._write() as db:
            row = db.execute("SELECT settings FROM sessions WHERE id = ?", (session_id,)).fetchone()
            current = json.loads(row["settings"] or "{}") if row else {}
            current.update(changes)
            db.execute(
                "UPDATE sessions SET settings = ? WHERE id = ?", (json.dumps(current), session_id)
            )

    def rename_session(self, session_id: str, title: str) -> None:
        title = " ".join(title.split())[:200]
        if not title:
            raise StoreError("a session title cannot be empty")
        with self._write() as db:
            db.execute("UPDATE sessions SET title = ? WHERE id = ?", (title, session_id))

    def delete_session(self, session_id: str) -> None:
        """Delete a session, its messages and its request log (one transaction)."""
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def delete_if_empty(self, session_id: str) -> None:
        with self._write() as db:
            db.execute(
                "DELETE FROM sessions WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM messages WHERE session_id = ?)",
                (session_id, session_id),
            )

    def fork_session(self, session_id: str, before_message_id: int, title: str) -> Session:
        """A new session holding copies of the messages before `before_message_id`.

        Edit-and-resend forks instead of rewriting: the original session stays intact.
        """
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
        """Write a whole session in one transaction: all of it lands, or none of it."""
        now = self.clock()
        session_id = _new_id()
        with self._write() as db:
            db.execute(
                "INSERT INTO sessions(id, title, model, settings, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, title, model, json.dumps(settings), created_at or now, now),
            )
            reply_id: int | None = None  # the last reply written: its calls' results follow
            for msg in messages:
                usage = msg.usage
                meta = msg.tool_meta
                if meta and "assistant_message_id" in meta:
                    # A call is known by its reply's id in *this* session (forks, imports).
                    meta = {**meta, "assistant_message_id": reply_id}
                cur = db.execute(
                    "INSERT INTO messages(session_id, role, content, reasoning_content, "
                    "tool_calls, tool_call_id, model, prompt_tokens, completion_tokens, "
                    "reasoning_tokens, finish_reason, status, error, ttft_ms, reasoning_ms, "
                    "duration_ms, created_at, updated_at, tool_meta, thinking_blocks) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        session_id,
                        msg.role,
                        msg.content,
                        msg.reasoning_content,
                        _calls_json(msg.tool_calls),
                        msg.tool_call_id,
                        msg.model,
                        usage.prompt_tokens if usage else None,
                        usage.completion_tokens if usage else None,
                        usage.reasoning_tokens if usage else None,
                        msg.finish_reason,
                        "interrupted" if msg.status == "streaming" else msg.status,
                        msg.error,
                        msg.ttft_ms,
                        msg.reasoning_ms,
                        msg.duration_ms,
                        msg.created_at or now,
                        now,
                        json.dumps(meta) if meta is not None else None,
                        _blocks_json(msg.thinking_blocks),
                    ),
                )
                if msg.role == "assistant":
                    reply_id = cur.lastrowid
        return self.get_session(session_id)

    def supersede_after(self, session_id: str, message_id: int) -> int:
        """Mark every reply after `message_id` superseded (regenerate): kept, never replayed."""
        with self._write() as db:
            cur = db.execute(
                "UPDATE messages SET status = 'superseded' WHERE session_id = ? AND id > ? "
                "AND role IN ('assistant', 'tool')",
                (session_id, message_id),
            )
        return cur.rowcount

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Messages of any session matching every word of `query`, newest first.

        Words of three characters or more use the FTS5 trigram index; shorter ones fall
        back to a substring scan (the trigram index cannot match them).
        """
        words = query.split()
        if not words:
            return []
        if all(len(w) >= 3 for w in words):
            match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
            # Newest first straight from the index (rowid order needs no sort), so a common
            # word matching most messages costs no more than a rare one.
            rows = self.db.execute(
                "SELECT m.id, m.session_id, m.role, s.title, m.created_at, hits.snip "
                "FROM (SELECT rowid, snippet(messages_fts, -1, char(1), char(2), '…', 40) "
                "AS snip FROM messages_fts WHERE messages_fts MATCH ? "
                "ORDER BY rowid DESC LIMIT ?) AS hits "
                "JOIN messages m ON m.id = hits.rowid JOIN sessions s ON s.id = m.session_id "
                "ORDER BY m.id DESC",
                (match, limit),
            ).fetchall()
            return [
                SearchHit(
                    r["session_id"], r["title"], r["id"], r["role"], r["snip"], r["created_at"]
                )
                for r in rows
            ]
        clauses = " AND ".join(
            "(m.content LIKE ? ESCAPE '\\' OR m.reasoning_content LIKE ? ESCAPE '\\' "
            "OR coalesce(m.tool_calls, '') LIKE ? ESCAPE '\\')"
            for _ in words
        )
        params: list[Any] = []
        for w in words:
            pattern = "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            params += [pattern] * 3
        rows = self.db.execute(
            "SELECT m.id, m.session_id, m.role, s.title, m.created_at, m.content, "
            "m.reasoning_content, m.tool_calls FROM messages m "
            f"JOIN sessions s ON s.id = m.session_id WHERE {clauses} ORDER BY m.id DESC LIMIT ?",
            (*params, limit),
        ).fetchall()
        hits = []
        for r in rows:
            text = next(
                (
                    t
                    for t in (r["content"], r["reasoning_content"], r["tool_calls"] or "")
                    if words[0].lower() in t.lower()
                ),
                r["content"],
            )
            hits.append(
                SearchHit(
                    r["session_id"],
                    r["title"],
                    r["id"],
                    r["role"],
                    _context(text, words[0]),
                    r["created_at"],
                )
            )
        return hits

    def usage_report(self, since: float | None = None) -> list[UsageRow]:
        """Requests and tokens per local day and model, like the platform's usage page.

        Only replies this client asked for count (each has its `requests` row): an imported
        transcript's replies were no request of ours, and had no model to show but `?`."""
        rows = self.db.execute(
            "SELECT date(created_at, 'unixepoch', 'localtime') AS day, "
            "coalesce(model, (SELECT q.model FROM requests q WHERE q.message_id = messages.id "
            "LIMIT 1)) AS model, count(*) AS requests, "
            "coalesce(sum(prompt_tokens), 0) AS p, coalesce(sum(completion_tokens), 0) AS c, "
            "coalesce(sum(reasoning_tokens), 0) AS r FROM messages "
            "WHERE role = 'assistant' AND created_at >= ? "
            "AND EXISTS (SELECT 1 FROM requests q WHERE q.message_id = messages.id) "
            "GROUP BY day, model "
            "ORDER BY day, model",
            (since or 0,),
        ).fetchall()
        return [
            UsageRow(r["day"], r["model"], r["requests"], Usage(r["p"], r["c"], r["r"]))
            for r in rows
        ]

    def list_sessions(self, limit: int = 100) -> list[Session]:
        """The newest sessions with their message counts and tokens, in one query.

        A short page aggregates just its own sessions' messages (index lookups); a long one
        aggregates every message in one pass, which beats thousands of lookups. Rows come
        back as plain tuples: sqlite3.Row finds each column by name, which was a third of
        the time of listing 10,000 sessions.
        """
        columns = "s.id, s.title, s.model, s.created_at, s.updated_at"  # Session's order
        if limit <= 1000:
            sql = (
                "WITH s AS (SELECT rowid AS seq, * FROM sessions "
                "ORDER BY updated_at DESC, rowid DESC LIMIT ?) "
                f"SELECT {columns}, count(m.id), sum(m.prompt_tokens), "
                "sum(m.completion_tokens), sum(m.reasoning_tokens), s.settings "
                "FROM s LEFT JOIN messages m ON m.session_id = s.id "
                "GROUP BY s.id ORDER BY s.updated_at DESC, s.seq DESC"
            )
        else:
            sql = (
                f"SELECT {columns}, coalesce(a.n, 0), a.p, a.c, a.r, s.settings "
                "FROM sessions s LEFT JOIN "
                "(SELECT session_id, count(*) AS n, sum(prompt_tokens) AS p, "
                "sum(completion_tokens) AS c, sum(reasoning_tokens) AS r FROM messages "
                "GROUP BY session_id) a ON a.session_id = s.id "
                "ORDER BY s.updated_at DESC, s.rowid DESC LIMIT ?"
            )
        rows = self._tuples(sql, (limit,)).fetchall()
        parsed: dict[str, Any] = {}  # most sessions share a handful of settings
        sessions = []
        for row in rows:
            text = row[9] or "{}"
            settings = parsed.get(text)
            if settings is None:
                settings = parsed[text] = json.loads(text)
            usage = Usage(row[6] or 0, row[7] or 0, row[8] or 0)
            session_id, title, model, created_at, updated_at, count = row[:6]
            sessions.append(
                Session(
                    session_id,
                    title,
                    model,
                    created_at,
                    updated_at,
                    count,
                    usage,
                    _copy_json(settings),
                )
            )
        return sessions

    # ---- messages ------------------------------------------------------------------------------

    def add_message(self, session_id: str, message: Message) -> Message:
        now = self.clock()
        message.session_id = session_id
        message.created_at = message.created_at or now
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO messages(session_id, role, content, reasoning_content, tool_calls, "
                "tool_call_id, model, status, owner_pid, created_at, updated_at, tool_meta) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    message.role,
                    message.content,
                    message.reasoning_content,
                    _calls_json(message.tool_calls),
                    message.tool_call_id,
                    message.model,
                    message.status,
                    os.getpid() if message.status == "streaming" else None,
                    message.created_at,
                    now,
                    json.dumps(message.tool_meta) if message.tool_meta is not None else None,
                ),
            )
            message.id = cur.lastrowid
            if message.role == "user":
                title = " ".join(message.content.split())[:80]
                db.execute(
                    "UPDATE sessions SET title = ? WHERE id = ? AND title = ''",
                    (title, session_id),
                )
            db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))
        return message

    def update_message(self, message: Message) -> None:
        """Write the message's current state: a checkpoint while streaming, or the final one."""
        usage = message.usage or Usage()
        with self._write() as db:
            db.execute(
                "UPDATE messages SET content = ?, reasoning_content = ?, tool_calls = ?, "
                "prompt_tokens = ?, completion_tokens = ?, reasoning_tokens = ?, "
                "finish_reason = ?, status = ?, error = ?, ttft_ms = ?, reasoning_ms = ?, "
                "duration_ms = ?, thinking_blocks = ?, updated_at = ? WHERE id = ?",
                (
                    message.content,
                    message.reasoning_content,
                    _calls_json(message.tool_calls),
                    usage.prompt_tokens if message.usage else None,
                    usage.completion_tokens if message.usage else None,
                    usage.reasoning_tokens if message.usage else None,
                    message.finish_reason,
                    message.status,
                    message.error,
                    message.ttft_ms,
                    message.reasoning_ms,
                    message.duration_ms,
                    _blocks_json(message.thinking_blocks),
                    self.clock(),
                    message.id,
                ),
            )

    def messages(
        self, session_id: str, from_id: int | None = None, before_id: int | None = None
    ) -> list[Message]:
        """The session's messages in order; optionally only ids in [from_id, before_id)
        (the chat screen pages through long sessions that way, ~40 rows at a time)."""
        low = from_id if from_id is not None else -1
        high = before_id if before_id is not None else 2**62
        rows = self._tuples(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages"
            " WHERE session_id = ? AND id >= ? AND id < ? ORDER BY id",
            (session_id, low, high),
        ).fetchall()
        return [_message(r) for r in rows]

    def page(
        self,
        session_id: str,
        *,
        before_id: int | None = None,
        after_id: int | None = None,
        limit: int = 40,
    ) -> list[Message]:
        """At most `limit` messages in id order, read through the (session_id, id) index.

        No bound: the newest `limit`. `before_id`: the `limit` just older than it (scrolling up).
        `after_id`: the `limit` just newer than it (scrolling down). The cost depends on `limit`,
        not on the session's length, so a 50,000-message session opens like a short one.
        """
        if after_id is not None:
            rows = self._tuples(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages"
                " WHERE session_id = ? AND id > ? ORDER BY id LIMIT ?",
                (session_id, after_id, limit),
            ).fetchall()
            return [_message(r) for r in rows]
        high = before_id if before_id is not None else 2**62
        rows = self._tuples(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages"
            " WHERE session_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
            (session_id, high, limit),
        ).fetchall()
        return [_message(r) for r in reversed(rows)]

    def message(self, message_id: int) -> Message | None:
        row = self._tuples(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        return _message(row) if row else None

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

    # ---- compactions ---------------------------------------------------------------------------

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
        """The compaction replay uses now, if any (the newest active one)."""
        active = [c for c in self.compactions(session_id) if c.active]
        return active[-1] if active else None

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

    # ---- replay --------------------------------------------------------------------------------

    def replay(self, session_id: str, system_prompt: str | None) -> list[dict[str, Any]]:
        """The next request's messages; with an active compaction, its summary (appended to the
        system prompt) and the messages from its cut on, instead of the whole history."""
        compaction = self.active_compaction(session_id)
        if compaction is None:
            return build_replay(self.messages(session_id), system_prompt)
        recent = self.messages(session_id, from_id=compaction.before_id)
        return build_replay(recent, with_summary(system_prompt, compaction))


def _context(text: str, word: str, width: int = 60) -> str:
    """A window of `text` around the first `word`, with the match marked like FTS snippets."""
    at = text.lower().find(word.lower())
    if at < 0:
        return text[: width * 2]
    start, end = max(0, at - width), at + len(word)
    return (
        ("…" if start else "")
        + text[start:at]
        + "\x01"
        + text[at:end]
        + "\x02"
        + text[end : end + width]
        + ("…" if end + width < len(text) else "")
    )


def _copy_json(value: Any) -> Any:
    """A copy of decoded JSON, each session its own: ~2x cheaper than decoding it again."""
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return value


def _blocks_json(blocks: list[dict[str, Any]] | None) -> str | None:
    return json.dumps(blocks, ensure_ascii=False) if blocks else None


def _calls_json(calls: list[ToolCall]) -> str | None:
    if not calls:
        return None
    return json.dumps([{"id": c.id, "name": c.name, "arguments": c.arguments} for c in calls])


_ROLES = ("user", "assistant", "tool", "system")
_STATUSES = ("complete", "streaming", "interrupted", "error", "superseded")
_NUMBERS = ("prompt_tokens", "completion_tokens", "reasoning_tokens", "ttft_ms", "reasoning_ms")


def _message(row: tuple[Any, ...]) -> Message:
    """A Message from a plain row; a row no reader could use (a wrong type in a column,
    JSON that does not parse or has the wrong shape: a file edited by hand, another
    program, an old bug) comes back as a visibly damaged message instead of an exception,
    so `sessions show`, the exports, the TUI and the replay all keep working around it."""
    try:
        message = _decoded(row)
        problem = _problem(message)
    except (ValueError, TypeError) as exc:  # JSON that does not parse / has the wrong shape
        message, problem = None, _why(row, exc)
    if problem is None and message is not None:
        return message
    return _damaged(row, problem or "unreadable row")


def _problem(m: Message) -> str | None:
    """What is wrong with a decoded row, or None. Cheap type checks first (every message of
    a long session passes through here); the format's table names the field when one fails."""
    ints = (m.ttft_ms, m.reasoning_ms, m.duration_ms)
    if (
        m.role in _ROLES
        and m.status in _STATUSES
        and type(m.content) is str
        and type(m.reasoning_content) is str
        and all(v is None or type(v) is int for v in ints)
        and (m.usage is None or all(type(v) is int for v in m.usage))
        and all(v is None or type(v) is str for v in (m.tool_call_id, m.model, m.error))
        and (m.finish_reason is None or type(m.finish_reason) is str)
        and type(m.created_at) in (int, float)
        and all(type(v) is str for call in m.tool_calls for v in call)
        and (m.tool_meta is None or type(m.tool_meta) is dict)
        and (m.thinking_blocks is None or all(type(b) is dict for b in m.thinking_blocks))
    ):
        if m.tool_meta is None:
            return None
        try:
            schema.check(m.tool_meta, schema.TOOL_META, "tool_meta")
        except schema.SchemaError as exc:
            return str(exc)
        return None
    fields = {
        "role": m.role if m.role != "system" else "user",
        "content": m.content,
        "reasoning_content": m.reasoning_content,
        "tool_calls": [c._asdict() for c in m.tool_calls],
        "tool_call_id": m.tool_call_id,
        "model": m.model,
        "usage": m.usage._asdict() if m.usage else None,
        "finish_reason": m.finish_reason,
        "status": m.status,
        "error": m.error,
        "ttft_ms": m.ttft_ms,
        "reasoning_ms": m.reasoning_ms,
        "duration_ms": m.duration_ms,
        "created_at": m.created_at,
        "tool_meta": m.tool_meta,
        "thinking_blocks": m.thinking_blocks,
    }
    try:
        schema.check(fields, schema.MESSAGE)
    except schema.SchemaError as exc:
        return str(exc)
    return "unreadable row"


def _why(row: tuple[Any, ...], exc: Exception) -> str:
    """Which JSON column of `row` failed to decode (tool_calls, tool_meta, thinking_blocks)."""
    for name, index in (("tool_calls", 5), ("tool_meta", 18), ("thinking_blocks", 19)):
        value = row[index]
        if value is None:
            continue
        try:
            decoded = json.loads(value)
            if name == "tool_calls":
                [ToolCall(**c) for c in decoded]
        except json.JSONDecodeError as inner:
            return f"{name} is not valid JSON ({inner.msg})"
        except (ValueError, TypeError):
            return f"{name} does not have the shape of stored {name}"
    return f"unreadable row ({type(exc).__name__})"


def _damaged(row: tuple[Any, ...], problem: str) -> Message:
    """A stand-in for an unusable row: its id, place and role where readable, its problem as
    the text. An assistant stand-in is an error (never replayed to the model)."""
    roles: dict[Any, Role] = {"user": "user", "assistant": "assistant", "tool": "tool"}
    role = roles.get(row[2], "assistant")
    created = row[17] if type(row[17]) in (int, float) else 0.0
    return Message(
        role=role,
        content=f"[damaged message: {problem}]",
        tool_call_id=row[6] if type(row[6]) is str else None,
        id=row[0],
        session_id=row[1],
        status="error" if role == "assistant" else "complete",
        error=f"damaged message: {problem}" if role == "assistant" else None,
        created_at=created,
    )


def _decoded(row: tuple[Any, ...]) -> Message:
    """A Message from a plain row in _MESSAGE_COLUMNS order. Unpacked by position: naming
    twenty columns of a sqlite3.Row per message was most of reading a long session."""
    (
        id_,
        session_id,
        role,
        content,
        reasoning_content,
        tool_calls,
        tool_call_id,
        model,
        prompt_tokens,
        completion_tokens,
        reasoning_tokens,
        finish_reason,
        status,
        error,
        ttft_ms,
        reasoning_ms,
        duration_ms,
        created_at,
        tool_meta,
        thinking_blocks,
    ) = row
    usage = None
    if completion_tokens is not None or prompt_tokens is not None:
        usage = Usage(prompt_tokens or 0, completion_tokens or 0, reasoning_tokens or 0)
    return Message(
        role=role,
        content=content,
        reasoning_content=reasoning_content,
        tool_calls=[ToolCall(**c) for c in json.loads(tool_calls)] if tool_calls else [],
        tool_call_id=tool_call_id,
        id=id_,
        session_id=session_id,
        model=model,
        usage=usage,
        finish_reason=finish_reason,
        status=status,
        error=error,
        ttft_ms=ttft_ms,
        reasoning_ms=reasoning_ms,
        duration_ms=duration_ms,
        created_at=created_at,
        tool_meta=json.loads(tool_meta) if tool_meta else None,
        thinking_blocks=json.loads(thinking_blocks) if thinking_blocks else None,
    )
