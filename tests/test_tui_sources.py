"""Web search in the chat screen, driven with Pilot against the fake over real HTTP: the
F10 / palette switch, the numbered Sources panel under the reply (fold by key and click),
the picker that shows a source's URL and opens it, the plugin-not-enabled notice."""

from __future__ import annotations

from dataclasses import replace

from mimo_tui.ui.widgets.conversation import Notice
from mimo_tui.ui.widgets.sources import SourcePicker
from mimo_tui.ui.widgets.stored_reply import StoredReply
from tests.tui_helpers import make_app, screen_lines, send, wait_until

SIZE = (110, 40)
FIRST_URL = "https://mimo.xiaomi.com/latest-news-about-mimo/1"


def screen_text(app) -> str:
    return "\n".join(screen_lines(app))


async def _answered(pilot, app) -> StoredReply:
    await send(pilot, "latest news about MiMo")
    await app.workers.wait_for_complete()
    await wait_until(pilot, lambda: bool(app.screen.query(StoredReply)))
    await pilot.pause()
    return list(app.screen.query(StoredReply))[-1]


async def test_a_reply_shows_its_numbered_sources_and_folds_them(settings, paths, fake):
    fake.queue("text")
    app, runtime = make_app(replace(settings, web_search=True), paths)
    async with app.run_test(size=SIZE) as pilot:
        reply = await _answered(pilot, app)
        text = screen_text(app)
        assert "▼ Sources · 3" in text
        assert "[1] MiMo news: latest news about MiMo · Xiaomi MiMo  " + FIRST_URL in text
        assert "[3] What is new about latest news about MiMo · Example News" in text
        assert "Hello! I'm MiMo, Xiaomi's AI assistant. [1][2]" in text
        reply.focus()
        await pilot.press("s")
        await pilot.pause()
        text = screen_text(app)
        assert "▶ Sources · 3" in text and FIRST_URL not in text
        assert reply._sources_at is not None
        await pilot.click(reply, offset=(4, reply._sources_at))  # the header unfolds it
        await pilot.pause()
        assert FIRST_URL in screen_text(app)
    stored = runtime.store.message(reply.message.id)
    assert stored is not None and stored.sources and len(stored.sources) == 3
    runtime.close()


async def test_the_citation_markers_are_drawn_as_references(settings, paths, fake):
    fake.queue("text")
    app, runtime = make_app(replace(settings, web_search=True), paths)
    async with app.run_test(size=SIZE) as pilot:
        reply = await _answered(pilot, app)
        lines = reply.build_lines(100)
        marker = next(seg for line in lines for seg in line if seg.text == "[1]")
        plain = next(seg for line in lines for seg in line if "Hello!" in seg.text)
        assert marker.style != plain.style and marker.style.bold
    runtime.close()


async def test_enter_on_a_source_shows_its_url_and_y_opens_it(settings, paths, fake):
    fake.queue("text")
    app, runtime = make_app(replace(settings, web_search=True), paths)
    opened: list[str] = []
    app.open_url = lambda url, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        reply = await _answered(pilot, app)
        reply.focus()
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, SourcePicker))
        await pilot.press("enter")
        await pilot.pause()
        assert FIRST_URL in screen_text(app)
        assert "Open it in your browser?" in screen_text(app)
        assert opened == []  # shown first, opened only when asked
        await pilot.press("y")
        await pilot.pause()
        assert opened == [FIRST_URL]
        assert not isinstance(app.screen, SourcePicker)
    runtime.close()


async def test_clicking_a_source_line_shows_that_source(settings, paths, fake):
    fake.queue("text")
    app, runtime = make_app(replace(settings, web_search=True), paths)
    opened: list[str] = []
    app.open_url = lambda url, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        reply = await _answered(pilot, app)
        assert reply._sources_at is not None
        await pilot.click(reply, offset=(6, reply._sources_at + 2))  # source [2]
        await wait_until(pilot, lambda: isinstance(app.screen, SourcePicker))
        await pilot.pause()
        assert "https://platform.xiaomimimo.com/latest-news-about-mimo/2" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert opened == [] and not isinstance(app.screen, SourcePicker)
    runtime.close()


async def test_a_javascript_source_is_shown_but_never_opened(settings, paths, fake):
    fake.queue("text")
    fake.search_results = [{"url": "javascript:alert(1)", "title": "Trap [b]x[/b]"}]
    app, runtime = make_app(replace(settings, web_search=True), paths)
    opened: list[str] = []
    app.open_url = lambda url, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        reply = await _answered(pilot, app)
        assert "Trap [b]x[/b]" in screen_text(app)  # markup shown as text
        reply.focus()
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, SourcePicker))
        await pilot.press("enter")
        await pilot.pause()
        assert "Not an http(s) URL: it is not opened." in screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert opened == []
    runtime.close()


async def test_f9_switches_web_search_for_the_session(settings, paths, fake):
    fake.queue("text", "text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "no search")
        await app.workers.wait_for_complete()
        assert "tools" not in fake.chat_requests()[-1].body
        await pilot.press("f10")
        await pilot.pause()
        assert "web search on" in screen_text(app)  # the top bar says so
        await send(pilot, "latest news about MiMo")
        await app.workers.wait_for_complete()
        assert fake.chat_requests()[-1].body["tools"] == [{"type": "web_search"}]
        session = runtime.store.get_session(app.screen.session_id)
        assert session.settings["web_search"] is True
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Toggle web search" in titles
    runtime.close()


async def test_the_plugin_not_enabled_error_says_where_to_enable_it(settings, paths, fake):
    fake.web_search_enabled = False
    app, runtime = make_app(replace(settings, web_search=True), paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "latest news about MiMo")
        await app.workers.wait_for_complete()
        await wait_until(pilot, lambda: bool(app.screen.query(Notice)))
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "Web Search plugin is not activated" in text
        assert "Plugins → Web Search" in text
    runtime.close()
