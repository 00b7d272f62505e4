"""Plain data shared by the core, the CLI and the UI: messages, sessions, usage, tool calls.

Immutable records are NamedTuples, not frozen dataclasses: as immutable, but defined five
times faster (a frozen dataclass compiles six generated methods at import, 0.75-1.3 ms a
class measured for Usage, ToolCall and ToolRecord), and this module loads at every start of
the TUI. Copies are `_replace()`, dicts `_asdict()`. Message and Session, updated in place,
are dataclasses. The turn's events are in mimo_tui.events.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

Role = Literal["system", "user", "assistant", "tool"]
Status = Literal["complete", "streaming", "interrupted", "error", "superseded"]


class Usage(NamedTuple):
    """Token counts of one model round (completion includes reasoning, as MiMo reports it).

    `cached_tokens` is the part of the prompt the server found in its prefix cache; None
    when the server did not say (unknown, which is not the same as 0)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int | None = None

    # Field-wise sum, not tuple concatenation: every caller adds up rounds' token counts.
    def __add__(self, other: Usage) -> Usage:  # type: ignore[override]
        cached = None
        if self.cached_tokens is not None or other.cached_tokens is not None:
            cached = (self.cached_tokens or 0) + (other.cached_tokens or 0)
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
            cached,
        )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ToolCall(NamedTuple):
    """One function call the model asked for; `arguments` is the raw JSON text it sent."""

    id: str
    name: str
    arguments: str

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


class Attachment(NamedTuple):
    """A file (or URL) sent with a user message. Bytes live in the store's blob folder under
    their sha256 (see mimo_tui.blobs); a URL given by the user is sent as is (sha256 "")."""

    name: str
    mime: str
    kind: str  # image | audio | video
    size: int
    sha256: str = ""
    url: str = ""
    width: int | None = None
    height: int | None = None


@dataclass
class Message:
    """One stored message. Assistant messages carry reasoning, usage and timings."""

    role: Role
    content: str = ""
    reasoning_content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None
    id: int | None = None
    session_id: str | None = None
    model: str | None = None
    usage: Usage | None = None
    finish_reason: str | None = None
    status: Status = "complete"
    error: str | None = None
    ttft_ms: int | None = None
    reasoning_ms: int | None = None
    duration_ms: int | None = None
    created_at: float = 0.0
    tool_meta: dict[str, Any] | None = None  # on tool messages: the ToolRecord minus its result
    # Anthropic format: the reply's thinking blocks exactly as received (signature included),
    # replayed unchanged on later turns. None for replies made in the OpenAI format.
    thinking_blocks: list[dict[str, Any]] | None = None
    attachments: tuple[Attachment, ...] = ()  # user messages: files sent with it, in order
    # Web search: the reply's annotation objects as received (raw JSON; see web_search.py).
    sources: list[dict[str, Any]] | None = None
    # The conversation tree (see tree.py): the message this one follows (None: a root), and
    # whether it is on the session's active path, the one replayed and shown.
    parent_id: int | None = None
    on_path: bool = True

    @property
    def tokens_per_second(self) -> float | None:
        """Completion tokens per second of generation (after the first token)."""
        if not self.usage or not self.duration_ms or self.ttft_ms is None:
            return None
        gen_ms = self.duration_ms - self.ttft_ms
        if gen_ms <= 0:
            return None
        return self.usage.completion_tokens / (gen_ms / 1000)


@dataclass
class Session:
    id: str
    title: str
    model: str
    created_at: float
    updated_at: float
    message_count: int = 0
    usage: Usage = field(default_factory=Usage)
    # model, thinking, lang, tools... of the session
    settings: dict[str, Any] = field(default_factory=dict)


def token_count(value: object) -> int | None:
    """A token count as a server reported it: a whole number from 0 up, else None (a
    negative number, text or a bool is no count, and would show as "-5 out")."""
    return value if type(value) is int and value >= 0 else None


class SessionSummary(NamedTuple):
    """One session as the lists show it (F4, the welcome view, `sessions list`): a read-only
    row of the columns they show and no more. The store builds 100,000 of these from
    SQLite's row tuples without running Python per row (see Store.list_sessions); every
    column is an object made per row, so the creation time and the token split, which no
    list shows, stay out, and the one setting a list shows, `api`, is read from the
    settings text only when asked for. Callers that need a whole session use
    Store.get_session, or Store.sessions_in_full for many."""

    id: str
    title: str
    model: str
    updated_at: float
    message_count: int
    total_tokens: int  # prompt + completion, as Usage.total_tokens
    settings_json: str

    @property
    def api(self) -> str | None:
        """The wire format the session was made for (None: the default, OpenAI)."""
        value = _settings_of(self.settings_json).get("api")
        return value if type(value) is str else None


@functools.lru_cache(maxsize=64)
def _settings_of(text: str | None) -> dict[str, Any]:
    """Decoded settings, shared and never handed out (callers read one scalar): sessions
    share a handful of settings texts. Text no reader could use (edited by hand, say)
    reads as no settings, so one bad row does not break the list."""
    try:
        value = json.loads(text or "{}")
    except (ValueError, RecursionError):
        return {}
    return value if type(value) is dict else {}


class SearchHit(NamedTuple):
    """One matching message; `snippet` marks matches with \x01 … \x02."""

    session_id: str
    session_title: str
    message_id: int
    role: str
    snippet: str
    created_at: float
    on_path: bool = True  # False: a branch the session does not show now (a replaced reply)

    @property
    def readable_snippet(self) -> str:
        """The snippet as a line to read: on one line, without the Markdown marks a reply's
        text is written with (a hit listed as `## Hello … **hi**` reads `Hello … hi`). The
        match marks stay. The exact text is `snippet` (`sessions search --json` gives it)."""
        return readable_snippet(self.snippet)


@functools.cache
def _markdown_marks() -> list[tuple[re.Pattern[str], str]]:
    return [
        (re.compile(r"^[ \t]*```[^\n]*$", re.M), ""),  # code fences
        (  # a table's rule under its header row
            re.compile(
                r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.M
            ),
            "",
        ),
        (re.compile(r"^[ \t]*#{1,6}[ \t]+", re.M), ""),  # headings
        (re.compile(r"^[ \t]*>[ \t]?", re.M), ""),  # quotes
        (re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+", re.M), ""),  # list items
        (re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)"), r"\1"),  # links and images: their text
        (re.compile(r"\*\*|__|~~|`+"), ""),  # strong, strikethrough, code spans
        (re.compile(r"[ \t]*\|[ \t]*"), " "),  # table cells
    ]


def readable_snippet(snippet: str) -> str:
    """See SearchHit.readable_snippet."""
    for pattern, replacement in _markdown_marks():
        snippet = pattern.sub(replacement, snippet)
    return " ".join(snippet.split())


class UsageRow(NamedTuple):
    day: str
    model: str
    requests: int
    usage: Usage  # cached_tokens: summed over the requests that reported it
    cache_known_prompt: int = 0  # prompt tokens of the requests that reported cache hits


ToolStatus = Literal["awaiting", "running", "done", "failed", "denied", "cancelled"]
FINAL_TOOL_STATUSES = ("done", "failed", "denied", "cancelled")


class ToolRecord(NamedTuple):
    """Everything known about one tool call: what was asked, what ran, what came back."""

    call_id: str
    name: str
    arguments: str
    round: int
    status: ToolStatus
    result: str = ""
    stderr: str = ""
    exit_code: int | None = None
    duration_ms: int | None = None
    argv: tuple[str, ...] = ()
    truncated: bool = False
    manual: bool = False
    assistant_message_id: int | None = None
    # The arguments as the model sent them, when the user edited them before the run
    # (`arguments` is then what ran). None when they ran as sent.
    model_arguments: str | None = None
    # A call to an MCP server's tool: server, tool, transport, the MCP request and response
    # JSON, its log's path (see mimo_tui.mcp_hub). None for every other tool.
    mcp: dict[str, Any] | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL_TOOL_STATUSES

    @property
    def key(self) -> str:
        """Unique in a session: servers reuse call ids across turns (and even in a round)."""
        return call_key(self.assistant_message_id, self.call_id)

    def meta(self) -> dict[str, Any]:
        """What is stored beside the result text in the tool message."""
        return {
            "name": self.name,
            "arguments": self.arguments,
            "round": self.round,
            "status": self.status,
            "stderr": self.stderr,
            "exit_code": self.exit_code,
            "duration_ms": self.duration_ms,
            "argv": list(self.argv),
            "truncated": self.truncated,
            "manual": self.manual,
            "assistant_message_id": self.assistant_message_id,
            "model_arguments": self.model_arguments,
            **({"mcp": self.mcp} if self.mcp else {}),
        }

    @classmethod
    def from_message(cls, message: Message) -> ToolRecord:
        meta = message.tool_meta or {}
        return cls(
            call_id=message.tool_call_id or "",
            name=meta.get("name", ""),
            arguments=meta.get("arguments", ""),
            round=meta.get("round", 0),
            status=meta.get("status", "done"),
            result=message.content,
            stderr=meta.get("stderr", ""),
            exit_code=meta.get("exit_code"),
            duration_ms=meta.get("duration_ms"),
            argv=tuple(meta.get("argv", ())),
            truncated=meta.get("truncated", False),
            manual=meta.get("manual", False),
            assistant_message_id=meta.get("assistant_message_id"),
            model_arguments=meta.get("model_arguments"),
            mcp=meta.get("mcp") if isinstance(meta.get("mcp"), dict) else None,
        )


def call_key(assistant_message_id: int | None, call_id: str) -> str:
    """A tool call's identity in a session: the reply that made it and its id in that reply."""
    return f"{assistant_message_id}:{call_id}"
