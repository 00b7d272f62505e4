"""Writing a file whole or not at all.

Exports and config.toml are written to a temporary file in the same folder, flushed to
disk and renamed over the target: a crash or a full disk never leaves half a file. An
export is owner-only (it holds a conversation); config.toml keeps the permissions the
user gave it (one made private with chmod 600 stays private after mimo-tui edits it).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_atomic(
    path: Path, text: str, mode: int | None = 0o600, newline: str | None = None
) -> None:
    """Replace `path` by `text` via a temp file and a rename: never a half-written file.
    `mode` None keeps the file's permissions (a new one is 0600). `newline=""` writes the
    line endings as they are in `text`."""
    path = path.expanduser()
    if mode is None:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            mode = 0o600
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
