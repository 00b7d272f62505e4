"""The only module that speaks HTTP to MiMo: builds the request, streams it, maps failures.

`openai` is imported on first use, not at module import: it costs ~0.4 s, which must not sit on
the path to the TUI's first paint or `mimo-tui --help`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from mimo_tui.errors import ApiError, ReplayError, map_exception
from mimo_tui.model import (
    ContentDelta,
    ReasoningDelta,
    StreamEvent,
    StreamFinished,
    ToolCallDelta,
    Usage,
    UsageReported,
)
from mimo_tui.replay import openai_messages
from mimo_tui.text import valid_unicode

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


async def idle_watched(stream: Any, idle_timeout_s: float) -> AsyncIterator[Any]:
    """The items of an SDK stream; ApiError("stalled") when none arrives for idle_timeout_s.

    The SDKs' read timeout is reset by keepalive comments and never fires mid-stream, so the
    watchdog is ours, reset only by real items. Both wire formats use it.
    """
    iterator = stream.__aiter__()
    while True:
        try:
            item = await asyncio.wait_for(iterator.__anext__(), timeout=idle_timeout_s)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise ApiError(
                "stalled",
                f"The reply stalled: nothing arrived for {idle_timeout_s:g} s. "
                "What arrived is kept; retry to ask again",
            ) from None
        yield item


def attempts_retried(exc: BaseException, max_retries: int) -> int:
    """How many retries the SDK spent before giving up on `exc` (for the message)."""
    status = getattr(exc, "status_code", None)
    if status in RETRYABLE or (status or 0) >= 500:
        return max_retries
    if status is None and type(exc).__name__ in ("APIConnectionError", "APITimeoutError"):
        return max_retries
    return 0


def incomplete() -> ApiError:
    return ApiError(
        "incomplete",
        "The stream ended before the reply was complete (no finish reason). "
        "What arrived is kept; retry to ask again",
    )


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
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.idle_timeout_s = idle_timeout_s
        self.max_retries = max_retries
        self._sdk: Any = None

    def _client(self) -> Any:
        if self._sdk is None:
            import openai

            self._sdk = openai.AsyncOpenAI(
                api_key=self.api_key,
                base_url=self.base_url,
                timeout=openai.Timeout(self.timeout_s, connect=10.0),
                # The SDK's retries (429/5xx/connection, before the body starts) are the only
                # retries: the engine never stacks its own on top.
                max_retries=self.max_retries,
                default_headers={"api-key": self.api_key},
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
        extra = {"thinking": body.pop("thinking")}
        body.pop("messages")
        finished = False
        try:
            sdk_stream = await self._client().chat.completions.create(
                messages=messages, extra_body=extra, **body
            )
            async with sdk_stream:
                async for chunk in idle_watched(sdk_stream, self.idle_timeout_s):
                    for event in chunk_events(chunk):
                        if isinstance(event, StreamFinished):
                            finished = True
                        yield event
        except (ApiError, ReplayError, asyncio.CancelledError, GeneratorExit):
            raise
        except Exception as exc:
            retried = attempts_retried(exc, self.max_retries)
            raise map_exception(exc, self.base_url, self.api_key, retried) from exc
        if not finished:
            raise incomplete()

    def request_record(self, params: RequestParams) -> dict[str, Any]:
        """What the store keeps of a request besides its history (see inspect.round_exchange)."""
        return {k: v for k, v in params.body([]).items() if k != "messages"}

    async def list_models(self) -> list[str]:
        try:
            page = await self._client().models.list()
        except Exception as exc:
            raise map_exception(exc, self.base_url, self.api_key, 0) from exc
        return [m.id for m in page.data]


def chunk_events(chunk: Any) -> list[StreamEvent]:
    """The events in one SDK chunk. Tolerant: any key may be absent, `choices` may be empty."""
    events: list[StreamEvent] = []
    usage = getattr(chunk, "usage", None)
    for choice in getattr(chunk, "choices", None) or []:
        delta = choice.delta
        if delta is not None:
            extra = delta.model_extra or {}
            reasoning = extra.get("reasoning_content") or extra.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                events.append(ReasoningDelta(valid_unicode(reasoning)))
            if delta.content:
                events.append(ContentDelta(valid_unicode(delta.content)))
            for call in delta.tool_calls or []:
                fn = call.function
                events.append(
                    ToolCallDelta(
                        index=call.index or 0,
                        id=call.id,
                        name=valid_unicode(fn.name) if fn and fn.name else None,
                        arguments=valid_unicode(fn.arguments or "") if fn else "",
                    )
                )
        if choice.finish_reason:
            events.append(StreamFinished(str(choice.finish_reason)))
    if usage is not None:
        details = getattr(usage, "completion_tokens_details", None)
        events.append(
            UsageReported(
                Usage(
                    prompt_tokens=usage.prompt_tokens or 0,
                    completion_tokens=usage.completion_tokens or 0,
                    reasoning_tokens=(getattr(details, "reasoning_tokens", 0) or 0)
                    if details
                    else 0,
                )
            )
        )
    return events
