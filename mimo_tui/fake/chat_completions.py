"""The fake's `/v1/chat/completions` replies: MiMo's OpenAI-format bodies and SSE chunks.

A scenario's reasoning, content and tool calls become one `chat.completion` body, or the
`chat.completion.chunk` frames a stream sends (reasoning and content a token a frame, tool-call
arguments in 7-character fragments, the finish and the usage where the scenario puts them).
Pure data: the handler (fake/routes.py) decides the ids and the usage, and paces the frames;
fake/anthropic.py is the same for the Anthropic format.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from mimo_tui.fake.scenarios import Scenario, split_tokens

CREATED = 1776848906  # fixed, for deterministic snapshots


def envelope(status: int, message: str, param: str = "") -> dict[str, Any]:
    """MiMo's error envelope (its OpenAI format; its own 400s use it on every path)."""
    return {"error": {"code": str(status), "message": message, "param": param, "type": ""}}


def finish_reason(sc: Scenario) -> str:
    return sc.finish_reason or ("tool_calls" if sc.tool_calls else "stop")


def thinking_requested(body: dict[str, Any]) -> bool:
    """Whether a reply carries reasoning: unless the request turns thinking off."""
    return (body.get("thinking") or {}).get("type") != "disabled"


class Reply(NamedTuple):
    """One request's answer: its scenario, and what the handler settled for it."""

    body: dict[str, Any]  # the request
    sc: Scenario
    calls: list[dict[str, Any]]  # the tool calls, ids chosen
    usage: dict[str, Any]
    found: list[Any]  # web search sources, sent as annotations
    reply_id: str  # the completion's id (every chunk of a stream carries it)


def completion(reply: Reply) -> dict[str, Any]:
    """The whole reply of a request without `stream`."""
    body, sc, calls, usage, found, reply_id = reply
    message: dict[str, Any] = {
        "role": "assistant",
        "content": sc.content,
        "tool_calls": calls or None,
    }
    if found:
        message["annotations"] = found
    if thinking_requested(body):
        message["reasoning_content"] = sc.reasoning
    return {
        "id": reply_id,
        "object": "chat.completion",
        "created": CREATED,
        "model": body["model"],
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason(sc)}],
        "usage": usage,
    }


def chunks(reply: Reply) -> list[Any]:
    """The stream's events in order: chunk dicts, then the "[DONE]" sentinel."""
    body, sc, calls, usage, found, chunk_id = reply
    model = body["model"]
    thinking = thinking_requested(body)
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

    def frame(choices: list[dict[str, Any]], usage: Any = None, with_usage: bool = False):
        data: dict[str, Any] = {
            "id": chunk_id,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": model,
            "choices": choices,
        }
        if with_usage:
            data["usage"] = usage
        return data

    def delta(d: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return frame([{"index": 0, "delta": d, "finish_reason": finish}])

    events: list[Any] = [
        delta(
            {
                "role": "assistant",
                "content": "",
                **({"reasoning_content": ""} if thinking else {}),
                # "the first packet will return all search sources" (wire brief §17.2)
                **({"annotations": found} if found else {}),
            }
        )
    ]
    if thinking:
        events += [delta({"reasoning_content": t}) for t in split_tokens(sc.reasoning)]
    events += [delta({"content": t}) for t in split_tokens(sc.content)]
    for index, call in enumerate(calls):
        fn = call["function"]
        events.append(
            delta(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": call["id"],
                            "type": "function",
                            "function": {"name": fn["name"], "arguments": ""},
                        }
                    ]
                }
            )
        )
        args = fn["arguments"]
        for start in range(0, len(args), 7):
            events.append(
                delta(
                    {
                        "tool_calls": [
                            {"index": index, "function": {"arguments": args[start : start + 7]}}
                        ]
                    }
                )
            )
    finish = delta({}, finish_reason(sc))
    if sc.usage and sc.usage_on_finish:
        finish["usage"] = usage
    events.append(finish)
    if sc.after_finish:  # a misbehaving server: more text, then another finish reason
        events += [delta({"content": t}) for t in split_tokens(sc.after_finish)]
        events.append(delta({}, sc.after_finish_reason))
    if sc.usage and include_usage and not sc.usage_on_finish:
        events.append(frame([], usage, with_usage=True))
    events.append("[DONE]")
    return events
