"""The chat's entries in the command palette (Ctrl+P): every chat action by name, with
the key that does the same, so an action is found without knowing its key."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mimo_tui.ui.compare import palette_commands

if TYPE_CHECKING:
    from mimo_tui.ui.chat import ChatScreen

Command = tuple[str, str, Callable[[], object]]  # (title, what it does, the action)


def chat_commands(chat: ChatScreen, show_help: Callable[[], object]) -> list[Command]:
    """The palette's commands for `chat`, comparing and the conversation tree last."""
    commands: list[Command] = [
        ("New session", "Start a new chat", chat.action_new_session),
        ("Sessions", "Show the session list (F4)", chat.action_toggle_sessions),
        ("Search sessions", "Full-text search over every session (Ctrl+F)", chat.action_search),
        (
            "Export session as Markdown",
            "Reasoning as <details>, tool calls, usage",
            lambda: chat.export_session("md"),
        ),
        (
            "Export session as JSON",
            "Lossless, with an OpenAI messages array",
            lambda: chat.export_session("json"),
        ),
        (
            "Export session as HTML",
            "A self-contained page",
            lambda: chat.export_session("html"),
        ),
        ("Import transcript", "A JSON export or an OpenAI messages array", chat.action_import),
        (
            "Attach a file",
            "An image, audio or video file for the next message (Ctrl+A)",
            chat.action_attach,
        ),
        ("Usage report", "Requests and tokens by day and model", chat.action_usage),
        (
            "Toggle reasoning",
            "Fold or unfold the last reply's reasoning (Ctrl+R)",
            chat.action_toggle_reasoning,
        ),
        ("Toggle inspector", "The tool-call inspector (F3)", chat.action_toggle_inspector),
        ("Choose tools", "Which tools this session offers (Ctrl+T)", chat.action_choose_tools),
        ("Copy last answer", "To the clipboard (Ctrl+Y)", chat.action_copy_last),
        ("Regenerate", "Ask again for the last reply (Ctrl+G)", chat.action_regenerate),
        (
            "Compact this session",
            "Send a summary of the older turns instead of all of them (kept, undoable)",
            chat.action_compact,
        ),
        ("Undo compaction", "Send every message of this session again", chat.action_uncompact),
        (
            "Toggle all reasoning",
            "Open or fold every reasoning panel on screen (Ctrl+O)",
            chat.action_toggle_reasoning_all,
        ),
        (
            "Copy code block",
            "The last code block of the newest answer (Ctrl+B)",
            chat.action_copy_code,
        ),
        (
            "Edit last message",
            "Edit and resend as a new branch (Ctrl+Up)",
            chat.action_edit_last,
        ),
        (
            "Edit in $EDITOR",
            "The message box in $VISUAL/$EDITOR, or a larger editor here (F9)",
            chat.action_external_editor,
        ),
        (
            "Change model",
            "Pick from the API's list or type a name (F7)",
            chat.action_change_model,
        ),
        (
            "Toggle thinking",
            "Reasoning on or off for this session (F6)",
            chat.action_toggle_thinking,
        ),
        (
            "Toggle web search",
            "MiMo's Web Search plugin on or off for this session, billed per search (F10)",
            chat.action_toggle_web_search,
        ),
        (
            "Settings",
            "Model, sampling, prompt, reasoning panel, theme (F8)",
            chat.action_settings,
        ),
        (
            "Set API key",
            "Paste a key (a rejected one too); stored owner-only, as `mimo-tui key set` does",
            chat.action_set_key,
        ),
        ("Help", "Every key binding (F1)", show_help),
    ]
    return commands + palette_commands(chat)
