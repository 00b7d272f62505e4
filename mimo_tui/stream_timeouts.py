"""When a streamed reply has taken too long: before its first token, between tokens, or never ended.

Both wire formats (client.py, anthropic_client.py) wrap their SDK's request and stream in the
same three limits, so they read the same to the user: `before_first_token` bounds the wait for
the response's headers, `idle_watched` the gaps in the stream (the first-token limit until the
reply begins, the idle limit after), and `incomplete` names a stream that ended without a
finish reason. Each limit becomes an ApiError the engine keeps what arrived for.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from mimo_tui.errors import ApiError

T = TypeVar("T")


async def idle_watched(
    stream: Any,
    idle_timeout_s: float,
    first_token_timeout_s: float | None = None,
    is_token: Callable[[Any], bool] | None = None,
    sent_at: float | None = None,
) -> AsyncIterator[Any]:
    """The items of an SDK stream; ApiError("stalled") when none arrives for idle_timeout_s.

    Until the first token (an item `is_token` accepts; without it, any item) the wait is
    bounded by first_token_timeout_s counted from `sent_at` (the loop time the request went
    out) instead: MiMo's cold path has taken minutes to its first token, which a 120 s idle
    limit would kill. The SDKs' read timeout is reset by keepalive comments and never fires
    mid-stream, so the watchdog is ours, reset only by real items. Both wire formats use it.
    It is one timer for the whole stream, not an `asyncio.wait_for` per item: that made a
    task per chunk, which cost more than the SDK's own parsing of a fast stream.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    waiting_since: float | None = None  # when the read in progress started
    deadline = None  # the first token's, while it is awaited
    if first_token_timeout_s is not None:
        deadline = (loop.time() if sent_at is None else sent_at) + first_token_timeout_s
    stalled = False
    handle: asyncio.TimerHandle

    def left() -> float:
        if deadline is not None:
            return deadline - loop.time()
        idle = 0.0 if waiting_since is None else loop.time() - waiting_since
        return idle_timeout_s - idle

    def check() -> None:
        nonlocal handle, stalled
        remaining = left()
        if remaining <= 0 and waiting_since is not None and task is not None:
            stalled = True
            task.cancel()
        else:  # not due, or the consumer is busy (the next read checks the deadline)
            handle = loop.call_later(remaining if remaining > 0 else idle_timeout_s, check)

    handle = loop.call_later(max(left(), 0), check)
    iterator = stream.__aiter__()
    try:
        while True:
            if deadline is not None and loop.time() >= deadline:
                raise first_token_timeout(first_token_timeout_s or 0)
            waiting_since = loop.time()
            try:
                item = await iterator.__anext__()
            except StopAsyncIteration:
                return
            except asyncio.CancelledError:
                if not stalled or task is None:
                    raise
                task.uncancel()
                if deadline is not None:
                    raise first_token_timeout(first_token_timeout_s or 0) from None
                raise ApiError(
                    "stalled",
                    f"The reply stalled: nothing arrived for {idle_timeout_s:g} s "
                    "(idle_timeout_s). What arrived is kept; retry to ask again",
                ) from None
            waiting_since = None
            if deadline is not None and (is_token is None or is_token(item)):
                deadline = None  # the reply has begun: from now on, gaps are what is timed
                handle.cancel()
                handle = loop.call_later(idle_timeout_s, check)
            yield item
    finally:
        handle.cancel()


def first_token_timeout(timeout_s: float) -> ApiError:
    return ApiError(
        "first_token_timeout",
        f"No first token from MiMo after {timeout_s:g} s (first_token_timeout_s). "
        "A busy or cold model can take minutes to start: retry, or raise "
        "first_token_timeout_s in config.toml",
    )


async def before_first_token(request: Awaitable[T], timeout_s: float) -> T:
    """Await the request's response (headers) within the first-token limit: the wait for
    the first token starts when the request is sent, not when the stream begins."""
    limit = asyncio.timeout(timeout_s)
    try:
        async with limit:
            return await request
    except TimeoutError:
        if limit.expired():
            raise first_token_timeout(timeout_s) from None
        raise


def incomplete() -> ApiError:
    return ApiError(
        "incomplete",
        "The stream ended before the reply was complete (no finish reason). "
        "What arrived is kept; retry to ask again",
    )
