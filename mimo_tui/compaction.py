"""Compaction: replay a summary of a session's older part instead of every message.

A long chat resends its whole history on every request (MiMo needs the tool turns replayed with
their reasoning), so its cost and its share of the context window grow with every turn. A
compaction asks the model once for a summary of the older turns and, from then on, the request
carries the system prompt with that summary appended, followed by the recent turns only.

What it never does:
- cut inside a tool round: the cut is always just before a user message, so an assistant
  message with tool calls, its tool results and the reply that follows stay together, with
  their `reasoning_content` (MiMo answers 400 otherwise);
- lose anything: the original messages stay in the store, on screen, in search and in every
  export; the summary lives in its own table, and undoing the compaction restores full replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from mimo_tui.model import Message, Usage
from mimo_tui.replay import build_replay

if TYPE_CHECKING:
    from mimo_tui.client import ChatClient
    from mimo_tui.store import Store

DEFAULT_KEEP_TURNS = 2

# The instruction that ends the summary request. The fake recognises it by this first line.
SUMMARY_INSTRUCTION = (
    "Summarise the conversation so far for your own later use.\n"
    "Keep every fact, decision, name, number, file path and open question the user may come "
    "back to, and what the tools returned that still matters. Write plain Markdown bullet "
    "points, no preamble."
)
SUMMARY_HEADER = (
    "Summary of the earlier part of this conversation (its messages are not repeated below):"
)


class Compaction(NamedTuple):
    """A summary that stands in, for replay, for every message of a session before `before_id`."""

    id: int
    session_id: str
    before_id: int  # the first message replayed as it is
    summary: str
    active: bool
    created_at: float
    covered: int = 0  # how many messages the summary stands in for (shown on screen)


def turn_starts(history: Sequence[Message]) -> list[int]:
    """Indexes of the user messages that begin a turn (superseded ones do not count)."""
    return [i for i, m in enumerate(history) if m.role == "user" and m.status != "superseded"]


def cut_index(history: Sequence[Message], keep_turns: int = DEFAULT_KEEP_TURNS) -> int | None:
    """The index of the first message kept as it is, or None when there is nothing to compact.

    The cut falls just before the `keep_turns`-th last user message, so no tool round is ever
    split; at least one earlier turn must exist to be summarised.
    """
    starts = turn_starts(history)
    keep = max(keep_turns, 0)
    if len(starts) <= keep:
        return None
    cut = starts[len(starts) - keep] if keep else len(history)
    return cut if cut > 0 else None


def with_summary(system_prompt: str | None, compaction: Compaction | None) -> str | None:
    """The system prompt a compacted session sends: the prompt, then the summary."""
    if compaction is None:
        return system_prompt
    block = f"{SUMMARY_HEADER}\n\n{compaction.summary.strip()}"
    return f"{system_prompt}\n\n{block}" if system_prompt else block


def base_prompt(system_prompt: str | None) -> str | None:
    """A recorded system prompt without the summary a compaction appended to it."""
    if system_prompt is None:
        return None
    if system_prompt.startswith(SUMMARY_HEADER):
        return None
    head, sep, _ = system_prompt.partition("\n\n" + SUMMARY_HEADER)
    return head if sep else system_prompt


def replayed(
    history: Sequence[Message], system_prompt: str | None, compaction: Compaction | None
) -> list[dict[str, Any]]:
    """What the next request sends for this history, compacted or not."""
    if compaction is None:
        return build_replay(list(history), system_prompt)
    kept = [m for m in history if (m.id or 0) >= compaction.before_id]
    return build_replay(kept, with_summary(system_prompt, compaction))


REPLAY_FROM = "_replay_from"  # in a recorded request's params: where its compacted replay began


def replay_record(params: dict[str, Any], compaction: Compaction | None) -> dict[str, Any]:
    """A request's recorded parameters, noting the cut of a compacted replay (for the inspector,
    which rebuilds each request exactly)."""
    return {**params, REPLAY_FROM: compaction.before_id} if compaction else params


def summary_request(
    history: Sequence[Message], cut: int, earlier: Compaction | None
) -> list[dict[str, Any]]:
    """The messages that ask for a summary of `history[:cut]` (building on an earlier one)."""
    older = history[:cut]
    messages = replayed(older, None, earlier)
    messages.append({"role": "user", "content": SUMMARY_INSTRUCTION})
    return messages


async def summarise(
    client: ChatClient, model: str, messages: list[dict[str, Any]]
) -> tuple[str, Usage | None]:
    """Ask the model (thinking off: a summary needs no deliberation) and collect the text."""
    from mimo_tui.client import RequestParams
    from mimo_tui.events import ContentDelta, UsageReported

    parts: list[str] = []
    usage: Usage | None = None
    async for event in client.stream(messages, RequestParams(model=model, thinking=False)):
        if isinstance(event, ContentDelta):
            parts.append(event.text)
        elif isinstance(event, UsageReported):
            usage = event.usage
    return "".join(parts).strip(), usage


class Compacted(NamedTuple):
    """What a compaction did, in the numbers a person checks it by."""

    compaction: Compaction
    messages_before: int  # replayed before / after
    messages_after: int
    bytes_before: int  # the replayed messages as JSON
    bytes_after: int


def compacted_note(covered: int, bytes_before: int, bytes_after: int, error: str | None) -> str:
    """What the TUI and `ask` say when a session was compacted before a turn."""
    if error:
        return f"Automatic compaction failed ({error}); this turn replays the whole history."
    return (
        f"The context was filling up: {covered} older messages are now replayed as a summary "
        f"({bytes_before / 1000:,.0f} kB → {bytes_after / 1000:,.0f} kB per request). "
        "The originals are kept; `sessions uncompact` undoes it."
    )


def _json_size(messages: list[dict[str, Any]]) -> int:
    import json

    return len(json.dumps(messages, ensure_ascii=False).encode())


def _boundary(history: Sequence[Message], cut: int | None) -> int | None:
    """The id a compaction cutting at index `cut` starts replaying from (past the end when
    everything is summarised)."""
    if cut is None or not history:
        return None
    if cut < len(history):
        return history[cut].id
    return (history[-1].id or 0) + 1


class NothingToCompact(Exception):
    """The session has no turns older than the ones to keep."""


async def compact(
    store: Store,
    client: ChatClient,
    session_id: str,
    model: str,
    system_prompt: str | None = None,
    keep_turns: int = DEFAULT_KEEP_TURNS,
) -> Compacted:
    """Summarise all but the last `keep_turns` turns and make that summary the active one.

    An earlier active compaction is built on: the model sees its summary and the messages
    after its cut, so the new summary still covers everything. Raises NothingToCompact, or
    the client's ApiError (nothing is stored then).
    """
    history = [m for m in store.messages(session_id) if m.status != "superseded"]
    earlier = store.active_compaction(session_id)
    cut = cut_index(history, keep_turns)
    first_kept = _boundary(history, cut)
    if cut is None or first_kept is None or (earlier and first_kept <= earlier.before_id):
        raise NothingToCompact(
            f"nothing to compact: the session has no turns before the last {keep_turns}"
        )
    text, _ = await summarise(client, model, summary_request(history, cut, earlier))
    if not text:
        raise NothingToCompact("the model returned an empty summary; nothing was changed")
    before = replayed(history, system_prompt, earlier)
    covered = sum(1 for m in history[:cut])
    compaction = store.add_compaction(session_id, first_kept, text, covered)
    after = replayed(history, system_prompt, compaction)
    return Compacted(compaction, len(before), len(after), _json_size(before), _json_size(after))
