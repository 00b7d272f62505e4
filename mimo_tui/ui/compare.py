"""Compare from the chat: the palette's "Compare replies" commands.

The last question is asked again as several candidates (mimo_tui.compare: regenerate ×N,
thinking on and off, or this model and another), each stored as a branch under it; the
CompareScreen shows them side by side and the one kept becomes the active path, which the
conversation then shows. Runs as the screen's turn worker, so nothing else is sent meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mimo_tui.ui.safe import notify_safe

if TYPE_CHECKING:
    from mimo_tui.compare import Variant
    from mimo_tui.ui.chat import ChatScreen


def palette_commands(chat: ChatScreen) -> list[tuple[str, str, Callable[[], object]]]:
    """The command palette's entries for comparing and for the conversation tree."""
    return [
        (
            "Compare replies",
            "Ask the last question 2-4 times and see the answers side by side",
            chat.action_compare,
        ),
        (
            "Compare thinking on and off",
            "The last question with reasoning and without, side by side",
            lambda: chat.action_compare("thinking"),
        ),
        (
            "Compare with another model",
            "The last question on this model and another, side by side",
            lambda: chat.action_compare("model"),
        ),
        (
            "Conversation tree",
            "Branches made by edits and regenerations; switch the active one (Ctrl+L)",
            chat.action_conversation_tree,
        ),
    ]


def start_compare(screen: ChatScreen, how: str) -> None:
    """`how`: "n" (ask how many), "thinking" (on and off) or "model" (ask which)."""
    if screen.busy:
        screen.notify("Wait for the reply to finish, then compare.", markup=False, timeout=3)
    elif how == "thinking":
        from mimo_tui.compare import thinking_on_off

        screen.run_worker(compare_last(screen, thinking_on_off()), group="turn", exclusive=True)
    elif how == "model":
        screen.run_worker(ask_other_model(screen), group="dialog")
    else:
        screen.run_worker(ask_how_many(screen), group="dialog")


async def ask_how_many(screen: ChatScreen) -> None:
    """Ask for N (2-4), then compare N regenerations."""
    from mimo_tui.compare import MAX_CANDIDATES, regenerations
    from mimo_tui.ui.widgets.dialogs import TextPrompt

    text = await screen.app.push_screen_wait(
        TextPrompt("How many replies to compare?", "3", f"2 to {MAX_CANDIDATES}")
    )
    if text is None:
        return
    try:
        variants = regenerations(int(text.strip()))
    except ValueError:
        screen.notify(f"Give a number from 2 to {MAX_CANDIDATES}.", markup=False, timeout=3)
        return
    screen.run_worker(compare_last(screen, variants), group="turn", exclusive=True)


async def ask_other_model(screen: ChatScreen) -> None:
    """Ask which model to compare the session's with, then compare the two."""
    from mimo_tui.compare import two_models
    from mimo_tui.ui.widgets.dialogs import TextPrompt

    current = screen.runtime.settings.model
    other = await screen.app.push_screen_wait(
        TextPrompt(f"Compare {current} with which model?", "", "a model id, e.g. mimo-v2-flash")
    )
    if other and other.strip() and other.strip() != current:
        variants = two_models(current, other.strip())
        screen.run_worker(compare_last(screen, variants), group="turn", exclusive=True)


async def compare_last(screen: ChatScreen, variants: list[Variant]) -> None:
    """Ask the last question once per variant, show the answers, keep the one picked."""
    from mimo_tui.compare import ask_candidates, keep
    from mimo_tui.ui.widgets.compare_view import CompareScreen

    runtime = screen.runtime
    store = runtime.store
    if not runtime.has_key:
        screen.notify("Comparing asks the model: set an API key first (F5).", markup=False)
        return
    user_id = store.last_id(screen.session_id, "user")
    question = store.message(user_id) if user_id is not None else None
    if question is None:
        screen.notify("Nothing to compare yet: send a message first.", markup=False, timeout=3)
        return
    screen.notify(f"Asking for {len(variants)} replies to compare…", markup=False, timeout=3)
    screen.status.show_idle()
    found = await ask_candidates(runtime.engine, screen.session_id, variants, user_id=user_id)
    await screen.load_session(screen.session_id)
    chosen = await screen.app.push_screen_wait(CompareScreen(found, question.content))
    if chosen is not None and found[chosen].leaf_id is not None:
        keep(store, screen.session_id, found[chosen])
        await screen.load_session(screen.session_id)
        notify_safe(screen, f"Kept {found[chosen].variant.label} as the active branch.", timeout=3)
