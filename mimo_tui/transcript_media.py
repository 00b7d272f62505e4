"""Attachments in transcripts: JSON carries their bytes (base64, once per sha256) and imports
them back; HTML shows images inline as data URLs (the page stays one self-contained file);
Markdown links to copies written beside the .md, in `<name>.files/`.

The copies' names are predictable by whoever sent the file (`<sha prefix>-<name>`), so that
folder is written without ever following a link: unlike the .md itself (the user's own path,
written through a symlink on purpose by atomic_file), a link planted there would have the
picture's bytes overwrite whatever it points to.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import hashlib
import html
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from mimo_tui.attachments import LIMITS, describe
from mimo_tui.blobs import BlobStore
from mimo_tui.model import Attachment, Message
from mimo_tui.text import one_line, visible


class MediaError(ValueError):
    """An imported file's attachments are not usable; the message says which and why."""


def as_dict(a: Attachment) -> dict[str, Any]:
    return a._asdict()


def from_dict(raw: Any, where: str) -> Attachment:
    if not isinstance(raw, dict):
        raise MediaError(f"{where}: an attachment must be an object")
    try:
        a = Attachment(**raw)
    except TypeError as exc:
        raise MediaError(f"{where}: {exc}") from exc
    if a.kind not in LIMITS or not isinstance(a.size, int) or not isinstance(a.name, str):
        raise MediaError(f"{where}: not an attachment this version knows")
    if a.sha256 and (len(a.sha256) != 64 or any(c not in "0123456789abcdef" for c in a.sha256)):
        raise MediaError(f"{where}: sha256 must be 64 lowercase hex digits")
    if not a.sha256 and not a.url.startswith(("http://", "https://")):
        raise MediaError(f"{where}: an attachment needs a sha256 or an http(s) url")
    return a


def blob_table(blobs: BlobStore, messages: list[Message]) -> dict[str, str]:
    """sha256 → base64 of every stored attachment of these messages (each once)."""
    table: dict[str, str] = {}
    for msg in messages:
        for a in msg.attachments:
            if a.sha256 and a.sha256 not in table:
                try:
                    table[a.sha256] = base64.b64encode(blobs.get(a.sha256)).decode("ascii")
                except OSError:
                    continue  # missing: the import will say so for this attachment
    return table


def decode_table(raw: Any, origin: str) -> dict[str, bytes]:
    """The JSON `attachments` table checked: valid base64 whose sha256 is its key."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise MediaError(f"{origin}: `attachments` must be an object of sha256 → base64")
    out: dict[str, bytes] = {}
    for sha, text in raw.items():
        try:
            data = base64.b64decode(str(text), validate=True)
        except (binascii.Error, ValueError):
            raise MediaError(f"{origin}: attachments.{sha[:16]}: not valid base64") from None
        if hashlib.sha256(data).hexdigest() != sha:
            raise MediaError(
                f"{origin}: attachments.{sha[:16]}: the bytes do not match their sha256"
            )
        out[sha] = data
    return out


def check_present(
    messages: list[Message], table: dict[str, bytes], blobs: BlobStore, origin: str
) -> None:
    for i, msg in enumerate(messages):
        for a in msg.attachments:
            if a.sha256 and a.sha256 not in table and not blobs.exists(a.sha256):
                raise MediaError(
                    f"{origin}: message {i + 1}: attachment {visible(a.name)}: its bytes are "
                    "not in the file"
                )


def files_dir(md_path: Path) -> Path:
    return md_path.with_name(md_path.stem + ".files")


def file_name(a: Attachment) -> str:
    """`<sha prefix>-<name>`: distinct per content, no path separators."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in a.name)[:80] or "file"
    return f"{a.sha256[:12]}-{safe}"


def markdown_lines(msg: Message, folder: str, esc: Callable[[str], str]) -> list[str]:
    """Links to the attachments' copies (written by write_files), or to their URLs; `esc`
    escapes the link text as the transcript escapes every line (raw HTML never runs)."""
    out = []
    for a in msg.attachments:
        text = esc(describe(a)).replace("[", "\\[").replace("]", "\\]")
        target = a.url if a.url else f"{folder}/{file_name(a)}"
        link = quote(target, safe=":/?&=#%")
        out.append(f"{'!' if a.kind == 'image' else ''}[{text}]({link})")
    return [*out, ""] if out else []


def copied_files(messages: list[Message]) -> dict[str, Attachment]:
    """The stored attachments a Markdown export copies, by their file name (each once)."""
    return {file_name(a): a for m in messages for a in m.attachments if a.sha256}


class Skipped(NamedTuple):
    """An attachment a Markdown export linked but did not copy, and why (said to the user)."""

    name: str  # the attachment's own name, as sent: shown with one_line()
    reason: str


class FilesWritten(NamedTuple):
    written: int
    skipped: tuple[Skipped, ...]


class _Refused(OSError):
    """The `.files` folder is not one to write into (a link, not a folder, not ours)."""


def _open_folder(folder: Path) -> int:
    """A descriptor of `folder`, made owner-only if new. Refused if it is a symlink (it would
    send every copy elsewhere), not a folder, or another user's. The copies are then opened
    relative to this descriptor, so the folder cannot be swapped for a link meanwhile."""
    with contextlib.suppress(FileExistsError):  # checked below, whatever is there
        folder.mkdir(mode=0o700)
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if folder.is_symlink():
            raise _Refused(
                f"{folder.name} is a symbolic link; nothing is written through it"
            ) from None
        if exc.errno == errno.ENOTDIR:
            raise _Refused(f"{folder.name} is not a folder") from None
        raise
    if os.fstat(fd).st_uid != os.getuid():
        os.close(fd)
        raise _Refused(f"{folder.name} belongs to another user")
    return fd


def _write_copy(dir_fd: int, name: str, data: bytes, shown: str) -> str | None:
    """Write `data` as `name` in the folder (`shown` to the user as `chat.files/name`), or
    say why not. Never through a link: what is there must be a regular file, and it is
    replaced by renaming a new one over it (made with O_EXCL, O_NOFOLLOW), so neither a
    symlink nor a hard link to someone else's file is written through."""
    try:
        found = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        found = None
    if found is not None and stat.S_ISLNK(found.st_mode):
        return f"{shown} is a symbolic link; nothing is written through it"
    if found is not None and not stat.S_ISREG(found.st_mode):
        return f"{shown} is there and is not a file"
    tmp = f".{name}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(tmp, flags, 0o600, dir_fd=dir_fd)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dir_fd)
            raise
    except OSError as exc:  # a full disk, a read-only folder: this copy only
        return f"{shown}: {exc.strerror or exc}"
    return None


def write_files(blobs: BlobStore, messages: list[Message], md_path: Path) -> FilesWritten:
    """Copy every stored attachment beside the .md (owner-only), never through a link.
    What could not be copied is returned with the reason; the export itself stands."""
    wanted = copied_files(messages)
    if not wanted:
        return FilesWritten(0, ())
    folder = files_dir(md_path)
    try:
        dir_fd = _open_folder(folder)
    except OSError as exc:
        reason = str(exc) if isinstance(exc, _Refused) else f"{folder.name}: {exc.strerror}"
        return FilesWritten(0, tuple(Skipped(a.name, reason) for a in wanted.values()))
    count, skipped = 0, []
    try:
        for name, a in wanted.items():
            try:
                data = blobs.get(a.sha256)
            except OSError:
                skipped.append(Skipped(a.name, "its bytes are not in the store"))
                continue
            problem = _write_copy(dir_fd, name, data, f"{folder.name}/{name}")
            if problem is None:
                count += 1
            else:
                skipped.append(Skipped(a.name, problem))
    finally:
        os.close(dir_fd)
    return FilesWritten(count, tuple(skipped))


def skipped_lines(skipped: tuple[Skipped, ...]) -> list[str]:
    """One line per attachment not copied, for stderr or a notification."""
    return [f"attachment {one_line(s.name)} not written: {one_line(s.reason)}" for s in skipped]


def html_parts(blobs: BlobStore, msg: Message) -> str:
    """Images inline (data URLs), other files as their description."""
    out = []
    for a in msg.attachments:
        caption = html.escape(visible(describe(a)))
        data = None
        if a.kind == "image" and a.sha256:
            try:
                data = blobs.get(a.sha256)
            except OSError:
                data = None
        if data is not None:
            src = f"data:{html.escape(a.mime)};base64,{base64.b64encode(data).decode('ascii')}"
            out.append(
                f"<figure><img src='{src}' alt='{caption}'>"
                f"<figcaption>{caption}</figcaption></figure>"
            )
        else:
            out.append(f"<p class=meta>◆ {caption}</p>")
    return "".join(out)
