"""The reasoning panel above a reply: streams live, then folds; a click or key opens it again."""

from __future__ import annotations

import bisect
import itertools
import time
from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.widgets import Collapsible

from mimo_tui.stream_buffer import StreamBuffer
from mimo_tui.text import visible
from mimo_tui.ui.widgets.lines import Line, LinesWidget

REFRESH_S = 0.05  # reasoning text is re-laid out at most this often while streaming


def _fits_simply(paragraph: str, width: int) -> bool:
    """Whether greedy wrapping by `rfind` (a C search per line) gives exactly Rich's lines:
    printable, single spaces, no leading space, no word that needs folding, and (beyond
    ASCII) every character one or two cells wide."""
    if not paragraph.isascii():
        if not _single_spaced(paragraph):
            return False
        sizes = {_WIDTHS[c] for c in set(paragraph)}
        if not sizes <= {1, 2}:
            return False
        return max(map(len, paragraph.split(" ")), default=0) * max(sizes) < width
    return (
        paragraph.isprintable()
        and not paragraph.startswith(" ")
        and "  " not in paragraph
        and max(map(len, paragraph.split(" ")), default=0) < width
    )


def _simple_lines(paragraph: str, base: int, width: int) -> list[tuple[int, str]]:
    """Each line the longest run of whole words within `width` cells (a character is at
    least one cell, so the run is found within `width` characters, then shortened)."""
    cells = _cells
    lines: list[tuple[int, str]] = []
    pos, n = 0, len(paragraph)
    while n - pos > width or cells(paragraph[pos:]) > width:
        cut = paragraph.rfind(" ", pos, pos + width + 1)  # never <= pos: no word folds
        used = cells(paragraph[pos:cut])
        while used > width:
            cut = paragraph.rfind(" ", pos, cut)
            used = cells(paragraph[pos:cut])
        # The space after the last word stays on its line when it fits, as in Rich.
        lines.append((base + pos, paragraph[pos : cut + 1 if used < width else cut]))
        pos = cut + 1
    if pos < n or not lines:  # (a trailing space hangs at the end of its line)
        lines.append((base + pos, paragraph[pos:]))
    return lines


def _single_spaced(paragraph: str) -> bool:
    """Printable text whose only whitespace is single spaces, not leading: words can then
    be taken by `split(" ")` and wrapped as Rich does, without its regex per word."""
    return (
        paragraph.isprintable()
        and not paragraph.startswith(" ")
        and "  " not in paragraph
        and "\ufe0f" not in paragraph  # (emoji presentation: Rich measures it specially)
    )


def _word_lines(
    paragraph: str, base: int, width: int, cell_len: Callable[[str], int]
) -> list[tuple[int, str]]:
    """Rich's divide_line for single-spaced text (see _single_spaced), a word at a time:
    a word that does not fit starts a line; one wider than the line is folded by cells."""
    cuts: list[int] = []
    offset = pos = 0
    words = paragraph.split(" ")
    last = len(words) - 1
    for i, word in enumerate(words):
        start, space = pos, i < last
        pos += len(word) + space
        if not word:  # after a trailing space
            continue
        cells = len(word) if word.isascii() else cell_len(word)
        if cells <= width - offset:
            offset += cells + space
        elif cells > width:  # folded: from a line of its own, piece by piece
            if start:
                cuts.append(start)
            column = 0
            for j, char in enumerate(word + " " * space):
                size = 1 if char.isascii() else cell_len(char)
                if column + size > width:
                    cuts.append(start + j)
                    column = 0
                column += size
            offset = column
        else:
            if offset and start:
                cuts.append(start)
            offset = cells + space
    return _cut(paragraph, base, width, cuts, cell_len)


def _cut(
    text: str, base: int, width: int, cuts: list[int], cell_len: Callable[[str], int]
) -> list[tuple[int, str]]:
    """The lines between `cuts`, trimmed as Text.wrap trims them (rstrip_end, truncate)."""
    lines = []
    for start, end in itertools.pairwise([0, *cuts, len(text)]):
        line = text[start:end]
        if len(line) > width:  # rstrip_end: whitespace beyond the width goes
            line = line[: max(len(line.rstrip()), width)]
        if not line.isascii() and cell_len(line) > width:
            from rich.cells import set_cell_size

            line = set_cell_size(line, width)
        lines.append((base + start, line))
    return lines


def _rich_lines(paragraph: str, base: int, width: int) -> list[tuple[int, str]]:
    """Rich's own word wrap (divide_line, then rstrip_end and truncate as Text.wrap does),
    on plain strings: CJK, tabs, runs of spaces and long words fold exactly as Rich does."""
    from rich._wrap import divide_line
    from rich.cells import cell_len

    if "\t" not in paragraph:
        return _cut(paragraph, base, width, divide_line(paragraph, width, fold=True), cell_len)
    text = _expand_tabs(paragraph, cell_len)  # offsets past a tab are not the text's:
    lines = _cut(text, base, width, divide_line(text, width, fold=True), cell_len)
    return [(base, line) for _, line in lines]  # the paragraph is wrapped again whole


def _expand_tabs(text: str, cell_len: Callable[[str], int], size: int = 8) -> str:
    """Tabs to spaces up to the next stop, counted in cells (as Rich's Text.expand_tabs)."""
    out: list[str] = []
    column = 0
    for part in text.split("\t")[:-1]:
        column += cell_len(part)
        spaces = size - column % size
        out += [part, " " * spaces]
        column += spaces
    out.append(text.rsplit("\t", 1)[-1])
    return "".join(out)


def wrap_plain(text: str, start: int, width: int) -> list[tuple[int, str]]:
    """(offset, line) for the wrapped lines of `text[start:]`, `start` being the start of a
    paragraph or of a wrapped line. Greedy wrapping never changes a line because of text
    after it, so a growing text is wrapped again only from the start of its last line.
    A trailing newline opens no line (yet)."""
    end = len(text) - 1 if text.endswith("\n") else len(text)
    if end <= 0:
        return []
    lines: list[tuple[int, str]] = []
    pos = start
    for paragraph in text[start:end].split("\n"):
        if not paragraph:
            lines.append((pos, ""))
        elif _fits_simply(paragraph, width):
            lines += _simple_lines(paragraph, pos, width)
        elif _single_spaced(paragraph):
            lines += _word_lines(paragraph, pos, width, _cell_len())
        else:
            lines += _rich_lines(paragraph, pos, width)
        pos += len(paragraph) + 1
    return lines


class WrappedLines:
    """Plain text wrapped to strips, kept between calls: more text is wrapped from the start
    of the last line only, so streaming 5 MB of reasoning wraps each character about once,
    and a stored reasoning is wrapped once per width (by rfind, not a Rich Text)."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._length = 0
        self._starts: list[int] = []
        self._lines: list[Line] = []

    def lines(
        self,
        text: str,
        width: int,
        style: Style,
        indent: tuple[Segment, ...] = (),
        pad: Style | None = None,
    ) -> list[Line]:
        """The lines of `text` at `width` cells in `style`, each after `indent` and padded
        to the width (in `pad`, by default `style`)."""
        key = (width, style, indent, pad)
        if key != self._key or len(text) < self._length:
            self._key, self._length, self._starts, self._lines = key, 0, [], []
        if len(text) == self._length:
            return self._lines
        keep = self._restart(text)
        start = self._starts[keep] if self._starts else 0
        del self._starts[keep:], self._lines[keep:]
        cell_len = _cell_len()
        pad_style = style if pad is None else pad
        for offset, line in wrap_plain(text, start, width):
            cells = cell_len(line)
            strip = [*indent, Segment(line, style)] if line else [*indent]
            if cells < width:
                strip.append(Segment(" " * (width - cells), pad_style))
            self._starts.append(offset)
            self._lines.append(strip)
        self._length = len(text)
        return self._lines

    def _restart(self, text: str) -> int:
        """The last line from which wrapping again gives the same lines as wrapping all:
        one starting a paragraph or a word; inside a word folded over several lines, the
        line before the last (a piece followed by more of the word folds the same way)."""
        starts = self._starts
        k = len(starts) - 1
        while k > 0:
            at = starts[k]
            before, first = text[at - 1], text[at : at + 1]
            word = bool(first) and not first.isspace()
            inside = text[starts[k - 1] : at]
            # (After a line of only spaces, as a paragraph's leading ones, Rich's state is not
            # that of a fresh line.)
            if before == "\n" or (before.isspace() and word and not inside.isspace()):
                break
            if word and not before.isspace() and not any(c.isspace() for c in inside):
                k -= 1
                break
            k -= 1
        if k > 0:  # tab stops count from the paragraph's start: wrap one with tabs whole
            head = text.rfind("\n", 0, starts[k]) + 1
            tail = text.find("\n", starts[k])
            if "\t" in text[head : tail if tail >= 0 else len(text)]:
                k = bisect.bisect_left(starts, head)
        return max(k, 0)


class _Widths(dict[str, int]):
    """Cells per character, looked up from Rich's table once per distinct character."""

    def __missing__(self, char: str) -> int:
        from rich.cells import get_character_cell_size

        size = self[char] = get_character_cell_size(char)
        return size


_WIDTHS = _Widths()


def _cells(text: str) -> int:
    """Rich's cell_len, by a dict lookup per character mapped in C: Rich's own sum over a
    generator (its lru cache misses on every new line) was half of wrapping 5 MB."""
    if text.isascii():
        return len(text)
    if "\ufe0f" in text or "\u200d" in text:  # emoji sequences: Rich's own rules
        from rich.cells import cell_len

        return cell_len(text)
    return sum(map(_WIDTHS.__getitem__, text))


def _cell_len() -> Callable[[str], int]:
    return _cells


class ReasoningText(LinesWidget):
    """The reasoning as plain text, wrapped incrementally.

    Reasoning can run to megabytes before the answer starts. Each refresh wraps only what
    arrived since the last one (from the start of the last line; see WrappedLines), and the
    text is kept as one string grown by what arrived, not joined again from its chunks.
    """

    def __init__(self, text: str = "") -> None:
        super().__init__(classes="reasoning-body")
        self.text = text
        self._wrapped = WrappedLines()

    def show(self, text: str) -> None:
        before = len(self._wrapped._lines)
        self.text = text
        self.redraw(before)

    def build_lines(self, width: int) -> list[Line]:
        return self._wrapped.lines(self.text, width, self.rich_style)


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
        self._shown = visible(text)  # the text so far, made visible, grown at each flush
        # Chunks since the last flush; redrawn every REFRESH_S however fast they come.
        self._pending = StreamBuffer(patience=REFRESH_S, firehose_s=0.0)
        self._body = ReasoningText(self._shown)
        self._flush_pending = False
        self._title_text = ""
        super().__init__(self._body, title="", collapsed=collapsed)
        self.set_title(title)

    @property
    def text(self) -> str:
        taken = self._pending.take(time.monotonic())
        if taken is not None:
            self._shown += visible(taken)
        return self._shown

    def set_title(self, title: str) -> None:
        """Set the title; the same title again is nothing (a title per chunk cost ~10 µs
        each, 10 s over a 5 MB reasoning, for a text that changes a few times a second)."""
        if title == self._title_text:
            return
        self._title_text = title
        # A str title would be parsed as markup: always pass Content.
        self.title = Content(title)  # type: ignore[assignment]

    def append(self, fragment: str) -> None:
        """Add streamed reasoning; the body is redrawn at most every REFRESH_S (chunks are
        made visible together then: per chunk, that was a second per 100,000 chunks)."""
        now = time.monotonic()
        self._pending.feed(fragment, now)
        due = self._pending.next_due(now)
        if not self._flush_pending and due is not None:
            self._flush_pending = True
            self.set_timer(max(due - now, 1e-3), self._flush)

    def _flush(self) -> None:
        self._flush_pending = False
        self._body.show(self.text)

    def finish(self) -> None:
        self._flush()
