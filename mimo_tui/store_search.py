"""Finding messages in every session: the FTS5 trigram index for words of three characters
or more, and for shorter ones (see `search_messages`)."""

from __future__ import annotations

import sqlite3
from typing import Any

from mimo_tui.model import SearchHit


def search_messages(db: sqlite3.Connection, query: str, limit: int = 50) -> list[SearchHit]:
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
        rows = db.execute(
            "SELECT m.id, m.session_id, m.role, s.title, m.created_at, hits.snip "
            "FROM (SELECT rowid, snippet(messages_fts, -1, char(1), char(2), '…', 40) "
            "AS snip FROM messages_fts WHERE messages_fts MATCH ? "
            "ORDER BY rowid DESC LIMIT ?) AS hits "
            "JOIN messages m ON m.id = hits.rowid JOIN sessions s ON s.id = m.session_id "
            "ORDER BY m.id DESC",
            (match, limit),
        ).fetchall()
        return [
            SearchHit(r["session_id"], r["title"], r["id"], r["role"], r["snip"], r["created_at"])
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
    rows = db.execute(
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
