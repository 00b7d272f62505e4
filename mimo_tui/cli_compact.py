"""`mimo-tui sessions compact` / `uncompact`: replay a summary instead of a long history.

The sub-commands live with `sessions` (see cli_sessions.add_parsers) but need the API, so
they run here with a runtime (and, with --demo, the offline fake) rather than a bare store.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from mimo_tui.config import ConfigError, Paths, Settings
from mimo_tui.store import StoreError
from mimo_tui.text import plural, visible

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_API, EXIT_USAGE = 0, 1, 2
OPS = ("compact", "uncompact")


def add_ops(ops: argparse._SubParsersAction) -> None:
    p = ops.add_parser(
        "compact", help="summarise a session's older turns and replay that summary instead"
    )
    p.add_argument("ref", help="id, unique prefix, or last")
    p.add_argument(
        "--keep", type=int, default=2, metavar="N", help="recent turns kept as they are (2)"
    )
    p = ops.add_parser("uncompact", help="undo a session's compaction: replay every message")
    p.add_argument("ref", help="id, unique prefix, or last")


def _err(text: str) -> int:
    print(f"mimo-tui: {text}", file=sys.stderr)
    return EXIT_USAGE


def _kb(n: int) -> str:
    return f"{n / 1000:,.1f} kB"


def cmd_compact(args: argparse.Namespace, settings: Settings, paths: Paths) -> int:
    import asyncio

    from mimo_tui.compaction import NothingToCompact, compact
    from mimo_tui.errors import ApiError
    from mimo_tui.runtime import build_runtime

    if args.op == "compact" and args.keep < 0:
        return _err("--keep: a number of turns ≥ 0")
    if args.op == "compact" and not settings.api_key and not settings.demo:
        return _err("no API key: compacting asks the model for a summary (or use --demo)")
    try:
        runtime = build_runtime(settings, paths)
    except (StoreError, ConfigError) as exc:
        return _err(str(exc))
    try:
        session = runtime.session(ref=args.ref)
        store = runtime.store
        if args.op == "uncompact":
            active = store.active_compaction(session.id)
            if active is None:
                print(f"{session.id} is not compacted; every message is replayed", file=sys.stderr)
                return EXIT_OK
            store.set_compaction(active.id, active=False)
            print(f"undid the compaction of {session.id}: every message is replayed again")
            return EXIT_OK
        client = runtime.engine.client
        assert client is not None
        prompt = runtime.engine.current_system_prompt()
        model = runtime.settings.model
        try:
            done = asyncio.run(
                compact(store, client, session.id, model, prompt, keep_turns=args.keep)
            )
        except NothingToCompact as exc:
            print(f"mimo-tui: {exc}", file=sys.stderr)
            return EXIT_OK
        except ApiError as exc:
            print(f"mimo-tui: {visible(str(exc))}; nothing was changed", file=sys.stderr)
            return EXIT_API
        c = done.compaction
        print(
            f"compacted {session.id}: {c.covered} older {plural(c.covered, 'message')} → a "
            f"{len(c.summary):,}-character summary; the next request replays "
            f"{done.messages_after} {plural(done.messages_after, 'message')}, "
            f"{_kb(done.bytes_after)} (was {done.messages_before}, {_kb(done.bytes_before)}). "
            f"`mimo-tui sessions uncompact {session.id}` undoes it."
        )
        return EXIT_OK
    except StoreError as exc:
        return _err(str(exc))
    finally:
        runtime.close()
