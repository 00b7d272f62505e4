"""What the tool-call inspector shows, built from the store: every call of a session, and the
exact request and response JSON of the round that made it (key redacted)."""

from __future__ import annotations

import json
from typing import Any

from mimo_tui import media
from mimo_tui.catalogue import Catalogue
from mimo_tui.compaction import REPLAY_FROM
from mimo_tui.model import Message, ToolRecord, ToolStatus
from mimo_tui.replay import build_replay, openai_messages
from mimo_tui.store import Store
from mimo_tui.text import scrub
from mimo_tui.tool_ids import rounds


def tool_records(messages: list[Message]) -> list[ToolRecord]:
    """Every tool call of a history in order, with its stored result when there is one.

    A call is its reply's, keyed by (reply, id): a server may reuse an id in later turns, and
    each use is its own call with its own status and result (see mimo_tui.tool_ids).
    """
    out: list[ToolRecord] = []
    round_no = 0
    for msg, calls, results in rounds(messages):
        if msg.role == "user":
            round_no = 0
        elif msg.role == "assistant":
            round_no += 1
            for call, stored in zip(calls, results, strict=True):
                if stored is not None:
                    record = ToolRecord.from_message(stored)
                    out.append(record._replace(call_id=call.id, assistant_message_id=msg.id))
                else:
                    status: ToolStatus = "running" if msg.status == "streaming" else "cancelled"
                    out.append(
                        ToolRecord(
                            call.id,
                            call.name,
                            call.arguments,
                            round_no,
                            status,
                            assistant_message_id=msg.id,
                        )
                    )
    return out


def round_exchange(
    store: Store, message_id: int, key: str | None, catalogue: Catalogue | None = None
) -> tuple[str, str]:
    """(request JSON, response JSON) of the round that produced assistant message `message_id`.

    The request is rebuilt exactly: the recorded parameters and system prompt, with the
    history replayed as it stood before that round. The response is the streamed reply as
    assembled (SSE chunks are merged), in the API's message shape. Attachments show as the
    content parts they were sent as, re-planned with the recorded model and cap (`catalogue`
    says what that model accepts), each file's data URL abbreviated to its type, size and
    sha256 prefix.
    """
    reply = store.message(message_id)
    sent = store.request_for(message_id)
    if reply is None or sent is None or reply.session_id is None:
        return "(no request recorded for this round)", "(no response recorded)"
    body: dict[str, Any] = dict(sent["params"])
    start = int(body.pop(REPLAY_FROM, -1))  # a compacted replay began at its cut
    # Its own branch's history, whichever branch is active now.
    earlier = [m for m in store.lineage(message_id) if start <= (m.id or 0) < message_id]
    cap = body.pop(media.CAP_KEY, None)
    parts = None
    if isinstance(cap, int):
        info = (catalogue or Catalogue()).lookup(str(body.get("model", "")))
        accepts = lambda kind: kind == "text" or info.accepts(kind)  # noqa: E731
        parts = media.abbreviated(media.plan(earlier, accepts, cap))
    replayed = build_replay(earlier, sent["system_prompt"], parts)
    dump = lambda data: scrub(json.dumps(data, indent=2, ensure_ascii=False), key)  # noqa: E731
    if body.pop("_wire", "openai") == "anthropic":
        from mimo_tui.anthropic_wire import response_message, to_anthropic_messages

        system, body["messages"] = to_anthropic_messages(replayed)
        if system:
            body["system"] = system
        answer = response_message(
            reply.reasoning_content,
            reply.thinking_blocks,
            reply.content,
            [c.to_api() for c in reply.tool_calls],
            reply.finish_reason,
            reply.usage,
            reply.model,
        )
        return dump(body), dump({**answer, "status": reply.status})
    body["messages"] = openai_messages(replayed)
    message: dict[str, Any] = {
        "role": "assistant",
        "content": reply.content,
        "reasoning_content": reply.reasoning_content,
    }
    if reply.tool_calls:
        message["tool_calls"] = [c.to_api() for c in reply.tool_calls]
    response: dict[str, Any] = {
        "model": reply.model,
        "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
        "status": reply.status,
    }
    if reply.usage:
        response["usage"] = {
            "prompt_tokens": reply.usage.prompt_tokens,
            "completion_tokens": reply.usage.completion_tokens,
            "total_tokens": reply.usage.total_tokens,
            "completion_tokens_details": {"reasoning_tokens": reply.usage.reasoning_tokens},
            "prompt_tokens_details": None
            if reply.usage.cached_tokens is None
            else {"cached_tokens": reply.usage.cached_tokens},
        }
    return dump(body), dump(response)
