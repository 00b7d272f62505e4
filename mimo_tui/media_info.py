"""What a stored attachment is, read from its own headers: an image's dimensions, a sound's
duration, channels and sample rate, a video's duration and frame size.

Why here and like this: the attachment line and the preview show these, `ask` and the store
need the image size, and none of them should need an imaging or media library (no new
dependency, nothing on the start-up path). Each reader looks at the few header fields its
container documents (RIFF, FLAC STREAMINFO, MPEG frame headers, Ogg pages, ISO-BMFF boxes,
EBML) and seeks past the rest, so a 300 MB video costs a few reads; anything it does not
understand is simply left out of the details.
"""

from __future__ import annotations

import contextlib
import struct
from pathlib import Path
from typing import BinaryIO

Details = list[tuple[str, str]]  # ("duration", "1:05"), ("channels", "stereo"), ...


def image_size(data: bytes, mime: str) -> tuple[int, int] | None:
    """(width, height) from an image's header, or None when the header does not say."""
    try:
        if mime == "image/png" and data[12:16] == b"IHDR":
            w, h = struct.unpack(">II", data[16:24])
            return w, h
        if mime == "image/gif":
            w, h = struct.unpack("<HH", data[6:10])
            return w, h
        if mime == "image/bmp":
            w, h = struct.unpack("<ii", data[18:26])
            return w, abs(h)
        if mime == "image/webp":
            return _webp_size(data)
        if mime == "image/jpeg":
            return _jpeg_size(data)
    except struct.error:
        return None
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L" and data[20:21] == b"\x2f":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        i += 2 + length
    return None


def duration_text(seconds: float) -> str:
    """65.2 → '1:05', 3.25 → '3.2 s', 3725 → '1:02:05'."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def _channels(n: int) -> str:
    return {1: "mono", 2: "stereo"}.get(n, f"{n} channels")


def _sound(rate: int, channels: int, bits: int | None = None) -> Details:
    out = [("channels", _channels(channels)), ("sample rate", f"{rate / 1000:g} kHz")]
    if bits:
        out.append(("sample size", f"{bits}-bit"))
    return out


def _wav(fh: BinaryIO) -> Details:
    head = fh.read(12)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return []
    out: Details = []
    byte_rate = 0
    for _ in range(64):  # chunks: fmt first, then data (others are skipped)
        chunk = fh.read(8)
        if len(chunk) < 8:
            break
        kind, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if kind == b"fmt ":
            fmt = fh.read(size)
            channels, rate, byte_rate = struct.unpack("<HII", fmt[2:12])
            out = _sound(rate, channels, struct.unpack("<H", fmt[14:16])[0])
            continue
        if kind == b"data":
            if byte_rate:
                out.insert(0, ("duration", duration_text(size / byte_rate)))
            break
        fh.seek(size + (size & 1), 1)
    return out


def _flac(fh: BinaryIO) -> Details:
    head = fh.read(4 + 4 + 18)  # "fLaC", the STREAMINFO block header, STREAMINFO
    if head[:4] != b"fLaC" or len(head) < 26:
        return []
    bits = int.from_bytes(head[18:26], "big")  # rate 20 | channels-1 3 | bits-1 5 | samples 36
    rate, channels = bits >> 44, ((bits >> 41) & 0x7) + 1
    depth, samples = ((bits >> 36) & 0x1F) + 1, bits & 0xFFFFFFFFF
    out = _sound(rate, channels, depth)
    if rate and samples:
        out.insert(0, ("duration", duration_text(samples / rate)))
    return out


_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_MP3_KBPS_V1_L3 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_MP3_KBPS_V2_L3 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)


def _mp3(fh: BinaryIO, size: int) -> Details:
    head = fh.read(10)
    start = 0
    if head[:3] == b"ID3":  # skip the tag: its size is four 7-bit bytes
        start = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))
    fh.seek(start)
    frame = fh.read(4)
    if len(frame) < 4 or frame[0] != 0xFF or frame[1] & 0xE0 != 0xE0:
        return []
    version, layer = (frame[1] >> 3) & 0x3, (frame[1] >> 1) & 0x3
    rate_index, kbps_index = (frame[2] >> 2) & 0x3, frame[2] >> 4
    if version not in _MP3_RATES or rate_index == 3 or layer != 1 or not 0 < kbps_index < 15:
        return []
    kbps = (_MP3_KBPS_V1_L3 if version == 3 else _MP3_KBPS_V2_L3)[kbps_index]
    out = _sound(_MP3_RATES[version][rate_index], 1 if frame[3] >> 6 == 3 else 2)
    out.append(("bit rate", f"{kbps} kb/s"))
    # Constant bit rate assumed (a VBR file's first frame may say otherwise): an estimate.
    out.insert(0, ("duration", "about " + duration_text((size - start) * 8 / (kbps * 1000))))
    return out


def _ogg(fh: BinaryIO, size: int) -> Details:
    head = fh.read(28 + 19)
    if head[:4] != b"OggS":
        return []
    body = head[28:]
    if body[:8] == b"OpusHead":
        channels, skip, rate = body[9], struct.unpack("<H", body[10:12])[0], 48000
        out = [("codec", "Opus"), *_sound(struct.unpack("<I", body[12:16])[0] or rate, channels)]
    elif body[:7] == b"\x01vorbis":
        channels, rate, skip = body[11], struct.unpack("<I", body[12:16])[0], 0
        out = [("codec", "Vorbis"), *_sound(rate, channels)]
    else:
        return []
    fh.seek(max(0, size - 65536))  # the last page's granule position is the sample count
    tail = fh.read()
    last = tail.rfind(b"OggS")
    if last >= 0 and rate and len(tail) >= last + 14:
        granule = struct.unpack("<q", tail[last + 6 : last + 14])[0]
        if granule > skip:
            out.insert(0, ("duration", duration_text((granule - skip) / rate)))
    return out


def _boxes(fh: BinaryIO, end: int) -> list[tuple[bytes, int, int]]:
    """(type, start of the body, end) of each ISO-BMFF box from here up to `end`."""
    found: list[tuple[bytes, int, int]] = []
    pos = fh.tell()
    while pos + 8 <= end and len(found) < 256:
        fh.seek(pos)
        head = fh.read(8)
        if len(head) < 8:
            break
        size, kind = struct.unpack(">I4s", head)
        body = pos + 8
        if size == 1:
            size = struct.unpack(">Q", fh.read(8))[0]
            body += 8
        elif size == 0:
            size = end - pos
        if size < body - pos:
            break
        found.append((kind, body, pos + size))
        pos += size
    return found


def _mp4(fh: BinaryIO, size: int) -> Details:
    out: Details = []
    moov = next(((b, e) for k, b, e in _boxes(fh, size) if k == b"moov"), None)
    if moov is None:
        return out
    fh.seek(moov[0])
    for kind, body, end in _boxes(fh, moov[1]):
        if kind == b"mvhd":
            fh.seek(body)
            data = fh.read(32)
            if data[0] == 1:
                scale, length = struct.unpack(">IQ", data[20:32])
            else:
                scale, length = struct.unpack(">II", data[12:20])
            if scale:
                out.insert(0, ("duration", duration_text(length / scale)))
        elif kind == b"trak" and not any(k == "dimensions" for k, _ in out):
            fh.seek(body)
            tkhd = next(((b, e) for k, b, e in _boxes(fh, end) if k == b"tkhd"), None)
            if tkhd is not None and tkhd[1] - tkhd[0] >= 8:
                fh.seek(tkhd[1] - 8)  # width and height, 16.16 fixed point, end the box
                w, h = struct.unpack(">II", fh.read(8))
                if w >> 16 and h >> 16:
                    out.append(("dimensions", f"{w >> 16}×{h >> 16}"))
    return out


_EBML_MASTERS = {0x18538067, 0x1549A966, 0x1654AE6B, 0xAE, 0xE0}  # Segment Info Tracks ...


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int]:
    first = data[pos]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    value = first if keep_marker else first & (0xFF >> length)
    for b in data[pos + 1 : pos + length]:
        value = (value << 8) | b
    return value, pos + length


def _mkv(fh: BinaryIO) -> Details:
    data = fh.read(1 << 20)  # the headers come before the first Cluster
    values: dict[int, bytes] = {}
    pos = 0
    with contextlib.suppress(IndexError):
        while pos < len(data):
            ident, pos = _vint(data, pos, True)
            size, pos = _vint(data, pos, False)
            if ident == 0x1F43B675:  # Cluster: the media itself, nothing more to read
                break
            if ident in _EBML_MASTERS:
                continue  # step into it
            values.setdefault(ident, data[pos : pos + size])
            pos += size
    out: Details = []
    scale = int.from_bytes(values.get(0x2AD7B1, b""), "big") or 1_000_000
    raw = values.get(0x4489, b"")
    if len(raw) in (4, 8):
        ticks = struct.unpack(">f" if len(raw) == 4 else ">d", raw)[0]
        out.append(("duration", duration_text(ticks * scale / 1e9)))
    w = int.from_bytes(values.get(0xB0, b""), "big")
    h = int.from_bytes(values.get(0xBA, b""), "big")
    if w and h:
        out.append(("dimensions", f"{w}×{h}"))
    return out


def _avi(fh: BinaryIO) -> Details:
    head = fh.read(4096)
    at = head.find(b"avih")
    if at < 0 or len(head) < at + 48:
        return []
    usec, _, _, _, frames = struct.unpack("<IIIII", head[at + 8 : at + 28])
    w, h = struct.unpack("<II", head[at + 40 : at + 48])
    out: Details = []
    if usec and frames:
        out.append(("duration", duration_text(usec * frames / 1e6)))
    if w and h:
        out.append(("dimensions", f"{w}×{h}"))
    return out


def probe(path: Path, mime: str) -> Details:
    """The details of the file at `path` that its headers say, in display order (reads a
    few headers; call it in a thread). Empty when unreadable or not understood."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            if mime.startswith("image/"):
                dims = image_size(fh.read(65536), mime)
                return [("dimensions", f"{dims[0]}×{dims[1]}")] if dims else []
            if mime == "audio/wav":
                return _wav(fh)
            if mime == "audio/flac":
                return _flac(fh)
            if mime == "audio/mpeg":
                return _mp3(fh, size)
            if mime == "audio/ogg":
                return _ogg(fh, size)
            if mime in ("audio/mp4", "video/mp4", "video/quicktime"):
                return _mp4(fh, size)
            if mime in ("video/webm", "video/x-matroska"):
                return _mkv(fh)
            if mime == "video/x-msvideo":
                return _avi(fh)
    except (OSError, struct.error, ValueError, IndexError):
        return []
    return []
