"""Attachment bytes, stored once by content (sha256), and the rows that reference them.

Why it looks like this:
- A blob is a file named by its sha256 (`ab/abcdef…`) in a folder beside the store (one per
  store, so the demo's and the real store never share one), owner-only (0700 folders, 0600
  files), written to a temp file and renamed, so a crash never leaves half a blob under a name.
- Messages reference blobs from `message_attachments` (schema: migrations
  `_message_attachments`), never inline them: ten turns replaying one image store it once.
- Deleting a session deletes its rows (ON DELETE CASCADE from messages); `collect()` then
  removes each blob no row references any more.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mimo_tui.model import Attachment, Message
from mimo_tui.text import one_line

_COLUMNS = "message_id, position, sha256, url, name, mime, kind, size, width, height"


class BlobStore:
    """Content-addressed files under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256: {sha256[:80]!r}")
        return self.root / sha256[:2] / sha256

    def put(self, sha256: str, data: bytes) -> Path:
        """Store `data` under its (already computed) sha256; a blob already there is kept."""
        target = self.path(sha256)
        if target.exists():
            return target
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.root, 0o700)
        target.parent.mkdir(exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")  # mkstemp: 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return target

    def put_new(self, sha256: str, data: bytes) -> bool:
        """`put`, saying whether this call wrote the file (False: it was already stored), so
        a turn that fails later removes only what it added."""
        if self.exists(sha256):
            return False
        self.put(sha256, data)
        return True

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def remove(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(sha256).unlink()


def blob_failure(exc: BaseException, items: Sequence[tuple[Attachment, bytes | None]]) -> str:
    """What to tell the user when a message with attachments could not be saved (the disk
    is full, the folder unwritable): which files, why, and that nothing was sent."""
    if not isinstance(exc, OSError):  # StoreFull: the store's own message says it all
        return f"{exc}. Your message was not sent"
    names = ", ".join(one_line(a.name) for a, data in items if data is not None)
    names = names or "the attachments"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"The disk is full: {names} could not be stored ({exc.strerror}). "
            "Free some space; your message was not sent"
        )
    return f"{names} could not be stored ({exc.strerror or exc}). Your message was not sent"


def blob_dir(store_path: Path) -> Path:
    """`sessions.sqlite3` → `sessions.attachments/` beside it."""
    return store_path.with_name(store_path.stem + ".attachments")


def insert(
    db: sqlite3.Connection, session_id: str, message_id: int, items: Iterable[Attachment]
) -> None:
    """The rows of one message's attachments (inside the caller's transaction)."""
    db.executemany(
        f"INSERT INTO message_attachments(session_id, {_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                session_id,
                message_id,
                i,
                a.sha256,
                a.url,
                a.name,
                a.mime,
                a.kind,
                a.size,
                a.width,
                a.height,
            )
            for i, a in enumerate(items)
        ],
    )


def fill(db: sqlite3.Connection, session_id: str, messages: list[Message]) -> list[Message]:
    """Give each message its attachments: one index range read for the whole page."""
    if not messages:
        return messages
    low = min(m.id or 0 for m in messages)
    high = max(m.id or 0 for m in messages)
    cursor = db.cursor()
    cursor.row_factory = None
    rows = cursor.execute(
        f"SELECT {_COLUMNS} FROM message_attachments WHERE session_id = ? "
        "AND message_id BETWEEN ? AND ? ORDER BY message_id, position",
        (session_id, low, high),
    ).fetchall()
    if not rows:
        return messages
    found: dict[int, list[Attachment]] = {}
    for r in rows:
        found.setdefault(r[0], []).append(_attachment(r))
    for m in messages:
        if m.id in found:
            m.attachments = tuple(found[m.id])
    return messages


def _attachment(r: tuple[Any, ...]) -> Attachment:
    return Attachment(
        name=r[4], mime=r[5], kind=r[6], size=r[7], sha256=r[2], url=r[3], width=r[8], height=r[9]
    )


def of_session(db: sqlite3.Connection, session_id: str) -> set[str]:
    rows = db.execute(
        "SELECT DISTINCT sha256 FROM message_attachments WHERE session_id = ? AND sha256 != ''",
        (session_id,),
    ).fetchall()
    return {r[0] for r in rows}


def collect(db: sqlite3.Connection, blobs: BlobStore, candidates: Iterable[str]) -> list[str]:
    """Remove the blobs among `candidates` that no message references any more."""
    removed = []
    for sha in candidates:
        used = db.execute(
            "SELECT 1 FROM message_attachments WHERE sha256 = ? LIMIT 1", (sha,)
        ).fetchone()
        if used is None:
            blobs.remove(sha)
            removed.append(sha)
    return removed


def search_names(db: sqlite3.Connection, words: list[str], limit: int) -> list[tuple[Any, ...]]:
    """(message id, session id, role, title, created_at, name) of messages whose attachment
    names contain every word, newest first."""
    clauses = " AND ".join("a.name LIKE ? ESCAPE '\\'" for _ in words)
    params = [
        "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for w in words
    ]
    return db.execute(
        "SELECT m.id, m.session_id, m.role, s.title, m.created_at, a.name "
        "FROM message_attachments a JOIN messages m ON m.id = a.message_id "
        f"JOIN sessions s ON s.id = m.session_id WHERE {clauses} "
        "GROUP BY m.id ORDER BY m.id DESC LIMIT ?",
        (*params, limit),
    ).fetchall()
