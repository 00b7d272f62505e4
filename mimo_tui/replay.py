"""The one place that turns stored history into the API's `messages` (MiMo's 400 rules)."""

from __future__ import annotations

from typing import Any

from mimo_tui.model import Message

THINKING_BLOCKS = "thinking_blocks"  # carried for the Anthropic format; never sent as OpenAI


def openai_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The replay as the OpenAI format sends it (without Anthropic thinking blocks)."""
    return [
        {k: v for k, v in m.items() if k != THINKING_BLOCKS} if THINKING_BLOCKS in m else m
        for m in messages
    ]


def build_replay(history: list[Message], system_prompt: str | None) -> list[dict[str, Any]]:
    """The OpenAI `messages` for the next request, satisfying MiMo's 400 rules by construction.

    - System prompt first (rendered for this request), when there is one.
    - Assistant rounds that did not complete (interrupted, failed, still streaming) are left
      out: a partial reply is never sent back as if the model had said it in full. Their tool
      results are left out with them.
    - Every assistant message carries `reasoning_content` (empty string when none) and
      `content: ""` rather than null; tool calls keep their ids.
    - Every tool call gets a `tool` answer right after its round; one the store lacks (a crash
      while the tool ran) is answered with an explicit "no result" string.
    """
    out: list[dict[str, Any]] = []
    if system_prompt:
        out.append({"role": "system", "content": system_prompt})
    pending: list[str] = []  # tool call ids of the last included round still unanswered
    answered: set[str] = set()

    def close_round() -> None:
        for call_id in pending:
            if call_id not in answered:
                out.append(
                    {
                        "role": "tool",
                        "tool_call_id": call_id,
                        "content": "error: no result was recorded for this call "
                        "(the client stopped before the tool finished)",
                    }
                )
        pending.clear()
        answered.clear()

    for msg in history:
        if msg.role == "tool":
            if msg.tool_call_id in pending and msg.tool_call_id not in answered:
                answered.add(msg.tool_call_id)
                out.append(
                    {"role": "tool", "tool_call_id": msg.tool_call_id, "content": str(msg.content)}
                )
            continue
        close_round()
        if msg.role == "user":
            out.append({"role": "user", "content": msg.content})
        elif msg.role == "assistant":
            if msg.status != "complete":
                continue
            entry: dict[str, Any] = {
                "role": "assistant",
                "content": msg.content or "",
                "reasoning_content": msg.reasoning_content or "",
            }
            if msg.tool_calls:
                entry["tool_calls"] = [call.to_api() for call in msg.tool_calls]
                pending.extend(call.id for call in msg.tool_calls)
            if msg.thinking_blocks:  # the Anthropic format replays these unchanged
                entry[THINKING_BLOCKS] = msg.thinking_blocks
            out.append(entry)
    close_round()
    return out
