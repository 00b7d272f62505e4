"""Importing a transcript: our JSON export (with its attachments, sources, branches and
compactions) or a bare OpenAI `messages` array, checked field by field before anything is
stored, so a corrupt or hostile file is refused with the place it went wrong.

The reverse of transcript_json.py's export_json; nothing imported is trusted (the widgets and
exports pass it through the sanitizer like model text).
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from mimo_tui import transcript_schema as schema
from mimo_tui.model import Message, Session, ToolCall, Usage
from mimo_tui.store import Store
from mimo_tui.text import one_line, plural
from mimo_tui.transcript_json import FORMAT, VERSION
from mimo_tui.transcripts import TranscriptError

_ROLES = ("user", "assistant", "tool")
# What a session's settings may grant the model beyond the conversation: tools (files,
# commands) and web search (billed per search). A file someone sent must not turn them on
# unseen, so an imported session starts with neither; the user chooses them (F8, --tools).
_GRANTS = ("tools", "web_search")


class Imported(NamedTuple):
    """The imported session, and what the user should be told about it (one line each)."""

    session: Session
    notes: tuple[str, ...]


def _held_back(settings: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """`settings` without what would grant the model reach (see _GRANTS), and the notes that
    say what was held back and that a system prompt came with the file."""
    asked = []
    tools = settings.get("tools")
    if isinstance(tools, list) and tools:
        names = ", ".join(one_line(str(n)) for n in tools[:5]) + (", …" if len(tools) > 5 else "")
        asked.append(f"tools ({names[:120]})")
    if settings.get("web_search") is True:
        asked.append("web search")
    notes = []
    if asked:
        notes.append(
            f"The file asked for {' and '.join(asked)}: not turned on. Choose them in "
            "Settings (F8) or with --tools."
        )
    prompt = settings.get("system_prompt")
    if isinstance(prompt, str) and prompt.strip():
        size = f"{len(prompt)} {plural(len(prompt), 'character')}"
        notes.append(
            f"It brings its own system prompt ({size}), sent when you continue it: see or "
            "change it in Settings (F8)."
        )
    kept = {k: v for k, v in settings.items() if k not in _GRANTS}
    return {**kept, "tools": [], "web_search": False}, tuple(notes)


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # OpenAI content parts: keep the text ones
        texts = []
        for part in value:
            if not isinstance(part, dict) or part.get("type") != "text":
                raise TranscriptError(f"{where}: only text content parts can be imported")
            texts.append(str(part.get("text", "")))
        return "".join(texts)
    raise TranscriptError(f"{where}: content must be a string")


def _openai_message(raw: Any, where: str) -> Message | str:
    """A stored Message from one OpenAI message; a system message returns its text."""
    if not isinstance(raw, dict):
        raise TranscriptError(f"{where}: must be an object")
    role = raw.get("role")
    if role in ("system", "developer"):
        return _text(raw.get("content"), where)
    if role not in _ROLES:
        raise TranscriptError(
            f"{where}: role must be user, assistant, tool or system, got {role!r}"
        )
    calls = []
    for n, call in enumerate(raw.get("tool_calls") or []):
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict) or not isinstance(call.get("id"), str):
            raise TranscriptError(f"{where}: tool_calls[{n}] needs an id and a function")
        args = fn.get("arguments", "")
        if not isinstance(args, str):
            args = json.dumps(args)
        calls.append(ToolCall(call["id"], str(fn.get("name", "")), args))
    reasoning = raw.get("reasoning_content") or raw.get("reasoning") or ""
    if not isinstance(reasoning, str):
        raise TranscriptError(f"{where}: reasoning_content must be a string")
    if role == "tool" and not isinstance(raw.get("tool_call_id"), str):
        raise TranscriptError(f"{where}: a tool message needs a tool_call_id")
    return Message(
        role=role,
        content=_text(raw.get("content"), where),
        reasoning_content=reasoning,
        tool_calls=calls,
        tool_call_id=raw.get("tool_call_id"),
    )


def _check_answers_a_call(msg: Message, before: list[Message], where: str) -> None:
    """A tool result must answer a call of the reply it follows (after that reply's other
    results), as the API requires: one answering nothing would show as a call that
    succeeded, and MiMo rejects a request that carries it."""
    if msg.role != "tool":
        return
    reply = next((m for m in reversed(before) if m.role != "tool"), None)
    calls = {call.id for call in reply.tool_calls} if reply and reply.role == "assistant" else set()
    if msg.tool_call_id not in calls:
        raise TranscriptError(
            f"{where}: a tool result must answer a tool call of the assistant message before "
            f"it, and no call there has the id {msg.tool_call_id!r}"
        )


def _our_message(raw: Any, where: str) -> Message:
    if not isinstance(raw, dict):
        raise TranscriptError(f"{where}: must be an object")
    try:
        fields = dict(raw)
        if not isinstance(fields.get("id"), int):  # kept only to resolve parent_id links
            fields.pop("id", None)
        fields["tool_calls"] = [ToolCall(**c) for c in fields.get("tool_calls") or []]
        fields["usage"] = Usage(**fields["usage"]) if fields.get("usage") else None
        if fields.get("attachments"):
            from mimo_tui.transcript_media import from_dict

            fields["attachments"] = tuple(
                from_dict(a, f"{where}: attachment {i + 1}")
                for i, a in enumerate(fields["attachments"])
            )
        else:
            fields.pop("attachments", None)
        msg = Message(**fields)
    except (TypeError, KeyError) as exc:
        raise TranscriptError(f"{where}: {exc}") from exc
    if msg.role not in _ROLES:
        raise TranscriptError(f"{where}: role must be user, assistant or tool, got {msg.role!r}")
    for name in ("content", "reasoning_content"):
        if not isinstance(getattr(msg, name), str):
            raise TranscriptError(f"{where}: {name} must be a string")
    blocks = msg.thinking_blocks
    if blocks is not None and not (
        isinstance(blocks, list) and all(isinstance(b, dict) for b in blocks)
    ):
        raise TranscriptError(f"{where}: thinking_blocks must be a list of objects")
    if msg.sources is not None and not (
        isinstance(msg.sources, list) and all(isinstance(s, dict) for s in msg.sources)
    ):
        raise TranscriptError(f"{where}: sources must be a list of objects")
    return msg


def _decode(text: str, origin: str) -> Any:
    """The file's JSON, within the limits every reader can handle (see transcript_schema)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise TranscriptError(f"{origin}: not valid JSON ({exc})") from exc
    except RecursionError:  # the decoder's own limit: thousands of nested [ or {
        raise TranscriptError(
            f"{origin}: not a transcript: its JSON is nested over a thousand levels deep "
            f"(a transcript nests a few levels; at most {schema.MAX_DEPTH} are accepted)"
        ) from None
    try:
        schema.check_limits(data)
    except schema.SchemaError as exc:
        raise TranscriptError(f"{origin}: {exc}") from None
    return data


Parsed = tuple[str, str, dict[str, Any], list[Message], list[dict[str, Any]]]


def parse_transcript(text: str, origin: str) -> Parsed:
    """(title, model, settings, messages, compactions) from our JSON or a bare OpenAI
    `messages` array (which has no compactions)."""
    data = _decode(text, origin)
    if isinstance(data, dict) and data.get("format") == FORMAT:
        if data.get("version") != VERSION:
            raise TranscriptError(f"{origin}: unsupported version {data.get('version')!r}")
        try:  # every field against the format's one declaration, before anything is used
            schema.check(data, schema.DOCUMENT)
        except schema.SchemaError as exc:
            raise TranscriptError(f"{origin}: {exc}") from None
        session = data.get("session") or {}
        raw = data.get("messages")
        if not isinstance(raw, list):
            raise TranscriptError(f"{origin}: `messages` must be a list")
        read = [_our_message(m, f"{origin}: message {i + 1}") for i, m in enumerate(raw)]
        title = str(session.get("title") or "")
        stored = session.get("settings")
        ours: dict[str, Any] = stored if isinstance(stored, dict) else {}
        ids = [m.get("id") if isinstance(m.get("id"), int) else -1 for m in raw]
        compactions = []  # each with `at`: the index of the first message it does not cover
        for c in data.get("compactions") or []:
            at = next((i for i, old in enumerate(ids) if old >= c["before_id"]), None)
            if at is not None:
                compactions.append({**c, "at": at})
        return title, str(session.get("model") or "mimo-v2.5-pro"), ours, read, compactions
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        data = data["messages"]  # an OpenAI request body
    if not isinstance(data, list):
        raise TranscriptError(
            f"{origin}: expected a mimo-tui session or an OpenAI `messages` array"
        )
    messages: list[Message] = []
    settings: dict[str, Any] = {}
    for i, raw_msg in enumerate(data):
        parsed = _openai_message(raw_msg, f"{origin}: message {i + 1}")
        if isinstance(parsed, str):
            settings["system_prompt"] = parsed
        else:
            _check_answers_a_call(parsed, messages, f"{origin}: message {i + 1}")
            messages.append(parsed)
    if not messages:
        raise TranscriptError(f"{origin}: no messages to import")
    first_user = next((m.content for m in messages if m.role == "user"), "")
    title = " ".join(first_user.split())[:80] or "Imported session"
    return title, "mimo-v2.5-pro", settings, messages, []


def import_transcript(store: Store, text: str, origin: str) -> Imported:
    """Validate everything first, then write the attachments' bytes and the session (in one
    transaction). Tools and web search are not taken from the file (see _GRANTS)."""
    title, model, asked, messages, compactions = parse_transcript(text, origin)
    settings, notes = _held_back(asked)
    if any(m.attachments for m in messages):
        from mimo_tui.transcript_media import MediaError, check_present, decode_table

        try:
            table = decode_table(json.loads(text).get("attachments"), origin)
            check_present(messages, table, store.blobs, origin)
        except MediaError as exc:
            raise TranscriptError(str(exc)) from None
        for sha, data in table.items():
            store.blobs.put(sha, data)
    session = store.import_session(title, model, settings, messages)
    if compactions:  # their cuts named exported ids: put them on the imported messages
        new_ids = [m.id or 0 for m in store.messages(session.id, branches=True)]
        active = None
        for c in compactions:
            made = store.add_compaction(
                session.id, new_ids[c["at"]], c["summary"], c.get("covered", 0)
            )
            store.set_compaction(made.id, active=False)
            active = made.id if c.get("active", True) else active
        if active is not None:
            store.set_compaction(active, active=True)
    return Imported(session, notes)
