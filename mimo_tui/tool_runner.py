"""Approve and run the tool calls of one round; the engine stores what comes back.

Commands run as an argv list (never a shell, arguments never interpolated) in their own process
group, with a timeout and a 64 KiB output cap (mimo_tui.tool_process runs them). A tool's
environment lacks the API key and every secret MIMO_* variable unless its `pass_env` names it,
and every result has the key scrubbed from it before anyone sees it (whatever way the tool
found it). Every failure
(malformed arguments, unknown tool, a tool that cannot start, exits non-zero, hangs, or is
denied) becomes a result string the model can read; nothing here raises into the turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from mimo_tui.model import ToolCall, ToolRecord
from mimo_tui.text import scrub, visible_json
from mimo_tui.tool_process import is_secret_name, result_text, run_command, tool_env
from mimo_tui.tools import BuiltinContext, ToolSpec

if TYPE_CHECKING:
    from mimo_tui.events import ToolCallUpdated

DENIED = "denied by user: the user did not allow this tool call to run."


# Read-only records are NamedTuples: cheaper to define at start-up (see mimo_tui.model).
class ApprovalRequest(NamedTuple):
    record: ToolRecord
    spec: ToolSpec
    arguments_pretty: str


class Decision(NamedTuple):
    action: Literal["run", "deny", "manual"]
    arguments: str | None = None  # edited arguments (JSON text), for "run"
    result: str | None = None  # typed by hand, for "manual"
    always: bool = False  # always allow this tool in this session


Approver = Callable[[ApprovalRequest], Awaitable[Decision]]


async def approve_all(request: ApprovalRequest) -> Decision:
    return Decision("run")


async def deny_all(request: ApprovalRequest) -> Decision:
    return Decision("deny")


def known_secrets(api_key: str | None, key_file: Path | None) -> list[str]:
    """Every secret a tool result must not carry: the key in use, the key file's key (it may
    differ when MIMO_API_KEY wins over it), the values of secret MIMO_* variables."""
    found = [api_key or ""]
    if key_file is not None:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            found.append(key_file.read_text(encoding="utf-8").strip())
    found += [v.strip() for k, v in os.environ.items() if is_secret_name(k)]
    # Short values (a flag such as MIMO_TOKEN_CACHE=1) would scrub ordinary text.
    return sorted({s for s in found if len(s) >= 8}, key=len, reverse=True)


REDACTED_NOTE = (
    "[mimo-tui: a secret (the MiMo API key or a MIMO_* secret) was removed from this result "
    "and shows as [redacted]]"
)


def redact_record(record: ToolRecord, secrets: Iterable[str | None]) -> ToolRecord:
    """`record` with every secret scrubbed from its result and stderr, and a note saying so
    (the model and the user see that something was there, never what)."""
    result, stderr = record.result, record.stderr
    mcp = dict(record.mcp) if record.mcp else None
    secrets = list(secrets)
    for secret in secrets:
        result, stderr = scrub(result, secret), scrub(stderr, secret)
        for k, v in (mcp or {}).items():  # an MCP call's request and response JSON
            if isinstance(v, str):
                mcp[k] = scrub(v, secret)  # type: ignore[index]
    if result == record.result and stderr == record.stderr:
        return record._replace(mcp=mcp)
    note = f"\n{REDACTED_NOTE}" if result else REDACTED_NOTE
    return record._replace(result=result + note, stderr=stderr, mcp=mcp)


@dataclass
class ToolBox:
    """The tools offered in one session, with its approval policy. Implements ToolHandler."""

    available: dict[str, ToolSpec]
    selected: list[str]
    approver: Approver = deny_all
    context: BuiltinContext = field(default_factory=lambda: BuiltinContext(Path.cwd()))
    always_allowed: set[str] = field(default_factory=set)
    mono: Callable[[], float] = time.monotonic
    api_key: str | None = field(default=None, repr=False)  # scrubbed from every result
    key_file: Path | None = None  # its key too, read when a result is final
    # The configured MCP servers (mimo_tui.mcp_hub.McpHub), None without any. Their tools
    # join `available` (keyed `server.tool`) once a server is ready; `selected` may name a
    # server's every tool as `server.*`.
    mcp: Any = None

    def offered(self) -> list[ToolSpec]:
        """The tools offered now, in the order chosen, each once."""
        out: dict[str, ToolSpec] = {}
        for n in self.selected:
            if n.endswith(".*"):
                server = n[:-2]
                specs = [s for s in self.available.values() if s.mcp_server == server]
            else:
                specs = [self.available[n]] if n in self.available else []
            for spec in specs:
                out.setdefault(spec.name, spec)
        return list(out.values())

    def specs(self) -> list[dict[str, Any]]:
        return [spec.to_api() for spec in self.offered()]

    def knows(self, name: str) -> bool:
        """Whether `name` can be chosen: a tool, or one of a configured MCP server's."""
        if name in self.available:
            return True
        return self.mcp is not None and name.partition(".")[0] in self.mcp.servers

    def offered_servers(self) -> list[str]:
        """The MCP servers whose tools the selection names (they start when first needed)."""
        if self.mcp is None:
            return []
        wanted = {n.partition(".")[0] for n in self.selected if "." in n}
        return [s for s in self.mcp.servers if s in wanted]

    def choices(self) -> dict[str, ToolSpec]:
        """What Ctrl+T offers: every tool, and a `server.*` row per MCP server (all of its
        tools, known or not yet) saying how the server is doing."""
        out = dict(self.available)
        for server, cfg in (self.mcp.servers if self.mcp is not None else {}).items():
            state = self.mcp.states[server].text()
            out[f"{server}.*"] = ToolSpec(
                f"{server}.*",
                f"every tool of the MCP server {server}",
                {},
                approve=cfg.approve,
                source=f"MCP server {server}: {state}",
                mcp_server=server,
            )
        return out

    def refresh_mcp(self) -> None:
        """Take in the tools of the MCP servers that are ready (names kept distinct)."""
        if self.mcp is None:
            return
        own = {k: v for k, v in self.available.items() if not v.mcp_server}
        self.available = {**own, **self.mcp.specs({s.name for s in own.values()})}

    async def prepare(self) -> None:
        """Before a request: start the offered MCP servers, wait for their tool lists."""
        servers = self.offered_servers()
        if servers:
            await self.mcp.ensure(servers)
            self.refresh_mcp()

    async def aclose(self) -> None:
        if self.mcp is not None:
            await self.mcp.aclose()

    async def run(
        self, session_id: str, round_no: int, assistant_id: int | None, calls: list[ToolCall]
    ) -> AsyncGenerator[ToolCallUpdated, None]:
        for call in calls:
            async for event in self._one(round_no, assistant_id, call):
                if event.record.final:  # before the UI, the store or the model sees it
                    secrets = known_secrets(self.api_key, self.key_file)
                    event = event._replace(record=redact_record(event.record, secrets))
                yield event

    async def _one(
        self, round_no: int, assistant_id: int | None, call: ToolCall
    ) -> AsyncGenerator[ToolCallUpdated, None]:
        from mimo_tui.events import ToolCallUpdated  # loaded with the engine, not at start-up

        record = ToolRecord(
            call.id,
            call.name,
            call.arguments,
            round_no,
            "awaiting",
            assistant_message_id=assistant_id,
        )
        offered_specs = self.offered()
        spec = next((s for s in offered_specs if s.name == call.name), None)
        if spec is None:
            offered = ", ".join(s.name for s in offered_specs) or "none"
            yield ToolCallUpdated(
                record._replace(
                    status="failed",
                    result=(f"error: unknown tool {call.name!r}; the tools offered are: {offered}"),
                )
            )
            return
        record = record._replace(argv=tuple(spec.display_command()))
        arguments = call.arguments
        args = _parse_arguments(arguments)
        if isinstance(args, str):
            yield ToolCallUpdated(record._replace(status="failed", result=args))
            return
        if spec.approve != "auto" and spec.label not in self.always_allowed:
            yield ToolCallUpdated(record)
            pretty = visible_json(args)  # invisible characters as \\uXXXX, still JSON
            decision = await self.approver(ApprovalRequest(record, spec, pretty))
            if decision.always:
                self.always_allowed.add(spec.label)
            if decision.action == "deny":
                yield ToolCallUpdated(record._replace(status="denied", result=DENIED))
                return
            if decision.action == "manual":
                yield ToolCallUpdated(
                    record._replace(
                        status="done",
                        manual=True,
                        result=decision.result or "",
                        duration_ms=0,
                    )
                )
                return
            if decision.arguments is not None and decision.arguments != arguments:
                edited = _parse_arguments(decision.arguments)
                if isinstance(edited, str):
                    # Approvers refuse bad JSON before deciding; one that did not gets a clear
                    # failure, and nothing runs with arguments nobody approved.
                    yield ToolCallUpdated(record._replace(status="failed", result=edited))
                    return
                if edited != args:  # reformatting alone is not an edit
                    arguments, args = decision.arguments, edited
                    record = record._replace(arguments=arguments, model_arguments=call.arguments)
        record = record._replace(status="running")
        yield ToolCallUpdated(record)
        started = self.mono()
        try:
            final = await self._execute(spec, args, arguments, record)
        except asyncio.CancelledError:
            raise
        yield ToolCallUpdated(final._replace(duration_ms=round((self.mono() - started) * 1000)))

    async def _execute(
        self, spec: ToolSpec, args: dict[str, Any], arguments: str, record: ToolRecord
    ) -> ToolRecord:
        if spec.mcp_server and self.mcp is not None:
            return await self.mcp.call(spec, args, record)  # type: ignore[no-any-return]
        if spec.builtin is not None:
            try:
                text = await asyncio.wait_for(spec.builtin(args, self.context), spec.timeout_s)
            except TimeoutError:
                return record._replace(
                    status="failed",
                    result=f"error: the tool timed out after {spec.timeout_s:g} s",
                )
            except Exception as exc:
                return record._replace(status="failed", result=f"error: {exc}")
            return record._replace(status="done", result=text, exit_code=0)
        try:
            outcome = await run_command(
                list(spec.command),
                arguments.encode("utf-8"),
                spec.timeout_s,
                self.context.cwd,
                env=tool_env(spec.pass_env),
            )
        except OSError as exc:
            return record._replace(
                status="failed",
                result=f"error: the tool could not start ({exc.strerror or exc})",
            )
        if outcome.timed_out:
            return record._replace(
                status="failed",
                result=f"error: the tool timed out after {spec.timeout_s:g} s and was stopped",
            )
        return record._replace(
            status="done" if outcome.exit_code == 0 else "failed",
            result=result_text(outcome),
            stderr=outcome.stderr,
            exit_code=outcome.exit_code,
            truncated=outcome.truncated,
        )


def arguments_problem(text: str) -> str | None:
    """Why edited arguments cannot run (not JSON, or not an object), or None when they can.

    Approval prompts call this before accepting an edit, so the user fixes it there.
    """
    try:
        value = json.loads(text or "{}")
    except ValueError as exc:
        return f"The arguments are not valid JSON: {exc}"
    if not isinstance(value, dict):
        return "The arguments must be a JSON object ({...})."
    return None


def _parse_arguments(text: str) -> dict[str, Any] | str:
    """The arguments as a dict, or the error result to send back to the model."""
    try:
        value = json.loads(text or "{}")
    except ValueError as exc:
        return f"error: the arguments are not valid JSON ({exc}); send a JSON object"
    if not isinstance(value, dict):
        return "error: the arguments must be a JSON object"
    return value
