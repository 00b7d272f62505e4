"""Property tests: the sanitizer and the stream assembler hold for any input."""

from __future__ import annotations

import itertools
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mimo_tui.assemble import Assembler
from mimo_tui.events import ContentDelta, ReasoningDelta, ToolCallDelta
from mimo_tui.text import visible

UNSAFE = {"Cc", "Cf", "Cs", "Zl", "Zp"}
anything = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=200)


@pytest.mark.case(
    "Properties",
    "sanitizer: any text (hypothesis)",
    "no control or format character but newline and tab survives text.visible",
)
@given(anything)
def test_visible_output_has_no_control_or_format_character(text):
    out = visible(text)
    assert all(c in "\n\t" or unicodedata.category(c) not in UNSAFE for c in out)


@pytest.mark.case("Properties", "sanitizer: idempotence", "visible(visible(s)) == visible(s)")
@given(anything)
def test_visible_is_idempotent(text):
    assert visible(visible(text)) == visible(text)


@pytest.mark.case("Properties", "sanitizer: printable text", "left exactly as it was")
@given(
    st.text(alphabet=st.characters(exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), max_size=200)
)
def test_visible_leaves_printable_text_alone(text):
    assert visible(text) == text


def chunked(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points) if text[a:b]]


@pytest.mark.case(
    "Properties",
    "stream assembler: arbitrary chunking of reasoning, content and tool-call fragments",
    "always assembles the same final message",
)
@given(
    reasoning=st.text(max_size=80),
    content=st.text(max_size=80),
    args=st.lists(st.text(max_size=40), max_size=3),
    cuts=st.lists(st.integers(0, 500)),
)
def test_any_chunking_assembles_the_same_message(reasoning, content, args, cuts):
    """However the stream splits reasoning, content and tool-call arguments, the message
    assembled is the same."""
    asm = Assembler()
    for part in chunked(reasoning, cuts):
        asm.feed(ReasoningDelta(part))
    for part in chunked(content, cuts):
        asm.feed(ContentDelta(part))
    for index, arg in enumerate(args):
        asm.feed(ToolCallDelta(index, f"call_{index}", "tool", ""))
        for part in chunked(arg, cuts):
            asm.feed(ToolCallDelta(index, None, None, part))
    assert asm.reasoning_text == reasoning and asm.content_text == content
    assert [c.arguments for c in asm.tool_calls()] == args
    assert [c.id for c in asm.tool_calls()] == [f"call_{i}" for i in range(len(args))]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)
chunk_keys = st.sampled_from(
    [
        "choices",
        "delta",
        "content",
        "reasoning_content",
        "tool_calls",
        "function",
        "name",
        "arguments",
        "index",
        "id",
        "finish_reason",
        "usage",
        "prompt_tokens",
        "completion_tokens",
        "completion_tokens_details",
        "reasoning_tokens",
    ]
)
chunk_shaped = st.recursive(
    json_values,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(chunk_keys, inner, max_size=5),
    max_leaves=30,
)


@pytest.mark.case(
    "Properties",
    "chunk reader: any decoded JSON in a chunk, of any shape (hypothesis)",
    "never raises; reads only strings as text and only integers as counts",
)
@given(chunk_shaped)
def test_any_chunk_shape_is_read_without_raising(chunk):
    from mimo_tui.client import chunk_events
    from mimo_tui.events import StreamFinished, UsageReported

    for event in chunk_events(chunk):
        match event:
            case ReasoningDelta(text=text) | ContentDelta(text=text):
                assert isinstance(text, str) and text
            case ToolCallDelta():
                assert isinstance(event.slot, int) and isinstance(event.arguments, str)
                assert event.name is None or isinstance(event.name, str)
            case UsageReported(usage=usage):
                assert all(
                    isinstance(n, int) for n in (usage.prompt_tokens, usage.completion_tokens)
                )
            case _:
                assert isinstance(event, StreamFinished)
