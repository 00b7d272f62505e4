"""Where a reply's web search sources live in the store: a table of their own.

One row per reply that has sources: the annotation objects exactly as received (raw JSON,
so a shape we do not understand yet is kept) and their titles, sites and URLs as plain text
for search. A table beside `messages` rather than a column: the full-text index over
messages stays as it is, and a session without sources costs one indexed range read.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from mimo_tui.model import Message, SearchHit
from mimo_tui.web_search import search_text


def put(
    db: sqlite3.Connection, message_id: int | None, sources: list[dict[str, Any]] | None
) -> None:
    """Store (or replace) a reply's sources inside the caller's transaction."""
    if message_id is None or not sources:
        return
    db.execute(
        "INSERT OR REPLACE INTO message_sources(message_id, sources, search_text) VALUES (?, ?, ?)",
        (message_id, json.dumps(sources, ensure_ascii=False), search_text(sources)),
    )


def attach(db: sqlite3.Connection, messages: list[Message]) -> list[Message]:
    """Give each reply of `messages` its stored sources (one range read by message id)."""
    ids = [m.id for m in messages if m.id is not None and m.role == "assistant"]
    if not ids:
        return messages
    rows = db.execute(
        "SELECT message_id, sources FROM message_sources WHERE message_id BETWEEN ? AND ?",
        (min(ids), max(ids)),
    ).fetchall()
    if not rows:
        return messages
    found: dict[int, Any] = {}
    for message_id, raw in rows:
        try:
            value = json.loads(raw)
        except ValueError:  # a hand-edited row: the reply shows without sources
            continue
        if isinstance(value, list):
            found[message_id] = [v for v in value if isinstance(v, dict)]
    for message in messages:
        if message.id in found:
            message.sources = found[message.id]
    return messages


def matching(db: sqlite3.Connection, words: list[str], limit: int) -> list[tuple[int, str]]:
    """(message id, the matching sources text) of replies whose sources hold every word."""
    if not words:
        return []
    clause = " AND ".join("search_text LIKE ? ESCAPE '\\'" for _ in words)
    params = [
        "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for w in words
    ]
    rows = db.execute(
        f"SELECT message_id, search_text FROM message_sources WHERE {clause} "
        "ORDER BY message_id DESC LIMIT ?",
        (*params, limit),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def with_source_hits(
    db: sqlite3.Connection, hits: list[SearchHit], words: list[str], limit: int
) -> list[SearchHit]:
    """`hits` plus the replies whose sources match every word, newest first, at most
    `limit`; a source hit's snippet is the matching source line, the word marked."""
    found = matching(db, words, limit)
    known = {h.message_id for h in hits}
    extra = []
    for message_id, text in found:
        if message_id in known:
            continue
        row = db.execute(
            "SELECT m.session_id, s.title, m.role, m.created_at FROM messages m "
            "JOIN sessions s ON s.id = m.session_id WHERE m.id = ?",
            (message_id,),
        ).fetchone()
        if row is None:
            continue
        line = next((ln for ln in text.splitlines() if words[0].lower() in ln.lower()), text)
        extra.append(SearchHit(row[0], row[1], message_id, row[2], _marked(line, words[0]), row[3]))
    if not extra:
        return hits
    return sorted([*hits, *extra], key=lambda h: h.message_id, reverse=True)[:limit]


def _marked(line: str, word: str) -> str:
    at = line.lower().find(word.lower())
    if at < 0:
        return "Source: " + line
    end = at + len(word)
    return "Source: " + line[:at] + "\x01" + line[at:end] + "\x02" + line[end:]
