"""The conversation tree: edits and regenerations are branches of one session.

Every message names the message it follows (`parent_id`; None: a root). Regenerate adds a
second reply under the same user message; edit adds a second user message under the same
parent. The session remembers one leaf, and the *active path* is that leaf and its ancestors:
it is what the chat screen shows, what replay sends (the store marks it, `on_path`, so paging
it stays one index read) and what the exports print in full. The other branches are listed
at their branch points, and switching makes one of them the path.

Ancestors never change once written, so a compaction made on a path still holds for any
path that keeps its cut message (see store_tree).

Stores older than the tree, and transcripts exported by them, had no parent links: there a
message followed the message before it, and regenerate marked the replaced replies
`superseded`. `legacy_links` turns that into the same tree (each superseded reply a sibling
branch of the reply that replaced it), so old sessions read, replay and export as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from mimo_tui.model import Message, Status

SUPERSEDED = "superseded"  # the legacy status of a regenerated reply


class LegacyRow(NamedTuple):
    """What `legacy_links` needs of one stored message (in id order within a session)."""

    id: int
    role: str
    status: str
    asked_tools: bool  # an assistant message with tool calls: its round goes on
    finished: bool  # the reply had a finish_reason (it was complete before superseded)


class Link(NamedTuple):
    """A message's place in the tree: its parent, its status, whether it is on the path."""

    id: int
    parent_id: int | None
    status: str
    on_path: bool


def legacy_links(rows: Iterable[LegacyRow]) -> list[Link]:
    """The tree of a session stored before parent links (rows in id order).

    A message followed the newest message before it that was not superseded; a superseded
    run (right after its user message) is cut into the replies it was, as versions.py did:
    a reply ends with an assistant message that asked for no tools. Each reply becomes a
    branch under the message the run follows, off the path; its status becomes what it was
    before regenerate replaced it (complete if it finished, else interrupted).
    """
    links: list[Link] = []
    head: int | None = None  # the newest message on the path so far
    tail: int | None = None  # the newest message of the current superseded reply
    ended = True
    for row in rows:
        if row.status != SUPERSEDED:
            links.append(Link(row.id, head, row.status, True))
            head, tail, ended = row.id, None, True
            continue
        starts = tail is None or (row.role == "assistant" and ended)
        parent = head if starts else tail
        status = "complete" if row.finished or row.role != "assistant" else "interrupted"
        links.append(Link(row.id, parent, status, False))
        tail = row.id
        if row.role == "assistant":
            ended = not row.asked_tools
    return links


def import_links(messages: Sequence[Message]) -> list[tuple[int | None, bool, Status]]:
    """For messages about to be written (an import or a fork): each one's parent as an index
    into `messages`, whether it is on the path, and its status.

    Messages that carry parent links (a transcript of this version) keep their tree; others
    (older transcripts, copies) are read as `legacy_links` reads an old store.
    """
    index = {m.id: i for i, m in enumerate(messages) if m.id is not None}
    if any((m.parent_id is not None and m.parent_id in index) or not m.on_path for m in messages):
        return [
            (index.get(m.parent_id) if m.parent_id is not None else None, m.on_path, m.status)
            for m in messages
        ]
    rows = [
        LegacyRow(i, m.role, m.status, bool(m.tool_calls), m.finish_reason is not None)
        for i, m in enumerate(messages)
    ]
    out: list[tuple[int | None, bool, Status]] = []
    for link in legacy_links(rows):
        status = messages[link.id].status
        if status == SUPERSEDED:
            status = _as_status(link.status)
        out.append((link.parent_id, link.on_path, status))
    return out


def _as_status(text: str) -> Status:
    return "complete" if text == "complete" else "interrupted"


class BranchPoint(NamedTuple):
    """A message with more than one continuation (None: the session's first messages)."""

    parent: Message | None
    alternatives: list[list[Message]]  # each from its first message down to its newest leaf
    active: int | None  # the index of the alternative on the active path, if one is


class Tree:
    """A session's messages as a tree (all of them, as Store.messages(branches=True) reads)."""

    def __init__(self, messages: Sequence[Message]) -> None:
        self.by_id = {m.id: m for m in messages if m.id is not None}
        self.children: dict[int | None, list[Message]] = {}
        for msg in messages:
            parent = msg.parent_id if msg.parent_id in self.by_id else None
            self.children.setdefault(parent, []).append(msg)

    def path(self) -> list[Message]:
        """The active path, root first."""
        return [m for m in self.by_id.values() if m.on_path]

    def descend(self, start: Message) -> list[Message]:
        """`start` and the messages below it: the path where it runs through, else the
        newest continuation at each step."""
        out = [start]
        while kids := self.children.get(out[-1].id):
            on = [k for k in kids if k.on_path]
            out.append(on[0] if on else kids[-1])
        return out

    def leaf(self, start: Message) -> Message:
        return self.descend(start)[-1]

    def branch_points(self) -> list[BranchPoint]:
        """Every branch point, in the order of the message it follows."""
        points = []
        for parent_id in sorted(self.children, key=lambda k: -1 if k is None else k):
            kids = self.children[parent_id]
            if len(kids) < 2:
                continue
            active = next((i for i, k in enumerate(kids) if k.on_path), None)
            parent = self.by_id.get(parent_id) if parent_id is not None else None
            points.append(BranchPoint(parent, [self.descend(k) for k in kids], active))
        return points

    def siblings(self, message: Message) -> list[Message]:
        """The alternatives at `message`'s branch point, itself included, oldest first."""
        parent = message.parent_id if message.parent_id in self.by_id else None
        return self.children.get(parent, [message])


_BLOCK_MARK = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)")
_INLINE_MARK = re.compile(r"\*\*|`+|~~")


def label(branch: Sequence[Message], width: int = 60) -> str:
    """A branch in one line: who speaks first and the start of what they said (raw text:
    callers pass it through the sanitizer)."""
    if not branch:
        return ""
    first = branch[0]
    said = (m.content for m in branch if m.role != "tool" and m.content.strip())
    words = next(said, "")
    # Markdown's marks are noise in a one-line excerpt: "## Hello" and "**hi**" read as
    # "Hello" and "hi" (heading, quote and list marks at a line's start; bold, code, strike).
    lines = (_BLOCK_MARK.sub("", line) for line in words.splitlines())
    text = _INLINE_MARK.sub("", " ".join(" ".join(lines).split()))
    if len(text) > width:
        text = text[: width - 1] + "…"
    tail = f" · {len(branch)} messages" if len(branch) > 1 else ""
    who = "you" if first.role == "user" else "reply"
    return f"{who}: {text or '(empty)'}{tail}"


def branch_outline(tree: Tree) -> list[tuple[str, list[tuple[bool, str]]]]:
    """Each branch point as (where, [(on the active path, alternative's label)]), for the
    exports and `sessions show` (raw text: callers sanitise it)."""
    out = []
    for point in tree.branch_points():
        where = "at the start" if point.parent is None else "after " + label([point.parent])
        alts = [(i == point.active, label(alt)) for i, alt in enumerate(point.alternatives)]
        out.append((where, alts))
    return out
