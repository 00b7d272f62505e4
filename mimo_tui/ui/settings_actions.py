"""The chat screen's settings keys: tools, thinking, the settings dialog, pasting a key.

A collaborator of ChatScreen (not a base class); the screen binds the keys and delegates.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from mimo_tui.key_file import key_problem
from mimo_tui.ui.safe import notify_safe
from mimo_tui.web_search import switch_notice

if TYPE_CHECKING:
    from mimo_tui.ui.chat import ChatScreen


class SettingsActions:
    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen

    async def choose_tools(self) -> None:
        from mimo_tui.ui.widgets.tools_picker import ToolsScreen

        toolbox = self.screen.runtime.toolbox

        def chosen(names: list[str] | None) -> None:
            if names is None:
                return
            kept = self.screen.runtime.select_tools(self.screen.session_id, names)
            self.screen.status.tools = len(kept)
            self.screen.status.show_idle()
            offered = ", ".join(kept) or "none"
            self.screen.notify(f"Tools offered in this session: {offered}", markup=False, timeout=3)

        toolbox.refresh_mcp()  # the tools of the MCP servers that are ready by now
        self.screen.app.push_screen(ToolsScreen(toolbox.choices(), toolbox.selected), chosen)

    def toggle_thinking(self) -> None:
        self.apply_settings({"thinking": not self.screen.runtime.settings.thinking}, save=False)
        state = "on" if self.screen.runtime.settings.thinking else "off"
        self.screen.notify(f"Thinking {state} for this session.", markup=False, timeout=2)

    def toggle_web_search(self) -> None:
        self.apply_settings({"web_search": not self.screen.runtime.settings.web_search}, save=False)
        notice = switch_notice(self.screen.runtime.settings.web_search)
        self.screen.notify(notice, markup=False, timeout=3)
        self.screen._update_topbar()

    def settings(self, focus: str = "model") -> None:
        from mimo_tui.ui.widgets.settings import SettingsScreen

        def done(changes: dict[str, Any] | None) -> None:
            if changes:
                self.apply_settings(changes)
                where = "this demo run" if self.screen.runtime.settings.demo else "config.toml"
                self.screen.notify(f"Settings saved to {where}.", markup=False, timeout=2)

        themes = sorted(self.screen.app.available_themes)
        self.screen.app.push_screen(
            SettingsScreen(
                self.screen.runtime.settings,
                themes,
                focus,
                self.screen.runtime.list_models,
                theme_in_use=self.screen.app.theme,
            ),
            done,
        )

    def apply_settings(self, changes: dict[str, Any], save: bool = True) -> None:
        """Apply settings through the core (Runtime.apply_settings), then show them."""
        runtime = self.screen.runtime
        problem = runtime.apply_settings(self.screen.session_id, changes, save)
        if problem:
            notify_safe(self.screen, problem, severity="error")
        theme = changes.get("theme")
        if theme and theme != self.screen.app.theme:
            self.screen.app.theme = theme
        self.screen.status.model = runtime.settings.model
        self.screen.status.thinking = runtime.settings.thinking
        self.screen.status.show_idle()

    def set_key(self) -> None:
        """Paste an API key (shown as dots); it is stored like `mimo-tui key set` stores it.
        The dialog is pushed at once: a key pasted straight after F5 goes into it, never
        into the chat's input, from where Enter would send it as a message."""
        from mimo_tui.ui.widgets.dialogs import TextPrompt, ask

        key_file = self.screen.runtime.paths.key_file
        answer = ask(
            self.screen.app,
            TextPrompt(
                "Paste your MiMo API key",
                hint=f"Stored owner-only (0600) in {key_file} · Enter saves · Escape cancels",
                password=True,
                check=_key_problem,
            ),
        )
        self.screen.run_worker(self._store_key(answer), group="dialog")

    async def _store_key(self, answer: Awaitable[str | None]) -> None:
        key = ((await answer) or "").strip()
        if not key:
            return
        try:
            await self.screen.mimo.use_key(self.screen, key)
        except OSError as exc:
            self.screen.notify(f"Not stored: {exc.strerror or exc}", severity="error", markup=False)
            return
        self.screen.notify("Key stored; messages can be sent now.", markup=False, timeout=3)


def _key_problem(text: str) -> str | None:
    """Why a pasted key cannot be one (key_file's check, as `mimo-tui key set` and the
    key file's reader use), said so the dialog stays open to paste it again."""
    problem = key_problem(text.strip())
    if problem is None:
        return None
    return (
        "A key has no spaces, line breaks, controls or non-ASCII characters; this one "
        f"{problem}. Paste it again (only the key)."
    )
