"""The compare screen: candidate answers side by side (mimo_tui.compare).

One column per candidate: its label, model, tokens and time; its reasoning folded; its
answer; and, from the second column on, a word-level diff against the first (removed words
struck through in red, added ones in green). "Keep this" at the top of a column makes that
candidate the active branch; Escape / Close keeps the one that is active (the first).
Every text shown is the model's, so all of it goes through the sanitizer, never markup.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Collapsible, Static

from mimo_tui.compare import Candidate, summary, word_diff
from mimo_tui.text import one_line, visible

_STYLES = {"same": "", "removed": "strike $error", "added": "bold $success"}


def diff_content(before: str, after: str) -> Content:
    """`after` against `before`, word by word, styled (never parsed as markup)."""
    return Content.assemble(
        *((visible(text), _STYLES[op]) for op, text in word_diff(before, after))
    )


class CompareScreen(ModalScreen[int | None]):
    """Dismissed with the index of the candidate to keep, or None (keep the active one)."""

    DEFAULT_CSS = """
    CompareScreen { align: center middle; }
    CompareScreen > Vertical {
        width: 96%; height: 92%; border: thick $primary; background: $surface; padding: 0 1;
    }
    CompareScreen #columns { height: 1fr; }
    CompareScreen .column { width: 1fr; border: round $panel; padding: 0 1; margin: 0 1 0 0; }
    CompareScreen .column.active { border: round $success; }
    CompareScreen .head { text-style: bold; }
    CompareScreen .answer { margin: 1 0; }
    CompareScreen .diff-title { color: $text-muted; margin: 1 0 0 0; }
    CompareScreen .error { color: $error; }
    CompareScreen Collapsible { margin: 0; padding: 0; }
    CompareScreen .buttons { height: auto; }
    CompareScreen Button { margin: 0 1 0 0; min-width: 10; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="compare.close")]

    def __init__(self, candidates: list[Candidate], question: str = "") -> None:
        super().__init__()
        self.candidates = candidates
        self.question = question

    def compose(self) -> ComposeResult:
        first = self.candidates[0].answer if self.candidates else ""
        with Vertical():
            title = f"Compare {len(self.candidates)} replies"
            if self.question:
                title += " to: " + one_line(self.question)[:80]
            yield Static(Content(title), classes="head")
            with Horizontal(id="columns"):
                for n, c in enumerate(self.candidates):
                    with VerticalScroll(classes="column active" if n == 0 else "column"):
                        yield Static(Content(one_line(summary(c))), classes="head")
                        yield Button(Content("Keep this"), id=f"keep-{n}", variant="primary")
                        if c.reasoning:
                            with Collapsible(title="Reasoning", collapsed=True):
                                yield Static(Content(visible(c.reasoning)))
                        if c.error:
                            yield Static(Content(one_line(f"error: {c.error}")), classes="error")
                        yield Static(Content(visible(c.answer)), classes="answer")
                        if n:
                            yield Static(Content("Diff against candidate 1"), classes="diff-title")
                            yield Static(diff_content(first, c.answer), classes="diff")
            yield Static(
                Content("Keep this: make that reply the active branch · Escape keeps the first"),
                classes="hint",
            )
            with Horizontal(classes="buttons"):
                yield Button(Content("Close"), id="close")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        name = event.button.id or ""
        if name.startswith("keep-"):
            self.dismiss(int(name.removeprefix("keep-")))
        else:
            self.action_close()

    def action_close(self) -> None:
        self.dismiss(None)
