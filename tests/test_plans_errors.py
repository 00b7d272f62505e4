"""Token Plan keys and MiMo's documented error codes: each failure says what happened and
what to do next, in the engine (what the TUI shows), in `ask`, and in the TUI itself."""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import replace

import pytest

from mimo_tui.errors import from_status
from mimo_tui.events import TurnFailed
from mimo_tui.fake import FakeMimo
from mimo_tui.plans import TOKEN_PLAN_URL, plan_problem
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.widgets.conversation import Notice
from tests.conftest import FROZEN, PYTHON, cli_env, collect
from tests.tui_helpers import make_app, send

TP_KEY = "tp-test-0123456789abcdef"
DEFAULT_URL = "https://api.xiaomimimo.com/v1"


def mimo(tmp_path, fake, *args, **env):
    return subprocess.run(
        [PYTHON, "-m", "mimo_tui", *args],
        env=cli_env(tmp_path, fake, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def failure(settings, paths, fake: FakeMimo, *scenarios: str) -> TurnFailed:
    runtime = build_runtime(settings, paths, clock=lambda: FROZEN)
    session = runtime.new_session()
    fake.queue(*scenarios)
    events = asyncio.run(collect(runtime.engine.turn(session.id, "hi")))
    runtime.close()
    failed = [e for e in events if isinstance(e, TurnFailed)]
    assert failed, events
    return failed[0]


def test_a_token_plan_key_on_the_default_url_is_explained_before_anything_is_sent() -> None:
    problem = plan_problem(TP_KEY, DEFAULT_URL)
    assert problem and TOKEN_PLAN_URL in problem and "MIMO_BASE_URL" in problem
    assert "config.toml" in problem and "token-plan-sgp" in problem and "-ams" in problem
    assert plan_problem(TP_KEY, TOKEN_PLAN_URL) is None
    assert plan_problem("sk-x", DEFAULT_URL) is None
    assert "pay-as-you-go" in (plan_problem("sk-x", TOKEN_PLAN_URL) or "")
    assert plan_problem(TP_KEY, "http://127.0.0.1:9/v1") is None  # a proxy: left alone


def test_ask_with_a_token_plan_key_on_the_default_url_says_what_to_set(tmp_path):
    result = mimo(tmp_path, None, "ask", "hello", MIMO_API_KEY=TP_KEY)
    assert result.returncode == 2, result.stderr
    assert TOKEN_PLAN_URL in result.stderr and "MIMO_BASE_URL" in result.stderr
    assert result.stdout == "" and TP_KEY not in result.stderr


def test_the_plan_mix_401_over_http_maps_to_the_token_plan_advice(tmp_path):
    with FakeMimo(api_key=TP_KEY) as fake:  # plays api.xiaomimimo.com: refuses tp- keys
        result = mimo(tmp_path, fake, "ask", "hello", MIMO_API_KEY=TP_KEY)
        assert [r.status for r in fake.chat_requests()] == [401]
    assert result.returncode == 1
    assert "401" in result.stderr and "different MiMo plans" in result.stderr
    assert TOKEN_PLAN_URL in result.stderr and TP_KEY not in result.stderr


def test_a_pay_as_you_go_key_on_a_token_plan_host_gets_the_401_advice(settings, paths):
    with FakeMimo(api_key=settings.api_key or "", plan="token_plan") as fake:
        failed = failure(replace(settings, base_url=fake.base_url), paths, fake)
    assert failed.kind == "auth" and "different MiMo plans" in failed.error
    assert "api.xiaomimimo.com/v1" in failed.error


async def test_the_tui_explains_a_token_plan_key_on_the_default_url(settings, paths, fake):
    app, runtime = make_app(replace(settings, api_key=TP_KEY, base_url=DEFAULT_URL), paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "hello?")
        await app.workers.wait_for_complete()
        await pilot.pause()
        errors = [str(n.render()) for n in app.screen.query(Notice) if n.has_class("-error")]
        assert errors and TOKEN_PLAN_URL in errors[0] and "Nothing was sent" in errors[0]
    runtime.close()


@pytest.mark.parametrize(
    ("scenario", "kind", "words"),
    [
        ("http_400", "bad_request", ["max_completion_tokens is out of range", "refused"]),
        ("http_402", "balance", ["Insufficient balance", "Top up", "console"]),
        ("http_403_region", "forbidden", ["region", "risk control", "console"]),
        ("http_404", "not_found", ["base URL", "model name"]),
        ("http_421_detail", "content_filter", ["content filter", "blocked", "Rephrase"]),
        ("http_429_quota", "quota", ["Token Plan quota", "resets", "pay-as-you-go"]),
        ("http_500", "server", ["server error", "Try again"]),
        ("http_503", "server", ["overloaded", "Try again"]),
    ],
)
def test_each_documented_code_says_what_to_do(settings, paths, fake, scenario, kind, words):
    failed = failure(settings, paths, fake, scenario)
    assert failed.kind == kind
    for word in words:
        assert word in failed.error, failed.error


@pytest.mark.parametrize(
    ("scenario", "words"),
    [
        ("http_402", ["HTTP 402", "Top up"]),
        ("http_403_risk", ["HTTP 403", "risk control"]),
        ("http_421", ["HTTP 421", "Rephrase"]),
    ],
)
def test_ask_prints_the_402_403_421_advice(tmp_path, fake, scenario, words):
    fake.queue(scenario)
    result = mimo(tmp_path, fake, "ask", "hello")
    assert result.returncode == 1 and result.stdout == ""
    for word in words:
        assert word in result.stderr, result.stderr


def test_an_unknown_status_still_gets_a_message() -> None:
    error = from_status(418, {"error": {"message": "teapot"}})
    assert error.kind == "http" and "HTTP 418: teapot" in str(error)


@pytest.mark.parametrize(
    ("scenario", "words"),
    [
        ("http_402", ["Insufficient balance", "Top up"]),
        ("http_421", ["content filter", "Rephrase"]),
    ],
)
async def test_the_tui_shows_the_next_step(settings, paths, fake, scenario, words):
    fake.queue(scenario)
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "hello?")
        await app.workers.wait_for_complete()
        await pilot.pause()
        errors = [str(n.render()) for n in app.screen.query(Notice) if n.has_class("-error")]
        assert errors
        for word in words:
            assert word in errors[0], errors[0]
    runtime.close()
