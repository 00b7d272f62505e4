"""The Anthropic Messages wire format as plain data: request bodies, replies, stream events.

The engine, the store and the replay speak one internal shape (OpenAI-style messages with
`reasoning_content`, see replay.py). The translation between that shape and the Anthropic
Messages format is pure (dicts in, dicts or engine events out, no SDK, no HTTP), so it lives
apart from the client that sends it: the inspector rebuilds a recorded round's exact request
and response from it without loading the client, and the tests drive it event by event.

Thinking blocks (with their signature, empty on MiMo) are stored as received and replayed
unchanged on every later assistant turn: MiMo rejects (400) a tool-use history without them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mimo_tui.events import (
    ContentDelta,
    ReasoningDelta,
    SourcesReported,
    StreamEvent,
    StreamFinished,
    ThinkingBlockDone,
    ToolCallDelta,
    UsageReported,
)
from mimo_tui.model import Usage, token_count
from mimo_tui.replay import THINKING_BLOCKS
from mimo_tui.web_search import anthropic_sources, is_search_entry

if TYPE_CHECKING:
    from mimo_tui.client import RequestParams

DEFAULT_MAX_TOKENS = 32_768  # Anthropic requires max_tokens; MiMo allows up to 131,072
# Anthropic stop reasons -> the finish reasons the engine (and the OpenAI format) use.
STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
}
FINISH_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}


# ---- request -------------------------------------------------------------------------------


def _tool_input(arguments: str) -> dict[str, Any]:
    """A tool_use block's `input` must be an object; keep malformed arguments visible."""
    try:
        value = json.loads(arguments) if arguments else {}
    except ValueError:
        return {"_unparsed_arguments": arguments}
    return value if isinstance(value, dict) else {"_arguments": value}


def _user_block(part: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI content part as an Anthropic block: images as `image` blocks (base64 or
    URL source); audio and video, which this format cannot carry, as a note."""
    if part.get("type") == "image_url":
        url = str((part.get("image_url") or {}).get("url") or "")
        if url.startswith("data:") and ";base64," in url:
            mime, data = url[5:].split(";base64,", 1)
            return {"type": "image", "source": {"type": "base64", "media_type": mime, "data": data}}
        return {"type": "image", "source": {"type": "url", "url": url}}
    if part.get("type") in ("input_audio", "video_url"):
        return {
            "type": "text",
            "text": "[an audio or video attachment: the Anthropic format "
            "cannot carry it; use the OpenAI format]",
        }
    return {"type": "text", "text": str(part.get("text") or "")}


def to_anthropic_messages(
    messages: list[dict[str, Any]],
) -> tuple[str | None, list[dict[str, Any]]]:
    """(system, messages) in the Anthropic format, from the engine's replayed history.

    Tool results become `tool_result` blocks in a user turn (merged with the next user text,
    since the roles must alternate); an assistant turn is its thinking blocks (stored ones
    unchanged, else one built from `reasoning_content`), its text, then its `tool_use` blocks.
    """
    system_parts: list[str] = []
    out: list[dict[str, Any]] = []

    def push(role: str, blocks: list[dict[str, Any]]) -> None:
        if not blocks:
            return
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": list(blocks)})

    for msg in messages:
        role = msg.get("role")
        if role == "system":
            system_parts.append(str(msg.get("content") or ""))
        elif role == "user":
            content = msg.get("content")
            if isinstance(content, list):  # attachments: content parts (mimo_tui.media)
                push("user", [_user_block(p) for p in content])
            else:
                push("user", [{"type": "text", "text": str(content or "")}])
        elif role == "tool":
            push(
                "user",
                [
                    {
                        "type": "tool_result",
                        "tool_use_id": msg.get("tool_call_id"),
                        "content": str(msg.get("content") or ""),
                    }
                ],
            )
        elif role == "assistant":
            blocks: list[dict[str, Any]] = []
            stored = msg.get(THINKING_BLOCKS)
            calls = msg.get("tool_calls") or []
            if stored:
                blocks.extend(dict(block) for block in stored)
            elif msg.get("reasoning_content") or calls:
                # A tool-use turn always carries a thinking block (empty if there was none),
                # as the OpenAI format always carries reasoning_content.
                blocks.append(
                    {
                        "type": "thinking",
                        "thinking": msg.get("reasoning_content") or "",
                        "signature": "",
                    }
                )
            if msg.get("content"):
                blocks.append({"type": "text", "text": msg["content"]})
            for call in calls:
                fn = call.get("function") or {}
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": call.get("id"),
                        "name": fn.get("name"),
                        "input": _tool_input(fn.get("arguments") or ""),
                    }
                )
            push("assistant", blocks)
    return ("\n\n".join(system_parts) or None), out


def request_params(params: RequestParams) -> dict[str, Any]:
    """Every field of the request body except `system` and `messages`."""
    body: dict[str, Any] = {
        "model": params.model,
        "max_tokens": params.max_completion_tokens or DEFAULT_MAX_TOKENS,
        "stream": True,
        "thinking": {"type": "enabled" if params.thinking else "disabled"},
    }
    if not params.thinking:  # ignored (forced to 1.0 / 0.95) in thinking mode
        if params.temperature is not None:
            body["temperature"] = params.temperature
        if params.top_p is not None:
            body["top_p"] = params.top_p
    if params.tools:
        body["tools"] = [
            # MiMo's web_search entry goes as it is (its Anthropic form is not documented).
            tool
            if is_search_entry(tool)
            else {
                "name": tool["function"]["name"],
                "description": tool["function"].get("description", ""),
                "input_schema": tool["function"].get("parameters")
                or {"type": "object", "properties": {}},
            }
            for tool in params.tools
        ]
        body["tool_choice"] = {"type": "auto"}
    return body


def request_body(messages: list[dict[str, Any]], params: RequestParams) -> dict[str, Any]:
    """The exact JSON body POSTed to /anthropic/v1/messages."""
    system, converted = to_anthropic_messages(messages)
    body = request_params(params)
    if system:
        body["system"] = system
    body["messages"] = converted
    return body


def response_message(
    reasoning: str,
    thinking_blocks: list[dict] | None,
    content: str,
    tool_calls: list[dict[str, Any]],
    finish_reason: str | None,
    usage: Usage | None,
    model: str | None,
) -> dict[str, Any]:
    """An assembled reply in the Anthropic response shape (for the inspector)."""
    _, converted = to_anthropic_messages(
        [
            {
                "role": "assistant",
                "content": content,
                "reasoning_content": reasoning,
                "tool_calls": tool_calls,
                THINKING_BLOCKS: thinking_blocks,
            }
        ]
    )
    out: dict[str, Any] = {
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": converted[0]["content"] if converted else [],
        "stop_reason": FINISH_REASONS.get(finish_reason or "", finish_reason),
    }
    if usage:
        out["usage"] = {
            "input_tokens": usage.prompt_tokens - (usage.cached_tokens or 0),
            "output_tokens": usage.completion_tokens,
        }
        if usage.cached_tokens is not None:
            out["usage"]["cache_read_input_tokens"] = usage.cached_tokens
    return out


# ---- stream --------------------------------------------------------------------------------


class EventMapper:
    """Anthropic stream events (as dicts) -> the engine's events, however they are chunked.

    Tool-use blocks are numbered in order of appearance (the engine's tool-call index); a
    thinking block is emitted whole, with its signature, when it stops.
    """

    def __init__(self) -> None:
        self.kinds: dict[int, str] = {}
        self.tool_index: dict[int, int] = {}
        self.thinking: dict[int, dict[str, Any]] = {}
        self.input_tokens = 0
        self.cached: int | None = None
        self.finished = False

    def feed(self, event: dict[str, Any]) -> list[StreamEvent]:
        """The engine's events for one Anthropic event. After the first stop reason only
        usage counts: text or a second stop reason sent after it is ignored."""
        already = self.finished
        out = self._feed(event)
        return [e for e in out if isinstance(e, UsageReported)] if already else out

    def _feed(self, event: dict[str, Any]) -> list[StreamEvent]:
        kind = event.get("type")
        index = int(event.get("index") or 0)
        out: list[StreamEvent] = []
        if kind == "message_start":
            usage = (event.get("message") or {}).get("usage") or {}
            self.input_tokens, self.cached = prompt_counts(usage)
        elif kind == "content_block_start":
            block = event.get("content_block") or {}
            block_type = str(block.get("type"))
            found = anthropic_sources(block)  # web search: results or citations, tolerant
            if found:
                out.append(SourcesReported(found))
            self.kinds[index] = block_type
            if block_type == "thinking":
                self.thinking[index] = {
                    "type": "thinking",
                    "thinking": block.get("thinking") or "",
                    "signature": block.get("signature") or "",
                }
                if block.get("thinking"):
                    out.append(ReasoningDelta(block["thinking"]))
            elif block_type == "redacted_thinking":
                self.thinking[index] = dict(block)  # kept and replayed as is, never shown
            elif block_type == "text" and block.get("text"):
                out.append(ContentDelta(block["text"]))
            elif block_type == "tool_use":
                number = self.tool_index.setdefault(index, len(self.tool_index))
                start = block.get("input")
                out.append(
                    ToolCallDelta(
                        number,
                        block.get("id"),
                        block.get("name"),
                        json.dumps(start) if start else "",
                    )
                )
        elif kind == "content_block_delta":
            delta = event.get("delta") or {}
            delta_type = delta.get("type")
            if delta_type == "thinking_delta" and delta.get("thinking"):
                self.thinking.setdefault(
                    index, {"type": "thinking", "thinking": "", "signature": ""}
                )["thinking"] += delta["thinking"]
                out.append(ReasoningDelta(delta["thinking"]))
            elif delta_type == "signature_delta":
                block = self.thinking.setdefault(
                    index, {"type": "thinking", "thinking": "", "signature": ""}
                )
                block["signature"] = (block.get("signature") or "") + (delta.get("signature") or "")
            elif delta_type == "text_delta" and delta.get("text"):
                out.append(ContentDelta(delta["text"]))
            elif delta_type == "citations_delta" and isinstance(delta.get("citation"), dict):
                out.append(SourcesReported([delta["citation"]]))
            elif delta_type == "input_json_delta":
                number = self.tool_index.setdefault(index, len(self.tool_index))
                out.append(ToolCallDelta(number, None, None, delta.get("partial_json") or ""))
        elif kind == "content_block_stop":
            if index in self.thinking:
                out.append(ThinkingBlockDone(self.thinking.pop(index)))
        elif kind == "message_delta":
            stop = (event.get("delta") or {}).get("stop_reason")
            usage = event.get("usage") or {}
            if usage:
                prompt, cached = prompt_counts(usage)
                out.append(
                    UsageReported(
                        Usage(
                            prompt_tokens=prompt or self.input_tokens,
                            completion_tokens=token_count(usage.get("output_tokens")) or 0,
                            cached_tokens=cached if prompt else self.cached,
                        )
                    )
                )
            if stop:
                finish = STOP_REASONS.get(stop, stop)
                if finish == "tool_calls" and not self.tool_index:
                    # A known MiMo bug: tool_use announced, no tool_use block. A text reply.
                    finish = "stop"
                out.append(StreamFinished(finish))
                self.finished = True
        return out


def prompt_counts(usage: dict[str, Any]) -> tuple[int, int | None]:
    """(prompt tokens, of which cached) from an Anthropic usage object.

    In this format `input_tokens` counts only what was neither read from nor written to the
    cache; the whole prompt is the sum with `cache_read_input_tokens` and
    `cache_creation_input_tokens`. The cached part is the cache reads; None when neither
    cache field is present (unknown, not 0)."""

    def count(name: str) -> int | None:
        return token_count(usage.get(name))

    read, written = count("cache_read_input_tokens"), count("cache_creation_input_tokens")
    prompt = (count("input_tokens") or 0) + (read or 0) + (written or 0)
    cached = None if read is None and written is None else (read or 0)
    return prompt, cached
