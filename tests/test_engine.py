"""The turn engine: events in order, the user's message saved first, the reply checkpointed
while it streams, and a cancelled or failed reply kept and marked."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace

from mimo_tui.engine import Engine
from mimo_tui.events import (
    ContentDelta,
    ReasoningDelta,
    RoundFinished,
    RoundStarted,
    TurnFailed,
    TurnFinished,
    UserSaved,
)
from mimo_tui.fake import FakeMimo
from mimo_tui.fake.scenarios import scenario
from mimo_tui.store import Store
from tests.conftest import collect, make_engine


async def test_events_arrive_in_order_and_the_reply_is_stored(engine: Engine, store, fake):
    session = store.create_session("mimo-v2.5-pro")
    fake.queue("thinking_text")
    events = await collect(engine.turn(session.id, "hello"))
    kinds = [type(e) for e in events]
    assert kinds[0] is UserSaved and kinds[1] is RoundStarted
    assert kinds.index(ReasoningDelta) < kinds.index(ContentDelta)
    assert kinds[-2:] == [RoundFinished, TurnFinished]
    reply = events[-1].message
    assert (reply.content, reply.status) == ("Hello world.", "complete")
    assert reply.finish_reason == "stop"
    assert reply.ttft_ms is not None and reply.duration_ms is not None
    stored = store.messages(session.id)
    assert [(m.role, m.status) for m in stored] == [("user", "complete"), ("assistant", "complete")]
    assert stored[1].usage == reply.usage


async def test_the_user_message_is_saved_before_the_request(engine: Engine, store, fake):
    session = store.create_session("mimo-v2.5-pro")
    fake.queue("http_500")
    events = await collect(engine.turn(session.id, "do not lose me"))
    assert isinstance(events[-1], TurnFailed)
    assert store.messages(session.id)[0].content == "do not lose me"
    assert store.messages(session.id)[1].status == "error"


async def test_a_reply_in_flight_is_checkpointed_at_least_once_a_second(
    store: Store, settings, fake: FakeMimo, paths
):
    ticks = itertools.count(step=0.4)  # every clock read is 0.4 s later
    engine = make_engine(store, settings, mono=lambda: next(ticks))
    session = store.create_session("mimo-v2.5-pro")
    fake.queue(scenario("text", content="one two three four five six seven eight"))
    seen_midway = []
    async for event in engine.turn(session.id, "count"):
        if isinstance(event, ContentDelta) and event.text.strip() == "six":
            other = Store(paths.store_file)  # what a crash right now would leave on disk
            seen_midway.append(other.messages(session.id)[1])
            other.close()
    (midway,) = seen_midway
    assert midway.status == "streaming"
    assert midway.content.startswith("one two three")


async def test_cancel_keeps_what_arrived_marked_interrupted(engine: Engine, store, fake):
    session = store.create_session("mimo-v2.5-pro")
    fake.queue(scenario("slow_stream", delay_s=0.05, content="word " * 200))
    got_content = asyncio.Event()

    async def consume():
        async for event in engine.turn(session.id, "long please"):
            if isinstance(event, ContentDelta):
                got_content.set()

    task = asyncio.create_task(consume())
    await got_content.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    reply = store.messages(session.id)[1]
    assert reply.status == "interrupted"
    assert reply.content.startswith("word")
    assert reply.reasoning_content == "Taking my time."
    # The partial reply is not replayed as if it were complete.
    assert all(m["role"] != "assistant" for m in store.replay(session.id, None))


async def test_finish_reasons_that_cut_a_reply_short_are_reported(engine: Engine, store, fake):
    session = store.create_session("mimo-v2.5-pro")
    fake.queue("length", "repetition_truncation")
    first = await collect(engine.turn(session.id, "a"))
    second = await collect(engine.turn(session.id, "b"))
    assert "max_completion_tokens" in first[-1].notice
    assert "repeating" in second[-1].notice


async def test_no_key_fails_clearly_without_a_request(store: Store, settings, fake):
    engine = Engine(store, None, replace(settings, api_key=None))
    session = store.create_session("mimo-v2.5-pro")
    events = await collect(engine.turn(session.id, "hi"))
    assert isinstance(events[-1], TurnFailed) and events[-1].kind == "no_key"
    assert "mimo-tui key set" in events[-1].error
    assert fake.chat_requests() == []


async def test_retry_asks_again_without_a_second_user_message(engine: Engine, store, fake):
    session = store.create_session("mimo-v2.5-pro")
    fake.queue("http_503", "thinking_text")
    await collect(engine.turn(session.id, "hello"))
    events = await collect(engine.rounds(session.id))
    assert isinstance(events[-1], TurnFinished)
    assert [m["role"] for m in fake.chat_requests()[1].body["messages"]] == ["system", "user"]
