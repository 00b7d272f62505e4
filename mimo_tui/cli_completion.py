"""`mimo-tui completion bash|zsh|fish`: shell completion generated from the argparse parser.

The script is written by shtab (the optional extra 'mimo-tui[completion]') from the same
parser that parses the command line, so a new sub-command or flag completes without anyone
editing a script. Session ids (`--session`, `sessions show|export|rename|delete`) and model
ids (`-m/--model`) complete too: the script asks `mimo-tui completion --list sessions`
(the newest sessions of the store, and `last`) or `--list models` (the model catalogue)
each time.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mimo_tui.config import Paths

SHELLS = ("bash", "zsh", "fish")
INSTALL_HINT = "mimo-tui completion needs the extra: pip install 'mimo-tui[completion]'"
SESSIONS_LISTED = 200
_SESSION_REFS = {"ref"}  # the positional of `sessions show|export|rename|delete`


def add_parser(sub: Any) -> None:
    completion = sub.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="Print the completion script for SHELL. Install it with e.g. "
        "`mimo-tui completion bash > ~/.local/share/bash-completion/completions/mimo-tui`.",
    )
    completion.add_argument("shell", nargs="?", choices=SHELLS, help="the shell")
    # What the scripts call to complete ids; not for people.
    completion.add_argument("--list", choices=("sessions", "models"), help=argparse.SUPPRESS)


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += _subparsers(child)
    return found


def _ids(kind: str) -> Any:
    import shtab

    # The script runs the same mimo-tui that wrote it; no errors on the user's prompt line.
    return shtab.cmd(f"mimo-tui completion --list {kind} 2>/dev/null")


def attach_id_completions(parser: argparse.ArgumentParser) -> None:
    """Mark the arguments that take a session id or a model id for shtab."""
    sessions, models = _ids("sessions"), _ids("models")
    for each in _subparsers(parser):
        in_sessions = each.prog.endswith(" sessions") or " sessions " in each.prog
        for action in each._actions:
            if action.dest == "session" and action.option_strings:
                action.complete = sessions  # type: ignore[attr-defined]
            elif action.dest == "model":
                action.complete = models  # type: ignore[attr-defined]
            elif in_sessions and action.dest in _SESSION_REFS and not action.option_strings:
                action.complete = sessions  # type: ignore[attr-defined]


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script for `shell`, from `parser` (raises ImportError without shtab)."""
    import shtab

    attach_id_completions(parser)
    return str(shtab.complete(parser, shell=shell))


def list_ids(kind: str, paths: Paths) -> list[str]:
    """What `--list` prints: model ids from the catalogue, or `last` and the newest session
    ids (none if there is no store yet: completing must not create one)."""
    if kind == "models":
        from mimo_tui.catalogue import CATALOGUE

        return list(CATALOGUE)
    if not paths.store_file.exists():
        return []
    from mimo_tui.store import Store, StoreError

    try:
        store = Store(paths.store_file)
    except StoreError:
        return []
    try:
        return ["last", *(s.id for s in store.list_sessions(limit=SESSIONS_LISTED))]
    finally:
        store.close()


def cmd_completion(args: argparse.Namespace, parser: argparse.ArgumentParser, paths: Paths) -> int:
    if args.list:
        for item in list_ids(args.list, paths):
            print(item)
        return 0
    if not args.shell:
        print("mimo-tui completion: name a shell: bash, zsh or fish", file=sys.stderr)
        return 2
    try:
        text = script(parser, args.shell)
    except ImportError:
        print(f"mimo-tui: {INSTALL_HINT}", file=sys.stderr)
        return 2
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
