"""Small modal dialogs: ask for a line of text, edit a longer text, confirm.

Each has buttons as well as keys, so a mouse alone can answer it; a button does exactly
what its key does.

A dialog is pushed at once by the key that opens it (`ask`), and a dialog with a text box
takes what was typed or pasted before the box had the focus (`TextDialog`): typing a search
or pasting a key straight after the key that opens the dialog puts it in the dialog, never
in the widget below (the chat's input, where a pasted key would be sent as a message).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Key, Paste
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Static, TextArea
from textual.widgets.button import ButtonVariant

from mimo_tui.text import visible

T = TypeVar("T")

_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 80%; max-width: 100; height: auto; max-height: 80%;
    border: thick $primary; background: $surface; padding: 1 2;
}}
{name} .hint {{ color: $text-muted; }}
{name} .error {{ color: $error; }}
{name} .buttons {{ height: auto; margin: 1 0 0 0; }}
{name} Button {{ margin: 0 1 0 0; min-width: 10; }}
"""


def ask(app: App[Any], dialog: Screen[T]) -> asyncio.Future[T | None]:
    """Push `dialog` now and return its answer, to await in a worker.

    Now, not from the worker (`push_screen_wait`): a worker starts after the keys typed in
    the same burst as the one that opened the dialog have gone to the focused widget below.
    With the opening key bound with priority (the app runs it before passing on the next
    key), those keys reach the dialog. An answer never given (the app quits) stays unset."""
    answer: asyncio.Future[T | None] = asyncio.get_running_loop().create_future()

    def answered(result: T | None) -> None:
        if not answer.done():
            answer.set_result(result)

    app.push_screen(dialog, callback=answered)
    return answer


def type_into(box: Input, event: Key) -> None:
    """A printable key that reached a dialog rather than its text box (it was typed before
    the box had the focus) goes into the box as typing there would put it: a value the box
    opened with, selected on focus, is replaced. Other keys are left to the bindings."""
    if not event.is_printable or event.character is None:
        return
    event.stop()
    selection = box.selection
    if selection.is_empty:
        box.insert_text_at_cursor(event.character)
    else:
        box.replace(event.character, *selection)


class TextDialog(ModalScreen[T]):
    """A dialog with one text box (`BOX`) that takes the characters and pastes that reach
    the dialog itself: typed before the box had the focus, in one burst with the key that
    opened the dialog, or handed on by the widget below (`type_ahead`)."""

    BOX = "#value"

    def type_ahead(self, event: Key) -> None:
        """A key that reached the widget below after this dialog was pushed over it."""
        self.post_message(Key(event.key, event.character))

    def on_key(self, event: Key) -> None:
        type_into(self.query_one(self.BOX, Input), event)  # other keys: on to the bindings

    def on_paste(self, event: Paste) -> None:
        event.stop()
        self.query_one(self.BOX, Input).post_message(Paste(event.text))


def buttons(*specs: tuple[str, str, ButtonVariant]) -> Horizontal:
    """A row of (id, label, variant) buttons. Labels are Content: a str label is markup."""
    return Horizontal(
        *(Button(Content(label), id=id_, variant=variant) for id_, label, variant in specs),
        classes="buttons",
    )


class TextPrompt(TextDialog[str | None]):
    """One line of text (a title, a path, a key). Enter accepts, Escape cancels.

    With `password`, what is typed or pasted is shown as dots (an API key). With `check`,
    a value it finds a problem with is not accepted: the dialog stays, saying why, so the
    text can be mended or pasted again.
    """

    DEFAULT_CSS = _CSS.format(name="TextPrompt")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(
        self,
        title: str,
        value: str = "",
        hint: str = "",
        password: bool = False,
        check: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.title_text, self.value, self.hint = title, value, hint
        self.password = password
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(visible(self.title_text)))
            # Prefilled from the store (a title may come from an import): Input draws its
            # value as is, ESC and C1 included.
            yield Input(visible(self.value), id="value", password=self.password)
            yield Static(
                Content(visible(self.hint) or "Enter accepts · Escape cancels"), classes="hint"
            )
            yield Static(classes="error", id="problem")
            yield buttons(("ok", "OK", "primary"), ("cancel", "Cancel", "default"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._accept(event.value)

    def _accept(self, value: str) -> None:
        problem = self.check(value) if self.check is not None else None
        if problem is None:
            self.dismiss(value)
            return
        self.query_one("#problem", Static).update(Content(visible(problem)))
        self.query_one("#value", Input).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self._accept(self.query_one("#value", Input).value)
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)


class EditText(ModalScreen[str | None]):
    """A multi-line editor (edit a message before resending). Ctrl+S accepts."""

    DEFAULT_CSS = _CSS.format(name="EditText") + "EditText TextArea { height: 12; }"
    BINDINGS = [
        Binding("ctrl+s", "accept", "Send", id="edit.accept", priority=True),
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
    ]

    def __init__(self, title: str, text: str, accept: str = "Send") -> None:
        super().__init__()
        self.title_text, self.text, self.accept = title, text, accept

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(visible(self.title_text)))
            yield TextArea(visible(self.text), id="text", soft_wrap=True)  # as Input above
            hint = f"Ctrl+S {self.accept.lower()}s · Escape cancels"
            yield Static(Content(hint), classes="hint")
            yield buttons(("accept", self.accept, "primary"), ("cancel", "Cancel", "default"))

    def on_mount(self) -> None:
        # The cursor after the text, as editing one's message goes on from where it ends
        # (a TextArea starts at the top); keys typed before the focus go in there too.
        area = self.query_one(TextArea)
        area.move_cursor(area.document.end)
        area.focus()

    def on_key(self, event: Key) -> None:
        """A character typed before the editor had the focus (in one burst with the key
        that opened it) goes in where typing there would put it."""
        if event.is_printable and event.character is not None:
            event.stop()
            self.query_one(TextArea).insert(event.character)

    def on_paste(self, event: Paste) -> None:
        event.stop()
        area = self.query_one(TextArea)
        if not area.has_focus:  # (a paste the editor took bubbles on from it)
            area.post_message(Paste(event.text))

    def action_accept(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "accept":
            self.action_accept()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """y confirms; n or Escape declines."""

    DEFAULT_CSS = _CSS.format(name="Confirm")
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(visible(self.question)))
            yield Static(Content("y: yes · n / Escape: no"), classes="hint")
            yield buttons(("yes", "Yes [y]", "warning"), ("no", "No [n]", "primary"))

    def on_mount(self) -> None:
        # Focus on "No": Enter alone never confirms something that cannot be undone.
        self.query_one("#no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")
