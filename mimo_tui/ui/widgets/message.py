"""One widget per message in the conversation, updated in place as the reply streams."""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from mimo_tui.catalogue import Catalogue
from mimo_tui.cost import reply_stats
from mimo_tui.model import Message
from mimo_tui.stream_buffer import StreamBuffer
from mimo_tui.text import visible
from mimo_tui.ui.widgets.conversation_items import MessageAction, Reply
from mimo_tui.ui.widgets.lines import (
    LaidOutOnce,
    LiveAnswer,
    MarkdownBlocks,
)
from mimo_tui.ui.widgets.reasoning import ReasoningPanel
from mimo_tui.ui.widgets.steppable import STEP_BINDINGS, Steppable


def reasoning_title(
    tokens: int | None, ms: int | None, live: bool = False, estimated: bool = False
) -> str:
    """`Reasoning · 312 tokens · 4.1 s`; `~312` while the count is estimated (chunks, until
    the usage arrives); `thinking…` while it goes on."""
    parts = ["Reasoning"]
    if live:
        parts.append("thinking…")
    if tokens:
        parts.append(f"{'~' if estimated else ''}{tokens} tokens")
    if ms is not None:
        parts.append(f"{ms / 1000:.1f} s")
    return " · ".join(parts)


def _last_block_boundary(text: str) -> int:
    """Index just after the last blank line that is not inside a code fence (0 if none).

    A fence closes as CommonMark has it: a line of the opening character only, at least
    as many of it (so a ```` block can hold a ``` one, and ``` inside ~~~ is code)."""
    best, fence, pos = 0, "", 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        run = len(stripped) - len(stripped.lstrip(stripped[:1])) if stripped else 0
        if not fence:
            if run >= 3 and stripped[0] in "`~":
                fence = stripped[:run]
        elif stripped and stripped == fence[0] * run and run >= len(fence):
            fence = ""
        pos += len(line)
        if not fence and not stripped and pos < len(text):
            best = pos
    return best


class UserMessage(Static, Steppable, can_focus=True):
    DEFAULT_CSS = """
    UserMessage {
        margin: 1 0 1 0;
        padding: 0 1;
        border-left: thick $primary;
        background: $boost;
    }
    /* A new turn: a rule in the theme's $turn-rule above every question. (Not
       `:first-of-type` to spare the first: Textual restyles every sibling on each mount
       for such a selector, and paging through history mounts 40 at a time.) */
    UserMessage { border-top: solid $turn-rule; }
    UserMessage:focus { background: $primary 25%; }
    """

    BINDINGS = [
        *STEP_BINDINGS,
        Binding("c", "act('copy')", "Copy", id="message.copy"),
        # The screen's, with priority: it opens the editor before the next key is passed
        # on, so what is typed straight after goes into the editor (sessions.edit).
        Binding("e", "screen.edit_message", "Edit & resend", id="message.edit", priority=True),
    ]

    def __init__(self, message: Message) -> None:
        super().__init__(Content(visible(message.content)), markup=False)
        self.message = message

    def action_act(self, action: str) -> None:
        self.post_message(MessageAction(action, self.message))


def meta_text(
    message: Message, error_below: bool = False, catalogue: Catalogue | None = None
) -> str:
    """The line under a reply: status, model, tokens, prompt and cache hits, estimated cost,
    time, tool calls, finish reason.

    With `error_below`, the error is said in full in a notice under the reply (just after
    it failed), so the line only says that it failed.
    """
    parts = []
    if message.status == "interrupted":
        parts.append("⏹ interrupted")
    elif message.status == "error":
        parts.append("✖ failed (see below)" if error_below else "✖ " + (message.error or "failed"))
    if message.model:
        parts.append(message.model)
    if message.usage:
        info = (catalogue or Catalogue()).lookup(message.model or "")
        prompt, *cost = reply_stats(message.usage, info)  # `79 in, 40% cached`, `~¥0.0003`
        parts += [prompt, f"{message.usage.completion_tokens} out", *cost]
    if message.duration_ms:
        parts.append(f"{message.duration_ms / 1000:.1f} s")
    if message.tool_calls:
        count = len(message.tool_calls)
        parts.append(f"→ {count} tool call{'s' if count != 1 else ''}")
    if message.finish_reason and message.finish_reason not in ("stop", "tool_calls"):
        parts.append(f"finish: {message.finish_reason}")
    return visible(" · ".join(parts))


class AssistantMessage(Reply, LaidOutOnce, Vertical, can_focus=True):
    """The reply in flight: a live reasoning panel and the streamed Markdown answer. Once
    final, the chat screen swaps it for a StoredReply.

    The answer is one line-drawn widget (LiveAnswer): finished blocks rendered once, and
    the unfinished tail, rendered again at each flush. Chunks are coalesced per
    frame and no flush re-parses more than the tail, so the cost per chunk does not grow with
    the reply; the final StoredReply renders the last tail once more as a whole block.
    """

    DEFAULT_CSS = """
    /* Vertical's own CSS, which a Reply (the first base) does not inherit. */
    AssistantMessage { width: 1fr; layout: vertical; overflow: hidden hidden; }
    """

    BINDINGS = [
        *STEP_BINDINGS,
        Binding("c", "act('copy')", "Copy", id="message.copy_answer"),
        Binding("g", "act('regenerate')", "Regenerate", id="message.regenerate"),
        Binding("enter", "toggle_reasoning", "Reasoning", id="message.reasoning"),
    ]

    def __init__(self, message: Message, fold: str = "fold") -> None:
        super().__init__()
        self.message = message  # the row being streamed (its id, status "streaming")
        self.fold = fold
        self.reasoning: ReasoningPanel | None = None
        self._answer = LiveAnswer(take=self._take)
        self._content_parts: list[str] = []
        self._buffer = StreamBuffer(now=time.monotonic())  # answer text not yet drawn
        self._tail = ""  # the unfinished blocks, shown at the end of the LiveAnswer
        self._draw_due = False  # a firehose stream's next draw is scheduled
        self._stale_due = False  # the check for text the answer did not take is scheduled
        self._reasoning_chunks = 0  # the token estimate until the usage counts them
        self._reasoning_from: tuple[float, float] | None = None  # (seconds, monotonic) at first
        self._reasoning_done: tuple[int, int | None] | None = None  # (ms, exact tokens)

    def compose(self) -> ComposeResult:
        yield self._answer

    # ---- streaming -----------------------------------------------------------------------
    #
    # Deltas arrive far faster than a terminal can show them (hundreds per second unpaced).
    # They are only buffered here, and the answer is marked for a repaint; the answer takes
    # the buffer when the next frame draws it (_take), so rendering is paid per frame, not
    # per chunk, and text is drawn in the frame right after it arrived. (A timer of our own
    # handing text over every 1/60 s ran out of step with Textual's own frame timer: text
    # waited for one, then the other; render lag at 200 tok/s was p50 21 / p99 47 ms.)

    async def add_reasoning(self, text: str, seconds: float) -> None:
        if self.reasoning is None:
            self.reasoning = ReasoningPanel(
                collapsed=self.fold == "closed", title=reasoning_title(None, None, live=True)
            )
            await self.mount(self.reasoning, before=self._answer)
        self.reasoning.append(text)
        self._reasoning_chunks += 1
        self._reasoning_done = None  # (more thinking after a tool call's: live again)
        if self._reasoning_from is None:
            self._reasoning_from = (seconds, time.monotonic())
        ms = round((seconds - self._reasoning_from[0]) * 1000)  # from its first token
        self.reasoning.set_title(reasoning_title(None, ms, live=True))

    def end_reasoning(self, exact_tokens: int | None = None) -> None:
        """The reasoning is over (the answer or a tool call began, or the usage came): its
        title says at once how long it took and how many tokens, `~` estimated from the
        chunks until the usage gives the exact count."""
        if self.reasoning is None or self._reasoning_from is None:
            return
        if self._reasoning_done is None:
            ms = round((time.monotonic() - self._reasoning_from[1]) * 1000)
        elif exact_tokens and exact_tokens != self._reasoning_done[1]:
            ms = self._reasoning_done[0]
        else:  # already said (each tool-call chunk ends it again)
            return
        exact = exact_tokens or None
        self._reasoning_done = (ms, exact)
        tokens = exact or self._reasoning_chunks
        self.reasoning.set_title(reasoning_title(tokens, ms, estimated=not exact))

    async def add_content(self, text: str) -> None:
        if not self._content_parts and self.reasoning is not None and self.fold == "fold":
            self.reasoning.collapsed = True
        if self._reasoning_done is None:
            self.end_reasoning()
        self._content_parts.append(text)
        now = time.monotonic()
        self._buffer.feed(visible(text), now)
        if self._answer.is_empty:  # no lines yet, so not drawn: show its first text at once
            self._flush()
            return
        if not self._stale_due:  # off screen, the answer is not drawn and takes nothing
            self._schedule_stale(now)
        if self._draw_due:
            return
        wait = self._buffer.next_draw(now) - now
        if wait <= 0:
            self._answer.refresh()  # it takes the text when the next frame draws it
        else:  # (never a zero delay: Textual's timer divides by it)
            self._draw_due = True
            self.set_timer(wait, self._draw)

    def _draw(self) -> None:
        self._draw_due = False
        self._answer.refresh()

    def _schedule_stale(self, now: float) -> None:
        due = self._buffer.next_due(now)
        if due is not None:
            self._stale_due = True
            self.set_timer(max(due - now, 1e-3), self._hand_over_stale)

    def _hand_over_stale(self) -> None:
        """Hand over text the answer has not taken in time (it is off screen, or the frames
        are late); check again for text that came since."""
        self._stale_due = False
        now = time.monotonic()
        due = self._buffer.next_due(now)
        if due is None:
            return
        if due <= now:
            self._flush()
        else:
            self._schedule_stale(now)

    def _take(self) -> tuple[str, str] | None:
        """What arrived since the answer last took text, as (finished blocks, unfinished
        tail); None if nothing did."""
        shown = self._buffer.take(time.monotonic())
        if shown is None:
            return None
        tail = self._tail + shown
        cut = _last_block_boundary(tail)  # finished blocks are rendered once, for good
        self._tail = tail[cut:]
        return tail[:cut], self._tail

    def _flush(self) -> None:
        """Hand everything that arrived to the answer now, not when it is next drawn: its
        first text (it has no lines to be drawn yet), text it did not take in time, and
        the rest of the stream when it ends."""
        taken = self._take()
        if taken is not None:
            self._answer.show(*taken)

    async def finish(self, message: Message) -> None:
        """The reply is final: flush the buffer and record the final message."""
        self.message = message
        self._flush()
        if self.reasoning is not None:
            self.reasoning.finish()

    @property
    def reasoning_open(self) -> bool:
        return self.reasoning is not None and not self.reasoning.collapsed

    def rendered_blocks(self) -> MarkdownBlocks:
        """The answer as blocks, the frozen ones already rendered (call after finish())."""
        blocks = self._answer.blocks
        blocks.add(self._tail + (self._buffer.take(time.monotonic()) or ""))
        return blocks

    @property
    def answer_text(self) -> str:
        """The answer as shown (control characters made visible)."""
        return visible("".join(self._content_parts))

    def toggle_reasoning(self) -> bool:
        if self.reasoning is None:
            return False
        self.reasoning.collapsed = not self.reasoning.collapsed
        return True

    @property
    def has_reasoning(self) -> bool:
        return self.reasoning is not None
