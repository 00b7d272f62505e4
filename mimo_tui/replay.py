"""The one place that turns stored history into the API's `messages` (MiMo's 400 rules)."""

from __future__ import annotations

from typing import Any

from mimo_tui.model import Message
from mimo_tui.tool_ids import ran_call, rounds

THINKING_BLOCKS = "thinking_blocks"  # carried for the Anthropic format; never sent as OpenAI


def openai_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The replay as the OpenAI format sends it (without Anthropic thinking blocks)."""
    return [
        {k: v for k, v in m.items() if k != THINKING_BLOCKS} if THINKING_BLOCKS in m else m
        for m in messages
    ]


NO_RESULT = (
    "error: no result was recorded for this call (the client stopped before the tool finished)"
)


def build_replay(
    history: list[Message],
    system_prompt: str | None,
    media: dict[int, list[dict[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """The OpenAI `messages` for the next request, satisfying MiMo's 400 rules by construction.

    - System prompt first (rendered for this request), when there is one.
    - Assistant rounds that did not complete (interrupted, failed, still streaming) are left
      out: a partial reply is never sent back as if the model had said it in full. Their tool
      results are left out with them.
    - Every assistant message carries `reasoning_content` (empty string when none) and
      `content: ""` rather than null; tool calls keep their ids, made distinct within the
      round when the server repeated one (see mimo_tui.tool_ids), and carry the arguments
      that actually ran (the user may have edited the model's).
    - Every tool call gets exactly one `tool` answer right after its round, in call order;
      one the store lacks (a crash while the tool ran) is answered with an explicit
      "no result" string.
    - A user message with attachments is a list of content parts, `media[id]` (built by
      mimo_tui.media, which encodes the bytes off the event loop) then its text.
    """
    out: list[dict[str, Any]] = []
    if system_prompt:
        out.append({"role": "system", "content": system_prompt})
    for msg, calls, results in rounds(history):
        if msg.role == "user":
            parts = media.get(msg.id or 0) if media else None
            if parts:
                text = [{"type": "text", "text": msg.content}] if msg.content else []
                out.append({"role": "user", "content": [*parts, *text]})
            else:
                out.append({"role": "user", "content": msg.content})
        elif msg.role == "assistant":
            if msg.status != "complete":
                continue
            entry: dict[str, Any] = {
                "role": "assistant",
                "content": msg.content or "",
                "reasoning_content": msg.reasoning_content or "",
            }
            if calls:
                entry["tool_calls"] = [
                    ran_call(call, result).to_api()
                    for call, result in zip(calls, results, strict=True)
                ]
            if msg.thinking_blocks:  # the Anthropic format replays these unchanged
                entry[THINKING_BLOCKS] = msg.thinking_blocks
            out.append(entry)
            for call, result in zip(calls, results, strict=True):
                content = str(result.content) if result is not None else NO_RESULT
                out.append({"role": "tool", "tool_call_id": call.id, "content": content})
    return out
