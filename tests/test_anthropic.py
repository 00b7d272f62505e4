"""The second wire format: MiMo's /anthropic endpoint, through the same engine, store, tools,
inspector and transcripts, against the fake over real HTTP with the real anthropic SDK."""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import replace

import pytest

from mimo_tui.anthropic_client import anthropic_base_url
from mimo_tui.anthropic_wire import EventMapper, to_anthropic_messages
from mimo_tui.config import Settings
from mimo_tui.events import RoundFinished, ThinkingBlockDone, TurnFailed
from mimo_tui.fake import FakeMimo
from mimo_tui.fake.scenarios import Scenario, scenario
from mimo_tui.inspect import round_exchange
from mimo_tui.runtime import build_runtime
from mimo_tui.tool_runner import approve_all
from mimo_tui.transcripts import export
from tests.conftest import FROZEN, KEY, PYTHON, cli_env, collect

TIME_CALL = {"name": "current_time", "arguments": "{}"}
CONVERSATION = [
    ("hello", [Scenario(content="Hi! How can I help?")]),
    ("think first", [scenario("thinking_text")]),
    (
        "what time is it, twice?",
        [
            Scenario(
                reasoning="I need the time.", content="Let me check.", tool_calls=(TIME_CALL,)
            ),
            Scenario(reasoning="Once more to be sure.", tool_calls=(TIME_CALL,)),
            Scenario(reasoning="Both calls agree.", content="It is 09:30 on Tuesday."),
        ],
    ),
]


def run_conversation(settings: Settings, paths, fake: FakeMimo, api: str):
    runtime = build_runtime(
        replace(settings, api=api, tools="current_time"),
        paths,
        clock=lambda: FROZEN,
        approver=approve_all,
    )
    session = runtime.new_session()
    outcomes = []

    async def turns() -> None:
        for text, replies in CONVERSATION:
            fake.queue(*replies)
            outcomes.append(await collect(runtime.engine.turn(session.id, text)))

    import asyncio

    asyncio.run(turns())
    return runtime, session


def comparable(runtime, session) -> list[tuple]:
    """What a user sees of a session, without ids the fake makes up."""
    out = []
    for m in runtime.store.messages(session.id):
        calls = [(c.name, c.arguments) for c in m.tool_calls]
        content = m.content if m.role != "tool" else json.loads(m.content)["weekday"]
        out.append(
            (m.role, content, m.reasoning_content, calls, m.status, m.finish_reason, bool(m.usage))
        )
    return out


def test_the_same_conversation_is_stored_the_same_in_both_formats(settings, tmp_path):
    from mimo_tui.config import Paths

    sessions = {}
    for api in ("openai", "anthropic"):
        paths = Paths(tmp_path / api / "config", tmp_path / api / "data")
        with FakeMimo(api_key=KEY) as fake:
            runtime, session = run_conversation(
                replace(settings, base_url=fake.base_url), paths, fake, api
            )
            sent = fake.messages_requests() if api == "anthropic" else fake.chat_requests()
            other = fake.chat_requests() if api == "anthropic" else fake.messages_requests()
            assert len(sent) == 5 and other == []  # 1 + 1 + 3 rounds, all in one format
            assert all(r.status == 200 for r in sent)  # every replay passed MiMo's 400 rules
            sessions[api] = (comparable(runtime, session), runtime, session, sent)
    assert sessions["openai"][0] == sessions["anthropic"][0]

    _, runtime, session, sent = sessions["anthropic"]
    assert runtime.store.get_session(session.id).settings["api"] == "anthropic"
    # The thinking blocks went back, unchanged, in every later request.
    last = sent[-1].body
    assert last["system"].startswith("You are MiMo")
    assert last["thinking"] == {"type": "enabled"}
    assistant_turns = [m for m in last["messages"] if m["role"] == "assistant"]
    tool_turns = [m for m in assistant_turns if any(b["type"] == "tool_use" for b in m["content"])]
    assert len(tool_turns) == 2
    assert tool_turns[0]["content"][0] == {
        "type": "thinking",
        "thinking": "I need the time.",
        "signature": "",
    }
    assert [b["type"] for b in tool_turns[0]["content"]] == ["thinking", "text", "tool_use"]
    results = [
        b
        for m in last["messages"]
        if m["role"] == "user"
        for b in m["content"]
        if b["type"] == "tool_result"
    ]
    assert [r["tool_use_id"] for r in results] == [
        b["id"] for m in tool_turns for b in m["content"] if b["type"] == "tool_use"
    ]
    stored = [m for m in runtime.store.messages(session.id) if m.thinking_blocks]
    assert stored[0].thinking_blocks == [
        {"type": "thinking", "thinking": "The user wants a short greeting.", "signature": ""}
    ]

    # The inspector rebuilds exactly what was sent, in the Anthropic shape.
    final = runtime.store.messages(session.id)[-1]
    request, response = round_exchange(runtime.store, final.id, KEY)
    assert json.loads(request) == last
    answer = json.loads(response)
    assert answer["stop_reason"] == "end_turn" and answer["content"][-1]["type"] == "text"

    # Transcripts read the same whichever format made the session.
    md = {api: export(s[1].store, s[2], "md") for api, s in sessions.items()}
    html = {api: export(s[1].store, s[2], "html") for api, s in sessions.items()}

    def norm(text: str, api: str) -> str:
        text = text.replace(sessions[api][2].id, "SESSION")
        text = re.sub(r"\d+\.\d+ s\b", "T s", text)  # timings
        # Request sizes (and so the prefix cache's hits) differ by format.
        text = re.sub(r"\d+ in(, \d+ cached)? /", "N in /", text)
        # The Anthropic format reports no reasoning token count; the rest must match.
        text = re.sub(r" \(\d+ reasoning\)", "", text)
        text = re.sub(r"Reasoning · \d+ tokens", "Reasoning", text)
        text = re.sub(r"\d{4}-\d\d-\d\dT[\d:]+[+-]\d\d:\d\d", "ISO", text)  # tool clock
        return re.sub(r"call_[0-9a-f]{24}", "CALL", text)

    assert norm(md["openai"], "openai") == norm(md["anthropic"], "anthropic")
    assert norm(html["openai"], "openai") == norm(html["anthropic"], "anthropic")
    for _, runtime, _, _ in sessions.values():
        runtime.close()


async def test_a_session_keeps_its_format_whatever_the_default(settings, paths, fake):
    runtime = build_runtime(replace(settings, api="anthropic"), paths, clock=lambda: FROZEN)
    session = runtime.new_session()
    fake.queue("thinking_text")
    await collect(runtime.engine.turn(session.id, "hi"))
    runtime.close()
    # Next run defaults to openai (config / --api), but reopening the session keeps anthropic.
    runtime = build_runtime(replace(settings, api="openai"), paths, clock=lambda: FROZEN)
    reopened = runtime.session(ref=session.id)
    fake.queue("text")
    await collect(runtime.engine.turn(reopened.id, "again"))
    assert len(fake.messages_requests()) == 2 and fake.chat_requests() == []
    fresh = runtime.new_session()  # a new session uses this run's default
    fake.queue("text")
    await collect(runtime.engine.turn(fresh.id, "new"))
    assert len(fake.chat_requests()) == 1
    runtime.close()


async def test_the_fake_rejects_a_tool_history_without_its_thinking_block(settings, fake):
    import anthropic

    client = anthropic.AsyncAnthropic(api_key=KEY, base_url=anthropic_base_url(fake.base_url))
    history = [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "call_1", "name": "w", "input": {}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "sunny"}],
        },
    ]
    with pytest.raises(anthropic.BadRequestError) as caught:
        await client.messages.create(
            model="mimo-v2.5-pro",
            max_tokens=100,
            messages=history,
            thinking={"type": "enabled"},
        )
    # (the error's body, as the app reads it: anthropic >= 2.17 keeps it out of str())
    problem = caught.value.body["error"]["param"]
    assert "reasoning_content in the thinking mode must be passed back" in problem
    history[1]["content"].insert(0, {"type": "thinking", "thinking": "", "signature": ""})
    fake.queue("text")
    reply = await client.messages.create(
        model="mimo-v2.5-pro", max_tokens=100, messages=history, thinking={"type": "enabled"}
    )  # non-streamed works too
    assert reply.content[-1].text == "Hello! I'm MiMo, Xiaomi's AI assistant."
    await client.close()


def test_stream_mapping_handles_parallel_tools_text_with_tools_and_the_missing_block_bug():
    mapper = EventMapper()
    events = []
    for raw in [
        {"type": "message_start", "message": {"usage": {"input_tokens": 12}}},
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "two calls"},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "signature_delta", "signature": "sig"},
        },
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "text_delta", "text": "On it."},
        },
        {
            "type": "content_block_start",
            "index": 2,
            "content_block": {"type": "tool_use", "id": "a", "name": "x", "input": {}},
        },
        {
            "type": "content_block_start",
            "index": 3,
            "content_block": {"type": "tool_use", "id": "b", "name": "y", "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 3,
            "delta": {"type": "input_json_delta", "partial_json": '{"q": 2}'},
        },
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "input_json_delta", "partial_json": '{"q": 1}'},
        },
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use"},
            "usage": {"output_tokens": 30},
        },
    ]:
        events += mapper.feed(raw)
    from mimo_tui.assemble import Assembler

    asm = Assembler()
    for event in events:
        asm.feed(event)
    assert asm.reasoning_text == "two calls" and asm.content_text == "On it."
    assert [(c.id, c.name, c.arguments) for c in asm.tool_calls()] == [
        ("a", "x", '{"q": 1}'),
        ("b", "y", '{"q": 2}'),
    ]
    assert asm.thinking_blocks == [
        {"type": "thinking", "thinking": "two calls", "signature": "sig"}
    ]
    assert asm.finish_reason == "tool_calls" and asm.usage.prompt_tokens == 12
    assert any(isinstance(e, ThinkingBlockDone) for e in events)

    bug = EventMapper()  # MiMo#63: stop_reason tool_use, but the call came as text
    out = bug.feed(
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "text", "text": "<tool_call>x"},
        }
    )
    out += bug.feed({"type": "message_delta", "delta": {"stop_reason": "tool_use"}})
    assert out[-1].finish_reason == "stop"  # a plain text turn, nothing to run


async def test_the_missing_tool_block_bug_is_a_plain_reply_end_to_end(settings, paths, fake):
    runtime = build_runtime(replace(settings, api="anthropic"), paths, clock=lambda: FROZEN)
    session = runtime.new_session()
    fake.queue(Scenario(content="<tool_call><function=w></function>", finish_reason="tool_calls"))
    events = await collect(runtime.engine.turn(session.id, "go"))
    reply = next(e for e in events if isinstance(e, RoundFinished)).message
    assert (reply.status, reply.finish_reason) == ("complete", "stop")
    assert reply.content.startswith("<tool_call>")
    runtime.close()


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Scenario(status=401, error_message="Invalid API Key"), "MIMO_API_KEY"),
        (Scenario(status=402, error_message="Insufficient balance"), "balance"),
        (
            Scenario(status=400, error_message="Param Incorrect", error_param="`text` is not set"),
            "`text` is not set",
        ),
        (Scenario(content="cut " * 20, midstream_error_after=5), "during the reply"),
        (Scenario(content="never finished " * 5, truncate_after=6), "ended before the reply"),
    ],
)
async def test_errors_in_either_envelope_read_the_same(settings, paths, fake, fault, expected):
    runtime = build_runtime(
        replace(settings, api="anthropic", max_retries=0), paths, clock=lambda: FROZEN
    )
    session = runtime.new_session()
    fake.queue(fault)
    events = await collect(runtime.engine.turn(session.id, "hi"))
    failed = events[-1]
    assert isinstance(failed, TurnFailed) and expected in failed.error
    assert KEY not in failed.error and "Traceback" not in failed.error
    assert runtime.store.messages(session.id)[0].content == "hi"  # nothing lost
    runtime.close()


def test_converting_history_merges_tool_results_with_the_next_question():
    system, messages = to_anthropic_messages(
        [
            {"role": "system", "content": "S"},
            {"role": "user", "content": "q1"},
            {
                "role": "assistant",
                "content": "",
                "reasoning_content": "",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "t", "arguments": "not json"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "r1"},
            {"role": "user", "content": "q2"},
        ]
    )
    assert system == "S"
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[1]["content"][0] == {"type": "thinking", "thinking": "", "signature": ""}
    assert messages[1]["content"][1]["input"] == {"_unparsed_arguments": "not json"}
    assert [b["type"] for b in messages[2]["content"]] == ["tool_result", "text"]


def test_without_the_sdk_the_anthropic_format_says_how_to_install_it(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['anthropic'] = None\n")
    env = cli_env(tmp_path, None)
    env["PYTHONPATH"] = os.pathsep.join([str(blocker), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "ask", "--api", "anthropic", "hi"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "pip install 'mimo-tui[anthropic]'" in result.stderr
    assert "Traceback" not in result.stderr


async def test_the_tui_streams_and_inspects_an_anthropic_session(settings, paths, fake):
    from mimo_tui.ui.widgets.status import StatusLine
    from mimo_tui.ui.widgets.stored_reply import StoredReply
    from tests.tui_helpers import make_app, send

    fake.queue("thinking_text")
    app, runtime = make_app(replace(settings, api="anthropic"), paths)
    async with app.run_test(size=(150, 40)) as pilot:
        await send(pilot, "hello")
        await app.workers.wait_for_complete()
        await pilot.pause()
        reply = app.screen.query_one(StoredReply)
        assert reply.answer_text == "Hello world."
        assert reply.reasoning_text == "The user wants a short greeting."
        assert "anthropic format" in str(app.screen.query_one(StatusLine).render())
    runtime.close()
    assert len(fake.messages_requests()) == 1 and fake.messages_requests()[0].status == 200


async def test_the_anthropic_sdk_retries_are_reported_too(fake: FakeMimo):
    from mimo_tui.anthropic_client import AnthropicClient
    from mimo_tui.client import RequestParams
    from mimo_tui.events import ContentDelta, RetryScheduled

    fake.queue(scenario("http_429", retry_after="0.05"), "thinking_text")
    client = AnthropicClient(KEY, anthropic_base_url(fake.base_url), max_retries=1)
    try:
        events = await collect(
            client.stream([{"role": "user", "content": "hi"}], RequestParams("mimo-v2.5-pro"))
        )
    finally:
        await client.aclose()
    retries = [e for e in events if isinstance(e, RetryScheduled)]
    assert [(r.status, r.attempt, r.max_retries, r.wait_s) for r in retries] == [(429, 1, 1, 0.05)]
    assert "".join(e.text for e in events if isinstance(e, ContentDelta)) == "Hello world."
