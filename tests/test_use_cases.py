"""The use cases the TUI and the CLI share (Runtime), tested without Textual: settings applied
to the run, the session and config.toml; regenerate; delete; the model list over real HTTP to
the fake; the tools offered; the approver given to build_runtime."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from mimo_tui.config import Paths, Settings
from mimo_tui.errors import ApiError
from mimo_tui.events import UserSaved
from mimo_tui.fake import FakeMimo
from mimo_tui.model import Message
from mimo_tui.runtime import Runtime, build_runtime
from mimo_tui.tool_runner import ApprovalRequest, Decision
from tests.conftest import FROZEN, KEY, collect


@pytest.fixture
def runtime(settings: Settings, paths: Paths):
    rt = build_runtime(settings, paths, clock=lambda: FROZEN)
    yield rt
    rt.close()


def _asked(rt: Runtime) -> str:
    """A session with one question and its answer, as a turn leaves it."""
    session = rt.new_session()
    rt.store.add_message(session.id, Message(role="user", content="what is WAL?"))
    rt.store.add_message(session.id, Message(role="assistant", content="a journal mode"))
    return session.id


def test_apply_settings_reaches_the_run_the_session_and_config_toml(runtime: Runtime) -> None:
    sid = runtime.new_session().id
    problem = runtime.apply_settings(sid, {"model": "mimo-v2-flash", "thinking": False})
    assert problem is None
    assert runtime.settings.model == "mimo-v2-flash" and not runtime.settings.thinking
    stored = runtime.store.get_session(sid).settings
    assert stored["model"] == "mimo-v2-flash" and stored["thinking"] is False
    text = runtime.paths.config_file.read_text()
    assert 'model = "mimo-v2-flash"' in text and "thinking = false" in text
    # Reopened later, the session comes back with its own choice.
    runtime.apply_settings(sid, {"model": "mimo-v2-pro"}, save=False)
    runtime.apply_session_settings(runtime.store.get_session(sid))
    assert runtime.settings.model == "mimo-v2-pro"


def test_apply_settings_without_save_leaves_config_toml_alone(runtime: Runtime) -> None:
    sid = runtime.new_session().id
    assert runtime.apply_settings(sid, {"thinking": False}, save=False) is None
    assert not runtime.settings.thinking
    assert not runtime.paths.config_file.exists()


def test_a_switch_for_this_session_stays_with_it(runtime: Runtime) -> None:
    """ "Switch this session to mimo-v2.6-pro?" (or F6): the session and the session list
    say the new model; a new chat starts from the defaults again. Saved (F8), it is the
    default of new chats too."""
    default = runtime.settings.model
    sid = runtime.new_session().id
    runtime.apply_settings(sid, {"model": "mimo-v2.6-pro", "thinking": False}, save=False)
    assert runtime.store.get_session(sid).model == "mimo-v2.6-pro"
    assert [s.model for s in runtime.store.list_sessions() if s.id == sid] == ["mimo-v2.6-pro"]
    fresh = runtime.new_session()
    assert fresh.model == runtime.settings.model == default and runtime.settings.thinking
    runtime.apply_settings(fresh.id, {"model": "mimo-v2-flash"})
    assert runtime.new_session().model == "mimo-v2-flash"


def test_apply_settings_still_applies_when_config_toml_cannot_be_written(
    runtime: Runtime,
) -> None:
    runtime.paths.config_dir.mkdir(parents=True, exist_ok=True)
    runtime.paths.config_file.mkdir()  # a directory where the file should be
    sid = runtime.new_session().id
    problem = runtime.apply_settings(sid, {"lang": "zh"})
    assert problem is not None and problem.startswith("config.toml not updated")
    assert runtime.settings.lang == "zh"
    assert runtime.store.get_session(sid).settings["lang"] == "zh"


def test_the_demo_keeps_settings_in_memory(settings: Settings, paths: Paths) -> None:
    rt = build_runtime(replace(settings, demo=True), paths)
    try:
        sid = rt.new_session().id
        assert rt.apply_settings(sid, {"thinking": False}) is None
        assert not rt.settings.thinking and not paths.config_file.exists()
    finally:
        rt.close()


def test_regenerate_sets_the_last_reply_aside_and_asks_again(runtime: Runtime) -> None:
    """The old reply becomes another branch: off the active path, kept in the store."""
    sid = _asked(runtime)
    assert runtime.regenerate(sid)
    assert [m.role for m in runtime.store.messages(sid)] == ["user"]  # the active path
    events = asyncio.run(collect(runtime.engine.rounds(sid)))
    assert events  # the fake answered the same question again
    path = runtime.store.messages(sid)
    assert [(m.role, m.status) for m in path] == [("user", "complete"), ("assistant", "complete")]
    every = [m for m in runtime.store.messages(sid, branches=True) if m.role == "assistant"]
    assert len(every) == 2 and every[0].content == "a journal mode"  # kept, not replayed
    assert every[0].id not in {m.id for m in path}


def test_regenerate_without_a_question_says_so(runtime: Runtime) -> None:
    assert not runtime.regenerate(runtime.new_session().id)


def test_delete_session_of_another_session_keeps_the_open_one(runtime: Runtime) -> None:
    other, shown = _asked(runtime), _asked(runtime)
    assert runtime.delete_session(other, open_id=shown) == shown
    assert [s.id for s in runtime.store.list_sessions()] == [shown]


def test_deleting_the_open_session_opens_a_new_one(runtime: Runtime) -> None:
    sid = _asked(runtime)
    nxt = runtime.delete_session(sid, open_id=sid)
    assert nxt is not None and nxt != sid
    assert runtime.store.get_session(nxt).message_count == 0
    assert sid not in {s.id for s in runtime.store.list_sessions()}


def test_list_models_over_http_from_the_fake(runtime: Runtime, fake: FakeMimo) -> None:
    models = asyncio.run(runtime.list_models())
    assert models and "mimo-v2-flash" in models
    assert any(r.path.endswith("/v1/models") for r in fake.requests)


def test_list_models_without_a_key_is_none(settings: Settings, paths: Paths) -> None:
    rt = build_runtime(replace(settings, api_key=None), paths)
    try:
        assert asyncio.run(rt.list_models()) is None
    finally:
        rt.close()


def test_list_models_with_a_wrong_key_is_an_api_error(settings: Settings, paths: Paths) -> None:
    rt = build_runtime(replace(settings, api_key="sk-wrong-0000000000"), paths)
    try:
        with pytest.raises(ApiError):
            asyncio.run(rt.list_models())
    finally:
        rt.close()


def test_select_tools_keeps_known_names_and_remembers_them(runtime: Runtime) -> None:
    sid = runtime.new_session().id
    kept = runtime.select_tools(sid, ["current_time", "no_such_tool"])
    assert kept == ["current_time"] == runtime.toolbox.selected
    assert runtime.store.get_session(sid).settings["tools"] == ["current_time"]
    runtime.select_tools(sid, [])
    runtime.apply_session_settings(runtime.store.get_session(sid))
    assert runtime.toolbox.selected == []


def test_the_approver_given_to_build_runtime_is_the_one_asked(
    settings: Settings, paths: Paths
) -> None:
    async def approver(request: ApprovalRequest) -> Decision:
        return Decision("deny")

    rt = build_runtime(settings, paths, approver=approver)
    try:
        assert rt.toolbox.approver is approver
    finally:
        rt.close()


def test_user_saved_carries_the_title_the_first_message_gave(runtime: Runtime) -> None:
    sid = runtime.new_session().id
    events = asyncio.run(collect(runtime.engine.turn(sid, "  how   does WAL work?  ")))
    saved = [e for e in events if isinstance(e, UserSaved)]
    assert saved[0].title == "how does WAL work?" == runtime.store.get_session(sid).title


def test_key_is_never_written_to_config_toml(runtime: Runtime) -> None:
    sid = runtime.new_session().id
    runtime.apply_settings(sid, {"model": "mimo-v2-flash"})
    assert KEY not in runtime.paths.config_file.read_text()
