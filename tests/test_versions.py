"""How a superseded version reads when folded into one reply (versions.combined)."""

from __future__ import annotations

from mimo_tui.model import Message, ToolCall, Usage
from mimo_tui.versions import combined


def _round(content: str, **kw) -> Message:
    return Message("assistant", content, model="mimo-v2.5-pro", usage=Usage(10, 5, 0), **kw)


def test_a_version_with_tool_rounds_is_one_reply_that_ends_as_its_last_round_did():
    call = ToolCall("call_1", "get_time", "{}")
    version = [
        _round("", tool_calls=[call], finish_reason="tool_calls", id=7),
        Message("tool", "12:00", tool_call_id="call_1", id=8),
        _round("It is noon and", finish_reason=None, status="error", error="HTTP 500", id=9),
    ]
    reply = combined(version)
    assert reply.id == 7 and reply.content == "It is noon and"
    assert reply.tool_calls == [call] and reply.usage == Usage(20, 10, 0)
    assert (reply.status, reply.error) == ("error", "HTTP 500")


def test_a_finished_version_says_how_it_finished():
    assert combined([_round("cut", finish_reason="length")]).finish_reason == "length"
    done = combined([_round("done", finish_reason="stop")])
    assert (done.status, done.error) == ("complete", None)
    stopped = combined([_round("half", status="interrupted")])
    assert stopped.status == "interrupted"


def test_a_version_keeps_how_long_it_reasoned():
    """Its reasoning title says the time even with no token count (a reply stopped before
    the usage came): each round's time, summed; none when it did not reason."""
    thought = [
        _round("", reasoning_content="a", reasoning_ms=700, status="complete"),
        Message("assistant", "b", reasoning_content="c", reasoning_ms=300, status="interrupted"),
    ]
    assert combined(thought).reasoning_ms == 1000
    assert combined([_round("no reasoning")]).reasoning_ms is None
