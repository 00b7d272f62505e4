"""Compare replies: ask the same prompt several ways, keep every answer as a branch.

Regenerate ×N (N ≤ 4), the same prompt with thinking on and off, or on two models: each
candidate is a branch under the one user message (see tree.py), asked in turn with the
settings of its variant, so every answer stays in the store with its reasoning, tokens and
time. Picking one makes its branch the active path (what the next turn replays); until a
pick, the first candidate is active. The word-level diff of two answers is difflib's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import re
from collections.abc import AsyncGenerator, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from mimo_tui.model import Message, Usage

if TYPE_CHECKING:
    from mimo_tui.engine import Engine
    from mimo_tui.store import Store

MAX_CANDIDATES = 4


@dataclass(frozen=True)
class Variant:
    """How one candidate is asked: the session's settings, or another model / thinking."""

    label: str
    model: str | None = None
    thinking: bool | None = None


def regenerations(n: int) -> list[Variant]:
    """N candidates with the same settings (1 ≤ n ≤ MAX_CANDIDATES)."""
    if not 1 <= n <= MAX_CANDIDATES:
        raise ValueError(f"compare asks for 1 to {MAX_CANDIDATES} candidates, not {n}")
    return [Variant(f"candidate {i}") for i in range(1, n + 1)]


def thinking_on_off() -> list[Variant]:
    return [Variant("thinking on", thinking=True), Variant("thinking off", thinking=False)]


def two_models(first: str, second: str) -> list[Variant]:
    return [Variant(first, model=first), Variant(second, model=second)]


@dataclass
class Candidate:
    """One answer: its variant, its messages (rounds and tool results), an error if any."""

    variant: Variant
    messages: list[Message]
    error: str | None = None

    @property
    def replies(self) -> list[Message]:
        return [m for m in self.messages if m.role == "assistant"]

    @property
    def answer(self) -> str:
        return next((m.content for m in reversed(self.replies) if m.content), "")

    @property
    def reasoning(self) -> str:
        return "\n\n".join(m.reasoning_content for m in self.replies if m.reasoning_content)

    @property
    def usage(self) -> Usage:
        total = Usage()
        for msg in self.replies:
            total = total + (msg.usage or Usage())
        return total

    @property
    def duration_ms(self) -> int:
        return sum(m.duration_ms or 0 for m in self.replies)

    @property
    def model(self) -> str | None:
        return next((m.model for m in reversed(self.replies) if m.model), self.variant.model)

    @property
    def leaf_id(self) -> int | None:
        return self.messages[-1].id if self.messages else None

    def as_json(self) -> dict[str, Any]:
        """What `ask --n --json` prints for it."""
        u = self.usage
        return {
            "label": self.variant.label,
            "model": self.model,
            "thinking": self.variant.thinking,
            "content": self.answer,
            "reasoning_content": self.reasoning,
            "usage": {
                "prompt_tokens": u.prompt_tokens,
                "completion_tokens": u.completion_tokens,
                "reasoning_tokens": u.reasoning_tokens,
            },
            "duration_ms": self.duration_ms,
            "message_id": self.replies[0].id if self.replies else None,
            "error": self.error,
        }


def summary(candidate: Candidate) -> str:
    """`candidate 2 · mimo-v2.5-pro · 57 in / 120 out (31 reasoning) · 3.1 s`."""
    u = candidate.usage
    parts = [candidate.variant.label]
    if candidate.model and candidate.model != candidate.variant.label:
        parts.append(candidate.model)
    split = f" ({u.reasoning_tokens} reasoning)" if u.reasoning_tokens else ""
    parts.append(f"{u.prompt_tokens} in / {u.completion_tokens} out{split}")
    if candidate.duration_ms:
        parts.append(f"{candidate.duration_ms / 1000:.1f} s")
    return " · ".join(parts)


@contextlib.contextmanager
def _asked_as(engine: Engine, variant: Variant) -> Iterator[None]:
    """The engine's settings with the variant's model / thinking, for one candidate."""
    saved = engine.settings
    changes: dict[str, Any] = {}
    if variant.model is not None:
        changes["model"] = variant.model
    if variant.thinking is not None:
        changes["thinking"] = variant.thinking
    engine.settings = dataclasses.replace(saved, **changes) if changes else saved
    try:
        yield
    finally:
        engine.settings = saved


async def _drain(events: AsyncGenerator[Any, None]) -> str | None:
    """Run a turn to its end; its error text, if it failed."""
    from mimo_tui.events import TurnFailed

    error = None
    async with contextlib.aclosing(events) as stream:
        async for event in stream:
            if isinstance(event, TurnFailed):
                error = str(event.error)
    return error


async def ask_candidates(
    engine: Engine,
    session_id: str,
    variants: Sequence[Variant],
    *,
    prompt: str | None = None,
    user_id: int | None = None,
    attachments: Sequence[Any] = (),
) -> list[Candidate]:
    """Ask for one candidate per variant, each a branch under the same user message.

    With `prompt`, the first candidate's turn stores it as the user message; without, the
    candidates answer `user_id` (an existing message: compare as a regenerate). The first
    candidate is left active.
    """
    store = engine.store
    found: list[Candidate] = []
    for index, variant in enumerate(variants):
        with _asked_as(engine, variant):
            if index == 0 and prompt is not None:
                error = await _drain(engine.turn(session_id, prompt, attachments))
                user_id = store.last_id(session_id, "user")
            else:
                store.branch_from(session_id, user_id)
                error = await _drain(engine.rounds(session_id))
        start = (user_id or 0) + 1
        found.append(Candidate(variant, store.messages(session_id, from_id=start), error))
    if found:
        keep(store, session_id, found[0])
    return found


def keep(store: Store, session_id: str, candidate: Candidate) -> None:
    """Make the candidate's branch the active path."""
    if candidate.leaf_id is not None:
        store.set_active_leaf(session_id, candidate.leaf_id)


Op = Literal["same", "removed", "added"]


def word_diff(before: str, after: str) -> list[tuple[Op, str]]:
    """The words of `after` against `before`: runs that are the same, removed or added
    (whitespace kept with the word before it, so the runs join back into the texts)."""
    a, b = _words(before), _words(after)
    out: list[tuple[Op, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("same", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            out.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("added", "".join(b[j1:j2])))
    return out


def _words(text: str) -> list[str]:
    return re.findall(r"\S+\s*|\s+", text)


def similarity(before: str, after: str) -> float:
    """The share of words the two answers have in common (0..1)."""
    a, b = _words(before), _words(after)
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() if a or b else 1.0
