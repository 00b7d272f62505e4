"""Tool calling end to end through the fake: definitions, approval, execution, multi-round
turns, and the exact history replayed (the fake's 400 rule is never triggered)."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from mimo_tui.client import validate_messages
from mimo_tui.config import Paths
from mimo_tui.events import ToolCallUpdated, TurnFailed, TurnFinished
from mimo_tui.fake import FakeMimo, Scenario
from mimo_tui.store import Store
from mimo_tui.tool_runner import ApprovalRequest, Decision, ToolBox, approve_all
from mimo_tui.tools import (
    BUILTINS,
    MAX_OUTPUT,
    BuiltinContext,
    available_tools,
    load_tools_file,
    parse_selection,
)
from tests.conftest import collect, make_engine

TOOLS_DIR = Path(__file__).parent / "tools"


def tools_toml(path: Path) -> Path:
    py = json.dumps(sys.executable)
    path.write_text(
        f"""
[tools.get_current_weather]
description = "Get the current weather in a given location"
command = [{py}, "{TOOLS_DIR / "weather.py"}"]
timeout_s = 20
approve = "auto"
[tools.get_current_weather.parameters]
type = "object"
required = ["location"]
[tools.get_current_weather.parameters.properties.location]
type = "string"

[tools.hang]
command = [{py}, "{TOOLS_DIR / "misbehave.py"}", "hang"]
timeout_s = 0.5
approve = "auto"

[tools.flood]
command = [{py}, "{TOOLS_DIR / "misbehave.py"}", "flood"]
approve = "auto"

[tools.fail]
command = [{py}, "{TOOLS_DIR / "misbehave.py"}", "fail"]
approve = "auto"

[tools.echo_argv]
command = [{py}, "{TOOLS_DIR / "misbehave.py"}", "argv"]
approve = "ask"
""",
        encoding="utf-8",
    )
    return path


def call(name: str, arguments: str) -> dict[str, str]:
    return {"name": name, "arguments": arguments}


def tool_turn(*calls: dict[str, str]) -> Scenario:
    return Scenario(reasoning=f"I will call {len(calls)} tool(s).", tool_calls=calls)


@pytest.fixture
def toolbox(tmp_path: Path) -> ToolBox:
    available, problems = available_tools(tools_toml(tmp_path / "tools.toml"))
    assert problems == []
    return ToolBox(available, list(available), approve_all, BuiltinContext(tmp_path))


@pytest.fixture
def tool_engine(store: Store, settings, toolbox):
    return make_engine(store, settings, tools=toolbox)


def results(events) -> list:
    return [e.record for e in events if isinstance(e, ToolCallUpdated) and e.record.final]


async def test_single_call_runs_and_the_model_is_asked_again(tool_engine, store, fake: FakeMimo):
    fake.queue("tool_call", "thinking_text")
    session = store.create_session("mimo-v2.5-pro")
    events = await collect(tool_engine.turn(session.id, "Weather in Hebei?"))
    (record,) = results(events)
    assert record.status == "done" and json.loads(record.result)["temp_c"] == 21
    assert isinstance(events[-1], TurnFinished) and events[-1].message.content == "Hello world."
    second = fake.chat_requests()[1].body["messages"]
    assistant, tool = second[2], second[3]
    assert assistant["content"] == "" and assistant["reasoning_content"].startswith("The user asks")
    assert tool == {
        "role": "tool",
        "tool_call_id": assistant["tool_calls"][0]["id"],
        "content": record.result,
    }
    assert all(r.status == 200 for r in fake.chat_requests())
    assert fake.chat_requests()[0].body["tool_choice"] == "auto"
    names = [t["function"]["name"] for t in fake.chat_requests()[0].body["tools"]]
    assert "get_current_weather" in names


async def test_two_parallel_calls_answer_in_order(tool_engine, store, fake):
    fake.queue("parallel_tool_calls", "text")
    session = store.create_session("mimo-v2.5-pro")
    await collect(tool_engine.turn(session.id, "Hebei and Beijing?"))
    messages = fake.chat_requests()[1].body["messages"]
    ids = [c["id"] for c in messages[2]["tool_calls"]]
    assert [m.get("tool_call_id") for m in messages[3:5]] == ids
    assert ["Hebei" in messages[3]["content"], "Beijing" in messages[4]["content"]] == [True, True]


async def test_two_rounds_in_one_turn_replay_every_reasoning(tool_engine, store, fake):
    fake.queue(
        tool_turn(call("get_current_weather", '{"location": "Hebei"}')),
        Scenario(
            reasoning="Now Beijing too.",
            tool_calls=(call("get_current_weather", '{"location": "Beijing"}'),),
        ),
        "thinking_text",
    )
    session = store.create_session("mimo-v2.5-pro")
    events = await collect(tool_engine.turn(session.id, "compare"))
    assert [r.round for r in results(events)] == [1, 2]
    third = fake.chat_requests()[2].body["messages"]
    validate_messages(third)
    assert [m["role"] for m in third] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
    ]
    assert [third[2]["reasoning_content"], third[4]["reasoning_content"]] == [
        "I will call 1 tool(s).",
        "Now Beijing too.",
    ]
    assert all(r.status == 200 for r in fake.chat_requests())
    # And the whole turn replays on the next user message too.
    fake.queue("text")
    await collect(tool_engine.turn(session.id, "thanks"))
    assert fake.chat_requests()[3].body["messages"][1:6] == third[1:]


@pytest.mark.parametrize(
    ("name", "arguments", "status", "words"),
    [
        ("get_current_weather", '{"location": ', "failed", "not valid JSON"),
        ("get_current_weather", "[1, 2]", "failed", "JSON object"),
        ("no_such_tool", "{}", "failed", "unknown tool 'no_such_tool'"),
        ("hang", "{}", "failed", "timed out after 0.5 s"),
        ("fail", "{}", "failed", "exited with status 3"),
    ],
)
async def test_bad_calls_get_a_clear_result_and_the_turn_goes_on(
    tool_engine, store, fake, name, arguments, status, words
):
    fake.queue(tool_turn(call(name, arguments)), "text")
    session = store.create_session("mimo-v2.5-pro")
    events = await collect(tool_engine.turn(session.id, "go"))
    (record,) = results(events)
    assert record.status == status and words in record.result
    assert isinstance(events[-1], TurnFinished)
    assert fake.chat_requests()[1].body["messages"][-1]["content"] == record.result


async def test_failing_tool_keeps_stderr_and_exit_code(tool_engine, store, fake):
    fake.queue(tool_turn(call("fail", "{}")), "text")
    session = store.create_session("mimo-v2.5-pro")
    (record,) = results(await collect(tool_engine.turn(session.id, "go")))
    assert record.exit_code == 3 and "something broke" in record.stderr
    (stored,) = [m for m in store.messages(session.id) if m.role == "tool"]
    assert stored.tool_meta["exit_code"] == 3 and stored.tool_meta["stderr"] == record.stderr


async def test_output_over_the_cap_is_truncated_and_marked(tool_engine, store, fake):
    fake.queue(tool_turn(call("flood", "{}")), "text")
    session = store.create_session("mimo-v2.5-pro")
    (record,) = results(await collect(tool_engine.turn(session.id, "go")))
    assert record.truncated
    assert record.result.startswith("x" * 100)
    assert len(record.result) < MAX_OUTPUT + 100 and "[output truncated at 64 KiB]" in record.result


async def test_arguments_go_on_stdin_never_into_the_argv(tool_engine, store, fake):
    hostile = json.dumps({"x": "$(rm -rf ~); `id` | cat /etc/passwd"})
    fake.queue(tool_turn(call("echo_argv", hostile)), "text")
    session = store.create_session("mimo-v2.5-pro")
    (record,) = results(await collect(tool_engine.turn(session.id, "go")))
    out = json.loads(record.result)
    assert out == {"argv": ["argv"], "stdin": hostile}


async def test_denied_call_tells_the_model(store, settings, toolbox, fake):
    async def deny(request: ApprovalRequest) -> Decision:
        return Decision("deny")

    engine = make_engine(store, settings, tools=replace(toolbox, approver=deny))
    fake.queue(tool_turn(call("echo_argv", "{}")), "text")
    session = store.create_session("mimo-v2.5-pro")
    (record,) = results(await collect(engine.turn(session.id, "go")))
    assert record.status == "denied" and "denied by user" in record.result


async def test_edited_arguments_and_a_typed_result(store, settings, toolbox, fake):
    decisions = [
        Decision("run", arguments='{"edited": true}'),
        Decision("manual", result="a result typed by hand"),
    ]
    seen: list[ApprovalRequest] = []

    async def scripted(request: ApprovalRequest) -> Decision:
        seen.append(request)
        return decisions.pop(0)

    engine = make_engine(store, settings, tools=replace(toolbox, approver=scripted))
    fake.queue(tool_turn(call("echo_argv", '{"a": 1}'), call("echo_argv", '{"b": 2}')), "text")
    session = store.create_session("mimo-v2.5-pro")
    first, second = results(await collect(engine.turn(session.id, "go")))
    assert json.loads(first.result)["stdin"] == '{"edited": true}'
    assert first.arguments == '{"edited": true}'
    assert (second.result, second.manual) == ("a result typed by hand", True)
    assert seen[0].arguments_pretty == '{\n  "a": 1\n}'
    assert seen[0].record.argv[-1] == "argv"  # the exact command is shown for approval


async def test_always_allow_skips_the_next_approval(store, settings, toolbox, fake):
    asked: list[str] = []

    async def always(request: ApprovalRequest) -> Decision:
        asked.append(request.record.call_id)
        return Decision("run", always=True)

    engine = make_engine(store, settings, tools=replace(toolbox, approver=always))
    fake.queue(tool_turn(call("echo_argv", "{}"), call("echo_argv", "{}")), "text")
    session = store.create_session("mimo-v2.5-pro")
    done = results(await collect(engine.turn(session.id, "go")))
    assert [r.status for r in done] == ["done", "done"] and len(asked) == 1


async def test_the_round_cap_stops_a_loop_and_says_so(store, settings, toolbox, fake):
    engine = make_engine(store, replace(settings, max_rounds=3), tools=toolbox)
    fake.queue(*[tool_turn(call("get_current_weather", '{"location": "X"}'))] * 3)
    session = store.create_session("mimo-v2.5-pro")
    events = await collect(engine.turn(session.id, "loop forever"))
    assert len(fake.chat_requests()) == 3
    assert "Stopped after 3 tool rounds" in events[-1].notice
    fake.queue("text")
    events = await collect(engine.turn(session.id, "ok, stop"))
    assert not any(isinstance(e, TurnFailed) for e in events)


async def test_cancelling_a_running_tool_kills_it_and_records_cancelled(
    store, settings, toolbox, fake
):
    import asyncio

    slow = toolbox.available["hang"]._replace(timeout_s=60)
    box = replace(toolbox, available={**toolbox.available, "hang": slow})
    engine = make_engine(store, settings, tools=box)
    fake.queue(tool_turn(call("hang", "{}")))
    session = store.create_session("mimo-v2.5-pro")
    running = asyncio.Event()

    async def consume():
        async for event in engine.turn(session.id, "go"):
            if isinstance(event, ToolCallUpdated) and event.record.status == "running":
                running.set()

    task = asyncio.create_task(consume())
    await running.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    (tool,) = [m for m in store.messages(session.id) if m.role == "tool"]
    assert tool.tool_meta["status"] == "cancelled"
    validate_messages(store.replay(session.id, None))


def test_a_bad_tools_file_names_the_file_the_tool_and_the_problem(tmp_path):
    path = tmp_path / "tools.toml"
    path.write_text(
        '[tools.good]\ncommand = ["true"]\n'
        '[tools.bad]\ncommand = "rm -rf /"\n'
        '[tools.worse]\ncommand = ["x"]\napprove = "sometimes"\n'
        '[tools.extra]\ncommand = ["x"]\ncolour = "red"\n'
    )
    specs, problems = load_tools_file(path)
    assert [s.name for s in specs] == ["good"]
    assert any(str(path) in p and "'bad'" in p and "argv" in p for p in problems)
    assert any("'worse'" in p and "approve" in p for p in problems)
    assert any("'extra'" in p and "colour" in p for p in problems)
    path.write_text("[tools.x\n")
    specs, problems = load_tools_file(path)
    assert specs == [] and "not valid TOML" in problems[0]


def test_tool_selection(tmp_path):
    available, _ = available_tools(tools_toml(tmp_path / "tools.toml"))
    assert parse_selection("none", available) == []
    assert set(parse_selection("all", available)) == set(available)
    assert parse_selection("current_time,hang", available) == ["current_time", "hang"]
    with pytest.raises(ValueError, match="unknown tool"):
        parse_selection("nope", available)


async def test_read_file_stays_below_the_working_directory(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("hello")
    secret = tmp_path / "secret.txt"
    secret.write_text("key")
    (work / "link").symlink_to(secret)
    app_dir = work / "appdata"
    app_dir.mkdir()
    (app_dir / "sessions.sqlite3").write_text("db")
    ctx = BuiltinContext(work, forbidden=(app_dir,))
    read = BUILTINS["read_file"].builtin
    assert await read({"path": "notes.txt"}, ctx) == "hello"
    for path, why in [
        ("../secret.txt", "outside"),
        ("link", "outside"),
        ("/etc/passwd", "outside"),
        ("appdata/sessions.sqlite3", "own config"),
    ]:
        with pytest.raises(PermissionError, match=why):
            await read({"path": path}, ctx)


async def test_store_upgrade_from_schema_1_keeps_messages(paths: Paths):
    """A store written before tool metadata existed opens and keeps every message."""
    import sqlite3

    from mimo_tui import migrations as store_module

    paths.data_dir.mkdir(parents=True)
    db = sqlite3.connect(paths.store_file)
    store_module._v1(db)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO sessions(id, model, created_at, updated_at) VALUES ('old', 'm', 1, 1)")
    db.execute(
        "INSERT INTO messages(session_id, role, content, created_at, updated_at) "
        "VALUES ('old', 'user', 'from the old days', 1, 1)"
    )
    db.commit()
    db.close()
    upgraded = Store(paths.store_file)
    assert upgraded.db.execute("PRAGMA user_version").fetchone()[0] == store_module.SCHEMA_VERSION
    (msg,) = upgraded.messages("old")
    assert msg.content == "from the old days" and msg.tool_meta is None
    upgraded.close()
