"""The chat screen's side panels: mounted the first time they are shown, beside the
conversation on a wide screen and in its place on a narrow one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mimo_tui.ui.widgets.inspector import ToolInspector
from mimo_tui.ui.widgets.prompt_input import PromptInput
from mimo_tui.ui.widgets.session_list import SessionList

if TYPE_CHECKING:
    from mimo_tui.ui.chat import ChatScreen

NARROW = 110  # below this width the inspector takes the whole screen instead of a side panel


class Panels:
    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen

    async def mount(self, panel: SessionList | ToolInspector) -> None:
        """Mount a side panel the first time it is shown: sessions left of the conversation,
        the inspector right of it."""
        if panel.is_attached:
            return
        main = self.screen.query_one("#main")
        if isinstance(panel, SessionList):
            await main.mount(panel, before=self.screen.conversation)
        else:
            await main.mount(panel, after=self.screen.conversation)

    async def show_inspector(self, show: bool) -> None:
        self.screen.refresh_bindings()
        inspector = self.screen.inspector
        if show:
            await self.mount(inspector)
        inspector.set_class(show, "-open")
        full = show and self.screen.size.width < NARROW
        inspector.set_class(full, "-full")
        self.screen.query_one("#main").set_class(full, "-inspector-full")
        if show:
            inspector.table.focus()
        else:
            self.screen.query_one(PromptInput).focus()

    async def close_one(self) -> bool:
        """Escape's first steps: close the session list, else the inspector (side panel or
        full screen, streaming or not); False if neither is open."""
        screen = self.screen
        if screen.sessions_panel.has_class("-open"):
            await screen.sessions._show_sessions(False)
            return True
        if screen.inspector.has_class("-open"):
            await self.show_inspector(False)
            return True
        return False

    async def fit(self) -> None:
        """After a resize: the open panels placed again (beside or instead of the column)."""
        if self.screen.inspector.has_class("-open"):
            await self.show_inspector(True)
        if self.screen.sessions_panel.has_class("-open"):
            await self.screen.sessions._show_sessions(True)

    async def open_call(self, key: str, call_id: str) -> None:
        """A tool call chosen in the conversation: the inspector open on it."""
        await self.show_inspector(True)
        self.screen.inspector.select(key, call_id)
