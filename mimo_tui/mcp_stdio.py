"""The stdio transport for MCP servers: a subprocess in its own process group, its stderr in
a log file, newline-delimited JSON-RPC on its stdin and stdout.

The SDK's `stdio_client` does the same but keeps the process to itself; this one knows the
process group (quitting, even by a hang-up, stops every server's group), bounds a line
(a server that writes megabytes without a newline cannot fill memory), keeps the first
garbage lines it saw for the error message, and says why the connection ended. It yields the
stream pair every SDK transport yields, so `mcp.Client` speaks the protocol over it.
Imported only when a stdio server is started (it imports the SDK).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any

import anyio
import mcp_types
from anyio.abc import Process
from mcp.shared.message import SessionMessage

MAX_LINE = 16 * 1024 * 1024  # one JSON-RPC message; a bigger one ends the connection
STOP_GRACE_S = 1.0  # for the server to exit once its stdin closes, then SIGTERM, then SIGKILL


class StdioConnection:
    """One run of a stdio server: `async with conn.open() as streams:`."""

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        cwd: str | None,
        log: IO[bytes],
    ) -> None:
        self.argv, self.env, self.cwd, self.log = argv, env, cwd, log
        self.process: Process | None = None
        self.ended = anyio.Event()
        self.reason = ""  # why the connection ended (set before `ended`)
        self.garbage: list[str] = []  # the first lines of stdout that were not JSON-RPC

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def _end(self, reason: str) -> None:
        if not self.ended.is_set():
            self.reason = reason
            self.ended.set()

    def _exit_reason(self) -> str:
        code = self.process.returncode if self.process is not None else None
        if code is None:
            return "the server closed its stdout"
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"the server was killed by {signal.Signals(-code).name}"
        return f"the server exited with status {code}"

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[tuple[Any, Any]]:
        self.process = await anyio.open_process(
            self.argv,
            stdin=-1,
            stdout=-1,
            stderr=self.log,
            cwd=self.cwd,
            env=self.env,
            start_new_session=True,
        )
        process = self.process
        to_client, client_reads = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        client_writes, from_client = anyio.create_memory_object_stream[SessionMessage](0)

        async def read_stdout() -> None:
            assert process.stdout is not None
            buffer = bytearray()
            try:
                async with to_client:
                    async for chunk in process.stdout:
                        buffer += chunk
                        while (end := buffer.find(b"\n")) >= 0:
                            line = bytes(buffer[:end])
                            del buffer[: end + 1]
                            await self._deliver(line, to_client)
                        if len(buffer) > MAX_LINE:
                            self._end(
                                f"the server sent a message larger than {MAX_LINE // 2**20} MiB"
                            )
                            return
            except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
                pass
            with anyio.move_on_after(STOP_GRACE_S), contextlib.suppress(Exception):
                await process.wait()  # for the exit status in the reason, if it is exiting
            self._end(self._exit_reason())

        async def write_stdin() -> None:
            assert process.stdin is not None
            try:
                async with from_client:
                    async for message in from_client:
                        data = message.message.model_dump_json(by_alias=True, exclude_unset=True)
                        await process.stdin.send(data.encode("utf-8") + b"\n")
            except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
                self._end("the server stopped reading its stdin")
            finally:
                with contextlib.suppress(Exception):
                    await to_client.aclose()

        async with anyio.create_task_group() as tg:
            tg.start_soon(read_stdout)
            tg.start_soon(write_stdin)
            try:
                yield client_reads, client_writes
            finally:
                with anyio.CancelScope(shield=True):
                    await self._stop(process)
                tg.cancel_scope.cancel()

    async def _deliver(self, line: bytes, to_client: Any) -> None:
        text = line.decode("utf-8", "replace").strip()
        if not text:
            return
        try:
            message = mcp_types.jsonrpc_message_adapter.validate_json(text, by_name=False)
        except ValueError as exc:
            if len(self.garbage) < 3:
                self.garbage.append(text[:200])
            await to_client.send(exc)  # the SDK logs it and reads on
            return
        await to_client.send(SessionMessage(message))

    async def _stop(self, process: Process) -> None:
        """Close stdin, give it a moment, then SIGTERM and SIGKILL its whole group."""
        with contextlib.suppress(Exception):
            assert process.stdin is not None
            await process.stdin.aclose()
        with anyio.move_on_after(STOP_GRACE_S):
            await process.wait()
        kill_group(process.pid, signal.SIGTERM)
        with anyio.move_on_after(STOP_GRACE_S):
            await process.wait()
        kill_group(process.pid, signal.SIGKILL)
        with anyio.move_on_after(STOP_GRACE_S):
            await process.wait()
        for stream in (process.stdout,):
            if stream is not None:
                with contextlib.suppress(Exception):
                    await stream.aclose()
        self._end(self._exit_reason() if process.returncode is not None else "stopped")


def kill_group(pgid: int, sig: int) -> None:
    """Signal a server's process group (it leads its own session: pgid == pid)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def open_log(path: Path) -> IO[bytes]:
    """The server's stderr log, appended to, owner-only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    return os.fdopen(fd, "ab", buffering=0)
