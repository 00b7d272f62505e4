"""The `mimo-tui` command: the TUI by default, plus `ask` and the subcommands (`config`, `key`
and `tools` in cli_config, `sessions` and `usage` in cli_sessions, ...).

Answers go to stdout, everything else to stderr. Exit codes: 0 ok, 1 API or network error,
2 usage or configuration error, 130 cancelled, 141 stdout's reader went away (see
cli_signals and __main__). Only the TUI path imports textual.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from mimo_tui import __version__, gc_policy
from mimo_tui.config import (
    ConfigError,
    Paths,
    Settings,
    load_settings,
)
from mimo_tui.text import one_line, valid_unicode, visible

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


def _parser_class() -> type[argparse.ArgumentParser]:
    import argparse

    class Parser(argparse.ArgumentParser):
        """argparse quotes the command line in its errors (`unrecognized arguments: …`,
        `invalid choice: …`): a word holding ESC would reach the terminal as a control
        sequence (set the title, write the clipboard). Its message is made visible, on one
        line. The sub-commands' parsers are of this class too (add_subparsers uses it)."""

        def error(self, message: str) -> NoReturn:
            self.print_usage(sys.stderr)
            self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)}\n")

    return Parser


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    """The whole command line; without `commands`, only the chat's own flags (see parse_args)."""
    parser = _parser_class()(
        prog="mimo-tui",
        description="A terminal chat client for Xiaomi MiMo. Without a command, opens the chat UI.",
        allow_abbrev=False,  # `ask --n 3` is ask's --n, not an abbreviation of --no-thinking
    )
    parser.add_argument(
        "--version",
        action=_version_action(),
        help="print mimo-tui's version and those of Python and Textual, then exit",
    )
    _common(parser)
    parser.add_argument("--theme", help="UI theme")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if commands:
        _add_commands(sub)
    return parser


def _add_commands(sub: argparse._SubParsersAction) -> None:
    """Every sub-command's parser; their modules come with them (the chat needs none)."""
    from argparse import SUPPRESS

    from mimo_tui import cli_attach, cli_completion, cli_serve, cli_sessions

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
    ask.add_argument(
        "--n",
        type=int,
        default=1,
        metavar="N",
        help="ask for N candidate answers (1-4; 2 or more are each kept as a branch)",
    )
    ask.add_argument("-y", "--yes", action="store_true", help="run every tool call without asking")
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

    cli_sessions.add_parsers(sub)
    cli_serve.add_parser(sub, _common)
    cli_completion.add_parser(sub)

    key = sub.add_parser("key", help="store, show or delete the API key file")
    key.add_argument("action", choices=["set", "show", "delete"])
    key.add_argument(
        "-y", "--yes", action="store_true", help="delete without asking for confirmation"
    )


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


# The arguments the store looks up or keeps as text: a session id, a title, search words.
# Bytes that are not UTF-8 reach argv as lone surrogates (surrogateescape), which SQLite
# cannot take; they become U+FFFD, as an `ask` prompt's do (text.valid_unicode). Paths are
# not in here: their bytes name files.
TEXT_ARGS = ("ref", "session", "title", "query")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line, parsed. A line of options only (`mimo-tui`, `-c`, `--demo`: the
    chat) cannot name a sub-command, so the nine sub-commands' parsers, ~9 ms of a ~240 ms
    start, are built only when some word is not an option, or for --help."""
    commands = any(not word.startswith("-") or word in ("-h", "--help") for word in argv)
    args = build_parser(commands).parse_args(argv)
    for name in TEXT_ARGS:
        value = getattr(args, name, None)
        if isinstance(value, str):
            setattr(args, name, valid_unicode(value))
        elif isinstance(value, list):  # search's words
            setattr(args, name, [valid_unicode(word) for word in value])
    return args


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
        from mimo_tui.anthropic_client import sdk_problem

        problem = sdk_problem(importing=args.command == "ask")
        if problem:  # before the store is opened: nothing is created
            print(f"mimo-tui: {problem}", file=sys.stderr)
            return EXIT_USAGE
    if args.command is not None:
        return _run_command(args, settings, paths)
    gc_policy.pause()  # until the TUI's first frame is drawn (see gc_policy)
    from mimo_tui.ui.app import run_tui  # textual only on the path that draws

    try:
        return run_tui(settings, paths, resume=args.resume, session_ref=args.session)
    except ConfigError as exc:
        print(f"mimo-tui: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _run_command(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    """A sub-command, its module loaded with it (as its parser was, in _add_commands)."""
    from mimo_tui import cli_compact, cli_completion, cli_config, cli_sessions

    if args.command == "config":
        for problem in _tui_problems(settings, paths):
            print(f"mimo-tui: {visible(problem)}", file=sys.stderr)
        return cli_config.cmd_config(settings, paths)
    if args.command == "key":
        return cli_config.cmd_key(args.action, settings, paths, args.yes)
    if args.command == "tools":
        return cli_config.cmd_tools(settings, paths, args.json)
    if args.command == "themes":
        return cmd_themes(settings, paths, args.json)
    if args.command == "serve":
        return cmd_serve(args)
    if args.command == "completion":
        return cli_completion.cmd_completion(args, build_parser(), paths)
    if args.command == "sessions" and args.op in cli_compact.OPS:  # these need the API
        return cli_compact.cmd_compact(args, settings, paths)
    if args.command == "sessions":
        return cli_sessions.cmd_sessions(args, paths, settings.api_key)
    if args.command == "usage":
        return cli_sessions.cmd_usage(args, paths, settings.catalogue)
    from mimo_tui import cli_ask  # the API client comes with it

    return cli_ask.cmd_ask(args, settings, paths)


def cmd_serve(args: argparse.Namespace) -> int:
    """The chat UI in a browser (cli_serve.py has the rules, ui/serve.py the server)."""
    from mimo_tui.cli_serve import child_command, textual_serve_missing

    problem = textual_serve_missing()
    if problem:
        print(f"mimo-tui: {problem}", file=sys.stderr)
        return EXIT_USAGE
    from mimo_tui.ui.serve import serve

    return serve(child_command(args), args.host, args.port)


def _tui_problems(settings: Settings, paths: Paths) -> list[str]:
    """What the TUI says of these settings when it starts, for `config` to say as well: a
    theme file that does not load, a theme that does not exist, [keys] ids no binding
    has, [keys] entries that clash with another binding. (Checking needs the themes and
    the bindings: Textual, loaded for this command.)"""
    from mimo_tui.ui.keymap_check import unknown_binding_problems, without_clashes
    from mimo_tui.ui.themes import theme_catalogue

    rows, problems = theme_catalogue(paths.themes_dir, settings.theme)
    if all(row["name"] != settings.theme for row in rows):
        problems.append(
            f"{paths.config_file}: theme {settings.theme!r} does not exist; the app uses "
            "mimo-dark (`mimo-tui themes` lists them)"
        )
    where = str(paths.config_file)
    clashes = without_clashes(settings.keymap, where)[1] if settings.keymap else []
    return problems + unknown_binding_problems(settings.keymap, where) + clashes


# What `mimo-tui themes` says a user's theme of the same name stands in for.
_REPLACED = {"mimo-tui": "the bundled one", "textual": "Textual's"}


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
            source = row["source"]
            if row["replaces"]:  # a user's theme named like one of ours or Textual's
                source += f" (replaces {_REPLACED[row['replaces']]})"
            print(visible(f"{mark} {row['name']:<24} {kind:<5}  {source}"))
    for problem in problems:
        print(f"mimo-tui: {visible(problem)}", file=sys.stderr)
    return EXIT_OK
