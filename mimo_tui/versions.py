"""The versions of a reply: what regenerate keeps, grouped so it can be shown again.

Regenerate (Ctrl+G) marks the last turn's reply `superseded` and asks again; the old reply
stays in the store, is never replayed (replay.py sends only complete, active rounds), and
is shown folded next to the active one by the exports and the TUI. The store keeps no
version number, so the versions are read back from the order of the messages: after a user
message come the superseded replies, oldest first, then the active one. One version may be
several messages (a round with tool calls, its results, the next round).
"""

from __future__ import annotations

from typing import NamedTuple

from mimo_tui.model import Message, Usage

SUPERSEDED = "superseded"


def split_versions(run: list[Message]) -> list[list[Message]]:
    """Consecutive superseded messages of one turn, cut into the replies they were.

    A reply ends with an assistant message that asked for no tools (its answer, or the
    round that failed); the next assistant message starts another version. A version that
    was stopped while a tool ran (regenerated before the model answered) cannot be told
    apart from the round that would have followed it, so it joins the next version.
    """
    versions: list[list[Message]] = []
    ended = True
    for msg in run:
        if msg.role == "assistant" and ended:
            versions.append([])
        if not versions:  # tool results before any assistant message: their own version
            versions.append([])
        versions[-1].append(msg)
        if msg.role == "assistant":
            ended = not msg.tool_calls
    return versions


class TurnVersions(NamedTuple):
    """A turn that has superseded replies: those replies (oldest first, each a list of
    messages) and the first message of the active reply, if there is one."""

    superseded: list[list[Message]]
    active_id: int | None

    @property
    def total(self) -> int:
        return len(self.superseded) + (self.active_id is not None)


def reply_versions(messages: list[Message]) -> dict[int | None, TurnVersions]:
    """Each turn that has superseded replies, by its user message id (None: replies stored
    before any user message, as an import may have)."""
    out: dict[int | None, TurnVersions] = {}
    turn: int | None = None
    run: list[Message] = []
    active: int | None = None

    def close() -> None:
        if run or turn in out:
            old = out[turn].superseded if turn in out else []
            out[turn] = TurnVersions(old + split_versions(run), active)
        run.clear()

    for msg in messages:
        if msg.role == "user":
            close()
            turn, active = msg.id, None
        elif msg.status == SUPERSEDED:
            run.append(msg)
        elif active is None and msg.role == "assistant":
            active = msg.id
    close()
    return out


def version_label(index: int, total: int) -> str:
    """`version 1 of 3` (1-based)."""
    return f"version {index} of {total}"


def combined(version: list[Message]) -> Message:
    """One superseded version as a single assistant message, to show folded: its answers and
    reasoning joined, its tool calls and token counts summed."""
    replies = [m for m in version if m.role == "assistant"]
    usage: Usage | None = None
    for msg in replies:
        if msg.usage is not None:
            usage = msg.usage if usage is None else usage + msg.usage
    first = replies[0] if replies else version[0]
    return Message(
        role="assistant",
        content="\n\n".join(m.content for m in replies if m.content),
        reasoning_content="\n\n".join(m.reasoning_content for m in replies if m.reasoning_content),
        tool_calls=[call for m in replies for call in m.tool_calls],
        id=first.id,
        session_id=first.session_id,
        model=replies[-1].model if replies else None,
        usage=usage,
        status="complete",
        duration_ms=sum(m.duration_ms or 0 for m in replies) or None,
        created_at=first.created_at,
    )
