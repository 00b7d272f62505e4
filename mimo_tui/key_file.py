"""The API key's own file: what makes a key usable, reading it, writing it owner-only.

The key lives in the environment (`MIMO_API_KEY`) or in this file (mode 0600, folder
0700), and nowhere else; `mimo-tui key set` and the TUI's F5 write it here.
"""

from __future__ import annotations

import os
from pathlib import Path


class KeyFileError(Exception):
    """The key file exists but cannot be used (the message says why and what to do)."""


def key_problem(key: str) -> str | None:
    """Why `key` (already stripped) cannot be an API key, or None.

    A key with a line break or other control character cannot go into an HTTP header: the
    transport then failed with an error quoting the whole header, key included, which was
    shown, stored with the reply and exported. Such a key is refused before any use.
    """
    for char in key:
        if char in "\r\n":
            return "contains a line break"
        if char.isspace():
            return "contains a space or tab"
        if not char.isprintable():
            return f"contains a control character (U+{ord(char):04X})"
        if not char.isascii():
            return f"contains a non-ASCII character (U+{ord(char):04X})"
    return None


def read_key_file(path: Path) -> str | None:
    """The key in the key file (surrounding whitespace removed); ConfigError if unusable."""
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read the key file ({exc.strerror})") from exc
    except UnicodeDecodeError:
        raise KeyFileError(
            f"{path}: the key file is not text; the key was not used. "
            "Store it again with `mimo-tui key set`"
        ) from None
    problem = key_problem(key)
    if problem:
        raise KeyFileError(
            f"{path}: the API key {problem}; it was not used. The file must hold the key "
            "alone, on one line: store it again with `mimo-tui key set`"
        )
    return key or None


def write_key_file(path: Path, key: str) -> None:
    """Store the key owner-only (0600, folder 0700); created with that mode, never widened."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key.strip() + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
