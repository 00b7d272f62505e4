"""The versions of a reply: the other replies to a user message, shown folded by it.

Regenerate (Ctrl+G) starts a new branch under the last user message (see tree.py); the
replies it replaced stay in the store as sibling branches, never replayed while another is
active, and are shown folded next to the active one by the exports and the TUI (`[` / `]`).
One version may be several messages (a round with tool calls, its results, the next round);
a version ends where its branch's next user message begins.
"""

from __future__ import annotations

from typing import NamedTuple

from mimo_tui.model import Message, Usage
from mimo_tui.tree import Tree


class TurnVersions(NamedTuple):
    """A turn that has superseded replies: those replies (oldest first, each a list of
    messages) and the first message of the active reply, if there is one."""

    superseded: list[list[Message]]
    active_id: int | None

    @property
    def total(self) -> int:
        return len(self.superseded) + (self.active_id is not None)


def reply_versions(tree: Tree) -> dict[int | None, TurnVersions]:
    """Each user message on the active path that has replies off the path, by its id: those
    replies (oldest first) and the first message of the active one (None while the new one
    is being asked for)."""
    out: dict[int | None, TurnVersions] = {}
    for msg in tree.path():
        if msg.role != "user":
            continue
        kids = tree.children.get(msg.id, [])
        others = [_reply_part(tree.descend(k)) for k in kids if not k.on_path and k.role != "user"]
        if others:
            active = next((k.id for k in kids if k.on_path and k.role != "user"), None)
            out[msg.id] = TurnVersions(others, active)
    return out


def _reply_part(branch: list[Message]) -> list[Message]:
    """A branch's messages up to its next user message (the reply, with its tool rounds)."""
    end = next((i for i, m in enumerate(branch) if m.role == "user"), len(branch))
    return branch[:end]


def version_label(index: int, total: int) -> str:
    """`version 1 of 3` (1-based)."""
    return f"version {index} of {total}"


def combined(version: list[Message]) -> Message:
    """One superseded version as a single assistant message, to show folded: its answers and
    reasoning joined, its tool calls, token counts and reasoning time summed, and how it
    ended (interrupted, failed, cut at the length limit) from its last round, where a turn
    stops."""
    replies = [m for m in version if m.role == "assistant"]
    usage: Usage | None = None
    for msg in replies:
        if msg.usage is not None:
            usage = msg.usage if usage is None else usage + msg.usage
    first = replies[0] if replies else version[0]
    last = replies[-1] if replies else version[-1]
    # The reasoning panel's title says how long it thought: every round's time, summed, so
    # an old reply still says it (and says it when its usage, the token count, never came).
    thought = [m.reasoning_ms for m in replies if m.reasoning_ms is not None]
    return Message(
        role="assistant",
        content="\n\n".join(m.content for m in replies if m.content),
        reasoning_content="\n\n".join(m.reasoning_content for m in replies if m.reasoning_content),
        tool_calls=[call for m in replies for call in m.tool_calls],
        id=first.id,
        session_id=first.session_id,
        model=replies[-1].model if replies else None,
        usage=usage,
        finish_reason=last.finish_reason,
        status=last.status if last.status in ("interrupted", "error") else "complete",
        error=last.error,
        duration_ms=sum(m.duration_ms or 0 for m in replies) or None,
        reasoning_ms=sum(thought) if thought else None,
        created_at=first.created_at,
    )
