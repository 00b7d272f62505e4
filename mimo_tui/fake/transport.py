"""How the fake writes to its socket: JSON replies, SSE frames as a scenario paces or breaks them.

The routes (fake/routes.py) decide what to answer; this base handler owns the bytes: a JSON
body with MiMo's headers, a gzip bomb of an error body, and SSE frames paced, cut, stalled,
broken mid-way or held before the first token, as the scenario says. Every request is recorded
(`Recorded`) on the fake for the tests' assertions. Every wait ends when the fake stops.
"""

from __future__ import annotations

import json
import secrets
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from mimo_tui.fake.scenarios import Scenario

if TYPE_CHECKING:
    from mimo_tui.fake.server import FakeMimo


@dataclass
class Recorded:
    """One request as the fake saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    disconnected: bool = False


def json_text(data: Any) -> str:
    """JSON as MiMo sends it (UTF-8); a lone surrogate, which UTF-8 cannot carry, goes out
    as a JSON escape, the only way a server can send one (hostile-output tests use this)."""
    text = json.dumps(data, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data)
    return text


class Transport(BaseHTTPRequestHandler):
    """The fake's request handler minus its routes: reading, recording and writing."""

    owner: FakeMimo
    server_version = "MiFE/3.4.34"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # the fake is quiet
        return

    def record(self, body: Any) -> Recorded:
        rec = Recorded(
            self.command,
            self.path,
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        self.owner.requests.append(rec)
        return rec

    def send_json(
        self,
        rec: Recorded,
        status: int,
        payload: Any,
        extra: dict | None = None,
        raw: bytes | None = None,
    ) -> None:
        data = raw if raw is not None else json.dumps(payload).encode()
        rec.status = status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", secrets.token_hex(16))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return raw.decode("utf-8", "replace")

    def send_gzip_bomb(
        self, rec: Recorded, sc: Scenario, payload: Any, extra: dict[str, str]
    ) -> None:
        """The error envelope then spaces up to gzip_body_mib MiB, gzip-compressed as it is
        written (a MiB of spaces at a time), delimited by closing the connection."""
        assert sc.status is not None
        rec.status = sc.status
        self.send_response(sc.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Connection", "close")
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
        spaces = b" " * (1 << 20)
        try:
            self.wfile.write(packer.compress(json.dumps(payload).encode()))
            for _ in range(sc.gzip_body_mib):
                if self.owner._stopping.is_set():
                    return
                self.wfile.write(packer.compress(spaces))
            self.wfile.write(packer.flush())
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            rec.disconnected = True  # the client stopped reading: what a capped read does
        self.close_connection = True

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the fake is stopping; True when it is."""
        return self.owner._stopping.wait(seconds)

    def start_sse(self, rec: Recorded) -> None:
        rec.status = 200
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()

    def send_events(
        self, sc: Scenario, frames: list[str], error: str, malformed: str, keepalive: str
    ) -> None:
        """Send SSE frames as the scenario says: paced, cut, stalled, or broken mid-way."""
        if sc.burst:  # one write: the client reads every frame at once, the end included
            self.write_text("".join(frames))
            return
        for n, frame in enumerate(frames):
            if sc.truncate_after is not None and n >= sc.truncate_after:
                return
            if sc.stall_after is not None and n >= sc.stall_after:
                self.sleep(3600)
                return
            if sc.midstream_error_after is not None and n >= sc.midstream_error_after:
                self.write_text(error)
                return
            if sc.malformed_after is not None and n >= sc.malformed_after:
                self.write_text(malformed)
                return
            if sc.keepalive_comments:
                self.write_text(keepalive)
            data = frame.encode("utf-8")
            for text, raw in sc.wire_replace:
                data = data.replace(text.encode("utf-8"), raw)
            self.wfile.write(data)
            self.wfile.flush()
            if n == 0 and sc.first_token_delay_s and self._hold_first_token(sc, keepalive):
                return
            if sc.delay_s and self.sleep(sc.delay_s):
                return

    def _hold_first_token(self, sc: Scenario, keepalive: str) -> bool:
        """Keep the open stream waiting for its first token, with a keepalive comment every
        half second as a server does; True when the fake is stopping."""
        end = time.monotonic() + sc.first_token_delay_s
        while (left := end - time.monotonic()) > 0:
            self.write_text(keepalive)
            if self.sleep(min(left, 0.5)):
                return True
        return False

    def write_text(self, text: str) -> None:
        self.wfile.write(text.encode("utf-8"))
        self.wfile.flush()
