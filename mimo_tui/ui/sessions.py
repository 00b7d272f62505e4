"""The chat screen's session actions: the session list, search, rename and delete, export and
import, the usage report, copy, edit-and-resend and regenerate.

A collaborator of ChatScreen (not a base class), so chat.py stays about wiring; every action
goes through the core (store, transcripts) and never touches SQL itself.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mimo_tui.model import Message, SearchHit
from mimo_tui.transcript_import import import_transcript
from mimo_tui.transcripts import TranscriptError, write_export
from mimo_tui.ui.safe import notify_safe
from mimo_tui.ui.widgets import conversation_items as items
from mimo_tui.ui.widgets.conversation import MessageAction, replies
from mimo_tui.ui.widgets.session_list import SessionList

if TYPE_CHECKING:
    from mimo_tui.runtime import Runtime
    from mimo_tui.ui.app import MimoApp
    from mimo_tui.ui.chat import ChatScreen

NARROW_SESSIONS = 100
STOP_FIRST = "Stop the reply first (Escape)."


class SessionActions:
    """What the chat screen's session keys do; the screen binds the keys and delegates.

    Dialogs run as the screen's workers (group "dialog"): `push_screen_wait` needs one.
    """

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen

    @property
    def app(self) -> MimoApp:
        return self.screen.mimo

    @property
    def runtime(self) -> Runtime:
        return self.screen.runtime

    @property
    def session_id(self) -> str:
        return self.screen.session_id

    @property
    def sessions_panel(self) -> SessionList:
        return self.screen.sessions_panel

    def notify(self, text: str, **kwargs: Any) -> None:
        self.screen.notify(text, **kwargs)

    # ---- the session list ------------------------------------------------------------------

    async def action_toggle_sessions(self) -> None:
        await self._show_sessions(not self.sessions_panel.has_class("-open"))

    async def _show_sessions(self, show: bool) -> None:
        self.screen.refresh_bindings()
        panel = self.sessions_panel
        if show:
            await self.screen.panels.mount(panel)
        panel.set_class(show, "-open")
        full = show and self.screen.size.width < NARROW_SESSIONS
        panel.set_class(full, "-full")
        self.screen.query_one("#main").set_class(full, "-sessions-full")
        if show:
            panel.options.highlighted = None  # opening the list highlights the open session
            self.refresh_sessions()
            panel.options.focus()
        else:
            self.screen.focus_input()

    def refresh_sessions(self) -> None:
        panel = self.sessions_panel
        if panel.has_class("-open"):
            panel.show(self.runtime.store.list_sessions(limit=500), self.session_id)

    def deletable(self, session_id: str) -> str | None:
        """Why a session cannot be deleted now (asked by the list before its question): a
        streaming reply writes into the open session, so it waits until the reply stops."""
        if session_id == self.session_id and self.screen.busy:
            return STOP_FIRST
        return None

    async def session_chosen(self, event: SessionList.Chosen) -> None:
        """What the list decided (its dialogs have asked already). Leaving the open session
        waits until a reply streaming into it is stopped; another session may go."""
        leaves = event.action in ("open", "new")
        deletes_open = event.action == "delete" and event.session_id == self.session_id
        if (leaves or deletes_open) and self.screen.busy:
            self.notify(STOP_FIRST, markup=False)
            return
        if event.action == "open" and event.session_id:
            await self.open_session(event.session_id)
            await self._show_sessions(False)
        elif event.action == "new":
            await self.screen.action_new_session()
            await self._show_sessions(False)
        elif event.action == "rename" and event.session_id:
            self.runtime.store.rename_session(event.session_id, event.title)
            self.refresh_sessions()
            self.screen._update_topbar()
        elif event.action == "delete" and event.session_id:
            await self._delete(event.session_id)

    async def _delete(self, session_id: str) -> None:
        shown = self.runtime.delete_session(session_id, open_id=self.session_id)
        if shown is not None and shown != self.session_id:
            await self.screen.load_session(shown)
        self.refresh_sessions()
        self.notify("Session deleted.", markup=False, timeout=2)

    async def open_session(self, session_id: str, at_message: int | None = None) -> None:
        """Open a session (with its own settings) and optionally focus one message."""
        self.runtime.apply_session_settings(self.runtime.store.get_session(session_id))
        await self.screen.load_session(session_id)
        if at_message is not None:  # mounted with the page around it, however old it is
            widget = await self.screen.conversation.show_around(at_message)
            if widget is not None:
                self.screen.conversation.release_anchor()
                widget.scroll_visible(top=True, animate=False)
                widget.focus()

    async def reopen(self, session_id: str) -> None:
        """A recent session chosen in the welcome view, unless a reply is streaming."""
        if self.screen.busy:
            self.notify(STOP_FIRST, markup=False)
            return
        await self.open_session(session_id)
        self.screen.focus_input()

    async def new_session(self) -> None:
        """Ctrl+N: a new, empty session (not while a reply streams)."""
        if not self.screen.busy:
            await self.screen.load_session(self.runtime.new_session().id)

    # ---- search ----------------------------------------------------------------------------

    def action_search(self) -> None:
        """Ctrl+F: the search dialog, pushed at once (what is typed next is the query)."""
        from mimo_tui.ui.widgets.dialogs import ask
        from mimo_tui.ui.widgets.search import SearchScreen

        search = SearchScreen(
            lambda q: self.runtime.store.search(q, limit=100),
            now=lambda: self.runtime.clock().timestamp(),
        )
        answer = ask(self.app, search)
        self.screen.run_worker(self._open_hit(answer), group="dialog")

    async def _open_hit(self, answer: Awaitable[SearchHit | None]) -> None:
        hit = await answer
        if hit is None:
            return
        if self.screen.busy:  # opening the hit re-reads the column, reply in flight included
            self.notify(STOP_FIRST, markup=False)
            return
        target = hit.message_id
        store = self.runtime.store
        found = store.message(hit.message_id)
        if found is not None and not found.on_path:  # on another branch: make it the path
            store.switch_branch(hit.session_id, hit.message_id)
            self.notify("Switched to the branch with that message.", markup=False, timeout=3)
        if found is not None and found.role == "tool":  # show the reply that made the call
            target = store.last_id(hit.session_id, "assistant", before=hit.message_id) or target
        await self.open_session(hit.session_id, at_message=target)

    # ---- export / import / usage -------------------------------------------------------------

    async def export_session(self, fmt: str) -> None:
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
            written = write_export(store, session, fmt, Path(path), self.runtime.settings.api_key)
        except OSError as exc:
            notify_safe(
                self.screen, f"Could not write {path}: {exc.strerror or exc}", severity="error"
            )
            return
        left_out = written.attachments_left_out  # a device or a pipe: no folder beside it
        note = f" ({left_out} attachment file(s) not written beside it)" if left_out else ""
        if written.attachments_skipped:  # a link or another user's folder where copies go
            from mimo_tui.transcript_media import skipped_lines

            lines = "\n".join(skipped_lines(written.attachments_skipped))
            notify_safe(self.screen, f"Exported to {path}\n{lines}", severity="warning")
            return
        notify_safe(self.screen, f"Exported to {path}{note}")

    async def action_import(self) -> None:
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
            session, notes = import_transcript(self.runtime.store, text, path)
        except (OSError, UnicodeDecodeError) as exc:
            notify_safe(self.screen, f"Cannot read {path}: {exc}", severity="error")
            return
        except TranscriptError as exc:
            notify_safe(self.screen, exc, title="Not imported", severity="error", timeout=10)
            return
        await self.open_session(session.id)
        said = " ".join([f"Imported as session {session.id}.", *notes])
        notify_safe(self.screen, said, timeout=10 if notes else 5)

    def action_usage(self) -> None:
        from mimo_tui.ui.widgets.usage import UsageScreen

        rows = self.runtime.store.usage_report()
        self.app.push_screen(UsageScreen(rows, self.runtime.settings.catalogue))

    # ---- message actions -------------------------------------------------------------------

    async def message_action(self, event: MessageAction) -> None:
        msg = event.message
        if event.action == "copy":
            self.copy_text(msg.content)
        elif event.action == "regenerate":
            await self.action_regenerate()

    def copy_text(self, text: str) -> None:
        """Copy to the system clipboard (OSC 52, or a clipboard program: ui/clipboard.py)."""
        from mimo_tui.ui.clipboard import copy_and_notify

        copy_and_notify(self.app, text)

    def copy_code(self) -> None:
        """Copy the last code block of the newest answer that has one."""
        block = items.last_code_block(self.screen.conversation)
        if block is None:
            self.notify("No code block to copy.", markup=False, timeout=2)
            return
        from mimo_tui.ui.clipboard import copy_and_notify
        from mimo_tui.ui.widgets.code_copy import copied_what

        copy_and_notify(self.app, block.code, copied_what(block))

    def edit_last(self) -> None:
        """Edit and resend the last message the user sent (a new branch, like `e` on it)."""
        message = items.last_user_message(self.screen.conversation)
        if message is None:
            self.notify("No message to edit yet.", markup=False, timeout=2)
            return
        self.edit(message)

    def action_copy_last(self) -> None:
        answers = [
            w.message.content for w in replies(self.screen) if w.message and w.message.content
        ]
        if answers:
            self.copy_text(answers[-1])

    def edit_focused(self) -> None:
        """`e` on the focused question (UserMessage, not named: it loads after the first
        frame)."""
        message = getattr(self.screen.focused, "message", None)
        if isinstance(message, Message) and message.role == "user":
            self.edit(message)

    def edit(self, msg: Message) -> None:
        """Edit and resend `msg`: the editor opens now (dialogs.ask), so keys typed in one
        burst with `e` or Ctrl+Up (bound with priority) go into it, not to the message or
        the input below. Not while a reply streams: the edit forks the session under it."""
        from mimo_tui.ui.widgets.dialogs import EditText, ask

        if msg.id is None:
            return
        if self.screen.busy:
            self.notify(STOP_FIRST, markup=False)
            return
        title = "Edit and resend (a new branch; the original stays in the tree, Ctrl+L)"
        answer = ask(self.app, EditText(title, msg.content))
        self.screen.run_worker(self._resend(msg, answer), group="dialog")

    async def _resend(self, msg: Message, answer: Awaitable[str | None]) -> None:
        text = await answer
        if not text or not text.strip():
            return
        # A sibling of the edited message: the new branch follows what it followed.
        self.runtime.store.branch_from(self.session_id, msg.parent_id)
        await self.screen.load_session(self.session_id)
        self.screen.focus_input()  # the edited question was re-read: its widget is gone
        # The edited question keeps its attachments: their bytes are already stored (None:
        # nothing to write), so the new message references the same blobs.
        self.screen.run_turn(text, [(a, None) for a in msg.attachments])

    async def action_regenerate(self) -> None:
        """Ask again for the last turn's reply: a new branch under its user message; the old
        reply stays as another branch, not replayed."""
        if self.screen.busy:
            return
        if not self.runtime.regenerate(self.session_id):
            self.notify("Nothing to regenerate yet.", markup=False, timeout=2)
            return
        await self.screen.load_session(self.session_id)
        self.screen.focus_input()  # `g` may have been pressed on the reply just replaced
        self.screen.run_turn(None)
