"""Seeing the SDK's own retries while they happen, so the user is told why nothing streams yet.

The openai and anthropic SDKs retry a 429, a 5xx (and 408/409) internally, sleeping in
between, and only then return the stream or raise. From outside that looks like a long
"waiting for the first token". Both SDKs accept an httpx client, and httpx calls a response
hook for every response, retried ones included; each request the SDK sends carries
`x-stainless-retry-count` (how many retries it already made). So the hook can tell which
answer is about to be retried, and after how long, without patching the SDK.

A request is sent in a task of its own (`reported`), with a context variable naming the
queue its hook reports to; the caller yields each `RetryScheduled` while it waits, then gets
the SDK's result. The hook mirrors the SDK's rules for what it retries: the contract tests in
tests/test_client.py fail if the SDK changes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncGenerator, Awaitable
from contextvars import ContextVar
from typing import Any, TypeVar

from mimo_tui.events import RetryScheduled

T = TypeVar("T")

RETRY_COUNT_HEADER = "x-stainless-retry-count"
INITIAL_RETRY_DELAY_S = 0.5  # the SDKs' backoff: 0.5 s doubling up to 8 s, minus 0-25 %
MAX_RETRY_DELAY_S = 8.0
MAX_RETRY_AFTER_S = 120.0  # a longer retry-after is not waited for: the SDK raises

_sink: ContextVar[tuple[asyncio.Queue[RetryScheduled], int] | None] = ContextVar(
    "mimo_retry_sink", default=None
)


def retry_after_s(headers: Any) -> float | None:
    """The server's retry-after-ms / retry-after (seconds), when a number."""
    for name, divisor in (("retry-after-ms", 1000), ("retry-after", 1)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) / divisor
        except ValueError:
            continue
    return None


def will_retry(status: int, headers: Any) -> bool:
    """Whether the SDK retries this answer (when it has retries left), as its rules say."""
    after = retry_after_s(headers)
    if after is not None and math.isfinite(after) and after > MAX_RETRY_AFTER_S:
        return False
    should = headers.get("x-should-retry")
    if should in ("true", "false"):
        return should == "true"
    return status in (408, 409, 429) or status >= 500


def scheduled(status: int, headers: Any, retries_taken: int, max_retries: int) -> RetryScheduled:
    """The retry about to be made: its number and the wait before it."""
    after = retry_after_s(headers)
    if after is not None and math.isfinite(after) and 0 < after <= MAX_RETRY_AFTER_S:
        wait, exact = after, True
    else:  # the SDK's backoff, at most this (it takes up to a quarter off at random)
        wait = min(INITIAL_RETRY_DELAY_S * 2.0**retries_taken, MAX_RETRY_DELAY_S)
        exact = False
    return RetryScheduled(status, wait, exact, retries_taken + 1, max_retries)


async def on_response(response: Any) -> None:
    """The httpx response hook: report an answer the SDK is about to retry."""
    sink = _sink.get()
    if sink is None or response.status_code < 400:
        return
    queue, max_retries = sink
    try:
        taken = int(response.request.headers.get(RETRY_COUNT_HEADER, "0"))
    except ValueError:
        return
    if taken < max_retries and will_retry(response.status_code, response.headers):
        queue.put_nowait(scheduled(response.status_code, response.headers, taken, max_retries))


async def reported(
    request: Awaitable[T], max_retries: int, result: list[T]
) -> AsyncGenerator[RetryScheduled, None]:
    """Run `request` (an SDK call whose client has `on_response` as a hook), yielding each
    retry it schedules; its result is appended to `result` (its exception is raised).

    Closed or cancelled early, the request is cancelled with it.
    """
    queue: asyncio.Queue[RetryScheduled] = asyncio.Queue()
    token = _sink.set((queue, max_retries))
    try:
        task = asyncio.ensure_future(request)  # the task copies the context: its hook sees it
    finally:
        _sink.reset(token)
    getter: asyncio.Future[RetryScheduled] | None = None
    try:
        while True:
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                yield getter.result()
                continue
            getter.cancel()
            while not queue.empty():
                yield queue.get_nowait()
            result.append(task.result())
            return
    finally:
        if getter is not None:
            getter.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        elif not result and not task.cancelled() and task.exception() is None:
            close = getattr(task.result(), "close", None)  # a stream nobody will read
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()


def retry_note(
    status: int, remaining_s: float, exact: bool, attempt: int, max_retries: int
) -> tuple[str, str]:
    """What the line says while the SDK waits to retry: full and short forms, e.g.
    `rate limited (429), retrying in 1.0 s (1/2)`; `~` when the wait is the SDK's backoff
    (it takes up to a quarter off at random)."""
    why = "rate limited (429)" if status == 429 else f"server error {status}"
    if status < 500 and status != 429:
        why = f"HTTP {status}"
    count = f"({attempt}/{max_retries})"
    if remaining_s > 0:
        wait = f"{'' if exact else '~'}{remaining_s:.1f} s"
        return f"{why}, retrying in {wait} {count}", f"{status}: retry in {wait} {count}"
    return f"{why}, retried {count}, waiting…", f"{status}: retried {count}"
