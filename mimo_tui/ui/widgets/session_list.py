"""The session list: a sidebar (full screen when narrow) to open, create, rename, delete.

Rename and delete ask their question (a title, a confirmation) from the list itself, at
once: a dialog pushed after a message's round trip to the screen let the keys typed right
after `r` act on the list below (the `d` of a new title opened a delete question).

Each session is one line when the list is wide enough (title, relative date, messages,
tokens, model and format badges in columns) and two tidy lines otherwise (title and date,
then the counts and badges, indented under the title). Labels are cut to the list's width
so nothing wraps onto column 0; they are laid out again when the list changes width.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.cells import cell_len, set_cell_size
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.events import Key, Resize
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mimo_tui.model import SessionSummary
from mimo_tui.text import one_line, visible
from mimo_tui.ui.widgets.status import short_tokens
from mimo_tui.ui.widgets.when import relative_time

WIDE = 100  # from this many terminal columns a session takes one line
DIALOG_ACTIONS = frozenset({"rename", "delete"})  # the list's keys that ask a question
FORMATS = {"openai": "OpenAI", "anthropic": "Anthropic"}
BADGE_MAX = 24  # cells of a model badge at most (the list pads all to the widest)


def _fit(text: str, width: int) -> str:
    """`text` cut to `width` cells (CJK is two cells a character), with `…` if cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1).rstrip() + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


def model_badge(model: str) -> str:
    """`v2.5-pro` for `mimo-v2.5-pro`: the family is the same on every row."""
    model = one_line(model)
    return model[5:] if model.startswith("mimo-") and len(model) > 5 else model


def session_label(
    session: SessionSummary,
    current: bool,
    width: int = 46,
    now: float | None = None,
    wide: bool = False,
    badge_width: int = 8,
) -> Content:
    """One session as the list shows it, `width` cells wide at most: one line when `wide`
    (the terminal has WIDE columns or more), else two."""
    now = time.time() if now is None else now
    mark = "● " if current else "  "
    title = visible(one_line(session.title or "New chat"))
    when = relative_time(session.updated_at, now)
    count = f"{session.message_count} msg{'' if session.message_count == 1 else 's'}"
    tokens = f"{short_tokens(session.total_tokens)} tok"
    model = f" {_pad(_fit(model_badge(session.model), BADGE_MAX), badge_width)} "
    fmt = f" {FORMATS.get(session.api or 'openai', 'OpenAI')} "
    title_style = "bold" if current else ""
    badge = "$text on $primary-muted"
    fmt_badge = "$text on $secondary-muted"
    if wide:
        right = f"{when:>10} {count:>8} {tokens:>8} "
        fmt = fmt.ljust(11)
        room = width - len(mark) - len(right) - len(model) - len(fmt) - 3
        title = _pad(_fit(title, room), room)
        return Content.assemble(
            (mark + title + "  ", title_style),
            (right, "$text-muted"),
            (model, badge),
            " ",
            (fmt, fmt_badge),
        )
    room = width - len(mark) - len(when) - 1
    first = _fit(title, room)
    gap = " " * max(1, width - len(mark) - cell_len(first) - len(when))
    meta = _pad(f"    {count} · {tokens} ", 24)  # the badges line up from row to row
    rest = width - len(meta) - len(model) - len(fmt) - 1
    if rest < 0:  # too narrow for the badges: the counts alone
        return Content.assemble(
            (mark + first, title_style), gap, (when, "$text-muted"), "\n",
            (_fit(meta, width), "$text-muted"),
        )  # fmt: skip
    return Content.assemble(
        (mark + first, title_style),
        gap,
        (when, "$text-muted"),
        "\n",
        (meta, "$text-muted"),
        (model, badge),
        " ",
        (fmt, fmt_badge),
    )


class SessionList(Vertical):
    DEFAULT_CSS = """
    SessionList {
        display: none;
        width: 75%;
        min-width: 72;
        max-width: 130;
        border-right: vkey $tool-border;
    }
    SessionList.-open { display: block; }
    SessionList.-full { width: 1fr; min-width: 0; max-width: 100%; border-right: none; }
    SessionList #sessions-title { padding: 0 1; color: $text; text-style: bold; }
    SessionList OptionList { height: 1fr; }
    SessionList OptionList > .option-list--option { padding: 0 1; }
    """

    BINDINGS = [
        Binding("n", "new", "New", id="sessions.new"),
        Binding("r", "rename", "Rename", id="sessions.rename"),
        Binding("d,delete", "delete", "Delete", id="sessions.delete"),
    ]

    class Chosen(Message):
        """The user decided on a session: open, new (session_id None), rename (to `title`,
        asked already) or delete (confirmed already)."""

        def __init__(self, action: str, session_id: str | None, title: str = "") -> None:
            super().__init__()
            self.action = action
            self.session_id = session_id
            self.title = title

    def __init__(
        self,
        now: Callable[[], float] = time.time,
        deletable: Callable[[str], str | None] = lambda session_id: None,
    ) -> None:
        super().__init__()
        self.sessions: list[SessionSummary] = []
        self.current = ""
        self.now = now  # relative dates are counted from this clock
        self.deletable = deletable  # why a session cannot be deleted now, if it cannot
        self._width = 0

    def compose(self) -> ComposeResult:
        yield Static(
            Content("Sessions · Enter open · n new · r rename · d delete"), id="sessions-title"
        )
        yield OptionList(id="session-options")

    @property
    def options(self) -> OptionList:
        return self.query_one("#session-options", OptionList)

    @property
    def label_width(self) -> int:
        """Cells a label may take: the list's width less its padding and scrollbar."""
        region = self.options.scrollable_content_region.width
        if not region:  # not laid out yet (just opened): its width as the CSS will make it
            screen = self.app.size.width
            if self.has_class("-full"):
                region = screen - 4  # the options' border and padding
            else:  # and the list's own border on the right
                region = min(max(screen * 3 // 4, 72), 130, screen) - 5
        return max(20, region - 2)  # the option's padding

    def show(self, sessions: list[SessionSummary], current: str) -> None:
        """Refill the list; the highlight stays on the same session (else the open one)."""
        keep = self._highlighted()
        self.sessions, self.current = sessions, current
        options = self.options
        self._width = width = self.label_width
        now, wide = self.now(), self.app.size.width >= WIDE
        options.clear_options()
        options.add_options(
            Option(session_label(s, s.id == current, width, now, wide), id=s.id) for s in sessions
        )
        ids = [s.id for s in sessions]
        target = keep if keep in ids else current
        if target in ids:
            options.highlighted = ids.index(target)

    def on_resize(self, event: Resize) -> None:
        """Lay the labels out again for the new width (one line or two)."""
        if self.sessions and self.label_width != self._width:
            self.show(self.sessions, self.current)

    def _highlighted(self) -> str | None:
        summary = self._highlighted_summary()
        return summary.id if summary is not None else None

    def _highlighted_summary(self) -> SessionSummary | None:
        index = self.options.highlighted
        if index is None or index >= len(self.sessions):
            return None
        return self.sessions[index]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Chosen("open", event.option.id))

    def action_new(self) -> None:
        self.post_message(self.Chosen("new", None))

    def action_rename(self) -> None:
        from mimo_tui.ui.widgets.dialogs import TextPrompt

        if (summary := self._highlighted_summary()) is None:
            return

        def renamed(title: str | None) -> None:
            if title and title.strip():
                self.post_message(self.Chosen("rename", summary.id, title))

        self.app.push_screen(TextPrompt("Rename session", summary.title), renamed)

    def action_delete(self) -> None:
        from mimo_tui.ui.widgets.dialogs import Confirm

        if (summary := self._highlighted_summary()) is None:
            return
        if (problem := self.deletable(summary.id)) is not None:
            self.notify(problem, markup=False)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.post_message(self.Chosen("delete", summary.id))

        title = one_line(summary.title) or "New chat"
        question = f"Delete '{title}' ({summary.message_count} messages)? This cannot be undone."
        self.app.push_screen(Confirm(question), confirmed)

    def on_key(self, event: Key) -> None:
        """Rename and delete open their dialog here, as the key arrives, not when it has
        bubbled up to the app's bindings: by then the keys typed after it in the same burst
        had reached the list as well, and acted on it (the `d` of a new title opened a
        delete question; its `y` could answer one before it was on screen).

        A key that reaches the list while a dialog is over it was typed in such a burst: it
        acts on nothing here. A rename box takes it as part of the title; a question does
        not (it was typed before the question could be read)."""
        top = self.app.screen
        if top is not self.screen:
            event.stop()
            event.prevent_default()
            type_ahead = getattr(top, "type_ahead", None)
            if type_ahead is not None:
                type_ahead(event)
            return
        active = self.screen.active_bindings.get(event.key)
        if active and active.node is self and active.binding.action in DIALOG_ACTIONS:
            event.stop()
            event.prevent_default()
            getattr(self, f"action_{active.binding.action}")()
