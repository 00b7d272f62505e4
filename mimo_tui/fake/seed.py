"""A fixed demo conversation written straight into a store: for snapshots and screenshots,
where live timings (TTFT, durations) would make every picture different."""

from __future__ import annotations

import functools
from typing import Any

from mimo_tui.model import Message, Role, ToolCall, ToolRecord, Usage
from mimo_tui.store import Store
from mimo_tui.tools import BUILTINS

SEED_SESSION_ID = "5e55100d0001"
SYSTEM = (
    "You are MiMo, an AI assistant developed by Xiaomi.\n"
    "Today's date: 2026-05-12 Tuesday. Your knowledge cutoff date is December 2024."
)

ANSWER = """\
Here is a tiny **Python** example:

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"
```

- fast to read
- *type-hinted*
"""

REASONING = (
    "The user wants a small Python function. A type-hinted one-liner is enough; "
    "then two bullet points on why."
)
TIME_RESULT = '{"iso": "2026-05-12T09:30:00+08:00", "weekday": "Tuesday", "timezone": "CST"}'


def _reply(
    store: Store,
    session_id: str,
    model: str,
    content: str,
    reasoning: str,
    usage: Usage,
    calls: list[ToolCall] | None = None,
    tools_offered: bool = False,
) -> Message:
    history = len(store.replay(session_id, SYSTEM))
    reply = store.add_message(session_id, Message("assistant", status="streaming", model=model))
    assert reply.id is not None
    params = {
        "model": model,
        "stream": True,
        "stream_options": {"include_usage": True},
        "thinking": {"type": "enabled"},
    }
    if tools_offered:
        params.update(tools=[BUILTINS["current_time"].to_api()], tool_choice="auto")
    store.record_request(session_id, reply.id, model, SYSTEM, params, history)
    reply.content, reply.reasoning_content = content, reasoning
    reply.tool_calls = calls or []
    reply.status = "complete"
    reply.finish_reason = "tool_calls" if calls else "stop"
    reply.usage = usage
    reply.ttft_ms, reply.reasoning_ms, reply.duration_ms = 210, 1400, 3100
    store.update_message(reply)
    return reply


def seed_conversation(
    store: Store, model: str = "mimo-v2.5-pro", tools: bool = False, cached: bool = False
) -> str:
    """Write a finished exchange with reasoning (and, with `tools`, a tool-call turn); with
    `cached`, the replies report prefix-cache hits as MiMo's usage does (the meter's picture)."""
    hits = (0, 150, 200) if cached else (None, None, None)
    session = store.create_session(model, session_id=SEED_SESSION_ID)
    store.add_message(session.id, Message("user", "Show me a greeting function in Python."))
    _reply(store, session.id, model, ANSWER, REASONING, Usage(57, 120, 31, hits[0]))
    if tools:
        store.add_message(session.id, Message("user", "What time is it in Beijing?"))
        call = ToolCall("call_5eed0000000000000000c0de", "current_time", "{}")
        reply = _reply(
            store,
            session.id,
            model,
            "",
            "The user asks for the time; current_time gives the local time and zone.",
            Usage(180, 28, 20, hits[1]),
            [call],
            tools_offered=True,
        )
        record = ToolRecord(
            call.id,
            call.name,
            call.arguments,
            1,
            "done",
            TIME_RESULT,
            exit_code=0,
            duration_ms=3,
            argv=("(built-in) current_time",),
            assistant_message_id=reply.id,
        )
        store.add_message(
            session.id, Message("tool", TIME_RESULT, tool_call_id=call.id, tool_meta=record.meta())
        )
        _reply(
            store,
            session.id,
            model,
            "It is **09:30** on Tuesday, 12 May 2026, China Standard Time.",
            "The tool says 09:30 CST, Tuesday. Beijing uses CST, so that is the answer.",
            Usage(240, 40, 18, hits[2]),
            tools_offered=True,
        )
    return session.id


def sample_approval() -> tuple[ToolRecord, str]:
    """A read_file call awaiting approval (record, pretty arguments), for pictures of the modal."""
    spec = BUILTINS["read_file"]
    record = ToolRecord(
        "call_1",
        "read_file",
        '{"path": "README.md"}',
        1,
        "awaiting",
        argv=tuple(spec.display_command()),
    )
    return record, '{\n  "path": "README.md"\n}'


RICH_QUESTION = "Explain the quadratic formula, with code."
RICH_ANSWER = """\
# Solving quadratics

The roots of $ax^2 + bx + c = 0$ are given by:

$$x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}$$

## In Python

```python
import math

def roots(a: float, b: float, c: float) -> tuple[float, float]:
    d = math.sqrt(b * b - 4 * a * c)  # the discriminant's root; raises ValueError below zero
    return (-b + d) / (2 * a), (-b - d) / (2 * a)
```

### Checking it

Call `roots(1, -3, 2)` and you get `(2.0, 1.0)`:

```bash
python -c 'from quad import roots; print(roots(1, -3, 2))'
```

| a | b | c | roots |
|---|--:|--:|:-----:|
| 1 | -3 | 2 | 2, 1 |
| 1 | 2 | 1 | -1 |

> When $b^2 < 4ac$ there are no real roots: use `cmath` instead.

- [x] derive the formula
- [ ] handle $a = 0$
- read more on [Wikipedia](https://en.wikipedia.org/wiki/Quadratic_formula)

---

That is all: **two roots**, *at most*.
"""


def seed_markdown_showcase(store: Store, model: str = "mimo-v2.5-pro") -> str:
    """A session whose reply uses every Markdown element a reply can draw (headings, code,
    tables, quotes, task lists, links, math), for the look of replies in each theme."""
    session = store.create_session(model, session_id="5e55100d0002")
    store.add_message(session.id, Message("user", RICH_QUESTION))
    _reply(store, session.id, model, RICH_ANSWER, REASONING, Usage(60, 410, 31))
    return session.id


# (title, age in seconds, model, format, messages, tokens) of the sessions seed_history writes.
HISTORY = (
    ("Refactor the store's paging into one query", 7_200, "mimo-v2.5-pro", "openai", 14, 38_200),
    ("周末去杭州玩两天，怎么安排？", 26 * 3_600, "mimo-v2.5", "anthropic", 6, 4_100),
    ("Why does my asyncio task never finish?", 3 * 86_400, "mimo-v2.5-pro", "openai", 9, 12_900),
    ("Quadratic formula, with code", 20 * 86_400, "mimo-v2-flash", "openai", 2, 530),
)


def seed_history(store: Store, now: float) -> list[str]:
    """Older sessions of varied age, model, wire format and size (for the session list and
    the welcome view), timed against `now` (Unix seconds) so relative dates are fixed."""
    ids: list[str] = []
    clock = store.clock
    try:
        for n, (title, age, model, api, count, tokens) in enumerate(HISTORY):
            store.clock = functools.partial(float, now - age)
            session = store.create_session(model, {"api": api}, session_id=f"5e55100d01{n:02d}")
            for i in range(count):
                role: Role = "user" if i % 2 == 0 else "assistant"
                usage = Usage(tokens // count, 0, 0) if role == "assistant" else None
                message = store.add_message(session.id, Message(role, f"{title} ({i})"))
                if usage is not None:
                    message.model, message.usage = model, usage
                    store.update_message(message)
            store.rename_session(session.id, title)
            ids.append(session.id)
    finally:
        store.clock = clock
    return ids


def seed_branches(store: Store, model: str = "mimo-v2.5-pro") -> str:
    """The seeded conversation with branches (for the tree view's pictures): the time
    question's reply regenerated once, and the first question edited into another one, with
    the original path active again at the end."""
    sid = seed_conversation(store, model, tools=True)
    path = store.messages(sid)
    first, time_question, leaf = path[0], path[2], path[-1]
    store.branch_from(sid, time_question.id)
    _reply(
        store,
        sid,
        model,
        "I cannot see a clock, but Beijing is on China Standard Time (UTC+8).",
        "No tool this time: answer from what is known.",
        Usage(150, 22, 9),
    )
    store.branch_from(sid, first.parent_id)
    store.add_message(sid, Message("user", "Show me a greeting function in Rust."))
    _reply(
        store,
        sid,
        model,
        'fn greet(name: &str) -> String { format!("Hello, {name}!") }',
        "A Rust one-liner with format!.",
        Usage(55, 30, 12),
    )
    assert leaf.id is not None
    store.set_active_leaf(sid, leaf.id)
    return sid


COMPARE_QUESTION = "Explain recursion in one sentence."
COMPARE_ANSWERS = (
    (
        "thinking on",
        "Recursion is when a function solves a problem by calling itself on a smaller part "
        "of it, until it reaches a case simple enough to answer directly.",
        "One sentence: self-reference plus a base case. Mention the smaller subproblem.",
        Usage(40, 62, 30),
    ),
    (
        "thinking off",
        "Recursion is when a function calls itself on a smaller piece of the problem until "
        "it reaches a case it can answer directly.",
        "",
        Usage(40, 28, 0),
    ),
)


def seed_compare(store: Store, model: str = "mimo-v2.5-pro") -> tuple[str, list[Any]]:
    """A question answered with thinking on and off, both stored as branches, and the two
    candidates as the compare screen shows them (for its pictures)."""
    from mimo_tui.compare import Candidate, Variant

    session = store.create_session(model, session_id="5e55100d0c0e")
    question = store.add_message(session.id, Message("user", COMPARE_QUESTION))
    found = []
    for label, answer, reasoning, usage in COMPARE_ANSWERS:
        store.branch_from(session.id, question.id)
        reply = _reply(store, session.id, model, answer, reasoning, usage)
        found.append(Candidate(Variant(label, thinking=label == "thinking on"), [reply]))
    assert found[0].leaf_id is not None
    store.set_active_leaf(session.id, found[0].leaf_id)
    return session.id, found
