"""`mimo-tui sessions ...` and `mimo-tui usage`: the store from the command line.

Sessions are named by id, a unique id prefix, or `last`. `list` and `search` take --json for
scripts. Output for people is made visible (no control characters); JSON is exact.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from mimo_tui.catalogue import Catalogue
from mimo_tui.cli_compact import add_ops as add_compact_ops
from mimo_tui.config import Paths
from mimo_tui.cost import estimate_note, totals_cells, usage_table
from mimo_tui.store import Store, StoreError
from mimo_tui.text import one_line, plural, visible, visible_json
from mimo_tui.transcript_import import import_transcript
from mimo_tui.transcripts import (
    FORMATS,
    TranscriptError,
    export,
    markdown_attachments,
    write_export,
)

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_USAGE = 0, 2


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from argparse import SUPPRESS

    sessions = sub.add_parser(
        "sessions", help="list, show, search, export, import, rename, delete sessions"
    )
    # No default of their own (SUPPRESS): `mimo-tui --demo sessions list` keeps the --demo
    # given before the command instead of having the sub-command's False overwrite it.
    sessions.add_argument(
        "--demo", action="store_true", default=SUPPRESS, help="the offline demo's store"
    )
    ops = sessions.add_subparsers(dest="op", metavar="OP", required=True)
    p = ops.add_parser("list", help="the sessions, newest first")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p = ops.add_parser("show", help="print a session as Markdown")
    p.add_argument("ref", help="id, unique prefix, or last")
    p = ops.add_parser("search", help="full-text search over every session")
    p.add_argument("query", nargs="+")
    p.add_argument("--limit", type=int, default=30)
    p.add_argument("--json", action="store_true")
    p = ops.add_parser("export", help="write a session as Markdown, JSON or HTML")
    p.add_argument("ref")
    p.add_argument("--format", choices=FORMATS, default="md")
    p.add_argument("-o", "--output", metavar="FILE", help="file to write ('-' or none: stdout)")
    p = ops.add_parser("import", help="import a JSON transcript as a new session")
    p.add_argument("file", help="our JSON export or an OpenAI messages array ('-' for stdin)")
    p = ops.add_parser("rename", help="give a session a new title")
    p.add_argument("ref")
    p.add_argument("title")
    p = ops.add_parser("delete", help="delete a session")
    p.add_argument("ref")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    add_compact_ops(ops)

    usage = sub.add_parser("usage", help="requests and tokens by day and model")
    usage.add_argument("--since", metavar="WHEN", help="YYYY-MM-DD, or Nd for the last N days")
    usage.add_argument("--csv", action="store_true", help="CSV for spreadsheets")
    usage.add_argument(
        "--demo", action="store_true", default=SUPPRESS, help="the offline demo's store"
    )


def note_recovery(store: Store) -> None:
    """Say so when the store was damaged and a fresh one started (the old one kept aside)."""
    if store.recovered_from:
        print(
            f"mimo-tui: the session store was damaged; it was kept aside as "
            f"{store.recovered_from} and a fresh store was started.",
            file=sys.stderr,
        )


def _err(text: str) -> int:
    print(f"mimo-tui: {visible(text)}", file=sys.stderr)
    return EXIT_USAGE


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def cmd_sessions(args: argparse.Namespace, paths: Paths, key: str | None) -> int:
    try:
        store = Store(paths.demo_store_file if args.demo else paths.store_file)
        note_recovery(store)
    except StoreError as exc:
        return _err(str(exc))
    try:
        return _run(args, store, key)
    except (StoreError, TranscriptError) as exc:
        return _err(str(exc))
    except Exception as exc:
        return _err(_damage_or_raise(store, exc))
    finally:
        store.close()


def _damage_or_raise(store: Store, exc: Exception) -> str:
    """What to say of a read that found the store damaged; any other error goes on up."""
    damage = store.read_damage(exc)
    if damage is None:
        raise exc
    return str(damage)


def _run(args: argparse.Namespace, store: Store, key: str | None) -> int:
    if args.op == "list":
        if args.json:  # every field, for scripts: the whole sessions
            sessions = store.sessions_in_full(limit=args.limit)
            print(
                visible_json(
                    [
                        {
                            "id": s.id,
                            "title": s.title,
                            "model": s.model,
                            "created_at": s.created_at,
                            "updated_at": s.updated_at,
                            "messages": s.message_count,
                            "prompt_tokens": s.usage.prompt_tokens,
                            "completion_tokens": s.usage.completion_tokens,
                            "reasoning_tokens": s.usage.reasoning_tokens,
                        }
                        for s in sessions
                    ]
                )
            )
            return EXIT_OK
        for s in store.list_sessions(limit=args.limit):
            print(
                f"{s.id}  {_when(s.updated_at)}  {s.message_count:>4} "
                f"{plural(s.message_count, 'msg'):<4}  "
                f"{s.total_tokens:>7} tok  {one_line(s.model):<14} "
                f"{visible(s.title or '(new)')}"
            )
        return EXIT_OK
    if args.op == "show":
        session = store.get_session(args.ref)
        sys.stdout.write(export(store, session, "md", key) + "\n")
        return EXIT_OK
    if args.op == "search":
        if not " ".join(args.query).strip():
            return _err("search needs a word to look for, e.g. mimo-tui sessions search WAL")
        hits = store.search(" ".join(args.query), limit=args.limit)
        if args.json:
            print(
                visible_json(
                    [
                        {
                            "session_id": h.session_id,
                            "session_title": h.session_title,
                            "message_id": h.message_id,
                            "role": h.role,
                            "snippet": h.snippet.replace("\x01", "").replace("\x02", ""),
                            "on_path": h.on_path,
                        }
                        for h in hits
                    ]
                )
            )
            return EXIT_OK
        tty = sys.stdout.isatty()
        on, off = ("\x1b[1m", "\x1b[0m") if tty else ("«", "»")
        for h in hits:
            snippet = visible(h.readable_snippet).replace("␁", on).replace("␂", off)
            branch = "" if h.on_path else " (another branch)"
            print(
                f"{h.session_id} #{h.message_id} {h.role:<9} {visible(h.session_title)}{branch}\n"
                f"    {snippet}"
            )
        if not hits:
            print("no matches", file=sys.stderr)
        return EXIT_OK
    if args.op == "export":
        session = store.get_session(args.ref)
        if args.output in (None, "-"):  # `-o -` is stdout, as for any Unix tool
            sys.stdout.write(export(store, session, args.format, key))
            left_out = markdown_attachments(store, session) if args.format == "md" else 0
        else:
            try:
                written = write_export(store, session, args.format, Path(args.output), key)
            except BrokenPipeError:  # `-o /dev/stdout | head`: ends quietly, as stdout does
                raise
            except OSError as exc:  # no such folder, a folder by that name, a full disk
                return _err(f"Could not write {args.output}: {exc.strerror or exc}")
            print(
                f"wrote {one_line(str(args.output))} "
                f"({args.format}, {written.characters} {plural(written.characters, 'character')})",
                file=sys.stderr,
            )
            left_out = written.attachments_left_out
            from mimo_tui.transcript_media import skipped_lines

            for line in skipped_lines(written.attachments_skipped):
                print(f"mimo-tui: {line}", file=sys.stderr)
        if left_out:
            print(
                f"mimo-tui: {left_out} attachment file(s) linked but not written: Markdown "
                f"copies them beside a file (-o FILE.md); --format html or json holds them",
                file=sys.stderr,
            )
        return EXIT_OK
    if args.op == "import":
        if args.file == "-":
            text, origin = sys.stdin.read(), "stdin"
        else:
            try:
                text, origin = Path(args.file).read_text(encoding="utf-8"), args.file
            except (OSError, UnicodeDecodeError) as exc:
                return _err(f"{args.file}: cannot read ({exc})")
        session, notes = import_transcript(store, text, origin)
        count = store.get_session(session.id).message_count
        print(
            f"imported {one_line(str(origin))} as session {session.id} "
            f"({count} {plural(count, 'message')})",
            file=sys.stderr,
        )
        for note in notes:
            print(f"mimo-tui: {note}", file=sys.stderr)
        print(session.id)
        return EXIT_OK
    if args.op == "rename":
        session = store.get_session(args.ref)
        store.rename_session(session.id, args.title)
        print(f"renamed {session.id}", file=sys.stderr)
        return EXIT_OK
    if args.op == "delete":
        session = store.get_session(args.ref)
        if not args.yes:
            if not sys.stdin.isatty():
                return _err("deleting needs --yes when there is no terminal to confirm on")
            answer = input(
                f"Delete {session.id} '{visible(session.title)}' "
                f"({session.message_count} {plural(session.message_count, 'message')})? [y/N] "
            )
            if answer.strip().lower() not in ("y", "yes"):
                print("kept", file=sys.stderr)
                return EXIT_OK
        store.delete_session(session.id)
        print(f"deleted {session.id}", file=sys.stderr)
        return EXIT_OK
    raise AssertionError(args.op)


def parse_since(text: str | None) -> float | None:
    """`--since` as the timestamp of local midnight that day; None: no lower bound.

    A start before the calendar can say (`99999999d`, `0001-01-01`, whose midnight in local
    time falls in year 0) means everything: no request can be older. A ValueError names
    what is expected."""
    if not text:
        return None
    days = text[:-1]
    if text.endswith("d") and days.isascii() and days.isdigit():
        if len(days) > 9:  # more than timedelta holds (and int() refuses thousands of digits)
            return None
        try:
            start = datetime.now() - timedelta(days=int(days))
        except OverflowError:  # before year 1
            return None
        return _timestamp(start.replace(hour=0, minute=0, second=0, microsecond=0))
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise ValueError(f"--since: expected YYYY-MM-DD or Nd, got {text!r}") from None
    return _timestamp(day)


def _timestamp(local: datetime) -> float | None:
    """`local.timestamp()`, or None (everything) for a time too early for it to convert."""
    try:
        return local.timestamp()
    except (OverflowError, ValueError, OSError):
        return None


# The table's short headings (CSV writes the full names, for a program to read).
TABLE_LABELS = {
    "requests": "reqs",
    "prompt_tokens": "in",
    "cached_tokens": "cached",
    "cache_hit": "hit",
    "completion_tokens": "out",
    "reasoning_tokens": "reasoning",
    "cost_cny": "CNY",
    "cost_usd": "USD",
}


def cmd_usage(args: argparse.Namespace, paths: Paths, catalogue: Catalogue | None = None) -> int:
    try:
        since = parse_since(args.since)
        store = Store(paths.demo_store_file if args.demo else paths.store_file)
        note_recovery(store)
    except (ValueError, StoreError) as exc:
        return _err(str(exc))
    try:
        rows = store.usage_report(since)
    except Exception as exc:
        return _err(_damage_or_raise(store, exc))
    finally:
        store.close()
    header, table, total = usage_table(rows, catalogue or Catalogue(), mark=not args.csv)
    if args.csv:
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(table)
        return EXIT_OK
    if not table:
        print("no requests recorded" + (f" since {args.since}" if args.since else ""))
        return EXIT_OK
    rows_shown = [
        [TABLE_LABELS.get(h, h) for h in header],
        *table,
        ["total", "", *totals_cells(total)],
    ]
    # A column blank in every row (no model with a dollar price) is left out: the table is
    # for reading at 80 columns; CSV keeps every column under its full name.
    keep = [i for i in range(len(header)) if i < 2 or any(str(r[i]) for r in rows_shown[1:])]
    rows_shown = [[row[i] for i in keep] for row in rows_shown]
    widths = [max(len(str(x)) for x in col) for col in zip(*rows_shown, strict=True)]
    for row in rows_shown:
        print(
            "  ".join(
                visible(str(v)).ljust(w) if i < 2 else str(v).rjust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
    # On stderr: stdout is the table alone.
    print(
        f"costs: {estimate_note()} (mimo-tui's table; config.toml [models] overrides)",
        file=sys.stderr,
    )
    return EXIT_OK
