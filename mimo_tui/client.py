"""The only module that speaks HTTP to MiMo: builds the request, streams it, maps failures.

`openai` is imported on first use, not at module import: it costs ~0.4 s, which must not sit on
the path to the TUI's first paint or `mimo-tui --help`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from mimo_tui import retries
from mimo_tui.errors import ApiError, ReplayError, map_exception
from mimo_tui.events import (
    ContentDelta,
    ReasoningDelta,
    SourcesReported,
    StreamEvent,
    StreamFinished,
    ToolCallDelta,
    UsageReported,
)
from mimo_tui.model import Usage, token_count
from mimo_tui.replay import openai_messages
from mimo_tui.stream_timeouts import before_first_token, idle_watched, incomplete
from mimo_tui.text import valid_unicode
from mimo_tui.web_search import annotations_in, explained

RETRYABLE = {408, 409, 429}


@dataclass(frozen=True)
class RequestParams:
    """Everything about a request except its messages."""

    model: str
    thinking: bool = True
    temperature: float | None = None
    top_p: float | None = None
    max_completion_tokens: int | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)

    def body(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The exact JSON body sent to /chat/completions."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "thinking": {"type": "enabled" if self.thinking else "disabled"},
        }
        # In thinking mode MiMo forces temperature 1.0 / top_p 0.95, so they are not sent.
        if not self.thinking:
            if self.temperature is not None:
                body["temperature"] = self.temperature
            if self.top_p is not None:
                body["top_p"] = self.top_p
        if self.max_completion_tokens:
            body["max_completion_tokens"] = self.max_completion_tokens
        if self.tools:
            body["tools"] = self.tools
            body["tool_choice"] = "auto"
        return body


def validate_messages(messages: list[dict[str, Any]]) -> None:
    """Refuse, before sending, a history MiMo would reject with a 400 (see the wire brief §3.3)."""
    answered: set[str] = set()
    expected: list[str] = []
    for i, msg in enumerate(messages):
        role = msg.get("role")
        if role == "assistant":
            if expected and not set(expected) <= answered:
                raise ReplayError(f"message {i}: tool calls {expected} were never answered")
            if not isinstance(msg.get("content"), str):
                raise ReplayError(f"message {i}: assistant content must be a string, not null")
            if msg.get("tool_calls"):
                if not isinstance(msg.get("reasoning_content"), str):
                    raise ReplayError(
                        f"message {i}: an assistant tool-call turn must carry reasoning_content"
                    )
                expected = [c["id"] for c in msg["tool_calls"]]
                answered = set()
            else:
                expected = []
        elif role == "tool":
            if not isinstance(msg.get("content"), str):
                raise ReplayError(f"message {i}: tool content must be a string")
            if msg.get("tool_call_id") not in expected:
                raise ReplayError(f"message {i}: tool result for an unknown call id")
            answered.add(msg["tool_call_id"])
        elif role in ("user", "system"):
            if expected and not set(expected) <= answered:
                raise ReplayError(f"message {i}: tool calls {expected} were never answered")
            expected = []


def attempts_retried(exc: BaseException, max_retries: int) -> int:
    """How many retries the SDK spent before giving up on `exc` (for the message)."""
    status = getattr(exc, "status_code", None)
    if status in RETRYABLE or (status or 0) >= 500:
        return max_retries
    if status is None and type(exc).__name__ in ("APIConnectionError", "APITimeoutError"):
        return max_retries
    return 0


class ChatClient:
    """A reusable async client for one base URL and key (the OpenAI-compatible format)."""

    wire = "openai"

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        timeout_s: float = 600.0,
        idle_timeout_s: float = 120.0,
        max_retries: int = 2,
        first_token_timeout_s: float = 600.0,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.idle_timeout_s = idle_timeout_s
        self.first_token_timeout_s = first_token_timeout_s
        self.max_retries = max_retries
        self._sdk: Any = None

    def _client(self) -> Any:
        if self._sdk is None:
            import openai

            from mimo_tui.http_guard import guarded_client

            self._sdk = openai.AsyncOpenAI(
                api_key=self.api_key,
                base_url=self.base_url,
                timeout=openai.Timeout(self.timeout_s, connect=10.0),
                # The SDK's retries (429/5xx/connection, before the body starts) are the only
                # retries: the engine never stacks its own on top.
                max_retries=self.max_retries,
                default_headers={"api-key": self.api_key},
                # Error bodies read with a bound, invalid UTF-8 in a stream replaced; the
                # response hook sees each answer the SDK retries (see retries.py).
                http_client=guarded_client(
                    openai.DefaultAsyncHttpxClient,
                    event_hooks={"response": [retries.on_response]},
                ),
            )
        return self._sdk

    @staticmethod
    def warm_up() -> None:
        """Import openai ahead of the first request (~0.4 s), e.g. in a thread after the UI's
        first paint, so the first reply does not pay for it."""
        import openai  # noqa: F401

    async def aclose(self) -> None:
        if self._sdk is not None:
            await self._sdk.close()
            self._sdk = None

    async def stream(
        self, messages: list[dict[str, Any]], params: RequestParams
    ) -> AsyncIterator[StreamEvent]:
        """Stream one model round as events. Raises ApiError; ReplayError before sending."""
        messages = openai_messages(messages)
        validate_messages(messages)
        body = params.body(messages)
        finished = False
        try:
            sent_at = asyncio.get_running_loop().time()
            limit = self.first_token_timeout_s
            posted: list[Any] = []
            request = before_first_token(self._post_streaming(body), limit)
            waiting = retries.reported(request, self.max_retries, posted)
            async with contextlib.aclosing(waiting):  # closed at once on Escape
                async for retry in waiting:
                    yield retry
            sdk_stream = posted[0]
            async with sdk_stream:
                async for chunk in idle_watched(
                    sdk_stream, self.idle_timeout_s, limit, has_token, sent_at
                ):
                    for event in chunk_events(chunk):
                        if finished and not isinstance(event, UsageReported):
                            continue  # the first finish reason ends the reply; usage follows
                        if isinstance(event, StreamFinished):
                            finished = True
                        yield event
        except (ApiError, ReplayError, asyncio.CancelledError, GeneratorExit):
            raise
        except Exception as exc:
            retried = attempts_retried(exc, self.max_retries)
            error = map_exception(exc, self.base_url, self.api_key, retried)
            raise explained(error, params.tools) from exc
        if not finished:
            raise incomplete()

    async def _post_streaming(self, body: dict[str, Any]) -> Any:
        """POST the request through the SDK (auth, retries, error mapping, SSE decoding) and
        get its chunks as decoded JSON.

        `chat.completions.create` builds a pydantic model for every chunk, which costs more
        than everything else the client does with a chunk: a fast stream spent most of its
        time there. The SDK's own generic `post` with `cast_to=object` skips only that step.
        """
        import openai

        from mimo_tui.media import json_body

        # Attachments: their base64 is spliced into the JSON, not encoded on the loop.
        raw = json_body(body)
        sent: dict[str, Any] = {"body": body} if raw is None else {"content": raw}
        return await self._client().post(
            "/chat/completions",
            **sent,
            cast_to=object,
            stream=True,
            stream_cls=openai.AsyncStream[object],
            options={"security": {"bearer_auth": True}},
        )

    def request_record(self, params: RequestParams) -> dict[str, Any]:
        """What the store keeps of a request besides its history (see inspect.round_exchange)."""
        return {k: v for k, v in params.body([]).items() if k != "messages"}

    async def list_models(self) -> list[str]:
        """The ids GET /models lists. The SDK does not check the entries, so one whose `id`
        is not a string (`null`, `42`) is no model id and is left out."""
        try:
            page = await self._client().models.list()
        except Exception as exc:
            raise map_exception(exc, self.base_url, self.api_key, 0) from exc
        ids = (getattr(m, "id", None) for m in page.data)
        return [i for i in ids if isinstance(i, str)]


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _text(value: Any) -> str:
    return valid_unicode(value) if isinstance(value, str) else ""


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def has_token(chunk: Any) -> bool:
    """Whether a chunk carries part of the reply, not just its role (the first-token clock)."""
    return any(
        isinstance(e, ReasoningDelta | ContentDelta | ToolCallDelta | StreamFinished)
        for e in chunk_events(chunk)
    )


def chunk_events(chunk: Any) -> list[StreamEvent]:
    """The events in one chunk as the server sent it (decoded JSON). Tolerant: any key may be
    absent or of the wrong type, `choices` may be empty; what is not understood is skipped."""
    if not isinstance(chunk, dict):
        return []
    events: list[StreamEvent] = []
    annotations = annotations_in(chunk)  # web search sources, wherever the server put them
    if annotations:
        events.append(SourcesReported(annotations))
    for choice in _dicts(chunk.get("choices")):
        delta = choice.get("delta")
        if isinstance(delta, dict):
            reasoning = _text(delta.get("reasoning_content")) or _text(delta.get("reasoning"))
            if reasoning:
                events.append(ReasoningDelta(reasoning))
            content = _text(delta.get("content"))
            if content:
                events.append(ContentDelta(content))
            for call in _dicts(delta.get("tool_calls")):
                fn = call.get("function")
                fn = fn if isinstance(fn, dict) else {}
                call_id = call.get("id")
                events.append(
                    ToolCallDelta(
                        slot=_int(call.get("index")),
                        id=call_id if isinstance(call_id, str) and call_id else None,
                        name=_text(fn.get("name")) or None,
                        arguments=_text(fn.get("arguments")),
                    )
                )
        if choice.get("finish_reason"):
            events.append(StreamFinished(str(choice["finish_reason"])))
    usage = chunk.get("usage")
    if isinstance(usage, dict):
        details = usage.get("completion_tokens_details")
        events.append(
            UsageReported(
                Usage(
                    prompt_tokens=token_count(usage.get("prompt_tokens")) or 0,
                    completion_tokens=token_count(usage.get("completion_tokens")) or 0,
                    reasoning_tokens=token_count(details.get("reasoning_tokens")) or 0
                    if isinstance(details, dict)
                    else 0,
                    cached_tokens=cached_tokens(usage),
                )
            )
        )
    return events


def cached_tokens(usage: dict[str, Any]) -> int | None:
    """`usage.prompt_tokens_details.cached_tokens`: the prompt's cache hits. Missing or null
    (MiMo sends `prompt_tokens_details: null`) is unknown, not 0."""
    details = usage.get("prompt_tokens_details")
    value = details.get("cached_tokens") if isinstance(details, dict) else None
    return token_count(value)
