"""The model picker (F7) offers the catalogue's models with window, inputs, thinking default
and price, and marks the ids the server lists that mimo-tui does not know."""

from __future__ import annotations

from dataclasses import replace

from mimo_tui.catalogue import Catalogue, ModelInfo
from mimo_tui.cost import describe_model, picker_models
from mimo_tui.fake import FakeMimo
from mimo_tui.ui.widgets.settings import SettingsScreen
from tests.tui_helpers import burst, make_app, wait_until


def test_describe_model_names_window_inputs_thinking_and_price() -> None:
    cat = Catalogue()
    assert describe_model(cat.lookup("mimo-v2.5-pro")) == (
        "mimo-v2.5-pro · 1M ctx · 131k out · text · thinking on · "
        "¥3 in / ¥0.025 cached / ¥6 out per M"
    )
    assert "text, image, audio, video" in describe_model(cat.lookup("mimo-v2.5"))
    assert "thinking off" in describe_model(cat.lookup("mimo-v2-flash"))
    assert "unknown to mimo-tui" in describe_model(cat.lookup("mimo-v9"))
    ids = [m for _, m in picker_models(cat, ["mimo-v2.5-pro", "mimo-v9"], "mimo-v2.5-pro[1m]")]
    assert ids[:5] == [
        "mimo-v2.5-pro",
        "mimo-v2.5",
        "mimo-v2-flash",
        "mimo-v2.6-pro",
        "mimo-v2.6-flash",
    ]
    assert ids[5:] == ["mimo-v2.5-pro[1m]", "mimo-v9"]


async def test_f7_lists_the_catalogue_and_marks_unknown_server_ids(settings, paths):
    mine = ModelInfo("mimo-mine", 500_000, 4096)
    with FakeMimo(api_key=settings.api_key or "", extra_models=("mimo-v9-preview",)) as fake:
        app, runtime = make_app(
            replace(settings, base_url=fake.base_url, models={"mimo-mine": mine}), paths
        )
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.press("f7")
            await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
            screen = app.screen
            hint = screen.query_one("#models-hint")
            await wait_until(pilot, lambda: "models from the API" in str(hint.render()))
            assert "1 unknown to mimo-tui" in str(hint.render())
            select = screen.query_one("#models")
            labels = {value: str(label) for label, value in select._options if value}
            assert labels["mimo-v2.6-pro"] == (
                "mimo-v2.6-pro · 1M · text+image · thinking on · $0.435/M in"
            )
            assert labels["mimo-v2-flash"].endswith("text · thinking off")
            assert "500k" in labels["mimo-mine"]  # config.toml's [models] entry
            assert labels["mimo-v9-preview"] == "mimo-v9-preview · unknown to mimo-tui"
            select.value = "mimo-v2.6-flash"
            await pilot.pause()
            assert screen.query_one("#model").value == "mimo-v2.6-flash"
            info = str(screen.query_one("#model-info").render())
            assert "mimo-v2.6-flash · 1M ctx · 131k out · text, image" in info
            assert "$0.14 in / $0.28 out per M" in info and "prices as of" in info
        runtime.close()


async def test_ids_that_are_not_strings_are_left_out_and_the_list_still_loads(settings, paths):
    """A server listing `"id": null` or `"id": 42` must not leave the picker loading forever:
    those entries are not model ids; the rest of the list is offered."""
    extra = ("mimo-v9-preview", None, 42)
    with FakeMimo(api_key=settings.api_key or "", extra_models=extra) as fake:
        app, runtime = make_app(replace(settings, base_url=fake.base_url), paths)
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.press("f7")
            await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
            hint = app.screen.query_one("#models-hint")
            await wait_until(pilot, lambda: "models from the API" in str(hint.render()))
            assert "1 unknown to mimo-tui" in str(hint.render())
            values = [value for _, value in app.screen.query_one("#models")._options]
            assert "mimo-v9-preview" in values and None not in values[1:] and 42 not in values
        runtime.close()


async def test_a_model_name_typed_straight_after_f7_or_f8_goes_into_the_model_field(
    settings, paths, fake
):
    """F7 then "mimo-v2-flash" in one burst: the name, not a draft in the chat's input."""

    from mimo_tui.ui.widgets.prompt_input import PromptInput
    from tests.tui_helpers import chat

    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(120, 40)) as pilot:
        for key in ("f7", "f8"):
            await pilot.pause()
            burst(app, "mimo-v2-flash", first=key)
            await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
            field = app.screen.query_one("#model")
            await wait_until(pilot, lambda: field.value == "mimo-v2-flash")  # noqa: B023
            assert chat(app).query_one(PromptInput).text == ""
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
    runtime.close()


async def test_a_name_typed_before_the_servers_list_arrives_is_kept(settings, paths):
    """The server's list comes a moment after F7 opens the dialog; it used to write the
    model in use over the name being typed in the field."""
    import threading

    hold = threading.Event()
    with FakeMimo(api_key=settings.api_key or "", models_hold=hold) as fake:
        app, runtime = make_app(replace(settings, base_url=fake.base_url), paths)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f7")
            await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
            field = app.screen.query_one("#model")
            field.value = ""
            await pilot.press(*"mimo-v2-flash")  # typed into the field, which has the focus
            await wait_until(pilot, lambda: field.value == "mimo-v2-flash")
            hold.set()
            hint = app.screen.query_one("#models-hint")
            await wait_until(pilot, lambda: "models from the API" in str(hint.render()))
            await pilot.pause()
            assert field.value == "mimo-v2-flash"
        runtime.close()
