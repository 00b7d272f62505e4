"""The reply in flight: each event of a turn drawn by the widget it belongs to.

TurnView is the chat screen's turn renderer: it mounts the user message and the streaming
reply into the conversation, feeds them deltas, swaps a finished reply for one StoredReply,
updates tool-call lines and the inspector, and keeps the status line's phase and clock.
It holds no transcript: the store is the transcript.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

from mimo_tui.compaction import compacted_note
from mimo_tui.inspect import tool_records
from mimo_tui.model import Message, ToolRecord
from mimo_tui.text import secret_in
from mimo_tui.ui.memory import release_render_caches
from mimo_tui.ui.safe import notify_safe
from mimo_tui.ui.widgets.notices import Notice
from mimo_tui.ui.widgets.prompt_input import PromptInput
from mimo_tui.ui.widgets.tool_call import ToolCallLine
from mimo_tui.ui.widgets.welcome import Welcome

if TYPE_CHECKING:
    from mimo_tui.ui.chat import ChatScreen
    from mimo_tui.ui.widgets.message import AssistantMessage


class TurnView:
    """Draws one turn at a time for `screen`."""

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen
        self.reply: AssistantMessage | None = None
        self.started = 0.0
        self._round_started = 0.0
        self._tokens = 0
        self._phase = ""
        self._retry: tuple[Any, float] | None = None  # the SDK's retry waited for, and since
        self._context_warned: str | None = None  # the session the 80 % warning was shown in
        # What was just sent and is not saved yet: given back to the input if saving fails.
        self._unsent: tuple[str, list[Any]] | None = None

    def submitted(self, text: str) -> None:
        """Enter in the message box: send, unless a reply is still streaming."""
        if self.screen.busy:
            self.screen.notify(
                "A reply is still streaming: press Escape to stop it first.",
                severity="warning",
                markup=False,
            )
            return
        self.screen._dialog(self.send_checked(text))

    async def send_checked(self, text: str) -> None:
        """Send, after asking when the message seems to carry a key: it would be stored and
        sent to the model."""
        from mimo_tui.ui.widgets.dialogs import Confirm

        found = secret_in(text, self.screen.runtime.settings.api_key)
        if found and not await self.screen.app.push_screen_wait(
            Confirm(
                f"This message contains {found}. It would be sent to the model and kept "
                "in the session store. Send it anyway?"
            )
        ):
            self.screen.notify("Not sent; the message is still in the input.", markup=False)
            return
        taken = await self.screen.attach.take_attachments(text)
        if taken is None:  # said why; the message and its chips stay
            return
        text, attached = taken
        self.screen.query_one(PromptInput).clear()
        await self.screen.attach.attachment_bar.clear()
        self._unsent = (text, list(attached))
        self.screen.run_turn(text, attached)

    async def _give_back(self) -> bool:
        """The message that could not be saved goes back into the input with its chips (when
        the user has not typed anew). True when it did."""
        unsent, self._unsent = self._unsent, None
        box = self.screen.query_one(PromptInput)
        if unsent is None or box.text.strip() or self.screen.attach.attachment_bar.chips:
            return False
        box.text = unsent[0]
        for attachment, data in unsent[1]:
            await self.screen.attach.attachment_bar.add(attachment, data)
        return True

    async def run(self, text: str | None, attached: list[Any]) -> None:
        """Consume one turn's events (text None: retry the session as stored), in the
        screen's "turn" worker."""
        screen = self.screen
        engine = screen.runtime.engine
        events = (
            engine.turn(screen.session_id, text, attached)
            if text is not None
            else engine.rounds(screen.session_id)
        )
        self.started = time.monotonic()
        conv = screen.conversation
        conv.anchor()  # sending follows the reply at the bottom...
        await conv.trim(force=True)  # ...so far history paged in earlier can go
        conv.busy = True
        ticker = screen.set_interval(0.1, self.tick)
        screen.refresh_bindings()
        try:
            async with contextlib.aclosing(events) as stream:
                async for event in stream:
                    await self.render(event)
        finally:
            conv.busy = False
            ticker.stop()
            release_render_caches()
            await self.end()
            screen.set_timer(0.5, screen.mimo.collect_garbage)

    async def end(self) -> None:
        """The turn's events are over (finished, failed, cancelled, or stopped by an
        unexpected error, which the screen reports): a message never saved goes back into
        the input rather than being lost with the cleared input."""
        if self._unsent is not None:
            await self._give_back()
        self._tools_as_stored()
        if self.reply is not None:  # cancelled mid-round: mark what arrived
            msg = self._stored(self.reply)
            if msg is not None:
                if msg.status == "streaming":  # the engine's own save may still be due
                    msg.status = "interrupted"
                await self._settle(msg)
            self.reply = None
            self.screen.status.show_idle()

    async def _settle(self, msg: Message, error_below: bool = False) -> None:
        """The reply in flight is final: swap its live widgets for one StoredReply, so the
        conversation keeps a small DOM however long it gets (`error_below`: its error is
        told in a notice under it)."""
        from mimo_tui.ui.widgets.stored_reply import StoredReply

        reply = self.reply
        self.reply = None
        if reply is None:
            return
        await reply.finish(msg)
        # The panel stays as the user left it, except that "fold" folds a finished round.
        folds = self.screen.runtime.settings.reasoning_panel == "fold" and msg.status == "complete"
        open_ = reply.reasoning_open and not folds
        focused = self.screen.focused is reply
        stored = StoredReply(
            msg, reasoning_open=open_, blocks=reply.rendered_blocks(), error_below=error_below
        )
        await self.screen.conversation.mount(stored, after=reply)
        await reply.remove()
        self.screen.versions.mark_versions()
        if focused:
            stored.focus()

    def _stored(self, widget: AssistantMessage) -> Message | None:
        if widget.message is None or widget.message.id is None:
            return None
        return self.screen.runtime.store.message(widget.message.id)

    async def render(self, event: Any) -> None:
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

        conv = self.screen.conversation
        match event:
            case UserSaved(message=msg, title=title):
                self._unsent = None
                await conv.query(Welcome).remove()
                await conv.mount_all(conv.make_widgets(msg))
                conv.anchor()
                self.screen.show_title(title)
            case Compacted(covered=n, bytes_before=a, bytes_after=b, error=error):
                notify_safe(self.screen, compacted_note(n, a, b, error), timeout=8)
                if error is None:  # its marker, at the cut
                    store = self.screen.runtime.store
                    await conv.set_compaction(store.active_compaction(self.screen.session_id))
            case RoundStarted(message_id=message_id):
                from mimo_tui.ui.widgets.message import AssistantMessage

                self.reply = AssistantMessage(
                    Message(role="assistant", id=message_id, status="streaming"),
                    fold=self.screen.runtime.settings.reasoning_panel,
                )
                await conv.mount(self.reply)
                self._round_started = time.monotonic()
                self._tokens = 0
                self._phase = ""
                self._retry = None
            case RetryScheduled() if self.reply:
                self._retry = (event, time.monotonic())
                self.tick()
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
                self.screen.status.add_usage(msg.usage, msg.model)
                self.screen.status.show_reply(msg)
                self._warn_context()
            case ToolCallUpdated(record=record):
                await self._show_tool(record)
            case TurnFinished(notice=notice):
                if notice:
                    await conv.mount(Notice(notice, "warning"))
                self.screen.status.show_idle()
                await self.screen.conversation.trim()
            case TurnFailed(error=error, kind=kind, message=msg):
                # Said once, in full, in the notice; the reply and the status line only
                # point to it.
                if self.reply is not None and msg is not None:
                    await self._settle(msg, error_below=True)
                if kind == "no_key":
                    hint = "Press F5 to paste a key here, or F2 for the offline demo."
                    self.screen.status.show_error("✖ no API key · F5 pastes one", "✖ no key · F5")
                elif kind == "plan_mismatch":
                    hint = "Nothing was sent. Restart with the base URL set as above."
                    self.screen.status.show_error("✖ key and base URL of different plans", "✖ plan")
                elif kind == "store_damaged":  # a retry fails the same way: only a restart helps
                    hint = "Quit and start mimo-tui again to go on in a fresh store."
                    if msg is None and self._unsent is not None and await self._give_back():
                        hint += " Your message is back in the input."
                    self.screen.status.show_error("✖ store damaged · restart", "✖ damaged")
                elif msg is None and self._unsent is not None and await self._give_back():
                    hint = "It is back in the input, with its attachments: send it again."
                    self.screen.status.show_error("✖ not saved · not sent", "✖ not sent")
                else:
                    hint = "Press F5 to retry."
                    self.screen.status.show_error("✖ reply failed · F5 retries", "✖ failed · F5")
                await conv.mount(Notice(f"{error}\n{hint}", "error"))

    async def _show_tool(self, record: ToolRecord) -> None:
        """Update the call's line in the conversation (mount it the first time) and the
        inspector's row."""
        line = next(
            (w for w in self.screen.query(ToolCallLine) if w.record.key == record.key), None
        )
        if line is None:
            await self.screen.conversation.mount(ToolCallLine(record))
        else:
            line.show(record)
        self.screen.inspector.update_record(record)
        if record.status == "running":
            self._phase = f"running {record.name}"

    def _tools_as_stored(self) -> None:
        """Calls the turn left unfinished (Escape stopped a tool; the engine stored it as
        cancelled, with no event to say so) show what the store holds."""
        pending = self.screen.inspector.unfinished()
        pending += [w.record for w in self.screen.query(ToolCallLine) if not w.record.final]
        first = min((r.assistant_message_id or 0 for r in pending), default=None)
        if first is None:
            return
        keys = {r.key for r in pending}
        stored = tool_records(
            self.screen.runtime.store.messages(self.screen.session_id, from_id=first)
        )
        for record in (r for r in stored if r.key in keys):
            for line in self.screen.query(ToolCallLine):
                if line.record.key == record.key:
                    line.show(record)
            self.screen.inspector.update_record(record)

    def tick(self) -> None:
        elapsed = time.monotonic() - self._round_started if self._round_started else 0.0
        if self.reply is None:
            return
        if not self._phase:
            self.screen.status.show_waiting(elapsed, self._retry_note())
        else:
            self.screen.status.show_streaming(self._phase, elapsed, self._tokens)

    def _warn_context(self) -> None:
        """Once per session: the next request will fill 80 % of the model's window."""
        fill = self.screen.status.context
        session = self.screen.session_id
        if fill is None or not fill.warning or self._context_warned == session:
            return
        self._context_warned = session
        notify_safe(
            self.screen,
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
