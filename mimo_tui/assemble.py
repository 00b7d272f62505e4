"""Assemble one assistant message from streamed deltas, however the stream was chunked.

Tool calls arrive as fragments keyed by `index`: the first carries id and name, later ones carry
pieces of the arguments JSON. Keeping this apart from the client lets the engine checkpoint the
partial message and lets tests feed it arbitrary chunkings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mimo_tui.events import (
    ContentDelta,
    ReasoningDelta,
    SourcesReported,
    StreamEvent,
    StreamFinished,
    ThinkingBlockDone,
    ToolCallDelta,
    UsageReported,
)
from mimo_tui.model import ToolCall, Usage


@dataclass
class _Slot:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass
class Assembler:
    """Accumulates reasoning, content, tool calls, usage and the finish reason of one round."""

    reasoning: list[str] = field(default_factory=list)
    content: list[str] = field(default_factory=list)
    slots: dict[int, _Slot] = field(default_factory=dict)
    usage: Usage | None = None
    finish_reason: str | None = None
    thinking_blocks: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)  # web search annotations, raw

    def feed(self, event: StreamEvent) -> None:
        match event:
            case ReasoningDelta(text=text):
                self.reasoning.append(text)
            case ContentDelta(text=text):
                self.content.append(text)
            case ToolCallDelta(slot=index, id=call_id, name=name, arguments=args):
                slot = self.slots.setdefault(index, _Slot())
                if call_id:
                    slot.id = call_id
                if name:
                    # Names normally arrive whole in the first fragment; some servers split them.
                    slot.name += name
                if args:
                    slot.arguments.append(args)
            case UsageReported(usage=usage):
                self.usage = usage
            case ThinkingBlockDone(block=block):
                self.thinking_blocks.append(block)
            case SourcesReported(annotations=annotations):
                self.sources.extend(annotations)
            case StreamFinished(finish_reason=reason):
                self.finish_reason = reason

    @property
    def reasoning_text(self) -> str:
        return "".join(self.reasoning)

    @property
    def content_text(self) -> str:
        return "".join(self.content)

    def tool_calls(self) -> list[ToolCall]:
        calls = []
        for index in sorted(self.slots):
            slot = self.slots[index]
            call_id = slot.id or f"call_missing_id_{index}"
            calls.append(ToolCall(call_id, slot.name, "".join(slot.arguments)))
        return calls
