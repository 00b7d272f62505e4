"""The reasoning panel above a reply: streams live, then folds; a click or key opens it again."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Collapsible, Static

from mimo_tui.text import visible

REFRESH_S = 0.05  # reasoning text is re-laid out at most this often while streaming


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
        self._body = Static(Content(self.text), classes="reasoning-body", markup=False)
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
        self._body.update(Content(self.text))

    def finish(self) -> None:
        self._flush()
