"""Opening the store's SQLite file: pragmas, migrations, a corrupt file set aside, orphaned
replies marked, and the one way to write (`write`).

Why it looks like this:
- Every write takes the lock up front (`BEGIN IMMEDIATE`): in WAL mode a read-then-write
  transaction that started as a reader fails with "database is locked" despite the busy timeout
  when another instance wrote meanwhile. Two running instances lose nothing.
- A reply in flight is a row with status `streaming`, checkpointed by the engine; the pid that
  owns it is stored, so a store opened after a crash marks orphans `interrupted` without touching
  another live instance's reply. A partial index holds just those rows: opening costs the same
  with 10 messages or 1,000,000.
- Damage is found where SQLite trips over it, never by a scan at open (`PRAGMA quick_check`
  reads every page: seconds at 1,000,000 messages). At open (the header, the schema, the
  orphan check) the file is set aside at once; in use, a write that finds it damaged marks
  the store (`<store>.damaged`, one stat at open) and the next start sets it aside.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TypeGuard

from mimo_tui.migrations import MIGRATIONS, SCHEMA_VERSION
from mimo_tui.store_search import remember_terms


class StoreError(Exception):
    """The store cannot be used as is; the message says what happened and what to do."""


class StoreFull(StoreError):
    """A write failed because the disk (or the store's size limit) is full: SQLITE_FULL.
    The transaction was rolled back whole; what was written before it is intact."""


# A test hook: SQLite's max_page_count on every connection, so a test can make the store
# "full" at a size it chooses and drive the real SQLITE_FULL path without a tiny filesystem.
MAX_PAGES_ENV = "MIMO_TUI_STORE_MAX_PAGES"


class StoreDamaged(StoreError):
    """SQLite found the store's file damaged while it was in use (SQLITE_CORRUPT or
    SQLITE_NOTADB). The store is marked, so the next start keeps the file aside and begins
    a fresh one; what was saved before stays in that file."""


# Beside the store, written when a write finds the file damaged: the next open sets it aside.
DAMAGED_SUFFIX = ".damaged"


def is_corrupt(exc: BaseException) -> TypeGuard[sqlite3.DatabaseError]:
    """SQLite says the file is damaged: SQLITE_CORRUPT or SQLITE_NOTADB, any extended code.
    (Not a busy, full or read-only store, and not a constraint: those keep the file.)"""
    code = getattr(exc, "sqlite_errorcode", None)
    return (
        isinstance(exc, sqlite3.DatabaseError)
        and code is not None
        and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    )


def damaged(
    path: Path, exc: sqlite3.DatabaseError, lost: str = "this could not be saved"
) -> StoreDamaged:
    """Mark the store for setting aside at its next open; the error that tells the user."""
    with contextlib.suppress(OSError):  # unmarked, the next open still trips over it
        Path(str(path) + DAMAGED_SUFFIX).write_text(f"{exc}\n")
    return StoreDamaged(
        f"The session store {path} is damaged ({exc}); {lost}. "
        f"Restart mimo-tui: it keeps the damaged file aside as {path.name}.corrupt-<date> "
        "and starts a fresh store; nothing is deleted"
    )


def _is_full(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or (
        "database or disk is full" in str(exc)
    )


# The replies this process is streaming, by store file and message id. A row left
# `streaming` under this process's own pid was written by an earlier run that had the same
# pid (a container's process is pid 1 at every run) unless it is in here: an orphan.
WRITING: set[tuple[str, int]] = set()


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True  # (whether this process still writes the row: WRITING)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _connect(path: Path) -> sqlite3.Connection:
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            # Create it owner-only before SQLite does, so no moment exists with wider rights.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    db = sqlite3.connect(path, isolation_level=None, timeout=10, check_same_thread=False)
    try:  # closed on failure: a file about to be set aside is not held open
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
    except BaseException:
        db.close()
        raise
    return db


def open_db(path: Path) -> tuple[sqlite3.Connection, Path | None]:
    """Connect and migrate; a corrupt file is kept aside and a fresh store started.

    Returns the connection and where a corrupt file was moved (None when it was not).
    Only a file SQLite cannot read as a database counts as corrupt (sqlite3.DatabaseError
    that is not an OperationalError, or a UnicodeDecodeError: SQLite's message quoting a
    damaged schema's bytes), found opening it or marking its orphans, or a store marked
    damaged when in use: a busy or locked store is waited for, never moved.
    """
    deadline = time.monotonic() + 15
    recovered_from: Path | None = None
    if Path(str(path) + DAMAGED_SUFFIX).exists() and path.exists():
        recovered_from = _set_aside(path)
    while True:
        db: sqlite3.Connection | None = None
        try:
            db = _connect(path)
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            _migrate(db, path)
            _mark_orphans(db, path)  # reads pages the header and schema did not
            break
        except StoreDamaged:  # the orphan check's write found the damage
            if db is not None:
                db.close()
            recovered_from = _set_aside(path)
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
            if busy:
                raise StoreError(f"{path}: the store is locked by another process") from exc
            raise StoreError(
                f"{path}: the store cannot be opened ({exc}). Check that its folder is "
                "writable (not a read-only file system), or set XDG_DATA_HOME elsewhere"
            ) from exc
        except OSError as exc:  # its folder cannot be made (a file in the way, no rights)
            raise StoreError(
                f"{path}: the store cannot be created ({exc.strerror or exc}). Check that "
                f"{path.parent} can be a folder you may write to, or set XDG_DATA_HOME"
            ) from exc
        except (sqlite3.DatabaseError, UnicodeDecodeError):
            if db is not None:
                db.close()
            recovered_from = _set_aside(path)
    return db, recovered_from


def _set_aside(path: Path) -> Path:
    """Move a corrupt store (its WAL files, its damage mark) aside with a timestamp; never
    delete it, nor one set aside before in the same second."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm", DAMAGED_SUFFIX):
        side = Path(str(path) + suffix)
        if side.exists():
            os.replace(side, Path(str(aside) + suffix))
    return aside


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer mimo-tui (schema {version}, this version "
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


def _mark_orphans(db: sqlite3.Connection, path: Path) -> None:
    """Replies left `streaming` by a process that died (or by an earlier run that had this
    process's pid) are `interrupted` now (read through the partial index of streaming rows:
    no scan of the messages)."""
    rows = db.execute("SELECT id, owner_pid FROM messages WHERE status = 'streaming'")
    here = os.getpid()
    dead = [
        row["id"]
        for row in rows
        if not _pid_alive(row["owner_pid"])
        or (row["owner_pid"] == here and (str(path), row["id"]) not in WRITING)
    ]
    if dead:
        with write(db, path):
            texts = db.execute(
                "SELECT content, reasoning_content, tool_calls FROM messages "
                f"WHERE id IN ({','.join('?' * len(dead))})",
                dead,
            ).fetchall()
            remember_terms(db, [t for row in texts for t in row])  # indexed from now on
            db.executemany(
                "UPDATE messages SET status = 'interrupted' WHERE id = ?", [(i,) for i in dead]
            )


@contextlib.contextmanager
def write(db: sqlite3.Connection, path: Path) -> Iterator[sqlite3.Connection]:
    """One write transaction, the lock taken up front; SQLITE_FULL becomes StoreFull, a
    damaged file StoreDamaged (and the store marked to be set aside at the next open)."""
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
                f"The disk is full: {path} could not be written ({exc}). "
                "Free some space; what was saved before is kept"
            ) from exc
        if is_corrupt(exc) and str(path) != ":memory:":
            raise damaged(path, exc) from exc
        raise
