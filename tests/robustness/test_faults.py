"""Network and API faults: one clear message, no traceback, the partial reply kept and marked,
retries bounded in one place (the SDK's), and the app usable at once with a retry action."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, replace

import pytest

from mimo_tui.events import TurnFailed
from mimo_tui.fake.scenarios import Scenario, scenario
from mimo_tui.runtime import build_runtime
from mimo_tui.ui.widgets.conversation import Notice
from mimo_tui.ui.widgets.stored_reply import StoredReply
from tests.conftest import FROZEN, KEY, PYTHON, cli_env, collect
from tests.tui_helpers import make_app, send, wait_until

PARTIAL = "The first words of an answer that will not finish " * 3


@dataclass
class Fault:
    case: str
    scenario: Scenario | str | None  # None: no server to talk to
    expected: str  # in the message the user gets
    requests: int  # how many requests reach the server (SDK retries included)
    settings: dict | None = None
    partial: bool = False  # some of the reply arrived before the fault
    base_url: str | None = None


FAULTS = [
    Fault("connection refused", None, "Cannot reach", 0, base_url="http://127.0.0.1:9/v1"),
    Fault("DNS failure", None, "Cannot reach", 0, base_url="http://no-such-host.invalid/v1"),
    Fault(
        "no bytes before the timeout",
        scenario("slow_first_byte", first_byte_delay_s=5),
        "No response",
        3,  # a timeout before any byte is retried by the SDK
        {"timeout_s": 0.5},
    ),
    Fault(
        "a stream that stalls midway (idle timeout)",
        Scenario(content=PARTIAL, stall_after=6),
        "stalled",
        1,
        {"idle_timeout_s": 0.5},
        partial=True,
    ),
    Fault(
        "a stream cut without finish reason or [DONE]",
        Scenario(content=PARTIAL, truncate_after=6),
        "ended before the reply was complete",
        1,
        partial=True,
    ),
    Fault(
        "an in-band error event mid-stream",
        Scenario(content=PARTIAL, midstream_error_after=6),
        "during the reply",
        1,
        partial=True,
    ),
    Fault(
        "a malformed JSON chunk",
        Scenario(content=PARTIAL, malformed_after=6),
        "malformed",
        1,
        partial=True,
    ),
    Fault("400 in MiMo's envelope (detail in param)", "http_400", "max_completion_tokens", 1),
    Fault("400 framed as SSE (data:{...})", "http_400_sse_prefixed", "reasoning_content", 1),
    Fault("401", "http_401", "MIMO_API_KEY", 1),
    Fault("402", "http_402", "balance", 1),
    Fault("403", "http_403", "403", 1),
    Fault("404", "http_404", "404", 1),
    Fault("421 (content filter)", "http_421", "421", 1),
    Fault("429 with Retry-After", "http_429", "429", 3),
    Fault("429 without Retry-After", "http_429_no_retry_after", "429", 2, {"max_retries": 1}),
    Fault("500", "http_500", "500", 3),
    Fault("503", "http_503", "503", 3),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.case for f in FAULTS])
async def test_each_fault_gets_one_clear_message_and_loses_nothing(
    fault: Fault, settings, paths, fake, observe
):
    changes = {"max_retries": 2, **(fault.settings or {})}
    if fault.base_url:
        changes["base_url"] = fault.base_url
    runtime = build_runtime(replace(settings, **changes), paths, clock=lambda: FROZEN)
    session = runtime.new_session()
    if fault.scenario is not None:
        fake.queue(*[fault.scenario] * max(1, fault.requests))
    events = await collect(runtime.engine.turn(session.id, "please answer"))
    failed = events[-1]
    assert isinstance(failed, TurnFailed)
    message = failed.error
    assert fault.expected.lower() in message.lower(), message
    assert "Traceback" not in message and KEY not in message
    requests = len(fake.chat_requests())
    assert requests == fault.requests  # retries bounded, never stacked
    user, reply = runtime.store.messages(session.id)
    assert user.content == "please answer"  # the question is never lost
    assert reply.status == "error" and reply.error == message
    if fault.partial:
        assert reply.content and PARTIAL.startswith(reply.content)  # what arrived is kept
    runtime.close()
    kept = f"{len(reply.content)} characters that arrived kept; " if fault.partial else ""
    observe(
        "Network and API faults",
        fault.case,
        f"“{message}” — the question stored, the reply marked {reply.status}; {kept}"
        f"{requests} request(s) reached the server",
    )


async def test_after_a_fault_the_app_is_usable_and_f5_retries(settings, paths, fake, observe):
    fake.queue(Scenario(content=PARTIAL, truncate_after=6), "text")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(110, 34)) as pilot:
        await send(pilot, "first try")
        await app.workers.wait_for_complete()
        await pilot.pause()
        notice = str(app.screen.query(Notice).last().render())
        assert "F5" in notice
        assert app.focused is app.screen.query_one("PromptInput")  # usable at once
        await pilot.press("f5")
        await wait_until(pilot, lambda: len(fake.chat_requests()) == 2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        replies = list(app.screen.query(StoredReply))
        assert replies[-1].answer_text == "Hello! I'm MiMo, Xiaomi's AI assistant."
        failed = replies[0]
        assert failed.message.status == "error" and failed.answer_text  # still shown
        sent = fake.chat_requests()[1].body["messages"]
    runtime.close()
    roles = [m["role"] for m in sent if m["role"] != "system"]
    assert roles == ["user"]  # partial not replayed
    observe(
        "Network and API faults",
        "a stream cut midway, then F5, in the TUI",
        f"the input has focus; F5 sends request 2 with {roles} (the partial left out) and shows "
        f"“{replies[-1].answer_text}”; the failed reply keeps its {len(failed.answer_text)} "
        f"characters, marked {failed.message.status}; the notice “{' '.join(notice.split())}”",
    )


MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120)
sys.stderr.write(done.stderr)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_a_gzip_bomb_error_body_is_read_with_a_bound(tmp_path, fake, observe, api):
    """1 MiB of gzip that inflates to 1 GiB: the message arrives, memory stays small."""
    fake.queue("gzip_bomb_error")
    # A parent of its own, so RUSAGE_CHILDREN is this `ask` alone, not every test's children.
    result = subprocess.run(
        [PYTHON, "-c", MEASURE, PYTHON, "-m", "mimo_tui", "--api", api, "ask", "hi"],
        env=cli_env(tmp_path, fake),
        capture_output=True,
        text=True,
        timeout=180,
    )
    code, peak_kib = (int(x) for x in result.stdout.split())
    assert code == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "HTTP 400" in result.stderr and "the request could not be read" in result.stderr
    assert peak_kib < 300 * 1024, f"peak RSS {peak_kib} KiB"
    message = result.stderr.strip().splitlines()[-1]
    observe(
        "Network and API faults",
        f"a gzip-bomb error body (1 MiB → 1 GiB), {api} format",
        f"exit {code}: “{message}” — peak RSS of `ask` {peak_kib // 1024} MB (bound: 300 MB)",
    )


@pytest.mark.parametrize("api", ["openai", "anthropic"])
async def test_invalid_utf8_in_a_chunk_is_replaced_and_the_reply_goes_on(
    api, settings, paths, fake, observe
):
    runtime = build_runtime(replace(settings, api=api), paths, clock=lambda: FROZEN)
    session = runtime.new_session()
    fake.queue("invalid_utf8")
    events = await collect(runtime.engine.turn(session.id, "please answer"))
    runtime.close()
    assert not isinstance(events[-1], TurnFailed), events[-1]
    reply = events[-1].message
    assert reply.status == "complete"
    assert reply.content.startswith("Before the bad bytes \ufffd")
    assert reply.content.endswith(" and after them.")  # the rest of the reply arrived
    observe(
        "Network and API faults",
        f"invalid UTF-8 bytes inside a chunk ({api} format)",
        f"the bad bytes become U+FFFD; the reply is {reply.status}: {reply.content!r}",
    )


@pytest.mark.parametrize("api", ["openai", "anthropic"])
async def test_text_after_the_first_finish_reason_is_ignored(api, settings, paths, fake, observe):
    runtime = build_runtime(replace(settings, api=api), paths, clock=lambda: FROZEN)
    session = runtime.new_session()
    fake.queue("text_after_finish")
    events = await collect(runtime.engine.turn(session.id, "please answer"))
    stored = runtime.store.messages(session.id)[-1]
    runtime.close()
    assert stored.content == "The real answer." and stored.finish_reason == "stop"
    assert events[-1].notice is None  # no "cut off (length)" notice from the late finish
    observe(
        "Network and API faults",
        f"text and a second finish reason after the first ({api} format)",
        f"the reply ends at the first finish: {stored.content!r}, "
        f"finish reason {stored.finish_reason!r}, notice {events[-1].notice!r}",
    )
