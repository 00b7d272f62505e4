"""The session list: a sidebar (full screen when narrow) to open, create, rename, delete."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mimo_tui.model import Session
from mimo_tui.text import one_line, visible
from mimo_tui.ui.widgets.status import human_tokens


def _when(ts: float) -> str:
    moment = datetime.fromtimestamp(ts)
    return moment.strftime("%H:%M" if moment.date() == datetime.now().date() else "%Y-%m-%d")


def session_label(session: Session, current: bool) -> Content:
    mark = "● " if current else "  "
    title = visible(session.title or "New chat")
    if len(title) > 60:
        title = title[:59] + "…"
    meta = (
        f"  {one_line(session.model)} · {session.message_count} msgs · "
        f"{human_tokens(session.usage.total_tokens)} tok · {_when(session.updated_at)}"
    )
    return Content.assemble((mark + title, "bold" if current else ""), "\n", (meta, "dim"))


class SessionList(Vertical):
    DEFAULT_CSS = """
    SessionList {
        display: none;
        width: 48;
        border-right: vkey $tool-border;
    }
    SessionList.-open { display: block; }
    SessionList.-full { width: 1fr; border-right: none; }
    SessionList #sessions-title { padding: 0 1; color: $text; text-style: bold; }
    SessionList OptionList { height: 1fr; border: none; }
    """

    BINDINGS = [
        Binding("n", "new", "New", id="sessions.new"),
        Binding("r", "rename", "Rename", id="sessions.rename"),
        Binding("d,delete", "delete", "Delete", id="sessions.delete"),
    ]

    class Chosen(Message):
        """The user asked for a session: open, new (session_id None), rename or delete."""

        def __init__(self, action: str, session_id: str | None) -> None:
            super().__init__()
            self.action = action
            self.session_id = session_id

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[Session] = []

    def compose(self) -> ComposeResult:
        yield Static(Content("Sessions · Enter open · n r d"), id="sessions-title")
        yield OptionList(id="session-options")

    @property
    def options(self) -> OptionList:
        return self.query_one("#session-options", OptionList)

    def show(self, sessions: list[Session], current: str) -> None:
        """Refill the list; the highlight stays on the same session (else the open one)."""
        keep = self._highlighted()
        self.sessions = sessions
        options = self.options
        options.clear_options()
        options.add_options(Option(session_label(s, s.id == current), id=s.id) for s in sessions)
        ids = [s.id for s in sessions]
        target = keep if keep in ids else current
        if target in ids:
            options.highlighted = ids.index(target)

    def _highlighted(self) -> str | None:
        index = self.options.highlighted
        if index is None or index >= len(self.sessions):
            return None
        return self.sessions[index].id

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Chosen("open", event.option.id))

    def action_new(self) -> None:
        self.post_message(self.Chosen("new", None))

    def action_rename(self) -> None:
        if (sid := self._highlighted()) is not None:
            self.post_message(self.Chosen("rename", sid))

    def action_delete(self) -> None:
        if (sid := self._highlighted()) is not None:
            self.post_message(self.Chosen("delete", sid))
