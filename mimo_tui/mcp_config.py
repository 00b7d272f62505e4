"""MCP servers as tool sources: where they are configured and what a server entry may say.

Three places, read in this order (a later entry of the same name wins):
`~/.config/mimo-tui/mcp.toml` (`[servers.NAME]`), `[mcp.servers.NAME]` in config.toml, and a
JSON file in the `mcpServers` shape other clients use (`--mcp-config FILE`). A server is stdio
(`command`, `args`, `env`, `cwd`) or streamable HTTP (`url`, `headers`); `${VAR}` in env,
headers, args and cwd is taken from the environment. A bad entry is reported (file, server,
problem) and skipped; the others still load. Nothing here imports the `mcp` SDK: it is loaded
only when a configured server is first started (mimo_tui.mcp_hub).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from mimo_tui.tools import APPROVE_MODES

DEFAULT_TIMEOUT_S = 60.0  # one call, as a user tool's timeout_s
DEFAULT_START_TIMEOUT_S = 30.0  # from spawning or connecting to a listed set of tools
_STDIO_KEYS = {"command", "args", "env", "cwd"}
_HTTP_KEYS = {"url", "headers"}
_COMMON_KEYS = {"approve", "timeout_s", "start_timeout_s", "tools", "enabled"}
# Keys other clients write in their mcpServers entries that mean nothing here (or are read
# under another name below): accepted without a complaint.
_FOREIGN_KEYS = {"type", "disabled", "autoApprove", "alwaysAllow", "description", "transport"}
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME_BAD = re.compile(r"[^A-Za-z0-9_-]")


class ServerConfig(NamedTuple):
    """One MCP server, as configured (variables already expanded)."""

    name: str
    source: str  # the file it came from
    command: str = ""  # stdio
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    cwd: str | None = None
    url: str = ""  # streamable HTTP
    headers: tuple[tuple[str, str], ...] = ()
    approve: str = "ask"
    tool_approve: tuple[tuple[str, str], ...] = ()  # per tool: (tool name, ask|auto)
    timeout_s: float = DEFAULT_TIMEOUT_S
    start_timeout_s: float = DEFAULT_START_TIMEOUT_S

    @property
    def transport(self) -> str:
        return "http" if self.url else "stdio"

    def describe(self) -> str:
        """How it is reached, for the approval modal, `mimo-tui tools` and the inspector."""
        if self.url:
            return f"streamable HTTP {self.url}"
        return "stdio: " + " ".join([self.command, *self.args])

    def approve_for(self, tool: str) -> str:
        return dict(self.tool_approve).get(tool, self.approve)


class McpConfigError(Exception):
    pass


def server_name(raw: str) -> str:
    """A server name as it prefixes its tools (`name.tool`): letters, digits, _ and -."""
    return _NAME_BAD.sub("_", raw)[:32] or "server"


def _secret_var(name: str) -> bool:
    """MIMO_API_KEY and the MIMO_* variables a user tool is never given either."""
    from mimo_tui.tool_process import tool_env

    return not tool_env(environ={name: ""})


def expand(text: str, where: str, environ: Mapping[str, str]) -> str:
    """`${VAR}` replaced from the environment. An unset variable, or one of mimo-tui's own
    secrets (MIMO_API_KEY...), is a configuration error: a server never gets the key."""

    def one(match: re.Match[str]) -> str:
        var = match.group(1)
        if _secret_var(var):
            raise McpConfigError(
                f"{where}: ${{{var}}} is one of mimo-tui's own secrets; "
                "an MCP server is never given it"
            )
        if var not in environ:
            raise McpConfigError(f"{where}: ${{{var}}} is not set in the environment")
        return environ[var]

    return _VAR.sub(one, text)


def _strings(value: Any, what: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise McpConfigError(f"{where}: `{what}` must be a list of strings")
    return list(value)


def _table(value: Any, what: str, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise McpConfigError(f"{where}: `{what}` must be a table of strings")
    return dict(value)


def _number(table: dict[str, Any], key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 3600:
        raise McpConfigError(f"{where}: `{key}` must be a number of seconds (0-3600)")
    return float(value)


def check_server(
    raw_name: str, table: Any, source: str, environ: Mapping[str, str] | None = None
) -> ServerConfig | None:
    """One server entry, checked; None when it is disabled. Raises McpConfigError."""
    env_in = os.environ if environ is None else environ
    name = server_name(raw_name)
    where = f"{source}: MCP server {raw_name!r}"
    if not isinstance(table, dict):
        raise McpConfigError(f"{where}: must be a table")
    if table.get("disabled") is True or table.get("enabled") is False:
        return None
    unknown = set(table) - _STDIO_KEYS - _HTTP_KEYS - _COMMON_KEYS - _FOREIGN_KEYS
    if unknown:
        raise McpConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    kind = table.get("type", table.get("transport"))
    if kind in ("sse",):
        raise McpConfigError(f"{where}: the SSE transport is not supported; use streamable HTTP")
    has_command, has_url = "command" in table, "url" in table
    if has_command == has_url:
        raise McpConfigError(f"{where}: give either `command` (stdio) or `url` (streamable HTTP)")
    approve = table.get("approve", "ask")
    if approve not in APPROVE_MODES:
        raise McpConfigError(f"{where}: `approve` must be 'ask' or 'auto', got {approve!r}")
    tool_approve: dict[str, str] = {}
    for tool in _strings(
        table.get("autoApprove", table.get("alwaysAllow", [])), "autoApprove", where
    ):
        tool_approve[tool] = "auto"
    tools = table.get("tools", {})
    if not isinstance(tools, dict):
        raise McpConfigError(f"{where}: `tools` must be a table of [tools.NAME] tables")
    for tool, settings in tools.items():
        mode = settings.get("approve") if isinstance(settings, dict) else None
        if (
            not isinstance(settings, dict)
            or set(settings) - {"approve"}
            or mode not in APPROVE_MODES
        ):
            raise McpConfigError(f'{where}: tool {tool!r}: only `approve = "ask" | "auto"`')
        tool_approve[tool] = mode
    common = {
        "name": name,
        "source": source,
        "approve": approve,
        "tool_approve": tuple(tool_approve.items()),
        "timeout_s": _number(table, "timeout_s", DEFAULT_TIMEOUT_S, where),
        "start_timeout_s": _number(table, "start_timeout_s", DEFAULT_START_TIMEOUT_S, where),
    }
    if has_url:
        if set(table) & _STDIO_KEYS:
            raise McpConfigError(f"{where}: `url` and stdio keys ({', '.join(_STDIO_KEYS)}) mix")
        url = table["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise McpConfigError(f"{where}: `url` must be an http(s) URL")
        headers = {
            k: expand(v, f"{where}: header {k}", env_in)
            for k, v in _table(table.get("headers", {}), "headers", where).items()
        }
        return ServerConfig(
            url=expand(url, f"{where}: url", env_in), headers=tuple(headers.items()), **common
        )
    if set(table) & _HTTP_KEYS:
        raise McpConfigError(f"{where}: `command` and HTTP keys (url, headers) mix")
    command = table["command"]
    if not isinstance(command, str) or not command:
        raise McpConfigError(f"{where}: `command` must be a non-empty string (the program)")
    args = [
        expand(a, f"{where}: args", env_in) for a in _strings(table.get("args", []), "args", where)
    ]
    env = {
        k: expand(v, f"{where}: env {k}", env_in)
        for k, v in _table(table.get("env", {}), "env", where).items()
    }
    cwd = table.get("cwd")
    if cwd is not None and not isinstance(cwd, str):
        raise McpConfigError(f"{where}: `cwd` must be a string (a folder)")
    if cwd:
        cwd = os.path.expanduser(expand(cwd, f"{where}: cwd", env_in))
    return ServerConfig(
        command=expand(command, f"{where}: command", env_in),
        args=tuple(args),
        env=tuple(env.items()),
        cwd=cwd or None,
        **common,
    )


def _servers_from(
    tables: Any, source: str, out: dict[str, ServerConfig], problems: list[str]
) -> None:
    if not isinstance(tables, dict):
        problems.append(f"{source}: the MCP servers must be a table of NAME = {{...}}")
        return
    for raw_name, table in tables.items():
        try:
            server = check_server(str(raw_name), table, source)
        except McpConfigError as exc:
            problems.append(str(exc))
            continue
        if server is not None:
            out[server.name] = server


def _read(path: Path, problems: list[str]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})")
        return None


def load_toml(path: Path, out: dict[str, ServerConfig], problems: list[str], nested: bool) -> None:
    """`[servers.NAME]` of mcp.toml, or `[mcp.servers.NAME]` (config.toml: `nested`)."""
    text = _read(path, problems)
    if text is None:
        return
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path}: not valid TOML ({exc})")
        return
    mcp = data.get("mcp", {}) if nested or "mcp" in data else data
    if not isinstance(mcp, dict):
        problems.append(f"{path}: [mcp] must be a table")
        return
    if not nested:
        problems += [
            f"{path}: unknown top-level key {k!r} (servers go in [servers.NAME])"
            for k in data
            if k not in ("servers", "mcp")
        ]
    if "servers" in mcp:
        _servers_from(mcp["servers"], str(path), out, problems)


def load_json(path: Path, out: dict[str, ServerConfig], problems: list[str]) -> None:
    """The `{"mcpServers": {NAME: {...}}}` file other MCP clients use (or `"servers"`)."""
    before = len(problems)
    text = _read(path, problems)
    if text is None:
        if len(problems) == before:  # not there at all (a file that is, but cannot be
            problems.append(f"{path}: no such file (--mcp-config)")  # read, was named)
        return
    try:
        data = json.loads(text)
    except ValueError as exc:
        problems.append(f"{path}: not valid JSON ({exc})")
        return
    tables = data.get("mcpServers", data.get("servers")) if isinstance(data, dict) else None
    if tables is None:
        problems.append(f'{path}: no "mcpServers" object')
        return
    _servers_from(tables, str(path), out, problems)


def load_servers(
    mcp_file: Path, config_file: Path, extra_json: str | None
) -> tuple[dict[str, ServerConfig], list[str]]:
    """Every configured server by name, and one message per problem."""
    out: dict[str, ServerConfig] = {}
    problems: list[str] = []
    load_toml(mcp_file, out, problems, nested=False)
    load_toml(config_file, out, problems, nested=True)
    if extra_json:
        load_json(Path(extra_json).expanduser(), out, problems)
    return out, problems
