"""A fuzzy file picker over the files below the working directory (Ctrl+A, `@path` + Tab).

Typing filters by fuzzy match (the letters in order, closer and earlier matches first);
Enter picks the highlighted file, Escape closes with nothing. Only files with an image,
audio or video extension are listed (the others would be refused); hidden folders and the
usual build and environment folders are skipped; at most MAX_FILES are listed.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from mimo_tui.attachments import has_media_extension
from mimo_tui.text import one_line

MAX_FILES = 5000
SHOWN = 200
SKIP = {"node_modules", "__pycache__", ".git", "venv", ".venv", "dist", "build", ".tox"}


def files_below(root: Path, limit: int = MAX_FILES) -> list[str]:
    """Relative paths of the media files below `root`, shallow ones first."""
    found: list[str] = []
    for here, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP)
        rel = Path(here).relative_to(root)
        for name in sorted(names):
            if not name.startswith(".") and has_media_extension(name):
                found.append(str(rel / name) if str(rel) != "." else name)
                if len(found) >= limit:
                    return found
    return found


def fuzzy_score(query: str, text: str) -> int | None:
    """Lower is better; None when the letters of `query` are not all in `text`, in order."""
    if not query:
        return 0
    q, t = query.lower(), text.lower()
    if q in t:
        return t.index(q) - 1000 + len(t)  # a plain substring beats any scattered match
    pos, gaps, start = -1, 0, None
    for ch in q:
        nxt = t.find(ch, pos + 1)
        if nxt < 0:
            return None
        if start is None:
            start = nxt
        elif nxt > pos + 1:
            gaps += nxt - pos - 1
        pos = nxt
    return gaps * 10 + (start or 0) + len(t)


def fuzzy_filter(query: str, paths: list[str], limit: int = SHOWN) -> list[str]:
    scored = [(s, p) for p in paths if (s := fuzzy_score(query, p)) is not None]
    scored.sort()
    return [p for _, p in scored[:limit]]


class FilePicker(ModalScreen[Path | None]):
    """Returns the chosen file's path (absolute), or None."""

    DEFAULT_CSS = """
    FilePicker { align: center middle; }
    FilePicker > Vertical {
        width: 80%;
        height: 80%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    FilePicker OptionList { height: 1fr; }
    FilePicker #picker-hint { color: $text-muted; height: 1; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="picker.close")]

    def __init__(self, root: Path, query: str = "") -> None:
        super().__init__()
        self.root = root
        self.query_text = query
        self.paths = files_below(root)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Content(f"Attach a file below {one_line(str(self.root))}"),
                id="picker-hint",
                markup=False,
            )
            yield Input(value=self.query_text, placeholder="type to filter", id="picker-query")
            yield OptionList(id="picker-list")

    def on_mount(self) -> None:
        self._refill(self.query_text)
        self.query_one(Input).focus()

    def _refill(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(  # one entry per file, whatever its name holds (a newline)
            [Option(Content(one_line(p)), id=p) for p in fuzzy_filter(query, self.paths)]
        )
        if options.option_count:
            options.highlighted = 0

    @on(Input.Changed, "#picker-query")
    def filter(self, event: Input.Changed) -> None:
        self._refill(event.value)

    @on(Input.Submitted, "#picker-query")
    def pick_highlighted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None and options.option_count:
            self._pick(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def picked(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option.id)

    def _pick(self, rel: str | None) -> None:
        if rel:
            self.dismiss(self.root / rel)

    def key_down(self) -> None:
        options = self.query_one(OptionList)
        if self.query_one(Input).has_focus:
            options.action_cursor_down()

    def key_up(self) -> None:
        options = self.query_one(OptionList)
        if self.query_one(Input).has_focus:
            options.action_cursor_up()

    def action_close(self) -> None:
        self.dismiss(None)
