"""The events of a turn: what the engine yields and the TUI and `mimo-tui ask` render.

NamedTuples (see mimo_tui.model), in a module of their own: it loads with the engine, in the
warm-up after the first frame, so a new chat's first frame does without defining them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from mimo_tui.model import Message, ToolRecord, Usage


class UserSaved(NamedTuple):
    """The user's message is in the store, before any request is made; `title` is the
    session's title with it (a first message names the session), so no reader re-reads it."""

    message: Message
    title: str = ""


class RoundStarted(NamedTuple):
    """A request to the model is about to be sent (round 1, then one per tool round)."""

    round: int
    message_id: int
    system_prompt: str | None


class ReasoningDelta(NamedTuple):
    text: str


class ContentDelta(NamedTuple):
    text: str


class ToolCallDelta(NamedTuple):
    """A fragment of a streamed tool call; fragments with the same slot belong together.

    `slot` is the wire's `index` (OpenAI) or content-block number (Anthropic); not named
    `index`, which would shadow `tuple.index`.
    """

    slot: int
    id: str | None
    name: str | None
    arguments: str


class UsageReported(NamedTuple):
    usage: Usage


class ThinkingBlockDone(NamedTuple):
    """Anthropic format: one complete thinking block (its text and signature), to store."""

    block: dict[str, Any]


class SourcesReported(NamedTuple):
    """Web search: annotation objects (sources, citations) exactly as the server sent them."""

    annotations: list[dict[str, Any]]


class StreamFinished(NamedTuple):
    """The model's stream ended with this finish reason (client-level event)."""

    finish_reason: str


class RetryScheduled(NamedTuple):
    """The SDK got `status` (429, 5xx) and will send the request again after `wait_s`
    (`exact`: the server's retry-after; else the SDK's backoff, at most that): retry
    `attempt` of `max_retries`. Nothing has streamed yet."""

    status: int
    wait_s: float
    exact: bool
    attempt: int
    max_retries: int


class RoundFinished(NamedTuple):
    """The assistant message of one round, final and stored."""

    message: Message


class ToolCallUpdated(NamedTuple):
    """A tool call changed state (awaiting approval, running, or a final status)."""

    record: ToolRecord


class TurnFinished(NamedTuple):
    """The turn is over; `notice` says why it stopped early (round cap, length...), if it did."""

    message: Message
    notice: str | None = None


class Compacted(NamedTuple):
    """Before this turn, the session was compacted automatically (its context was filling):
    `covered` older messages are now replayed as a summary. `error`: it was tried and failed,
    and the turn goes on with the full history."""

    covered: int
    bytes_before: int
    bytes_after: int
    error: str | None = None


class TurnFailed(NamedTuple):
    """The turn ended with an error; the partial reply (if any) is stored and marked."""

    error: str
    kind: str
    message: Message | None


StreamEvent = (
    ReasoningDelta
    | ContentDelta
    | ToolCallDelta
    | UsageReported
    | ThinkingBlockDone
    | SourcesReported
    | StreamFinished
    | RetryScheduled
)
TurnEvent = (
    UserSaved
    | Compacted
    | RoundStarted
    | ReasoningDelta
    | ContentDelta
    | ToolCallDelta
    | UsageReported
    | ThinkingBlockDone
    | SourcesReported
    | RetryScheduled
    | RoundFinished
    | ToolCallUpdated
    | TurnFinished
    | TurnFailed
)
