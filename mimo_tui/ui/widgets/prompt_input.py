"""The message box: Enter sends, Ctrl+J inserts a newline (it works in every terminal), Up on
the first line steps into the conversation, `?` in an empty box shows the key bindings."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class PromptInput(TextArea):
    """A multi-line input whose Enter submits instead of inserting a newline."""

    DEFAULT_CSS = """
    PromptInput {
        height: auto;
        min-height: 3;
        max-height: 12;
        border: round $primary 60%;
        padding: 0 1;
    }
    PromptInput:focus {
        border: round $primary;
    }
    """

    BINDINGS = [
        Binding("ctrl+j", "newline", "Newline", id="input.newline"),
    ]

    class Submitted(Message):
        """The user pressed Enter on a non-empty message."""

        def __init__(self, prompt_input: PromptInput, text: str) -> None:
            super().__init__()
            self.prompt_input = prompt_input
            self.text = text

        @property
        def control(self) -> PromptInput:
            return self.prompt_input

    class LeaveUp(Message):
        """Up on the first line: the user wants the conversation (the newest message)."""

    class HelpWanted(Message):
        """`?` typed into an empty input: show the key bindings instead."""

    class PathsPasted(Message):
        """A paste that is only existing file paths (a file dropped on the terminal)."""

        def __init__(self, paths: list[str]) -> None:
            super().__init__()
            self.paths = paths

    class PathWanted(Message):
        """Tab on an `@word`: complete it to a file (the screen opens the picker)."""

        def __init__(self, prompt_input: PromptInput, fragment: str) -> None:
            super().__init__()
            self.prompt_input = prompt_input
            self.fragment = fragment

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text
            if text.strip():
                self.post_message(self.Submitted(self, text))
            return
        if event.key == "up" and self.cursor_location[0] == 0 and not self.selected_text:
            event.stop()
            event.prevent_default()
            self.post_message(self.LeaveUp())
            return
        if event.key == "tab" and (word := self._at_word()) is not None:
            event.stop()
            event.prevent_default()
            self.post_message(self.PathWanted(self, word))
            return
        if event.character == "?" and not self.text:
            event.stop()
            event.prevent_default()
            self.post_message(self.HelpWanted())
            return
        await super()._on_key(event)

    def _at_word(self) -> str | None:
        """The `@fragment` just before the cursor (without the @), or None."""
        row, col = self.cursor_location
        before = self.document.get_line(row)[:col]
        word = before.rsplit(" ", 1)[-1]
        return word[1:] if word.startswith("@") else None

    def drop_at_word(self, fragment: str) -> None:
        """Remove the `@fragment` before the cursor (it became an attachment chip)."""
        row, col = self.cursor_location
        width = len(fragment) + 1
        if self.document.get_line(row)[max(0, col - width) : col] == "@" + fragment:
            self.delete((row, col - width), (row, col))

    async def _on_paste(self, event: events.Paste) -> None:
        from mimo_tui.ui.pasted import pasted_paths

        paths = pasted_paths(event.text)
        if paths:
            event.stop()
            event.prevent_default()
            self.post_message(self.PathsPasted(paths))
        # Otherwise TextArea's own _on_paste inserts it: Textual calls each class's handler
        # along the MRO until one prevents the default.

    def action_newline(self) -> None:
        start, end = self.selection
        self._replace_via_keyboard("\n", start, end)
