"""The chat screen: wires the input, the conversation and the engine's events together.

Data flows one way: PromptInput.Submitted -> a worker runs `engine.turn()` -> each event is
rendered by the widget it belongs to. The screen keeps no conversation state of its own beyond
which widget is the reply in flight; the store is the transcript.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from mimo_tui.inspect import tool_records
from mimo_tui.model import Message
from mimo_tui.runtime import Runtime
from mimo_tui.ui.attach import AttachActions
from mimo_tui.ui.chat_keys import CHAT_BINDINGS, escape_label, key_state
from mimo_tui.ui.panels import Panels
from mimo_tui.ui.safe import notify_safe
from mimo_tui.ui.sessions import SessionActions
from mimo_tui.ui.settings_actions import SettingsActions
from mimo_tui.ui.turn import TurnView
from mimo_tui.ui.versions import VersionActions
from mimo_tui.ui.widgets import conversation_items as items
from mimo_tui.ui.widgets.attachment_bar import AttachmentBar
from mimo_tui.ui.widgets.attachment_view import AttachmentLine
from mimo_tui.ui.widgets.conversation import Conversation, MessageAction
from mimo_tui.ui.widgets.footer import Footer
from mimo_tui.ui.widgets.inspector import ToolInspector
from mimo_tui.ui.widgets.notices import NO_KEY_HELP, Notice
from mimo_tui.ui.widgets.prompt_input import PromptInput
from mimo_tui.ui.widgets.session_list import SessionList
from mimo_tui.ui.widgets.status import StatusLine
from mimo_tui.ui.widgets.topbar import TopBar
from mimo_tui.ui.widgets.welcome import Welcome, welcome_view

if TYPE_CHECKING:
    from mimo_tui.ui.app import MimoApp


class ChatScreen(Screen):
    # Textual focuses the first focusable widget ("*") when a screen is composed: that was
    # the hidden session list, so the first frame's footer showed its keys and the input's
    # came two frames later. The input is where typing goes from the first frame on.
    AUTO_FOCUS = "#prompt"

    BINDINGS = CHAT_BINDINGS

    def __init__(self, runtime: Runtime, session_id: str) -> None:
        super().__init__()
        self.runtime = runtime
        self.session_id = session_id
        self.turn = TurnView(self)
        self.sessions = SessionActions(self)
        self.settings_actions = SettingsActions(self)
        self.panels = Panels(self)
        self.versions = VersionActions(self)
        self.attach = AttachActions(self)
        # The side panels keep their state from the start but are mounted when first shown
        # (see Panels.mount): the first frame does not show them.
        self.sessions_panel = SessionList(
            now=lambda: self.runtime.clock().timestamp(),
            deletable=lambda session_id: self.sessions.deletable(session_id),
        )
        self.inspector = ToolInspector(lambda message_id: self.runtime.round_exchange(message_id))

    # ---- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        s = self.runtime.settings
        yield TopBar(id="topbar")
        with Horizontal(id="main"):
            yield Conversation(self._page, id="conversation")
        yield AttachmentBar(id="attachments")
        yield PromptInput(id="prompt")
        yield StatusLine(s.model, s.thinking, s.demo)
        yield Footer()

    async def on_mount(self) -> None:
        await self.load_session(self.session_id, first_frame=True)

    def _page(
        self, session_id: str, before: int | None, after: int | None, limit: int = 40
    ) -> list[Message]:
        return self.runtime.store.page(session_id, before_id=before, after_id=after, limit=limit)

    @property
    def conversation(self) -> Conversation:
        return self.query_one("#conversation", Conversation)

    @property
    def mimo(self) -> MimoApp:
        """The app, typed (Screen.app is any App)."""
        from mimo_tui.ui.app import MimoApp

        app = self.app
        assert isinstance(app, MimoApp)
        return app

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    def _update_topbar(self) -> None:
        self.show_title(self.runtime.store.get_session(self.session_id).title)

    def show_title(self, title: str) -> None:
        self.query_one(TopBar).show(title, self.session_id, self.runtime.settings)

    async def load_session(self, session_id: str, first_frame: bool = False) -> None:
        """Show a session as stored: its newest page of messages, reasoning folded.

        Only a window of the session is mounted (see Conversation); the rest stays in the
        store, so a 5,000-message session opens as fast as a short one. What needs the whole
        session (the status line's totals, the inspector's calls, the `[` / `]` versions)
        is read after the `first_frame` is drawn when the app starts: at 5,000 messages
        that read was a third of `mimo-tui -c`'s first frame.
        """
        self.session_id = session_id
        conv = self.conversation
        conv.reasoning_open = self.runtime.settings.reasoning_panel == "open"
        conv.compaction = self.runtime.store.active_compaction(session_id)
        await conv.show_session(session_id)  # one bounded read: its newest page
        has_messages = bool(conv.shown())
        if not has_messages:  # its "API key" line says how to set one, if none is
            await conv.mount(welcome_view(self))
        elif not self.runtime.has_key:
            await conv.mount(Notice(NO_KEY_HELP, "warning"))
        for notice in self.runtime.take_notices():  # e.g. a stored model that is not sent
            await conv.mount(Notice(notice, "warning"))
        s = self.runtime.settings
        self.status.model, self.status.thinking = s.model, s.thinking
        self.status.api, self.status.demo = s.api, s.demo
        self._update_topbar()
        if first_frame and has_messages:  # a new chat has nothing to read: no second frame
            self.status.catalogue = s.catalogue
            self.status.show_idle()  # model and thinking now, the session's totals after
            self.call_after_refresh(self._load_whole, session_id)
        else:
            self._load_whole(session_id)

    def _load_whole(self, session_id: str) -> None:
        """The part of opening a session that reads all of it (see load_session)."""
        if session_id != self.session_id:
            return  # another session was opened meanwhile
        conv = self.conversation
        store = self.runtime.store  # bounded reads: the branches off the path, a sum
        self.versions.index_versions(store.versions_tree(session_id))
        self.versions.mark_versions()
        self.status.tools = len(self.runtime.toolbox.selected)
        self.status.catalogue = self.runtime.settings.catalogue
        self.status.set_totals(store.path_totals(session_id))
        self.status.show_idle()
        self.inspector.set_loader(lambda: tool_records(store.messages(session_id)))
        conv.anchor()
        self.sessions.refresh_sessions()

    # By name, not @on(StoredReply.VersionWanted): the message widgets load after the first
    # frame, and naming the class here would import them with the screen.
    async def on_stored_reply_version_wanted(self, event: Any) -> None:
        await self.versions.switch(event)

    @on(Conversation.WindowChanged)
    def _window_changed(self) -> None:
        self.versions.mark_versions()

    def focus_input(self) -> None:
        self.query_one(PromptInput).focus()

    # ---- sending ---------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    def send(self, event: PromptInput.Submitted) -> None:
        self.turn.submitted(event.text)

    @property
    def busy(self) -> bool:
        return any(w.group == "turn" and w.is_running for w in self.workers)

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def run_turn(self, text: str | None, attached: list[Any] | None = None) -> None:
        """Run one turn in this worker (text None: retry the session as stored)."""
        await self.turn.run(text, attached or [])

    @on(Worker.StateChanged)
    def worker_changed(self, event: Worker.StateChanged) -> None:
        """The one place a worker failure becomes a message, never a traceback; and where
        the keys follow a turn's end. `busy` turns false only once the worker has left the
        running state, which comes after its own code (a stopped one's too) has finished,
        so this is the first moment Escape's footer label can say it no longer stops."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            notify_safe(self, f"Unexpected error: {error}", severity="error")
            self.status.show_error(str(error))
        if event.worker.group == "turn" and event.worker.is_finished:
            self.refresh_bindings()

    # ---- session keys (ui/sessions.py) ------------------------------------------------------

    def _dialog(self, work: Any) -> None:
        self.run_worker(work, group="dialog")

    async def action_toggle_sessions(self) -> None:
        await self.sessions.action_toggle_sessions()

    def action_search(self) -> None:
        self.sessions.action_search()

    def export_session(self, fmt: str) -> None:
        self._dialog(self.sessions.export_session(fmt))

    def action_import(self) -> None:
        self._dialog(self.sessions.action_import())

    def action_usage(self) -> None:
        self.sessions.action_usage()

    def action_copy_last(self) -> None:
        self.sessions.action_copy_last()

    async def action_regenerate(self) -> None:
        await self.sessions.action_regenerate()

    async def open_session(self, session_id: str, at_message: int | None = None) -> None:
        await self.sessions.open_session(session_id, at_message)

    @on(SessionList.Chosen)
    async def _session_chosen(self, event: SessionList.Chosen) -> None:
        await self.sessions.session_chosen(event)

    @on(MessageAction)
    async def _message_action(self, event: MessageAction) -> None:
        await self.sessions.message_action(event)

    # ---- actions ---------------------------------------------------------------------------

    async def action_cancel(self) -> None:
        """Escape backs out one level: the session list, the inspector, a reply in flight,
        then focus back to the input."""
        if await self.panels.close_one():
            return
        if self.busy:
            self.workers.cancel_group(self, "turn")
            self.notify("Reply stopped; what arrived is kept.", markup=False, timeout=2)
        elif not isinstance(self.focused, PromptInput):
            self.focus_input()

    async def action_toggle_inspector(self) -> None:
        await self.panels.show_inspector(not self.inspector.has_class("-open"))

    async def on_resize(self) -> None:
        await self.panels.fit()

    @on(Welcome.Open)
    async def reopen(self, event: Welcome.Open) -> None:
        await self.sessions.reopen(event.session_id)

    @on(Conversation.CallSelected)
    async def open_call(self, event: Conversation.CallSelected) -> None:
        await self.panels.open_call(event.key, event.call_id)

    # ---- settings keys (ui/settings_actions.py) ---------------------------------------------

    async def action_choose_tools(self) -> None:
        await self.settings_actions.choose_tools()

    def action_toggle_thinking(self) -> None:
        self.settings_actions.toggle_thinking()

    def action_settings(self, focus: str = "model") -> None:
        self.settings_actions.settings(focus)

    def action_change_model(self) -> None:
        self.action_settings("model")

    def apply_settings(self, changes: dict[str, Any], save: bool = True) -> None:
        self.settings_actions.apply_settings(changes, save)

    def action_set_key(self) -> None:
        self.settings_actions.set_key()

    def action_toggle_web_search(self) -> None:
        self.settings_actions.toggle_web_search()

    # ---- attachments (ui/attach.py) ----------------------------------------------------------

    def action_attach(self, query: str = "") -> None:
        self.attach.attach(query)

    def attach_ref(self, ref: str) -> Worker[None]:
        """Attach a file or URL; the worker that reads and checks it (awaitable)."""
        return self.attach.attach_ref(ref)

    @on(PromptInput.PathsPasted)
    def _pasted_paths(self, event: PromptInput.PathsPasted) -> None:
        self.attach.pasted_paths(event)

    @on(PromptInput.PathWanted)
    def _complete_path(self, event: PromptInput.PathWanted) -> None:
        self.attach.complete_path(event)

    @on(AttachmentLine.Opened)
    async def _open_preview(self, event: AttachmentLine.Opened) -> None:
        await self.attach.open_preview(event)

    # ---- the message box and the session's history -------------------------------------------

    def action_external_editor(self) -> None:
        """The message box in $VISUAL/$EDITOR, or the in-app editor (ui/editor.py)."""
        from mimo_tui.ui.editor import edit_message_box

        edit_message_box(self.query_one("#prompt", PromptInput))

    def action_compact(self) -> None:
        from mimo_tui.ui.compact import compact_session

        # A worker: the summary request streams while the screen keeps answering keys.
        self.run_worker(compact_session(self), group="compact", exclusive=True)

    def action_conversation_tree(self) -> None:
        from mimo_tui.ui.branches import open_tree

        self._dialog(open_tree(self))

    def action_compare(self, how: str = "n") -> None:
        from mimo_tui.ui.compare import start_compare

        start_compare(self, how)

    def action_uncompact(self) -> None:
        from mimo_tui.ui.compact import undo_compaction

        self._dialog(undo_compaction(self))

    def action_edit_summary(self) -> None:  # `e` on the marker: its binding names this
        from mimo_tui.ui.compact import edit_summary

        edit_summary(self)

    # By name: the marker loads with the first compacted session shown (ui/widgets/summary.py).
    def on_compaction_summary_undo_wanted(self) -> None:
        self.action_uncompact()

    # ---- replies on screen (Conversation) ------------------------------------------------

    def action_toggle_reasoning(self) -> None:
        if not items.toggle_reasoning(self.conversation):
            self.notify("No reasoning to show yet.", markup=False, timeout=2)

    def action_toggle_reasoning_all(self) -> None:
        if not items.toggle_all_reasoning(self.conversation):
            self.notify("No reasoning to show yet.", markup=False, timeout=2)

    def action_copy_code(self) -> None:
        self.sessions.copy_code()

    def action_edit_last(self) -> None:
        self.sessions.edit_last()

    def action_edit_message(self) -> None:  # `e` on a question: its binding names this
        self.sessions.edit_focused()

    def action_help(self) -> None:
        from mimo_tui.ui.widgets.help import HelpScreen

        self.app.push_screen(HelpScreen())

    async def action_jump(self, direction: int) -> None:
        conv = self.conversation
        await (conv.jump_to_start() if direction < 0 else conv.jump_to_end())

    @on(Conversation.SteppedPastEnd)
    def _stepped_past_end(self) -> None:
        self.focus_input()

    @on(PromptInput.LeaveUp)
    def leave_input(self) -> None:
        self.conversation.focus_last()

    @on(PromptInput.HelpWanted)
    def help_wanted(self) -> None:
        self.action_help()

    async def action_new_session(self) -> None:
        await self.sessions.new_session()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return key_state(self, action)

    def describe_binding(self, action: str) -> str | None:
        """The footer's word for a key whose job depends on the state (Escape)."""
        return escape_label(self) if action == "cancel" else None

    async def action_start_demo(self) -> None:
        await self.mimo.start_demo(self)

    async def use_runtime(self, runtime: Runtime, session_id: str) -> None:
        """Carry on in this window with another runtime (F2: the offline demo)."""
        self.runtime = runtime
        await self.load_session(session_id)
        self.refresh_bindings()  # F2 itself is offered only while there is no key

    def action_retry(self) -> None:
        if not self.busy:
            self.run_turn(None)
