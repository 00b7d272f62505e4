"""Replay: every request carries the whole history, reasoning_content included, in a shape
MiMo accepts; a history that would break its 400 rules never leaves the client."""

from __future__ import annotations

import pytest

from mimo_tui.client import ChatClient, RequestParams, validate_messages
from mimo_tui.errors import ReplayError
from mimo_tui.events import TurnFailed
from mimo_tui.fake import FakeMimo
from mimo_tui.model import Message, ToolCall
from mimo_tui.replay import build_replay
from mimo_tui.store import Store
from tests.conftest import KEY, collect


async def test_turn_two_carries_turn_ones_reasoning_and_content(engine, store: Store, fake):
    session = store.create_session("mimo-v2.5-pro")
    fake.queue("thinking_text", "text")
    await collect(engine.turn(session.id, "hello"))
    await collect(engine.turn(session.id, "and again"))
    second = fake.chat_requests()[1].body["messages"]
    assert second[1:] == [
        {"role": "user", "content": "hello"},
        {
            "role": "assistant",
            "content": "Hello world.",
            "reasoning_content": "The user wants a short greeting.",
        },
        {"role": "user", "content": "and again"},
    ]
    assert second[0]["role"] == "system"


async def test_tool_call_turn_is_replayed_with_reasoning_and_empty_content(engine, store, fake):
    """The fake (like MiMo) answers 400 unless the tool-call turn keeps its reasoning."""
    session = store.create_session("mimo-v2.5-pro")
    fake.queue("tool_call", "text")
    await collect(engine.turn(session.id, "weather in Hebei?"))
    events = await collect(engine.turn(session.id, "thanks"))
    assert not [e for e in events if isinstance(e, TurnFailed)]
    assert [r.status for r in fake.chat_requests()] == [200, 200]
    replayed = fake.chat_requests()[1].body["messages"]
    assistant = replayed[2]
    assert assistant["content"] == ""
    assert assistant["reasoning_content"] == (
        "The user asks about weather; I should call get_current_weather."
    )
    call_id = assistant["tool_calls"][0]["id"]
    assert replayed[3]["role"] == "tool" and replayed[3]["tool_call_id"] == call_id
    assert isinstance(replayed[3]["content"], str)


async def test_fake_rejects_a_replay_that_drops_reasoning(fake: FakeMimo):
    """The 400 rule the client is built around is really enforced by the fake."""
    client = ChatClient(KEY, fake.base_url, max_retries=0)
    history = [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [ToolCall("call_1", "get_current_weather", "{}").to_api()],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
    ]
    # Bypass the client's own guard to see the server's answer.
    sdk = client._client()
    import openai

    with pytest.raises(openai.BadRequestError) as info:
        await sdk.chat.completions.create(
            model="mimo-v2.5-pro", messages=history, extra_body={"thinking": {"type": "enabled"}}
        )
    assert "reasoning_content" in str(info.value.body)
    await client.aclose()


@pytest.mark.parametrize(
    ("history", "problem"),
    [
        (
            [{"role": "assistant", "content": "", "tool_calls": [{"id": "a", "function": {}}]}],
            "reasoning_content",
        ),
        ([{"role": "assistant", "content": None}], "not null"),
        (
            [
                {
                    "role": "assistant",
                    "content": "",
                    "reasoning_content": "",
                    "tool_calls": [{"id": "a", "function": {}}],
                },
                {"role": "tool", "tool_call_id": "a", "content": ["list"]},
            ],
            "string",
        ),
        (
            [
                {
                    "role": "assistant",
                    "content": "",
                    "reasoning_content": "",
                    "tool_calls": [{"id": "a", "function": {}}],
                },
                {"role": "user", "content": "next"},
            ],
            "never answered",
        ),
    ],
)
async def test_a_history_breaking_the_400_rules_never_leaves_the_client(fake, history, problem):
    client = ChatClient(KEY, fake.base_url, max_retries=0)
    with pytest.raises(ReplayError, match=problem):
        async for _ in client.stream(history, RequestParams("mimo-v2.5-pro")):
            pass
    assert fake.chat_requests() == []


def test_replay_leaves_out_unfinished_replies_and_answers_every_tool_call():
    call = ToolCall("call_x", "get_current_weather", '{"location": "Hebei"}')
    history = [
        Message("user", "one"),
        Message("assistant", "partial answer", "half a thought", status="interrupted"),
        Message("user", "two"),
        Message("assistant", "", "need the tool", tool_calls=[call]),
        # the tool never finished: no tool message stored
        Message("user", "three"),
        Message("assistant", "failed", status="error"),
    ]
    out = build_replay(history, "SYS")
    validate_messages(out)
    assert [m["role"] for m in out] == ["system", "user", "user", "assistant", "tool", "user"]
    assert all(m["content"] != "partial answer" for m in out)
    assert out[4]["tool_call_id"] == "call_x"
    assert "no result" in out[4]["content"]


def test_replay_never_sends_a_tool_result_that_answers_no_call():
    """MiMo rejects a tool message that answers no call: one in the store (a session
    imported before such files were refused) is left out, the rest replayed as it was."""
    call = ToolCall("c1", "w", "{}")
    history = [
        Message("tool", "x", tool_call_id="nope"),
        Message("user", "weather?"),
        Message("assistant", "", tool_calls=[call]),
        Message("tool", "sunny", tool_call_id="c1"),
        Message("tool", "stray", tool_call_id="c2"),
        Message("assistant", "Sunny."),
    ]
    out = build_replay(history, None)
    validate_messages(out)
    assert [(m["role"], m.get("tool_call_id")) for m in out if m["role"] == "tool"] == [
        ("tool", "c1")
    ]


def test_replay_sends_empty_reasoning_when_a_turn_had_none():
    out = build_replay([Message("user", "q"), Message("assistant", "a")], None)
    assert out[1] == {"role": "assistant", "content": "a", "reasoning_content": ""}
