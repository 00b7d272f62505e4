"""Arrow keys between messages: Up/Down on a focused message move to its neighbour."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget


class MessageStep(Message):
    """Focus the message `direction` steps away from `widget` (the screen decides which)."""

    def __init__(self, widget: Widget, direction: int) -> None:
        super().__init__()
        self.widget = widget
        self.direction = direction


STEP_BINDINGS = [
    Binding("up", "step(-1)", "Previous message", id="message.previous", show=False),
    Binding("down", "step(1)", "Next message", id="message.next", show=False),
]


class Steppable(Widget):
    """Mixed into every focusable item of the conversation (messages and tool calls).

    List it AFTER the widget base (`class X(Static, Steppable)`): Textual inherits default
    CSS along the first base only, so listed first it would hide Static's `height: auto`.
    For the same kind of reason the items list STEP_BINDINGS in their own BINDINGS: Static
    does not inherit bindings from its bases.
    """

    def action_step(self, direction: int) -> None:
        self.post_message(MessageStep(self, direction))
