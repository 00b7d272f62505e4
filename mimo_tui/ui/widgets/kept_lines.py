"""The lines of the newest replies, kept on disk from one run to the next.

`mimo-tui -c` reopens the session the user last had open, as a rule at the same width, and
its first frame is the newest replies. Rendering them means loading markdown-it, Rich's
Markdown and Pygments first (~25 ms of a ~250 ms start, measured) and then the Markdown
itself. So when the app quits, the lines of the newest replies it drew go to one small JSON
file beside the store, each under the key of what it depends on (the message and its text,
the width, theme and palette: stored_reply.ReplyKey), and the next run's replies take their
lines from it when the key matches. Anything else (no file, another version of mimo-tui or
of the renderer, a damaged or hostile file) means rendering as usual: the file is only ever
a shortcut, and what it holds is what the store already holds, drawn.

What is read back is not trusted: a segment's text must be one visible line already (the
sanitizer changes nothing in it), a link must be one that may be opened, a style must parse,
every line must be as wide as its key says; anything else drops the whole file.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

import rich as rich_package
from rich.errors import StyleSyntaxError
from rich.segment import Segment
from rich.style import Style

from mimo_tui import __version__
from mimo_tui.text import one_line
from mimo_tui.ui.widgets.code_copy import CODE_META
from mimo_tui.ui.widgets.lines import RENDERED, Line
from mimo_tui.ui.widgets.links import safe_link
from mimo_tui.ui.widgets.md_palette import MarkdownPalette

FORMAT = 1
# What the lines are drawn by besides the key: when one of these files changes (an upgrade,
# an edit in a checkout), lines kept by the old code are not used.
_RENDERERS = ("lines.py", "markdown_render.py", "md_elements.py", "stored_reply.py", "sources.py")
_RICH_RENDERERS = ("markdown.py", "syntax.py", "text.py")
MAX_BYTES = 2_000_000  # a screenful is tens of KB; a bigger file is not ours


class ReplyKey(NamedTuple):
    """Everything a finished reply's lines depend on: its lines are rendered once per key
    (lines.RENDERED), and kept from one run to the next under it."""

    message: int
    session: str | None
    status: str
    content: int  # CRC-32 of the text (stable across runs, unlike hash())
    reasoning: int
    error: str | None
    error_below: bool
    theme: str
    width: int
    style: Style
    palette: MarkdownPalette
    reasoning_open: bool
    version: tuple[int, int] | None
    sources_open: bool | None


class KeptLines:
    """The lines kept by the last run (read at the first reply that asks), and the writer
    of the file for the next one."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self._entries: dict[str, Any] | None = None  # key -> the entry as read, decoded on use
        self._styles: list[Style] = []

    def use(self, path: Path) -> None:
        """Read lines from (and keep them in) `path`; nothing is read until asked for."""
        self.path, self._entries, self._styles = path, None, []

    def take(self, key: Hashable, width: int) -> tuple[list[Line], int | None] | None:
        """The lines kept under `key` (`width` cells each) with their mark, or None."""
        if self._entries is None:
            self._entries = self._read()
        entry = self._entries.pop(repr(key), None)
        if entry is None:
            return None
        try:
            return self._decode(entry, width)
        except (TypeError, ValueError, IndexError, KeyError):
            self._entries = {}  # one bad entry: nothing from this file is trusted
            return None

    def save(self, entries: Iterable[tuple[Hashable, list[Line], int | None]]) -> None:
        """Write `entries` for the next run (replacing what was kept); a failure to write
        (a full disk, a read-only folder) only means the next start renders as usual."""
        if self.path is None:
            return
        styles: dict[Style, int] = {}
        replies = []
        for key, lines, mark in entries:
            encoded = [_encode(line, styles) for line in lines]
            if all(line is not None for line in encoded):
                replies.append({"key": repr(key), "mark": mark, "lines": encoded})
        table = [[str(style), style.meta.get(CODE_META)] for style in styles]
        data = {"format": FORMAT, "renderer": renderer_stamp(), "styles": table}
        data["replies"] = replies
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def _read(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            with open(self.path, "rb") as file:
                raw = file.read(MAX_BYTES + 1)
            data = json.loads(raw) if len(raw) <= MAX_BYTES else None
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                return {}
            if data.get("renderer") != renderer_stamp():
                return {}
            self._styles = [_style(spec) for spec in data["styles"]]
            return {entry["key"]: entry for entry in data["replies"]}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}

    def _decode(self, entry: dict[str, Any], width: int) -> tuple[list[Line], int | None]:
        mark = entry["mark"]
        if mark is not None and type(mark) is not int:
            raise ValueError("mark")
        lines: list[Line] = []
        for encoded in entry["lines"]:
            line = [
                Segment(_text(text), None if index == -1 else self._styles[index])
                for text, index in zip(encoded[::2], encoded[1::2], strict=True)
            ]
            if sum(segment.cell_length for segment in line) != width:
                raise ValueError("width")
            lines.append(line)
        return lines, mark


KEPT = KeptLines()


def _encode(line: Line, styles: dict[Style, int]) -> list[Any] | None:
    """A line as [text, style index (-1: no style), text, style index...]; None for a line
    that would not read back the same (a control segment, a style its text form misses)."""
    out: list[Any] = []
    for text, style, control in line:
        if control:
            return None
        if style is not None and style not in styles:
            try:
                same = _style([str(style), style.meta.get(CODE_META)]) == style
            except ValueError:  # e.g. a link that may not be opened: kept as text only
                same = False
            if not same:
                return None
            styles[style] = len(styles)
        out += (text, -1 if style is None else styles[style])
    return out


def _text(text: object) -> str:
    if not isinstance(text, str) or one_line(text) != text:
        raise ValueError("text")
    return text


def _style(spec: list[Any]) -> Style:
    definition, code_block = spec
    if not isinstance(definition, str) or one_line(definition) != definition:
        raise ValueError("style")
    try:
        style = Style.parse(definition)
    except StyleSyntaxError as exc:
        raise ValueError("style") from exc
    if style.link is not None and safe_link(style.link) != style.link:
        raise ValueError("link")
    if code_block is None:
        return style
    if type(code_block) is not int:
        raise ValueError("code block")
    return style + Style.from_meta({CODE_META: code_block})


def renderer_stamp() -> str:
    """This version of mimo-tui and its renderer's files, as they are on disk."""
    here, rich = Path(__file__).parent, Path(rich_package.__file__).parent
    files = [here / name for name in _RENDERERS] + [rich / name for name in _RICH_RENDERERS]
    try:
        times = [str(file.stat().st_mtime_ns) for file in files]
    except OSError:
        times = []
    return " ".join([__version__, *times])


def kept_for(key: ReplyKey) -> tuple[list[Line], int | None] | None:
    """The lines the last run kept for `key`, in colour if it drew them so: for a first
    frame drawn plain they are as good (the same cells), and are the lines after it."""
    coloured = key._replace(palette=key.palette.coloured())
    kept = KEPT.take(coloured, key.width)
    if kept is not None:
        RENDERED.put(coloured, *kept)
        return kept
    return KEPT.take(key, key.width) if key != coloured else None


def keep_newest_lines(session: str, rows: int) -> None:
    """Keep, for the next run, the lines of `session`'s newest replies drawn at the width
    last drawn at (in colour where they were drawn so), newest first, until they fill
    `rows` rows."""
    mine = [
        (key, entry)
        for key, entry in RENDERED.items()  # least recently used first
        if isinstance(key, ReplyKey) and key.session == session
    ]
    width = mine[-1][0].width if mine else 0  # the width last drawn at
    drawn: dict[int, tuple[ReplyKey, list[Line], int | None]] = {}
    for key, (lines, mark) in mine:
        if key.width == width and (key.message not in drawn or key.palette.highlight):
            drawn[key.message] = (key, lines, mark)
    kept = []
    for message in sorted(drawn, reverse=True):
        if rows <= 0:
            break
        kept.append(drawn[message])
        rows -= len(drawn[message][1])
    KEPT.save(kept)  # (none: what an earlier run kept goes, e.g. of a session deleted since)
