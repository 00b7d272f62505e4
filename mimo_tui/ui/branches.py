"""The chat's conversation tree: open it (Ctrl+L, palette) and switch the active branch.

The tree and the switch are the core's (mimo_tui.tree, store_tree); this only shows the
BranchTree screen and reloads the conversation on the path that was picked, so what is shown
is exactly what the next request replays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mimo_tui.ui.chat import ChatScreen


async def open_tree(screen: ChatScreen) -> None:
    """Show the session's branch points; switch to the alternative picked, if any."""
    from mimo_tui.ui.widgets.branch_tree import BranchTree

    store = screen.runtime.store
    chosen = await screen.app.push_screen_wait(BranchTree(store.tree(screen.session_id)))
    if chosen is None:
        return
    if screen.busy:
        screen.notify("Wait for the reply to finish, then switch.", markup=False, timeout=3)
        return
    store.switch_branch(screen.session_id, chosen)
    await screen.load_session(screen.session_id)
    screen.notify("Switched branch: this path is what the next message replays.", timeout=3)
