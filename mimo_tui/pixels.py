"""A small PNG decoder for the attachment preview: pixels without an imaging library.

Only what a preview needs: 8-bit, non-interlaced greyscale, RGB, palette, grey+alpha and RGBA
images (the common screenshot and photo exports), scaled down by sampling. Anything else
returns None and the preview shows the file's metadata instead.
"""

from __future__ import annotations

import struct
import zlib

RGB = tuple[int, int, int]
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
MAX_PIXELS = 40_000_000  # refuse decompression bombs


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(data: bytes) -> tuple[int, int, list[bytearray], int, bytes] | None:
    """(width, height, rows of raw samples, channels, palette) or None when unsupported."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    pos, idat, palette = 8, bytearray(), b""
    width = height = depth = color = interlace = -1
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if depth != 8 or interlace != 0 or color not in _CHANNELS or width <= 0 or height <= 0:
        return None
    if width * height > MAX_PIXELS:
        return None
    channels = _CHANNELS[color]
    stride = width * channels
    try:
        raw = zlib.decompressobj().decompress(bytes(idat), (stride + 1) * height)
    except zlib.error:
        return None
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        if start + stride + 1 > len(raw):
            return None
        kind_byte, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = prev[i]
            if kind_byte == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind_byte == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind_byte == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind_byte == 4:
                corner = prev[i - channels] if i >= channels else 0
                line[i] = (line[i] + _paeth(left, up, corner)) & 0xFF
        rows.append(line)
        prev = line
    return width, height, rows, channels, palette


def thumbnail(data: bytes, max_w: int, max_h: int) -> list[list[RGB]] | None:
    """At most max_w × max_h pixels sampled from a PNG, or None when it cannot be read."""
    decoded = decode_png(data)
    if decoded is None:
        return None
    width, height, rows, channels, palette = decoded
    scale = max(width / max_w, height / max_h, 1.0)
    out_w, out_h = max(1, int(width / scale)), max(1, int(height / scale))
    grid: list[list[RGB]] = []
    for oy in range(out_h):
        row = rows[min(height - 1, int(oy * scale))]
        line: list[RGB] = []
        for ox in range(out_w):
            x = min(width - 1, int(ox * scale)) * channels
            if channels >= 3:
                line.append((row[x], row[x + 1], row[x + 2]))
            elif palette:
                i = row[x] * 3
                line.append(tuple(palette[i : i + 3]) if i + 3 <= len(palette) else (0, 0, 0))  # type: ignore[arg-type]
            else:
                line.append((row[x], row[x], row[x]))
        grid.append(line)
    return grid
