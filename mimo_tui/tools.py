"""Tool definitions: user tools from `tools.toml`, a few safe built-ins, and which are offered.

A user tool is an argv list run without a shell, its JSON arguments on stdin, its stdout the
result. A bad table in tools.toml is reported (file, tool, problem) and skipped; the other
tools still load. Built-ins are off until chosen with `--tools`.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tomllib
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

MAX_OUTPUT = 64 * 1024
APPROVE_MODES = ("ask", "auto")
_TOOL_KEYS = {"description", "command", "timeout_s", "approve", "parameters", "pass_env"}

BuiltinFn = Callable[[dict[str, Any], "BuiltinContext"], Awaitable[str]]


def _local_now() -> datetime:
    return datetime.now().astimezone()


# Immutable records are NamedTuples, as in mimo_tui.model: a frozen dataclass compiles its
# generated methods at import (0.9-1.4 ms for these two, measured at start-up).


class BuiltinContext(NamedTuple):
    """What a built-in may know: where it runs and which folders it must never read."""

    cwd: Path
    forbidden: tuple[Path, ...] = ()
    now: Callable[[], datetime] = _local_now


class ToolSpec(NamedTuple):
    name: str
    description: str
    parameters: dict[str, Any]
    command: tuple[str, ...] = ()
    builtin: BuiltinFn | None = None
    timeout_s: float = 30.0
    approve: str = "ask"
    source: str = "built-in"
    # Secret MIMO_* variables (the API key...) this tool is trusted to see; others never do.
    pass_env: tuple[str, ...] = ()
    # A tool of an MCP server (mimo_tui.mcp_hub): the server's and the tool's own names.
    # `name` is then the API's name for it (`server__tool`), its label `server.tool`.
    mcp_server: str = ""
    mcp_tool: str = ""

    def to_api(self) -> dict[str, Any]:
        """The entry sent in the request's `tools`."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }

    @property
    def label(self) -> str:
        """The name people see and choose: `server.tool` for an MCP tool."""
        return f"{self.mcp_server}.{self.mcp_tool}" if self.mcp_server else self.name

    def display_command(self) -> list[str]:
        if self.mcp_server:
            return [f"(MCP) {self.label}"]
        return list(self.command) if self.command else [f"(built-in) {self.name}"]


class ToolsFileError(Exception):
    pass


def _check_tool(name: str, table: Any, origin: str) -> ToolSpec:
    where = f"{origin}: tool {name!r}"
    if not isinstance(table, dict):
        raise ToolsFileError(f"{where}: must be a table")
    unknown = set(table) - _TOOL_KEYS
    if unknown:
        raise ToolsFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    command = table.get("command")
    if (
        not isinstance(command, list)
        or not command
        or not all(isinstance(part, str) and part for part in command)
    ):
        raise ToolsFileError(f"{where}: `command` must be a non-empty list of strings (an argv)")
    approve = table.get("approve", "ask")
    if approve not in APPROVE_MODES:
        raise ToolsFileError(f"{where}: `approve` must be 'ask' or 'auto', got {approve!r}")
    timeout = table.get("timeout_s", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ToolsFileError(f"{where}: `timeout_s` must be a positive number")
    parameters = table.get("parameters", {"type": "object", "properties": {}})
    if not isinstance(parameters, dict):
        raise ToolsFileError(f"{where}: `parameters` must be a table (a JSON Schema)")
    description = table.get("description", "")
    if not isinstance(description, str):
        raise ToolsFileError(f"{where}: `description` must be a string")
    pass_env = table.get("pass_env", [])
    if not isinstance(pass_env, list) or not all(
        isinstance(v, str) and v.replace("_", "").isalnum() for v in pass_env
    ):
        raise ToolsFileError(
            f"{where}: `pass_env` must be a list of environment variable names, "
            'e.g. ["MIMO_API_KEY"]'
        )
    if not name.replace("_", "").replace("-", "").isalnum() or len(name) > 64:
        raise ToolsFileError(f"{where}: a tool name may use letters, digits, _ and - (max 64)")
    return ToolSpec(
        name=name,
        description=description,
        parameters=parameters,
        command=tuple(command),
        timeout_s=float(timeout),
        approve=approve,
        source=origin,
        pass_env=tuple(pass_env),
    )


def load_tools_file(path: Path) -> tuple[list[ToolSpec], list[str]]:
    """Every valid tool in the file, and one message per problem. A missing file is empty."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [f"{path}: cannot read ({exc.strerror})"]
    except UnicodeDecodeError as exc:
        return [], [f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start})"]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [], [f"{path}: not valid TOML ({exc})"]
    tables = data.get("tools", {})
    problems = [
        f"{path}: unknown top-level key {k!r} (tools go in [tools.NAME])"
        for k in data
        if k != "tools"
    ]
    if not isinstance(tables, dict):
        return [], [*problems, f"{path}: `tools` must be a table"]
    specs = []
    for name, table in tables.items():
        try:
            spec = _check_tool(name, table, str(path))
        except ToolsFileError as exc:
            problems.append(str(exc))
            continue
        if name in BUILTINS:
            problems.append(f"{path}: tool {name!r}: the name is taken by a built-in tool")
            continue
        specs.append(spec)
    return specs, problems


# ---- built-ins ---------------------------------------------------------------------------------


async def _current_time(args: dict[str, Any], ctx: BuiltinContext) -> str:
    now = ctx.now()
    return json.dumps(
        {
            "iso": now.isoformat(timespec="seconds"),
            "weekday": now.strftime("%A"),
            "timezone": now.tzname() or "",
        }
    )


READ_CAP = 64 * 1024


# Kernel file systems: their "regular files" are live process and device state (a process's
# environment holds MIMO_API_KEY), never a user's text. Refused after resolving links.
SYSTEM_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))
_MAX_WALK = 5000  # files looked at in the app's folders (a runaway folder must not stall a call)


def _system_area(target: Path) -> Path | None:
    return next((root for root in SYSTEM_ROOTS if target.is_relative_to(root)), None)


def _system_devices() -> set[int]:
    """The devices of /proc, /sys and /dev (a bind mount elsewhere shares them), never the
    root file system's own (in a chroot without them mounted they are plain folders)."""
    try:
        root_dev = os.stat("/").st_dev
    except OSError:
        return set()
    out = set()
    for root in SYSTEM_ROOTS:
        with contextlib.suppress(OSError):
            out.add(os.stat(root).st_dev)
    return out - {root_dev}


def _file_ids(folders: tuple[Path, ...]) -> set[tuple[int, int]]:
    """(device, inode) of every file in the app's own folders: the key file, the session store
    and its -wal/-shm. A hard link to one of them elsewhere has the same pair, not the path."""
    ids: set[tuple[int, int]] = set()
    for folder in folders:
        for dirpath, _dirs, files in os.walk(folder):
            for name in files:
                if len(ids) >= _MAX_WALK:
                    return ids
                with contextlib.suppress(OSError):
                    st = os.stat(os.path.join(dirpath, name), follow_symlinks=False)
                    ids.add((st.st_dev, st.st_ino))
    return ids


async def _read_file(args: dict[str, Any], ctx: BuiltinContext) -> str:
    raw = args.get("path")
    if not isinstance(raw, str) or not raw:
        raise ValueError("`path` must be a non-empty string")
    root = ctx.cwd.resolve()
    target = (root / raw).resolve()  # follows symlinks: a link out of the folder is refused
    if not target.is_relative_to(root):
        raise PermissionError(f"{raw!r} is outside the working directory")
    for forbidden in ctx.forbidden:
        if target.is_relative_to(forbidden.resolve()):
            raise PermissionError(f"{raw!r} is inside mimo-tui's own config or data folder")
    area = _system_area(target)
    if area is not None:
        raise PermissionError(
            f"{raw!r} is under {area}, live process and device state (environment variables "
            "included); read_file never reads there"
        )
    if not target.is_file():
        raise FileNotFoundError(f"{raw!r} is not a file")
    # Checked on the opened file itself, so a swap after the checks above reads nothing.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    with open(target, "rb", opener=lambda path, _: os.open(path, flags)) as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise FileNotFoundError(f"{raw!r} is not a file")
        if st.st_dev in _system_devices():
            raise PermissionError(
                f"{raw!r} is live process or device state; read_file never reads it"
            )
        if (st.st_dev, st.st_ino) in _file_ids(ctx.forbidden):
            raise PermissionError(
                f"{raw!r} is another name (a hard link) for one of mimo-tui's own files "
                "(the API key file or the session store); read_file never reads those"
            )
        data = fh.read(READ_CAP + 1)
    text = data[:READ_CAP].decode("utf-8", "replace")
    if len(data) > READ_CAP:
        text += f"\n[truncated: the file is larger than {READ_CAP // 1024} KiB]"
    return text


BUILTINS: dict[str, ToolSpec] = {
    "current_time": ToolSpec(
        "current_time",
        "Get the current local date, time, weekday and time zone.",
        {"type": "object", "properties": {}},
        builtin=_current_time,
        approve="auto",
    ),
    "read_file": ToolSpec(
        "read_file",
        "Read a UTF-8 text file below the current working directory (at most 64 KiB).",
        {
            "type": "object",
            "properties": {"path": {"type": "string", "description": "a relative path"}},
            "required": ["path"],
        },
        builtin=_read_file,
        approve="ask",
    ),
}


def available_tools(tools_file: Path) -> tuple[dict[str, ToolSpec], list[str]]:
    """Built-ins and the file's tools by name, and the file's problems."""
    specs, problems = load_tools_file(tools_file)
    out = dict(BUILTINS)
    out.update({s.name: s for s in specs})
    return out, problems


def default_selection(available: dict[str, ToolSpec], servers: Iterable[str] = ()) -> list[str]:
    """User-defined tools are offered unless deselected; built-ins only when chosen. Every
    tool of a configured MCP server (`server.*`) is offered, like a tools.toml tool."""
    names = [name for name, spec in available.items() if spec.builtin is None]
    return names + [f"{server}.*" for server in servers]


def parse_selection(
    text: str, available: dict[str, ToolSpec], servers: Iterable[str] = ()
) -> list[str]:
    """`--tools NAME,...|all|none` -> names; ValueError names the unknown ones.

    An MCP server's tools are `server.tool`, or all of them `server.*` (or just `server`);
    its tools are not known before it starts, so any `server.tool` of a configured server is
    accepted here (an unknown one is offered as nothing).
    """
    servers = list(servers)
    text = text.strip()
    if text == "all":
        return [*available, *(f"{s}.*" for s in servers)]
    if text in ("none", ""):
        return []
    names = []
    for raw in (n.strip() for n in text.split(",")):
        if raw in servers:
            raw = f"{raw}.*"
        if raw:
            names.append(raw)
    unknown = [n for n in names if n not in available and n.partition(".")[0] not in servers]
    if unknown:
        known = [*available, *(f"{s}.*" for s in servers)]
        raise ValueError(
            f"unknown tool(s) {', '.join(unknown)}; available: {', '.join(known) or 'none'}"
        )
    return names
