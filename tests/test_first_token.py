"""The wait for the first token has its own limit (first_token_timeout_s), apart from the
idle limit between chunks: MiMo's cold path has taken minutes before its first token.
Both wire formats, over real HTTP to the fake, with the real SDKs."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from mimo_tui.config import Settings
from mimo_tui.events import ContentDelta, TurnFailed, TurnFinished
from mimo_tui.fake.scenarios import scenario
from mimo_tui.runtime import make_client
from tests.conftest import KEY, collect, make_engine

APIS = ["openai", "anthropic"]


def engine_for(store, fake, api: str, **timeouts: float):
    settings = replace(
        Settings(api_key=KEY, base_url=fake.base_url, max_retries=0, api=api), **timeouts
    )
    engine = make_engine(store, settings)
    engine.client = make_client(settings)
    return engine


async def turn(engine, store) -> list:
    session = store.create_session("mimo-v2.5-pro", {})
    try:
        return await collect(engine.turn(session.id, "hi"))
    finally:
        await engine.client.aclose()


@pytest.mark.parametrize("api", APIS)
async def test_a_slow_first_token_is_not_a_stall(store, fake, api):
    fake.queue(scenario("slow_first_token", first_token_delay_s=1.2))
    engine = engine_for(store, fake, api, idle_timeout_s=0.3, first_token_timeout_s=30)
    events = await turn(engine, store)
    assert isinstance(events[-1], TurnFinished), events[-1]
    assert "".join(e.text for e in events if isinstance(e, ContentDelta)) == "Here at last."
    assert events[-1].message.ttft_ms >= 1200


@pytest.mark.parametrize("api", APIS)
async def test_no_first_token_in_time_is_its_own_clear_error(store, fake, api):
    fake.queue(scenario("slow_first_token", first_token_delay_s=60))
    engine = engine_for(store, fake, api, idle_timeout_s=10, first_token_timeout_s=0.5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    events = await turn(engine, store)
    took = loop.time() - started
    failed = events[-1]
    assert isinstance(failed, TurnFailed) and failed.kind == "first_token_timeout"
    assert "No first token from MiMo after 0.5 s (first_token_timeout_s)" in failed.error
    assert "raise first_token_timeout_s in config.toml" in failed.error
    assert 0.5 <= took < 10  # the first-token limit, not the idle one


@pytest.mark.parametrize("api", APIS)
async def test_the_first_token_limit_covers_a_response_that_is_slow_to_start(store, fake, api):
    fake.queue(scenario("slow_first_byte", first_byte_delay_s=60))
    engine = engine_for(store, fake, api, first_token_timeout_s=0.5)
    events = await turn(engine, store)
    assert events[-1].kind == "first_token_timeout"


@pytest.mark.parametrize("api", APIS)
async def test_after_the_first_token_the_idle_limit_applies(store, fake, api):
    fake.queue("stall")
    engine = engine_for(store, fake, api, idle_timeout_s=0.3, first_token_timeout_s=30)
    events = await turn(engine, store)
    failed = events[-1]
    assert failed.kind == "stalled" and "nothing arrived for 0.3 s (idle_timeout_s)" in failed.error
    assert failed.message.content  # what arrived is kept
