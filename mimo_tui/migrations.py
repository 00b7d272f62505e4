"""The store's schema as forward migrations, in order (like simonw/llm's).

Each migration is a small function applied in one transaction together with its
`PRAGMA user_version` bump (see Store._migrate); a store written by any older version upgrades
in place, and a store from a newer version is refused without being touched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run several statements inside the caller's transaction (executescript would commit)."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE sessions(
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            model TEXT NOT NULL,
            settings TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE TABLE messages(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            content TEXT NOT NULL DEFAULT '',
            reasoning_content TEXT NOT NULL DEFAULT '',
            tool_calls TEXT,
            tool_call_id TEXT,
            model TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            reasoning_tokens INTEGER,
            finish_reason TEXT,
            status TEXT NOT NULL DEFAULT 'complete',
            error TEXT,
            ttft_ms INTEGER,
            reasoning_ms INTEGER,
            duration_ms INTEGER,
            owner_pid INTEGER,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX messages_by_session ON messages(session_id, id);
        CREATE TABLE requests(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            message_id INTEGER,
            created_at REAL NOT NULL,
            model TEXT NOT NULL,
            system_prompt TEXT,
            params TEXT NOT NULL,
            history_count INTEGER NOT NULL
        );
        CREATE INDEX requests_by_message ON requests(message_id);
        """,
    )


def _v2(db: sqlite3.Connection) -> None:
    """Tool messages keep what the inspector shows: status, stderr, exit code, argv, timing."""
    db.execute("ALTER TABLE messages ADD COLUMN tool_meta TEXT")


def _v3(db: sqlite3.Connection) -> None:
    """Full-text search over answers, reasoning, tool arguments and tool results.

    An external-content FTS5 table kept in step by triggers; the trigram tokenizer finds
    substrings in any script (Chinese has no spaces between words).
    """
    for statement in (
        "CREATE VIRTUAL TABLE messages_fts USING fts5(content, reasoning_content, tool_calls, "
        "content='messages', content_rowid='id', tokenize='trigram')",
        "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
        "INSERT INTO messages_fts(rowid, content, reasoning_content, tool_calls) "
        "VALUES (new.id, new.content, new.reasoning_content, new.tool_calls); END",
        "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
        "INSERT INTO messages_fts(messages_fts, rowid, content, reasoning_content, tool_calls) "
        "VALUES ('delete', old.id, old.content, old.reasoning_content, old.tool_calls); END",
        "CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, reasoning_content, "
        "tool_calls ON messages BEGIN "
        "INSERT INTO messages_fts(messages_fts, rowid, content, reasoning_content, tool_calls) "
        "VALUES ('delete', old.id, old.content, old.reasoning_content, old.tool_calls); "
        "INSERT INTO messages_fts(rowid, content, reasoning_content, tool_calls) "
        "VALUES (new.id, new.content, new.reasoning_content, new.tool_calls); END",
        "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
        "CREATE INDEX messages_by_created ON messages(created_at)",
    ):
        db.execute(statement)


def _v4(db: sqlite3.Connection) -> None:
    """The session list sorts by last activity: index it."""
    db.execute("CREATE INDEX sessions_by_activity ON sessions(updated_at)")


def _v5(db: sqlite3.Connection) -> None:
    """Replies made in the Anthropic format keep their thinking blocks (with signatures)."""
    db.execute("ALTER TABLE messages ADD COLUMN thinking_blocks TEXT")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5]
SCHEMA_VERSION = len(MIGRATIONS)
