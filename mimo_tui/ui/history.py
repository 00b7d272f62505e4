"""The chat screen's history actions: the session list, search, rename and delete, export and
import, the usage report, copy, edit-and-resend and regenerate.

A mixin so that chat.py stays about the conversation; every action goes through the core
(store, transcripts) and never touches SQL itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.containers import VerticalScroll
from textual.screen import Screen

from mimo_tui.model import Message, SearchHit
from mimo_tui.ui.safe import notify_safe
from mimo_tui.ui.widgets.conversation import MessageAction, replies
from mimo_tui.ui.widgets.session_list import SessionList

if TYPE_CHECKING:
    from mimo_tui.runtime import Runtime

NARROW_SESSIONS = 100


class HistoryActions(Screen):
    """The base of ChatScreen, which provides what is declared here."""

    runtime: Runtime
    session_id: str
    sessions_panel: SessionList

    if TYPE_CHECKING:

        @property
        def busy(self) -> bool: ...

        @property
        def conversation(self) -> VerticalScroll: ...

        async def load_session(self, session_id: str) -> None: ...
        async def show_around(self, message_id: int) -> Any: ...
        async def action_new_session(self) -> None: ...
        def run_turn(self, text: str | None) -> Any: ...
        def focus_input(self) -> None: ...
        def _update_topbar(self) -> None: ...
        async def _panel(self, panel: SessionList) -> None: ...

    # ---- the session list ------------------------------------------------------------------

    async def action_toggle_sessions(self) -> None:
        await self._show_sessions(not self.sessions_panel.has_class("-open"))

    async def _show_sessions(self, show: bool) -> None:
        self.refresh_bindings()
        panel = self.sessions_panel
        if show:
            await self._panel(panel)
        panel.set_class(show, "-open")
        full = show and self.size.width < NARROW_SESSIONS
        panel.set_class(full, "-full")
        self.query_one("#main").set_class(full, "-sessions-full")
        if show:
            panel.options.highlighted = None  # opening the list highlights the open session
            self.refresh_sessions()
            panel.options.focus()
        else:
            self.focus_input()

    def refresh_sessions(self) -> None:
        panel = self.sessions_panel
        if panel.has_class("-open"):
            panel.show(self.runtime.store.list_sessions(limit=500), self.session_id)

    @on(SessionList.Chosen)
    async def _session_chosen(self, event: SessionList.Chosen) -> None:
        store = self.runtime.store
        if event.action in ("open", "new") and self.busy:
            self.notify("Stop the reply first (Escape).", markup=False)
            return
        if event.action == "open" and event.session_id:
            await self.open_session(event.session_id)
            await self._show_sessions(False)
        elif event.action == "new":
            await self.action_new_session()
            await self._show_sessions(False)
        elif event.action == "rename" and event.session_id:
            self._rename(event.session_id)
        elif event.action == "delete" and event.session_id:
            session = store.get_session(event.session_id)
            self._delete(session.id, session.title or "New chat", session.message_count)

    @work(group="dialog")
    async def _rename(self, session_id: str) -> None:
        from mimo_tui.ui.widgets.dialogs import TextPrompt

        store = self.runtime.store
        title = await self.app.push_screen_wait(
            TextPrompt("Rename session", store.get_session(session_id).title)
        )
        if title and title.strip():
            store.rename_session(session_id, title)
            self.refresh_sessions()
            self._update_topbar()

    @work(group="dialog")
    async def _delete(self, session_id: str, title: str, count: int) -> None:
        from mimo_tui.ui.widgets.dialogs import Confirm

        if not await self.app.push_screen_wait(
            Confirm(f"Delete '{title}' ({count} messages)? This cannot be undone.")
        ):
            return
        self.runtime.store.delete_session(session_id)
        if session_id == self.session_id:
            await self.load_session(self.runtime.new_session().id)
        self.refresh_sessions()
        self.notify("Session deleted.", markup=False, timeout=2)

    async def open_session(self, session_id: str, at_message: int | None = None) -> None:
        """Open a session (with its own settings) and optionally focus one message."""
        self.runtime.apply_session_settings(self.runtime.store.get_session(session_id))
        await self.load_session(session_id)
        if at_message is not None:  # mounted with the page around it, however old it is
            widget = await self.show_around(at_message)
            if widget is not None:
                self.conversation.release_anchor()
                widget.scroll_visible(top=True, animate=False)
                widget.focus()

    # ---- search ----------------------------------------------------------------------------

    @work(group="dialog")
    async def action_search(self) -> None:
        from mimo_tui.ui.widgets.search import SearchScreen

        hit: SearchHit | None = await self.app.push_screen_wait(
            SearchScreen(lambda q: self.runtime.store.search(q, limit=100))
        )
        if hit is None:
            return
        if self.busy and hit.session_id != self.session_id:
            self.notify("Stop the reply first (Escape).", markup=False)
            return
        target = hit.message_id
        store = self.runtime.store
        found = store.message(hit.message_id)
        if found is not None and found.role == "tool":  # show the reply that made the call
            earlier = [
                m
                for m in store.messages(hit.session_id)
                if m.role == "assistant" and (m.id or 0) < hit.message_id
            ]
            if earlier and earlier[-1].id is not None:
                target = earlier[-1].id
        await self.open_session(hit.session_id, at_message=target)

    # ---- export / import / usage -------------------------------------------------------------

    @work(group="dialog")
    async def export_session(self, fmt: str) -> None:
        from mimo_tui.transcripts import write_export
        from mimo_tui.ui.widgets.dialogs import TextPrompt

        default = str(Path.cwd() / f"mimo-{self.session_id}.{fmt}")
        path = await self.app.push_screen_wait(
            TextPrompt(
                f"Export this session as {fmt.upper()} to",
                default,
                "Written atomically, owner-only (0600), never with the API key",
            )
        )
        if not path:
            return
        store = self.runtime.store
        session = store.get_session(self.session_id)
        try:  # Markdown also writes the attachments beside the file
            write_export(store, session, fmt, Path(path), self.runtime.settings.api_key)
        except OSError as exc:
            notify_safe(self, f"Could not write {path}: {exc.strerror or exc}", severity="error")
            return
        notify_safe(self, f"Exported to {path}")

    @work(group="dialog")
    async def action_import(self) -> None:
        from mimo_tui.transcripts import TranscriptError, import_transcript
        from mimo_tui.ui.widgets.dialogs import TextPrompt

        path = await self.app.push_screen_wait(
            TextPrompt(
                "Import a JSON transcript (ours, or an OpenAI messages array)",
                "",
                "A path; Enter imports it as a new session",
            )
        )
        if not path:
            return
        try:
            text = Path(path).expanduser().read_text(encoding="utf-8")
            session = import_transcript(self.runtime.store, text, path)
        except (OSError, UnicodeDecodeError) as exc:
            notify_safe(self, f"Cannot read {path}: {exc}", severity="error")
            return
        except TranscriptError as exc:
            notify_safe(self, exc, title="Not imported", severity="error", timeout=10)
            return
        await self.open_session(session.id)
        notify_safe(self, f"Imported as session {session.id}.")

    def action_usage(self) -> None:
        from mimo_tui.ui.widgets.usage import UsageScreen

        rows = self.runtime.store.usage_report()
        self.app.push_screen(UsageScreen(rows, self.runtime.settings.catalogue))

    # ---- message actions -------------------------------------------------------------------

    @on(MessageAction)
    async def _message_action(self, event: MessageAction) -> None:
        msg = event.message
        if event.action == "copy":
            self.copy_text(msg.content)
        elif event.action == "edit":
            self._edit_and_resend(msg)
        elif event.action == "regenerate":
            await self.action_regenerate()

    def copy_text(self, text: str) -> None:
        """Copy to the system clipboard (OSC 52, or a clipboard program: ui/clipboard.py)."""
        from mimo_tui.ui.clipboard import copy_and_notify

        copy_and_notify(self.app, text)

    def action_copy_last(self) -> None:
        answers = [w.message.content for w in replies(self) if w.message and w.message.content]
        if answers:
            self.copy_text(answers[-1])

    @work(group="dialog")
    async def _edit_and_resend(self, msg: Message) -> None:
        from mimo_tui.ui.widgets.dialogs import EditText

        if self.busy or msg.id is None:
            return
        text = await self.app.push_screen_wait(
            EditText(
                "Edit and resend (the original session is kept; this forks a new one)", msg.content
            )
        )
        if not text or not text.strip():
            return
        store = self.runtime.store
        title = store.get_session(self.session_id).title or "New chat"
        fork = store.fork_session(self.session_id, msg.id, f"{title} (edit)")
        await self.open_session(fork.id)
        self.run_turn(text)

    async def action_regenerate(self) -> None:
        """Ask again for the last turn's reply; the old one is kept (superseded), not replayed."""
        if self.busy:
            return
        users = [m for m in self.runtime.store.messages(self.session_id) if m.role == "user"]
        if not users or users[-1].id is None:
            self.notify("Nothing to regenerate yet.", markup=False, timeout=2)
            return
        self.runtime.store.supersede_after(self.session_id, users[-1].id)
        await self.load_session(self.session_id)
        self.run_turn(None)
