"""Small real files for attachment tests, built byte by byte (no imaging library)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def big_png(size: int) -> bytes:
    """A PNG header followed by filler up to `size` bytes (type and size checks only)."""
    head = png(640, 480)
    return (
        head
        + bytes(range(256)) * ((size - len(head)) // 256)
        + b"\x00" * ((size - len(head)) % 256)
    )


def wav(samples: int = 800) -> bytes:
    data = b"\x00\x01" * samples
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def flac(rate: int = 44100, channels: int = 2, bits: int = 16, samples: int = 441000) -> bytes:
    """fLaC and a STREAMINFO block (no audio frames: the headers are what is read)."""
    packed = (rate << 44) | ((channels - 1) << 41) | ((bits - 1) << 36) | samples
    info = struct.pack(">HH", 4096, 4096) + b"\x00" * 6 + packed.to_bytes(8, "big") + b"\0" * 16
    return b"fLaC" + b"\x80" + len(info).to_bytes(3, "big") + info


def mp3(seconds: int = 4) -> bytes:
    """An ID3 tag and constant 128 kb/s MPEG-1 layer III frames at 44.1 kHz, stereo."""
    tag = b"ID3\x03\x00\x00" + bytes([0, 0, 0, 10]) + b"\x00" * 10
    frame = b"\xff\xfb\x90\x00" + b"\x00" * 413  # 417 bytes a frame at 128 kb/s
    return tag + frame * (seconds * 128000 // 8 // 417)


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def mp4(width: int = 1280, height: int = 720, seconds: float = 12.5) -> bytes:
    """ftyp, an mdat, then moov (as many encoders write it) with mvhd and a video track."""
    mvhd = b"\x00" * 4 + b"\x00" * 8 + struct.pack(">II", 1000, int(seconds * 1000)) + b"\0" * 80
    tkhd = b"\x00\x00\x00\x03" + b"\x00" * 72 + struct.pack(">II", width << 16, height << 16)
    sound = box(b"trak", box(b"tkhd", b"\x00" * 76 + b"\x00" * 8))  # audio: no size
    moov = box(b"moov", box(b"mvhd", mvhd) + sound + box(b"trak", box(b"tkhd", tkhd)))
    return box(b"ftyp", b"isom\x00\x00\x02\x00isom") + box(b"mdat", b"\x00" * 5000) + moov


def _ebml(ident: int, body: bytes) -> bytes:
    size = len(body) | (0x01 << 56)  # an 8-byte size
    return ident.to_bytes((ident.bit_length() + 7) // 8, "big") + size.to_bytes(8, "big") + body


def webm(width: int = 640, height: int = 360, seconds: float = 90.0) -> bytes:
    """EBML header, Segment > Info (timecode scale, duration) and Tracks > Video size."""
    header = _ebml(0x1A45DFA3, _ebml(0x4282, b"webm"))
    info = _ebml(
        0x1549A966,
        _ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big"))
        + _ebml(0x4489, struct.pack(">d", seconds * 1000)),
    )
    video = _ebml(
        0xE0, _ebml(0xB0, width.to_bytes(2, "big")) + _ebml(0xBA, height.to_bytes(2, "big"))
    )
    tracks = _ebml(0x1654AE6B, _ebml(0xAE, _ebml(0xD7, b"\x01") + video))
    cluster = _ebml(0x1F43B675, b"\x00" * 100)
    return header + _ebml(0x18538067, info + tracks + cluster)


def ogg_opus(seconds: int = 7, channels: int = 1) -> bytes:
    """Two Ogg pages: OpusHead, and a last page whose granule position ends the stream."""

    def page(granule: int, body: bytes) -> bytes:
        return (
            b"OggS\x00\x02" + struct.pack("<qIII", granule, 1, 0, 0) + bytes([1, len(body)]) + body
        )

    head = b"OpusHead\x01" + bytes([channels]) + struct.pack("<HIHB", 312, 48000, 0, 0)
    return page(0, head) + page(312 + 48000 * seconds, b"\x00" * 40)
