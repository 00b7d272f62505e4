"""`mimo-tui config`, `key` and `tools`: what the CLI shows of the settings, the key and the
tools it would offer, each with where it came from (so a surprising value can be traced).

Plain text on stdout, problems on stderr; every value read from a file or the environment
passes through `visible` first.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from mimo_tui.config import Paths, Settings
from mimo_tui.key_file import key_problem, write_key_file
from mimo_tui.text import one_line, redact, visible, visible_json

EXIT_OK, EXIT_USAGE = 0, 2


# Settings fields that are bookkeeping, not something a user sets: `config` leaves them out.
# not settings, or shown as their own table
_CONFIG_HIDDEN = frozenset(
    {
        "api_key_source",
        "explicit",
        "keymap",
        "notices",
        "models",
        "web_search_options",
        "key_problem",  # said on stderr, as the other notices
    }
)
# Set only by a flag for one run: shown when given.
_CONFIG_FLAG_ONLY = frozenset({"demo", "tools", "tools_file", "mcp_config"})
_CONFIG_ENV = {"base_url": "MIMO_BASE_URL", "model": "MIMO_MODEL"}
_CONFIG_UNSET = {  # what None means, where it means something
    "system_prompt": "(not set: MiMo's recommended prompt)",
    "max_completion_tokens": "(not set: the API's default)",
}


def _config_source(name: str, settings: Settings, from_file: dict[str, Any]) -> str:
    """Where a setting's value came from, by the precedence load_settings applies."""
    if name in settings.explicit:
        return "command line"
    env = _CONFIG_ENV.get(name)
    if env and os.environ.get(env):
        return f"environment {env}"
    return "config.toml" if name in from_file else "default"


def _config_value(value: Any) -> str:
    """A value as TOML would write it; `(not set)` for None, which TOML cannot say."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(visible(str(value)), ensure_ascii=False)


def cmd_config(settings: Settings, paths: Paths) -> int:
    """The effective settings as `key = value  # where it came from`, then every path."""
    from dataclasses import fields

    from mimo_tui.config import read_config_file

    # It loaded a moment ago; its bad entries (already reported) are left out: defaults.
    from_file = read_config_file(paths.config_file, notices=[])
    rows: list[tuple[str, str, str]] = []
    for f in fields(settings):
        name = f.name
        if name in _CONFIG_HIDDEN or (name in _CONFIG_FLAG_ONLY and name not in settings.explicit):
            continue
        if name == "api_key":  # only ever redacted, so not in quotes: it is not the value
            value, source = redact(settings.api_key), settings.api_key_source
            if not settings.api_key:
                source = "export MIMO_API_KEY, or run `mimo-tui key set`"
        elif getattr(settings, name) is None and name in _CONFIG_UNSET:
            value, source = _CONFIG_UNSET[name], _config_source(name, settings, from_file)
        else:
            value = _config_value(getattr(settings, name))
            source = _config_source(name, settings, from_file)
        rows.append((name, visible(value), visible(source)))  # config.toml's text
    width = max(len(f"{n} = {v}") for n, v, _ in rows) + 2
    print(f"# settings: default < {paths.config_file} < environment < command line")
    for name, value, source in rows:
        print(f"{name + ' = ' + value:<{width}}# {source}")
    if settings.keymap:
        print("\n[keys]  # config.toml")
        for action, key in sorted(settings.keymap.items()):
            print(f"{visible(action)} = {_config_value(key)}")
    for model_id, info in sorted(settings.models.items()):
        print(f"\n[models.{_config_value(model_id)}]  # config.toml")
        print(f"context_window = {info.context_window}\nmax_output = {info.max_output}")
    if settings.web_search_options:
        print("\n[web_search]  # config.toml")
        for option, chosen in settings.web_search_options.items():
            print(f"{option} = {visible_json(chosen, indent=None)}")
    print("\n[paths]")
    for name in (
        "config_file",
        "key_file",
        "tools_file",
        "mcp_file",
        "mcp_log_dir",
        "themes_dir",
        "store_file",
        "demo_store_file",
    ):
        print(f"{name} = {_config_value(str(getattr(paths, name)))}")
    return EXIT_OK


def cmd_key(action: str, settings: Settings, paths: Paths, yes: bool = False) -> int:
    if action == "show":
        print(f"{redact(settings.api_key)} [{settings.api_key_source}]")
        if not settings.api_key:
            print(
                "mimo-tui: no key is set: export MIMO_API_KEY=…, or run `mimo-tui key set`",
                file=sys.stderr,
            )
        return EXIT_OK
    if action == "delete":
        if not paths.key_file.exists():
            print(f"no key file at {paths.key_file}", file=sys.stderr)
            return EXIT_USAGE
        if not yes:  # as `sessions delete`: a key cannot be got back from here
            if not sys.stdin.isatty():
                print(
                    "mimo-tui: deleting the key needs --yes when there is no terminal to "
                    "confirm on",
                    file=sys.stderr,
                )
                return EXIT_USAGE
            answer = input(f"Delete the API key file {paths.key_file}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print("kept", file=sys.stderr)
                return EXIT_OK
        try:
            paths.key_file.unlink()
        except FileNotFoundError:
            print(f"no key file at {paths.key_file}", file=sys.stderr)
            return EXIT_USAGE
        print(f"deleted {paths.key_file}", file=sys.stderr)
        return EXIT_OK
    if sys.stdin.isatty():
        import getpass

        key = getpass.getpass("MiMo API key (input hidden): ")
    else:
        key = sys.stdin.readline()
    key = key.strip()
    problem = key_problem(key) if key else "is empty"
    if problem:
        print(f"mimo-tui: the key {problem}; nothing written", file=sys.stderr)
        return EXIT_USAGE
    write_key_file(paths.key_file, key)
    print(f"stored the key in {paths.key_file} (mode 0600): {redact(key)}", file=sys.stderr)
    if os.environ.get("MIMO_API_KEY"):
        print("note: MIMO_API_KEY is set in the environment and takes precedence", file=sys.stderr)
    return EXIT_OK


def cmd_tools(settings: Settings, paths: Paths, as_json: bool) -> int:
    from pathlib import Path

    from mimo_tui.runtime import mcp_hub
    from mimo_tui.tools import available_tools, default_selection

    tools_file = Path(settings.tools_file) if settings.tools_file else paths.tools_file
    available, problems = available_tools(tools_file)
    hub = mcp_hub(settings, paths, problems)
    servers: list[dict[str, Any]] = []
    if hub is not None:  # MCP tools are known once their servers answer: start, list, stop
        from mimo_tui.cli_mcp import list_servers

        servers = list_servers(hub, available)
    default = set(default_selection(available))
    rows: list[dict[str, Any]] = [
        {
            "name": label,
            "api_name": spec.name,
            "source": spec.source,
            "approve": spec.approve,
            "offered_by_default": label in default or bool(spec.mcp_server),
            "command": spec.display_command(),
            "timeout_s": spec.timeout_s,
            "description": spec.description,
            "parameters": spec.parameters,
            "pass_env": list(spec.pass_env),
        }
        for label, spec in available.items()
    ]
    if as_json:
        print(visible_json(rows if hub is None else {"tools": rows, "mcp_servers": servers}))
    else:
        print(f"tools file: {one_line(str(tools_file))}")
        for server in servers:
            print(
                visible(f"MCP server {server['name']}: {server['status']}  ({server['transport']})")
            )
        for row in rows:
            mark = "on " if row["offered_by_default"] else "off"
            where = visible(f"{row['source']}, approve={row['approve']}")
            print(f"\n[{mark}] {visible(row['name'])}  ({where})")
            if row["api_name"] != row["name"]:
                print(f"      sent to the API as: {row['api_name']}")
            if row["description"]:
                print(f"      {visible(row['description'])}")
            print(f"      command: {visible(' '.join(row['command']))}")
            schema = json.dumps(row["parameters"], ensure_ascii=True)
            print(f"      parameters: {schema}")
            if passed := available[str(row["name"])].pass_env:
                print(f"      secrets passed in its environment: {', '.join(passed)}")
    for problem in problems:
        print(f"mimo-tui: {visible(problem)}", file=sys.stderr)
    failed = any(s["state"] == "failed" for s in servers)
    # A broken tools.toml is a configuration error, even though the good tools still list:
    # a script checking the file (`mimo-tui tools && ...`) must see it.
    return EXIT_USAGE if problems or failed else EXIT_OK
