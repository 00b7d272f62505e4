"""The chat screen's keys (ids are what a user keymap rebinds; see keymap_check.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType

if TYPE_CHECKING:
    from mimo_tui.ui.chat import ChatScreen

CHAT_BINDINGS: list[BindingType] = [
    Binding("escape", "cancel", "Cancel", id="chat.cancel"),
    Binding("ctrl+r", "toggle_reasoning", "Reasoning", id="chat.toggle_reasoning"),
    Binding("ctrl+n", "new_session", "New", id="chat.new", show=False),
    # Shown in the error notice that offers it, not in the footer.
    Binding("f5", "retry", "Retry", id="chat.retry", show=False),
    # The same key without an API key, when there is nothing to retry (see check_action).
    # Priority, as for every key that opens a dialog with a text box (dialogs.ask): the app
    # runs it before it passes on the next key, so what is typed or pasted straight after
    # goes into the dialog, not into the input below.
    Binding("f5", "set_key", "Paste API key", id="chat.set_key", priority=True),
    Binding("f2", "start_demo", "Offline demo", id="chat.demo"),
    Binding("f3", "toggle_inspector", "Inspect", id="chat.inspector"),
    Binding("ctrl+t", "choose_tools", "Tools", id="chat.tools", show=False),
    Binding("f4", "toggle_sessions", "Sessions", id="chat.sessions"),
    # Priority: what is typed straight after it is the query (as F5 above).
    Binding("ctrl+f", "search", "Search", id="chat.search", priority=True),
    # Priority: the input's TextArea would take Ctrl+Y as redo.
    Binding("ctrl+y", "copy_last", "Copy answer", id="chat.copy_last", show=False, priority=True),
    Binding("ctrl+g", "regenerate", "Regenerate", id="chat.regenerate", show=False),
    Binding("ctrl+o", "toggle_reasoning_all", "All reasoning", id="chat.reasoning_all", show=False),
    Binding("ctrl+b", "copy_code", "Copy code", id="chat.copy_code", show=False),
    # Priority: the editor it opens takes what is typed straight after (as Ctrl+F).
    Binding("ctrl+up", "edit_last", "Edit last", id="chat.edit_last", show=False, priority=True),
    # Priority: the input's TextArea would take F6/F7 as select line/all; F7 and F8 open
    # the settings dialog, which takes what is typed straight after (as F5 above).
    Binding("f6", "toggle_thinking", "Thinking", id="chat.thinking", show=False, priority=True),
    Binding("f7", "change_model", "Model", id="chat.model", show=False, priority=True),
    Binding("f8", "settings", "Settings", id="chat.settings", show=False, priority=True),
    Binding("f9", "external_editor", "Edit in $EDITOR", id="chat.editor", show=False),
    Binding("f10", "toggle_web_search", "Web search", id="chat.web_search", show=False),
    Binding("f12", "compact", "Compact", id="chat.compact", show=False),
    Binding("ctrl+l", "conversation_tree", "Conversation tree", id="chat.tree", show=False),
    # Priority: the input's TextArea would take Ctrl+A as "start of line".
    Binding("ctrl+a", "attach", "Attach", id="chat.attach", show=False, priority=True),
    # Home/End on a focused message; these from anywhere, the input included.
    Binding("ctrl+home", "jump(-1)", "Start of session", id="chat.start", show=False),
    Binding("ctrl+end", "jump(1)", "Newest messages", id="chat.end", show=False),
]


def key_offered(screen: ChatScreen, action: str) -> bool:
    """Whether a key is offered at all as things are set up: the demo and pasting a key
    only without an API key, retry only with one. F1's help leaves the others out."""
    if action in ("start_demo", "set_key"):
        return not screen.runtime.has_key
    if action == "retry":
        return screen.runtime.has_key
    return True


def _panel_open(screen: ChatScreen) -> bool:
    return screen.inspector.has_class("-open") or screen.sessions_panel.has_class("-open")


def escape_label(screen: ChatScreen) -> str:
    """What Escape does now, for the footer (one key, three jobs: see action_cancel)."""
    if _panel_open(screen):
        return "Close"
    return "Stop" if screen.busy else "Back"


def key_state(screen: ChatScreen, action: str) -> bool | None:
    """The screen's check_action: hidden (False), dimmed (None) or offered (True)."""
    from mimo_tui.ui.widgets.prompt_input import PromptInput

    if not key_offered(screen, action):
        return False
    if action == "retry":  # dimmed while a reply streams
        return None if screen.busy else True
    if action == "cancel":  # in the footer only when Escape would do something
        return screen.busy or not isinstance(screen.focused, PromptInput) or _panel_open(screen)
    return True
