"""What the fake answers: scripted scenarios, and the offline demo's responder.

A `Scenario` describes one response: its reasoning and content (split into one chunk per
word-ish token), tool calls, finish reason, and faults (HTTP errors, a slow first byte, a stream
that stalls or is cut, an in-band error, a malformed chunk).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from mimo_tui.compaction import SUMMARY_HEADER, SUMMARY_INSTRUCTION
from mimo_tui.fake.media import describe, text_of


@dataclass(frozen=True)
class Scenario:
    reasoning: str = ""
    content: str = ""
    # Each call: {"name": ..., "arguments": "<json text>"}, optionally "id": ids are generated
    # by the fake unless given, so a scenario can reuse one across turns or within a round.
    tool_calls: tuple[dict[str, str], ...] = ()
    finish_reason: str | None = None  # default: "tool_calls" when there are calls, else "stop"
    usage: bool = True
    usage_on_finish: bool = False
    # `prompt_tokens_details: {"cached_tokens": N}` in the usage; False sends null there.
    cache_details: bool = True
    # Counts sent instead of the computed ones, as a broken server might (negative, text);
    # the Anthropic format's output_tokens follows completion_tokens.
    usage_counts: dict[str, Any] | None = None
    delay_s: float = 0.0  # between chunks
    first_byte_delay_s: float = 0.0
    # After the first frame (the role / message_start), keepalives only for this long: MiMo's
    # cold path, where the stream is open but the first token takes minutes.
    first_token_delay_s: float = 0.0
    truncate_after: int | None = None  # close after N content chunks, no finish, no [DONE]
    stall_after: int | None = None  # stop sending after N chunks, keep the connection open
    midstream_error_after: int | None = None
    malformed_after: int | None = None
    keepalive_comments: bool = False
    status: int | None = None  # an HTTP error instead of a reply
    error_message: str = ""
    error_param: str = ""
    retry_after: str | None = None
    sse_error_body: bool = False  # a 4xx body framed as `data:{...}` (observed for streams)
    burst: bool = False  # the whole stream in one write, as a buffering proxy delivers it
    # The error body gzip-compressed (Content-Encoding: gzip) and padded with spaces to this
    # many MiB once decompressed: a "gzip bomb" (1 GiB is ~1 MiB on the wire). Generated as
    # it is sent, never held in memory.
    gzip_body_mib: int = 0
    # Raw bytes on the wire: each (text, raw) pair sends `raw` where the encoded frame has
    # `text` (e.g. invalid UTF-8 inside a chunk's JSON string).
    wire_replace: tuple[tuple[str, bytes], ...] = ()
    # Text the server keeps sending after the finish reason, then a second finish reason.
    after_finish: str = ""
    after_finish_reason: str = "length"


_TOKEN_RE = re.compile(r"\s*\S+|\s+")


def split_tokens(text: str) -> list[str]:
    """Split text into word-sized pieces that join back to exactly `text` (≈ one token each)."""
    return _TOKEN_RE.findall(text)


def _error(status: int, message: str, param: str = "", **kw: Any) -> Scenario:
    return Scenario(status=status, error_message=message, error_param=param, **kw)


DEMO_ANSWER = """\
## Hello from the offline demo

You said: **{prompt}**

This reply comes from mimo-tui's built-in MiMo simulator, over real HTTP with the real SDK.
Things to try:

- Press **Ctrl+R** to fold or unfold the reasoning above this answer.
- Press **Escape** while a reply streams to stop it; what arrived is kept.
- Ask *what time is it?* or *read the README file* to watch a tool call (F3 inspects it).
- Quit, then run `mimo-tui --demo -c` to resume this session.

```python
import os

from openai import OpenAI

client = OpenAI(api_key=os.environ["MIMO_API_KEY"], base_url="https://api.xiaomimimo.com/v1")
messages = [{{"role": "user", "content": "Hello, MiMo"}}]
reply = client.chat.completions.create(model="mimo-v2.5-pro", messages=messages)
```

| feature | key |
|---|---|
| send | Enter |
| newline | Ctrl+J |
| cancel | Escape |
"""

DEMO_REASONING = (
    'The user wrote: "{prompt}". I am the offline demo, so I cannot really think about it, '
    "but I can show how reasoning streams into its own panel before the answer, and how the "
    "panel folds once the answer starts. I will answer with a little Markdown: a heading, a "
    "list, a code block and a table."
)


DEMO_TOOL_REASONING = (
    "The user asks about {topic}. A tool can answer that better than I can, so I will call "
    "{tool} and read its result."
)


def _demo_tool_scenario(body: dict[str, Any], prompt: str, delay_s: float) -> Scenario | None:
    """In the demo, questions about the time or a file use the built-in tools when offered."""
    offered = {t.get("function", {}).get("name") for t in body.get("tools") or []}
    messages = body.get("messages") or []
    if messages and messages[-1].get("role") == "tool":
        results: list[str] = []
        for msg in reversed(messages):
            if msg.get("role") != "tool":
                break
            results.insert(0, str(msg.get("content", ""))[:400])
        quoted = "\n".join(f"> {line}" for r in results for line in r.splitlines()[:8])
        return Scenario(
            reasoning="The tool answered; I will report what it returned.",
            content=f"The tool returned:\n\n{quoted}\n\nThat is all the offline demo knows.",
            delay_s=delay_s,
        )
    lowered = prompt.lower()
    if "current_time" in offered and ("time" in lowered or "date" in lowered):
        return Scenario(
            reasoning=DEMO_TOOL_REASONING.format(topic="the time", tool="current_time"),
            tool_calls=({"name": "current_time", "arguments": "{}"},),
            delay_s=delay_s,
        )
    if "read_file" in offered and ("file" in lowered or "readme" in lowered):
        return Scenario(
            reasoning=DEMO_TOOL_REASONING.format(topic="a file", tool="read_file"),
            tool_calls=({"name": "read_file", "arguments": '{"path": "README.md"}'},),
            delay_s=delay_s,
        )
    return None


def _summary_scenario(body: dict[str, Any], delay_s: float) -> Scenario:
    """A compaction's summary request: one bullet per user message that arrived, so tests can
    see exactly which turns were summarised (and that an earlier summary was built on)."""
    messages = body.get("messages") or []
    bullets = [
        "- The user asked: " + " ".join(str(m.get("content")).split())[:80]
        for m in messages[:-1]
        if m.get("role") == "user" and isinstance(m.get("content"), str)
    ]
    for m in messages:  # a real model folds an earlier summary into the new one
        text = str(m.get("content"))
        if m.get("role") == "system" and SUMMARY_HEADER in text:
            earlier = text.split(SUMMARY_HEADER, 1)[1].strip().splitlines()
            bullets[:0] = ["- (continues an earlier summary)", *earlier]
    if len(bullets) > 40:  # a summary is short, however long the conversation was
        bullets = [*bullets[:20], f"- … and {len(bullets) - 40} more", *bullets[-20:]]
    return Scenario(content="\n".join(bullets) or "- (nothing to summarise)", delay_s=delay_s)


def demo_scenario(body: dict[str, Any], delay_s: float = 0.012) -> Scenario:
    """The demo's answer to the last user message of a request."""
    prompt = ""
    for msg in reversed(body.get("messages") or []):
        if msg.get("role") == "user":
            prompt = text_of(msg.get("content"))
            break
    if prompt == SUMMARY_INSTRUCTION:
        return _summary_scenario(body, delay_s)
    short = " ".join(prompt.split())[:200]
    with_tools = _demo_tool_scenario(body, prompt, delay_s)
    if with_tools is not None:
        return with_tools
    thinking = (body.get("thinking") or {}).get("type", "enabled") != "disabled"
    received = describe(body.get("messages") or [])
    listed = "".join(f"\n- {line}" for line in received)
    return Scenario(
        reasoning=DEMO_REASONING.format(prompt=short) if thinking else "",
        content=DEMO_ANSWER.format(prompt=short or "(nothing)")
        + (f"\n\nMedia received:{listed}" if received else ""),
        delay_s=delay_s,
    )


# Hostile text from the service itself, for the byte-level tests (tests/robustness): each
# payload sits next to a unique marker, so a test can prove the text was drawn (the marker and
# the visible placeholder are on the terminal) and that no raw sequence reached it.
HOSTILE = (
    "\x1b]52;c;UFdORUQ=\x1b\\ \x1b]0;PWNED-TITLE\x1b\\ \x9b2J \x9d0;C1-TITLE\x9c "
    "\x1b[2J [@click=app.quit]Q[/] [bold]B[/bold]"
)
HOSTILE_ERROR = f"X1Y2 {HOSTILE}"  # the `param` of a 400 (MiMo's human-readable detail)
# Ids `GET /v1/models` lists besides the real ones (FakeMimo(extra_models=...)).
HOSTILE_MODEL_IDS = (
    "M0D3L \x1b]52;c;UFdORUQ=\x1b\\ \x1b]0;PWNED-TITLE\x1b\\",
    "M1D3L \x9b2J \x9d0;C1-TITLE\x9c [@click=app.quit]Q[/]",
)

# A session's model as a hand-edited or hostile export can carry it (`hostile_transcript`).
HOSTILE_SESSION_MODEL = (
    "S3SS \x1b]52;c;UFdORUQ=\x1b\\ \x1b]0;PWNED-TITLE\x1b\\ \x9d0;C1\x9c [b]B[/b]"
)


def hostile_transcript(title: str = "IMPORTED-T") -> str:
    """Our JSON export of a short session whose model is HOSTILE_SESSION_MODEL, to import."""
    import json

    from mimo_tui.transcript_json import FORMAT, VERSION

    return json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "session": {"title": title, "model": HOSTILE_SESSION_MODEL, "settings": {}},
            "messages": [
                {"role": "user", "content": "hello"},
                {"role": "assistant", "content": "hi there", "status": "complete"},
            ],
        }
    )


SCENARIOS: dict[str, Scenario] = {
    # The key's Web Search plugin is off (what FakeMimo(web_search_enabled=False) answers).
    "web_search_disabled": Scenario(
        status=400,
        error_message="Web Search plugin is not activated",
        error_param="the web_search tool needs the Web Search plugin: "
        "activate it in the console first",
    ),
    "text": Scenario(content="Hello! I'm MiMo, Xiaomi's AI assistant."),
    "thinking_text": Scenario(reasoning="The user wants a short greeting.", content="Hello world."),
    "markdown": Scenario(
        reasoning="Show a list and some code.",
        content="# Title\n\n- one\n- two\n\n```python\nprint('hi')\n```\n",
    ),
    "tool_call": Scenario(
        reasoning="The user asks about weather; I should call get_current_weather.",
        tool_calls=({"name": "get_current_weather", "arguments": '{"location": "Hebei"}'},),
    ),
    "parallel_tool_calls": Scenario(
        reasoning="Two cities, two calls.",
        tool_calls=(
            {"name": "get_current_weather", "arguments": '{"location": "Hebei"}'},
            {"name": "get_current_weather", "arguments": '{"location": "Beijing"}'},
        ),
    ),
    # Servers may reuse tool-call ids: every weather call `call_w1`, across turns...
    "tool_call_reused_id": Scenario(
        reasoning="The user asks about weather; I should call get_current_weather.",
        tool_calls=(
            {"id": "call_w1", "name": "get_current_weather", "arguments": '{"location": "Hebei"}'},
        ),
    ),
    # ...and within one round.
    "parallel_tool_calls_same_id": Scenario(
        reasoning="Two cities, two calls.",
        tool_calls=(
            {"id": "call_w1", "name": "get_current_weather", "arguments": '{"location": "Hebei"}'},
            {
                "id": "call_w1",
                "name": "get_current_weather",
                "arguments": '{"location": "Beijing"}',
            },
        ),
    ),
    "usage_on_finish_chunk": Scenario(
        content="Usage rides on the finish chunk.", usage_on_finish=True
    ),
    "no_usage": Scenario(content="No usage this time.", usage=False),
    "no_cache_details": Scenario(content="The cache is not mentioned.", cache_details=False),
    "length": Scenario(content="This answer is cut", finish_reason="length"),
    "repetition_truncation": Scenario(
        content="again again again", finish_reason="repetition_truncation"
    ),
    "content_filter": Scenario(content="", finish_reason="content_filter"),
    "truncated_stream": Scenario(
        reasoning="Thinking...",
        content="This reply will be cut off in the middle of",
        truncate_after=5,
    ),
    "slow_stream": Scenario(
        reasoning="Taking my time.", content="One. Two. Three. Four.", delay_s=0.2
    ),
    "slow_first_byte": Scenario(content="Finally.", first_byte_delay_s=3.0),
    "slow_first_token": Scenario(
        reasoning="Warming up.", content="Here at last.", first_token_delay_s=3.0
    ),
    "stall": Scenario(content="This reply stalls after a few words and never ends.", stall_after=3),
    "midstream_error": Scenario(
        content="Partial answer before an error arrives", midstream_error_after=3
    ),
    "malformed_chunk": Scenario(content="A chunk that is not JSON follows", malformed_after=2),
    "keepalive": Scenario(content="Comments keep this stream alive.", keepalive_comments=True),
    "invalid_utf8": Scenario(
        reasoning="Bytes that are not UTF-8 follow.",
        content="Before the bad bytes <BAD> and after them.",
        wire_replace=(("<BAD>", b"\xff\xfe\xc3("),),
    ),
    "text_after_finish": Scenario(
        content="The real answer.",
        after_finish=" Text that arrives after the finish reason.",
        after_finish_reason="length",
    ),
    "gzip_bomb_error": _error(
        400, "Bad Request", "the request could not be read", gzip_body_mib=1024
    ),
    "http_400": _error(400, "Param Incorrect", "max_completion_tokens is out of range"),
    "http_400_sse_prefixed": _error(
        400,
        "Param Incorrect",
        "The reasoning_content in the thinking mode must be passed back to the API.",
        sse_error_body=True,
    ),
    "http_400_hostile": _error(400, "Param Incorrect", HOSTILE_ERROR),
    "http_401": _error(401, "Invalid API Key"),
    "http_402": _error(402, "Insufficient Balance"),
    "http_403": _error(403, "Forbidden"),
    "http_403_region": _error(403, "Forbidden Access", "the region is not supported"),
    "http_403_risk": _error(403, "Forbidden Access", "the API key is restricted by risk control"),
    "http_404": _error(404, "Not Found"),
    "http_421": _error(421, "Content Filter"),
    "http_421_detail": _error(421, "Content Filter", "the input was blocked by moderation"),
    "http_429": _error(429, "Too Many Requests", retry_after="0.01"),
    "http_429_no_retry_after": _error(429, "Too Many Requests"),
    "http_429_quota": _error(
        429, "Too Many Requests", "Token Plan quota exhausted", retry_after="0.01"
    ),
    "http_500": _error(500, "Server Error", retry_after="0.01"),
    "http_503": _error(503, "Server Overloaded", retry_after="0.01"),
}


def scenario(name: str, **changes: Any) -> Scenario:
    """A named scenario, optionally changed (`scenario("text", delay_s=0.1)`)."""
    return replace(SCENARIOS[name], **changes)
