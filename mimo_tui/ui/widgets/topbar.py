"""The line above the conversation: the session's title, its id and the mode it runs in.

A widget of its own so that the screen only says what changed (a title, a setting) and
never formats the line; the title is the user's (or an import's) text, made visible here.
"""

from __future__ import annotations

from textual.widgets import Static

from mimo_tui.config import Settings
from mimo_tui.text import visible


class TopBar(Static):
    """`mimo-tui · <title> · <session id>`, then `[offline demo]`, `web search on`."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)

    def show(self, title: str, session_id: str, settings: Settings) -> None:
        badge = "  [offline demo]" if settings.demo else ""
        badge += " · web search on" if settings.web_search else ""
        self.update(f"mimo-tui · {visible(title or 'New chat')} · {session_id}{badge}")
