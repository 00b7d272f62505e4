"""Settings as the TUI user meets them: F8 saves without damaging config.toml, the demo
writes nothing of the user's, load-time problems show as notices, the first-token wait."""

from __future__ import annotations

import time
from dataclasses import replace

from textual.widgets import Input

from mimo_tui.config import load_settings
from mimo_tui.fake.scenarios import scenario
from mimo_tui.ui.widgets.search import SearchScreen
from mimo_tui.ui.widgets.settings import SettingsScreen
from tests.conftest import KEY, cli_paths
from tests.test_cli import mimo
from tests.test_config_save import USER_FILE
from tests.tui_helpers import make_app, screen_lines, send, wait_until

SIZE = (110, 36)


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def loaded(paths, fake, **env: str):
    """The settings a real start would build from these paths, pointed at the fake."""
    settings = load_settings(paths, env={"MIMO_API_KEY": KEY, **env})
    return replace(settings, base_url=fake.base_url, max_retries=0)


async def test_f8_save_changes_only_the_edited_line(paths, fake):
    paths.config_dir.mkdir(parents=True)
    paths.config_file.write_text(USER_FILE)
    app, runtime = make_app(loaded(paths, fake), paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        field = app.screen.query_one("#temperature", Input)
        field.focus()
        await pilot.press("ctrl+a", "ctrl+k", *"0.25")  # home, delete to the end, type
        await wait_until(pilot, lambda: field.value == "0.25")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
    runtime.close()
    expected = USER_FILE.replace("temperature = 0.7 # for code", "temperature = 0.25 # for code")
    assert paths.config_file.read_text() == expected


async def test_f8_with_an_unknown_theme_shows_the_one_in_use_and_saves_nothing(paths, fake):
    """config.toml names a theme that does not exist: the app uses mimo-dark (and says so);
    F8 shows mimo-dark, and Save with nothing changed leaves the file byte for byte."""
    from textual.widgets import Select

    paths.config_dir.mkdir(parents=True)
    text = 'theme = "nope"  # a typo\ntemperature = 0.7\n'
    paths.config_file.write_text(text)
    app, runtime = make_app(loaded(paths, fake), paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        assert app.screen.query_one("#theme", Select).value == app.theme == "mimo-dark"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
    runtime.close()
    assert paths.config_file.read_text() == text


async def test_switching_theme_in_the_demo_leaves_config_toml_alone(paths):
    paths.config_dir.mkdir(parents=True)
    paths.config_file.write_text(USER_FILE)
    before = paths.config_file.read_bytes()
    settings = load_settings(paths, env={}, overrides={"demo": True})
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"theme")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"mimo-light")
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == "mimo-light")
        await pilot.press("f8")  # and a setting saved from the settings screen
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        title = str(app.screen.query_one("#title").render())
        assert "Ctrl+S saves to this demo run" in title and "config.toml" not in title
        app.screen.query_one("#model", Input).value = "mimo-v2-flash"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
        assert runtime.settings.model == "mimo-v2-flash"  # applied to the demo run
        assert any("demo" in n for n in notices(app))
    runtime.close()
    assert paths.config_file.read_bytes() == before
    assert sorted(p.name for p in paths.config_dir.iterdir()) == ["config.toml"]


async def test_bad_keys_are_named_and_not_advertised(paths, fake):
    paths.config_dir.mkdir(parents=True)
    paths.config_file.write_text(
        '[keys]\nchat.search = "f99x"\nchat.serch = "f9"\nchat.sessions = "f11"\n'
    )
    app, runtime = make_app(loaded(paths, fake), paths)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: any("chat.serch" in n for n in notices(app)))
        shown = "\n".join(notices(app))
        assert "chat.search: 'f99x' is not a key name" in shown
        assert "chat.serch: no key binding has this id" in shown
        assert str(paths.config_file) in shown
        await pilot.pause()
        footer = "\n".join(screen_lines(app)[-2:])
        assert "f99x" not in footer
        await pilot.press("f11")  # the good entry works
        await wait_until(pilot, lambda: app.screen.sessions_panel.has_class("-open"))
    runtime.close()


async def test_a_broken_key_starts_the_tui_without_a_key_and_says_why(paths, fake):
    broken = KEY + "\nsecond-line"
    settings = replace(load_settings(paths, env={"MIMO_API_KEY": broken}), base_url=fake.base_url)
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = "\n".join(notices(app))
        assert "MIMO_API_KEY: the API key contains a line break" in shown
        assert KEY not in shown and "second-line" not in shown
        assert not runtime.has_key
        await send(pilot, "hello")
        await app.workers.wait_for_complete()
    runtime.close()
    assert fake.chat_requests() == []


async def test_plain_http_to_a_remote_host_is_a_notice(paths):
    settings = load_settings(
        paths, env={"MIMO_API_KEY": KEY, "MIMO_BASE_URL": "http://mimo.example.com/v1"}
    )
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        warnings = [n for n in notices(app) if "plain http" in n]
        assert len(warnings) == 1 and "unencrypted" in warnings[0]
    runtime.close()


async def test_a_slow_first_token_shows_a_live_wait_and_outlasts_the_idle_timeout(paths, fake):
    fake.queue(scenario("slow_first_token", first_token_delay_s=2.6))
    settings = replace(loaded(paths, fake), idle_timeout_s=0.5)
    app, runtime = make_app(settings, paths)
    seen: list[str] = []

    def status() -> str:
        text = str(app.screen.status.render())
        if "waiting for the first token" in text and text not in seen:
            seen.append(text)
        return text

    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await wait_until(pilot, lambda: "waiting for the first token… 2 s" in status(), 30)
        assert "Esc cancels" in seen[-1]
        assert any("… 0 s" in s for s in seen) and any("… 1 s" in s for s in seen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        reply = runtime.store.messages(app.screen.session_id)[-1]
    runtime.close()
    assert "Here at last." in text and "stalled" not in text
    assert reply.status == "complete" and reply.ttft_ms and reply.ttft_ms >= 2000


async def test_a_first_token_that_never_comes_is_a_clear_error(paths, fake):
    fake.queue(scenario("slow_first_token", first_token_delay_s=120))
    settings = replace(loaded(paths, fake), first_token_timeout_s=1.0, idle_timeout_s=0.3)
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        started = time.monotonic()
        await send(pilot, "hi")
        await app.workers.wait_for_complete()
        waited = time.monotonic() - started
        await pilot.pause()
        text = " ".join(screen_lines(app))
    runtime.close()
    assert "No first token from MiMo after 1 s (first_token_timeout_s)" in " ".join(text.split())
    assert waited >= 1.0  # the first-token limit, not the 0.3 s idle limit


async def test_esc_cancels_the_wait_for_the_first_token(paths, fake):
    fake.queue(scenario("slow_first_token", first_token_delay_s=120))
    app, runtime = make_app(loaded(paths, fake), paths)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        status = app.screen.status
        await wait_until(pilot, lambda: "Esc cancels" in str(status.render()), 30)
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "waiting for the first token" not in str(status.render())
        reply = runtime.store.messages(app.screen.session_id)[-1]
    runtime.close()
    assert reply.status == "interrupted"


async def test_a_key_that_clashes_with_another_binding_is_ignored_and_named(paths, fake):
    """Ctrl+Q for Search, Escape for Save: each would hide a binding (the footer said
    `^q Search` while Ctrl+Q quit). Each entry is ignored, both bindings are named, the
    footer tells the truth, and the other entries apply."""
    paths.config_dir.mkdir(parents=True)
    paths.config_file.write_text(
        '[keys]\nchat.search = "ctrl+q"\nsettings.save = "escape"\nchat.sessions = "f11"\n'
    )
    app, runtime = make_app(loaded(paths, fake), paths)

    def config_text() -> str:
        return paths.config_file.read_text()

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = screen_lines(app)[-1]
        assert "^f Search" in footer and "^q Quit" in footer and "^q Search" not in footer
        await wait_until(pilot, lambda: any("settings.save" in n for n in notices(app)))
        shown = "\n".join(notices(app))
        assert "[keys] chat.search = 'ctrl+q': ctrl+q is already Quit (app.quit)" in shown
        assert "settings.save = 'escape': escape is already Cancel (settings.cancel)" in shown
        await pilot.press("ctrl+f")  # Search keeps its own key
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press("escape")
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        field = app.screen.query_one("#temperature", Input)
        field.value = "0.25"
        await pilot.press("escape")  # Cancel, as Escape was: nothing saved
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
        assert runtime.settings.temperature == 1.0 and "temperature" not in config_text()
        await pilot.press("f11")  # the entry that clashes with nothing applies
        await wait_until(pilot, lambda: app.screen.sessions_panel.has_class("-open"))
    runtime.close()


BAD_VALUES = 'temperature = "hot"\nmax_retries = -4\ntimeout_s = "x"\nmax_rounds = "y"\n' + "".join(
    f"bogus{i} = {i}\n" for i in range(16)
)


async def test_twenty_bad_settings_make_one_short_notice_and_config_lists_them_all(tmp_path, fake):
    """At 80x24 the notice of 20 bad values covered the right half of the chat for 20 s:
    now it counts them, quotes the first and says where they are all listed."""
    paths = cli_paths(tmp_path)
    paths.config_dir.mkdir(parents=True)
    paths.config_file.write_text(BAD_VALUES)
    app, runtime = make_app(loaded(paths, fake), paths)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        [notice] = [n for n in app._notifications if n.title == "Settings"]
        assert notice.message.splitlines() == [
            "20 settings problems (bad values ignored, defaults used); `mimo-tui config` "
            "lists them all.",
            "• config.toml: temperature must be a number between 0 and 1.5, got 'hot'; using "
            "the default (1.0)",
            "… and 19 more",
        ]
        assert notice.timeout <= 15
        await wait_until(pilot, lambda: any("19 more" in line for line in screen_lines(app)))
        covered = [line for line in screen_lines(app) if "▌" in line]  # the toast's edge
        assert len(covered) <= 10  # of 24 rows (it was all of them)
    runtime.close()
    listed = mimo(tmp_path, None, "config")
    assert listed.returncode == 0
    said = [line for line in listed.stderr.splitlines() if str(paths.config_file) in line]
    assert len(said) == 20 and all(f"'bogus{i}'" in listed.stderr for i in range(16))


async def test_many_bad_keys_entries_make_one_notice(paths, fake):
    paths.config_dir.mkdir(parents=True)
    paths.config_file.write_text(
        "[keys]\n" + "".join(f'chat.nosuch{i} = "f11"\n' for i in range(5))
    )
    app, runtime = make_app(loaded(paths, fake), paths)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: any("[keys]" in n for n in notices(app)))
        await pilot.pause()
        [notice] = [n for n in notices(app) if "[keys]" in n]
        assert notice.startswith("5 [keys] entries ignored; `mimo-tui config` lists them all.\n")
        assert "• config.toml: [keys] chat.nosuch0: no key binding has this id" in notice
        assert notice.endswith("… and 4 more")
    runtime.close()
