"""Compare replies in the TUI: the palette's commands ask the last question again as
candidates over real HTTP, the compare screen shows them in columns (reasoning folded, a
word diff against the first), and "Keep this" makes that candidate the active branch, which
the next turn replays alone."""

from __future__ import annotations

from mimo_tui.fake.scenarios import Scenario
from mimo_tui.ui.widgets.compare_view import CompareScreen
from mimo_tui.ui.widgets.dialogs import TextPrompt
from tests.tui_helpers import chat, make_app, screen_lines, send, wait_until

SIZE = (140, 40)


def shown(app) -> str:
    return "\n".join(screen_lines(app))


async def test_thinking_on_and_off_side_by_side_and_keep_the_second(settings, paths, fake):
    fake.queue("text", "thinking_text", Scenario(content="Hello world, briefly."), "text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await app.workers.wait_for_complete()
        chat(app).action_compare("thinking")
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen))
        await pilot.pause()
        text = shown(app)
        assert "thinking on" in text and "thinking off" in text
        assert "Hello world." in text and "Hello world, briefly." in text
        assert "Reasoning" in text and "Diff against candidate 1" in text
        bodies = [r.body for r in fake.chat_requests()[1:]]
        assert [b["thinking"]["type"] for b in bodies] == ["enabled", "disabled"]
        assert await pilot.click("#keep-1")
        await wait_until(pilot, lambda: not isinstance(app.screen, CompareScreen))
        await app.workers.wait_for_complete()
        sid = chat(app).session_id
        assert runtime.store.messages(sid)[-1].content == "Hello world, briefly."
        await send(pilot, "and then?")
        await app.workers.wait_for_complete()
    sent = fake.chat_requests()[-1].body["messages"]
    assert [m["content"] for m in sent if m["role"] == "assistant"] == ["Hello world, briefly."]
    user_id = runtime.store.messages(sid)[0].id
    assert len(runtime.store.tree(sid).children[user_id]) == 3  # the first reply + 2 candidates
    runtime.close()


async def test_regenerate_x3_from_the_palette_and_close_keeps_the_first(settings, paths, fake):
    fake.queue("text", Scenario(content="A"), Scenario(content="B"), Scenario(content="C"))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await app.workers.wait_for_complete()
        chat(app).action_compare()
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one("Input").value = "3"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen))
        await pilot.pause()
        assert len(app.screen.query(".column")) == 3
        assert "candidate 3" in shown(app)
        assert await pilot.click("#close")
        await wait_until(pilot, lambda: not isinstance(app.screen, CompareScreen))
        await app.workers.wait_for_complete()
        sid = chat(app).session_id
        assert runtime.store.messages(sid)[-1].content == "A"
    runtime.close()


async def test_another_model_and_keep_the_first_column(settings, paths, fake):
    fake.queue("text", Scenario(content="pro says"), Scenario(content="flash says"))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await app.workers.wait_for_complete()
        chat(app).action_compare("model")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one("Input").value = "mimo-v2-flash"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen))
        await pilot.pause()
        assert [r.body["model"] for r in fake.chat_requests()[1:]] == [
            settings.model,
            "mimo-v2-flash",
        ]
        assert await pilot.click("#keep-0")
        await wait_until(pilot, lambda: not isinstance(app.screen, CompareScreen))
        await app.workers.wait_for_complete()
        assert runtime.store.messages(chat(app).session_id)[-1].content == "pro says"
    runtime.close()


async def test_the_palette_lists_the_compare_commands(settings, paths, fake):
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(chat(app))}
        assert {
            "Compare replies",
            "Compare thinking on and off",
            "Compare with another model",
        } <= titles
    runtime.close()


async def test_hostile_answers_and_model_ids_show_as_text(settings, paths, fake):
    from mimo_tui.compare import Candidate, Variant
    from mimo_tui.fake.scenarios import HOSTILE, HOSTILE_MODEL_IDS
    from mimo_tui.model import Message

    evil = Candidate(
        Variant(HOSTILE_MODEL_IDS[0], model=HOSTILE_MODEL_IDS[0]),
        [Message("assistant", f"ANSWER {HOSTILE}", f"THOUGHT {HOSTILE}", id=1)],
    )
    plain = Candidate(Variant("plain"), [Message("assistant", "ANSWER plain", id=2)])
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(CompareScreen([plain, evil], f"Q {HOSTILE}"))
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen))
        await pilot.pause()
        text = shown(app)
        assert "[@click=app.quit]Q[/]" in text and "[bold]B[/bold]" in text  # literally
        assert "M0D3L" in text and "\x1b" not in text and "\x9b" not in text
        assert isinstance(app.screen, CompareScreen)  # no markup ran (no quit, no click)
    runtime.close()
