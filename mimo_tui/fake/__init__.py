"""A loopback fake of the MiMo API over real HTTP: tests, the offline demo, screenshots, benchmarks.

It speaks the wire format of ../shared/docs/mimo-wire.md (SSE chunks with `reasoning_content`,
fragmented `tool_calls`, usage, MiMo's error envelope) and enforces the real service's 400 rules,
so the real openai SDK is exercised end to end.
"""

from mimo_tui.fake.scenarios import SCENARIOS, Scenario
from mimo_tui.fake.server import FakeMimo

__all__ = ["SCENARIOS", "FakeMimo", "Scenario"]
