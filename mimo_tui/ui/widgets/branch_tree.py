"""The conversation tree (Ctrl+L, or "Conversation tree" in the palette).

Edits and regenerations are branches of one session (mimo_tui.tree). This screen lists each
branch point with its alternatives, the ones on the active path marked ● and highlighted;
Enter (or "Switch to branch") makes the chosen alternative's branch the active path, and the
chat reloads it. Every label is the message's own text, through the sanitizer.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from mimo_tui.text import one_line
from mimo_tui.tree import Tree, label
from mimo_tui.ui.widgets.dialogs import buttons

HINT = "● active path · Enter switches to the highlighted branch · Escape closes"
NONE = "This conversation has no branches yet: edit a message (e) or regenerate (Ctrl+G)."


def _line(text: str, style: str) -> Content:
    """A list line of stored text: sanitised to one visible line, styled, never markup."""
    return Content.styled(one_line(text), style)


class BranchTree(ModalScreen[int | None]):
    """Pick a branch: dismissed with the first message id of the chosen alternative."""

    DEFAULT_CSS = """
    BranchTree { align: center middle; }
    BranchTree > Vertical {
        width: 90%; max-width: 110; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    BranchTree OptionList { height: auto; max-height: 24; }
    BranchTree .hint { color: $text-muted; }
    BranchTree .buttons { height: auto; margin: 1 0 0 0; }
    BranchTree Button { margin: 0 1 0 0; min-width: 10; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="tree.close")]

    def __init__(self, tree: Tree) -> None:
        super().__init__()
        self.conversation_tree = tree

    def compose(self) -> ComposeResult:
        points = self.conversation_tree.branch_points()
        options: list[Option | None] = []
        for n, point in enumerate(points, 1):
            where = "at the start" if point.parent is None else "after " + label([point.parent], 60)
            if options:
                options.append(None)  # a separator between branch points
            options.append(Option(_line(f"Branch point {n} · {where}", "bold"), disabled=True))
            for i, alt in enumerate(point.alternatives):
                active = i == point.active
                # Only the mark is coloured: the highlight's own colours keep the text
                # readable on the active path too (green on the highlight's orange was not).
                mark = Content.styled("  ● ", "bold $success") if active else Content("  ○ ")
                text = mark + _line(label(alt, 60), "bold" if active else "")
                options.append(Option(text, id=f"m{alt[0].id}"))
        with Vertical():
            yield Static(Content("Conversation tree"), classes="title")
            if points:
                yield OptionList(*options, id="branches")
            else:
                yield Static(Content(NONE), id="branches-none")
            yield Static(Content(HINT), classes="hint")
            yield buttons(("switch", "Switch to branch", "primary"), ("close", "Close", "default"))

    def on_mount(self) -> None:
        found = self.query("#branches")
        if not found:
            return
        listing = self.query_one(OptionList)
        listing.focus()
        for index in range(listing.option_count):  # start on the first alternative
            if not listing.get_option_at_index(index).disabled:
                listing.highlighted = index
                break

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option.id)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "close":
            self.action_close()
            return
        found = self.query(OptionList)
        if not found:
            self.action_close()
            return
        listing = found.first()
        index = listing.highlighted
        option = listing.get_option_at_index(index) if index is not None else None
        self._choose(option.id if option else None)

    def _choose(self, option_id: str | None) -> None:
        if option_id and option_id.startswith("m"):
            self.dismiss(int(option_id[1:]))

    def action_close(self) -> None:
        self.dismiss(None)
