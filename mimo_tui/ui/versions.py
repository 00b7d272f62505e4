"""The chat screen's regenerated replies: the version marker and `[` / `]` to switch.

Regenerate keeps the replaced reply in the store (another branch, not replayed). The active
reply of such a turn says `version 2 of 2 · [ / ] to switch`; `[` shows the older version
in its place (a SupersededReply, marked "superseded") with the active one's widgets hidden,
`]` goes back. Only what is mounted changes: the store, the replay and the paging window
(the active path) are as before; the tree view (Ctrl+B) switches branches for good.

A collaborator of ChatScreen (not a base class): the screen tells it when messages were read
or mounted, and hands it the `[` / `]` message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mimo_tui.tree import Tree
from mimo_tui.ui.widgets.tool_call import ToolCallLine
from mimo_tui.versions import TurnVersions, combined, reply_versions

if TYPE_CHECKING:
    from mimo_tui.ui.chat import ChatScreen
    from mimo_tui.ui.widgets.conversation import Conversation


class VersionActions:
    """The version marker and switching for the replies in `screen`'s conversation."""

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen
        self._versions: dict[int | None, TurnVersions] = {}  # replaced: index_versions

    @property
    def conversation(self) -> Conversation:
        return self.screen.conversation

    def notify(self, text: str, **kwargs: Any) -> None:
        self.screen.notify(text, **kwargs)

    def index_versions(self, tree: Tree) -> None:
        """Remember which turns have other reply branches (`tree`: the whole session)."""
        self._versions = reply_versions(tree)

    def _turns(self) -> list[tuple[int | None, list[Any]]]:
        """The mounted replies by the turn they answer: (user message id, its widgets)."""
        from mimo_tui.ui.widgets.message import UserMessage
        from mimo_tui.ui.widgets.stored_reply import StoredReply

        turns: list[tuple[int | None, list[Any]]] = [(None, [])]
        for widget in self.conversation.children:
            if isinstance(widget, UserMessage):
                turns.append((widget.message.id, []))
            elif isinstance(widget, StoredReply | ToolCallLine):
                turns[-1][1].append(widget)
        return turns

    def mark_versions(self) -> None:
        """Give the first active reply of each regenerated turn on screen its marker."""
        if not self._versions:  # before the import: a new chat's first frame goes without it
            return
        from mimo_tui.ui.widgets.stored_reply import StoredReply

        for turn, widgets in self._turns():
            versions = self._versions.get(turn)
            first = next(
                (w for w in widgets if isinstance(w, StoredReply) and not w.superseded), None
            )
            if versions is not None and first is not None:
                total = len(versions.superseded) + 1
                first.set_version(turn, total, total)

    async def switch(self, event: Any) -> None:
        """Show the version `event.direction` away from the focused one, in its place."""
        from mimo_tui.ui.widgets.stored_reply import StoredReply, SupersededReply

        event.stop()
        reply = event.reply
        if reply.version is None:
            return
        index, total = reply.version
        target = index + event.direction
        versions = self._versions.get(reply.turn)
        if versions is None or not 1 <= target <= total:
            edge = "oldest" if target < 1 else "newest"
            self.notify(f"This is the {edge} version of the reply.", markup=False, timeout=2)
            return
        widgets = next((ws for turn, ws in self._turns() if turn == reply.turn), [])
        shown = [w for w in widgets if isinstance(w, SupersededReply)]
        active = [w for w in widgets if not isinstance(w, SupersededReply)]
        first = next((w for w in active if isinstance(w, StoredReply)), None)
        if first is None:
            return
        if target == total:  # back to the active reply
            for widget in active:
                widget.display = True
            first.focus()
            first.scroll_visible(animate=False)
        else:
            version = combined(versions.superseded[target - 1])
            old = SupersededReply(version, reply.turn, target, total)
            await self.conversation.mount(old, before=shown[0] if shown else first)
            old.focus()
            for widget in active:
                widget.display = False
            old.scroll_visible(animate=False)
        if shown:
            await self.conversation.remove_children(shown)
