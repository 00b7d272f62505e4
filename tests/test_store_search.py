"""Search: two-character words go through indexes and find what a substring scan finds."""

from __future__ import annotations

import pytest

from mimo_tui.config import Paths
from mimo_tui.model import Message, ToolCall
from mimo_tui.store import Store

TEXTS = [
    "the WAL file grows",  # upper case inside
    "ends with wa",  # only at the very end: no trigram starts with it
    "wa",  # the whole text
    "nothing here",
    "世界你好",  # Chinese, no spaces
    "你好世界",  # Chinese at the end
    "a walrus and a wasp",
    "x",
    "Всё ОК",  # not ASCII, upper case, at the very end
    "ОКНО открыто",
]


def _reference(store: Store, query: str) -> list[int]:
    """What a substring scan of every finished message finds (case-insensitive)."""
    words = [w.lower() for w in query.split()]
    rows = store.db.execute(
        "SELECT id, content, reasoning_content, coalesce(tool_calls, '') FROM messages "
        "WHERE status != 'streaming' ORDER BY id DESC"
    ).fetchall()
    return [r[0] for r in rows if all(any(w in t.lower() for t in r[1:]) for w in words)]


@pytest.fixture
def filled(store: Store) -> Store:
    session = store.create_session("m")
    for text in TEXTS:
        store.add_message(session.id, Message("user", text))
    store.add_message(session.id, Message("assistant", "", "reasoning ends in wa"))
    store.add_message(
        session.id,
        Message("assistant", "", tool_calls=[ToolCall("call_1", "read_file", '{"p": "wa"}')]),
    )
    live = store.add_message(session.id, Message("assistant", "streaming wa", status="streaming"))
    assert live.id
    return store


@pytest.mark.parametrize(
    "query",
    [
        "wa",
        "WA",
        "世界",
        "好世",
        "he",
        "zq",
        "wa he",
        "walrus wa",
        "ds",
        "a",
        "wa x",
        "ОК",
        "ок",
        "ок wa",
    ],
)
def test_short_words_find_what_a_scan_finds(filled: Store, query: str):
    assert [h.message_id for h in filled.search(query)] == _reference(filled, query)


def test_a_reply_finished_later_is_found_by_its_short_words(filled: Store):
    session = filled.list_sessions()[0]
    reply = filled.add_message(session.id, Message("assistant", status="streaming"))
    assert [h.message_id for h in filled.search("qj")] == []
    reply.content, reply.status = "a qjx word", "complete"
    filled.update_message(reply)
    assert [h.message_id for h in filled.search("qj")] == [reply.id]
    assert filled.search("qj")[0].snippet == "a \x01qj\x02x word"


def test_an_orphaned_reply_is_found_once_marked_interrupted(paths: Paths):
    store = Store(paths.store_file)
    session = store.create_session("m")
    reply = store.add_message(session.id, Message("assistant", "orphan kqz", status="streaming"))
    store.db.execute("UPDATE messages SET owner_pid = 999999999 WHERE id = ?", (reply.id,))
    store.close()
    again = Store(paths.store_file)
    assert [h.message_id for h in again.search("kq")] == [reply.id]
    again.close()


def test_the_ends_of_texts_are_read_through_their_indexes(store: Store):
    for column in ("content", "reasoning_content", "tool_calls"):
        plan = store.db.execute(
            "EXPLAIN QUERY PLAN SELECT id, content, reasoning_content, tool_calls FROM messages "
            f"WHERE lower(substr(coalesce({column}, ''), -2)) = ? AND status != 'streaming' "
            "ORDER BY id DESC",
            ("wa",),
        ).fetchall()
        assert f"messages_{column}_tail" in plan[0][3]
        assert not any("TEMP B-TREE" in row[3] for row in plan)  # newest first, no sort


def test_a_snippet_reads_without_the_markdown_marks_of_the_reply():
    """What a hit shows (the TUI's search, `sessions search`): the words, not `##` and `**`."""
    from mimo_tui.model import readable_snippet

    reply = "## Hello from the demo\n\nYou said: **\x01hi\x02**\n\n- Press `Ctrl+R` to fold"
    assert (
        readable_snippet(reply) == "Hello from the demo You said: \x01hi\x02 Press Ctrl+R to fold"
    )
    table = "| feature | key |\n|---|---|\n| \x01send\x02 | Enter |"
    assert readable_snippet(table) == "feature key \x01send\x02 Enter"
    link = "> see [the docs](https://example.com/a_b) for snake_case and a*b"
    assert readable_snippet(link) == "see the docs for snake_case and a*b"
    fence = "```python\nfrom openai import \x01OpenAI\x02\n```"
    assert readable_snippet(fence) == "from openai import \x01OpenAI\x02"
