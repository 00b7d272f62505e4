"""A reply's web search sources: the foldable, numbered **Sources** panel under the answer,
the `[n]` citation markers styled as references to it, and the picker that opens one.

Self-contained so any reply widget can draw it: `SourcesPanel.lines()` returns the panel
as lines (the reply appends them), `mark_citations()` restyles the answer's markers, and
`SourcePicker` lists the sources; Enter on one shows its URL and asks before opening it
(http and https only). Every title, site and URL is untrusted text: one line, made
visible (web_search.sources_of), drawn as Rich Text, never markup.
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mimo_tui.ui.safe import safe_text
from mimo_tui.ui.widgets.lines import Line, render_strips
from mimo_tui.web_search import Source, safe_url, sources_of

_MARKER = re.compile(r"\[(\d{1,3})\]")


class SourcesPanel:
    """The Sources panel of one reply: its sources, whether it is open, its lines."""

    def __init__(self, raw: list[dict] | None, open_: bool = True) -> None:
        self.sources: list[Source] = sources_of(raw)
        self.open = open_

    def __bool__(self) -> bool:
        return bool(self.sources)

    def header(self) -> str:
        arrow = "▼" if self.open else "▶"
        count = len(self.sources)
        return f"{arrow} Sources · {count} · s folds · o opens one"

    def lines(self, console: Console, width: int, style: Style, accent: Style) -> list[Line]:
        """The panel: a header line, and when open one line per source."""
        if not self.sources:
            return []
        out = render_strips(console, Text(self.header(), style=accent), width, style)
        if self.open:
            for s in self.sources:
                row = Text(f"  [{s.number}] ", style=accent)
                row.append(s.title or "(untitled)", style=Style(bold=True))
                if s.site:
                    row.append(f" · {s.site}", style=Style(dim=True))
                if s.url:
                    row.append(f"  {s.url}", style=Style(dim=True, underline=s.openable))
                row.no_wrap, row.overflow = True, "ellipsis"
                out += render_strips(console, row, width, style)[:1]
        return out


def mark_citations(lines: list[Line], count: int, style: Style) -> list[Line]:
    """The answer's `[n]` markers (1 <= n <= count) drawn in the reference style."""
    if count <= 0:
        return lines
    out: list[Line] = []
    for line in lines:
        if not any("[" in seg.text for seg in line):
            out.append(line)
            continue
        new: list[Segment] = []
        for seg in line:
            text, at = seg.text, 0
            for match in _MARKER.finditer(text):
                if not 1 <= int(match.group(1)) <= count or seg.control:
                    continue
                if match.start() > at:
                    new.append(Segment(text[at : match.start()], seg.style))
                new.append(Segment(match.group(0), (seg.style or Style()) + style))
                at = match.end()
            if at == 0:
                new.append(seg)
            elif at < len(text):
                new.append(Segment(text[at:], seg.style))
        out.append(new)
    return out


class SourcePicker(ModalScreen[str | None]):
    """The numbered sources of a reply; Enter on one shows its URL and asks to open it.
    Dismisses with the URL to open, or None."""

    DEFAULT_CSS = """
    SourcePicker { align: center middle; }
    SourcePicker > Vertical { width: 90%; max-width: 110; height: auto; max-height: 80%;
        border: round $primary; background: $surface; padding: 0 1; }
    SourcePicker OptionList { height: auto; max-height: 20; }
    SourcePicker .hint { color: $text-muted; }
    SourcePicker #url { margin: 1 0 0 0; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="sources.close"),
        Binding("y", "open_chosen", "Open", id="sources.open", show=False),
    ]

    def __init__(self, sources: list[Source], start: int | None = None) -> None:
        super().__init__()
        self.sources = sources
        self.start = start  # a source clicked in the panel: shown at once
        self.chosen: Source | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Sources"))
            options = []
            for s in self.sources:
                label = safe_text(
                    f"[{s.number}] {s.title or '(untitled)'} · {s.site}", single_line=True
                )
                options.append(Option(label, id=f"source-{s.number}"))
            yield OptionList(*options)
            yield Static("", id="url", markup=False)
            yield Static(
                Content("Enter: show the URL · y: open it · Escape: close"), classes="hint"
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        if self.start is not None and 0 <= self.start < len(self.sources):
            options.highlighted = self.start
            self.show(self.sources[self.start])

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.show(self.sources[event.option_index])

    def show(self, source: Source) -> None:
        """Say the source's full URL, and whether it can be opened; `y` then opens it."""
        self.chosen = source
        url = safe_url(source.url)
        text = (
            f"{url}\nOpen it in your browser? y: open · Escape: close"
            if url
            else f"{source.url or '(no URL)'}\nNot an http(s) URL: it is not opened."
        )
        self.query_one("#url", Static).update(safe_text(text))

    def action_open_chosen(self) -> None:
        if self.chosen is not None and safe_url(self.chosen.url):
            self.dismiss(self.chosen.url)

    def action_close(self) -> None:
        self.dismiss(None)
