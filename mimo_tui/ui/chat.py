"""The chat screen: wires the input, the conversation and the engine's events together.

Data flows one way: PromptInput.Submitted -> a worker runs `engine.turn()` -> each event is
rendered by the widget it belongs to. The screen keeps no conversation state of its own beyond
which widget is the reply in flight; the store is the transcript.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from mimo_tui.config import ConfigError
from mimo_tui.inspect import round_exchange, tool_records
from mimo_tui.model import Message, ToolRecord
from mimo_tui.runtime import Runtime
from mimo_tui.text import secret_in, visible
from mimo_tui.ui.attach import AttachActions
from mimo_tui.ui.history import HistoryActions
from mimo_tui.ui.memory import release_render_caches
from mimo_tui.ui.safe import notify_safe
from mimo_tui.ui.versions import VersionActions
from mimo_tui.ui.widgets.attachment_bar import AttachmentBar
from mimo_tui.ui.widgets.code_copy import copied_what, numbered_code_blocks
from mimo_tui.ui.widgets.conversation import (
    Conversation,
    EarlierNotice,
    LaterNotice,
    MessageAction,
    Notice,
    replies,
)
from mimo_tui.ui.widgets.footer import Footer
from mimo_tui.ui.widgets.inspector import ToolInspector
from mimo_tui.ui.widgets.prompt_input import PromptInput
from mimo_tui.ui.widgets.session_list import SessionList
from mimo_tui.ui.widgets.status import StatusLine
from mimo_tui.ui.widgets.steppable import MessageStep
from mimo_tui.ui.widgets.tool_call import ToolCallLine
from mimo_tui.ui.widgets.welcome import Welcome, welcome_view

if TYPE_CHECKING:
    from mimo_tui.ui.widgets.message import AssistantMessage

NARROW = 110  # below this width the inspector takes the whole screen instead of a side panel
PAGE = 40  # messages mounted at a time; the rest of a session stays in the store
WINDOW = 3 * PAGE  # message widgets mounted at most while paging through history

NO_KEY_HELP = (
    "No API key is set, so messages cannot be sent yet.\n"
    "• export MIMO_API_KEY=sk-…   (then restart)\n"
    "• or store one: mimo-tui key set   (written with mode 0600)\n"
    "• or press F5 and paste it here   (stored the same way)\n"
    "• or try everything offline: press F2 now, or run mimo-tui --demo"
)


def shown_in_chat(messages: list[Message]) -> list[Message]:
    """The messages the conversation shows: all but those an edit-and-resend replaced."""
    return [m for m in messages if m.status != "superseded"]


class ChatScreen(VersionActions, HistoryActions, AttachActions):
    # Textual focuses the first focusable widget ("*") when a screen is composed: that was
    # the hidden session list, so the first frame's footer showed its keys and the input's
    # came two frames later. The input is where typing goes from the first frame on.
    AUTO_FOCUS = "#prompt"
    DEFAULT_CSS = """
    ChatScreen #topbar {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text;
    }
    ChatScreen #main { height: 1fr; }
    ChatScreen #main.-inspector-full #conversation { display: none; }
    ChatScreen #main.-sessions-full #conversation,
    ChatScreen #main.-sessions-full ToolInspector { display: none; }
    ChatScreen #conversation {
        height: 1fr;
        width: 1fr;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="chat.cancel"),
        Binding("ctrl+r", "toggle_reasoning", "Reasoning", id="chat.toggle_reasoning"),
        Binding("ctrl+n", "new_session", "New", id="chat.new", show=False),
        # Shown in the error notice that offers it, not in the footer.
        Binding("f5", "retry", "Retry", id="chat.retry", show=False),
        # The same key without an API key, when there is nothing to retry (see check_action).
        Binding("f5", "set_key", "Paste API key", id="chat.set_key"),
        Binding("f2", "start_demo", "Offline demo", id="chat.demo"),
        Binding("f3", "toggle_inspector", "Inspect", id="chat.inspector"),
        Binding("ctrl+t", "choose_tools", "Tools", id="chat.tools", show=False),
        Binding("f4", "toggle_sessions", "Sessions", id="chat.sessions"),
        Binding("ctrl+f", "search", "Search", id="chat.search"),
        # Priority: the input's TextArea would take Ctrl+Y as redo.
        Binding(
            "ctrl+y", "copy_last", "Copy answer", id="chat.copy_last", show=False, priority=True
        ),
        Binding("ctrl+g", "regenerate", "Regenerate", id="chat.regenerate", show=False),
        Binding(
            "ctrl+o", "toggle_reasoning_all", "All reasoning", id="chat.reasoning_all", show=False
        ),
        Binding("ctrl+b", "copy_code", "Copy code", id="chat.copy_code", show=False),
        Binding("ctrl+up", "edit_last", "Edit last", id="chat.edit_last", show=False),
        # Priority: the input's TextArea would take F6/F7 as select line/all.
        Binding("f6", "toggle_thinking", "Thinking", id="chat.thinking", show=False, priority=True),
        Binding("f7", "change_model", "Model", id="chat.model", show=False, priority=True),
        Binding("f8", "settings", "Settings", id="chat.settings", show=False),
        Binding("f9", "external_editor", "Edit in $EDITOR", id="chat.editor", show=False),
        Binding("f10", "toggle_web_search", "Web search", id="chat.web_search", show=False),
    ]

    def __init__(self, runtime: Runtime, session_id: str) -> None:
        super().__init__()
        self.runtime = runtime
        self.session_id = session_id
        self.reply: AssistantMessage | None = None
        self._turn_started = 0.0
        self._round_started = 0.0
        self._tokens = 0
        self._phase = ""
        self._retry: tuple[Any, float] | None = None  # the SDK's retry waited for, and since
        self._ticker: Any = None
        self._older: list[Message] = []  # stored messages above the mounted ones
        self._newer: list[Message] = []  # ...and below them (while reading history)
        self._paging = False
        self._context_warned: str | None = None  # the session the 80 % warning was shown in
        # The side panels keep their state from the start but are mounted when first shown
        # (see _panel): the first frame does not show them.
        self.sessions_panel = SessionList(now=lambda: self.runtime.clock().timestamp())
        self.inspector = ToolInspector(self._exchange)

    # ---- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        s = self.runtime.settings
        yield Static("", id="topbar", markup=False)
        with Horizontal(id="main"):
            yield Conversation(id="conversation")
        yield AttachmentBar(id="attachments")
        yield PromptInput(id="prompt")
        yield StatusLine(s.model, s.thinking, s.demo)
        yield Footer()

    async def on_mount(self) -> None:
        await self.load_session(self.session_id)
        self.watch(self.conversation, "scroll_y", self._scrolled, init=False)

    @property
    def conversation(self) -> VerticalScroll:
        return self.query_one("#conversation", VerticalScroll)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    async def _panel(self, panel: SessionList | ToolInspector) -> None:
        """Mount a side panel the first time it is shown: sessions left of the conversation,
        the inspector right of it."""
        if panel.is_attached:
            return
        main = self.query_one("#main")
        if isinstance(panel, SessionList):
            await main.mount(panel, before=self.conversation)
        else:
            await main.mount(panel, after=self.conversation)

    def _exchange(self, message_id: int) -> tuple[str, str]:
        return round_exchange(self.runtime.store, message_id, self.runtime.settings.api_key)

    def _update_topbar(self) -> None:
        store = self.runtime.store
        session = store.get_session(self.session_id)
        title = session.title or "New chat"
        badge = "  [offline demo]" if self.runtime.settings.demo else ""
        badge += " · web search on" if self.runtime.settings.web_search else ""
        self.query_one("#topbar", Static).update(
            f"mimo-tui · {visible(title)} · {session.id}{badge}"
        )

    async def load_session(self, session_id: str) -> None:
        """Show a session as stored: its newest page of messages, reasoning folded.

        Only a window of the session is mounted (see _show_window); the rest stays in the
        store, so a 5,000-message session opens as fast as a short one.
        """
        self.session_id = session_id
        conv = self.conversation
        await conv.remove_children()
        messages = self.runtime.store.messages(session_id)  # read once: 5,000 take ~40 ms
        visible_msgs = shown_in_chat(messages)
        self.index_versions(messages)
        await self._show_window(visible_msgs, max(0, len(visible_msgs) - PAGE), len(visible_msgs))
        if not visible_msgs:
            await conv.mount(welcome_view(self))
        if not self.runtime.has_key:
            await conv.mount(Notice(NO_KEY_HELP, "warning"))
        for notice in self.runtime.take_notices():  # e.g. a stored model that is not sent
            await conv.mount(Notice(notice, "warning"))
        self.status.tools = len(self.runtime.toolbox.selected)
        s = self.runtime.settings
        self.status.model, self.status.thinking = s.model, s.thinking
        self.status.catalogue = s.catalogue
        self.status.set_session(messages)
        self.status.api, self.status.demo = s.api, s.demo
        self.status.show_idle()
        self.inspector.set_records(tool_records(messages))
        conv.anchor()
        self._update_topbar()
        self.refresh_sessions()

    def _widgets(self, msg: Message) -> list[Any]:
        """The widget of a stored message, and its attachments' lines under it."""
        if not msg.attachments:
            return [self._widget(msg)]
        from mimo_tui.ui.widgets.attachment_view import AttachmentLines

        return [self._widget(msg), AttachmentLines(msg.attachments)]

    def _widget(self, msg: Message) -> Any:
        """The widget a stored message is shown with."""
        from mimo_tui.ui.widgets.message import StoredReply, UserMessage

        if msg.role == "user":
            return UserMessage(msg)
        if msg.role == "tool":
            return ToolCallLine(ToolRecord.from_message(msg))
        return StoredReply(msg, reasoning_open=self.runtime.settings.reasoning_panel == "open")

    # ---- the mounted window ----------------------------------------------------------------
    #
    # Textual has no virtual list, so the conversation mounts a window of the session:
    # `_older` and `_newer` are the stored messages above and below it. Scrolling to either
    # end mounts a page there and, past WINDOW widgets, unmounts as many at the other end,
    # so paging through 5,000 messages costs the same per page at the end as at the start.
    # Windows are cut only before a user message, so a turn is never split.

    def _visible_messages(
        self, from_id: int | None = None, before_id: int | None = None
    ) -> list[Message]:
        return shown_in_chat(self.runtime.store.messages(self.session_id, from_id, before_id))

    def _shown(self) -> list[Any]:
        from mimo_tui.ui.widgets.message import AssistantMessage, StoredReply, UserMessage

        kinds = UserMessage | AssistantMessage | StoredReply | ToolCallLine
        return [w for w in self.conversation.children if isinstance(w, kinds)]

    async def _show_window(self, messages: list[Message], lo: int, hi: int) -> None:
        """Mount exactly messages[lo:hi] (and nothing else but the two notices)."""
        conv = self.conversation
        keep = (EarlierNotice, LaterNotice)
        await conv.remove_children([w for w in conv.children if not isinstance(w, keep)])
        self._older, self._newer = messages[:lo], messages[hi:]
        widgets = [w for m in messages[lo:hi] for w in self._widgets(m)]
        if widgets:
            await conv.mount_all(widgets)
        await self._update_notices()

    async def _update_notices(self) -> None:
        """Count the messages above and below the window in its notices. A notice is mounted
        the first time there is something to count (a new chat never has): the earlier one
        first in the conversation, the later one docked at its bottom."""
        conv = self.conversation
        kinds: tuple[tuple[type[EarlierNotice | LaterNotice], list[Any]], ...] = (
            (EarlierNotice, self._older),
            (LaterNotice, self._newer),
        )
        for kind, hidden in kinds:
            widget: EarlierNotice | LaterNotice | None = next(iter(conv.query_children(kind)), None)
            if widget is None:
                if not hidden:
                    continue
                widget = kind()
                first = kind is EarlierNotice and conv.children
                await (conv.mount(widget, before=0) if first else conv.mount(widget))
            widget.display = bool(hidden)
            widget.count = len(hidden)
        self.mark_versions()  # every change to the mounted window ends here

    def _cut(self, shown: list[Any], start: int) -> int | None:
        """The index of the first user message at or after `start` (a turn boundary)."""
        from mimo_tui.ui.widgets.message import UserMessage

        return next(
            (i for i in range(max(0, start), len(shown)) if isinstance(shown[i], UserMessage)),
            None,
        )

    async def load_earlier(self) -> bool:
        """Mount the previous page of messages above the oldest shown; False at the start."""
        if not self._older:
            return False
        page, self._older = self._older[-PAGE:], self._older[:-PAGE]
        conv = self.conversation
        notice = self.query_one(EarlierNotice)
        shown = self._shown()
        anchor = shown[0] if shown else None
        await conv.mount_all([w for m in page for w in self._widgets(m)], after=notice)
        if not self.busy:  # past the window, the newest widgets go back to the store
            shown = self._shown()
            cut = self._cut(shown, WINDOW) if len(shown) > WINDOW else None
            if cut is not None:
                boundary = shown[cut].message.id
                children = list(conv.children)
                drop = children[children.index(shown[cut]) :]
                await conv.remove_children([w for w in drop if not isinstance(w, LaterNotice)])
                end = self._newer[0].id if self._newer else None
                self._newer = self._visible_messages(boundary, end) + self._newer
        await self._update_notices()
        if anchor is not None:  # keep what the user was looking at in place, once laid out
            self._keep_in_view(anchor, top=True)
        return True

    async def load_later(self) -> bool:
        """Mount the next page of newer messages below the newest shown; False at the end."""
        if not self._newer:
            return False
        page, self._newer = self._newer[:PAGE], self._newer[PAGE:]
        conv = self.conversation
        shown = self._shown()
        anchor = shown[-1] if shown else None
        await conv.mount_all([w for m in page for w in self._widgets(m)])
        shown = self._shown()
        cut = self._cut(shown, len(shown) - WINDOW) if len(shown) > WINDOW else None
        if cut is not None:  # the oldest widgets go back to the store
            boundary = shown[cut].message.id
            children = list(conv.children)
            drop = children[: children.index(shown[cut])]
            keep = (EarlierNotice, LaterNotice)
            await conv.remove_children([w for w in drop if not isinstance(w, keep)])
            start = self._older[-1].id + 1 if self._older and self._older[-1].id else None
            self._older = self._older + self._visible_messages(start, boundary)
        await self._update_notices()
        if anchor is not None:  # what was at the bottom stays in view, the new page below it
            self._keep_in_view(anchor, top=False)
        return True

    def _keep_in_view(self, widget: Any, top: bool) -> None:
        """Scroll `widget` to the top (or bottom) of the view after the next layout: before
        it, the widget still has the position it had before a page was added above it, and
        the view would land at the very top, where scrolling up again changes nothing."""

        def scroll() -> None:
            if widget.is_attached:
                self.conversation.scroll_to_widget(widget, top=top, animate=False, immediate=True)

        self.call_after_refresh(scroll)

    async def show_newest(self) -> None:
        """Back to the newest page (sending while older history is shown)."""
        messages = self._visible_messages()
        await self._show_window(messages, max(0, len(messages) - PAGE), len(messages))
        self.conversation.anchor()

    async def show_around(self, message_id: int) -> Any:
        """Mount the page around one stored message (a search hit) and return its widget."""
        messages = self._visible_messages()
        at = next((i for i, m in enumerate(messages) if m.id == message_id), None)
        if at is None:
            return None
        lo = max(0, min(at - PAGE // 2, len(messages) - PAGE))
        await self._show_window(messages, lo, min(len(messages), lo + PAGE))
        return next(
            (
                w
                for w in self._shown()
                if getattr(w, "message", None) and w.message.id == message_id
            ),
            None,
        )

    def _scrolled(self, scroll_y: float) -> None:
        if self._paging:
            return
        conv = self.conversation
        if scroll_y <= 0 and self._older:
            self._paging = True
            self.run_worker(self._page_in(self.load_earlier), group="paging", exit_on_error=False)
        elif self._newer and scroll_y >= conv.max_scroll_y and not self.busy:
            self._paging = True
            self.run_worker(self._page_in(self.load_later), group="paging", exit_on_error=False)

    async def _page_in(self, load: Any) -> None:
        try:
            await load()
        finally:
            self._paging = False

    async def trim(self, force: bool = False) -> None:
        """Keep the live DOM small in a long chat: when following the newest messages,
        unmount all but the newest page (they go back to `_older`, the store has them).
        Sending (force) while older history is being read jumps to the newest first."""
        if self._newer:
            if force:
                await self.show_newest()
            return
        conv = self.conversation
        shown = self._shown()
        if len(shown) <= 2 * PAGE or not (force or conv.is_vertical_scroll_end):
            return
        drop = len(shown) - PAGE
        children = list(conv.children)  # with the attachment lines of dropped messages
        keep = (EarlierNotice, LaterNotice)
        first_kept = children.index(shown[drop])
        await conv.remove_children([w for w in children[:first_kept] if not isinstance(w, keep)])
        messages = self._visible_messages()
        self._older = messages[: len(messages) - PAGE]
        await self._update_notices()

    def focus_input(self) -> None:
        self.query_one(PromptInput).focus()

    # ---- sending ---------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    def send(self, event: PromptInput.Submitted) -> None:
        if self.busy:
            self.notify(
                "A reply is still streaming: press Escape to stop it first.",
                severity="warning",
                markup=False,
            )
            return
        self._send_checked(event.text)

    @work(group="dialog")
    async def _send_checked(self, text: str) -> None:
        """Send, after asking when the message seems to carry a key: it would be stored and
        sent to the model."""
        from mimo_tui.ui.widgets.dialogs import Confirm

        found = secret_in(text, self.runtime.settings.api_key)
        if found and not await self.app.push_screen_wait(
            Confirm(
                f"This message contains {found}. It would be sent to the model and kept "
                "in the session store. Send it anyway?"
            )
        ):
            self.notify("Not sent; the message is still in the input.", markup=False)
            return
        taken = await self.take_attachments(text)
        if taken is None:  # said why; the message and its chips stay
            return
        text, attached = taken
        self.query_one(PromptInput).clear()
        await self.attachment_bar.clear()
        self.run_turn(text, attached)

    @property
    def busy(self) -> bool:
        return any(w.group == "turn" and w.is_running for w in self.workers)

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def run_turn(self, text: str | None, attached: list[Any] | None = None) -> None:
        """Consume one turn's events (text None: retry the session as stored)."""
        engine = self.runtime.engine
        events = (
            engine.turn(self.session_id, text, attached or ())
            if text is not None
            else engine.rounds(self.session_id)
        )
        self._turn_started = time.monotonic()
        self.conversation.anchor()  # sending follows the reply at the bottom...
        await self.trim(force=True)  # ...so far history paged in earlier can go
        self._ticker = self.set_interval(0.1, self._tick)
        self.refresh_bindings()
        try:
            async with contextlib.aclosing(events) as stream:
                async for event in stream:
                    await self.render_event(event)
        finally:
            self._ticker.stop()
            self.call_after_refresh(self.refresh_bindings)
            release_render_caches()
            self._tools_as_stored()
            if self.reply is not None:  # cancelled mid-round: mark what arrived
                msg = self._stored(self.reply)
                if msg is not None:
                    if msg.status == "streaming":  # the engine's own save may still be due
                        msg.status = "interrupted"
                    await self._settle(msg)
                self.reply = None
                self.status.show_idle()
            self.set_timer(0.5, self.app.collect_garbage)  # type: ignore[attr-defined]

    async def _settle(self, msg: Message, error_below: bool = False) -> None:
        """The reply in flight is final: swap its live widgets for one StoredReply, so the
        conversation keeps a small DOM however long it gets (`error_below`: its error is
        told in a notice under it)."""
        from mimo_tui.ui.widgets.message import StoredReply

        reply = self.reply
        self.reply = None
        if reply is None:
            return
        await reply.finish(msg)
        # The panel stays as the user left it, except that "fold" folds a finished round.
        folds = self.runtime.settings.reasoning_panel == "fold" and msg.status == "complete"
        open_ = reply.reasoning_open and not folds
        focused = self.focused is reply
        stored = StoredReply(
            msg, reasoning_open=open_, blocks=reply.rendered_blocks(), error_below=error_below
        )
        await self.conversation.mount(stored, after=reply)
        await reply.remove()
        self.mark_versions()
        if focused:
            stored.focus()

    def _stored(self, widget: AssistantMessage) -> Message | None:
        if widget.message is None or widget.message.id is None:
            return None
        for msg in reversed(self.runtime.store.messages(self.session_id)):
            if msg.id == widget.message.id:
                return msg
        return None

    async def render_event(self, event: Any) -> None:
        # The events load with the engine (after the first frame), not with this screen.
        from mimo_tui.events import (
            Compacted,
            ContentDelta,
            ReasoningDelta,
            RetryScheduled,
            RoundFinished,
            RoundStarted,
            ThinkingBlockDone,
            ToolCallDelta,
            ToolCallUpdated,
            TurnFailed,
            TurnFinished,
            UsageReported,
            UserSaved,
        )

        conv = self.conversation
        match event:
            case UserSaved(message=msg):
                from mimo_tui.ui.widgets.attachment_view import AttachmentLines
                from mimo_tui.ui.widgets.message import UserMessage

                await conv.query(Welcome).remove()
                await conv.mount(UserMessage(msg))
                if msg.attachments:
                    await conv.mount(AttachmentLines(msg.attachments))
                conv.anchor()
                self._update_topbar()
            case Compacted(covered=n, bytes_before=a, bytes_after=b, error=error):
                from mimo_tui.compaction import compacted_note

                notify_safe(self, compacted_note(n, a, b, error), timeout=8)
            case RoundStarted(message_id=message_id):
                from mimo_tui.ui.widgets.message import AssistantMessage

                self.reply = AssistantMessage(
                    Message(role="assistant", id=message_id, status="streaming"),
                    fold=self.runtime.settings.reasoning_panel,
                )
                await conv.mount(self.reply)
                self._round_started = time.monotonic()
                self._tokens = 0
                self._phase = ""
                self._retry = None
            case RetryScheduled() if self.reply:
                self._retry = (event, time.monotonic())
                self._tick()
            case ReasoningDelta(text=text) if self.reply:
                self._tokens += 1
                self._phase = "reasoning"
                await self.reply.add_reasoning(text, time.monotonic() - self._round_started)
            case ContentDelta(text=text) if self.reply:
                self._tokens += 1
                self._phase = "answering"
                await self.reply.add_content(text)
            case ToolCallDelta() if self.reply:
                self._tokens += 1
                self._phase = "calling tools"
                self.reply.end_reasoning()
            case UsageReported(usage=usage) if self.reply:
                self.reply.end_reasoning(usage.reasoning_tokens or None)
            case ThinkingBlockDone() if self.reply:
                self.reply.end_reasoning()
            case RoundFinished(message=msg) if self.reply:
                await self._settle(msg)
                self.status.add_usage(msg.usage, msg.model)
                self.status.show_reply(msg)
                self._warn_context()
            case ToolCallUpdated(record=record):
                await self._show_tool(record)
            case TurnFinished(notice=notice):
                if notice:
                    await conv.mount(Notice(notice, "warning"))
                self.status.show_idle()
                await self.trim()
            case TurnFailed(error=error, kind=kind, message=msg):
                # Said once, in full, in the notice; the reply and the status line only
                # point to it.
                if self.reply is not None and msg is not None:
                    await self._settle(msg, error_below=True)
                if kind == "no_key":
                    hint = "Press F5 to paste a key here, or F2 for the offline demo."
                    self.status.show_error("✖ no API key · F5 pastes one", "✖ no key · F5")
                elif kind == "plan_mismatch":
                    hint = "Nothing was sent. Restart with the base URL set as above."
                    self.status.show_error("✖ key and base URL of different plans", "✖ plan")
                else:
                    hint = "Press F5 to retry."
                    self.status.show_error("✖ reply failed · F5 retries", "✖ failed · F5")
                await conv.mount(Notice(f"{error}\n{hint}", "error"))

    async def _show_tool(self, record: ToolRecord) -> None:
        """Update the call's line in the conversation (mount it the first time) and the
        inspector's row."""
        line = next((w for w in self.query(ToolCallLine) if w.record.key == record.key), None)
        if line is None:
            await self.conversation.mount(ToolCallLine(record))
        else:
            line.show(record)
        self.inspector.update_record(record)
        if record.status == "running":
            self._phase = f"running {record.name}"

    def _tools_as_stored(self) -> None:
        """Calls the turn left unfinished (Escape stopped a tool; the engine stored it as
        cancelled, with no event to say so) show what the store holds."""
        pending = [r for r in self.inspector.records.values() if not r.final]
        pending += [w.record for w in self.query(ToolCallLine) if not w.record.final]
        first = min((r.assistant_message_id or 0 for r in pending), default=None)
        if first is None:
            return
        keys = {r.key for r in pending}
        stored = tool_records(self.runtime.store.messages(self.session_id, from_id=first))
        for record in (r for r in stored if r.key in keys):
            for line in self.query(ToolCallLine):
                if line.record.key == record.key:
                    line.show(record)
            self.inspector.update_record(record)

    def _tick(self) -> None:
        elapsed = time.monotonic() - self._round_started if self._round_started else 0.0
        if self.reply is None:
            return
        if not self._phase:
            self.status.show_waiting(elapsed, self._retry_note())
        else:
            self.status.show_streaming(self._phase, elapsed, self._tokens)

    def _warn_context(self) -> None:
        """Once per session: the next request will fill 80 % of the model's window."""
        fill = self.status.context
        if fill is None or not fill.warning or self._context_warned == self.session_id:
            return
        self._context_warned = self.session_id
        notify_safe(
            self,
            f"This chat uses {fill.fraction * 100:.0f}% of the model's context window "
            f"({fill.text()}): every request replays the whole history. Start a new chat "
            "(Ctrl+N), or compact this one (`mimo-tui sessions compact`, or auto_compact in "
            "config.toml).",
            severity="warning",
        )

    def _retry_note(self) -> tuple[str, str] | None:
        """While the SDK waits to retry a 429/5xx: what it got and when it tries again."""
        if self._retry is None:
            return None
        from mimo_tui.retries import retry_note

        retry, since = self._retry
        remaining = retry.wait_s - (time.monotonic() - since)
        return retry_note(retry.status, remaining, retry.exact, retry.attempt, retry.max_retries)

    @on(Worker.StateChanged)
    def worker_changed(self, event: Worker.StateChanged) -> None:
        """The one place a worker failure becomes a message, never a traceback."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            notify_safe(self, f"Unexpected error: {error}", severity="error")
            self.status.show_error(str(error))

    # ---- actions ---------------------------------------------------------------------------

    async def action_cancel(self) -> None:
        """Escape backs out one level: the session list, the inspector, a reply in flight,
        then focus back to the input."""
        if self.sessions_panel.has_class("-open"):
            await self._show_sessions(False)
            return
        if self.inspector.has_class("-open"):  # side panel or full screen, streaming or not
            await self._show_inspector(False)
            return
        if self.busy:
            self.workers.cancel_group(self, "turn")
            self.notify("Reply stopped; what arrived is kept.", markup=False, timeout=2)
        elif not isinstance(self.focused, PromptInput):
            self.focus_input()

    async def action_toggle_inspector(self) -> None:
        await self._show_inspector(not self.inspector.has_class("-open"))

    async def _show_inspector(self, show: bool) -> None:
        self.refresh_bindings()
        inspector = self.inspector
        if show:
            await self._panel(inspector)
        inspector.set_class(show, "-open")
        full = show and self.size.width < NARROW
        inspector.set_class(full, "-full")
        self.query_one("#main").set_class(full, "-inspector-full")
        if show:
            inspector.table.focus()
        else:
            self.query_one(PromptInput).focus()

    async def on_resize(self) -> None:
        if self.inspector.has_class("-open"):
            await self._show_inspector(True)
        if self.sessions_panel.has_class("-open"):
            await self._show_sessions(True)

    @on(Welcome.Open)
    async def reopen(self, event: Welcome.Open) -> None:
        if self.busy:
            self.notify("Stop the reply first (Escape).", markup=False)
            return
        await self.open_session(event.session_id)
        self.focus_input()

    @on(ToolCallLine.Selected)
    async def open_call(self, event: ToolCallLine.Selected) -> None:
        await self._show_inspector(True)
        self.inspector.select(event.key, event.call_id)

    async def action_choose_tools(self) -> None:
        from mimo_tui.ui.widgets.tools_picker import ToolsScreen

        toolbox = self.runtime.toolbox

        def chosen(names: list[str] | None) -> None:
            if names is None:
                return
            self.runtime.select_tools(self.session_id, names)
            self.status.tools = len(self.runtime.toolbox.selected)
            self.status.show_idle()
            offered = ", ".join(self.runtime.toolbox.selected) or "none"
            self.notify(f"Tools offered in this session: {offered}", markup=False, timeout=3)

        toolbox.refresh_mcp()  # the tools of the MCP servers that are ready by now
        self.app.push_screen(ToolsScreen(toolbox.choices(), toolbox.selected), chosen)

    def action_toggle_reasoning_all(self) -> None:
        """Open every reasoning panel on screen, or fold them all if all are open."""
        shown = [r for r in replies(self) if r.has_reasoning]
        if not shown:
            self.notify("No reasoning to show yet.", markup=False, timeout=2)
            return
        show = not all(r.reasoning_open for r in shown)
        for reply in shown:
            reply.show_reasoning(show)

    def action_copy_code(self) -> None:
        """Copy the last code block of the newest answer that has one."""
        for reply in reversed(replies(self)):
            blocks = numbered_code_blocks(reply.answer_text)
            if blocks:
                from mimo_tui.ui.clipboard import copy_and_notify

                copy_and_notify(self.app, blocks[-1].code, copied_what(blocks[-1]))
                return
        self.notify("No code block to copy.", markup=False, timeout=2)

    def action_external_editor(self) -> None:
        """The message box in $VISUAL/$EDITOR, or the in-app editor (ui/editor.py)."""
        from mimo_tui.ui.editor import edit_message_box

        edit_message_box(self.query_one("#prompt", PromptInput))

    def action_edit_last(self) -> None:
        users: list[Any] = list(self.query("UserMessage"))  # loaded lazily: queried by name
        if not users:
            self.notify("No message to edit yet.", markup=False, timeout=2)
            return
        self.post_message(MessageAction("edit", users[-1].message))

    def action_toggle_thinking(self) -> None:
        self.apply_settings({"thinking": not self.runtime.settings.thinking}, save=False)
        state = "on" if self.runtime.settings.thinking else "off"
        self.notify(f"Thinking {state} for this session.", markup=False, timeout=2)

    def action_compact(self) -> None:
        from mimo_tui.ui.compact import compact_session

        # A worker: the summary request streams while the screen keeps answering keys.
        self.run_worker(compact_session(self), group="compact", exclusive=True)

    def action_uncompact(self) -> None:
        from mimo_tui.ui.compact import undo_compaction

        undo_compaction(self)

    def action_toggle_web_search(self) -> None:
        self.apply_settings({"web_search": not self.runtime.settings.web_search}, save=False)
        from mimo_tui.web_search import switch_notice

        self.notify(switch_notice(self.runtime.settings.web_search), markup=False, timeout=3)
        self._update_topbar()

    def action_settings(self, focus: str = "model") -> None:
        from mimo_tui.ui.widgets.settings import SettingsScreen

        def done(changes: dict[str, Any] | None) -> None:
            if changes:
                self.apply_settings(changes)
                where = "this demo run" if self.runtime.settings.demo else "config.toml"
                self.notify(f"Settings saved to {where}.", markup=False, timeout=2)

        themes = sorted(self.app.available_themes)
        self.app.push_screen(SettingsScreen(self.runtime.settings, themes, focus), done)

    def action_change_model(self) -> None:
        self.action_settings("model")

    def action_help(self) -> None:
        from mimo_tui.ui.widgets.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def apply_settings(self, changes: dict[str, Any], save: bool = True) -> None:
        """Apply settings to this run and this session; with `save`, write config.toml too.

        Model, thinking and prompt choices are remembered with the session (it reopens with
        them); every change saved lands in config.toml as the default for new sessions.
        """
        runtime = self.runtime
        if save:
            try:
                runtime.remember(changes)  # the demo keeps them in memory
            except (ConfigError, OSError) as exc:
                notify_safe(self, f"config.toml not updated: {exc}", severity="error")
        theme = changes.get("theme")
        runtime.update_settings(replace(runtime.settings, **changes))
        per_session = {
            k: v
            for k, v in changes.items()
            if k in ("model", "thinking", "lang", "system_prompt", "web_search")
        }
        if per_session:
            runtime.store.update_session_settings(self.session_id, per_session)
        if theme and theme != self.app.theme:
            self.app.theme = theme
        self.status.model, self.status.thinking = runtime.settings.model, runtime.settings.thinking
        self.status.show_idle()

    @on(MessageStep)
    def step_focus(self, event: MessageStep) -> None:
        """Up/Down on a focused message: its neighbour; below the last one, the input."""
        items = [w for w in self.conversation.children if w.can_focus and w.display]
        if event.widget not in items:
            return
        index = items.index(event.widget) + event.direction
        if index >= len(items):
            self.focus_input()
        elif index >= 0:
            items[index].focus()
            items[index].scroll_visible(animate=False)

    @on(PromptInput.LeaveUp)
    def leave_input(self) -> None:
        items = [w for w in self.conversation.children if w.can_focus and w.display]
        if items:
            items[-1].focus()
            items[-1].scroll_visible(animate=False)

    @on(PromptInput.HelpWanted)
    def help_wanted(self) -> None:
        self.action_help()

    def action_toggle_reasoning(self) -> None:
        for reply in reversed(replies(self)):
            if reply.toggle_reasoning():
                return
        self.notify("No reasoning to show yet.", markup=False, timeout=2)

    async def action_new_session(self) -> None:
        if self.busy:
            return
        session = self.runtime.new_session()
        await self.load_session(session.id)

    def offered(self, action: str) -> bool:
        """Whether a key is offered at all as things are set up: the demo and pasting a key
        only without an API key, retry only with one. F1's help leaves the others out."""
        if action in ("start_demo", "set_key"):
            return not self.runtime.has_key
        if action == "retry":
            return self.runtime.has_key
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.offered(action):
            return False
        if action == "retry":  # dimmed while a reply streams
            return None if self.busy else True
        if action == "cancel":  # in the footer only when Escape would do something
            return (
                self.busy
                or not isinstance(self.focused, PromptInput)
                or self.inspector.has_class("-open")
                or self.sessions_panel.has_class("-open")
            )
        return True

    async def action_start_demo(self) -> None:
        await self.app.start_demo(self)  # type: ignore[attr-defined]

    async def use_runtime(self, runtime: Runtime, session_id: str) -> None:
        """Carry on in this window with another runtime (F2: the offline demo)."""
        self.runtime = runtime
        await self.load_session(session_id)
        self.refresh_bindings()  # F2 itself is offered only while there is no key

    def action_retry(self) -> None:
        if not self.busy:
            self.run_turn(None)

    @work(group="dialog")
    async def action_set_key(self) -> None:
        """Paste an API key (shown as dots); it is stored like `mimo-tui key set` stores it."""
        from mimo_tui.ui.widgets.dialogs import TextPrompt

        key_file = self.runtime.paths.key_file
        key = await self.app.push_screen_wait(
            TextPrompt(
                "Paste your MiMo API key",
                hint=f"Stored owner-only (0600) in {key_file} · Enter saves · Escape cancels",
                password=True,
            )
        )
        key = (key or "").strip()
        if not key:
            return
        if any(c.isspace() for c in key):
            self.notify("Not stored: a key has no spaces.", severity="error", markup=False)
            return
        try:
            await self.app.use_key(self, key)  # type: ignore[attr-defined]
        except OSError as exc:
            self.notify(f"Not stored: {exc.strerror or exc}", severity="error", markup=False)
            return
        self.notify("Key stored; messages can be sent now.", markup=False, timeout=3)
