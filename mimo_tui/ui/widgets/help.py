"""The help screen (F1, or `?` in an empty input): every key binding, where it applies.

Read from the widgets' own BINDINGS and the app's keymap, so it always shows the keys the
user actually has, including those rebound in config.toml's [keys] table. Chat and app keys
follow the state as the footer does: a key not offered as things are set up (F2's demo while
a key is set, F5's retry while none is) is left out, one with nothing to do now is dimmed.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.actions import parse
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from mimo_tui.ui.keymap import keymap_of


def binding_groups() -> list[tuple[str, list[Binding]]]:
    """(where it applies, its bindings), in the order a user meets them."""
    from mimo_tui.ui.app import MimoApp
    from mimo_tui.ui.chat import ChatScreen
    from mimo_tui.ui.widgets.approval import ApprovalScreen
    from mimo_tui.ui.widgets.inspector import ToolInspector
    from mimo_tui.ui.widgets.message import UserMessage
    from mimo_tui.ui.widgets.prompt_input import PromptInput
    from mimo_tui.ui.widgets.session_list import SessionList
    from mimo_tui.ui.widgets.steppable import STEP_BINDINGS
    from mimo_tui.ui.widgets.stored_reply import StoredReply
    from mimo_tui.ui.widgets.tool_call import ToolCallLine

    def own(cls: type[DOMNode]) -> list[Binding]:
        return [b for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]

    return [
        ("Everywhere", [*own(MimoApp), PALETTE_KEY]),
        ("Chat", own(ChatScreen)),
        ("Message box", own(PromptInput) + INPUT_KEYS),
        ("A focused message", own(UserMessage) + own(StoredReply)[len(STEP_BINDINGS) :]),
        ("A focused tool call", own(ToolCallLine)),
        ("Tool-call inspector (F3)", own(ToolInspector)),
        ("Session list (F4)", own(SessionList)),
        ("Tool approval", own(ApprovalScreen)),
    ]


# Textual's own key for the command palette (App.COMMAND_PALETTE_BINDING), not rebindable.
PALETTE_KEY = Binding("ctrl+p", "command_palette", "Every action, by name")
# Keys handled in code rather than as bindings, listed so the help is complete.
INPUT_KEYS = [
    Binding("enter", "send", "Send the message", id="input.send"),
    Binding("up", "leave_up", "On the first line: step into the conversation", id="input.up"),
    Binding("question_mark", "help", "In an empty box: this help", id="input.help"),
]


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90%;
        max-width: 100;
        height: 90%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen #help-title { text-style: bold; color: $primary; padding: 0 0 1 0; }
    HelpScreen #help-foot { color: $text-muted; padding: 1 0 0 0; }
    """

    BINDINGS = [
        Binding("escape,f1,q", "close", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Keys", id="help-title", markup=False)
            with VerticalScroll():
                yield Static(self._table(), markup=False)
            yield Static(
                "Rebind a key in config.toml's [keys] table by its id (right column):\n"
                '  [keys]\n  chat.search = "ctrl+s"\nEsc closes this help.',
                id="help-foot",
                markup=False,
            )

    def rows(self) -> list[tuple[str, list[tuple[Text, Text, Text]]]]:
        """(place, its rows of key, what it does, binding id) as shown now: keys not offered
        left out, keys with nothing to do now dimmed, one key doing one thing listed once."""
        keymap = keymap_of(self.app)
        groups: list[tuple[str, list[tuple[Text, Text, Text]]]] = []
        for where, bindings in binding_groups():
            rows: list[tuple[Text, Text, Text]] = []
            seen: set[tuple[str, str]] = set()
            for binding in bindings:
                state = self._state(where, binding)
                if state is False:
                    continue
                keys = keymap.get(binding.id or "", binding.key)
                shown = ", ".join(
                    self.app.get_key_display(Binding(k.strip(), "")) for k in keys.split(",")
                )
                if (shown, binding.description) in seen:
                    continue
                seen.add((shown, binding.description))
                does = Text(binding.description)
                if state is None:
                    does = Text(f"{binding.description} (not now)", style="dim")
                rows.append((Text(shown), does, Text(binding.id or "")))
            if rows:
                groups.append((where, rows))
        return groups

    def _table(self) -> Group:
        """One table per place, under its name, with the same column widths throughout (a
        place's name as a row of the key column made that column as wide as the longest
        name, and squeezed what the keys do into a third of the width at 80 columns)."""
        groups = self.rows()
        key_width = max(r[0].cell_len for _, rows in groups for r in rows)
        id_width = max(r[2].cell_len for _, rows in groups for r in rows)
        parts: list[Text | Table] = []
        for index, (where, rows) in enumerate(groups):
            parts.append(Text(where, style="bold underline"))
            table = Table(box=None, expand=True, show_header=index == 0, header_style="bold")
            table.add_column("Key", no_wrap=True, style="bold", width=max(key_width, 3))
            table.add_column("Does", ratio=1)
            table.add_column(Text("id, for [keys]"), style="dim", no_wrap=True, width=id_width)
            for row in rows:
                table.add_row(*row)
            parts += [table, Text("")]
        return Group(*parts)

    def _state(self, where: str, binding: Binding) -> bool | None:
        """Whether the key works now (True), not now (None: nothing to cancel, a reply to
        wait for) or is not offered at all as things are set up (False: chat_keys'
        key_offered), asked of the screen or app it belongs to; widgets' keys always show."""
        from mimo_tui.ui.chat import ChatScreen
        from mimo_tui.ui.chat_keys import key_offered

        node: DOMNode | None = None
        if where == "Everywhere":
            node = self.app
        elif where == "Chat":
            node = next((s for s in self.app.screen_stack if isinstance(s, ChatScreen)), None)
        if node is None:
            return True
        _namespace, name, params = parse(binding.action)
        if isinstance(node, ChatScreen) and not key_offered(node, name):
            return False
        return True if node.check_action(name, params) else None

    def action_close(self) -> None:
        self.dismiss(None)
