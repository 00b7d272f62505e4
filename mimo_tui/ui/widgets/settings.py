"""The settings screen: what config.toml holds, edited in place and validated as typed.

The screen only collects and validates; the chat screen applies the result to the running
session and writes config.toml (Runtime.apply_settings), so the file and the screen
never disagree.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, Switch

from mimo_tui.config import REASONING_PANEL_MODES, ConfigError, Settings, check_setting
from mimo_tui.cost import describe_model, estimate_note, picker_models
from mimo_tui.text import is_model_id
from mimo_tui.ui.safe import safe_text
from mimo_tui.ui.widgets.dialogs import type_into

THINKING_NOTE = (
    "Thinking is on: MiMo ignores custom temperature and top_p in thinking mode "
    "(they apply when thinking is off)."
)


class SettingsScreen(ModalScreen[dict[str, Any] | None]):
    """Returns the changed settings (name -> value), or None when cancelled."""

    DEFAULT_CSS = """
    SettingsScreen { align: center middle; }
    SettingsScreen > Vertical {
        width: 90%;
        max-width: 96;
        height: 90%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    SettingsScreen .row { height: auto; margin: 0 0 1 0; }
    SettingsScreen .row > Label { width: 24; padding: 1 1 0 0; }
    SettingsScreen .row > Input, SettingsScreen .row > Select { width: 1fr; }
    SettingsScreen .hint { color: $text-muted; padding: 0 0 0 24; height: auto; }
    SettingsScreen #thinking-note { color: $warning; height: auto; }
    SettingsScreen #errors { color: $error-foreground; height: auto; }
    SettingsScreen #buttons { height: auto; align-horizontal: right; }
    SettingsScreen #title { text-style: bold; color: $primary; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="settings.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="settings.cancel"),
    ]

    def __init__(
        self,
        settings: Settings,
        themes: list[str],
        focus: str = "model",
        list_models: Callable[[], Awaitable[list[str] | None]] | None = None,
        theme_in_use: str | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        # The theme field shows the theme in use: config.toml may name one that does not
        # exist (the app fell back, and said so). Left as shown, saving keeps the file's.
        if settings.theme in themes:
            self._theme_shown = settings.theme
        else:
            self._theme_shown = theme_in_use if theme_in_use in themes else themes[0]
        # Runtime.list_models: the screen is handed the use case, it never reaches the app.
        self.list_models = list_models
        self.themes = themes
        self.initial_focus = focus

    def compose(self) -> ComposeResult:
        s = self.settings
        with Vertical():
            where = "this demo run" if s.demo else "config.toml"  # the demo writes no file
            yield Static(
                f"Settings  ·  Ctrl+S saves to {where}  ·  Esc cancels",
                id="title",
                markup=False,
            )
            with VerticalScroll():
                with Horizontal(classes="row"):
                    yield Label("Model")
                    yield Input(s.model, id="model")
                with Horizontal(classes="row"):
                    yield Label("…or pick one")
                    yield Select[str](
                        [(safe_text(s.model, single_line=True), s.model)],
                        value=s.model,
                        id="models",
                        allow_blank=True,
                    )
                yield Static("", classes="hint", id="models-hint", markup=False)
                yield Static("", classes="hint", id="model-info", markup=False)
                with Horizontal(classes="row"):
                    yield Label("Thinking")
                    yield Switch(s.thinking, id="thinking")
                yield Static(THINKING_NOTE, id="thinking-note", markup=False)
                with Horizontal(classes="row"):
                    yield Label("Temperature (0–1.5)")
                    yield Input(str(s.temperature), id="temperature")
                with Horizontal(classes="row"):
                    yield Label("top_p (0.01–1)")
                    yield Input(str(s.top_p), id="top_p")
                with Horizontal(classes="row"):
                    yield Label("Max completion tokens")
                    yield Input(
                        str(s.max_completion_tokens or ""),
                        placeholder="model default",
                        id="max_completion_tokens",
                    )
                with Horizontal(classes="row"):
                    yield Label("System prompt")
                    yield Select[str](
                        [("MiMo's, in English", "en"), ("MiMo's, in Chinese", "zh")],
                        value=s.lang,
                        allow_blank=False,
                        id="lang",
                    )
                with Horizontal(classes="row"):
                    yield Label("Custom prompt")
                    yield Input(
                        s.system_prompt or "",
                        placeholder="empty: MiMo's recommended prompt ({date} and {week} work)",
                        id="system_prompt",
                    )
                with Horizontal(classes="row"):
                    yield Label("Reasoning panel")
                    yield Select[str](
                        [
                            ("fold when the answer starts", "fold"),
                            ("stay open", "open"),
                            ("stay closed", "closed"),
                        ],
                        value=s.reasoning_panel
                        if s.reasoning_panel in REASONING_PANEL_MODES
                        else "fold",
                        allow_blank=False,
                        id="reasoning_panel",
                    )
                with Horizontal(classes="row"):
                    yield Label("Theme")
                    yield Select[str](
                        [(t, t) for t in self.themes],
                        value=self._theme_shown,
                        allow_blank=False,
                        id="theme",
                    )
            yield Static("", id="errors", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", variant="primary", id="save")

    def on_mount(self) -> None:
        # A prompt the field cannot show as it is (several lines, spaces at the ends) must
        # not be saved back changed when the user edited something else.
        self._prompt_shown = self.query_one("#system_prompt", Input).value
        self.query_one(f"#{self.initial_focus}").focus()
        self._show_thinking_note()
        self.load_models()

    def on_key(self, event: Key) -> None:
        """F7 or F8 then a model name typed at once: the keys that reached the dialog before
        its first field had the focus go into that field."""
        if isinstance(self.focused, Input):
            type_into(self.focused, event)

    @work(exclusive=True, exit_on_error=False)
    async def load_models(self) -> None:
        """Offer the models the API lists (GET /v1/models); typing any name still works."""
        hint = self.query_one("#models-hint", Static)
        self._offer(None)  # the catalogue's models at once, the server's when listed
        if self.list_models is None:
            return
        hint.update("Loading the model list…")
        try:
            models = await self.list_models()
        except Exception as exc:  # any failure: the free-text field still works
            hint.update(safe_text(f"Could not list models ({exc}); type a name."))
            return
        if models is None:
            hint.update("No API key: type a model name.")
            return
        self._offer(models)
        bad = sum(1 for m in models if not is_model_id(m))
        note = f" ({bad} not valid model ids, shown escaped; they cannot be picked)" if bad else ""
        unknown = sum(1 for m in models if not self.settings.catalogue.lookup(m).known)
        known = f", {unknown} unknown to mimo-tui" if unknown else ""
        hint.update(
            safe_text(
                f"{len(models)} models from the API{known}{note}; pick one or type a name above."
            )
        )

    def _offer(self, listed: list[str] | None) -> None:
        """The picker's options: every catalogue model (window, inputs, thinking default,
        price), then the server's ids the catalogue does not know, marked as unknown."""
        select = self.query_one("#models", Select)
        entries = picker_models(self.settings.catalogue, listed, self.settings.model)
        typed = self.query_one("#model", Input).value.strip() or self.settings.model
        # Quietly: the picker's Changed writes its value into the model field, and a list
        # arriving while a name is being typed there (the server's, a moment after the
        # dialog opened) wrote the model in use over it.
        with select.prevent(Select.Changed):
            # The ids are the API's text: shown through the sanitizer, never as markup.
            select.set_options([(safe_text(label, single_line=True), m) for label, m in entries])
            select.value = typed if typed in {m for _, m in entries} else Select.BLANK
        self._describe(typed)

    def _describe(self, model: str) -> None:
        """The picked model's entry in full: window, max output, inputs, thinking, prices."""
        info = self.settings.catalogue.lookup(model)
        when = f" ({estimate_note()})" if info.prices else ""
        self.query_one("#model-info", Static).update(safe_text(describe_model(info) + when))

    @on(Select.Changed, "#models")
    def pick_model(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str):
            return
        self._describe(event.value)
        if is_model_id(event.value):
            self.query_one("#model", Input).value = event.value
            self.query_one("#errors", Static).update("")
        else:
            self.query_one("#errors", Static).update(
                safe_text(f"Not a valid model id: {event.value}", single_line=True)
            )

    @on(Switch.Changed, "#thinking")
    def _thinking_changed(self) -> None:
        self._show_thinking_note()

    def _show_thinking_note(self) -> None:
        self.query_one("#thinking-note").display = self.query_one("#thinking", Switch).value

    def values(self) -> dict[str, Any]:
        """Every field, validated; ConfigError names the first bad one and its range."""
        out: dict[str, Any] = {}
        model = self.query_one("#model", Input).value.strip()
        if not model:
            raise ConfigError("Model: a model name is needed (e.g. mimo-v2.5-pro)")
        if not is_model_id(model):
            raise ConfigError(
                "Model: a model id is 1-128 letters, digits and . _ : / [ ] - (e.g. mimo-v2.5-pro)"
            )
        out["model"] = model
        out["thinking"] = self.query_one("#thinking", Switch).value
        for name in ("temperature", "top_p"):
            raw = self.query_one(f"#{name}", Input).value.strip()
            try:
                number = float(raw)
            except ValueError:
                raise ConfigError(f"{name}: {raw!r} is not a number") from None
            out[name] = check_setting(name, number, "Settings")
        raw = self.query_one("#max_completion_tokens", Input).value.strip()
        if raw:
            try:
                out["max_completion_tokens"] = check_setting(
                    "max_completion_tokens", int(raw), "Settings"
                )
            except ValueError:
                raise ConfigError(f"max_completion_tokens: {raw!r} is not a whole number") from None
        else:
            out["max_completion_tokens"] = None
        out["lang"] = self.query_one("#lang", Select).value
        prompt = self.query_one("#system_prompt", Input).value
        if prompt == self._prompt_shown:
            out["system_prompt"] = self.settings.system_prompt  # untouched: exactly as it was
        else:
            out["system_prompt"] = prompt.strip() or None
        out["reasoning_panel"] = self.query_one("#reasoning_panel", Select).value
        theme = self.query_one("#theme", Select).value
        out["theme"] = self.settings.theme if theme == self._theme_shown else theme
        return out

    def action_save(self) -> None:
        try:
            values = self.values()
        except ConfigError as exc:
            self.query_one("#errors", Static).update(safe_text(f"Not saved: {exc}"))
            return
        changed = {k: v for k, v in values.items() if getattr(self.settings, k) != v}
        self.dismiss(changed)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()
