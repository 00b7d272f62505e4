"""A store of 100,000 sessions and 1,000,000 messages, built once with bulk SQL and cached.

Building it takes a minute or two (the full-text index is most of it), so it is written once
under the temp dir, keyed by the schema it was made with, and each benchmark works on a copy.
A store left by an older schema is copied and migrated by `Store` like a user's would be.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from benchmarks.store_bench import SETTINGS
from mimo_tui.migrations import SCHEMA_VERSION
from mimo_tui.store import Store

SESSIONS = 100_000
PER_SESSION = 10  # 1,000,000 messages
CACHE = Path(tempfile.gettempdir()) / "mimo-bench-cache"
WORDS = [
    "sqlite",
    "wal",
    "checkpoint",
    "index",
    "query",
    "planner",
    "token",
    "reply",
    "stream",
    "reasoning",
    "tool",
    "call",
    "session",
    "search",
    "trigram",
    "migration",
    "schema",
    "page",
    "cursor",
    "memory",
    "frame",
    "render",
    "widget",
    "terminal",
    "model",
    "latency",
    "budget",
    "cache",
    "vacuum",
    "journal",
    "commit",
    "rollback",
    "你好",
    "世界",
    "模型",
    "推理",
]


def _generator_key() -> str:
    """Changes whenever this generator does, so a stale cache is never reused."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


def _fill(path: Path) -> None:
    Store(path).close()  # the schema of the code that builds it
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("BEGIN")
    now = time.time()
    n = len(WORDS)
    for start in range(0, SESSIONS, 10_000):
        sessions = []
        messages = []
        for i in range(start, start + 10_000):
            sid = f"big{i:09d}"
            at = now - (SESSIONS - i) * 60
            sessions.append((sid, f"Session {i} {WORDS[i % n]}", SETTINGS[i % len(SETTINGS)], at))
            for j in range(PER_SESSION):
                k = i * PER_SESSION + j
                role = "user" if j % 2 == 0 else "assistant"
                text = (
                    f"message {k} of session {i}: {WORDS[k % n]} {WORDS[(k * 7) % n]} "
                    f"{WORDS[(k * 13) % n]} and {WORDS[(k // 3) % n]} number {k % 997}"
                )
                tokens = (300, 120, 40) if role == "assistant" else (None, None, None)
                messages.append((sid, role, text, "", *tokens, at + j))
        db.executemany(
            "INSERT INTO sessions(id, title, model, settings, created_at, updated_at) "
            "VALUES (?, ?, 'mimo-v2.5-pro', ?, ?, ?)",
            [(sid, title, settings, at, at + PER_SESSION) for sid, title, settings, at in sessions],
        )
        db.executemany(
            "INSERT INTO messages(session_id, role, content, reasoning_content, prompt_tokens, "
            "completion_tokens, reasoning_tokens, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?8)",
            messages,
        )
    # Bulk SQL skips Store.add_message, which records each text's trigrams for two-character
    # searches (store_search): take them from the index, as the migration does for old stores.
    db.execute("CREATE VIRTUAL TABLE temp.terms_now USING fts5vocab(main, messages_fts, row)")
    db.execute("INSERT OR IGNORE INTO search_terms(term) SELECT term FROM temp.terms_now")
    db.execute("DROP TABLE temp.terms_now")
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def big_store(target: Path) -> Path:
    """A fresh copy of the 1,000,000-message store at `target`, already migrated by this
    code, so what is timed afterwards is an ordinary open."""
    CACHE.mkdir(exist_ok=True)
    # The base is built with the schema of the first code that needs it; newer code migrates
    # a copy, older code (measuring "before") builds its own.
    bases = [
        p
        for p in CACHE.glob(f"store-1m-{_generator_key()}-base-v*.db")
        if int(p.stem.rsplit("-v", 1)[1]) <= SCHEMA_VERSION
    ]
    cached = bases[0] if bases else CACHE / f"store-1m-{_generator_key()}-base-v{SCHEMA_VERSION}.db"
    if not cached.exists():
        building = cached.with_suffix(".building")
        building.unlink(missing_ok=True)
        print(f"    building {cached} (once; a minute or two)…", flush=True)
        _fill(building)
        building.rename(cached)
    migrated = CACHE / f"store-1m-{_generator_key()}-v{SCHEMA_VERSION}.db"
    if not migrated.exists():
        building = migrated.with_suffix(".building")
        shutil.copyfile(cached, building)
        start = time.perf_counter()
        Store(building).close()  # this code's migrations, as a user's store would get them
        took = time.perf_counter() - start
        print(f"    migrating it to schema {SCHEMA_VERSION} took {took:.1f} s", flush=True)
        db = sqlite3.connect(building)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        building.rename(migrated)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated, target)
    return target
