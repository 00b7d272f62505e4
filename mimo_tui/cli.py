"""The `mimo-tui` command: the TUI by default, plus `ask`, `config` and `key`.

Answers go to stdout, everything else to stderr. Exit codes: 0 ok, 1 API or network error,
2 usage or configuration error, 130 cancelled, 141 stdout's reader went away (see
cli_signals and __main__). Only the TUI path imports textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from mimo_tui import __version__, gc_policy
from mimo_tui.cli_compact import OPS as COMPACT_OPS
from mimo_tui.cli_compact import cmd_compact
from mimo_tui.cli_sessions import add_parsers as add_session_parsers
from mimo_tui.cli_sessions import cmd_sessions, cmd_usage, note_recovery
from mimo_tui.cli_signals import CtrlC
from mimo_tui.config import (
    ConfigError,
    Paths,
    Settings,
    load_settings,
)
from mimo_tui.errors import ApiError
from mimo_tui.key_file import key_problem, write_key_file
from mimo_tui.model import Message, ToolRecord, Usage
from mimo_tui.store import StoreError
from mimo_tui.text import redact, visible

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130


def _common(parser: argparse.ArgumentParser, sub: bool = False) -> None:
    """The flags both `mimo-tui` and `mimo-tui ask` take. A sub-command's copy has no
    defaults (SUPPRESS): otherwise argparse lets the sub-command's default overwrite the
    same flag given before it, and `mimo-tui -m X ask` would silently send the default
    model. So a flag counts wherever it stands; given on both sides, the later one wins."""
    import argparse

    before = parser.argument_default
    if sub:  # the groups below take the container's argument_default when made
        parser.argument_default = argparse.SUPPRESS
    g = parser.add_argument_group("model and connection")
    g.add_argument("-m", "--model", help="model id (default mimo-v2.5-pro)")
    g.add_argument("--base-url", help="OpenAI-compatible base URL (…/v1)")
    g.add_argument(
        "--api",
        choices=["openai", "anthropic"],
        help="wire format of new sessions (default openai; anthropic needs the extra "
        "'mimo-tui[anthropic]'); a session keeps its own",
    )
    g.add_argument("--lang", choices=["en", "zh"], help="system prompt language")
    g.add_argument("--no-thinking", action="store_true", help="turn MiMo's thinking mode off")
    g.add_argument("--no-system", action="store_true", help="send no system prompt")
    g.add_argument(
        "--web-search",
        action="store_true",
        help="let MiMo search the web (its Web Search plugin, billed per search; "
        "options in config.toml's [web_search])",
    )
    g.add_argument(
        "--demo",
        action="store_true",
        help="use the built-in offline MiMo simulator (no key needed)",
    )
    g.add_argument(
        "--tools",
        metavar="NAMES",
        help="tools to offer: NAME,... | all | none (default: the session's choice)",
    )
    g.add_argument("--tools-file", metavar="PATH", help="read tool definitions from PATH")
    g.add_argument(
        "--mcp-config",
        metavar="FILE",
        help='MCP servers from a JSON file in the common {"mcpServers": ...} shape',
    )
    s = parser.add_argument_group("session")
    s.add_argument(
        "-c",
        "--continue",
        dest="resume",
        action="store_true",
        help="continue the most recent session",
    )
    s.add_argument("--session", metavar="ID", help="continue session ID (or a unique prefix)")
    parser.argument_default = before


def version_text() -> str:
    """`mimo-tui 0.1.0 (Python 3.11.7, Textual 8.2.8)`: what a bug report needs. Textual's
    version is read from its metadata, not by importing it (that is ~100 ms)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    try:
        textual = version("textual")
    except PackageNotFoundError:
        textual = "not installed"
    return f"mimo-tui {__version__} (Python {platform.python_version()}, Textual {textual})"


def _version_action() -> type:
    import argparse

    class VersionAction(argparse.Action):
        """--version, its text made only when asked for (not on every parse)."""

        def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
            super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

        def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
            print(version_text())
            parser.exit()

    return VersionAction


def build_parser() -> argparse.ArgumentParser:
    import argparse
    from argparse import SUPPRESS

    parser = argparse.ArgumentParser(
        prog="mimo-tui",
        description="A terminal chat client for Xiaomi MiMo. Without a command, opens the chat UI.",
    )
    parser.add_argument(
        "--version",
        action=_version_action(),
        help="print mimo-tui's version and those of Python and Textual, then exit",
    )
    _common(parser)
    parser.add_argument("--theme", help="UI theme")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = sub.add_parser(
        "ask",
        help="answer one prompt without the UI",
        description="Answer one prompt: the answer on stdout.",
    )
    ask.add_argument("prompt", nargs="?", help="the prompt; '-' or omitted reads stdin")
    ask.add_argument(
        "--json", action="store_true", help="print the final assistant message as JSON"
    )
    ask.add_argument(
        "--show-reasoning", action="store_true", help="stream the model's reasoning to stderr"
    )
    ask.add_argument("-y", "--yes", action="store_true", help="run every tool call without asking")
    from mimo_tui import cli_attach  # with the parser: plain `mimo-tui` builds none

    cli_attach.add_arguments(ask)
    ask.add_argument(
        "-e",
        "--editor",
        action="store_true",
        help="write the prompt in $VISUAL/$EDITOR (starting from PROMPT, if given)",
    )
    _common(ask, sub=True)

    sub.add_parser("config", help="print the effective settings and every path")
    tools = sub.add_parser("tools", help="list every tool with its source and schema")
    tools.add_argument(  # SUPPRESS: `mimo-tui --tools-file P tools` keeps P (see _common)
        "--tools-file", metavar="PATH", default=SUPPRESS, help="read tool definitions from PATH"
    )
    tools.add_argument(
        "--mcp-config", metavar="FILE", default=SUPPRESS, help="MCP servers from a JSON file"
    )
    tools.add_argument("--json", action="store_true", help="print the list as JSON")

    themes = sub.add_parser("themes", help="list the themes (bundled, yours, Textual's)")
    themes.add_argument("--json", action="store_true", help="print the list as JSON")

    add_session_parsers(sub)
    # Imported here, not at the top: plain `mimo-tui` builds no parser (see parse_args).
    from mimo_tui.cli_completion import add_parser as add_completion_parser
    from mimo_tui.cli_serve import add_parser as add_serve_parser

    add_serve_parser(sub, _common)
    add_completion_parser(sub)

    key = sub.add_parser("key", help="store, show or delete the API key file")
    key.add_argument("action", choices=["set", "show", "delete"])
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {
        "model": getattr(args, "model", None),
        "base_url": getattr(args, "base_url", None),
        "lang": getattr(args, "lang", None),
        "api": getattr(args, "api", None),
        "demo": getattr(args, "demo", False) or None,
    }
    if getattr(args, "no_thinking", False):
        out["thinking"] = False
    if getattr(args, "no_system", False):
        out["send_system_prompt"] = False
    if getattr(args, "web_search", False):
        out["web_search"] = True
    if getattr(args, "theme", None):
        out["theme"] = args.theme
    out["tools"] = getattr(args, "tools", None)
    out["tools_file"] = getattr(args, "tools_file", None)
    out["mcp_config"] = getattr(args, "mcp_config", None)
    return out


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line, parsed (build_parser imports argparse: ~4 ms, not with the module)."""
    return build_parser().parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command is not None:  # the entry point imported us with the collector off
        gc_policy.resume()
    paths = Paths.default()
    try:
        settings = load_settings(paths, overrides=_overrides(args))
    except ConfigError as exc:
        print(f"mimo-tui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.command is not None:  # the TUI shows them as notifications
        for notice in settings.notices:
            print(f"mimo-tui: {visible(notice)}", file=sys.stderr)
    if settings.api == "anthropic" and args.command in (None, "ask"):
        problem = anthropic_missing(importing=args.command == "ask")
        if problem:  # before the store is opened: nothing is created
            print(f"mimo-tui: {problem}", file=sys.stderr)
            return EXIT_USAGE
    if args.command == "config":
        return cmd_config(settings, paths)
    if args.command == "key":
        return cmd_key(args.action, settings, paths)
    if args.command == "tools":
        return cmd_tools(settings, paths, args.json)
    if args.command == "themes":
        return cmd_themes(settings, paths, args.json)
    if args.command == "serve":
        return cmd_serve(args)
    if args.command == "completion":
        from mimo_tui.cli_completion import cmd_completion

        return cmd_completion(args, build_parser(), paths)
    if args.command in ("sessions", "usage", "ask"):
        if args.command == "sessions" and args.op in COMPACT_OPS:  # these need the API
            return cmd_compact(args, settings, paths)
        if args.command == "sessions":
            return cmd_sessions(args, paths, settings.api_key)
        if args.command == "usage":
            return cmd_usage(args, paths, settings.catalogue)
        return cmd_ask(args, settings, paths)
    gc_policy.pause()  # until the TUI's first frame is drawn (see gc_policy)
    from mimo_tui.ui.app import run_tui  # textual only on the path that draws

    try:
        return run_tui(settings, paths, resume=args.resume, session_ref=args.session)
    except ConfigError as exc:
        print(f"mimo-tui: {exc}", file=sys.stderr)
        return EXIT_USAGE


def cmd_serve(args: argparse.Namespace) -> int:
    """The chat UI in a browser (cli_serve.py has the rules, ui/serve.py the server)."""
    from mimo_tui.cli_serve import child_command, textual_serve_missing

    problem = textual_serve_missing()
    if problem:
        print(f"mimo-tui: {problem}", file=sys.stderr)
        return EXIT_USAGE
    from mimo_tui.ui.serve import serve

    return serve(child_command(args), args.host, args.port)


def anthropic_missing(importing: bool) -> str | None:
    """Why the anthropic format cannot be used (naming the extra to install), or None.

    `ask` imports the SDK, as it would a moment later anyway: a package that is found but
    does not import (a broken or partial install) is as missing as none. The TUI only looks
    for it, to keep its start fast; a failing import shows there as the reply's error.
    """
    from mimo_tui.anthropic_client import INSTALL_HINT, sdk_installed

    if not importing:
        return None if sdk_installed() else INSTALL_HINT
    try:
        import anthropic  # noqa: F401
    except ImportError as exc:
        if not sdk_installed():
            return INSTALL_HINT
        return (
            f"The anthropic format needs the anthropic SDK, which is installed but does not "
            f"import ({visible(str(exc))}): pip install 'mimo-tui[anthropic]' "
            "(or choose --api openai)"
        )
    return None


# ---- config / key ------------------------------------------------------------------------------


# Settings fields that are bookkeeping, not something a user sets: `config` leaves them out.
# not settings, or shown as their own table
_CONFIG_HIDDEN = frozenset(
    {"api_key_source", "explicit", "keymap", "notices", "models", "web_search_options"}
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
            print(f"{option} = {json.dumps(chosen, ensure_ascii=False)}")
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


def cmd_key(action: str, settings: Settings, paths: Paths) -> int:
    if action == "show":
        print(f"{redact(settings.api_key)} [{settings.api_key_source}]")
        return EXIT_OK
    if action == "delete":
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
        print(
            json.dumps(
                rows if hub is None else {"tools": rows, "mcp_servers": servers},
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print(f"tools file: {tools_file}")
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


def cmd_themes(settings: Settings, paths: Paths, as_json: bool) -> int:
    """Every theme the TUI can use; `*` marks the one it will start with."""
    from mimo_tui.ui.themes import theme_catalogue  # the TUI's own module; loads textual

    rows, problems = theme_catalogue(paths.themes_dir, settings.theme)
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"user themes folder: {paths.themes_dir}")
        for row in rows:
            mark = "*" if row["current"] else " "
            kind = "dark" if row["dark"] else "light"
            print(visible(f"{mark} {row['name']:<24} {kind:<5}  {row['source']}"))
    for problem in problems:
        print(f"mimo-tui: {visible(problem)}", file=sys.stderr)
    return EXIT_OK


# ---- ask ---------------------------------------------------------------------------------------


def _read_prompt(args: argparse.Namespace) -> str | None:
    if args.editor:
        return _prompt_from_editor(args.prompt if args.prompt != "-" else None)
    if args.prompt and args.prompt != "-":
        return args.prompt
    if "-" in (args.attach or []):  # stdin holds the attachment, not the prompt
        return None
    if args.prompt == "-" or not sys.stdin.isatty():
        return sys.stdin.read()
    return None


def _prompt_from_editor(start: str | None) -> str | None:
    """`ask -e`: the prompt as written in the user's editor (None: nothing to send)."""
    from mimo_tui.external_editor import EditorError, edit_text, editor_argv

    try:
        argv = editor_argv()
        if argv is None:
            print("mimo-tui ask -e: set $VISUAL or $EDITOR", file=sys.stderr)
            return None
        return edit_text(start or "", argv)
    except EditorError as exc:
        print(f"mimo-tui ask -e: {visible(str(exc))}; nothing sent", file=sys.stderr)
        return None


def cmd_ask(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    from mimo_tui import cli_attach

    loaded = cli_attach.load_all(args)
    if isinstance(loaded, str):
        print(f"mimo-tui ask: {loaded}", file=sys.stderr)
        return EXIT_USAGE
    prompt = _read_prompt(args)
    if not prompt or not prompt.strip():
        print("mimo-tui ask: give a prompt, or pipe one on stdin", file=sys.stderr)
        return EXIT_USAGE
    if settings.key_problem and not settings.demo:
        return EXIT_USAGE  # main() printed why the key was not used
    if not settings.api_key and not settings.demo:
        print(
            "mimo-tui: no API key. Export MIMO_API_KEY, or run `mimo-tui key set`; "
            "`mimo-tui ask --demo` uses the offline simulator.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from mimo_tui.runtime import build_runtime

    try:
        runtime = build_runtime(settings, paths, approver=ask_approver(args.yes))
        note_recovery(runtime.store)
    except (StoreError, ConfigError) as exc:
        print(f"mimo-tui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for problem in runtime.tool_problems:
        print(f"mimo-tui: {visible(problem)}", file=sys.stderr)
    try:
        try:
            session = runtime.session(args.resume, args.session)
        except StoreError as exc:
            print(f"mimo-tui: {exc}", file=sys.stderr)
            return EXIT_USAGE
        missing = anthropic_missing(True) if runtime.settings.api == "anthropic" else None
        if missing:  # a continued session keeps its own format, whatever --api says
            print(f"mimo-tui: {missing}", file=sys.stderr)
            return EXIT_USAGE
        for notice in runtime.take_notices():
            print(f"mimo-tui: {visible(notice)}", file=sys.stderr)
        refused = cli_attach.model_problem(loaded, runtime.settings.model, runtime.engine.catalogue)
        if refused:  # before anything is saved or sent
            print(f"mimo-tui: {refused}", file=sys.stderr)
            runtime.store.delete_if_empty(session.id)
            return EXIT_USAGE
        printer = AskPrinter(sys.stdout, sys.stderr, args.show_reasoning, args.json)
        try:
            return asyncio.run(_ask(runtime, session.id, prompt, printer, loaded))
        except KeyboardInterrupt:
            printer.end()
            print("mimo-tui: cancelled; the partial reply is saved", file=sys.stderr)
            return EXIT_CANCELLED
    finally:
        runtime.close()


class AskPrinter:
    """Streams `ask` output. On a terminal, model text is made visible; piped, it is exact."""

    def __init__(self, out: TextIO, err: TextIO, show_reasoning: bool, as_json: bool) -> None:
        self.out, self.err = out, err
        self.show_reasoning = show_reasoning
        self.as_json = as_json
        self.out_tty = out.isatty()
        self.err_tty = err.isatty()
        self._in_reasoning = False
        self._wrote = False
        self.sources: list[dict[str, Any]] | None = None  # the turn's last web sources, raw

    def _emit(self, stream: TextIO, text: str, tty: bool) -> None:
        stream.write(visible(text) if tty else text)
        stream.flush()

    def reasoning(self, text: str) -> None:
        if not self.show_reasoning:
            return
        if not self._in_reasoning and self.err_tty:
            self.err.write("\x1b[2m")
        self._in_reasoning = True
        self._emit(self.err, text, self.err_tty)

    def _close_reasoning(self) -> None:
        if self._in_reasoning:
            self.err.write("\x1b[0m\n" if self.err_tty else "\n")
            self.err.flush()
            self._in_reasoning = False

    def content(self, text: str) -> None:
        self._close_reasoning()
        if not self.as_json:
            self._emit(self.out, text, self.out_tty)
            self._wrote = True

    def end(self) -> None:
        self._close_reasoning()
        if self._wrote:
            self.out.write("\n")
            self.out.flush()
            self._wrote = False

    def final(self, session_id: str, message: Message, usage_total: Any) -> None:
        from mimo_tui.web_search import sources_block, sources_json

        self.end()
        if self.as_json:
            payload = {
                "session_id": session_id,
                "role": "assistant",
                "content": message.content,
                "reasoning_content": message.reasoning_content,
                "tool_calls": [c.to_api() for c in message.tool_calls],
                "finish_reason": message.finish_reason,
                "status": message.status,
                "usage": {
                    "prompt_tokens": usage_total.prompt_tokens,
                    "completion_tokens": usage_total.completion_tokens,
                    "reasoning_tokens": usage_total.reasoning_tokens,
                    "cached_tokens": usage_total.cached_tokens,  # null: not reported
                },
                **sources_json(self.sources),
            }
            self.out.write(json.dumps(payload, ensure_ascii=False) + "\n")
            self.out.flush()
        elif self.sources:  # after the answer, on stderr: stdout stays the answer
            self.err.write(visible(sources_block(self.sources)) + "\n")
            self.err.flush()

    def tool(self, record: ToolRecord) -> None:
        """One line on stderr per finished tool call."""
        self.end()
        took = f" {record.duration_ms / 1000:.1f} s" if record.duration_ms else ""
        first = record.result.strip().splitlines()[0][:120] if record.result.strip() else ""
        mcp = record.mcp or {}
        name = f"{mcp.get('server')}.{mcp.get('tool')}" if mcp else record.name
        self.err.write(
            visible(f"⚙ {name}({record.arguments}) → {record.status}{took}: {first}") + "\n"
        )
        self.err.flush()

    def error(self, text: str) -> None:
        self.end()
        self.err.write(f"mimo-tui: {visible(text)}\n")
        self.err.flush()


async def _prompt(text: str) -> str:
    """Ask on stderr and read a line from stdin: stdout carries only the answer."""
    sys.stderr.write(text)
    sys.stderr.flush()
    return (await asyncio.to_thread(sys.stdin.readline)).rstrip("\r\n")


async def _edited_arguments() -> str | None:
    """Arguments typed for `e`, asked again until they are a JSON object (None: go back)."""
    from mimo_tui.tool_runner import arguments_problem

    while True:
        text = await _prompt("arguments (JSON): ")
        if not text.strip():
            return None
        problem = arguments_problem(text)
        if problem is None:
            return text
        print(
            f"mimo-tui: {visible(problem)}; type them again (an empty line goes back)",
            file=sys.stderr,
        )


def ask_approver(yes: bool) -> Any:
    """Approval for `ask`: --yes runs all; a y/n/e/a prompt on a terminal; else deny, and say so."""
    from mimo_tui.tool_runner import ApprovalRequest, Decision

    async def approve(request: ApprovalRequest) -> Decision:
        name = visible(request.record.name)
        if yes:
            return Decision("run")
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            print(
                f"mimo-tui: denied the call to {name}: no terminal to ask on "
                "(pass --yes to run tool calls)",
                file=sys.stderr,
            )
            return Decision("deny")
        print(f"\nThe model wants to run {name}:", file=sys.stderr)
        print(visible(request.arguments_pretty), file=sys.stderr)
        spec = request.spec
        if spec.mcp_server:
            print(visible(f"MCP server {spec.mcp_server}, tool {spec.mcp_tool}"), file=sys.stderr)
        else:
            print("command: " + visible(" ".join(spec.display_command())), file=sys.stderr)
        while True:
            answer = await _prompt("Run it? [y]es / [n]o / [e]dit arguments / [a]lways: ")
            answer = answer.strip().lower()
            if answer in ("y", "yes"):
                return Decision("run")
            if answer in ("a", "always"):
                return Decision("run", always=True)
            if answer in ("n", "no", ""):
                return Decision("deny")
            if answer in ("e", "edit"):
                edited = await _edited_arguments()
                if edited is not None:
                    return Decision("run", arguments=edited)

    return approve


async def _ask(
    runtime: Any,
    session_id: str,
    prompt: str,
    printer: AskPrinter,
    attachments: list[Any] | None = None,
) -> int:
    from mimo_tui.compaction import compacted_note
    from mimo_tui.events import (  # with the engine: the TUI's start does without them
        Compacted,
        ContentDelta,
        ReasoningDelta,
        RetryScheduled,
        RoundFinished,
        ToolCallUpdated,
        TurnFailed,
        TurnFinished,
    )
    from mimo_tui.retries import retry_note

    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    ctrl_c = CtrlC(task, loop)
    ctrl_c.install()
    total = Usage()
    try:
        turn = runtime.engine.turn(session_id, prompt, attachments or ())
        async with contextlib.aclosing(turn) as events:
            async for event in events:
                ctrl_c.check()
                if isinstance(event, ReasoningDelta):
                    printer.reasoning(event.text)
                elif isinstance(event, ContentDelta):
                    printer.content(event.text)
                elif isinstance(event, TurnFailed):
                    printer.error(event.error)
                    return EXIT_USAGE if event.kind in ("no_key", "plan_mismatch") else EXIT_API
                elif isinstance(event, ToolCallUpdated) and event.record.final:
                    printer.tool(event.record)
                elif isinstance(event, RetryScheduled):  # said, as the TUI's status line does
                    wait, retry = event.wait_s, event.attempt
                    note = retry_note(event.status, wait, event.exact, retry, event.max_retries)
                    printer.error(note[0])
                elif isinstance(event, Compacted):
                    printer.error(compacted_note(*event))
                elif isinstance(event, RoundFinished):
                    total = total + (event.message.usage or Usage())
                    printer.sources = event.message.sources or printer.sources
                elif isinstance(event, TurnFinished):
                    printer.final(session_id, event.message, total)
                    if event.notice:
                        printer.error(event.notice)
    except asyncio.CancelledError:
        ctrl_c.stopped()
        printer.end()
        print("mimo-tui: cancelled; the partial reply is saved", file=sys.stderr)
        return EXIT_CANCELLED
    except ApiError as exc:  # defensive: the engine reports errors as events
        printer.error(str(exc))
        return EXIT_API
    finally:
        ctrl_c.stopped()
        try:
            await runtime.close_client()  # and stops the MCP servers this turn started
        finally:
            ctrl_c.uninstall()
    return EXIT_OK
