"""Writing a file whole or not at all.

Exports and config.toml are written to a temporary file in the same folder, flushed to
disk and renamed over the target: a crash or a full disk never leaves half a file. An
export is owner-only (it holds a conversation); config.toml keeps the permissions the
user gave it (one made private with chmod 600 stays private after mimo-tui edits it).

A symlink is written through: the file it points to is replaced (in that file's folder, so
the rename stays on one filesystem) and the link stays a link, as a config.toml linked from
a dotfiles repository must. A path that is not a regular file (a terminal, a pipe,
/dev/stdout, /dev/full) is written directly, as any Unix tool writes it: renaming over it
would replace the device with a file and write nothing where the user asked. Its errors
(ENOSPC, EPIPE) are raised like any other.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def is_stream(path: Path) -> bool:
    """True for a path that exists and is neither a regular file nor a folder (a terminal,
    a pipe, a device), followed through links: nothing can be written beside it."""
    try:
        mode = path.expanduser().stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def write_atomic(
    path: Path, text: str, mode: int | None = 0o600, newline: str | None = None
) -> None:
    """Replace `path` by `text` via a temp file and a rename: never a half-written file.
    `mode` None keeps the file's permissions (a new one is 0600). `newline=""` writes the
    line endings as they are in `text`. A symlink's target is replaced, the link kept; a
    device or a pipe is written directly (see the module docstring)."""
    path = path.expanduser()
    try:
        found: os.stat_result | None = path.stat()  # through links, to what is written
    except FileNotFoundError:  # a new file, or a link to one not made yet
        found = None
    if found is not None and not stat.S_ISREG(found.st_mode):
        # A folder fails here with "Is a directory", as it should.
        with open(path, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
            fh.flush()  # a full device's ENOSPC is raised, here or in close()
        return
    target = Path(os.path.realpath(path))  # a link's target: the file that is replaced
    if mode is None:
        mode = stat.S_IMODE(found.st_mode) if found is not None else 0o600
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
