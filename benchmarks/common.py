"""Shared helpers: results, RSS, temporary homes, and seeded long sessions."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mimo_tui.config import Paths
from mimo_tui.model import Message, ToolCall, ToolRecord, Usage
from mimo_tui.store import Store


@dataclass
class Result:
    benchmark: str
    metric: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None

    def row(self) -> list[str]:
        verdict = "" if self.ok is None else ("ok" if self.ok else "MISSED")
        return [self.benchmark, self.metric, f"{self.value:,.2f} {self.unit}", self.target, verdict]


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def median_ms(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def temp_paths() -> Paths:
    """Fresh config and data folders, laid out as `Paths.default()` finds them under the
    XDG variables env_for() sets (XDG_DATA_HOME/mimo-tui/...), so a benchmark that starts
    `mimo-tui` as a process opens the store it seeded."""
    root = Path(tempfile.mkdtemp(prefix="mimo-bench-"))
    return Paths(root / "config" / "mimo-tui", root / "data" / "mimo-tui")


REPLY = """Here is what I found about **{n}**:

```python
def step_{n}(x: int) -> int:
    return x * {n}
```

- first point about {n}
- second point

| a | b |
|---|---|
| {n} | {n} |
"""


def seed_long_session(store: Store, messages: int, model: str = "mimo-v2.5-pro") -> str:
    """A session of about `messages` messages: turns with reasoning, some with a tool call."""
    batch: list[Message] = []
    n = 0
    while len(batch) < messages:
        batch.append(Message("user", f"Question number {n}: how does step {n} work?"))
        if n % 5 == 0:
            call = ToolCall(f"call_{n:024x}", "current_time", "{}")
            batch.append(
                Message(
                    "assistant",
                    "",
                    f"Turn {n} needs the time tool.",
                    tool_calls=[call],
                    model=model,
                    usage=Usage(100, 20, 10),
                    finish_reason="tool_calls",
                    duration_ms=900,
                    ttft_ms=200,
                )
            )
            record = ToolRecord(
                call.id,
                call.name,
                "{}",
                1,
                "done",
                json.dumps({"iso": "2026-05-12T09:30:00+08:00"}),
                exit_code=0,
                duration_ms=2,
            )
            batch.append(
                Message("tool", record.result, tool_call_id=call.id, tool_meta=record.meta())
            )
        batch.append(
            Message(
                "assistant",
                REPLY.format(n=n),
                f"Reasoning about step {n}: " + "consider the cases. " * 8,
                model=model,
                usage=Usage(300, 120, 40),
                finish_reason="stop",
                duration_ms=3000,
                ttft_ms=250,
                reasoning_ms=900,
            )
        )
        n += 1
    return store.import_session(f"Long session ({messages} messages)", model, {}, batch).id


def env_for(paths: Paths, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIMO_", "OPENAI_"))}
    env.update(
        XDG_CONFIG_HOME=str(paths.config_dir.parent),
        XDG_DATA_HOME=str(paths.data_dir.parent),
        **extra,
    )
    return env


async def finish(worker) -> None:
    """Wait for one worker (a turn), whatever it ended with; other workers are not awaited."""
    import contextlib

    from textual.worker import WorkerCancelled, WorkerFailed

    with contextlib.suppress(WorkerCancelled, WorkerFailed):
        await worker.wait()
