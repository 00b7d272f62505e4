"""The lines of the newest replies, kept on disk from one run to the next.

`mimo-tui -c` reopens the session last updated, as a rule at the width of the last run,
and its first frame is the newest replies. Rendering them means loading markdown-it, Rich's
Markdown and Pygments first (~25 ms of a ~250 ms start, measured) and then the Markdown
itself. So when the app quits, the lines it drew of that session's newest replies go to one
small JSON file beside the store, each under the key of what it depends on (ReplyKey: the
message and its text, the width, theme and palette...), with the stamp of the code that drew
them and the context they were drawn in (the theme's variables, keys, models), and the next
run's replies take their lines from it when all of that matches. Anything else (no file,
other code, a damaged or hostile file) means rendering as usual: the file is only ever a
shortcut, and what it holds is what the store already holds, drawn.

What is read back is not trusted: a segment's text must be one visible line already (the
sanitizer changes nothing in it), a link must be one that may be opened, a style must parse,
every line must be at least as wide as its key says; anything else drops the whole file.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import os
import stat
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from rich.errors import StyleSyntaxError
from rich.segment import Segment
from rich.style import Style

from mimo_tui import __version__
from mimo_tui.catalogue import ModelInfo
from mimo_tui.text import one_line
from mimo_tui.ui.widgets.code_copy import CODE_META
from mimo_tui.ui.widgets.lines import RENDERED, Line
from mimo_tui.ui.widgets.links import safe_link
from mimo_tui.ui.widgets.md_palette import MarkdownPalette

FORMAT = 2
MAX_BYTES = 2_000_000  # a screenful is tens of KB; a bigger file is not ours
MAX_STYLES = 4_000  # a screenful has some tens
# Besides the key and the context, the lines depend on the code that draws them: ours
# (every module of these folders), these libraries and Python's (unicodedata). When one of
# their files changes (an upgrade, an edit in a checkout), lines kept by other code are not
# used.
_OURS = tuple(Path(__file__).parents[i] for i in range(3))  # widgets, ui, mimo_tui
_LIBRARIES = ("rich", "textual", "pygments", "markdown_it", "mdurl")
STALE_TEMP_S = 60.0  # a temporary file this old was left by a process that died writing


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
    of the file for the next one.

    `context` names what the lines depend on beyond their keys, the same for every reply
    (the theme's variables, the keys as bound, config.toml's models): lines kept in another
    context are not used."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.context: Callable[[], str] = lambda: ""
        self._entries: dict[str, Any] | None = None  # key -> the entry as read, decoded on use
        self._styles: list[Style] = []

    def use(self, path: Path | None, context: Callable[[], str]) -> None:
        """Read lines from (and keep them in) `path`; nothing is read until asked for."""
        self.path, self.context, self._entries, self._styles = path, context, None, []

    def take(self, key: Hashable, width: int) -> tuple[list[Line], int | None] | None:
        """The lines kept under `key` (at least `width` cells each: wide code scrolls) with
        their mark, or None."""
        if self._entries is None:
            self._entries = self._read()
        entry = self._entries.pop(repr(key), None)
        if entry is None:
            return None
        try:
            return self._decode(entry, width)
        except Exception:  # anything unexpected in a file that is not trusted: not used
            self._entries = {}  # one bad entry, and nothing from this file is
            return None

    def save(self, entries: Iterable[tuple[Hashable, list[Line], int | None]]) -> None:
        """Write `entries` for the next run (replacing what was kept); a failure to write
        (a full disk, a read-only folder) only means the next start renders as usual."""
        if self.path is None:
            return
        styles: dict[Style, int] = {}
        replies = []
        size = 0  # what the reader accepts bounds what is written (a huge reply is left out)
        for key, lines, mark in entries:
            encoded = [_encode(line, styles) for line in lines]
            if any(line is None for line in encoded):
                continue
            reply = {"key": repr(key), "mark": mark, "lines": encoded}
            reply_size = len(json.dumps(reply, ensure_ascii=False).encode())
            if size + reply_size <= MAX_BYTES // 2:
                replies.append(reply)
                size += reply_size
        data = {
            "format": FORMAT,
            "renderer": renderer_stamp(),
            "context": self.context(),
            "styles": [[str(style), style.meta.get(CODE_META)] for style in styles],
            "replies": replies,
        }
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _remove_stale_temps(folder)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX)  # 0600
        except OSError:
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def _read(self) -> dict[str, Any]:
        """The file's entries by key, or none at all: whatever is wrong with the file (not
        a regular file, too big, not JSON, nested a million deep, made by other code or in
        another context) is not reported, only not used."""
        if self.path is None:
            return {}
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block
            with os.fdopen(fd, "rb") as file:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    return {}
                raw = file.read(MAX_BYTES + 1)
            if len(raw) > MAX_BYTES:
                return {}
            data = json.loads(raw)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                return {}
            if data.get("renderer") != renderer_stamp() or data.get("context") != self.context():
                return {}
            if len(data["styles"]) > MAX_STYLES:
                return {}
            self._styles = [_style(spec) for spec in data["styles"]]
            return {entry["key"]: entry for entry in data["replies"]}
        except Exception:  # (RecursionError included)
            return {}

    def _decode(self, entry: dict[str, Any], width: int) -> tuple[list[Line], int | None]:
        styles = self._styles
        lines: list[Line] = []
        for encoded in entry["lines"]:
            line = [
                Segment(_text(text), None if index == -1 else styles[_index(index, styles)])
                for text, index in zip(encoded[::2], encoded[1::2], strict=True)
            ]
            if sum(segment.cell_length for segment in line) < width:
                raise ValueError("width")
            lines.append(line)
        mark = entry["mark"]
        if mark is not None and _index(mark, lines) != mark:
            raise ValueError("mark")
        return lines, mark


KEPT = KeptLines()
TEMP_PREFIX = ".kept-lines-"


def _remove_stale_temps(folder: Path) -> None:
    """Temporary files of a writer killed before its rename (a fresh one may be another
    window's, writing now)."""
    now = time.time()
    for entry in os.scandir(folder):
        if entry.name.startswith(TEMP_PREFIX) and now - entry.stat().st_mtime > STALE_TEMP_S:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


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


def _index(value: object, of: list[Any]) -> int:
    if type(value) is not int or not 0 <= value < len(of):
        raise ValueError("index")
    return value


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


@functools.cache
def renderer_stamp() -> str:
    """This version of mimo-tui, and when its modules and the libraries drawing with them
    last changed on disk: taken once per process, soon after it starts (the app asks for it
    after its first frame, a `-c` during it), so lines drawn by code that changed on disk
    while the app ran are written under the stamp of the code that drew them."""
    times = []
    try:
        for folder in _OURS:
            times.append(max(e.stat().st_mtime_ns for e in os.scandir(folder) if e.is_file()))
        for name in _LIBRARIES:
            spec = importlib.util.find_spec(name)
            times.append(os.stat(spec.origin).st_mtime_ns if spec and spec.origin else 0)
    except (OSError, ValueError):
        return ""  # never equal to a stamp written: nothing is used
    return " ".join([__version__, sys.version, *map(str, times)])


def drawing_context(
    theme_variables: dict[str, str], keymap: dict[str, str], models: dict[str, ModelInfo]
) -> str:
    """What replies' lines depend on besides their keys (see KeptLines), as a digest: the
    theme's variables (the reasoning, error and muted colours), the keys as bound (a reply's
    version hint names them) and config.toml's models (the prices in the meta line)."""
    infos = [  # (a frozenset's repr has no stable order)
        (name, sorted(info.inputs), info._replace(inputs=frozenset()))
        for name, info in models.items()
    ]
    described = repr((sorted(theme_variables.items()), sorted(keymap.items()), sorted(infos)))
    return f"{zlib.crc32(described.encode()):08x}"


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
    if kept:  # (else what an earlier run kept stays: it may be this session's still)
        KEPT.save(kept)
