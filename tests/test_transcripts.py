"""Transcripts and history: export/import round trips, human exports that keep everything,
full-text search, rename/delete/fork, and the usage report."""

from __future__ import annotations

import html
import json
import os
import re
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mimo_tui.atomic_file import write_atomic
from mimo_tui.client import validate_messages
from mimo_tui.fake.seed import seed_conversation
from mimo_tui.model import Message, ToolCall, Usage
from mimo_tui.store import Store
from mimo_tui.transcript_import import import_transcript
from mimo_tui.transcript_json import export_json
from mimo_tui.transcripts import (
    TranscriptError,
    export,
)
from tests.conftest import KEY

FIELDS = (
    "role",
    "content",
    "reasoning_content",
    "tool_calls",
    "tool_call_id",
    "model",
    "usage",
    "finish_reason",
    "status",
    "error",
    "ttft_ms",
    "reasoning_ms",
    "duration_ms",
    "tool_meta",
    "created_at",
)

texts = st.text(max_size=40)
calls = st.builds(ToolCall, id=st.text(min_size=1, max_size=12), name=texts, arguments=texts)
usages = st.none() | st.builds(
    Usage, *(st.integers(0, 10**6),) * 3, cached_tokens=st.none() | st.integers(0, 10**6)
)
messages = st.builds(
    Message,
    role=st.sampled_from(["user", "assistant", "tool"]),
    content=texts,
    reasoning_content=texts,
    tool_calls=st.lists(calls, max_size=2),
    tool_call_id=st.none() | texts,
    model=st.none() | texts,
    usage=usages,
    finish_reason=st.none() | st.sampled_from(["stop", "length", "tool_calls"]),
    status=st.sampled_from(["complete", "interrupted", "error", "superseded"]),
    error=st.none() | texts,
    ttft_ms=st.none() | st.integers(0, 10**5),
    duration_ms=st.none() | st.integers(0, 10**6),
    tool_meta=st.none()
    | st.fixed_dictionaries({"status": st.sampled_from(["done", "failed"]), "stderr": texts}),
    created_at=st.floats(1.6e9, 2e9),
)


def fields(msgs: list[Message]) -> list[tuple]:
    return [tuple(getattr(m, f) for f in FIELDS) for m in msgs]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=st.lists(messages, max_size=8), title=texts)
def test_session_json_import_round_trip_is_lossless(tmp_path_factory, history, title):
    store = Store(tmp_path_factory.mktemp("rt") / "s.sqlite3")
    original = store.import_session(title, "mimo-v2.5-pro", {"thinking": True}, history)
    text = export_json(store, original)
    again = import_transcript(store, text, "export.json").session
    assert fields(store.messages(again.id)) == fields(store.messages(original.id))
    # Lossless but for what grants the model reach: an import never turns tools or web
    # search on (transcript_import._GRANTS).
    held_back = {"tools": [], "web_search": False}
    assert again.settings == {**original.settings, **held_back} and again.title == original.title
    store.close()


def test_json_export_has_an_openai_messages_array_ready_to_send(store: Store):
    session = store.get_session(seed_conversation(store, tools=True))
    data = json.loads(export_json(store, session))
    openai = data["openai_messages"]
    validate_messages(openai)
    assert openai[0]["role"] == "system" and "Today's date" in openai[0]["content"]
    tool_turn = next(m for m in openai if m.get("tool_calls"))
    assert tool_turn["content"] == "" and tool_turn["reasoning_content"].startswith("The user")


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_human_exports_contain_every_message_reasoning_and_tool_call(store: Store, fmt):
    session = store.get_session(seed_conversation(store, tools=True))
    text = export(store, session, fmt)
    if fmt == "html":  # compare the text a reader sees, without tags and entities
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    for msg in store.messages(session.id):
        for part in (msg.reasoning_content, *[c.name for c in msg.tool_calls]):
            if part:
                assert part in text, part
    assert "Show me a greeting function in Python." in text
    assert "def greet" in text and "09:30" in text
    assert "2026-05-12T09:30:00+08:00" in text  # the tool's result
    assert "120 out (31 reasoning)" in text  # usage per reply
    assert "Reasoning · 31 tokens" in text  # the summary of a folded <details> block


def test_html_export_is_self_contained_and_inert(store: Store):
    session = store.create_session("m")
    store.add_message(
        session.id, Message("user", "<script>alert(1)</script> [x](javascript:alert(2))")
    )
    store.add_message(session.id, Message("assistant", "```python\nprint('hi')\n```\n\x1b]0;t\x07"))
    page = export(store, store.get_session(session.id), "html")
    assert "<script>" not in page and "javascript:" not in page.replace("javascript:alert(2)", "")
    assert "http://" not in page and "https://" not in page  # no network assets
    assert "\x1b" not in page and "print" in page and "style=" in page  # highlighted inline


def test_exports_never_contain_the_key(store: Store):
    session = store.create_session("m")
    store.add_message(session.id, Message("user", f"my key is {KEY}"))
    for fmt in ("md", "json", "html"):
        assert KEY not in export(store, store.get_session(session.id), fmt, key=KEY)


def test_write_atomic_is_owner_only_and_replaces_whole(tmp_path: Path):
    target = tmp_path / "out.md"
    target.write_text("old")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]


def test_import_a_bare_openai_messages_array(store: Store):
    text = json.dumps(
        [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": [{"type": "text", "text": "weather?"}]},
            {
                "role": "assistant",
                "content": None,
                "reasoning_content": "call it",
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
            {"role": "assistant", "content": "Sunny."},
        ]
    )
    session = import_transcript(store, text, "chat.json").session
    msgs = store.messages(session.id)
    assert [m.role for m in msgs] == ["user", "assistant", "tool", "assistant"]
    assert msgs[1].reasoning_content == "call it" and msgs[1].tool_calls[0].id == "c1"
    assert session.settings["system_prompt"] == "Be terse." and session.title == "weather?"
    validate_messages(store.replay(session.id, None))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "not valid JSON"),
        ('{"hello": 1}', "expected a mimo-tui session"),
        ('[{"role": "wizard", "content": "x"}]', "message 1: role must be"),
        (
            '[{"role": "user", "content": "ok"}, {"role": "tool", "content": "x"}]',
            "message 2: a tool message needs a tool_call_id",
        ),
        ('[{"role": "user", "content": 5}]', "message 1: content must be a string"),
        (  # a result answering no call: it would show as one that succeeded
            '[{"role": "tool", "content": "x", "tool_call_id": "nope"}]',
            "message 1: a tool result must answer a tool call .* the id 'nope'",
        ),
        (
            '[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "", '
            '"tool_calls": [{"id": "c1", "function": {"name": "w"}}]}, '
            '{"role": "tool", "content": "x", "tool_call_id": "c2"}]',
            "message 3: a tool result must answer a tool call .* the id 'c2'",
        ),
        ("[]", "no messages"),
    ],
)
def test_a_malformed_import_says_what_is_wrong_and_writes_nothing(store: Store, text, words):
    with pytest.raises(TranscriptError, match=words) as info:
        import_transcript(store, text, "bad.json")
    assert "bad.json" in str(info.value)
    assert store.list_sessions() == []


def test_search_finds_answers_reasoning_and_tool_results_in_context(store: Store):
    seed_conversation(store, tools=True)
    other = store.create_session("m")
    store.add_message(other.id, Message("user", "天气怎么样？北京今天很热"))
    assert [h.role for h in store.search("type-hinted one-liner")] == ["assistant"]  # reasoning
    (hit,) = store.search("Tuesday 12 May")
    assert "\x01" in hit.snippet and hit.session_title.startswith("Show me")
    assert any(h.role == "tool" for h in store.search("CST"))  # a tool's result
    assert store.search("current_time")  # tool call arguments/names
    assert store.search("北京今天")[0].session_id == other.id  # CJK substring via trigram
    assert store.search("热")[0].session_id == other.id  # short words fall back to a scan
    assert store.search("no such words anywhere") == []


def test_rename_delete_and_fork_keep_the_original(store: Store):
    sid = seed_conversation(store, tools=True)
    store.rename_session(sid, "  Greeting\nand time  ")
    assert store.get_session(sid).title == "Greeting and time"
    msgs = store.messages(sid)
    second_user = [m for m in msgs if m.role == "user"][1]
    fork = store.fork_session(sid, second_user.id, "Greeting (edit)")
    assert [m.content for m in store.messages(fork.id)] == [m.content for m in msgs[:2]]
    assert len(store.messages(sid)) == len(msgs)  # the original is intact
    store.delete_session(fork.id)
    assert [s.id for s in store.list_sessions()] == [sid]
    assert store.search("Greeting (edit)") == [] and store.search("type-hinted")


def test_regenerate_branches_without_losing_anything(store: Store):
    sid = seed_conversation(store)
    user, old = store.messages(sid)[:2]
    store.branch_from(sid, user.id)
    assert [m.id for m in store.messages(sid)] == [user.id]  # the path ends at the question
    kept = store.messages(sid, branches=True)[1]
    assert kept.id == old.id and kept.content and kept.status == "complete"  # kept, as it was
    assert not kept.on_path and kept.parent_id == user.id
    assert [m["role"] for m in store.replay(sid, None)] == ["user"]  # not replayed


def test_usage_report_sums_requests_and_tokens_by_day_and_model(store: Store):
    sid = seed_conversation(store, tools=True)
    (row,) = store.usage_report()
    assert row.model == "mimo-v2.5-pro" and row.requests == 3
    assert row.usage == Usage(57 + 180 + 240, 120 + 28 + 40, 31 + 20 + 18)
    assert store.usage_report(since=store.get_session(sid).created_at + 10**6) == []
