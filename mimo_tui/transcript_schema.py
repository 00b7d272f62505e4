"""The mimo-tui session format (version 1) declared as one table: every field, its type, its limits.

Why a table and not checks where fields are used: an import is written to the store and later
read by `sessions show`, the exports, the TUI and the replay, none of which expect a duration
of "slow" or tool-call arguments that are an object. Validating the whole document against one
declaration before anything is written means a file is either stored as it will be read, or
rejected with the path of the first bad field (`messages[3].duration_ms`) and what is wrong.
No dependency: the format is small, and a JSON Schema library would cost start-up time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple


class SchemaError(ValueError):
    """A value that does not match the format; `path` names the field, str() the problem."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path
        self.problem = problem


# ---- the building blocks -------------------------------------------------------------------


class Scalar(NamedTuple):
    """A leaf: `expected` describes it to people, `test` accepts it."""

    expected: str
    test: Callable[[Any], bool]


class Nullable(NamedTuple):
    inner: Node


class ListOf(NamedTuple):
    item: Node


class Obj(NamedTuple):
    """An object with declared fields; `required` must be present; others may be absent.
    Unknown keys are refused unless `open` (settings carry keys of newer versions)."""

    fields: dict[str, Node]
    required: tuple[str, ...] = ()
    open: bool = False
    expected: str = "an object"


Node = Scalar | Nullable | ListOf | Obj


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _valid_text(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:  # a lone surrogate (a "\ud800" escape) cannot be stored or shown
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def one_of(*values: str) -> Scalar:
    return Scalar("one of " + ", ".join(values), lambda v: v in values)


STR = Scalar("a string", _valid_text)
INT = Scalar("an integer", _is_int)
COUNT = Scalar("an integer ≥ 0", lambda v: _is_int(v) and v >= 0)
BOOL = Scalar("true or false", lambda v: isinstance(v, bool))
TIMESTAMP = Scalar(
    "a time in seconds since 1970 (a number ≥ 0)",
    lambda v: (_is_int(v) or isinstance(v, float)) and math.isfinite(v) and v >= 0,
)
ANY_OBJECT = Obj({}, open=True)

# ---- the format ----------------------------------------------------------------------------

ROLES = ("user", "assistant", "tool")
STATUSES = ("complete", "streaming", "interrupted", "error", "superseded")
TOOL_STATUSES = ("awaiting", "running", "done", "failed", "denied", "cancelled")

USAGE = Obj(
    {
        "prompt_tokens": COUNT,
        "completion_tokens": COUNT,
        "reasoning_tokens": COUNT,
        "cached_tokens": Nullable(COUNT),  # the prompt's cache hits; null: not reported
    }
)

TOOL_CALL = Obj(
    {
        "id": STR,
        "name": STR,
        # The JSON text the model sent, kept exactly (it may be malformed): never an object.
        "arguments": Scalar("a string (the arguments' JSON text)", _valid_text),
    },
    required=("id", "name", "arguments"),
)

TOOL_META = Obj(  # ToolRecord.meta(): what is stored beside a tool result
    {
        "name": STR,
        "arguments": STR,
        "round": COUNT,
        "status": one_of(*TOOL_STATUSES),
        "stderr": STR,
        "exit_code": Nullable(INT),
        "duration_ms": Nullable(COUNT),
        "argv": ListOf(STR),
        "truncated": BOOL,
        "manual": BOOL,
        "assistant_message_id": Nullable(INT),
        "model_arguments": Nullable(STR),  # the model's own, when the user edited them
        # A call to an MCP server's tool (mimo_tui.mcp_hub): the MCP request and response
        # JSON as text, and where the server's log is.
        "mcp": Obj(
            {
                "server": STR,
                "tool": STR,
                "transport": STR,
                "request": STR,
                "response": STR,
                "log": STR,
            }
        ),
    }
)

ATTACHMENT = Obj(
    {
        "name": STR,
        "mime": STR,
        "kind": one_of("image", "audio", "video"),
        "size": COUNT,
        "sha256": STR,
        "url": STR,
        "width": Nullable(COUNT),
        "height": Nullable(COUNT),
    },
    required=("name", "mime", "kind", "size"),
)

MESSAGE = Obj(
    {
        "role": one_of(*ROLES),
        "content": STR,
        "reasoning_content": STR,
        "tool_calls": Nullable(ListOf(TOOL_CALL)),
        "tool_call_id": Nullable(STR),
        "id": Nullable(INT),  # the store numbers imported messages anew; parent_id names it
        "parent_id": Nullable(INT),  # the conversation tree (mimo_tui.tree); absent: linear
        "on_path": BOOL,  # on the active path (absent: true)
        "model": Nullable(STR),
        "usage": Nullable(USAGE),
        "finish_reason": Nullable(STR),
        "status": one_of(*STATUSES),
        "error": Nullable(STR),
        "ttft_ms": Nullable(COUNT),
        "reasoning_ms": Nullable(COUNT),
        "duration_ms": Nullable(COUNT),
        "created_at": TIMESTAMP,
        "tool_meta": Nullable(TOOL_META),
        "thinking_blocks": Nullable(ListOf(ANY_OBJECT)),
        "attachments": Nullable(ListOf(ATTACHMENT)),
        "sources": Nullable(ListOf(ANY_OBJECT)),  # web search annotations, as received
    },
    required=("role",),
)

SETTINGS = Obj(
    {
        "model": STR,
        "thinking": BOOL,
        "lang": one_of("en", "zh"),
        "system_prompt": Nullable(STR),
        "api": one_of("openai", "anthropic"),
        "base_url": STR,
        "tools": ListOf(STR),
    },
    open=True,
)

SESSION = Obj(
    {
        "id": STR,
        "title": Nullable(STR),
        "model": STR,
        "settings": SETTINGS,
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    }
)

COMPACTION = Obj(  # mimo_tui.compaction.Compaction, its ids those of the exported messages
    {"before_id": INT, "summary": STR, "covered": COUNT, "active": BOOL, "created_at": TIMESTAMP},
    required=("before_id", "summary"),
)

DOCUMENT = Obj(
    {
        "format": STR,
        "version": INT,
        "session": SESSION,
        "messages": ListOf(MESSAGE),
        "openai_messages": ListOf(ANY_OBJECT),  # derived from `messages`; not imported
        "attachments": Obj({}, open=True),  # sha256 -> base64 of the bytes
        "compactions": ListOf(COMPACTION),
    },
    required=("format", "version", "messages"),
)


# ---- checking ------------------------------------------------------------------------------


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return repr(shown.encode("utf-8", "backslashreplace").decode())
    return repr(value)


def _expected(node: Node) -> str:
    if isinstance(node, Nullable):
        return _expected(node.inner) + " or null"
    if isinstance(node, ListOf):
        return "a list"
    return node.expected


def check(value: Any, node: Node, path: str = "") -> None:
    """Raise SchemaError at the first part of `value` that `node` does not allow."""
    if isinstance(node, Nullable):
        if isinstance(node.inner, Scalar) and value is not None and not node.inner.test(value):
            raise SchemaError(path, f"expected {_expected(node)}, got {_describe(value)}")
        if value is not None:
            check(value, node.inner, path)
        return
    if isinstance(node, Scalar):
        if not node.test(value):
            raise SchemaError(path, f"expected {node.expected}, got {_describe(value)}")
        return
    if isinstance(node, ListOf):
        if not isinstance(value, list):
            raise SchemaError(path, f"expected a list, got {_describe(value)}")
        for i, item in enumerate(value):
            check(item, node.item, f"{path}[{i}]")
        return
    if not isinstance(value, dict):
        raise SchemaError(path, f"expected {node.expected}, got {_describe(value)}")
    prefix = f"{path}." if path else ""
    for name in node.required:
        if name not in value:
            expected = _expected(node.fields[name])
            raise SchemaError(f"{prefix}{name}", f"missing (expected {expected})")
    for name, item in value.items():
        if name in node.fields:
            check(item, node.fields[name], f"{prefix}{name}")
        elif not node.open:
            raise SchemaError(f"{prefix}{name}", "unknown field (not part of this format)")


MAX_DEPTH = 64  # far deeper than the format nests; stops pathological files early


def check_limits(value: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH and text that cannot be stored (lone surrogates),
    anywhere in a decoded document, free-form parts included. Iterative: no recursion limit."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if not _valid_text(item):
                raise SchemaError(path, "text with an unpaired surrogate (an invalid \\u escape)")
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_DEPTH:
            shown = path if len(path) <= 60 else path[:60] + "…"
            raise SchemaError(shown, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            prefix = f"{path}." if path else ""
            for key, child in item.items():
                if not _valid_text(key):
                    raise SchemaError(path, "a key with an unpaired surrogate")
                stack.append((child, f"{prefix}{key}", depth + 1))
        else:
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
