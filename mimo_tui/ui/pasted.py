"""Is a paste a file dropped on the terminal? Terminals paste a dropped file as its path:
quoted or backslash-escaped (`'/a b.png'`, `/a\\ b.png`), as a `file://` URL, one per line or
several separated by spaces. Only a paste that is nothing but existing files that could be
attached (images, audio, video) counts: any other paste, `/etc/hosts` or `notes.txt`
included, is text and goes into the input as it is."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from mimo_tui.attachments import looks_attachable


def pasted_paths(text: str) -> list[str]:
    """The attachable files the pasted text names, or [] when it is anything else."""
    text = text.strip()
    if not text or len(text) > 8192:
        return []
    try:
        import shlex  # on paste, not at start-up

        words = shlex.split(text)
    except ValueError:
        return []
    paths: list[str] = []
    for word in words:
        if word.startswith("file://"):
            word = unquote(urlparse(word).path)
        path = Path(word).expanduser()
        if not path.is_absolute() and not word.startswith(("./", "../", "~")):
            return []  # a bare word is text, even when a file of that name exists
        if not path.is_file() or not looks_attachable(path):
            return []
        paths.append(str(path))
    return paths
