"""The session store: durable, owner-only, migrated forward, safe with two writers."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading

import pytest

from mimo_tui.config import Paths
from mimo_tui.migrations import SCHEMA_VERSION
from mimo_tui.model import Message, ToolCall, Usage
from mimo_tui.store import Store, StoreError
from tests.store_helpers import store_at_schema, undecodable_schema, zero_table


def test_a_session_survives_a_restart(paths: Paths):
    store = Store(paths.store_file)
    session = store.create_session("mimo-v2.5-pro")
    store.add_message(session.id, Message("user", "hello"))
    reply = store.add_message(session.id, Message("assistant", status="streaming"))
    reply.content, reply.reasoning_content = "hi", "thought"
    reply.tool_calls = [ToolCall("call_1", "f", '{"a": 1}')]
    reply.usage, reply.status = Usage(10, 5, 2), "complete"
    reply.ttft_ms, reply.duration_ms, reply.finish_reason = 120, 900, "tool_calls"
    store.update_message(reply)
    store.close()

    again = Store(paths.store_file)
    messages = again.messages(again.get_session("last").id)
    assert [(m.role, m.content) for m in messages] == [("user", "hello"), ("assistant", "hi")]
    restored = messages[1]
    assert restored.reasoning_content == "thought"
    assert restored.tool_calls == [ToolCall("call_1", "f", '{"a": 1}')]
    assert restored.usage == Usage(10, 5, 2)
    assert (restored.ttft_ms, restored.duration_ms, restored.finish_reason) == (
        120,
        900,
        "tool_calls",
    )
    assert again.get_session("last").title == "hello"
    again.close()


def test_every_field_of_a_message_reads_back_as_written(store: Store):
    """Rows are unpacked by position: a column out of place must not go unnoticed."""
    session = store.create_session("m")
    msg = store.add_message(
        session.id,
        Message(
            "assistant",
            content="answer",
            tool_call_id="call_9",
            model="mimo-v2.5-pro",
            status="streaming",
            tool_meta={"name": "f", "round": 2},
            created_at=1234.5,
        ),
    )
    msg.reasoning_content = "thought"
    msg.tool_calls = [ToolCall("call_1", "f", '{"a": 1}'), ToolCall("call_2", "g", "{}")]
    msg.usage = Usage(11, 7, 3)
    msg.finish_reason, msg.status, msg.error = "length", "error", "cut off"
    msg.ttft_ms, msg.reasoning_ms, msg.duration_ms = 120, 450, 900
    msg.thinking_blocks = [{"type": "thinking", "thinking": "t", "signature": "s"}]
    store.update_message(msg)
    assert store.messages(session.id) == [msg]  # every dataclass field compared
    assert store.message(msg.id) == msg
    plain = store.add_message(session.id, Message("user", "hi"))
    assert store.message(plain.id).usage is None and store.message(plain.id).tool_calls == []


def test_store_and_folder_are_owner_only(paths: Paths):
    Store(paths.store_file).close()
    assert stat.S_IMODE(os.stat(paths.store_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(paths.data_dir).st_mode) == 0o700


def test_session_refs_accept_ids_prefixes_and_last(store: Store):
    a = store.create_session("m", session_id="abc111")
    store.create_session("m", session_id="abd222")
    assert store.get_session("abc").id == a.id
    with pytest.raises(StoreError, match="several"):
        store.get_session("ab")
    with pytest.raises(StoreError, match="no session"):
        store.get_session("zzz")
    assert store.get_session("last").id == "abd222"


def test_a_session_ref_is_looked_up_in_the_id_index_not_by_scanning(store: Store):
    """Every start looks its session up by id; with 100,000 sessions a scan took 20 ms."""
    store.create_session("m", session_id="a_b111")
    store.create_session("m", session_id="axb222")
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    assert store.get_session("a_b111").id == "a_b111"
    assert store.get_session("a_b").id == "a_b111"  # `_` is a character, not a wildcard
    store.db.set_trace_callback(None)
    assert any("FROM sessions" in sql for sql in statements)
    for sql in statements:
        plan = " ".join(row[3] for row in store.db.execute("EXPLAIN QUERY PLAN " + sql))
        assert "SCAN sessions" not in plan, (sql, plan)


def test_a_reply_left_under_this_pid_by_an_earlier_run_is_an_orphan(paths: Paths):
    """In a container every run is pid 1: a reply an earlier run left `streaming` carries
    this process's pid, yet this process is not writing it. One it is writing stays."""
    store = Store(paths.store_file)
    session = store.create_session("m")
    left = store.add_message(session.id, Message("assistant", "left by the last run"))
    store.db.execute(
        "UPDATE messages SET status = 'streaming', owner_pid = ? WHERE id = ?",
        (os.getpid(), left.id),
    )
    live = store.add_message(session.id, Message("assistant", "mine", status="streaming"))
    again = Store(paths.store_file)  # e.g. `mimo-tui sessions` while the TUI streams
    statuses = {m.id: m.status for m in again.messages(session.id)}
    assert statuses == {left.id: "interrupted", live.id: "streaming"}
    live.status = "complete"
    store.update_message(live)
    store.close()
    again.close()


def test_an_orphaned_reply_of_a_dead_process_is_marked_interrupted(paths: Paths):
    store = Store(paths.store_file)
    session = store.create_session("m")
    reply = store.add_message(session.id, Message("assistant", "partial", status="streaming"))
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    store.db.execute("UPDATE messages SET owner_pid = ? WHERE id = ?", (int(dead.stdout), reply.id))
    store.close()
    again = Store(paths.store_file)
    (msg,) = again.messages(session.id)
    assert (msg.status, msg.content) == ("interrupted", "partial")
    again.close()


def test_a_live_instances_reply_is_left_streaming(paths: Paths):
    store = Store(paths.store_file)
    session = store.create_session("m")
    store.add_message(session.id, Message("assistant", "partial", status="streaming"))
    other = Store(paths.store_file)  # same pid: alive
    assert other.messages(session.id)[0].status == "streaming"
    other.close()
    store.close()


def test_an_old_store_is_migrated_and_a_newer_one_refused(paths: Paths):
    paths.data_dir.mkdir(parents=True)
    sqlite3.connect(paths.store_file).close()  # schema 0: an empty file of an older version
    store = Store(paths.store_file)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    store.close()
    db = sqlite3.connect(paths.store_file)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before = paths.store_file.read_bytes()
    with pytest.raises(StoreError, match="newer mimo-tui"):
        Store(paths.store_file)
    assert paths.store_file.read_bytes() == before


def test_a_corrupt_store_is_kept_aside_and_a_fresh_one_started(paths: Paths):
    paths.data_dir.mkdir(parents=True)
    paths.store_file.write_bytes(b"this is not a database" * 100)
    store = Store(paths.store_file)
    assert store.recovered_from is not None
    assert store.recovered_from.read_bytes() == b"this is not a database" * 100
    assert store.list_sessions() == []
    store.close()


def _saved_sessions(paths: Paths) -> list[str]:
    """A store with two sessions, closed: their ids."""
    store = Store(paths.store_file)
    ids = []
    for text in ("first question", "second question"):
        session = store.create_session("m")
        store.add_message(session.id, Message("user", text))
        ids.append(session.id)
    store.close()
    return ids


def test_a_store_whose_schema_cannot_even_be_named_is_kept_aside(paths: Paths):
    """Random damage can garble the schema into bytes SQLite then quotes in its error
    message, which Python cannot decode: that is a corrupt store too, not a crash."""
    _saved_sessions(paths)
    damaged = undecodable_schema(paths.store_file)
    store = Store(paths.store_file)
    assert store.recovered_from is not None
    assert store.recovered_from.read_bytes() == damaged
    assert store.list_sessions() == []
    store.close()


def test_a_reply_left_in_a_damaged_part_of_the_store_sets_it_aside_at_open(paths: Paths):
    """Opening reads the header and the schema; the orphan check also writes the search
    terms. Damage found there is a corrupt store, not a traceback at every start."""
    (sid, _) = _saved_sessions(paths)
    store = Store(paths.store_file)
    reply = store.add_message(sid, Message("assistant", "partial reply", status="streaming"))
    store.db.execute("UPDATE messages SET owner_pid = 999999999 WHERE id = ?", (reply.id,))
    store.close()
    damaged = zero_table(paths.store_file, "search_terms")
    store = Store(paths.store_file)
    assert store.recovered_from is not None
    assert store.recovered_from.read_bytes() == damaged
    assert store.list_sessions() == []
    store.close()


def test_a_write_that_finds_the_store_damaged_says_so_and_the_next_open_sets_it_aside(
    paths: Paths,
):
    """Opening does not read every page (that would cost seconds at 1,000,000 messages):
    damage elsewhere shows at a write. That write says what happened and what to do, and
    the next start keeps the file aside (renamed, never deleted) and starts afresh."""
    first, second = _saved_sessions(paths)
    damaged = zero_table(paths.store_file, "search_terms")
    store = Store(paths.store_file)
    assert store.recovered_from is None  # nothing scanned the file
    assert [s.id for s in store.list_sessions()] == [second, first]  # still readable
    with pytest.raises(StoreError) as failed:
        store.add_message(first, Message("user", "one more question"))
    assert "is damaged (database disk image is malformed)" in str(failed.value)
    assert "Restart mimo-tui" in str(failed.value) and "nothing is deleted" in str(failed.value)
    assert [m.content for m in store.messages(first)] == ["first question"]  # rolled back
    store.close()

    again = Store(paths.store_file)
    assert again.recovered_from is not None
    assert again.recovered_from.read_bytes() == damaged
    assert again.list_sessions() == []
    session = again.create_session("m")
    again.add_message(session.id, Message("user", "a fresh start"))
    again.close()
    third = Store(paths.store_file)  # the fresh store is not set aside in its turn
    assert third.recovered_from is None
    assert [s.id for s in third.list_sessions()] == [session.id]
    third.close()


def test_stores_set_aside_one_after_another_are_all_kept(paths: Paths):
    """Set aside within the same second, the second file does not replace the first."""
    kept = []
    for _ in range(2):
        sid, _ = _saved_sessions(paths)
        damaged = zero_table(paths.store_file, "search_terms")
        store = Store(paths.store_file)
        with pytest.raises(StoreError, match="damaged"):
            store.add_message(sid, Message("user", "one more question"))
        store.close()
        again = Store(paths.store_file)
        assert again.recovered_from is not None
        kept.append((again.recovered_from, damaged))
        again.close()
    assert kept[0][0] != kept[1][0]
    for aside, damaged in kept:
        assert aside.read_bytes() == damaged


def test_two_instances_writing_at_once_lose_nothing(paths: Paths):
    Store(paths.store_file).close()
    stores = [Store(paths.store_file), Store(paths.store_file)]
    session = stores[0].create_session("m")
    errors: list[BaseException] = []

    def write(s: Store, tag: str) -> None:
        try:
            for i in range(100):
                m = s.add_message(session.id, Message("user", f"{tag}{i}"))
                m.content += "!"
                s.update_message(m)
        except BaseException as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    pairs = zip(stores, "ab", strict=True)
    threads = [threading.Thread(target=write, args=pair) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    contents = {m.content for m in stores[0].messages(session.id)}
    assert contents == {f"{t}{i}!" for t in "ab" for i in range(100)}
    for s in stores:
        s.close()


def test_instances_opening_a_new_store_at_once_neither_fail_nor_set_it_aside(tmp_path):
    """Opening races (WAL switch, first migration) wait for each other; none looks corrupt."""
    for i in range(15):
        path = tmp_path / f"race{i}.sqlite3"
        barrier = threading.Barrier(3)
        results: list[object] = []

        def open_store(path=path, barrier=barrier, results=results) -> None:
            barrier.wait()
            try:
                s = Store(path)
                results.append(s.recovered_from)
                s.close()
            except BaseException as exc:  # pragma: no cover - reported below
                results.append(exc)

        threads = [threading.Thread(target=open_store) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [None, None, None]


def test_the_list_shows_each_sessions_format_and_survives_unreadable_settings(store: Store):
    """The list reads the one setting it shows (the wire format) from each session's own
    settings; settings text nobody can decode (edited by hand) lists as the default."""
    store.create_session("m", {"api": "anthropic", "tools": ["current_time"]}, session_id="a")
    store.create_session("m", {"lang": "en"}, session_id="o")
    store.create_session("m", session_id="bad")
    with store._write() as db:
        db.execute("UPDATE sessions SET settings = '{not json' WHERE id = 'bad'")
    for limit in (10, 5000):  # both query plans
        listed = {s.id: s.api for s in store.list_sessions(limit=limit)}
        assert listed == {"a": "anthropic", "o": None, "bad": None}


def test_short_and_long_session_pages_agree(store: Store):
    """list_sessions has two query plans (a page, or everything); both count the same."""
    for i in range(5):
        s = store.create_session("m", {"lang": "zh", "n": i}, session_id=f"s{i}")
        store.rename_session(s.id, f"title {i}")
        for j in range(i):
            m = store.add_message(s.id, Message("assistant", f"{j}", status="streaming"))
            m.usage, m.status = Usage(1, 2, 1), "complete"
            store.update_message(m)
    short = store.list_sessions(limit=10)
    long = store.list_sessions(limit=5000)
    assert [(s.id, s.message_count, s.total_tokens) for s in short] == [
        (s.id, s.message_count, s.total_tokens) for s in long
    ]
    assert short[0].id == "s4" and short[0].total_tokens == 12
    full = store.sessions_in_full(limit=5000)
    assert [s.id for s in full] == [s.id for s in long] == [f"s{i}" for i in range(4, -1, -1)]
    for listed, whole in zip(short + long, full + full, strict=True):  # each column in place
        one = store.get_session(listed.id)
        assert (listed.title, listed.model, listed.api, listed.updated_at) == (
            one.title,
            one.model,
            one.settings.get("api"),
            one.updated_at,
        )
        assert listed.total_tokens == one.usage.total_tokens and listed.title.startswith("title ")
        assert whole.settings == one.settings and whole.created_at == one.created_at
        assert whole.usage[:3] == one.usage[:3] and whole.message_count == one.message_count


def test_a_range_of_a_sessions_messages_loads_only_those(store: Store):
    """Paging through a long session reads ~40 rows at a time, not the whole session."""
    session = store.create_session("mimo-v2.5-pro")
    other = store.create_session("mimo-v2.5-pro")
    ids = []
    for n in range(10):
        ids.append(store.add_message(session.id, Message("user", f"m{n}")).id)
        store.add_message(other.id, Message("user", f"other {n}"))
    assert [m.content for m in store.messages(session.id, ids[3], ids[6])] == ["m3", "m4", "m5"]
    assert [m.content for m in store.messages(session.id, ids[8])] == ["m8", "m9"]
    assert [m.content for m in store.messages(session.id, before_id=ids[2])] == ["m0", "m1"]
    assert len(store.messages(session.id)) == 10


def _fts_consistent(store: Store) -> bool:
    try:
        store.db.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
    except sqlite3.DatabaseError:
        return False
    return True


def test_a_streaming_reply_is_indexed_for_search_once_it_is_final(store: Store):
    """Checkpoints of a reply in flight leave the trigram index alone (re-indexing a long
    reply every second stalled the UI); the final write indexes it; the index stays exact
    through edits, status changes and deletes."""
    session = store.create_session("mimo-v2.5-pro")
    reply = store.add_message(session.id, Message("assistant", "", status="streaming"))
    for n in range(1, 4):  # three checkpoints
        reply.content = "platypus " * n
        store.update_message(reply)
        assert store.search("platypus") == [] and _fts_consistent(store)
    reply.status = "complete"
    store.update_message(reply)
    assert [h.message_id for h in store.search("platypus")] == [reply.id]
    reply.content, reply.status = "an echidna now", "superseded"
    store.update_message(reply)
    assert store.search("platypus") == [] and len(store.search("echidna")) == 1
    assert _fts_consistent(store)
    store.delete_session(session.id)
    assert store.search("echidna") == [] and _fts_consistent(store)


def test_replies_streaming_during_the_upgrade_leave_the_index_exact(paths: Paths):
    """A store of schema 5 (every checkpoint indexed) with a reply mid-stream upgrades to
    an exact index: that reply is not found until it is final."""
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    db = store_at_schema(paths.store_file, 5)
    db.execute(
        "INSERT INTO sessions(id, title, model, created_at, updated_at) "
        "VALUES ('s1', 'old', 'm', 0, 0)"
    )
    db.execute(
        "INSERT INTO messages(session_id, role, content, status, owner_pid, created_at, "
        "updated_at) VALUES ('s1', 'assistant', 'wombat half', 'streaming', ?, 0, 0)",
        (os.getppid(),),  # a process alive, still writing it
    )
    db.close()
    store = Store(paths.store_file)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.search("wombat") == [] and _fts_consistent(store)
    (reply,) = store.messages("s1")
    reply.content, reply.status = "wombat whole", "complete"
    store.update_message(reply)
    assert len(store.search("wombat")) == 1 and _fts_consistent(store)


def test_page_reads_bounded_windows_in_id_order(tmp_path) -> None:
    from mimo_tui.model import Message
    from mimo_tui.store import Store

    store = Store(tmp_path / "s.db")
    sid = store.create_session("m").id
    other = store.create_session("m").id
    ids = []
    for i in range(10):
        ids.append(store.add_message(sid, Message("user", f"q{i}")).id)
        store.add_message(other, Message("user", f"other{i}"))
    newest = store.page(sid, limit=3)
    assert [m.content for m in newest] == ["q7", "q8", "q9"]
    older = store.page(sid, before_id=newest[0].id, limit=3)
    assert [m.content for m in older] == ["q4", "q5", "q6"]
    newer = store.page(sid, after_id=ids[1], limit=2)
    assert [m.content for m in newer] == ["q2", "q3"]
    assert store.page(sid, before_id=ids[0], limit=5) == []


def test_last_id_finds_the_newest_message_of_a_role_before_an_id(store: Store):
    """Search opens a tool result at the reply that made the call: one bounded look-up."""
    s = store.create_session("m", {})
    ids = [
        store.add_message(s.id, Message(role, f"{i}")).id
        for i, role in enumerate(["user", "assistant", "tool", "assistant", "tool"])
    ]
    assert store.last_id(s.id, "assistant") == ids[3]
    assert store.last_id(s.id, "assistant", before=ids[2]) == ids[1]
    assert store.last_id(s.id, "assistant", before=ids[1]) is None
    plan = store.db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM messages WHERE session_id = ? AND role = ? "
        "AND id < ? ORDER BY id DESC LIMIT 1",
        (s.id, "assistant", 10),
    ).fetchall()
    assert "SCAN messages" not in " ".join(str(tuple(r)) for r in plan)
