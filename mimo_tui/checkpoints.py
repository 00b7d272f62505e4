"""The reply in flight as the store sees it: its timings, its fields filled from what the
round assembled, and its checkpoints (now, or once after a delay).

Apart from the engine (engine.py) because this is the one part of a round that decides
what a crash or a full disk leaves behind, and it is read and tested on its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from mimo_tui.assemble import Assembler
from mimo_tui.model import Message
from mimo_tui.store import Store, StoreDamaged, StoreFull
from mimo_tui.tool_ids import unique_call_ids

CHECKPOINT_S = 1.0  # the reply in flight is saved at least this often (seconds)


def failure_kind(exc: StoreFull | StoreDamaged | OSError) -> str:
    """TurnFailed's kind for a write that failed: a damaged store is not fixed by freeing
    space or retrying, so it is told apart from a full disk."""
    return "store_damaged" if isinstance(exc, StoreDamaged) else "disk_full"


@dataclass
class Timing:
    """When a round began, its first token and first answer token came, and the last
    checkpoint was written (monotonic seconds)."""

    mono: Callable[[], float]
    start: float = 0.0
    first_token: float | None = None
    first_answer: float | None = None
    last_checkpoint: float = 0.0

    def ms(self, a: float | None, b: float | None) -> int | None:
        if a is None or b is None:
            return None
        return round((b - a) * 1000)


class Checkpoints:
    """Writes the reply in flight to the store: now, or once after a delay (a stream that
    stalls after a delta still gets it saved). A full disk stops the writes, keeps the last
    checkpoint that fitted and remembers what to tell the user; so does a damaged store. It
    never raises."""

    def __init__(self, store: Store, reply: Message, fill: Callable[[str], None]) -> None:
        self.store, self.reply, self.fill = store, reply, fill
        self.failure: str | None = None
        self.failure_kind = "disk_full"
        self.saved_chars = 0  # of the answer and reasoning, at the last checkpoint that fitted
        self._later: asyncio.TimerHandle | None = None

    def save(self, status: str = "streaming") -> None:
        self.cancel()
        self.fill(status)
        if self.failure is not None:
            return
        try:
            self.store.update_message(self.reply)
        except StoreFull as exc:
            kept = (
                f"the store keeps the reply as last saved ({self.saved_chars:,} characters)"
                if self.saved_chars
                else "the store keeps your question"
            )
            self.failure = (
                f"Disk full: the reply could not be saved in full ({exc.__cause__}); "
                f"{kept}. Free some disk space, then retry"
            )
            return
        except StoreDamaged as exc:  # what was shown is not all saved; its message says why
            self.failure, self.failure_kind = str(exc), "store_damaged"
            return
        self.saved_chars = len(self.reply.content) + len(self.reply.reasoning_content)

    def save_later(self, delay: float) -> None:
        if self._later is None and self.failure is None:
            self._later = asyncio.get_running_loop().call_later(max(delay, 0.01), self.save)

    def cancel(self) -> None:
        if self._later is not None:
            self._later.cancel()
            self._later = None


def fill_reply(reply: Message, asm: Assembler, timing: Timing, status: str) -> None:
    """Copy what the round assembled so far into its stored message, with `status`."""
    end = timing.mono()
    reply.content = asm.content_text
    reply.reasoning_content = asm.reasoning_text
    # Ids distinct within the round: a server may repeat one (see mimo_tui.tool_ids).
    reply.tool_calls = unique_call_ids(asm.tool_calls())
    reply.thinking_blocks = list(asm.thinking_blocks) or None
    reply.sources = list(asm.sources) or None
    reply.usage = asm.usage
    reply.finish_reason = asm.finish_reason
    reply.status = status  # type: ignore[assignment]
    reply.ttft_ms = timing.ms(timing.start, timing.first_token)
    reply.reasoning_ms = (
        timing.ms(timing.first_token, timing.first_answer or end) if asm.reasoning else None
    )
    reply.duration_ms = timing.ms(timing.start, end)
