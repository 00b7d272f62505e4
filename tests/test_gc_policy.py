"""The garbage-collection policy (mimo_tui/gc_policy.py): bulk() pauses and restores."""

from __future__ import annotations

import gc

from mimo_tui import gc_policy


def test_bulk_pauses_the_collector_and_leaves_it_as_it_was():
    assert gc.isenabled()
    with gc_policy.bulk():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()  # start-up: the collector is off and must stay off
    try:
        with gc_policy.bulk():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_bulk_turns_the_collector_back_on_when_the_block_fails():
    try:
        with gc_policy.bulk():
            raise ValueError("a damaged row")
    except ValueError:
        pass
    assert gc.isenabled()
