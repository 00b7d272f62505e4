"""Stored rows to `Message`s and back: column order, JSON columns, damaged rows.

A row no reader could use (a wrong type in a column, JSON that does not parse or has the
wrong shape: a file edited by hand, another program, an old bug) becomes a visibly damaged
message instead of an exception, so every reader keeps working around it.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable
from typing import Any, cast

from mimo_tui import transcript_schema as schema
from mimo_tui.model import Message, Role, Session, SessionSummary, ToolCall, Usage

MESSAGE_COLUMNS = (
    "id, session_id, role, content, reasoning_content, tool_calls, tool_call_id, model, "
    "prompt_tokens, completion_tokens, reasoning_tokens, finish_reason, status, error, "
    "ttft_ms, reasoning_ms, duration_ms, created_at, tool_meta, thinking_blocks, cached_tokens, "
    "parent_id, on_path"
)


DAMAGED_TITLE = "(damaged title)"


def _text(column: str, damaged: str) -> str:
    """`column` as text: NULL stays NULL, any other type (a BLOB, a number) reads as
    `damaged`. A session row edited by hand or by another program may hold any type."""
    kind = f"CASE typeof({column})"
    return f"{kind} WHEN 'text' THEN {column} WHEN 'null' THEN NULL ELSE '{damaged}' END"


def _number(column: str) -> str:
    """`column` as a number: anything else (text, a BLOB, NULL) reads as 0."""
    return (
        f"CASE typeof({column}) WHEN 'integer' THEN {column} WHEN 'real' THEN {column} ELSE 0 END"
    )


# The columns of a session a reader shows or parses, each read as the type it must be, so a
# damaged row lists as "(damaged title)" instead of stopping the list, the TUI or the CLI.
TITLE = _text("title", DAMAGED_TITLE)
_SAFE = {
    "title": TITLE,
    "model": _text("model", ""),
    "created_at": _number("created_at"),
    "updated_at": _number("updated_at"),
    "settings": _text("settings", "{}"),
}
# Every column of a session (Store.get_session, sessions_in_full), by name.
SESSION_ROW = ", ".join(
    f"{_SAFE[c]} AS {c}" if c in _SAFE else c
    for c in (
        "id",
        "title",
        "model",
        "created_at",
        "updated_at",
        "message_count",
        "prompt_tokens",
        "completion_tokens",
        "reasoning_tokens",
        "cached_tokens",
        "cached_known",
        "settings",
    )
)
# What a listed session is read from, in SessionSummary's field order: as stored, and
# (~25% slower at 100,000 sessions) each column as the type it must be, for a store that
# holds a damaged row (migrations.DAMAGED_SESSION).
SESSION_COLUMNS = (
    "id, title, model, updated_at, message_count, prompt_tokens + completion_tokens, settings"
)
SAFE_SESSION_COLUMNS = (
    f"id, {TITLE}, {_SAFE['model']}, {_SAFE['updated_at']}, message_count, "
    f"prompt_tokens + completion_tokens, {_SAFE['settings']}"
)

# A SessionSummary from a SESSION_COLUMNS row, made by tuple.__new__ itself: no Python code
# runs per row (a lambda or SessionSummary._make would, 100,000 times for a full listing).
summary_from_row = cast(
    Callable[[tuple[Any, ...]], SessionSummary], functools.partial(tuple.__new__, SessionSummary)
)


def blocks_json(blocks: list[dict[str, Any]] | None) -> str | None:
    return json.dumps(blocks, ensure_ascii=False) if blocks else None


def calls_json(calls: list[ToolCall]) -> str | None:
    if not calls:
        return None
    return json.dumps([{"id": c.id, "name": c.name, "arguments": c.arguments} for c in calls])


_ROLES = ("user", "assistant", "tool", "system")
_STATUSES = ("complete", "streaming", "interrupted", "error", "superseded")
_NUMBERS = ("prompt_tokens", "completion_tokens", "reasoning_tokens", "ttft_ms", "reasoning_ms")


def message_from_row(row: tuple[Any, ...]) -> Message:
    """A Message from a plain row; a row no reader could use (a wrong type in a column,
    JSON that does not parse or has the wrong shape: a file edited by hand, another
    program, an old bug) comes back as a visibly damaged message instead of an exception,
    so `sessions show`, the exports, the TUI and the replay all keep working around it."""
    try:
        message = _decoded(row)
        problem = _problem(message)
    except (ValueError, TypeError) as exc:  # JSON that does not parse / has the wrong shape
        message, problem = None, _why(row, exc)
    if problem is None and message is not None:
        return message
    return _damaged(row, problem or "unreadable row")


def _problem(m: Message) -> str | None:
    """What is wrong with a decoded row, or None. Cheap type checks first (every message of
    a long session passes through here); the format's table names the field when one fails."""
    ints = (m.ttft_ms, m.reasoning_ms, m.duration_ms)
    if (
        m.role in _ROLES
        and m.status in _STATUSES
        and type(m.content) is str
        and type(m.reasoning_content) is str
        and all(v is None or type(v) is int for v in ints)
        and (m.usage is None or all(type(v) is int for v in m.usage[:3]))
        and (m.usage is None or m.usage.cached_tokens is None or type(m.usage[3]) is int)
        and all(v is None or type(v) is str for v in (m.tool_call_id, m.model, m.error))
        and (m.finish_reason is None or type(m.finish_reason) is str)
        and type(m.created_at) in (int, float)
        and all(type(v) is str for call in m.tool_calls for v in call)
        and (m.tool_meta is None or type(m.tool_meta) is dict)
        and (m.thinking_blocks is None or all(type(b) is dict for b in m.thinking_blocks))
    ):
        if m.tool_meta is None:
            return None
        try:
            schema.check(m.tool_meta, schema.TOOL_META, "tool_meta")
        except schema.SchemaError as exc:
            return str(exc)
        return None
    fields = {
        "role": m.role if m.role != "system" else "user",
        "content": m.content,
        "reasoning_content": m.reasoning_content,
        "tool_calls": [c._asdict() for c in m.tool_calls],
        "tool_call_id": m.tool_call_id,
        "model": m.model,
        "usage": m.usage._asdict() if m.usage else None,
        "finish_reason": m.finish_reason,
        "status": m.status,
        "error": m.error,
        "ttft_ms": m.ttft_ms,
        "reasoning_ms": m.reasoning_ms,
        "duration_ms": m.duration_ms,
        "created_at": m.created_at,
        "tool_meta": m.tool_meta,
        "thinking_blocks": m.thinking_blocks,
    }
    try:
        schema.check(fields, schema.MESSAGE)
    except schema.SchemaError as exc:
        return str(exc)
    return "unreadable row"


def _why(row: tuple[Any, ...], exc: Exception) -> str:
    """Which JSON column of `row` failed to decode (tool_calls, tool_meta, thinking_blocks)."""
    for name, index in (("tool_calls", 5), ("tool_meta", 18), ("thinking_blocks", 19)):
        value = row[index]
        if value is None:
            continue
        try:
            decoded = json.loads(value)
            if name == "tool_calls":
                [ToolCall(**c) for c in decoded]
        except json.JSONDecodeError as inner:
            return f"{name} is not valid JSON ({inner.msg})"
        except (ValueError, TypeError):
            return f"{name} does not have the shape of stored {name}"
    return f"unreadable row ({type(exc).__name__})"


def _damaged(row: tuple[Any, ...], problem: str) -> Message:
    """A stand-in for an unusable row: its id, place and role where readable, its problem as
    the text. An assistant stand-in is an error (never replayed to the model)."""
    roles: dict[Any, Role] = {"user": "user", "assistant": "assistant", "tool": "tool"}
    role = roles.get(row[2], "assistant")
    created = row[17] if type(row[17]) in (int, float) else 0.0
    return Message(
        role=role,
        content=f"[damaged message: {problem}]",
        tool_call_id=row[6] if type(row[6]) is str else None,
        id=row[0],
        session_id=row[1],
        status="error" if role == "assistant" else "complete",
        error=f"damaged message: {problem}" if role == "assistant" else None,
        created_at=created,
        parent_id=row[21] if type(row[21]) is int else None,
        on_path=bool(row[22]),
    )


def _decoded(row: tuple[Any, ...]) -> Message:
    """A Message from a plain row in MESSAGE_COLUMNS order. Unpacked by position: naming
    twenty columns of a sqlite3.Row per message was most of reading a long session."""
    (
        id_,
        session_id,
        role,
        content,
        reasoning_content,
        tool_calls,
        tool_call_id,
        model,
        prompt_tokens,
        completion_tokens,
        reasoning_tokens,
        finish_reason,
        status,
        error,
        ttft_ms,
        reasoning_ms,
        duration_ms,
        created_at,
        tool_meta,
        thinking_blocks,
        cached,
        parent_id,
        on_path,
    ) = row
    usage = None
    if completion_tokens is not None or prompt_tokens is not None:
        usage = Usage(prompt_tokens or 0, completion_tokens or 0, reasoning_tokens or 0, cached)
    return Message(
        role=role,
        content=content,
        reasoning_content=reasoning_content,
        tool_calls=[ToolCall(**c) for c in json.loads(tool_calls)] if tool_calls else [],
        tool_call_id=tool_call_id,
        id=id_,
        session_id=session_id,
        model=model,
        usage=usage,
        finish_reason=finish_reason,
        status=status,
        error=error,
        ttft_ms=ttft_ms,
        reasoning_ms=reasoning_ms,
        duration_ms=duration_ms,
        created_at=created_at,
        tool_meta=json.loads(tool_meta) if tool_meta else None,
        thinking_blocks=json.loads(thinking_blocks) if thinking_blocks else None,
        parent_id=parent_id,
        on_path=bool(on_path),
    )


def session_from_row(row: sqlite3.Row) -> Session:
    """A whole session from its row (its counters are kept by triggers: see migrations)."""
    cached = row["cached_tokens"] if row["cached_known"] else None  # None: no reply said
    usage = Usage(row["prompt_tokens"], row["completion_tokens"], row["reasoning_tokens"], cached)
    return Session(
        row["id"],
        row["title"],
        row["model"],
        row["created_at"],
        row["updated_at"],
        row["message_count"],
        usage,
        settings_from_text(row["settings"]),
    )


def settings_from_text(text: str | None) -> dict[str, Any]:
    """A session's settings column; text that is not a JSON object (a row edited by hand)
    reads as no settings of its own."""
    try:
        settings = json.loads(text or "{}")
    except ValueError:
        return {}
    return settings if isinstance(settings, dict) else {}
