"""The SDKs' HTTP client, with two guards on what comes back before the SDK reads it.

- An error body is read with a bound: decompressed as it arrives and cut at ERROR_BODY_CAP.
  The SDKs read an error response whole (`response.aread()`) before raising, so a 1 MiB
  gzip body that inflates to 1 GiB took `ask` to 3.2 GB of memory. MiMo's error envelope
  is a few hundred bytes; the first 64 KiB hold all of it.
- A stream (text/event-stream) is passed through an incremental UTF-8 decoder that replaces
  invalid bytes with U+FFFD. The SDKs decode each SSE line strictly, so one bad byte ended the
  reply with a raw UnicodeDecodeError; now the bad bytes show as � and the reply goes on.

Both work on the response's byte stream (`Response.stream`, the public place a body comes
from), so retries, auth, proxies from the environment and every other SDK default stay the
SDK's own. The client offers only the encodings decoded here (gzip, deflate).

It also follows no redirect (the SDKs' clients follow them): the key travels in an
`api-key` header as well as in Authorization, and httpx2 drops only Authorization when a
redirect leaves the origin, so a base URL answering 307 elsewhere sent the key (and the
whole conversation) to that host. A 3xx now reaches the SDK as the status it is, and
errors.py says where it pointed and that base_url is the place to change.

httpx2 (the SDKs' HTTP library) is imported by the caller's SDK already; this module is
imported only when the first SDK client is built.
"""

from __future__ import annotations

import codecs
import zlib
from collections.abc import AsyncIterator
from typing import Any

import httpx2

ERROR_BODY_CAP = 64 * 1024
ACCEPT_ENCODING = "gzip, deflate"
_INFLATED = ("gzip", "x-gzip", "deflate")


class _GuardedBody(httpx2.AsyncByteStream):
    """A response body decoded here (so its Content-Encoding is dropped): optionally cut at
    `cap` decoded bytes, optionally with invalid UTF-8 replaced."""

    def __init__(
        self, inner: httpx2.AsyncByteStream, encoding: str, cap: int | None, repair: bool
    ) -> None:
        self._inner = inner
        self._encoding = encoding
        self._cap = cap
        self._repair = repair

    @property
    def elapsed(self) -> Any:
        """`Response.elapsed` reads this from its stream once the body is closed."""
        return getattr(self._inner, "elapsed", None)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # 47: zlib or gzip header, detected (what "deflate" means in practice varies).
        inflater = zlib.decompressobj(47) if self._encoding in _INFLATED else None
        utf8 = codecs.getincrementaldecoder("utf-8")("replace") if self._repair else None
        left = self._cap
        async for raw in self._inner:
            data = raw
            if inflater is not None:
                try:  # max_length bounds what one compressed chunk can inflate to
                    data = inflater.decompress(raw, left or 0)
                except zlib.error as exc:
                    why = f"the response body is not valid gzip ({exc})"
                    raise httpx2.DecodingError(why) from None
            if left is not None:
                data = data[:left]
                left -= len(data)
            if utf8 is not None:
                data = utf8.decode(data).encode("utf-8")
            if data:
                yield data
            if left == 0:  # the cap is reached: stop reading (the connection is dropped)
                return
        if inflater is not None and left is None:
            data = inflater.flush()
            if data and utf8 is not None:
                data = utf8.decode(data).encode("utf-8")
            if data:
                yield data
        if utf8 is not None:
            tail = utf8.decode(b"", final=True).encode("utf-8")  # a cut multi-byte character
            if tail:
                yield tail

    async def aclose(self) -> None:
        await self._inner.aclose()


def guard_response(response: httpx2.Response) -> None:
    """Put the guards on `response` (headers received, body not read yet)."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    decodable = encoding in ("", "identity", *_INFLATED)
    error = response.status_code >= 400
    stream = response.headers.get("content-type", "").startswith("text/event-stream")
    if not (error or stream):
        return
    if not decodable:  # not offered; if a server sends it anyway, cap the raw bytes
        if error:
            raw = response.stream
            response.stream = _GuardedBody(raw, "", ERROR_BODY_CAP, False)  # type: ignore[arg-type]
        return
    response.stream = _GuardedBody(
        response.stream,  # type: ignore[arg-type]
        encoding,
        ERROR_BODY_CAP if error else None,
        repair=stream,
    )
    for name in ("content-encoding", "content-length"):  # the body is decoded here now
        if name in response.headers:
            del response.headers[name]


def guarded_client_class(base: type[httpx2.AsyncClient]) -> type[httpx2.AsyncClient]:
    """`base` (an SDK's default async client class) with every response guarded."""

    class GuardedClient(base):  # type: ignore[valid-type, misc]
        async def send(
            self, request: httpx2.Request, *, stream: bool = False, **kwargs: Any
        ) -> httpx2.Response:
            response = await super().send(request, stream=True, **kwargs)
            try:
                guard_response(response)
                if not stream:  # as the base class does for a non-streamed request
                    await response.aread()
            except BaseException:
                await response.aclose()
                raise
            return response

    return GuardedClient


def guarded_client(base: type[httpx2.AsyncClient], **kwargs: Any) -> httpx2.AsyncClient:
    """An instance of `base`, guarded, offering only the encodings decoded here."""
    headers = {"Accept-Encoding": ACCEPT_ENCODING, **kwargs.pop("headers", {})}
    return guarded_client_class(base)(headers=headers, follow_redirects=False, **kwargs)
