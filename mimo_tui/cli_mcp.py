"""`mimo-tui tools` with MCP servers configured: start each, list its tools, stop it."""

from __future__ import annotations

import asyncio
from typing import Any

from mimo_tui.mcp_hub import McpHub
from mimo_tui.tools import ToolSpec


def list_servers(hub: McpHub, available: dict[str, ToolSpec]) -> list[dict[str, Any]]:
    """Every server's status; the tools of those that answered are added to `available`."""

    seen: dict[str, Any] = {}

    async def run() -> None:
        try:
            await hub.ensure(hub.servers)
            seen.update(hub.states)  # before stopping them makes every one "stopped"
        finally:
            await hub.aclose()

    try:
        asyncio.run(run())
    finally:
        hub.kill_all()
    taken = {spec.name for spec in available.values()}
    available.update(hub.specs(taken))
    return [
        {
            "name": name,
            "transport": cfg.describe(),
            "state": seen.get(name, hub.states[name]).state,
            "status": seen.get(name, hub.states[name]).text(),
            "log": str(hub.log_path(name)),
        }
        for name, cfg in hub.servers.items()
    ]
