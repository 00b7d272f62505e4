"""Which stored result answers which tool call, when servers reuse call ids.

Nothing in the OpenAI or Anthropic formats promises a call id is unique: a server may give every
weather call `call_w1`, in later turns and even twice in one round. So a call is known by the
reply that made it and its id *within that reply*, and ids are made distinct within a reply
when it is assembled (`unique_call_ids`), so the replay answers each call once with an id the
API can match. Results are paired by position: a reply's results are the tool messages that
follow it in the store, each taken by the first unanswered call with its id.

Every reader of tool history (replay, inspector, transcripts) pairs through `rounds` here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from mimo_tui.model import Message, ToolCall


def unique_call_ids(calls: list[ToolCall]) -> list[ToolCall]:
    """The calls with distinct ids: a repeated id gets a suffix (`call_w1` -> `call_w1_2`).

    The suffix keeps to letters, digits and `_`, which both wire formats accept as an id.
    Calls whose ids are already distinct come back unchanged.
    """
    taken = {call.id for call in calls}
    if len(taken) == len(calls):
        return calls
    seen: set[str] = set()
    out: list[ToolCall] = []
    for n, call in enumerate(calls, start=1):
        if call.id in seen:
            suffix = n
            while f"{call.id}_{suffix}" in taken:
                suffix += 1
            call = call._replace(id=f"{call.id}_{suffix}")
            taken.add(call.id)
        seen.add(call.id)
        out.append(call)
    return out


class Round(NamedTuple):
    """One non-tool message; for a reply with tool calls, each call and its result (or None).

    `calls` carry the distinct ids the replay sends; `results[i]` answers `calls[i]`.
    """

    message: Message
    calls: list[ToolCall]
    results: list[Message | None]


def _pair(calls: list[ToolCall], tools: list[Message]) -> list[Message | None]:
    """Each call's result: the first unused tool message with its stored id, in call order."""
    used = [False] * len(tools)
    paired: list[Message | None] = []
    for call in calls:
        found = None
        for i, tool in enumerate(tools):
            if not used[i] and tool.tool_call_id == call.id:
                used[i], found = True, tool
                break
        paired.append(found)
    return paired


def rounds(history: list[Message]) -> Iterator[Round]:
    """The history's non-tool messages in order, each reply with its calls paired to results.

    Tool messages are matched against the ids as stored; a reply stored before ids were made
    distinct may repeat one, and its results are then taken in order.
    """
    current: Message | None = None
    tools: list[Message] = []

    def close() -> Round | None:
        if current is None:
            return None
        stored = current.tool_calls
        return Round(current, unique_call_ids(stored), _pair(stored, tools) if stored else [])

    for msg in history:
        if msg.role == "tool":
            tools.append(msg)
            continue
        done = close()
        if done is not None:
            yield done
        current, tools = msg, []
    done = close()
    if done is not None:
        yield done


def ran_call(call: ToolCall, result: Message | None) -> ToolCall:
    """The call with the arguments that actually ran (the user may have edited them)."""
    meta = (result.tool_meta or {}) if result is not None else {}
    ran = meta.get("arguments")
    if isinstance(ran, str) and ran and ran != call.arguments:
        return call._replace(arguments=ran)
    return call
