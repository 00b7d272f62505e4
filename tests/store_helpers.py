"""Stores as older code left them, for migration tests, and as damage on disk leaves them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mimo_tui.migrations import MIGRATIONS


def store_at_schema(path: Path, version: int) -> sqlite3.Connection:
    """A new store file at `path` made by the first `version` migrations (their own SQL)
    and stamped with that version, open in autocommit for the test to fill as that code did."""
    db = sqlite3.connect(path, isolation_level=None)
    for number, migration in enumerate(MIGRATIONS[:version], start=1):
        migration(db)
        db.execute(f"PRAGMA user_version = {number}")
    return db


def zero_table(path: Path, table: str) -> bytes:
    """Zero the root page of `table`'s b-tree, as a bad disk sector would: the header, the
    schema and the other tables still read, and SQLite finds the damage ("database disk
    image is malformed") only when it reaches that table. Returns the file's bytes after."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the main file
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    db.close()
    with path.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(bytes(page_size))
    return path.read_bytes()


def undecodable_schema(path: Path) -> bytes:
    """Garble the schema so SQLite's own error message quotes bytes that are not UTF-8 (as
    random damage does): Python fails decoding the message itself, at the first PRAGMA.
    Returns the file's bytes after."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = path.read_bytes()
    assert b"WITHOUT ROWID" in data
    path.write_bytes(data.replace(b"WITHOUT ROWID", b"WITHOUT \xfd\xfdWID"))
    return path.read_bytes()
