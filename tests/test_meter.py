"""The cache-aware cost and context meter, over real HTTP: the fake's prefix cache reports
cached tokens, the store keeps them, the status line, the reply's stats line and
`mimo-tui usage` show hits, costs and the context against the model's window."""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import replace

import pytest

from mimo_tui.catalogue import Catalogue, ModelInfo
from mimo_tui.cost import Meter, session_meter
from mimo_tui.fake import FakeMimo
from mimo_tui.fake.scenarios import Scenario
from mimo_tui.runtime import build_runtime
from mimo_tui.store import Store
from mimo_tui.ui.widgets.status import StatusLine
from mimo_tui.ui.widgets.stored_reply import StoredReply
from tests.conftest import FROZEN, PYTHON, cli_env, cli_paths, collect
from tests.tui_helpers import make_app, send, wait_until

SIZE = (200, 40)


def two_turns(settings, paths, fake: FakeMimo, api: str = "openai"):
    runtime = build_runtime(replace(settings, api=api), paths, clock=lambda: FROZEN)
    session = runtime.new_session()

    async def turns() -> None:
        for text in ("first question", "second question"):
            fake.queue(Scenario(content=f"An answer to the {text}."))
            await collect(runtime.engine.turn(session.id, text))

    asyncio.run(turns())
    replies = [m for m in runtime.store.messages(session.id) if m.role == "assistant"]
    return runtime, replies


@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_cached_tokens_grow_with_the_replayed_prefix_and_are_stored(settings, paths, fake, api):
    runtime, (first, second) = two_turns(settings, paths, fake, api)
    assert first.usage and second.usage
    assert first.usage.cached_tokens == 0  # nothing seen before
    # The second request replays the first (system prompt + question): that prefix hit.
    assert 0 < second.usage.cached_tokens < second.usage.prompt_tokens
    assert second.usage.cached_tokens >= first.usage.prompt_tokens
    # Read back from the store as they came (a fresh connection).
    again = Store(paths.store_file)
    stored = [m for m in again.messages(first.session_id or "") if m.role == "assistant"]
    assert [m.usage for m in stored] == [first.usage, second.usage]
    again.close()
    runtime.close()


def test_a_session_cost_and_hit_rate_from_the_fakes_usage(settings, paths, fake):
    runtime, replies = two_turns(settings, paths, fake)
    meter = session_meter([(m.model, m.usage) for m in replies], Catalogue(), "mimo-v2.5-pro")
    prompt = sum(m.usage.prompt_tokens for m in replies if m.usage)
    cached = sum(m.usage.cached_tokens or 0 for m in replies if m.usage)
    out = sum(m.usage.completion_tokens for m in replies if m.usage)
    assert meter.hit_rate == pytest.approx(cached / prompt)
    # mimo-v2.5-pro: ¥3 / M missed, ¥0.025 / M cached, ¥6 / M out.
    expected = ((prompt - cached) * 3 + cached * 0.025 + out * 6) / 1_000_000
    assert meter.costs == {"CNY": pytest.approx(expected)} and not meter.at_most
    runtime.close()


def test_null_prompt_tokens_details_is_unknown_not_zero(settings, paths, fake):
    runtime = build_runtime(settings, paths, clock=lambda: FROZEN)
    session = runtime.new_session()
    fake.queue("no_cache_details")
    asyncio.run(collect(runtime.engine.turn(session.id, "hi")))
    reply = runtime.store.messages(session.id)[-1]
    assert reply.usage and reply.usage.cached_tokens is None
    meter = Meter()
    meter.add(reply.usage, Catalogue().lookup("mimo-v2.5-pro"))
    assert meter.hit_rate is None and meter.at_most
    runtime.close()


async def test_the_status_line_and_the_reply_show_hits_cost_and_context(settings, paths, fake):
    fake.queue(Scenario(content="One."), Scenario(content="Two."))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=SIZE) as pilot:
        for text in ("first question", "second question"):
            await send(pilot, text)
            await app.workers.wait_for_complete()
            await pilot.pause()
        status = app.screen.query_one(StatusLine)
        replies = [m for m in runtime.store.messages(app.screen.session_id) if m.usage]
        last = replies[-1].usage
        assert last is not None and last.cached_tokens
        line = status.text
        assert "cached / " in line and "uncached" in line and "¥" in line
        assert "estimate (prices of 20" in line
        assert f"context {last.prompt_tokens + last.completion_tokens} / 1M" in line
        assert "⚠" not in line
        meta = str(app.screen.query(StoredReply).last().message.usage)  # the widget's message
        assert "cached_tokens" in meta
        from mimo_tui.ui.widgets.message import meta_text

        shown = meta_text(replies[-1], catalogue=Catalogue())
        pct = round(100 * last.cached_tokens / last.prompt_tokens)
        stats = f"{last.prompt_tokens} in, {pct}% cached · {last.completion_tokens} out · ~¥"
        assert stats in shown
    runtime.close()


async def test_the_context_meter_warns_at_80_percent_of_the_window(settings, paths, fake):
    small = ModelInfo("mimo-v2.5-pro", 100, 100)  # as [models."mimo-v2.5-pro"] would set it
    fake.queue(Scenario(content="word " * 60))
    app, runtime = make_app(replace(settings, models={"mimo-v2.5-pro": small}), paths)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await send(pilot, "a question long enough to fill a tiny window " * 2)
        await app.workers.wait_for_complete()
        await wait_until(pilot, lambda: bool(app._notifications))
        status = app.screen.query_one(StatusLine)
        assert status.context is not None and status.context.warning
        assert "⚠ context " in status.text and "/ 100 (" in status.text
        notes = [n.message for n in app._notifications]
        assert any("context window" in n and "Ctrl+N" in n for n in notes)
    runtime.close()


def mimo(tmp_path, fake, *args, **env):
    return subprocess.run(
        [PYTHON, "-m", "mimo_tui", *args],
        env=cli_env(tmp_path, fake, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_usage_csv_has_cached_tokens_and_costs_from_real_requests(tmp_path, fake):
    fake.queue(Scenario(content="One."), Scenario(content="Two."))
    assert mimo(tmp_path, fake, "ask", "first").returncode == 0
    assert mimo(tmp_path, fake, "ask", "-c", "second").returncode == 0
    store = Store(cli_paths(tmp_path).store_file)
    usages = [m.usage for m in store.messages(store.get_session("last").id) if m.usage]
    store.close()
    rows = mimo(tmp_path, None, "usage", "--csv").stdout.splitlines()
    header = rows[0].split(",")
    row = dict(zip(header, rows[1].split(","), strict=True))
    cached = sum(u.cached_tokens or 0 for u in usages)
    prompt = sum(u.prompt_tokens for u in usages)
    assert row["requests"] == "2" and row["cached_tokens"] == str(cached) and cached > 0
    assert float(row["cache_hit"]) == round(cached / prompt, 4)  # a plain number in CSV
    assert float(row["cost_cny"]) > 0 and row["cost_usd"] == ""
    table = mimo(tmp_path, None, "usage")
    assert "estimate, prices as of" in table.stderr
    head, *_ = table.stdout.splitlines()
    assert head.split() == [
        "day",
        "model",
        "reqs",
        "in",
        "cached",
        "hit",
        "out",
        "reasoning",
        "CNY",
    ]
    assert max(len(line) for line in table.stdout.splitlines()) <= 80  # no dollar column


def test_a_1m_suffixed_id_is_sent_as_is_and_priced_as_its_model(settings, paths, fake):
    runtime = build_runtime(
        replace(settings, model="mimo-v2.5-pro[1m]"), paths, clock=lambda: FROZEN
    )
    session = runtime.new_session()
    fake.queue(Scenario(content="From the 1M route."))
    asyncio.run(collect(runtime.engine.turn(session.id, "hi")))
    (request,) = fake.chat_requests()
    assert request.body["model"] == "mimo-v2.5-pro[1m]" and request.status == 200
    reply = runtime.store.messages(session.id)[-1]
    info = Catalogue().lookup(reply.model or "")
    assert info.known and info.context_window == 1_048_576 and info.prices
    runtime.close()
