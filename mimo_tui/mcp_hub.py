"""Running the configured MCP servers: start on first use, status, calls, restart, stop.

A server starts when a session first offers its tools (ToolBox.prepare before a request, or
the TUI after its first frame), in a background task of its own. Its status goes to every
listener: starting, ready with N tools, failed with the reason, restarted. A server whose
connection ends after it was ready is restarted once; a second end is reported and final.
Every stdio server runs in its own process group, its stderr appended to a log file the
inspector shows; `aclose` stops them in order, `kill_all` (quitting in a hurry, a hang-up)
signals every group at once. Calls come back as records: nothing here raises into a turn.
The SDK (`mcp`) is imported only when a server is started.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from mimo_tui.mcp_config import ServerConfig
from mimo_tui.mcp_results import api_names, response_json, result_text
from mimo_tui.model import ToolRecord
from mimo_tui.tools import ToolSpec

LOG_TAIL = 4000  # characters of a server's log the inspector shows


INSTALL_HINT = "MCP servers need the mcp SDK: pip install 'mimo-tui[mcp]'"


def sdk_missing() -> str | None:
    """Why MCP servers cannot start (the extra is not installed), or None."""
    import importlib.util

    return None if importlib.util.find_spec("mcp") is not None else INSTALL_HINT


class ServerState(NamedTuple):
    state: str  # configured | starting | ready | restarted | failed | stopped
    detail: str = ""
    tools: int = 0

    def text(self) -> str:
        if self.state in ("ready", "restarted"):
            plural = "" if self.tools == 1 else "s"
            again = " (restarted)" if self.state == "restarted" else ""
            return f"ready with {self.tools} tool{plural}{again}"
        if self.state == "failed":
            return f"failed: {self.detail}"
        return self.state if not self.detail else f"{self.state} ({self.detail})"


class _StartFailed(Exception):
    pass


class _Live:
    """A connected server: its client, and how to learn that the connection ended."""

    def __init__(self, client: Any, ended: Any, stdio: Any = None) -> None:
        self.client, self.ended, self.stdio = client, ended, stdio
        self.reason = ""
        self.closed = asyncio.Event()  # its transport is closed, the state says what is next

    def end(self, reason: str) -> None:
        if not self.ended.is_set():
            self.reason = reason
            self.ended.set()

    def why(self) -> str:
        return (self.stdio.reason if self.stdio is not None else "") or self.reason


def _root(exc: BaseException) -> BaseException:
    """The first real error inside anyio's exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _quiet_sdk_logging(log_dir: Path) -> None:
    """The SDK logs through `logging`; unhandled, warnings would reach the terminal. Its
    log goes to `sdk.log`, owner-only like the servers' logs (it can quote what a tool was
    sent or answered): opened 0600 here, as logging.FileHandler would make it 0644."""
    import logging

    logger = logging.getLogger("mcp")
    if not any(getattr(h, "_mimo", False) for h in logger.handlers):
        log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(log_dir / "sdk.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)  # one an earlier version made 0644 becomes private too
        handler = logging.StreamHandler(os.fdopen(fd, "a", encoding="utf-8"))
        handler._mimo = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False


class McpHub:
    """The configured servers of one run."""

    def __init__(self, servers: dict[str, ServerConfig], log_dir: Path) -> None:
        self.servers = servers
        self.log_dir = log_dir
        self.states = {name: ServerState("configured") for name in servers}
        self.listings: dict[str, list[dict[str, Any]]] = {}
        self.listeners: list[Callable[[str, ServerState], None]] = []
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._settled: dict[str, asyncio.Event] = {}
        self._live: dict[str, _Live] = {}
        self._pids: set[int] = set()
        self._stop: asyncio.Event | None = None

    # ---- status ------------------------------------------------------------------------

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def log_tail(self, name: str) -> str:
        try:
            data = self.log_path(name).read_bytes()
        except OSError:
            return ""
        return data[-LOG_TAIL:].decode("utf-8", "replace")

    def _set(self, name: str, state: ServerState) -> None:
        self.states[name] = state
        if state.state != "starting" and name in self._settled:
            self._settled[name].set()
        for listener in list(self.listeners):
            with contextlib.suppress(Exception):
                listener(name, state)

    # ---- tools -------------------------------------------------------------------------

    def specs(self, taken: set[str]) -> dict[str, ToolSpec]:
        """Every listed tool of every ready server by its label (`server.tool`), with an API
        name that collides with nothing in `taken` nor with another server's tool."""
        out: dict[str, ToolSpec] = {}
        for server, tools in self.listings.items():
            cfg = self.servers[server]
            names = [str(t.get("name", "")) for t in tools]
            mapped = api_names(server, names, taken)
            for tool in tools:
                name = str(tool.get("name", ""))
                schema = tool.get("inputSchema")
                out[f"{server}.{name}"] = ToolSpec(
                    name=mapped[name],
                    description=str(tool.get("description") or "")[:2000],
                    parameters=schema if isinstance(schema, dict) else {"type": "object"},
                    timeout_s=cfg.timeout_s,
                    approve=cfg.approve_for(name),
                    source=f"MCP server {server} ({cfg.describe()})",
                    mcp_server=server,
                    mcp_tool=name,
                )
        return out

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self, names: Iterable[str]) -> None:
        """Start these servers in the background (once each); needs a running loop."""
        if self._stop is None:
            self._stop = asyncio.Event()
        missing = sdk_missing()
        for name in names:
            if name in self.servers and name not in self._tasks and name not in self._settled:
                self._settled[name] = asyncio.Event()
                if missing:
                    self._set(name, ServerState("failed", missing))
                    continue
                self._set(name, ServerState("starting"))
                self._tasks[name] = asyncio.create_task(self._supervise(name))

    async def ensure(self, names: Iterable[str]) -> None:
        """Start these servers and wait until each is ready or has failed (each start is
        bounded by its start_timeout_s)."""
        wanted = [n for n in names if n in self.servers]
        self.start(wanted)
        for name in wanted:
            await self._settled[name].wait()

    async def _supervise(self, name: str) -> None:
        restarted = False
        while self._stop is not None and not self._stop.is_set():
            try:
                reason = await self._run_once(name, restarted)
            except _StartFailed as exc:
                self._set(name, ServerState("failed", str(exc)))
                return
            except Exception as exc:  # never into the loop's exception handler
                self._set(name, ServerState("failed", f"{type(exc).__name__}: {_root(exc)}"))
                return
            finally:
                live = self._live.pop(name, None)
            try:
                if self._stop.is_set():
                    break
                if restarted:
                    self._set(name, ServerState("failed", f"{reason}, again; not restarted"))
                    return
                restarted = True
                self._settled[name].clear()  # before a waiting call hears the old one closed
                self._set(name, ServerState("starting", f"restarting: {reason}"))
            finally:
                if live is not None:
                    live.closed.set()
        self._set(name, ServerState("stopped"))

    async def _run_once(self, name: str, restarted: bool) -> str:
        """Connect, list the tools, serve calls until the connection ends; why it ended."""
        import anyio
        from mcp import Client
        from mcp_types import Implementation

        from mimo_tui import __version__

        cfg = self.servers[name]
        _quiet_sdk_logging(self.log_dir)
        async with contextlib.AsyncExitStack() as stack:
            transport, stdio = self._transport(cfg, stack)
            ended = stdio.ended if stdio is not None else anyio.Event()
            # The start is bounded by the requests' own timeout, not a cancel scope around
            # entering the client: anyio scopes must close in the order they were opened.
            client = Client(
                transport,
                mode="legacy",
                read_timeout_seconds=cfg.start_timeout_s,
                client_info=Implementation(name="mimo-tui", version=__version__),
            )
            try:
                await stack.enter_async_context(client)
                tools = await self._list_tools(client)
            except Exception as exc:
                raise _StartFailed(self._start_problem(exc, stdio, cfg)) from None
            live = _Live(client, ended, stdio)
            self._live[name] = live
            self.listings[name] = tools
            state = "restarted" if restarted else "ready"
            self._set(name, ServerState(state, tools=len(tools)))
            assert self._stop is not None
            stop_wait = asyncio.ensure_future(self._stop.wait())
            end_wait = asyncio.ensure_future(ended.wait())
            try:
                await asyncio.wait({stop_wait, end_wait}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stop_wait.cancel()
                end_wait.cancel()
            return live.why() or "the connection ended"

    def _transport(self, cfg: ServerConfig, stack: contextlib.AsyncExitStack) -> tuple[Any, Any]:
        log = open_log_for(self.log_path(cfg.name))
        stack.callback(log.close)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        log.write(f"--- {stamp} mimo-tui starts {cfg.describe()}\n".encode())
        if cfg.url:
            from mcp.client.streamable_http import streamable_http_client
            from mcp.shared._httpx_utils import create_mcp_http_client

            http = create_mcp_http_client(headers=dict(cfg.headers) or None)
            return streamable_http_client(cfg.url, http_client=http), None
        from mimo_tui.mcp_stdio import StdioConnection
        from mimo_tui.tool_process import tool_env

        env = {**tool_env(), **dict(cfg.env)}
        stdio = StdioConnection([cfg.command, *cfg.args], env, cfg.cwd, log)
        return _Tracked(stdio, self._pids), stdio

    @staticmethod
    async def _list_tools(client: Any) -> list[dict[str, Any]]:
        tools: list[dict[str, Any]] = []
        cursor = None
        for _ in range(100):  # a paginator that never ends cannot hang the start
            page = await client.list_tools(cursor=cursor)
            tools += [
                t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in page.tools
            ]
            cursor = page.next_cursor
            if not cursor:
                break
        return tools

    def _garbage_hint(self, stdio: Any) -> str:
        if stdio is not None and stdio.garbage:
            return f"; its stdout is not MCP (it printed {stdio.garbage[0][:80]!r})"
        return ""

    def _start_problem(self, exc: BaseException, stdio: Any, cfg: ServerConfig) -> str:
        from mcp.shared.exceptions import MCPError
        from mcp_types import REQUEST_TIMEOUT

        exc = _root(exc)
        if isinstance(exc, MCPError) and exc.code == REQUEST_TIMEOUT:
            hint = self._garbage_hint(stdio)
            return f"no answer to the MCP handshake within {cfg.start_timeout_s:g} s{hint}"
        if isinstance(exc, FileNotFoundError | PermissionError):
            return f"cannot start {exc.filename or 'the command'} ({exc.strerror})"
        why = stdio.reason if stdio is not None and stdio.reason else ""
        text = why or f"{type(exc).__name__}: {exc}"
        return f"{text} before the handshake finished{self._garbage_hint(stdio)}"

    async def aclose(self) -> None:
        """Stop every server (each transport stops its process group) and wait for them."""
        if self._stop is not None:
            self._stop.set()
        tasks = [t for t in self._tasks.values() if not t.done()]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=8)
            for task in pending:
                task.cancel()
        self.kill_all()

    def kill_all(self) -> None:
        """SIGKILL every stdio server's process group still around (a hurried quit); no
        server is restarted after this."""
        from mimo_tui.tool_process import group_alive

        if self._stop is not None:
            self._stop.set()

        for pgid in list(self._pids):
            if group_alive(pgid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    import os

                    os.killpg(pgid, signal.SIGKILL)
            self._pids.discard(pgid)

    # ---- calls -------------------------------------------------------------------------

    async def call(
        self, spec: ToolSpec, arguments: dict[str, Any], record: ToolRecord
    ) -> ToolRecord:
        """Call one tool; the final record (done, or failed with a readable reason)."""
        import anyio

        server, tool = spec.mcp_server, spec.mcp_tool
        request = {"method": "tools/call", "params": {"name": tool, "arguments": arguments}}
        info: dict[str, Any] = {
            "server": server,
            "tool": tool,
            "transport": self.servers[server].describe() if server in self.servers else "",
            "request": json.dumps(request, indent=2, ensure_ascii=False),
            "log": str(self.log_path(server)),
        }
        record = record._replace(mcp=info)

        def failed(text: str) -> ToolRecord:
            return record._replace(status="failed", result=f"error: {text}")

        live = self._live.get(server)
        if live is not None and live.ended.is_set():  # it died: wait for its restart
            await live.closed.wait()
            live = None
        if live is None:
            await self.ensure([server])
            live = self._live.get(server)
        if live is None or live.ended.is_set():
            state = self.states.get(server, ServerState("failed", "not configured"))
            return failed(f"the MCP server {server!r} is not running ({state.text()})")
        try:
            result = await live.client.call_tool(
                tool, arguments, read_timeout_seconds=spec.timeout_s
            )
        except asyncio.CancelledError:
            raise  # Escape: the SDK tells the server (notifications/cancelled)
        except Exception as exc:
            if live.stdio is not None:  # the process's exit status says more than "closed"
                with anyio.move_on_after(2):
                    await live.stdio.ended.wait()
            return failed(self._call_problem(server, spec, live, _root(exc)))
        response = result.model_dump(mode="json", by_alias=True, exclude_none=True)
        text, is_error, truncated = result_text(response)
        info["response"] = response_json(response)
        return record._replace(
            status="failed" if is_error else "done",
            result=text,
            truncated=truncated,
            exit_code=None,
            mcp=info,
        )

    def _call_problem(self, server: str, spec: ToolSpec, live: _Live, exc: BaseException) -> str:
        from mcp.shared.exceptions import MCPError
        from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT

        if isinstance(exc, MCPError) and exc.code == REQUEST_TIMEOUT:
            return f"the MCP tool timed out after {spec.timeout_s:g} s (the request was cancelled)"
        if isinstance(exc, MCPError) and exc.code != CONNECTION_CLOSED:
            return f"the MCP server answered with an error ({exc.code}): {exc.message}"
        if isinstance(exc, MCPError | OSError | EOFError):
            live.end(f"the connection closed ({exc})")
            why = live.why()
            return (
                f"the MCP server {server!r} went away during the call ({why}); "
                "it is restarted once, so a retry may work"
            )
        name = type(exc).__name__
        if name == "ValidationError":
            return f"the MCP server's answer is not a valid tool result ({str(exc)[:300]})"
        live.end(f"{name}: {exc}")
        return f"the call to the MCP server {server!r} failed ({name}: {str(exc)[:300]})"


class _Tracked:
    """The stdio transport, remembering its process group for kill_all."""

    def __init__(self, stdio: Any, pids: set[int]) -> None:
        self.stdio, self.pids = stdio, pids
        self._cm: Any = None

    async def __aenter__(self) -> Any:
        self._cm = self.stdio.open()
        streams = await self._cm.__aenter__()
        if self.stdio.pid is not None:
            self.pids.add(self.stdio.pid)
        return streams

    async def __aexit__(self, *exc: Any) -> Any:
        try:
            return await self._cm.__aexit__(*exc)
        finally:
            if self.stdio.pid is not None:
                self.pids.discard(self.stdio.pid)


def open_log_for(path: Path) -> Any:
    from mimo_tui.mcp_stdio import open_log

    return open_log(path)
