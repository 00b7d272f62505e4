"""Servers reuse tool-call ids (every weather call `call_w1`): across turns and within one
round, each call keeps its own status, result and answer, in the replay over real HTTP to the
strict fake (both wire formats), in `sessions show` and the exports, and in the `ask` prompt.
Edited arguments replay as they ran."""

from __future__ import annotations

import asyncio
import json
import os
import re
import select
import subprocess
import time
from dataclasses import replace

import openai
import pytest

from mimo_tui.config import Settings
from mimo_tui.events import ToolCallUpdated, TurnFailed
from mimo_tui.fake import FakeMimo, Scenario
from mimo_tui.fake.scenarios import scenario
from mimo_tui.inspect import tool_records
from mimo_tui.model import ToolRecord
from mimo_tui.runtime import build_runtime
from mimo_tui.tool_runner import ApprovalRequest, Decision, approve_all
from tests.conftest import FROZEN, KEY, PYTHON, cli_env, cli_paths, collect
from tests.test_cli import mimo
from tests.test_tools import tools_toml


def weather(arguments: str, call_id: str = "call_w1") -> Scenario:
    """One weather call with a fixed id; `{"city": ...}` makes the tool fail (no location)."""
    return Scenario(
        reasoning=f"Weather for {arguments}.",
        tool_calls=({"id": call_id, "name": "get_current_weather", "arguments": arguments},),
    )


THREE_TURNS = [
    ("first", weather('{"city": "Hebei"}')),  # the tool exits 1: KeyError 'location'
    ("second", weather('{"location": "Beijing"}')),
    ("third", weather('{"location": "Wuhan"}')),
]


def runtime_for(settings: Settings, paths, api: str = "openai", approver=approve_all):
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    tools_toml(paths.tools_file)
    return build_runtime(
        replace(settings, api=api, tools="get_current_weather,echo_argv"),
        paths,
        clock=lambda: FROZEN,
        approver=approver,
    )


async def three_turns(runtime, fake: FakeMimo) -> str:
    session = runtime.new_session()
    for text, call in THREE_TURNS:
        fake.queue(call, Scenario(content=f"Done with {text}."))
        events = await collect(runtime.engine.turn(session.id, text))
        assert not [e for e in events if isinstance(e, TurnFailed)]
    return session.id


@pytest.mark.parametrize("api", ["openai", "anthropic"])
async def test_a_reused_id_across_turns_replays_each_call_with_its_own_result(
    settings, paths, fake, api
):
    runtime = runtime_for(settings, paths, api)
    await three_turns(runtime, fake)
    sent = fake.messages_requests() if api == "anthropic" else fake.chat_requests()
    assert [r.status for r in sent] == [200] * 6  # every replay passed the strict fake
    if api == "openai":
        last = sent[-1].body["messages"]
        answers = [m["content"] for m in last if m["role"] == "tool"]
        ids = [c["id"] for m in last if m["role"] == "assistant" for c in m.get("tool_calls", [])]
    else:
        blocks = [b for m in sent[-1].body["messages"] for b in m["content"] if "type" in b]
        answers = [str(b["content"]) for b in blocks if b["type"] == "tool_result"]
        ids = [b["id"] for b in blocks if b["type"] == "tool_use"]
    assert ids == ["call_w1"] * 3
    assert "exited with status 1" in answers[0]
    assert [json.loads(a)["location"] for a in answers[1:]] == ["Beijing", "Wuhan"]
    runtime.close()


@pytest.mark.parametrize("api", ["openai", "anthropic"])
async def test_two_calls_with_one_id_in_a_round_both_run_and_both_are_answered(
    settings, paths, fake, api
):
    runtime = runtime_for(settings, paths, api)
    session = runtime.new_session()
    fake.queue("parallel_tool_calls_same_id", "text")
    events = await collect(runtime.engine.turn(session.id, "Hebei and Beijing?"))
    ran = [e.record for e in events if isinstance(e, ToolCallUpdated) and e.record.final]
    assert [json.loads(r.result)["location"] for r in ran] == ["Hebei", "Beijing"]
    sent = fake.messages_requests() if api == "anthropic" else fake.chat_requests()
    assert [r.status for r in sent] == [200, 200]
    if api == "openai":
        messages = sent[1].body["messages"]
        ids = [c["id"] for c in messages[-3]["tool_calls"]]
        answered = [(m["tool_call_id"], m["content"]) for m in messages[-2:]]
    else:
        assistant, results = sent[1].body["messages"][-2:]
        ids = [b["id"] for b in assistant["content"] if b["type"] == "tool_use"]
        answered = [
            (b["tool_use_id"], str(b["content"]))
            for b in results["content"]
            if b["type"] == "tool_result"
        ]
    assert len(set(ids)) == 2 and ids[0] == "call_w1"  # the second is renamed, consistently
    assert [i for i, _ in answered] == ids
    assert [json.loads(text)["location"] for _, text in answered] == ["Hebei", "Beijing"]
    runtime.close()


def _openai(fake: FakeMimo) -> openai.OpenAI:
    return openai.OpenAI(api_key=KEY, base_url=fake.base_url, max_retries=0)


CALL = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
ASSISTANT = {"role": "assistant", "content": "", "reasoning_content": "", "tool_calls": [CALL]}


@pytest.mark.parametrize(
    "history, words",
    [
        ([ASSISTANT, {"role": "user", "content": "next"}], "did not have response messages"),
        (
            [ASSISTANT]
            + [{"role": "tool", "tool_call_id": "c1", "content": "r"}] * 2,  # answered twice
            "already answered",
        ),
        (
            [
                {**ASSISTANT, "tool_calls": [CALL, CALL]},  # one id, two calls
                {"role": "tool", "tool_call_id": "c1", "content": "r"},
                {"role": "tool", "tool_call_id": "c1", "content": "r"},
            ],
            "must be unique",
        ),
        ([{"role": "tool", "tool_call_id": "c1", "content": "r"}], "must be a response"),
    ],
)
def test_the_fake_rejects_tool_messages_that_do_not_answer_one_to_one(fake, history, words):
    with pytest.raises(openai.BadRequestError) as caught:
        _openai(fake).chat.completions.create(
            model="mimo-v2.5-pro", messages=[{"role": "user", "content": "hi"}, *history]
        )
    assert caught.value.status_code == 400
    assert words in str(caught.value.body)


async def test_edited_arguments_replay_as_they_ran(settings, paths, fake):
    async def edit(request: ApprovalRequest) -> Decision:
        return Decision("run", arguments='{"q": 2}')

    runtime = runtime_for(settings, paths, approver=edit)
    session = runtime.new_session()
    fake.queue(
        Scenario(reasoning="r", tool_calls=({"name": "echo_argv", "arguments": '{"q": 1}'},)),
        "text",
    )
    await collect(runtime.engine.turn(session.id, "go"))
    assistant = fake.chat_requests()[1].body["messages"][-2]
    assert assistant["tool_calls"][0]["function"]["arguments"] == '{"q": 2}'
    (record,) = tool_records(runtime.store.messages(session.id))
    assert (record.arguments, record.model_arguments) == ('{"q": 2}', '{"q": 1}')
    runtime.close()


# ---- the CLI: sessions show, exports, the ask prompt -------------------------------------------


def test_sessions_show_and_exports_give_each_reused_id_call_its_own_status(
    tmp_path, settings: Settings
):
    with FakeMimo(api_key=KEY) as fake:
        runtime = runtime_for(replace(settings, base_url=fake.base_url), cli_paths(tmp_path))
        sid = asyncio.run(three_turns(runtime, fake))
        runtime.close()
    shown = mimo(tmp_path, None, "sessions", "show", sid)
    assert shown.returncode == 0, shown.stderr
    md = mimo(tmp_path, None, "sessions", "export", sid, "--format", "md").stdout
    html = mimo(tmp_path, None, "sessions", "export", sid, "--format", "html").stdout
    for text in (shown.stdout, md):
        statuses = re.findall(r"\*\*Tool call\*\* `get_current_weather` \((\w+)\)", text)
        assert statuses == ["failed", "done", "done"]
        assert text.count("exited with status 1") == 1
        assert '"location": "Beijing"' in text and '"location": "Wuhan"' in text
    statuses = re.findall(r"<code>get_current_weather</code> \((\w+)\)", html)
    assert statuses == ["failed", "done", "done"]


def test_ask_prompts_again_when_edited_arguments_are_not_json(tmp_path, fake):
    import pty

    paths = cli_paths(tmp_path)
    paths.config_dir.mkdir(parents=True)
    tools_toml(paths.tools_file)
    fake.queue(
        scenario("tool_call", tool_calls=({"name": "echo_argv", "arguments": '{"q": 1}'},)), "text"
    )
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [PYTHON, "-m", "mimo_tui", "ask", "--tools", "echo_argv", "use the tool"],
        env=cli_env(tmp_path, fake),
        stdin=slave,
        stderr=slave,
        stdout=subprocess.PIPE,
        text=True,
    )
    os.close(slave)
    seen = b""

    def read_until(marker: bytes, times: int = 1) -> None:
        nonlocal seen
        deadline = time.monotonic() + 30
        while seen.count(marker) < times:
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                seen += os.read(master, 4096)

    read_until(b"[a]lways")
    os.write(master, b"e\n")
    read_until(b"arguments (JSON):")
    os.write(master, b'{"q": 2\n')  # not JSON
    read_until(b"arguments (JSON):", times=2)
    assert b"not valid JSON" in seen
    os.write(master, b'{"q": 3}\n')
    out, _ = proc.communicate(timeout=30)
    os.close(master)
    assert proc.returncode == 0 and out == "Hello! I'm MiMo, Xiaomi's AI assistant.\n"
    tool_answer = fake.chat_requests()[1].body["messages"][-1]["content"]
    assert json.loads(tool_answer)["stdin"] == '{"q": 3}'


async def test_a_forked_session_knows_each_call_by_its_own_reply(settings, paths, fake):
    """Edit-and-resend forks copy the calls: their results name the fork's replies, so a
    call line opens its own call in the inspector."""
    runtime = runtime_for(settings, paths)
    sid = await three_turns(runtime, fake)
    fork = runtime.store.fork_session(sid, 2**62, "fork")
    messages = runtime.store.messages(fork.id)
    from_lines = [ToolRecord.from_message(m).key for m in messages if m.role == "tool"]
    assert from_lines == [r.key for r in tool_records(messages)]
    assert len(set(from_lines)) == 3
    runtime.close()
