"""A model id is a short printable token: checked where one comes in, never sent otherwise.

The byte-level tests (tests/robustness/test_hostile_bytes.py) cover a stored session's model
and the API's list; these cover config, the environment and the settings screen, and the
one-line form of the sanitizer that the status line, lists and tables use.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from mimo_tui.text import is_model_id, one_line
from mimo_tui.ui.widgets.settings import SettingsScreen
from tests.conftest import PYTHON, cli_env
from tests.tui_helpers import make_app, wait_until


@given(st.text())
def test_one_line_leaves_no_control_format_or_line_break(text):
    shown = one_line(text)
    assert not any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Zl", "Zp"} for c in shown)
    assert one_line(shown) == shown


def test_model_ids_are_short_printable_tokens():
    for good in ("mimo-v2.5-pro", "mimo-v2-flash", "vendor/model:tag", "model[1m]", "m" * 128):
        assert is_model_id(good), good
    for bad in ("", "m" * 129, "two words", "a\x1b]0;x\x07", "a\n", "模型", None, 42):
        assert not is_model_id(bad), bad


def test_a_bad_model_from_the_environment_is_a_clear_error(tmp_path):
    done = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "config"],
        env=cli_env(tmp_path, None, MIMO_MODEL="x\x1b]0;PWNED\x07"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "MIMO_MODEL: model must be a model id" in done.stderr
    assert "\x1b" not in done.stderr and "Traceback" not in done.stderr


def test_a_bad_model_in_config_toml_is_a_clear_error(tmp_path):
    config = tmp_path / "config" / "mimo-tui"
    config.mkdir(parents=True)
    (config / "config.toml").write_text('model = "mimo v2 [bold]x[/bold]"\n', encoding="utf-8")
    done = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "config"],
        env=cli_env(tmp_path, None),
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Named, with its default used, as every bad entry in config.toml is.
    assert done.returncode == 0 and "model must be a model id" in done.stderr
    assert re.search(r'^model = "mimo-v2.5-pro" +# default$', done.stdout, re.M)


async def test_the_settings_screen_refuses_a_typed_model_that_is_not_an_id(settings, paths, fake):
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        field = app.screen.query_one("#model")
        field.value = "two words"
        await pilot.press("ctrl+s")
        await pilot.pause()
        errors = str(app.screen.query_one("#errors").render())
        assert isinstance(app.screen, SettingsScreen)  # not saved, still open
    runtime.close()
    assert "Not saved: Model: a model id is" in errors
    assert runtime.settings.model == settings.model
