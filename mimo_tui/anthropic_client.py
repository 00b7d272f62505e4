"""MiMo's Anthropic-compatible endpoint (`/anthropic/v1/messages`) behind the engine's interface.

The engine, the store and the replay speak one internal shape (OpenAI-style messages with
`reasoning_content`, see replay.py). This client sends that shape as an Anthropic Messages
request and turns the Anthropic stream back into the engine's events (the translation itself is
mimo_tui.anthropic_wire), so tools, approval, the inspector and transcripts work the same in
both formats. The `anthropic` SDK is an optional extra, imported on first use; without it this
client says how to install it. Timeouts, retries and error mapping are ChatClient's.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
from collections.abc import AsyncIterator
from typing import Any

from mimo_tui import retries
from mimo_tui.anthropic_wire import EventMapper, request_body, request_params
from mimo_tui.client import ChatClient, RequestParams, attempts_retried
from mimo_tui.errors import ApiError, map_exception
from mimo_tui.events import StreamEvent
from mimo_tui.stream_timeouts import before_first_token, idle_watched, incomplete
from mimo_tui.text import valid_unicode, visible
from mimo_tui.web_search import explained

INSTALL_HINT = (
    "The anthropic format needs the anthropic SDK, which is not installed: "
    "pip install 'mimo-tui[anthropic]' (or choose --api openai)"
)


def sdk_installed() -> bool:
    return importlib.util.find_spec("anthropic") is not None


def sdk_problem(importing: bool) -> str | None:
    """Why the anthropic format cannot be used (naming the extra to install), or None.

    `ask` imports the SDK, as it would a moment later anyway: a package that is found but
    does not import (a broken or partial install) is as missing as none. The TUI only looks
    for it, to keep its start fast; a failing import shows there as the reply's error.
    """
    if not importing:
        return None if sdk_installed() else INSTALL_HINT
    try:
        import anthropic  # noqa: F401
    except ImportError as exc:
        if not sdk_installed():
            return INSTALL_HINT
        return (
            f"The anthropic format needs the anthropic SDK, which is installed but does not "
            f"import ({visible(str(exc))}): pip install 'mimo-tui[anthropic]' "
            "(or choose --api openai)"
        )
    return None


def anthropic_base_url(base_url: str) -> str:
    """MiMo serves the Anthropic format beside /v1: https://host/v1 -> https://host/anthropic."""
    base = base_url.rstrip("/")
    if base.endswith("/anthropic"):
        return base
    if base.endswith("/v1"):
        base = base[: -len("/v1")]
    return base + "/anthropic"


# ---- stream --------------------------------------------------------------------------------


def _has_token(event: Any) -> bool:
    """Whether an SDK event carries part of the reply (message_start and ping do not)."""
    return getattr(event, "type", "") in ("content_block_delta", "message_delta", "message_stop")


def _clean(value: Any) -> Any:
    """Lone surrogates out of every string of an event (see text.valid_unicode)."""
    if isinstance(value, str):
        return valid_unicode(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


class AnthropicClient(ChatClient):
    """ChatClient's interface (and settings, timeouts, retries), speaking the Anthropic
    Messages format; `base_url` is the OpenAI-format URL, as everywhere else."""

    wire = "anthropic"

    def __init__(self, api_key: str, base_url: str, **options: Any) -> None:
        super().__init__(api_key, base_url, **options)
        self.base_url = anthropic_base_url(base_url)

    def _module(self) -> Any:
        try:
            import anthropic
        except ImportError:
            raise ApiError("config", INSTALL_HINT) from None
        return anthropic

    def _client(self) -> Any:
        if self._sdk is None:
            anthropic = self._module()
            from mimo_tui.http_guard import guarded_client

            self._sdk = anthropic.AsyncAnthropic(
                api_key=self.api_key,
                base_url=self.base_url,
                timeout=anthropic.Timeout(self.timeout_s, connect=10.0),
                max_retries=self.max_retries,  # the only retries, as in the OpenAI format
                default_headers={"api-key": self.api_key},
                # Error bodies read with a bound, invalid UTF-8 in a stream replaced; the
                # response hook sees each answer the SDK retries (see retries.py).
                http_client=guarded_client(
                    anthropic.DefaultAsyncHttpxClient,
                    event_hooks={"response": [retries.on_response]},
                ),
            )
        return self._sdk

    @staticmethod
    def warm_up() -> None:
        if sdk_installed():
            import anthropic  # noqa: F401

    def request_record(self, params: RequestParams) -> dict[str, Any]:
        """What the store keeps of a request besides its history; marks the format."""
        return {**request_params(params), "_wire": self.wire}

    async def stream(
        self, messages: list[dict[str, Any]], params: RequestParams
    ) -> AsyncIterator[StreamEvent]:
        """Stream one model round as events. Raises ApiError."""
        body = request_body(messages, params)
        sdk = self._module()
        mapper = EventMapper()
        try:
            sent_at = asyncio.get_running_loop().time()
            limit = self.first_token_timeout_s
            posted: list[Any] = []
            request = before_first_token(self._client().messages.create(**body), limit)
            waiting = retries.reported(request, self.max_retries, posted)
            async with contextlib.aclosing(waiting):
                async for retry in waiting:
                    yield retry
            stream = posted[0]
            async with stream:
                async for event in idle_watched(
                    stream, self.idle_timeout_s, limit, _has_token, sent_at
                ):
                    for mapped in mapper.feed(_clean(event.model_dump(exclude_none=True))):
                        yield mapped
        except (ApiError, asyncio.CancelledError, GeneratorExit):
            raise
        except Exception as exc:
            retried = attempts_retried(exc, self.max_retries)
            error = map_exception(exc, self.base_url, self.api_key, retried, sdk)
            raise explained(error, params.tools) from exc
        if not mapper.finished:
            raise incomplete()

    async def list_models(self) -> list[str]:
        """The model list lives on the OpenAI-format path (GET /v1/models)."""
        client = ChatClient(self.api_key, self.base_url.removesuffix("/anthropic") + "/v1")
        try:
            return await client.list_models()
        finally:
            await client.aclose()
