"""The attachment preview's picture drawn with the terminal's own graphics (kitty, sixel,
iTerm2), through the optional `textual-image` extra (`pip install 'mimo-tui[images]'`).

Why it looks like this:
- The protocol is chosen from the environment only (TERM, TERM_PROGRAM, KITTY_WINDOW_ID, ...,
  or `MIMO_TUI_IMAGES=auto|kitty|sixel|iterm|blocks`). Asking the terminal (a DA1 or
  `CSI 16 t` query) is what textual-image does on import, and while Textual runs its input
  thread would swallow the answer or the query would wait on stdin: never done here.
- tmux and screen get block characters unless told otherwise: graphics need passthrough
  configured there, and a picture that silently fails is worse than a coarse one.
- iTerm2 draws sixel (since 3.3), and textual-image has no iTerm2 inline-image widget: the
  `iterm` choice uses its sixel widget.
- textual-image and Pillow load only when a preview with a picture opens (never at start-up),
  behind the two private hooks `load()` documents; tests/test_inline_image.py holds the
  contract that fails if a new textual-image changes them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.widget import Widget

ENV = "MIMO_TUI_IMAGES"
CHOICES = ("auto", "kitty", "sixel", "iterm", "blocks")
_SIXEL_TERMS = ("foot", "foot-extra", "mlterm", "contour", "yaft-256color", "xterm-sixel")


def choose(env: Mapping[str, str]) -> str:
    """'kitty', 'sixel', 'iterm' or 'blocks' for a terminal with this environment."""
    wanted = env.get(ENV, "auto").strip().lower()
    if wanted in CHOICES[1:]:
        return wanted
    term, program = env.get("TERM", ""), env.get("TERM_PROGRAM", "")
    if env.get("TMUX") or term.startswith(("screen", "tmux")):
        return "blocks"
    if env.get("KITTY_WINDOW_ID") or term == "xterm-kitty" or program == "ghostty":
        return "kitty"
    if program == "iTerm.app" or env.get("LC_TERMINAL") == "iTerm2":
        return "iterm"
    if (
        program == "WezTerm"
        or env.get("KONSOLE_VERSION")
        or env.get("WT_SESSION")  # Windows Terminal draws sixel since 1.22
        or term in _SIXEL_TERMS
    ):
        return "sixel"
    return "blocks"


class _NotATerminal:
    """Stands in for sys.__stdout__ while textual-image imports: isatty() is False, so its
    import-time detection picks a plain renderable instead of querying the terminal."""

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def cell_pixels() -> tuple[int, int]:
    """A terminal cell's size in pixels from the window size ioctl (no bytes sent), else
    textual-serve's TEXTUAL_CELL_WIDTH/HEIGHT, else the VT340's 10×20."""
    try:
        import fcntl
        import struct
        import termios

        fd = sys.__stdout__.fileno() if sys.__stdout__ else -1
        rows, cols, xpix, ypix = struct.unpack(
            "HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8)
        )
        if rows and cols and xpix and ypix:
            return xpix // cols, ypix // rows
    except (ImportError, OSError, ValueError):
        pass
    w, h = os.environ.get("TEXTUAL_CELL_WIDTH", ""), os.environ.get("TEXTUAL_CELL_HEIGHT", "")
    return (int(w), int(h)) if w.isdigit() and h.isdigit() else (10, 20)


def load() -> ModuleType | None:
    """`textual_image.widget`, imported without touching the terminal; None without the extra.

    The two private hooks (checked by the contract test):
    - `textual_image._terminal.get_cell_size` caches its answer in its `_result` attribute;
      seeding it first means the widget module's import-time call asks no `CSI 16 t`.
    - `textual_image.renderable` picks its protocol on import by querying the terminal when
      `sys.__stdout__.isatty()`; during the import sys.__stdout__ is a non-terminal.
    """
    if "textual_image.widget" in sys.modules:
        return sys.modules["textual_image.widget"]
    try:
        from textual_image import _terminal
    except ImportError:
        return None
    if not hasattr(_terminal.get_cell_size, "_result"):
        _terminal.get_cell_size._result = _terminal.CellSize(*cell_pixels())  # type: ignore[attr-defined]
    saved = sys.__stdout__
    sys.__stdout__ = _NotATerminal()  # type: ignore[misc,assignment]
    try:
        import textual_image.widget as widget
    except ImportError:  # Pillow missing or broken
        return None
    finally:
        sys.__stdout__ = saved  # type: ignore[misc]
    return widget


def picture(data: bytes, protocol: str) -> Widget | None:
    """The widget drawing `data` with `protocol` ('kitty', 'sixel', 'iterm'), or None when the
    extra is missing or the image cannot be decoded (the caller falls back to blocks)."""
    if protocol not in ("kitty", "sixel", "iterm"):
        return None
    widget = load()
    if widget is None:
        return None
    import io

    try:
        from PIL import Image as PILImage

        image: Any = PILImage.open(io.BytesIO(data))
        image.load()
    except Exception:  # Pillow raises many kinds for a bad or unsupported file
        return None
    kind = widget.TGPImage if protocol == "kitty" else widget.SixelImage
    drawn: Widget = kind(image, id="preview-inline")
    return drawn
