"""The fake's `/anthropic/v1/messages`: MiMo's Anthropic-compatible endpoint (wire brief §9).

Replies come from the same scenarios as the OpenAI path: reasoning becomes a thinking block
(empty signature, as MiMo sends), content a text block, tool calls `tool_use` blocks whose
input streams as `input_json_delta` fragments. The 400 rules MiMo enforces here too: in
thinking mode, an assistant turn with `tool_use` must carry its thinking block back.
"""

from __future__ import annotations

import json
from typing import Any

from mimo_tui.fake.scenarios import Scenario, split_tokens

REASONING_RULE = "The reasoning_content in the thinking mode must be passed back to the API."
STOP_REASONS = {"stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens"}


def error_envelope(status: int, message: str) -> dict[str, Any]:
    """Anthropic's own error shape (MiMo also answers some errors with its OpenAI envelope)."""
    kind = {
        400: "invalid_request_error",
        401: "authentication_error",
        402: "billing_error",
        403: "permission_error",
        404: "not_found_error",
        429: "rate_limit_error",
        529: "overloaded_error",
    }.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message}}


def input_usage(usage: dict[str, Any]) -> dict[str, int]:
    """The prompt's counts as this format gives them: `input_tokens` is only what the cache
    did not serve; the cache reads come apart (the fake writes no cache entries it bills)."""
    details = usage.get("prompt_tokens_details") or {}
    cached = int(details.get("cached_tokens") or 0)
    return {
        "input_tokens": usage["prompt_tokens"] - cached,
        "cache_read_input_tokens": cached,
        "cache_creation_input_tokens": 0,
    }


def _blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content or [] if isinstance(b, dict)]


def check_messages(
    body: dict[str, Any],
    models: set[str],
    thinking_default_off: set[str],
    sent: dict[str, set[str]],
) -> str | None:
    """The `param` detail of the 400 MiMo would return for this request, or None.

    `sent` maps the tool-use ids the fake issued to every thinking it sent with them (strict
    replay check, as on the OpenAI path). Tool results answer tool uses one-to-one: ids are
    unique within a message, and each is answered exactly once in the next user turn.
    """
    model = body.get("model")
    if model not in models:
        return "model not found"
    if not isinstance(body.get("max_tokens"), int):
        return "max_tokens: field required"
    thinking_cfg = (body.get("thinking") or {}).get("type")
    thinking = thinking_cfg == "enabled" if thinking_cfg else model not in thinking_default_off
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    if messages[0].get("role") != "user":
        return "messages: the first message must use the user role"
    previous_role = None
    open_calls: set[str] = set()
    for msg in messages:
        role = msg.get("role")
        if role == previous_role:
            return "messages: roles must alternate between user and assistant"
        previous_role = role
        blocks = _blocks(msg.get("content"))
        if role == "assistant":
            uses = [b for b in blocks if b.get("type") == "tool_use"]
            thoughts = [b for b in blocks if b.get("type") == "thinking"]
            if uses and thinking and not thoughts:
                return REASONING_RULE
            for block in thoughts:
                if not isinstance(block.get("signature"), str):
                    return "thinking block: signature required"
            text = "".join(b.get("thinking", "") for b in thoughts)
            for use in uses:
                if not isinstance(use.get("input"), dict):
                    return "tool_use.input: must be an object"
                expected = sent.get(str(use.get("id")))
                if thinking and expected is not None and text not in expected:
                    return REASONING_RULE
            ids = [str(u.get("id")) for u in uses]
            if len(set(ids)) != len(ids):
                return "tool_use ids must be unique"
            open_calls = set(ids)
        else:
            answers = [str(b.get("tool_use_id")) for b in blocks if b.get("type") == "tool_result"]
            results = set(answers)
            if len(results) != len(answers):
                return "tool_result: each tool_use_id may be answered only once"
            if results - open_calls:
                return "tool_result: tool_use_id not found in the previous assistant message"
            if open_calls - results:
                return "tool_use ids were found without tool_result blocks immediately after"
            open_calls = set()
    return None


def _image_part(block: dict[str, Any]) -> dict[str, Any]:
    """An Anthropic image block as the OpenAI image_url part carrying the same bytes."""
    source = block.get("source") or {}
    if source.get("type") == "url":
        url = str(source.get("url") or "")
    else:
        url = f"data:{source.get('media_type')};base64,{source.get('data') or ''}"
    return {"type": "image_url", "image_url": {"url": url}}


def openai_view(body: dict[str, Any]) -> dict[str, Any]:
    """The request in the OpenAI shape, so the demo's responder and usage work unchanged."""
    messages: list[dict[str, Any]] = []
    if body.get("system"):
        messages.append({"role": "system", "content": body["system"]})
    for msg in body.get("messages") or []:
        blocks = _blocks(msg.get("content"))
        if msg.get("role") == "user":
            for block in blocks:
                if block.get("type") == "tool_result":
                    messages.append(
                        {
                            "role": "tool",
                            "tool_call_id": block.get("tool_use_id"),
                            "content": str(block.get("content", "")),
                        }
                    )
            text = "".join(b.get("text", "") for b in blocks if b.get("type") == "text")
            images = [_image_part(b) for b in blocks if b.get("type") == "image"]
            if images:  # as OpenAI content parts, so the same media rules apply
                parts = [*images, *([{"type": "text", "text": text}] if text else [])]
                messages.append({"role": "user", "content": parts})
            elif text or not any(b.get("type") == "tool_result" for b in blocks):
                messages.append({"role": "user", "content": text})
        else:
            messages.append(
                {
                    "role": "assistant",
                    "content": "".join(b.get("text", "") for b in blocks if b["type"] == "text"),
                }
            )
    tools = [
        {"type": "function", "function": {"name": t.get("name")}} for t in body.get("tools") or []
    ]
    return {**body, "messages": messages, "tools": tools}


def stop_reason(sc: Scenario) -> str:
    finish = sc.finish_reason or ("tool_calls" if sc.tool_calls else "stop")
    return STOP_REASONS.get(finish, finish)


def content_blocks(
    sc: Scenario, thinking: bool, calls: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The reply's blocks, complete (for a non-streamed reply)."""
    blocks: list[dict[str, Any]] = []
    if thinking and sc.reasoning:
        blocks.append({"type": "thinking", "thinking": sc.reasoning, "signature": ""})
    if sc.content:
        blocks.append({"type": "text", "text": sc.content})
    for call in calls:
        fn = call["function"]
        blocks.append(
            {
                "type": "tool_use",
                "id": call["id"],
                "name": fn["name"],
                "input": json.loads(fn["arguments"] or "{}"),
            }
        )
    return blocks


def stream_events(
    sc: Scenario,
    message_id: str,
    model: str,
    thinking: bool,
    calls: list[dict[str, Any]],
    usage: dict[str, Any],
) -> list[tuple[str, dict[str, Any]]]:
    """(event name, data) for the whole streamed reply, in order."""
    events: list[tuple[str, dict[str, Any]]] = [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {**input_usage(usage), "output_tokens": 0},
                },
            },
        )
    ]
    index = 0

    def block(start: dict[str, Any], deltas: list[dict[str, Any]]) -> None:
        nonlocal index
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": start},
            )
        )
        for delta in deltas:
            events.append(
                (
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1

    if thinking and sc.reasoning:
        block(
            {"type": "thinking", "thinking": "", "signature": ""},
            [{"type": "thinking_delta", "thinking": t} for t in split_tokens(sc.reasoning)]
            + [{"type": "signature_delta", "signature": ""}],
        )
    if sc.content:
        block(
            {"type": "text", "text": ""},
            [{"type": "text_delta", "text": t} for t in split_tokens(sc.content)],
        )
    for call in calls:
        fn = call["function"]
        args = fn["arguments"]
        block(
            {"type": "tool_use", "id": call["id"], "name": fn["name"], "input": {}},
            [
                {"type": "input_json_delta", "partial_json": args[start : start + 7]}
                for start in range(0, len(args), 7)
            ],
        )
    delta: dict[str, Any] = {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason(sc), "stop_sequence": None},
    }
    if sc.usage:
        delta["usage"] = {"output_tokens": usage["completion_tokens"]}
    events.append(("message_delta", delta))
    if sc.after_finish:  # a misbehaving server: more text, then another stop reason
        block(
            {"type": "text", "text": ""},
            [{"type": "text_delta", "text": t} for t in split_tokens(sc.after_finish)],
        )
        late = {"stop_reason": STOP_REASONS.get(sc.after_finish_reason, sc.after_finish_reason)}
        events.append(("message_delta", {"type": "message_delta", "delta": late}))
    events.append(("message_stop", {"type": "message_stop"}))
    return events
