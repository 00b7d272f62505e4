"""Stores as older code left them, for migration tests."""

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
