"""The reasoning panel above a reply: streams live, then folds; a click or key opens it again."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.widgets import Collapsible

from mimo_tui.text import visible
from mimo_tui.ui.widgets.lines import Line, LinesWidget, render_strips

REFRESH_S = 0.05  # reasoning text is re-laid out at most this often while streaming


class ReasoningText(LinesWidget):
    """The reasoning as plain text, wrapped incrementally.

    Reasoning can run to tens of thousands of tokens before the answer starts. Wrapping all
    of it again at every refresh grows with its length; here finished paragraphs are
    wrapped once, and only the paragraph still being written is wrapped again.
    """

    def __init__(self, text: str = "") -> None:
        super().__init__(classes="reasoning-body")
        self.text = text
        self._key: tuple | None = None
        self._done: list[Line] = []  # the wrapped lines of text[: self._done_at]
        self._done_at = 0
        self._lines: tuple[tuple, int, list[Line]] | None = None  # (key, len(text), lines)

    def show(self, text: str) -> None:
        before = len(self._lines[2]) if self._lines else 0
        self.text = text
        self.redraw(before)

    def _wrap(self, text: str, width: int, style: Style) -> list[Line]:
        return render_strips(self.app.console, Text(text, style=style), width, style)

    def build_lines(self, width: int) -> list[Line]:
        style = self.rich_style
        key = (width, style)
        if self._lines is not None and self._lines[:2] == (key, len(self.text)):
            return self._lines[2]
        if key != self._key or len(self.text) < self._done_at:  # (text only ever grows)
            self._key, self._done, self._done_at = key, [], 0
        end = self.text.rfind("\n") + 1  # paragraphs before the last newline are finished
        if end > self._done_at:
            self._done += self._wrap(self.text[self._done_at : end - 1], width, style)
            self._done_at = end
        rest = self.text[self._done_at :]
        lines = self._done + self._wrap(rest, width, style) if rest else list(self._done)
        self._lines = (key, len(self.text), lines)
        return lines


class ReasoningPanel(Collapsible):
    """A Collapsible whose body is the model's reasoning as plain text (never markup)."""

    DEFAULT_CSS = """
    ReasoningPanel {
        border: none;
        border-left: thick $reasoning-border;
        padding: 0 0 0 1;
        margin: 0 0 1 0;
        background: transparent;
    }
    ReasoningPanel > CollapsibleTitle {
        color: $reasoning-foreground;
        padding: 0;
    }
    ReasoningPanel > CollapsibleTitle:focus {
        background: $boost;
        color: $text;
    }
    ReasoningPanel > Contents {
        padding: 0 0 0 2;
    }
    ReasoningPanel .reasoning-body {
        color: $reasoning-foreground;
        text-style: italic;
    }
    """

    def __init__(self, text: str = "", collapsed: bool = False, title: str = "Reasoning") -> None:
        self._parts: list[str] = [visible(text)] if text else []
        self._body = ReasoningText(self.text)
        self._flush_pending = False
        super().__init__(self._body, title="", collapsed=collapsed)
        self.set_title(title)

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def set_title(self, title: str) -> None:
        # A str title would be parsed as markup: always pass Content.
        self.title = Content(title)  # type: ignore[assignment]

    def append(self, fragment: str) -> None:
        """Add streamed reasoning; the body is redrawn at most every REFRESH_S."""
        self._parts.append(visible(fragment))
        if not self._flush_pending:
            self._flush_pending = True
            self.set_timer(REFRESH_S, self._flush)

    def _flush(self) -> None:
        self._flush_pending = False
        self._body.show(self.text)

    def finish(self) -> None:
        self._flush()
