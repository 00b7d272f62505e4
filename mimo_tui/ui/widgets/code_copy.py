"""Copy any code block of a reply: `y` then its number (`y1`…`y9`), or a click on its label.

Each fenced block of a reply is numbered in its frame's label (markdown_render draws the
label with `CODE_META` in its style, so a click there says which block it is). Which text a
number names is decided here, from the reply's Markdown, by the same splitter the renderer
numbers with (text.split_code): the copy is the code exactly as the model wrote it.
"""

from __future__ import annotations

from typing import NamedTuple

from textual.binding import Binding
from textual.events import Key
from textual.widget import Widget

from mimo_tui.text import split_code

CODE_META = "code_block"  # Style meta key on a code block's label: the block's number


class CodeBlock(NamedTuple):
    number: int  # 1-based, as its label says
    language: str
    code: str


def numbered_code_blocks(markdown: str) -> list[CodeBlock]:
    """Every fenced code block of `markdown`, numbered from 1 in the order shown."""
    blocks = [(code, lang) for code, lang in split_code(markdown) if lang is not None]
    return [CodeBlock(n, lang, code) for n, (code, lang) in enumerate(blocks, 1)]


def copied_what(block: CodeBlock) -> str:
    """What was copied, for the toast: `code block 2 (bash): 58 bytes, 1 line`."""
    size = len(block.code.encode("utf-8"))
    lines = block.code.count("\n") + 1 if block.code else 0
    name = "" if block.language in ("", "text") else f" ({block.language})"
    plural = "" if lines == 1 else "s"
    return f"code block {block.number}{name}: {size} bytes, {lines} line{plural}"


COPY_CODE_BINDINGS = [
    Binding("y", "copy_code_prefix", "Copy code block (y1…y9)", id="stored.copy_code"),
]


class CodeCopy(Widget):
    """Mixed into a reply widget that has `answer_text` (list it after the widget base and
    put COPY_CODE_BINDINGS in its BINDINGS, as with Steppable)."""

    _code_prefix = False  # `y` was pressed: a digit names the block

    @property
    def code_source(self) -> str:
        return str(getattr(self, "answer_text", ""))

    def action_copy_code_prefix(self) -> None:
        blocks = numbered_code_blocks(self.code_source)
        if not blocks:
            self.notify("No code block in this reply.", markup=False, timeout=2)
            return
        self._code_prefix = True
        last = min(len(blocks), 9)
        which = "1" if last == 1 else f"1–{last}"
        self.notify(f"Copy which code block? Press {which}.", markup=False, timeout=2)

    def on_key(self, event: Key) -> None:
        if not self._code_prefix:
            # The prefix key is taken here, not left to the binding: a binding runs once the
            # key has bubbled up to the app, and by then a digit typed in the same burst
            # (y1 pasted, or typed fast) had already reached this widget and been dropped.
            active = self.screen.active_bindings.get(event.key)
            if active and active.node is self and active.binding.action == "copy_code_prefix":
                event.stop()
                event.prevent_default()
                self.action_copy_code_prefix()
            return
        self._code_prefix = False
        if event.character and event.character in "123456789":
            event.stop()
            event.prevent_default()
            self.copy_code_block(int(event.character))

    def copy_code_block(self, number: int) -> bool:
        """Copy block `number` to the clipboard and say what was copied."""
        blocks = numbered_code_blocks(self.code_source)
        if not 1 <= number <= len(blocks):
            self.notify(f"This reply has no code block {number}.", markup=False, timeout=2)
            return False
        block = blocks[number - 1]
        from mimo_tui.ui.clipboard import copy_and_notify

        copy_and_notify(self.app, block.code, copied_what(block))
        return True

    def copy_code_at(self, meta: dict[str, object]) -> bool:
        """A click on a cell: copy the code block whose label it is, if it is one."""
        number = meta.get(CODE_META)
        if isinstance(number, int):
            return self.copy_code_block(number)
        return False
