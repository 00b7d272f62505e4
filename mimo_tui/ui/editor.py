"""Edit the message box in `$VISUAL`/`$EDITOR` (F9, or *Edit in $EDITOR* in the palette).

The app is suspended while the editor has the terminal (`App.suspend()`), and the edited
text is put back into the box, not sent. Where the app cannot give the terminal away (the
browser page of `mimo-tui serve`, or tests' headless driver) or no editor is set, a larger
in-app editor opens instead, with the same round trip.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from mimo_tui.external_editor import EditorError, edit_text, editor_argv
from mimo_tui.text import visible


class PromptEditor(ModalScreen[str | None]):
    """The in-app editor: most of the screen for the message. Ctrl+S keeps, Escape drops."""

    DEFAULT_CSS = """
    PromptEditor { align: center middle; }
    PromptEditor > Vertical {
        width: 90%;
        height: 85%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    PromptEditor TextArea { height: 1fr; }
    PromptEditor .hint { color: $text-muted; }
    PromptEditor Horizontal { height: auto; align-horizontal: right; }
    PromptEditor Button { margin-left: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "done", "Done", id="editor.done", priority=True),
        Binding("escape", "cancel", "Cancel", id="editor.cancel"),
    ]

    def __init__(self, text: str, note: str = "") -> None:
        super().__init__()
        self.text, self.note = text, note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Edit the message"))
            if self.note:
                yield Static(Content(visible(self.note)), classes="hint")
            yield TextArea(self.text, id="editor-text", soft_wrap=True)
            yield Static(
                Content("Ctrl+S puts it back in the message box · Escape cancels"),
                classes="hint",
            )
            with Horizontal():
                yield Button("Done", id="editor-done", variant="primary")
                yield Button("Cancel", id="editor-cancel")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_done(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "editor-done":
            self.action_done()
        else:
            self.action_cancel()


def _put_back(box: TextArea, text: str) -> None:
    box.text = text
    box.move_cursor(box.document.end)
    box.focus()


def edit_message_box(box: TextArea) -> None:
    """Edit `box`'s text in the user's editor, or in the in-app editor, and put it back."""
    from textual.app import SuspendNotSupported

    app = box.app
    note = ""
    try:
        argv = editor_argv()
    except EditorError as exc:
        argv, note = None, str(exc)
    if argv is not None and not app.is_web:
        failed: EditorError | None = None
        try:
            with app.suspend():
                try:  # caught in here: App.suspend() gives the terminal back to the app
                    edited = edit_text(box.text, argv)  # only when its block ends normally
                except EditorError as exc:
                    failed = exc
        except SuspendNotSupported:
            note = "This terminal cannot be handed to an editor here; editing in the app."
        else:
            if failed is not None:
                app.notify(
                    visible(f"{failed}; the message is unchanged."),
                    severity="warning",
                    markup=False,
                )
            else:
                _put_back(box, edited)
            return
    elif app.is_web:
        note = "In the browser, messages are edited here."
    elif argv is None and not note:
        note = "Set $VISUAL or $EDITOR to edit in your own editor."

    def done(text: str | None) -> None:
        if text is not None:
            _put_back(box, text.rstrip("\n"))

    app.push_screen(PromptEditor(box.text, note), done)
