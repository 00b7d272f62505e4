"""The key bar: the bindings that work where the focus is, drawn by one widget in one line.

Textual's Footer mounts a widget per key and recomposes all of them whenever the bindings
change (each focus move, each turn that starts or ends), after the refresh that announced the
change. So the app's first frame showed no keys and the input's arrived two frames later
(~45 ms), and every recompose left watchers behind that kept the old keys alive. This footer
reads `screen.active_bindings` when it paints: a change of bindings is a repaint of one line,
and the first frame has its keys. It looks like Textual's compact footer: the keys with their
descriptions from the left, the command palette's key on the right, disabled keys dimmed; a
key is clicked (or hovered) where it is drawn.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget

PALETTE_EDGE = "▏"


class FooterKey(NamedTuple):
    """One key as the footer shows it."""

    key: str  # what pressing it sends (Binding.key, first of its keys)
    display: str  # how it is written, e.g. ^j
    description: str
    enabled: bool
    tooltip: str

    @property
    def label(self) -> str:
        return f"{self.display} {self.description}" if self.description else self.display

    @property
    def width(self) -> int:
        """Columns the label takes on screen."""
        return cell_len(self.label)


class KeySpan(NamedTuple):
    """Where a key is drawn: columns start..end (exclusive) of the footer's line."""

    start: int
    end: int
    key: FooterKey
    palette: bool = False  # the command palette's key, drawn at the right after an edge


class Footer(Widget):
    DEFAULT_CSS = """
    Footer {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    Footer > .footer--item { background: $footer-item-background; }
    Footer > .footer--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    Footer > .footer--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    Footer > .footer--hover {
        color: $footer-key-foreground;
        background: $block-hover-background;
    }
    Footer > .footer--edge { color: $foreground 20%; }
    """
    COMPONENT_CLASSES = {
        "footer--item",
        "footer--key",
        "footer--description",
        "footer--hover",
        "footer--edge",
    }
    ALLOW_SELECT = False

    hover_column: reactive[int | None] = reactive(None)

    def __init__(self) -> None:
        super().__init__()
        self.spans: list[KeySpan] = []  # as last drawn, for the mouse

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        self.refresh()

    # ---- what is shown -----------------------------------------------------------------------

    def _key(self, binding: Binding, enabled: bool, tooltip: str, node: object = None) -> FooterKey:
        # A node whose key does different things as things stand names the one it does now.
        describe = getattr(node, "describe_binding", None)
        description = describe(binding.action) if callable(describe) else None
        return FooterKey(
            binding.key.split(",")[0].strip(),
            self.app.get_key_display(binding),
            description or binding.description,
            enabled,
            tooltip or binding.tooltip,
        )

    def keys(self) -> tuple[list[FooterKey], FooterKey | None]:
        """The keys to show, in binding order (one per action), and the palette's key."""
        active = self.screen.active_bindings
        shown: dict[str, FooterKey] = {}
        for node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in shown:
                shown[binding.action] = self._key(binding, enabled, tooltip, node)
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = self._key(binding, enabled, tooltip)
        return list(shown.values()), palette

    def layout_keys(self, width: int) -> list[KeySpan]:
        """Each key's columns in a line `width` wide: keys one column apart from the left, the
        palette's key at the right; keys that would not fit whole are left out (F1 lists
        every binding)."""
        keys, palette = self.keys()
        right = width
        spans: list[KeySpan] = []
        if palette is not None:
            right = width - palette.width - 2  # its edge before, a column after
            if right >= 0:
                spans.append(KeySpan(right + 1, width - 1, palette, palette=True))
        column = 0
        for key in keys:
            end = column + key.width
            if end > right:
                break
            spans.append(KeySpan(column, end, key))
            column = end + 1
        return sorted(spans, key=lambda span: span.start)

    # ---- drawing -----------------------------------------------------------------------------

    def render(self) -> Text:
        width = self.size.width
        self.spans = self.layout_keys(width)
        # Partial styles: what each part sets itself, over the footer's (or hover's)
        # background; the edge's translucent colour is blended with the footer's.
        styles = {
            name: self.get_component_rich_style(f"footer--{name}", partial=True)
            for name in ("item", "key", "description", "hover")
        }
        styles["edge"] = self.get_component_rich_style("footer--edge")
        line = Text(no_wrap=True, overflow="crop", end="")
        column = 0
        for span in self.spans:
            if span.palette:
                line.append(" " * (span.start - 1 - column))
                line.append(PALETTE_EDGE, styles["edge"])
            else:
                line.append(" " * (span.start - column))
            line.append_text(self._draw_key(span, styles))
            column = span.end
        line.append(" " * max(0, width - column))
        return line

    def _draw_key(self, span: KeySpan, styles: dict[str, Style]) -> Text:
        key = span.key
        hovered = self.hover_column is not None and span.start <= self.hover_column < span.end
        base = styles["item"] + (styles["hover"] if hovered else Style())
        if not key.enabled:
            base += Style(dim=True)
        text = Text(style=base, end="")
        text.append(key.display, styles["key"])
        if key.description:
            text.append(" " + key.description, styles["description"])
        return text

    # ---- the mouse ---------------------------------------------------------------------------

    def span_at(self, column: int) -> KeySpan | None:
        return next((s for s in self.spans if s.start <= column < s.end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hover_column = event.x
        span = self.span_at(event.x)
        self.tooltip = span.key.tooltip if span is not None and span.key.tooltip else None

    def on_leave(self, event: events.Leave) -> None:
        self.hover_column = None
        self.tooltip = None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        span = self.span_at(event.x)
        if span is None:
            return
        if span.key.enabled:
            self.app.simulate_key(span.key.key)
        else:
            self.app.bell()
