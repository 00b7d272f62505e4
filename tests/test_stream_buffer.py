"""StreamBuffer: when streamed text is drawn, with the clock passed in (no UI)."""

from __future__ import annotations

from mimo_tui.stream_buffer import FIREHOSE_RATE, FIREHOSE_S, STALE_S, StreamBuffer


def test_take_hands_over_everything_fed_since_the_last_take_once():
    buffer = StreamBuffer(now=0.0)
    assert buffer.take(0.0) is None
    buffer.feed("Hel", 0.01)
    buffer.feed("lo", 0.02)
    assert buffer.size == 5 and buffer
    assert buffer.take(0.03) == "Hello"
    assert buffer.take(0.04) is None
    assert buffer.size == 0 and not buffer


def test_at_a_models_pace_text_is_drawn_in_the_next_frame():
    buffer = StreamBuffer(now=0.0)
    for i in range(1, 6):  # 100 chunks a second
        buffer.feed("word ", i / 100)
        assert buffer.next_draw(i / 100) == i / 100
        buffer.take(i / 100)
    assert not buffer.is_firehose


def test_a_firehose_is_drawn_every_firehose_interval_and_after_a_quiet_spell_at_once():
    buffer = StreamBuffer(now=0.0)
    for i in range(200):  # 200 chunks in 10 ms: 20,000 a second
        buffer.feed("x", i / 20_000)
    buffer.take(0.01)
    assert buffer.pace >= FIREHOSE_RATE and buffer.is_firehose
    buffer.feed("y", 0.02)
    assert buffer.next_draw(0.02) == 0.01 + FIREHOSE_S  # not every frame
    assert buffer.next_draw(1.0) == 1.0  # the last draw is long past: draw now


def test_queued_text_is_due_after_its_patience_from_the_oldest_chunk():
    buffer = StreamBuffer(now=0.0)
    assert buffer.next_due(0.0) is None
    buffer.feed("a", 1.0)
    buffer.feed("b", 1.5)  # a later chunk does not push the deadline back
    assert buffer.next_due(1.5) == 1.0 + STALE_S
    buffer.take(2.0)
    assert buffer.next_due(2.0) is None


def test_a_firehose_may_wait_its_draw_interval_longer():
    buffer = StreamBuffer(now=0.0)
    for _ in range(100):
        buffer.feed("x", 0.0)
    buffer.take(0.001)
    buffer.feed("y", 0.002)
    assert buffer.next_due(0.002) == 0.002 + STALE_S + FIREHOSE_S


def test_a_fixed_cadence_buffer_for_reasoning_ignores_the_pace():
    buffer = StreamBuffer(patience=0.05, firehose_s=0.0)
    for _ in range(100):
        buffer.feed("x", 0.0)
    buffer.take(0.001)
    buffer.feed("y", 0.002)
    assert buffer.next_due(0.002) == 0.002 + 0.05
    assert buffer.next_draw(0.002) == 0.002
