"""What a file (or URL) given as an attachment is, and whether MiMo will take it.

The type comes from the file's first bytes (magic numbers), with the extension as a fallback
for audio and video containers the sniffer does not know; an image must *be* one of the
formats MiMo reads (jpg/jpeg/png/gif/webp/bmp), whatever its name says. Limits (wire brief
§17.1): images ≤ 10 MB, video ≤ 300 MB, audio ≤ 50 MB (no documented limit; a client-side cap).
Image dimensions are read from the headers (mimo_tui.media_info), so no imaging library is
needed. Every refusal is an AttachmentError whose message names the file and the limit.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from mimo_tui.catalogue import Catalogue
from mimo_tui.media_info import image_size
from mimo_tui.model import Attachment
from mimo_tui.text import one_line

Kind = Literal["image", "audio", "video"]
KINDS: tuple[Kind, ...] = ("image", "audio", "video")

MB = 1024 * 1024
LIMITS: dict[str, int] = {"image": 10 * MB, "audio": 50 * MB, "video": 300 * MB}
LIMIT_TEXT = {"image": "10 MB", "audio": "50 MB", "video": "300 MB"}

IMAGE_TYPES = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/bmp": (".bmp",),
}
AUDIO_TYPES = {
    "audio/wav": (".wav",),
    "audio/mpeg": (".mp3",),
    "audio/flac": (".flac",),
    "audio/ogg": (".ogg", ".oga", ".opus"),
    "audio/mp4": (".m4a",),
    "audio/aac": (".aac",),
}
VIDEO_TYPES = {
    "video/mp4": (".mp4", ".m4v"),
    "video/quicktime": (".mov",),
    "video/webm": (".webm",),
    "video/x-matroska": (".mkv",),
    "video/x-msvideo": (".avi",),
}
_BY_EXT = {
    ext: mime
    for table in (IMAGE_TYPES, AUDIO_TYPES, VIDEO_TYPES)
    for mime, exts in table.items()
    for ext in exts
}
_ALIASES = {"image/jpg": "image/jpeg", "audio/x-wav": "audio/wav", "audio/mp3": "audio/mpeg"}


class AttachmentError(ValueError):
    """The file cannot be attached; the message names it and says why, on one line (the
    name is the file's, whatever it holds: a newline in it is shown as ␊ by one_line)."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


def kind_of(mime: str) -> Kind | None:
    if mime in IMAGE_TYPES:
        return "image"
    if mime in AUDIO_TYPES:
        return "audio"
    if mime in VIDEO_TYPES:
        return "video"
    return None


def has_media_extension(name: str) -> bool:
    """Whether the name ends like an image, audio or video file (a cheap check, no read)."""
    return Path(name).suffix.lower() in _BY_EXT


def looks_attachable(path: Path | str) -> bool:
    """Whether a file could be attached: a media extension, or media bytes at its start
    (a screenshot saved without one). False when it cannot be read."""
    if has_media_extension(str(path)):
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(32)
    except OSError:
        return False
    sniffed = sniff(head)
    return sniffed is not None and kind_of(sniffed) is not None


def human_size(size: int) -> str:
    """1,536 → '1.5 KB' (binary units, as the limits are)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def sniff(head: bytes) -> str | None:
    """The MIME type the first bytes of a file say it is, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:2] == b"BM" and len(head) >= 26:
        return "image/bmp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF2):
        return "audio/mpeg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "audio/aac"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    return None


def _mime_for(name: str, head: bytes, given: str | None) -> str:
    """The type to send: what the bytes say, else the given type, else the extension."""
    given = _ALIASES.get(given or "", given)
    sniffed = sniff(head)
    ext_mime = _BY_EXT.get(Path(name).suffix.lower())
    claimed = given or ext_mime
    if sniffed and kind_of(sniffed):
        return sniffed
    if claimed and kind_of(claimed) == "image":
        raise AttachmentError(
            f"{name}: not an image MiMo can read (its bytes are not JPEG, PNG, GIF, WebP or BMP)"
        )
    if claimed and kind_of(claimed):
        return claimed
    if given:
        raise AttachmentError(
            f"{name}: {given} cannot be attached; images (jpg, png, gif, webp, bmp), "
            "audio and video can"
        )
    raise AttachmentError(
        f"{name}: unknown file type; images (jpg, png, gif, webp, bmp), audio "
        "(wav, mp3, flac, ogg, m4a) and video (mp4, mov, webm, mkv) can be attached"
    )


def check_size(name: str, kind: str, size: int) -> None:
    limit = LIMITS[kind]
    if size > limit:
        raise AttachmentError(
            f"{name}: {human_size(size)} is over the {LIMIT_TEXT[kind]} limit for {kind} "
            "attachments"
        )
    if size == 0:
        raise AttachmentError(f"{name}: the file is empty")


def from_bytes(data: bytes, name: str, mime: str | None = None) -> tuple[Attachment, bytes]:
    """An attachment of `data` (stdin, a paste) checked for type and size."""
    found = _mime_for(name, data[:64], mime)
    kind = kind_of(found)
    assert kind is not None
    check_size(name, kind, len(data))
    dims = image_size(data[:65536], found) if kind == "image" else None
    return (
        Attachment(
            name=name,
            mime=found,
            kind=kind,
            size=len(data),
            sha256=_sha256(data),
            width=dims[0] if dims else None,
            height=dims[1] if dims else None,
        ),
        data,
    )


def text_name(name: str) -> str:
    """A file name as text: bytes in it that are not UTF-8 (which Python keeps as lone
    surrogates, and no database, request or terminal takes) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def from_path(path: Path | str, mime: str | None = None) -> tuple[Attachment, bytes]:
    """An attachment of the file at `path`: too big is refused before it is read whole."""
    path = Path(path).expanduser()
    name = text_name(path.name)
    try:
        st = path.stat()
        if not path.is_file():
            raise AttachmentError(f"{name}: not a file")
        with path.open("rb") as fh:
            head = fh.read(64)
            found = _mime_for(name, head, mime)
            kind = kind_of(found)
            assert kind is not None
            check_size(name, kind, st.st_size)
            data = head + fh.read()
    except OSError as exc:  # named as given: which folder it was looked for in counts
        where = text_name(str(path))
        raise AttachmentError(f"{where}: cannot be read ({exc.strerror or exc})") from exc
    return from_bytes(data, name, found)


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://")) and len(text) > 8 and " " not in text


def from_url(url: str, mime: str | None = None) -> Attachment:
    """An attachment sent as the URL itself (MiMo fetches it); the type from its extension."""
    tail = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    name = tail.rsplit("/", 1)[-1] or url
    found = _ALIASES.get(mime or "", mime) or _BY_EXT.get(Path(name).suffix.lower()) or "image/jpeg"
    kind = kind_of(found)
    if kind is None:
        raise AttachmentError(f"{name}: {found} cannot be attached")
    return Attachment(name=name, mime=found, kind=kind, size=0, url=url)


def load(ref: str, mime: str | None = None) -> tuple[Attachment, bytes | None]:
    """A path or an http(s) URL, as the CLI's `-a` and the TUI's `@path` give them."""
    if is_url(ref):
        return from_url(ref, mime), None
    return from_path(os.path.expanduser(ref), mime)


def describe(a: Attachment) -> str:
    """One line: 'photo.png · image/png · 1.2 MB · 640×480'. The name is untrusted (any
    byte but / and NUL): one_line() keeps a newline in it from breaking the line it is on."""
    parts = [one_line(a.name), one_line(a.mime)]
    if a.url:
        parts.append("URL")
    else:
        parts.append(human_size(a.size))
    if a.width and a.height:
        parts.append(f"{a.width}×{a.height}")
    return " · ".join(parts)


def suggest(catalogue: Catalogue, kinds: set[str]) -> list[str]:
    """Models that accept every one of `kinds`, newest first."""
    ids = {m.id for m in catalogue.models()}
    return [
        m
        for m in catalogue.capable("image" if "image" in kinds else sorted(kinds)[0])  # type: ignore[arg-type]
        if m in ids and all(catalogue.lookup(m).accepts(k) for k in kinds)  # type: ignore[arg-type]
    ]


def refusal(model: str, kinds: set[str], capable: list[str]) -> str:
    """What to say when `model` does not accept these kinds, naming a model that does."""
    what = " or ".join(sorted(kinds))
    hint = f"; {capable[0]} does" if capable else ""
    return f"{model} does not accept {what} input{hint}"


def _sha256(data: bytes) -> str:
    import hashlib  # only when a file is attached, not at start-up

    return hashlib.sha256(data).hexdigest()
