"""Search every session (full text over answers, reasoning, tool calls) and jump to a match."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from mimo_tui.model import SearchHit
from mimo_tui.text import visible
from mimo_tui.ui.widgets.dialogs import TextDialog
from mimo_tui.ui.widgets.when import relative_time

Searcher = Callable[[str], list[SearchHit]]


def hit_label(hit: SearchHit, now: float) -> Content:
    """The title line (session, role, when the message was written: hits from one session
    differ by it; "another branch" for a version the session does not show now), then the
    match in its context with the matched words highlighted."""
    snippet = hit.readable_snippet
    title = f"{hit.session_title or 'New chat'} · {hit.role} · {relative_time(hit.created_at, now)}"
    if not hit.on_path:
        title += " · another branch"  # opening it switches to that branch (Ctrl+L shows all)
    parts: list = [(visible(title), "dim"), "\n"]
    for n, chunk in enumerate(snippet.replace("\x02", "\x01").split("\x01")):
        parts.append((visible(chunk), "bold reverse" if n % 2 else ""))
    return Content.assemble(*parts)


class SearchScreen(TextDialog[SearchHit | None]):
    """The query box and its hits; what is typed straight after Ctrl+F is the query."""

    DEFAULT_CSS = """
    SearchScreen { align: center middle; }
    SearchScreen > Vertical {
        width: 90%; max-width: 120; height: 80%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    SearchScreen OptionList { height: 1fr; border: none; }
    SearchScreen .hint { color: $text-muted; }
    """
    BOX = "#query"
    BINDINGS = [
        Binding("escape", "cancel", "Close", id="search.cancel"),
        Binding("down", "focus_results", "Results", show=False, id="search.results"),
    ]

    def __init__(self, searcher: Searcher, now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.searcher = searcher
        self.now = now  # the hits' dates are counted from this clock
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(
                placeholder="Search all sessions: answers, reasoning, tool calls…", id="query"
            )
            yield Static(
                Content("Type to search · ↓ to the results · Enter opens"),
                classes="hint",
                id="search-hint",
            )
            yield OptionList(id="hits")

    def on_input_changed(self, event: Input.Changed) -> None:
        self.hits = self.searcher(event.value) if event.value.strip() else []
        options = self.query_one("#hits", OptionList)
        options.clear_options()
        now = self.now()
        options.add_options(Option(hit_label(h, now), id=str(i)) for i, h in enumerate(self.hits))
        count = len(self.hits)
        self.query_one("#search-hint", Static).update(
            Content(f"{count} match{'es' if count != 1 else ''} · ↓ to the results · Enter opens")
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.hits:
            self.dismiss(self.hits[0])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.hits[int(event.option.id or 0)])

    def action_focus_results(self) -> None:
        """↓ from the query: the results, with the first hit highlighted so Enter opens it."""
        options = self.query_one("#hits", OptionList)
        if options.option_count and options.highlighted is None:
            options.highlighted = 0
        options.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
