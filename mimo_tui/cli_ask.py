"""`mimo-tui ask`: one question from the command line, its answer streamed to stdout.

The prompt comes from the argument, stdin or the user's editor (`-e`); attachments from
`-a` (cli_attach); tool calls are approved on the terminal unless `-y`. Model text is made
visible on a terminal and written exactly when piped (AskPrinter). Ctrl+C and SIGTERM
cancel the turn and keep the partial reply (cli_signals).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import TYPE_CHECKING, Any, TextIO

from mimo_tui.anthropic_client import sdk_problem
from mimo_tui.cli_sessions import note_recovery
from mimo_tui.cli_signals import CtrlC
from mimo_tui.config import ConfigError, Paths, Settings
from mimo_tui.errors import ApiError
from mimo_tui.model import Message, ToolRecord, Usage
from mimo_tui.store import StoreError
from mimo_tui.text import visible, visible_json

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130
# Turns that failed for a reason on this side, exiting as a store or usage error does.
USAGE_FAILURES = ("no_key", "plan_mismatch", "store_damaged")


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
    if not 1 <= args.n <= 4:
        print(f"mimo-tui ask: --n takes 1 to 4 candidates, not {args.n}", file=sys.stderr)
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
        except StoreError as exc:  # `no session matches …`: the id as typed, made visible
            print(f"mimo-tui: {visible(str(exc))}", file=sys.stderr)
            return EXIT_USAGE
        missing = sdk_problem(True) if runtime.settings.api == "anthropic" else None
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
            if args.n > 1:
                from mimo_tui.cli_compare import ask_n

                return asyncio.run(
                    ask_n(
                        runtime, session.id, prompt, args.n, args.json, loaded, args.show_reasoning
                    )
                )
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
            self.out.write(visible_json(payload, indent=None) + "\n")
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
                    return EXIT_USAGE if event.kind in USAGE_FAILURES else EXIT_API
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
    except StoreError as exc:  # a write the engine does not report (a tool's result)
        printer.error(str(exc))
        return EXIT_USAGE
    finally:
        ctrl_c.stopped()
        try:
            await runtime.close_client()  # and stops the MCP servers this turn started
        finally:
            ctrl_c.uninstall()
    return EXIT_OK
