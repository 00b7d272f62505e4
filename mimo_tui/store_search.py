"""Finding messages in every session, through indexes whatever the length of the words.

The FTS5 index is trigram (it finds substrings in any script; Chinese has no spaces), so it
finds words of three characters or more directly. A two-character word `ab` is in a text
exactly when the text has a trigram starting with `ab`, or ends with `ab`:
- the trigrams starting with `ab` come from `search_terms`, every trigram ever indexed
  (written here at each final write, filled from the index by the migration; it only grows,
  and a term that no longer occurs costs one look-up), and are asked of the index as an OR;
- the texts ending with `ab` come from expression indexes on each column's last two
  characters, newest first.
Both are read newest first with the limit, so a two-character word that occurs nowhere
costs look-ups, not a scan of every message (825 ms at 1,000,000 messages). Case is
folded in every script, as the index folds it ('ок' finds 'ОК'). A word of one character
still scans (newest first, stopping at `limit` hits) with LIKE, which folds ASCII only.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from mimo_tui.model import SearchHit
from mimo_tui.store_rows import TITLE

COLUMNS = ("content", "reasoning_content", "tool_calls")
ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LAST = "\U0010ffff"  # sorts after every character: the upper bound of a prefix range


def tail(column: str) -> str:
    """The indexed expression of a column's last two characters (migrations uses it too)."""
    return f"lower(substr(coalesce({column}, ''), -2))"


def remember_terms(db: sqlite3.Connection, texts: list[str | None]) -> None:
    """Add the trigrams of texts about to be indexed to `search_terms` (in the caller's
    write transaction)."""
    terms: set[str] = set()
    for text in texts:
        if text and len(text) > 2:
            low = text.lower()
            terms.update(low[i : i + 3] for i in range(len(low) - 2))
    if terms:
        db.execute(
            "INSERT OR IGNORE INTO search_terms(term) SELECT value FROM json_each(?)",
            (json.dumps(sorted(terms), ensure_ascii=False),),
        )


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_messages(db: sqlite3.Connection, query: str, limit: int = 50) -> list[SearchHit]:
    """Messages of any session matching every word of `query`, newest first (see above)."""
    words = query.split()
    if not words:
        return []
    if all(len(w) >= 3 for w in words):
        return _long_words(db, words, limit)
    if all(len(w) >= 2 for w in words):
        ids = _short_words(db, words, limit)
    else:
        ids = _scan(db, words, limit)
    return _hits(db, ids, words[0])


def _long_words(db: sqlite3.Connection, words: list[str], limit: int) -> list[SearchHit]:
    match = " ".join(_quoted(w) for w in words)
    # Newest first straight from the index (rowid order needs no sort), so a common
    # word matching most messages costs no more than a rare one.
    rows = db.execute(
        f"SELECT m.id, m.session_id, m.role, {TITLE} AS title, m.created_at, hits.snip "
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


def _every_word(words: list[str]) -> tuple[str, list[Any]]:
    """A WHERE clause (and its parameters) true when every word is in one of the columns."""
    clause = " AND ".join(
        "(" + " OR ".join(f"coalesce({c}, '') LIKE ? ESCAPE '\\'" for c in COLUMNS) + ")"
        for _ in words
    )
    params: list[Any] = []
    for w in words:
        params += [_like(w)] * len(COLUMNS)
    return clause, params


def _short_words(db: sqlite3.Connection, words: list[str], limit: int) -> list[int]:
    """Ids of the newest `limit` messages holding every word (all of two characters or more)."""
    parts = []
    for word in words:
        if len(word) >= 3:
            parts.append(_quoted(word))
            continue
        low = word.lower()
        terms = [
            r[0]
            for r in db.execute(
                "SELECT term FROM search_terms WHERE term >= ? AND term < ?", (low, low + LAST)
            )
        ]
        parts.append("(" + " OR ".join(_quoted(t) for t in terms) + ")" if terms else "")
    ids: set[int] = set()
    if all(parts):  # a word followed by nothing anywhere is only in the texts' ends
        ids.update(
            r[0]
            for r in db.execute(
                "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? "
                "ORDER BY rowid DESC LIMIT ?",
                (" AND ".join(parts), limit),
            )
        )
    folded = [w.lower() for w in words]
    for word in words:
        if len(word) != 2:
            continue
        for end in _cases(word):
            for column in COLUMNS:
                ids.update(_ending_with(db, column, end, folded, limit))
    return sorted(ids, reverse=True)[:limit]


def _ending_with(
    db: sqlite3.Connection, column: str, end: str, folded: list[str], limit: int
) -> list[int]:
    """Ids of the newest `limit` finished messages whose `column` ends with `end` (read
    newest first through that column's index of ends) and that hold every word of
    `folded`, compared case-folded in Python: LIKE would fold ASCII letters only."""
    found: list[int] = []
    rows = db.execute(
        "SELECT id, content, reasoning_content, tool_calls FROM messages "
        f"WHERE {tail(column)} = ? AND status != 'streaming' ORDER BY id DESC",
        (end,),
    )
    for r in rows:
        texts = [(t or "").lower() for t in r[1:]]
        if all(any(w in t for t in texts) for w in folded):
            found.append(r[0])
            if len(found) == limit:
                break
    return found


def _cases(word: str) -> list[str]:
    """The two characters `word` is, in every case, as `tail` stores them (SQLite's lower()
    folds ASCII letters only, so 'ОК' is stored as 'ОК' and 'ок' as 'ок')."""
    ascii_lower = str.maketrans(ASCII_UPPER, ASCII_UPPER.lower())
    first, second = ({c, c.lower(), c.upper()} for c in word)
    return sorted({(a + b).translate(ascii_lower) for a in first for b in second})


def _scan(db: sqlite3.Connection, words: list[str], limit: int) -> list[int]:
    """Ids of the newest `limit` finished messages holding every word, read newest first
    (like the index, a reply still streaming is not searched)."""
    clause, params = _every_word(words)
    return [
        r[0]
        for r in db.execute(
            f"SELECT id FROM messages WHERE status != 'streaming' AND {clause} "
            "ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
    ]


def _hits(db: sqlite3.Connection, ids: list[int], word: str) -> list[SearchHit]:
    if not ids:
        return []
    rows = db.execute(
        f"SELECT m.id, m.session_id, m.role, {TITLE} AS title, m.created_at, m.content, "
        "m.reasoning_content, m.tool_calls FROM messages m "
        f"JOIN sessions s ON s.id = m.session_id WHERE m.id IN ({','.join('?' * len(ids))}) "
        "ORDER BY m.id DESC",
        ids,
    ).fetchall()
    hits = []
    for r in rows:
        text = next(
            (
                t
                for t in (r["content"], r["reasoning_content"], r["tool_calls"] or "")
                if word.lower() in t.lower()
            ),
            r["content"],
        )
        hits.append(
            SearchHit(
                r["session_id"],
                r["title"],
                r["id"],
                r["role"],
                context(text, word),
                r["created_at"],
            )
        )
    return hits


def context(text: str, word: str, width: int = 60) -> str:
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


def marked_off_path(db: sqlite3.Connection, hits: list[SearchHit]) -> list[SearchHit]:
    """`hits` with those on messages off their session's active path (a reply regenerate
    replaced, the question before an edit) marked: without it two versions of one answer
    were listed alike."""
    if not hits:
        return hits
    ids = [h.message_id for h in hits]
    off = {
        row[0]
        for row in db.execute(
            f"SELECT id FROM messages WHERE on_path = 0 AND id IN ({','.join('?' * len(ids))})",
            ids,
        )
    }
    return [h._replace(on_path=False) if h.message_id in off else h for h in hits]
