"""The client against the fake over real HTTP: the request it sends, the stream it reads, and
one clear message for every way the API or the network can fail."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

import pytest

from mimo_tui.assemble import Assembler
from mimo_tui.client import ChatClient, RequestParams
from mimo_tui.errors import ApiError
from mimo_tui.fake import FakeMimo
from mimo_tui.fake.scenarios import scenario
from tests.conftest import KEY

HISTORY = [{"role": "user", "content": "hi"}]


async def run(client: ChatClient, params: RequestParams | None = None) -> Assembler:
    asm = Assembler()
    try:
        async for event in client.stream(HISTORY, params or RequestParams("mimo-v2.5-pro")):
            asm.feed(event)
    finally:
        await client.aclose()
    return asm


def client_for(fake: FakeMimo, **kw) -> ChatClient:
    kw.setdefault("max_retries", 0)
    return ChatClient(KEY, fake.base_url, **kw)


async def test_request_shape_thinking_auth_and_usage(fake: FakeMimo):
    fake.queue("thinking_text")
    asm = await run(client_for(fake), RequestParams("mimo-v2.5-pro", temperature=0.3))
    (req,) = fake.chat_requests()
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert req.headers["api-key"] == KEY
    assert req.body["thinking"] == {"type": "enabled"}
    assert req.body["stream"] is True and req.body["stream_options"] == {"include_usage": True}
    assert "temperature" not in req.body  # MiMo ignores it in thinking mode
    assert asm.reasoning_text == "The user wants a short greeting."
    assert asm.content_text == "Hello world."
    assert asm.finish_reason == "stop"
    assert asm.usage and asm.usage.reasoning_tokens == 6


async def test_thinking_off_sends_sampling_parameters(fake: FakeMimo):
    fake.queue("text")
    params = RequestParams(
        "mimo-v2.5-pro", thinking=False, temperature=0.3, top_p=0.5, max_completion_tokens=256
    )
    await run(client_for(fake), params)
    body = fake.chat_requests()[0].body
    assert body["thinking"] == {"type": "disabled"}
    assert (body["temperature"], body["top_p"], body["max_completion_tokens"]) == (0.3, 0.5, 256)


async def test_tool_call_fragments_are_assembled(fake: FakeMimo):
    fake.queue("parallel_tool_calls")
    asm = await run(client_for(fake))
    calls = asm.tool_calls()
    assert [c.arguments for c in calls] == ['{"location": "Hebei"}', '{"location": "Beijing"}']
    assert all(c.id.startswith("call_") and c.name == "get_current_weather" for c in calls)
    assert asm.finish_reason == "tool_calls"


@pytest.mark.parametrize("name", ["usage_on_finish_chunk", "keepalive"])
async def test_tolerant_stream_variants(fake: FakeMimo, name: str):
    fake.queue(name)
    asm = await run(client_for(fake))
    assert asm.content_text and asm.finish_reason == "stop" and asm.usage


async def test_no_usage_is_fine(fake: FakeMimo):
    fake.queue("no_usage")
    asm = await run(client_for(fake))
    assert asm.usage is None and asm.content_text == "No usage this time."


@pytest.mark.parametrize(
    ("name", "kind", "words"),
    [
        ("http_400", "bad_request", ["400", "max_completion_tokens is out of range"]),
        ("http_400_sse_prefixed", "bad_request", ["400", "reasoning_content in the thinking"]),
        ("http_401", "auth", ["401", "MIMO_API_KEY", "mimo-tui key set"]),
        ("http_402", "balance", ["402", "Top up"]),
        ("http_403", "forbidden", ["403"]),
        ("http_404", "not_found", ["404", "base URL"]),
        ("http_421", "content_filter", ["421"]),
        ("http_429", "rate_limit", ["429", "Wait"]),
        ("http_500", "server", ["500", "Try again"]),
        ("http_503", "server", ["503"]),
        ("truncated_stream", "incomplete", ["no finish reason"]),
        ("midstream_error", "stream_error", ["failed mid-stream"]),
        ("malformed_chunk", "malformed", ["malformed"]),
    ],
)
async def test_each_failure_gets_one_clear_message(fake: FakeMimo, name, kind, words):
    fake.queue(name)
    with pytest.raises(ApiError) as info:
        await run(client_for(fake))
    assert info.value.kind == kind
    for word in words:
        assert word in str(info.value)
    assert KEY not in str(info.value)


async def test_429_and_500_are_retried_by_the_sdk_only(fake: FakeMimo):
    fake.queue("http_429", "http_429", "thinking_text")
    asm = await run(client_for(fake, max_retries=2))
    assert asm.content_text == "Hello world."
    retries = [r.headers.get("x-stainless-retry-count") for r in fake.chat_requests()]
    assert retries == ["0", "1", "2"]


async def test_gave_up_after_retries_says_so(fake: FakeMimo):
    fake.queue("http_500", "http_500", "http_500")
    with pytest.raises(ApiError, match="after 3 attempts"):
        await run(client_for(fake, max_retries=2))


async def test_a_stalled_stream_is_stopped_by_the_idle_watchdog(fake: FakeMimo):
    fake.queue("stall")
    with pytest.raises(ApiError) as info:
        await run(client_for(fake, idle_timeout_s=0.3))
    assert info.value.kind == "stalled"
    current = asyncio.current_task()
    assert current is not None and current.cancelling() == 0  # the caller goes on as usual
    await asyncio.sleep(0)


async def test_the_idle_watchdog_counts_only_time_spent_waiting_for_the_api(fake: FakeMimo):
    """A consumer that takes longer than the idle timeout over each chunk (a slow screen, a
    tool prompt) is not a stalled stream."""
    fake.queue(scenario("text", content="one two three"))
    client = client_for(fake, idle_timeout_s=0.2)
    text = []
    try:
        async for event in client.stream(HISTORY, RequestParams("mimo-v2.5-pro")):
            text.append(getattr(event, "text", ""))
            await asyncio.sleep(0.3)  # the consumer is busy, not the API
    finally:
        await client.aclose()
    assert "".join(text) == "one two three"


async def test_refused_connection(fake: FakeMimo):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = ChatClient(KEY, f"http://127.0.0.1:{port}/v1", max_retries=0)
    with pytest.raises(ApiError) as info:
        await run(client)
    assert info.value.kind == "connection"
    assert f"127.0.0.1:{port}" in str(info.value)


async def test_unknown_finish_reason_passes_through(fake: FakeMimo):
    fake.queue(scenario("repetition_truncation"))
    asm = await run(client_for(fake))
    assert asm.finish_reason == "repetition_truncation"


async def test_list_models(fake: FakeMimo):
    client = client_for(fake)
    assert "mimo-v2.5-pro" in await client.list_models()
    await client.aclose()
    bad = replace(fake)  # same server, wrong key
    wrong = ChatClient("wrong", bad.base_url, max_retries=0)
    with pytest.raises(ApiError, match="401"):
        await wrong.list_models()
    await wrong.aclose()


@pytest.mark.parametrize("api", ["openai", "anthropic"])
async def test_a_redirect_is_not_followed_so_the_key_never_leaves_for_another_host(
    fake: FakeMimo, api: str
):
    """The base URL answers 307 to another origin (a proxy in front of the API, or a
    server posing as it): nothing goes there, since the key and the whole conversation
    would go along, and the message names where it pointed and what to do."""
    from mimo_tui.anthropic_client import AnthropicClient, anthropic_base_url

    with FakeMimo(api_key=KEY) as elsewhere:
        fake.redirect_to = elsewhere.base_url.removesuffix("/v1")
        if api == "openai":
            client = client_for(fake)
        else:
            client = AnthropicClient(KEY, anthropic_base_url(fake.base_url), max_retries=0)
        with pytest.raises(ApiError) as sending:
            await run(client)
        with pytest.raises(ApiError) as listing:
            await client.list_models()
        await client.aclose()
        assert elsewhere.requests == []
    for caught in (sending.value, listing.value):
        assert caught.kind == "redirect" and caught.status == 307
        text = caught.message
        assert elsewhere.base_url.removesuffix("/v1") in text  # where it pointed
        assert "not followed" in text and "base_url" in text and KEY not in text
    assert [r.status for r in fake.requests] == [307, 307]


async def events_until_error(client: ChatClient) -> tuple[list, ApiError | None]:
    seen, error = [], None
    try:
        async for event in client.stream(HISTORY, RequestParams("mimo-v2.5-pro")):
            seen.append(event)
    except ApiError as exc:
        error = exc
    finally:
        await client.aclose()
    return seen, error


async def test_each_retry_the_sdk_makes_is_reported_before_it_waits(fake: FakeMimo):
    """A contract with the SDK: its response hook sees every retried answer and its retry
    count header; should either change, the user would again see only 'waiting'."""
    from mimo_tui.events import ContentDelta, RetryScheduled

    fake.queue(
        scenario("http_429", retry_after="0.05"), scenario("http_503", retry_after=None), "text"
    )
    seen, error = await events_until_error(client_for(fake, max_retries=2))
    assert error is None
    retries = [e for e in seen if isinstance(e, RetryScheduled)]
    assert [(r.status, r.attempt, r.max_retries) for r in retries] == [(429, 1, 2), (503, 2, 2)]
    assert (retries[0].wait_s, retries[0].exact) == (0.05, True)  # the server's retry-after
    assert retries[1].exact is False and 0 < retries[1].wait_s <= 8  # the SDK's backoff
    assert seen.index(retries[-1]) < next(
        i for i, e in enumerate(seen) if isinstance(e, ContentDelta)
    )


async def test_no_retry_is_reported_when_the_sdk_gives_up_or_would_not_retry(fake: FakeMimo):
    from mimo_tui.events import RetryScheduled

    fake.queue("http_503", "http_503")  # one retry, then the SDK raises: one report
    seen, error = await events_until_error(client_for(fake, max_retries=1))
    assert error is not None and error.status == 503
    assert [e.attempt for e in seen if isinstance(e, RetryScheduled)] == [1]
    fake.queue("http_401")  # not retried at all
    seen, error = await events_until_error(client_for(fake, max_retries=2))
    assert error is not None and not [e for e in seen if isinstance(e, RetryScheduled)]


async def test_a_stream_cancelled_while_the_sdk_waits_to_retry_stops_the_request(fake: FakeMimo):
    from mimo_tui.events import RetryScheduled

    fake.queue(scenario("http_429", retry_after="30"), "text")
    client = client_for(fake, max_retries=2)
    stream = client.stream(HISTORY, RequestParams("mimo-v2.5-pro"))
    first = await asyncio.wait_for(anext(stream), 10)
    assert isinstance(first, RetryScheduled) and first.wait_s == 30
    await stream.aclose()  # Escape while it waits: the request is cancelled, not left behind
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert others == []
    await client.aclose()
    assert len(fake.chat_requests()) == 1


@pytest.mark.parametrize("api", ["openai", "anthropic"])
async def test_counts_that_are_not_counts_are_not_believed(fake: FakeMimo, api: str):
    """A server reporting -5 completion tokens, or a count as text: the reply is kept and
    such a count reads as 0 (it showed as "-5 out" and "≤ ¥-0.0000"); a sound count stays."""
    from mimo_tui.anthropic_client import AnthropicClient, anthropic_base_url

    counts: dict[str, object] = {"completion_tokens": -5}
    if api == "openai":  # (the Anthropic format sends the prompt's count at the start)
        counts["prompt_tokens"] = "12"
    fake.queue(scenario("text", usage_counts=counts))
    if api == "openai":
        client = client_for(fake)
    else:
        client = AnthropicClient(KEY, anthropic_base_url(fake.base_url), max_retries=0)
    asm = await run(client)
    assert asm.content_text.startswith("Hello") and asm.finish_reason == "stop"
    assert asm.usage is not None
    assert asm.usage.completion_tokens == 0 and asm.usage.prompt_tokens >= 0
    if api == "openai":
        assert asm.usage.prompt_tokens == 0
