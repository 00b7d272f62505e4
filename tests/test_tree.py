"""The conversation tree: edits and regenerations are branches of one session; the active
path is what is shown, paged, replayed (checked in what the strict fake received) and
exported in full, the other branches listed; a store of the old schema upgrades to the tree
with its superseded replies as sibling branches."""

from __future__ import annotations

import json

from mimo_tui.compaction import SUMMARY_HEADER
from mimo_tui.fake.seed import seed_conversation
from mimo_tui.migrations import MIGRATIONS, SCHEMA_VERSION
from mimo_tui.model import Message, ToolCall
from mimo_tui.store import Store
from mimo_tui.transcript_import import import_transcript
from mimo_tui.transcript_json import export_json
from mimo_tui.transcripts import export_html, export_markdown
from tests.conftest import collect, make_engine
from tests.store_helpers import store_at_schema


def sent_texts(fake, n: int = -1) -> list[tuple[str, str]]:
    """(role, content) of the n-th chat request the fake received."""
    return [(m["role"], m.get("content") or "") for m in fake.chat_requests()[n].body["messages"]]


async def test_switching_branches_replays_exactly_the_active_path(store, settings, fake):
    fake.queue("text", "text", "text", "text", "text")
    engine = make_engine(store, settings)
    sid = store.create_session(settings.model).id
    await collect(engine.turn(sid, "first question"))
    await collect(engine.turn(sid, "second question"))
    first_branch = store.messages(sid)
    second_q = first_branch[2]

    store.branch_from(sid, second_q.parent_id)  # edit: a sibling of the second question
    await collect(engine.turn(sid, "second question, edited"))
    assert [m.content for m in store.messages(sid) if m.role == "user"] == [
        "first question",
        "second question, edited",
    ]
    assert ("user", "second question") not in sent_texts(fake)

    store.switch_branch(sid, second_q.id)  # back to the original branch, down to its leaf
    assert [m.id for m in store.messages(sid)] == [m.id for m in first_branch]
    await collect(engine.turn(sid, "third question"))
    sent = sent_texts(fake)
    users = [text for role, text in sent if role == "user"]
    assert users == ["first question", "second question", "third question"]
    assert "second question, edited" not in json.dumps(fake.chat_requests()[-1].body)
    assert [role for role, _ in sent] == ["system", "user", "assistant"] * 1 + [
        "user",
        "assistant",
        "user",
    ]
    # Paging reads only the path too, newest first and older on request.
    page = store.page(sid, limit=2)
    assert page[0].content == "third question"
    older = store.page(sid, before_id=page[0].id, limit=10)
    assert [m.content for m in older if m.role == "user"] == ["first question", "second question"]
    # Every branch stays in the store.
    users_everywhere = [m.content for m in store.messages(sid, branches=True) if m.role == "user"]
    assert "second question, edited" in users_everywhere


async def test_a_tool_round_on_a_regenerated_branch_replays_whole(store, settings, fake):
    """Regenerate after a tool round: the new branch's request carries no trace of the old
    reply; switching back replays the old round whole, reasoning_content and tool answer."""
    fake.queue("text", "text")
    engine = make_engine(store, settings)
    sid = seed_conversation(store, tools=True)
    old = store.messages(sid)
    assert [m.role for m in old][2:] == ["user", "assistant", "tool", "assistant"]
    store.branch_from(sid, old[2].id)
    await collect(engine.rounds(sid))
    assert [role for role, _ in sent_texts(fake)] == ["system", "user", "assistant", "user"]
    store.switch_branch(sid, old[3].id)
    await collect(engine.turn(sid, "thanks"))
    body = fake.chat_requests()[-1].body["messages"]
    assert [m["role"] for m in body][4:] == ["assistant", "tool", "assistant", "user"]
    assert all(m["reasoning_content"] for m in body if m["role"] == "assistant")
    assert body[5]["tool_call_id"] == body[4]["tool_calls"][0]["id"]


def test_a_compaction_holds_only_on_paths_through_its_cut(store):
    sid = store.create_session("m").id
    ids = []
    for n in range(3):
        ids.append(store.add_message(sid, Message("user", f"q{n}")).id)
        store.add_message(sid, Message("assistant", f"a{n}", finish_reason="stop"))
    store.add_compaction(sid, ids[2], "the summary", 4)
    assert SUMMARY_HEADER in store.replay(sid, "sys")[0]["content"]
    store.branch_from(sid, ids[1])  # regenerate q1's reply: the new path leaves before the cut
    store.add_message(sid, Message("assistant", "a1 again", finish_reason="stop"))
    replay = store.replay(sid, "sys")
    assert replay[0]["content"] == "sys"  # the summary is of another path: all replayed
    assert [m["content"] for m in replay[1:]] == ["q0", "a0", "q1", "a1 again"]
    store.switch_branch(sid, ids[2])
    assert SUMMARY_HEADER in store.replay(sid, "sys")[0]["content"]


def old_schema_store(path) -> None:
    """A store as the code before the tree wrote it (its migrations, its SQL): a session
    regenerated twice (the first reply a tool round), and a session forked by the old edit."""
    db = store_at_schema(path, [m.__name__ for m in MIGRATIONS].index("_conversation_tree"))
    for sid in ("s1", "fork"):
        db.execute(
            "INSERT INTO sessions(id, title, model, created_at, updated_at) "
            "VALUES (?, ?, 'mimo-v2.5-pro', 0, 0)",
            (sid, sid),
        )
    call = json.dumps([{"id": "c1", "name": "current_time", "arguments": "{}"}])
    rows = [  # (session, role, content, status, tool_calls, tool_call_id, finish_reason)
        ("s1", "user", "hello", "complete", None, None, None),
        ("s1", "assistant", "hi (first)", "complete", None, None, "stop"),
        ("s1", "user", "what time?", "complete", None, None, None),
        ("s1", "assistant", "", "superseded", call, None, "tool_calls"),
        ("s1", "tool", "09:30", "superseded", None, "c1", None),
        ("s1", "assistant", "It is 09:30 (v1)", "superseded", None, None, "stop"),
        ("s1", "assistant", "half a reply (v2)", "superseded", None, None, None),
        ("s1", "assistant", "It is half past nine (v3)", "complete", None, None, "stop"),
        ("fork", "user", "hello", "complete", None, None, None),
        ("fork", "assistant", "hi (first)", "complete", None, None, "stop"),
    ]
    for sid, role, content, status, calls, call_id, finish in rows:
        db.execute(
            "INSERT INTO messages(session_id, role, content, status, tool_calls, tool_call_id, "
            "finish_reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)",
            (sid, role, content, status, calls, call_id, finish),
        )
    db.close()


def test_an_old_store_upgrades_to_the_tree_and_stays_readable(paths):
    paths.data_dir.mkdir(parents=True)
    old_schema_store(paths.store_file)
    store = Store(paths.store_file)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    path = store.messages("s1")
    assert [m.content for m in path] == [
        "hello",
        "hi (first)",
        "what time?",
        "It is half past nine (v3)",
    ]
    everything = store.messages("s1", branches=True)
    assert len(everything) == 8 and not any(m.status == "superseded" for m in everything)
    question = path[2]
    tree = store.tree("s1")
    kids = tree.children[question.id]
    assert [k.content for k in kids] == ["", "half a reply (v2)", "It is half past nine (v3)"]
    assert [k.status for k in kids] == ["complete", "interrupted", "complete"]
    assert [m.content for m in tree.descend(kids[0])] == ["", "09:30", "It is 09:30 (v1)"]
    # The replay: the path only; switching to the old tool round replays it whole.
    assert [m["content"] for m in store.replay("s1", None)][-1] == "It is half past nine (v3)"
    store.switch_branch("s1", kids[0].id)
    roles = [m["role"] for m in store.replay("s1", None)]
    assert roles == ["user", "assistant", "user", "assistant", "tool", "assistant"]
    store.switch_branch("s1", kids[2].id)
    # The old fork is a session of its own, as it was.
    assert [m.content for m in store.messages("fork")] == ["hello", "hi (first)"]
    # Exports: the path in full, the other replies folded by their question, the branches
    # listed; the JSON keeps the tree through an import.
    session = store.get_session("s1")
    md = export_markdown(store, session)
    assert "Superseded reply · version 1 of 3" in md and "It is 09:30 (v1)" in md
    assert "## Branches" in md and "**active** · reply: It is half past nine (v3)" in md
    assert "<section class=branches>" in export_html(store, session)
    again = import_transcript(store, export_json(store, session), "export.json").session
    copied = store.messages(again.id, branches=True)
    assert [(m.content, m.on_path) for m in copied] == [(m.content, m.on_path) for m in everything]
    assert [m.content for m in store.messages(again.id)] == [m.content for m in path]
    shape = lambda tree: sorted(len(v) for v in tree.children.values())  # noqa: E731
    assert shape(store.tree(again.id)) == shape(store.tree("s1"))


def test_an_old_json_transcript_with_superseded_replies_imports_as_branches(store):
    old = {
        "format": "mimo-tui.session",
        "version": 1,
        "session": {"id": "x", "title": "old", "model": "mimo-v2.5-pro"},
        "messages": [
            {"role": "user", "content": "hello"},
            {
                "role": "assistant",
                "content": "old",
                "status": "superseded",
                "finish_reason": "stop",
            },
            {"role": "assistant", "content": "new", "finish_reason": "stop"},
        ],
    }
    session = import_transcript(store, json.dumps(old), "old.json").session
    assert [m.content for m in store.messages(session.id)] == ["hello", "new"]
    (point,) = store.tree(session.id).branch_points()
    assert [alt[0].content for alt in point.alternatives] == ["old", "new"] and point.active == 1


def test_lineage_is_a_replys_own_history_whatever_branch_is_active(store):
    sid = store.create_session("m").id
    q = store.add_message(sid, Message("user", "q"))
    a1 = store.add_message(sid, Message("assistant", "a1", tool_calls=[ToolCall("c", "t", "{}")]))
    store.branch_from(sid, q.id)
    store.add_message(sid, Message("assistant", "a2"))
    assert a1.id is not None
    assert [m.content for m in store.lineage(a1.id)] == ["q", "a1"]


def test_a_branch_label_is_plain_text_not_markdown_marks():
    from mimo_tui.model import Message
    from mimo_tui.tree import label

    reply = Message("assistant", "## Hello from the demo\n\nYou said: **hello** in `code`\n- a")
    assert label([reply]) == "reply: Hello from the demo You said: hello in code a"
