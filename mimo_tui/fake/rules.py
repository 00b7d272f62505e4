"""What the fake's chat endpoint refuses, as the real service does (wire brief §3.3, §13).

In thinking mode an assistant tool-call turn without `reasoning_content` is a 400 (and,
strictly, it must equal what the fake sent for those call ids); assistant `content: null`
beside tool calls is a 400; tool content that is not a string is a 400; tool messages that do
not answer the assistant's tool_calls one-to-one are a 400; unknown models are a 400. Kept
apart from the HTTP handling so each rule reads as the service's, one function per request.
"""

from __future__ import annotations

import re
from typing import Any

from mimo_tui.fake import media

MODELS = ["mimo-v2.5-pro", "mimo-v2.5", "mimo-v2-flash", "mimo-v2.6-pro", "mimo-v2.6-flash"]
# What OpenAI-compatible services accept as a function name (MCP tools are mapped to it).
_FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
THINKING_OFF_BY_DEFAULT = {"mimo-v2-flash"}
# The 401 MiMo answers a key of the other plan with (wire brief §17.4; the exact text is not
# documented, the error-codes page names the cause).
PLAN_MIX = "API Key that mixes Token Plan and Pay-as-you-go API"


class _Served(set[str]):
    """The served ids; `id[1m]` (the 1M-context route, not listed by /models) too."""

    def __contains__(self, model: object) -> bool:
        if isinstance(model, str) and model.endswith("[1m]"):
            model = model[: -len("[1m]")]
        return super().__contains__(model)


SERVED = _Served(MODELS)


def thinking_on(body: dict[str, Any]) -> bool:
    """Whether a request runs in thinking mode: as it says, else the model's default."""
    thinking_cfg = (body.get("thinking") or {}).get("type")
    return (
        thinking_cfg == "enabled"
        if thinking_cfg
        else body.get("model") not in THINKING_OFF_BY_DEFAULT
    )


def chat_problem(
    body: dict[str, Any], strict: bool, reasoning_by_call: dict[str, set[str]]
) -> str | None:
    """The `param` detail of the 400 the real service would return for a chat request, or None.

    `reasoning_by_call` maps each tool-call id the fake issued to every reasoning it sent with
    it; with `strict`, a thinking-mode tool-call turn must carry one of them back unchanged.
    """
    model = body.get("model")
    if model not in SERVED:
        return "model not found"
    thinking = thinking_on(body)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages must be a non-empty list"
    for i, tool in enumerate(body.get("tools") or []):
        if isinstance(tool, dict) and tool.get("type") == "web_search":
            continue  # a built-in tool: checked by fake/web_search.py
        name = (tool.get("function") or {}).get("name") if isinstance(tool, dict) else None
        if not isinstance(name, str) or not _FUNCTION_NAME.fullmatch(name):
            return f"tools[{i}].function.name must match ^[a-zA-Z0-9_-]{{1,64}}$, got {name!r}"
    media_problem = media.check(model, messages)
    if media_problem:
        return media_problem
    for msg in messages:
        role = msg.get("role")
        if role == "assistant" and msg.get("tool_calls"):
            if msg.get("content") is None:
                return "`text` is not present"
            reasoning = msg.get("reasoning_content")
            if thinking and not isinstance(reasoning, str):
                return "The reasoning_content in the thinking mode must be passed back to the API."
            if thinking and strict:
                for call in msg["tool_calls"]:
                    sent = reasoning_by_call.get(call.get("id"))
                    if sent is not None and reasoning not in sent:
                        return (
                            "The reasoning_content in the thinking mode must be passed "
                            "back to the API."
                        )
        if role == "tool" and not isinstance(msg.get("content"), str):
            return "`text` is not set"
    return tool_answers_problem(messages)


def tool_answers_problem(messages: list[Any]) -> str | None:
    """Tool messages must answer the assistant's tool_calls one-to-one, right after it.

    As the real service: each call id distinct within its message, each answered by exactly
    one `tool` message before any other message, and no `tool` message answering nothing.
    """
    open_ids: list[Any] | None = None  # ids of the last tool-call message not yet answered
    for i, msg in enumerate(messages):
        role = msg.get("role") if isinstance(msg, dict) else None
        if role == "tool":
            call_id = msg.get("tool_call_id")
            if open_ids is None or call_id not in open_ids:
                return (
                    f"messages[{i}]: a message with role 'tool' must be a response to a "
                    f"preceding message with 'tool_calls' (tool_call_id {call_id!r} "
                    "unknown or already answered)"
                )
            open_ids.remove(call_id)
            continue
        if open_ids:
            return (
                "An assistant message with 'tool_calls' must be followed by tool messages "
                "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                f"response messages: {', '.join(map(str, open_ids))}"
            )
        open_ids = None
        if role == "assistant" and msg.get("tool_calls"):
            ids = [c.get("id") if isinstance(c, dict) else None for c in msg["tool_calls"]]
            if len(set(ids)) != len(ids):
                return f"messages[{i}]: tool_calls ids must be unique within a message"
            open_ids = ids
    if open_ids:
        return (
            "An assistant message with 'tool_calls' must be followed by tool messages "
            "responding to each 'tool_call_id'. The following tool_call_ids did not have "
            f"response messages: {', '.join(map(str, open_ids))}"
        )
    return None
