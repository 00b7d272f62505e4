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


def _v6(db: sqlite3.Connection) -> None:
    """A reply is indexed for search once it is final, not at every checkpoint.

    The index is trigram: a checkpoint of a 20,000-token reply unindexed and reindexed
    some 200,000 trigrams, once a second while it streamed, each time longer, on the event
    loop. Now the index holds exactly the messages whose status is not 'streaming': the
    final write (complete, error, interrupted) indexes the reply once. Rows streaming now
    were indexed by the old triggers, so they are taken out of the index first.
    """
    for row in db.execute(
        "SELECT id, content, reasoning_content, tool_calls FROM messages WHERE status = 'streaming'"
    ).fetchall():
        db.execute(
            "INSERT INTO messages_fts(messages_fts, rowid, content, reasoning_content, "
            "tool_calls) VALUES ('delete', ?, ?, ?, ?)",
            row,
        )
    # One update trigger, the old values out before the new ones in: SQLite does not
    # promise an order between two triggers, and FTS5 needs exactly this one.
    unindex = (
        "INSERT INTO messages_fts(messages_fts, rowid, content, reasoning_content, tool_calls) "
        "SELECT 'delete', old.id, old.content, old.reasoning_content, old.tool_calls "
        "WHERE old.status != 'streaming';"
    )
    index = (
        "INSERT INTO messages_fts(rowid, content, reasoning_content, tool_calls) "
        "SELECT new.id, new.content, new.reasoning_content, new.tool_calls "
        "WHERE new.status != 'streaming';"
    )
    for statement in (
        "DROP TRIGGER messages_fts_insert",
        "DROP TRIGGER messages_fts_delete",
        "DROP TRIGGER messages_fts_update",
        f"CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN {index} END",
        f"CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN {unindex} END",
        "CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, reasoning_content, "
        f"tool_calls, status ON messages BEGIN {unindex} {index} END",
    ):
        db.execute(statement)


def _v7(db: sqlite3.Connection) -> None:
    """The session list sums every session's tokens: the per-session index carries the token
    columns, so that sum reads the index instead of every message row (listing 10,000
    sessions of 100,000 messages: 109 -> 92 ms)."""
    db.execute("DROP INDEX messages_by_session")
    db.execute(
        "CREATE INDEX messages_by_session ON messages"
        "(session_id, id, prompt_tokens, completion_tokens, reasoning_tokens)"
    )


def _message_attachments(db: sqlite3.Connection) -> None:
    """Files sent with a message: metadata here, bytes in the blob folder by sha256
    (mimo_tui.blobs). Rows go with their message; a blob goes when no row names it."""
    _script(
        db,
        """
        CREATE TABLE message_attachments(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            session_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            sha256 TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL,
            mime TEXT NOT NULL,
            kind TEXT NOT NULL,
            size INTEGER NOT NULL,
            width INTEGER,
            height INTEGER
        );
        CREATE INDEX message_attachments_by_session
            ON message_attachments(session_id, message_id, position);
        CREATE INDEX message_attachments_by_sha ON message_attachments(sha256)
        """,
    )


def _index_streaming_replies(db: sqlite3.Connection) -> None:
    """Opening the store looks for replies left `streaming` by a process that died: a partial
    index holds just those rows (none, or one per running instance), so that look-up no longer
    reads every message (385 ms at 1,000,000 messages)."""
    db.execute("CREATE INDEX messages_streaming ON messages(owner_pid) WHERE status = 'streaming'")


# A session row no reader could list as it is: a column of the wrong type (a BLOB title,
# text times), written by another program or by hand. Its partial index holds just those
# rows (normally none), so a listing learns in O(1) whether it must read them carefully.
DAMAGED_SESSION = (
    "typeof(title) NOT IN ('text', 'null') OR typeof(model) != 'text' "
    "OR typeof(updated_at) NOT IN ('integer', 'real') OR typeof(settings) NOT IN ('text', 'null')"
)


def _index_damaged_sessions(db: sqlite3.Connection) -> None:
    """See DAMAGED_SESSION."""
    db.execute(f"CREATE INDEX sessions_damaged ON sessions(id) WHERE {DAMAGED_SESSION}")


_COUNTERS = ("message_count", "prompt_tokens", "completion_tokens", "reasoning_tokens")


def _count_on_the_session_row(db: sqlite3.Connection) -> None:
    """Each session row carries its message count and token sums, kept by triggers on every
    insert, delete and token update of its messages (whichever code path writes them), so
    listing 100,000 sessions reads the sessions table alone. Existing stores are backfilled."""
    for column in _COUNTERS:
        db.execute(f"ALTER TABLE sessions ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "UPDATE sessions SET (message_count, prompt_tokens, completion_tokens, "
        "reasoning_tokens) = (SELECT count(*), coalesce(sum(prompt_tokens), 0), "
        "coalesce(sum(completion_tokens), 0), coalesce(sum(reasoning_tokens), 0) "
        "FROM messages WHERE session_id = sessions.id)"
    )

    def change(sign: str, row: str) -> str:
        return (
            f"UPDATE sessions SET message_count = message_count {sign} 1, "
            + ", ".join(f"{c} = {c} {sign} coalesce({row}.{c}, 0)" for c in _COUNTERS[1:])
            + f" WHERE id = {row}.session_id;"
        )

    db.execute(
        f"CREATE TRIGGER sessions_count_insert AFTER INSERT ON messages BEGIN "
        f"{change('+', 'new')} END"
    )
    db.execute(
        f"CREATE TRIGGER sessions_count_delete AFTER DELETE ON messages BEGIN "
        f"{change('-', 'old')} END"
    )
    db.execute(
        "CREATE TRIGGER sessions_count_update AFTER UPDATE OF session_id, prompt_tokens, "
        f"completion_tokens, reasoning_tokens ON messages BEGIN {change('-', 'old')} "
        f"{change('+', 'new')} END"
    )


def _index_two_character_words(db: sqlite3.Connection) -> None:
    """Two-character words are found through indexes, not a scan (see store_search):
    `search_terms` lists every trigram of the full-text index, filled here from the index
    itself (about 10 s for 1,000,000 messages, once), and each searched column's last two
    characters are indexed."""
    db.execute("CREATE TABLE search_terms(term TEXT PRIMARY KEY) WITHOUT ROWID")
    db.execute("CREATE VIRTUAL TABLE temp.terms_now USING fts5vocab(main, messages_fts, row)")
    db.execute("INSERT INTO search_terms(term) SELECT term FROM temp.terms_now")
    db.execute("DROP TABLE temp.terms_now")
    for column in ("content", "reasoning_content", "tool_calls"):
        db.execute(
            f"CREATE INDEX messages_{column}_tail ON messages"
            f"(lower(substr(coalesce({column}, ''), -2)))"
        )


def _compactions(db: sqlite3.Connection) -> None:
    """Summaries that stand in for a session's older messages when replaying (see
    mimo_tui.compaction). A table of their own: the messages they cover stay untouched."""
    _script(
        db,
        """
        CREATE TABLE compactions(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            before_id INTEGER NOT NULL,
            summary TEXT NOT NULL,
            covered INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            created_at REAL NOT NULL
        );
        CREATE INDEX compactions_by_session ON compactions(session_id, id)
        """,
    )


def add_cached_tokens(db: sqlite3.Connection) -> None:
    """A reply keeps how many of its prompt tokens the server's prefix cache served
    (`usage.prompt_tokens_details.cached_tokens`; NULL: the server did not say), for the
    cost meter. Older replies stay NULL: unknown, not 0."""
    db.execute("ALTER TABLE messages ADD COLUMN cached_tokens INTEGER")


def _add_message_sources(db: sqlite3.Connection) -> None:
    """Web search: a reply's sources (the raw annotation objects) and their text for search,
    in a table of their own (see source_store.py); gone with their message."""
    db.execute(
        "CREATE TABLE message_sources("
        "message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE, "
        "sources TEXT NOT NULL, search_text TEXT NOT NULL DEFAULT '')"
    )


def _conversation_tree(db: sqlite3.Connection) -> None:
    """Edits and regenerations become branches of one session (see mimo_tui.tree): each
    message names its parent, the session its active leaf, and the active path is marked
    (`on_path`, indexed with the session and id) so replay and paging read only it.

    Existing sessions: a message follows the one before it; a run of superseded replies
    becomes sibling branches off the path, with the status they had before (tree.legacy_links).
    Sessions forked by the old edit stay sessions of their own, unchanged."""
    from mimo_tui.tree import LegacyRow, legacy_links

    db.execute("ALTER TABLE messages ADD COLUMN parent_id INTEGER")
    db.execute("ALTER TABLE messages ADD COLUMN on_path INTEGER NOT NULL DEFAULT 1")
    db.execute("ALTER TABLE sessions ADD COLUMN active_leaf INTEGER")
    db.execute(  # through the (session_id, id) index: one seek per message
        "UPDATE messages SET parent_id = (SELECT max(p.id) FROM messages p "
        "WHERE p.session_id = messages.session_id AND p.id < messages.id)"
    )
    branched = db.execute(
        "SELECT DISTINCT session_id FROM messages WHERE status = 'superseded'"
    ).fetchall()
    for (session_id,) in branched:
        rows = db.execute(
            "SELECT id, role, status, tool_calls IS NOT NULL, finish_reason IS NOT NULL "
            "FROM messages WHERE session_id = ? ORDER BY id",
            (session_id,),
        ).fetchall()
        for link in legacy_links(LegacyRow(*r) for r in rows):
            db.execute(
                "UPDATE messages SET parent_id = ?, status = ?, on_path = ? WHERE id = ?",
                (link.parent_id, link.status, int(link.on_path), link.id),
            )
    db.execute(
        "UPDATE sessions SET active_leaf = (SELECT max(id) FROM messages "
        "WHERE session_id = sessions.id AND on_path = 1)"
    )
    db.execute("CREATE INDEX messages_on_path ON messages(session_id, on_path, id)")
    db.execute("CREATE INDEX messages_by_parent ON messages(parent_id)")


def _count_cached_tokens_on_the_session_row(db: sqlite3.Connection) -> None:
    """The session row sums its messages' cached prompt tokens too, and counts the messages
    that said how many (none: unknown, not 0), kept by triggers like the other counters:
    opening a session read that sum from its messages (~15 ms at 50,000 of them), the one
    part of a session's row that grew with its history."""
    for column in ("cached_tokens", "cached_known"):
        db.execute(f"ALTER TABLE sessions ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "UPDATE sessions SET (cached_tokens, cached_known) = (SELECT "
        "coalesce(sum(cached_tokens), 0), count(cached_tokens) FROM messages "
        "WHERE session_id = sessions.id)"
    )

    def change(sign: str, row: str) -> str:
        return (
            f"UPDATE sessions SET cached_tokens = cached_tokens {sign} {row}.cached_tokens, "
            f"cached_known = cached_known {sign} 1 WHERE id = {row}.session_id;"
        )

    db.execute(
        "CREATE TRIGGER sessions_cached_insert AFTER INSERT ON messages "
        f"WHEN new.cached_tokens IS NOT NULL BEGIN {change('+', 'new')} END"
    )
    db.execute(
        "CREATE TRIGGER sessions_cached_delete AFTER DELETE ON messages "
        f"WHEN old.cached_tokens IS NOT NULL BEGIN {change('-', 'old')} END"
    )
    db.execute(  # (each half only for a side that said how many)
        "CREATE TRIGGER sessions_cached_update AFTER UPDATE OF session_id, cached_tokens "
        "ON messages BEGIN "
        + change("-", "old").replace(" WHERE", " WHERE old.cached_tokens IS NOT NULL AND")
        + change("+", "new").replace(" WHERE", " WHERE new.cached_tokens IS NOT NULL AND")
        + " END"
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1,
    _v2,
    _v3,
    _v4,
    _v5,
    _v6,
    _v7,
    _compactions,
    add_cached_tokens,
    _message_attachments,
    _add_message_sources,
    _index_streaming_replies,
    _count_on_the_session_row,
    _index_two_character_words,
    _conversation_tree,
    _count_cached_tokens_on_the_session_row,
    _index_damaged_sessions,
]
SCHEMA_VERSION = len(MIGRATIONS)
