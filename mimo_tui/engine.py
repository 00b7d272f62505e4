"""A turn: the user's message, then one or more model rounds, as one async stream of events.

The engine is the conversation logic that the TUI and `ask` share. It saves the user's message
before any request, streams each round through the client, checkpoints the reply in flight at
least once a second, and stores the final message with its reasoning, usage and timings. A
cancelled turn (Escape, Ctrl+C, a killed task) keeps what arrived, marked `interrupted`.

A round that ends in tool calls hands them to the `ToolHandler` and asks the model again with the
results, up to `max_rounds`; without a handler the turn stops and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mimo_tui import media
from mimo_tui.assemble import Assembler
from mimo_tui.attachments import refusal, suggest
from mimo_tui.blobs import blob_failure
from mimo_tui.catalogue import Catalogue
from mimo_tui.checkpoints import CHECKPOINT_S, Checkpoints, Timing, failure_kind, fill_reply
from mimo_tui.client import ChatClient, RequestParams
from mimo_tui.compaction import replay_record, with_summary
from mimo_tui.config import Settings
from mimo_tui.errors import ApiError, ReplayError
from mimo_tui.events import (
    Compacted,
    ContentDelta,
    ReasoningDelta,
    RoundFinished,
    RoundStarted,
    StreamFinished,
    ToolCallDelta,
    ToolCallUpdated,
    TurnEvent,
    TurnFailed,
    TurnFinished,
    UserSaved,
)
from mimo_tui.model import Attachment, Message, ToolCall, ToolRecord, ToolStatus
from mimo_tui.plans import plan_problem
from mimo_tui.prompt import Clock, local_now, system_prompt
from mimo_tui.store import Store, StoreDamaged, StoreError, StoreFull
from mimo_tui.text import valid_unicode
from mimo_tui.tool_runner import redact_record
from mimo_tui.web_search import tool_entry

FINISH_NOTICES = {
    "length": "The reply was cut off at max_completion_tokens (finish reason: length).",
    "content_filter": "MiMo's content filter stopped the reply (finish reason: content_filter).",
    "repetition_truncation": (
        "MiMo stopped the reply because it started repeating itself "
        "(finish reason: repetition_truncation)."
    ),
}


class ToolHandler(Protocol):
    """Approves and runs one round's tool calls, yielding each call's state changes."""

    def specs(self) -> list[dict[str, Any]]: ...

    async def prepare(self) -> None:
        """Before each request: ready what specs() lists (MCP servers start here)."""

    def run(
        self, session_id: str, round_no: int, assistant_id: int | None, calls: list[ToolCall]
    ) -> AsyncGenerator[ToolCallUpdated, None]: ...


@dataclass
class Engine:
    store: Store
    client: ChatClient | None
    settings: Settings
    clock: Clock = local_now
    mono: Callable[[], float] = time.monotonic
    tools: ToolHandler | None = None

    @property
    def catalogue(self) -> Catalogue:
        """The built-in model table with config.toml's [models] additions."""
        return self.settings.catalogue

    def accepts(self, kind: str) -> bool:
        """Whether this session's model takes `kind` input (text always)."""
        return kind == "text" or self.catalogue.lookup(self.settings.model).accepts(kind)  # type: ignore[arg-type]

    # ---- request shaping -------------------------------------------------------------------

    def current_system_prompt(self) -> str | None:
        """Rendered now, so a session left open past midnight sends the new date."""
        if not self.settings.send_system_prompt:
            return None
        return system_prompt(self.clock(), self.settings.lang, self.settings.system_prompt)

    def params(self) -> RequestParams:
        s = self.settings
        return RequestParams(
            model=s.model,
            thinking=s.thinking,
            temperature=s.temperature,
            top_p=s.top_p,
            max_completion_tokens=s.max_completion_tokens,
            tools=[
                *(self.tools.specs() if self.tools else []),
                *([tool_entry(s.web_search_options)] if s.web_search else []),
            ],
        )

    # ---- turns -----------------------------------------------------------------------------

    async def turn(
        self,
        session_id: str,
        text: str,
        attachments: Sequence[tuple[Attachment, bytes | None]] = (),
    ) -> AsyncGenerator[TurnEvent, None]:
        """Save the user's message (and its attachments), then run model rounds until the
        model is done. Attachments the model cannot take are refused before anything is
        saved or sent."""
        kinds = {a.kind for a, _ in attachments}
        refused = media.unaccepted(kinds, self.accepts)
        if refused:
            capable = suggest(self.catalogue, refused)
            yield TurnFailed(refusal(self.settings.model, refused, capable), "media", None)
            return
        written: list[str] = []  # blobs this turn wrote: removed again if it cannot be saved
        try:
            for a, data in attachments:  # the bytes are on disk before any row names them
                put = self.store.blobs.put_new
                if data is not None and await asyncio.to_thread(put, a.sha256, data):
                    written.append(a.sha256)
            # A pasted lone surrogate (undecodable input) cannot be stored: replace it.
            user = self.store.add_message(
                session_id,
                Message(
                    role="user",
                    content=valid_unicode(text),
                    attachments=tuple(a for a, _ in attachments),
                ),
            )
        except (StoreFull, StoreDamaged, OSError) as exc:  # nothing sent, nothing half-saved
            self.store.forget_blobs(written)
            yield TurnFailed(blob_failure(exc, attachments), failure_kind(exc), None)
            return
        yield UserSaved(user, self.store.get_session(session_id).title)
        if self.settings.auto_compact and self.client is not None:
            compacted = await self._auto_compact(session_id)
            if compacted is not None:
                yield compacted
        async with contextlib.aclosing(self.rounds(session_id)) as events:
            async for event in events:
                yield event

    async def _auto_compact(self, session_id: str) -> Compacted | None:
        """Compact first when the last request filled `auto_compact` of the context window.

        Measured by the last reply's prompt + completion tokens, which is what the next
        request will carry at least. A failure is reported and the turn goes on uncompacted.
        """
        from mimo_tui.compaction import NothingToCompact, compact

        assert self.client is not None
        recent = self.store.page(session_id, limit=50)
        last = next((m for m in reversed(recent) if m.role == "assistant" and m.usage), None)
        if last is None or last.usage is None:
            return None
        used = last.usage.prompt_tokens + last.usage.completion_tokens
        # The window as config.toml's [models] may correct it (the context meter's too).
        window = self.settings.catalogue.lookup(self.settings.model).context_window
        if used < self.settings.auto_compact * window:
            return None
        try:
            done = await compact(
                self.store,
                self.client,
                session_id,
                self.settings.model,
                self.current_system_prompt(),
                keep_turns=self.settings.compact_keep_turns + 1,  # the new turn counts too
            )
        except NothingToCompact:
            return None
        except (ApiError, StoreError) as exc:
            return Compacted(0, 0, 0, error=str(exc))
        return Compacted(done.compaction.covered, done.bytes_before, done.bytes_after)

    async def rounds(self, session_id: str) -> AsyncGenerator[TurnEvent, None]:
        """Ask the model about the session as stored (also the 'retry' entry point)."""
        if self.client is None:
            yield TurnFailed(
                "No API key is set. Export MIMO_API_KEY, or run `mimo-tui key set`; "
                "or try the offline demo with `mimo-tui --demo`.",
                "no_key",
                None,
            )
            return
        # A Token Plan key on the pay-as-you-go host (or the reverse) can only get a 401.
        mix = plan_problem(self.client.api_key, self.client.base_url)
        if mix:
            yield TurnFailed(mix, "plan_mismatch", None)
            return
        last: Message | None = None
        for round_no in range(1, self.settings.max_rounds + 1):
            holder: list[Message] = []
            async with contextlib.aclosing(self._round(session_id, round_no, holder)) as events:
                async for event in events:
                    yield event
            if not holder:  # the round failed; TurnFailed was yielded
                return
            last = holder[0]
            if not last.tool_calls:
                yield TurnFinished(last, FINISH_NOTICES.get(last.finish_reason or ""))
                return
            if self.tools is None:
                self._answer_unrun(
                    session_id,
                    round_no,
                    last,
                    set(),
                    "failed",
                    "error: no tools are enabled in this session",
                )
                yield TurnFinished(last, "The model asked for tools, but no tools are enabled.")
                return
            async with contextlib.aclosing(self._tools(session_id, round_no, last)) as events:
                async for event in events:
                    yield event
        assert last is not None
        yield TurnFinished(
            last,
            f"Stopped after {self.settings.max_rounds} tool rounds (max_rounds); "
            "send a message to let the model continue.",
        )

    async def _tools(
        self, session_id: str, round_no: int, reply: Message
    ) -> AsyncGenerator[TurnEvent, None]:
        """Run the round's calls; store each result as it is final. A call left without one
        (Escape, Ctrl+C) is stored as cancelled, so the history stays answerable."""
        assert self.tools is not None
        done: set[str] = set()
        try:
            async with contextlib.aclosing(
                self.tools.run(session_id, round_no, reply.id, reply.tool_calls)
            ) as events:
                async for event in events:
                    if event.record.final:
                        self._store_result(session_id, event.record)
                        done.add(event.record.call_id)
                    yield event
        finally:
            self._answer_unrun(
                session_id,
                round_no,
                reply,
                done,
                "cancelled",
                "cancelled by user: the call was stopped before it finished.",
            )

    def _answer_unrun(
        self,
        session_id: str,
        round_no: int,
        reply: Message,
        done: set[str],
        status: ToolStatus,
        result: str,
    ) -> None:
        """Store a result for every call of `reply` not in `done`, so history stays valid."""
        for call in reply.tool_calls:
            if call.id not in done:
                self._store_result(
                    session_id,
                    ToolRecord(
                        call.id,
                        call.name,
                        call.arguments,
                        round_no,
                        status,
                        result=result,
                        assistant_message_id=reply.id,
                    ),
                )

    def _store_result(self, session_id: str, record: ToolRecord) -> None:
        record = redact_record(record, (self.settings.api_key,))  # whatever handler ran it
        self.store.add_message(
            session_id,
            Message(
                role="tool",
                content=record.result,
                tool_call_id=record.call_id,
                tool_meta=record.meta(),
            ),
        )

    async def _round(
        self, session_id: str, round_no: int, holder: list[Message]
    ) -> AsyncGenerator[TurnEvent, None]:
        assert self.client is not None
        if self.tools is not None:
            await self.tools.prepare()
        prompt = self.current_system_prompt()
        compaction = self.store.active_compaction(session_id)
        system = with_summary(prompt, compaction)  # what the request carries, as recorded
        # As Store.replay, from the compaction's cut on, with attachments as content parts
        # (encoded off the loop).
        history = self.store.messages(
            session_id, from_id=compaction.before_id if compaction else None
        )
        messages = await media.replay(
            history,
            system,
            self.store.blobs,
            self.accepts,
            self.settings.max_replayed_attachments,
        )
        params = self.params()
        try:
            reply = self.store.add_message(
                session_id, Message(role="assistant", status="streaming", model=params.model)
            )
            assert reply.id is not None
            self.store.record_request(
                session_id,
                reply.id,
                params.model,
                system,
                media.with_cap(
                    replay_record(self.client.request_record(params), compaction),
                    history,
                    self.settings.max_replayed_attachments,
                ),
                len(messages),
            )
        except (StoreFull, StoreDamaged) as exc:
            yield TurnFailed(f"{exc}. Nothing was sent to MiMo", failure_kind(exc), None)
            return
        yield RoundStarted(round_no, reply.id, system)
        asm = Assembler()
        timing = Timing(self.mono, start=self.mono())
        timing.last_checkpoint = timing.start
        saver = Checkpoints(self.store, reply, lambda how: fill_reply(reply, asm, timing, how))
        done = False
        try:
            async for event in self.client.stream(messages, params):
                asm.feed(event)
                now = self.mono()
                if isinstance(event, ReasoningDelta | ContentDelta | ToolCallDelta):
                    first = timing.first_token is None
                    timing.first_token = timing.first_token or now
                    if not isinstance(event, ReasoningDelta):
                        timing.first_answer = timing.first_answer or now
                    # The first delta is saved before it is shown (a kill -9 right after
                    # keeps it), then at least every CHECKPOINT_S, stalled stream or not.
                    if first or now - timing.last_checkpoint >= CHECKPOINT_S:
                        saver.save()
                        timing.last_checkpoint = now
                    else:
                        saver.save_later(CHECKPOINT_S - (now - timing.last_checkpoint))
                if not isinstance(event, StreamFinished):
                    yield event
            saver.cancel()
            saver.save("complete")
            done = True
        except (ApiError, ReplayError) as exc:
            saver.cancel()
            kind = exc.kind if isinstance(exc, ApiError) else "replay"
            reply.error = str(exc)
            saver.save("error")
            done = True
            yield TurnFailed(saver.failure or str(exc), kind, reply)
            return
        finally:
            saver.cancel()
            if not done:  # cancelled (Escape / Ctrl+C) or closed early: keep what arrived
                saver.save("interrupted")
        if saver.failure:  # the disk filled up, or the store is damaged: not all of it saved
            fill_reply(reply, asm, timing, "error")
            reply.error = saver.failure
            yield TurnFailed(saver.failure, saver.failure_kind, reply)
            return
        holder.append(reply)
        yield RoundFinished(reply)
