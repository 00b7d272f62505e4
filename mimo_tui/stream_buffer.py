"""Streamed text waiting to be drawn: when to draw it and when it is overdue.

Deltas arrive far faster than a terminal can show them (hundreds a second unpaced). A
widget feeds each one here and draws what it takes, once per frame or less often: the
cost of drawing is paid per frame, not per chunk. This module holds only the timing
policy, with the clock passed in, so it is tested without a UI:

- `feed(text, now)` queues text;
- `take(now)` hands over everything queued since the last take (or None);
- `next_draw(now)` is when the next draw should be: at once at a model's usual pace, but
  only every `firehose_s` when chunks come faster than `firehose_rate` a second;
- `next_due(now)` is the latest time queued text may wait (`patience` after the oldest of
  it arrived, plus the firehose interval in a firehose): past it, the widget hands the text
  over itself, even if no frame came to take it (it is off screen, or the frames are late).
"""

from __future__ import annotations

FIREHOSE_S = 0.1  # a firehose stream is drawn this often
FIREHOSE_RATE = 1000.0  # chunks per second that mean "firehose" (models send ~50-300)
STALE_S = 2 / 60  # text not drawn this long after it is due is handed over


def firehose(chunks_per_second: float, rate: float = FIREHOSE_RATE) -> bool:
    """Whether chunks come faster than it is worth drawing every frame."""
    return chunks_per_second >= rate


class StreamBuffer:
    """Chunks of one stream not yet drawn, and the pace they came at."""

    def __init__(
        self,
        patience: float = STALE_S,
        firehose_s: float = FIREHOSE_S,
        firehose_rate: float = FIREHOSE_RATE,
        now: float = 0.0,
    ) -> None:
        self.patience = patience
        self.firehose_s = firehose_s
        self.firehose_rate = firehose_rate
        self._parts: list[str] = []
        self.size = 0  # characters queued
        self._since = 0.0  # when the oldest queued chunk arrived
        self._last_take = now
        self.pace = 0.0  # chunks per second between the last two takes

    def __bool__(self) -> bool:
        return bool(self._parts)

    @property
    def is_firehose(self) -> bool:
        return firehose(self.pace, self.firehose_rate)

    def feed(self, text: str, now: float) -> None:
        if not self._parts:
            self._since = now
        self._parts.append(text)
        self.size += len(text)

    def take(self, now: float) -> str | None:
        """Everything fed since the last take, as one string; None if nothing was."""
        if not self._parts:
            return None
        self.pace = len(self._parts) / max(now - self._last_take, 1e-3)
        self._last_take = now
        text = "".join(self._parts)
        self._parts.clear()
        self.size = 0
        return text

    def next_draw(self, now: float) -> float:
        """When the next draw should be: `now`, or later while the stream is a firehose."""
        if not self.is_firehose:
            return now
        return max(now, self._last_take + self.firehose_s)

    def next_due(self, now: float) -> float | None:
        """The latest time the queued text may wait to be taken; None if nothing is queued."""
        if not self._parts:
            return None
        extra = self.firehose_s if self.is_firehose else 0.0
        return self._since + self.patience + extra
