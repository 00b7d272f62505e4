"""Edit a long prompt in the user's own editor: `$VISUAL`, else `$EDITOR`, on a temp file.

Used by `mimo-tui ask -e` and, through ui/editor.py (which suspends the app while the
editor has the terminal), by the chat's message box. The file is private (mode 0600, a
prompt can hold anything), ends in `.md` so editors highlight it, and is removed after.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping


class EditorError(Exception):
    """The editor could not be run, or did not exit cleanly (the text is then unchanged)."""


def editor_argv(env: Mapping[str, str] | None = None) -> list[str] | None:
    """The editor's command line from $VISUAL or $EDITOR (they may carry flags: `code -w`),
    or None when neither is set."""
    env = os.environ if env is None else env
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            try:
                argv = shlex.split(value)
            except ValueError as exc:
                raise EditorError(f"${name} cannot be read as a command: {exc}") from exc
            if argv:
                return argv
    return None


def edit_text(text: str, argv: list[str]) -> str:
    """Open `text` in the editor `argv` and return what the file holds when it exits.

    Editors end a file with a newline; trailing newlines are dropped (a prompt has no use
    for them). Raises EditorError if the editor is missing or exits with a failure.
    """
    fd, name = tempfile.mkstemp(prefix="mimo-prompt-", suffix=".md")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            result = subprocess.run([*argv, name], check=False)
        except OSError as exc:
            raise EditorError(f"could not run {argv[0]}: {exc.strerror or exc}") from exc
        if result.returncode != 0:
            raise EditorError(f"{argv[0]} exited with status {result.returncode}")
        with open(name, encoding="utf-8", errors="replace") as handle:
            return handle.read().rstrip("\n")
    finally:
        os.unlink(name)
