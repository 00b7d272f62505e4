"""A fixed demo conversation written straight into a store: for snapshots and screenshots,
where live timings (TTFT, durations) would make every picture different."""

from __future__ import annotations

from mimo_tui.model import Message, Usage
from mimo_tui.store import Store

SEED_SESSION_ID = "5e55100d0001"

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


def seed_conversation(store: Store, model: str = "mimo-v2.5-pro") -> str:
    """Write one finished exchange with reasoning; return the session id."""
    session = store.create_session(model, session_id=SEED_SESSION_ID)
    store.add_message(session.id, Message("user", "Show me a greeting function in Python."))
    reply = store.add_message(session.id, Message("assistant", status="streaming", model=model))
    reply.content, reply.reasoning_content = ANSWER, REASONING
    reply.status, reply.finish_reason = "complete", "stop"
    reply.usage = Usage(57, 120, 31)
    reply.ttft_ms, reply.reasoning_ms, reply.duration_ms = 210, 1400, 3100
    store.update_message(reply)
    return session.id
