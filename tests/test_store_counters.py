"""Each session row carries its message count and token sums; opening reads no messages."""

from __future__ import annotations

from mimo_tui.config import Paths
from mimo_tui.model import Message, Session, Usage
from mimo_tui.store import Store
from tests.store_helpers import store_at_schema


def _counted(store: Store, session_id: str) -> tuple[int, Usage]:
    """What the messages themselves add up to, for comparison with the session row."""
    row = store.db.execute(
        "SELECT count(*), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),"
        " coalesce(sum(reasoning_tokens), 0) FROM messages WHERE session_id = ?",
        (session_id,),
    ).fetchone()
    return row[0], Usage(row[1], row[2], row[3])


def _listed(store: Store, session_id: str) -> Session:
    """The session as the lists read it (the row's counters), with its token split."""
    (listed,) = [s for s in store.list_sessions(limit=1000) if s.id == session_id]
    whole = next(s for s in store.sessions_in_full(limit=1000) if s.id == session_id)
    assert (listed.message_count, listed.total_tokens) == (
        whole.message_count,
        whole.usage.total_tokens,
    )
    return whole


def _reply(store: Store, session_id: str, usage: Usage) -> Message:
    reply = store.add_message(session_id, Message("assistant", status="streaming"))
    reply.content, reply.usage, reply.status = "answer", usage, "complete"
    store.update_message(reply)
    return reply


def test_counters_follow_adds_updates_supersedes_forks_imports_and_deletes(store: Store):
    session = store.create_session("m")
    assert (_listed(store, session.id).message_count, _listed(store, session.id).usage) == (
        0,
        Usage(),
    )
    first = store.add_message(session.id, Message("user", "hello"))
    _reply(store, session.id, Usage(10, 5, 2))
    second = store.add_message(session.id, Message("user", "again"))
    reply = _reply(store, session.id, Usage(20, 7, 3))
    listed, got = _listed(store, session.id), store.get_session(session.id)
    assert (
        (listed.message_count, listed.usage) == (4, Usage(30, 12, 5)) == _counted(store, session.id)
    )
    assert (got.message_count, got.usage) == (4, Usage(30, 12, 5))

    reply.usage = Usage(25, 9, 4)  # a retried final write with other numbers
    store.update_message(reply)
    assert (store.get_session(session.id).message_count, store.get_session(session.id).usage) == (
        4,
        Usage(35, 14, 6),
    )

    store.branch_from(session.id, second.id or 0)  # the old reply a branch: still counted
    assert store.get_session(session.id).message_count == 4

    fork = store.fork_session(session.id, second.id or 0, "fork")
    assert (fork.message_count, fork.usage) == (2, Usage(10, 5, 2)) == _counted(store, fork.id)
    imported = store.import_session("imported", "m", {}, store.messages(session.id))
    assert (imported.message_count, imported.usage) == _counted(store, imported.id)

    store.db.execute("DELETE FROM messages WHERE id = ?", (first.id,))
    assert (store.get_session(session.id).message_count, store.get_session(session.id).usage) == (
        _counted(store, session.id)
    )
    store.delete_session(session.id)
    assert [s.id for s in store.list_sessions()] == [imported.id, fork.id]


def test_an_older_store_gets_its_counters_backfilled(paths: Paths):
    """A store of schema 7 (before the counters) lists the same numbers once upgraded."""
    paths.data_dir.mkdir(parents=True)
    db = store_at_schema(paths.store_file, 7)
    db.execute(
        "INSERT INTO sessions(id, model, created_at, updated_at) VALUES "
        "('old', 'm', 1, 1), ('empty', 'm', 2, 2)"
    )
    db.executemany(
        "INSERT INTO messages(session_id, role, content, prompt_tokens, completion_tokens, "
        "reasoning_tokens, created_at, updated_at) VALUES ('old', ?, ?, ?, ?, ?, 1, 1)",
        [("user", "q", None, None, None), ("assistant", "a", 100, 40, 9)],
    )
    db.close()
    store = Store(paths.store_file)
    listed = {s.id: (s.message_count, s.usage) for s in store.sessions_in_full()}
    assert listed == {"old": (2, Usage(100, 40, 9)), "empty": (0, Usage())}
    assert {s.id: s.total_tokens for s in store.list_sessions()} == {"old": 140, "empty": 0}
    store.close()


def test_opening_looks_up_streaming_replies_without_reading_every_message(store: Store):
    plan = store.db.execute(
        "EXPLAIN QUERY PLAN SELECT id, owner_pid FROM messages WHERE status = 'streaming'"
    ).fetchall()
    assert "USING INDEX messages_streaming" in plan[0][3]


def test_listing_sessions_reads_the_sessions_table_alone(store: Store):
    store.create_session("m")
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    store.list_sessions(limit=10)
    store.db.set_trace_callback(None)
    assert statements and all("messages" not in sql for sql in statements)


def test_the_row_sums_cached_tokens_and_knows_when_no_reply_said(store: Store):
    """Cached prompt tokens are summed on the row like the others, and a session none of
    whose replies said how many has them unknown (None), not 0 — after deletes too."""
    session = store.create_session("m")
    store.add_message(session.id, Message("user", "hello"))
    _reply(store, session.id, Usage(10, 5, 2))  # the server did not say
    assert store.get_session(session.id).usage.cached_tokens is None
    cached = _reply(store, session.id, Usage(20, 7, 3, 16))
    _reply(store, session.id, Usage(30, 7, 3, 0))  # said: none of it was cached
    assert store.get_session(session.id).usage.cached_tokens == 16
    cached.usage = Usage(20, 7, 3, 12)  # a retried final write with another number
    store.update_message(cached)
    whole = next(s for s in store.sessions_in_full() if s.id == session.id)
    assert whole.usage.cached_tokens == store.get_session(session.id).usage.cached_tokens == 12
    other = store.create_session("m")
    store.db.execute("UPDATE messages SET session_id = ? WHERE id = ?", (other.id, cached.id))
    assert store.get_session(other.id).usage.cached_tokens == 12  # moved with its message
    assert store.get_session(session.id).usage.cached_tokens == 0  # the other said 0
    store.db.execute("UPDATE messages SET session_id = ? WHERE id = ?", (session.id, cached.id))
    store.db.execute("UPDATE messages SET cached_tokens = NULL WHERE id = ?", (cached.id,))
    assert store.get_session(session.id).usage.cached_tokens == 0
    assert store.get_session(other.id).usage.cached_tokens is None
    store.db.execute("DELETE FROM messages WHERE cached_tokens IS NOT NULL")
    assert store.get_session(session.id).usage.cached_tokens is None
    cached.usage = Usage(20, 7, 3, 12)
    fork = store.import_session("imported", "m", {}, [Message("user", "q"), cached])
    assert store.get_session(fork.id).usage.cached_tokens == 12


def test_opening_a_session_reads_no_messages(store: Store):
    session = store.create_session("m")
    _reply(store, session.id, Usage(20, 7, 3, 16))
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    assert store.get_session(session.id).usage == Usage(20, 7, 3, 16)
    store.db.set_trace_callback(None)
    assert statements and all("messages" not in sql for sql in statements)


def test_a_schema_15_store_gets_its_cached_sums_backfilled(paths: Paths):
    """A store of the schema before the cached-token counters, written with its own SQL."""
    paths.data_dir.mkdir(parents=True)
    db = store_at_schema(paths.store_file, 15)
    db.execute(
        "INSERT INTO sessions(id, model, created_at, updated_at) VALUES "
        "('said', 'm', 1, 1), ('silent', 'm', 2, 2)"
    )
    db.executemany(
        "INSERT INTO messages(session_id, role, content, prompt_tokens, cached_tokens, "
        "created_at, updated_at) VALUES (?, 'assistant', 'a', 100, ?, 1, 1)",
        [("said", 64), ("said", None), ("said", 8), ("silent", None)],
    )
    db.close()
    store = Store(paths.store_file)
    cached = {s.id: s.usage.cached_tokens for s in store.sessions_in_full()}
    assert cached == {"said": 72, "silent": None}
    assert store.get_session("said").usage == Usage(300, 0, 0, 72)
    _reply(store, "silent", Usage(5, 1, 0, 4))
    assert store.get_session("silent").usage == Usage(105, 1, 0, 4)  # the triggers work
    store.close()
