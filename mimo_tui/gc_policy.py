"""When the garbage collector runs, in one place: off through start-up, then out of the stream.

CPython's cyclic collector walks every tracked object it has not been told to skip. Start-up
allocates some 300,000 long-lived objects (textual, rich, openai, our modules, the first
screen) and no cyclic garbage worth a pass over them, yet with the collector on CPython walked
them ~140 times on the way to the first frame (a full pass of 24 ms among them). So:

1. The entry point (`__main__`) calls `pause()` before importing anything; `cli.main` calls
   `resume()` for every command but the TUI, whose collector stays off until its first frame.
2. After that frame the TUI calls `settle()`: what start-up made is frozen (`gc.freeze`: never
   walked again, it never becomes cyclic garbage), and a larger first generation lets each
   frame's short-lived strips and regions die young instead of being promoted, which is what
   triggers full collections (streaming 1,500 tokens: 32 full collections, worst 114 ms -> 2).
   Automatic full collections are off in practice.
3. `collect()` runs the full collection at a quiet moment instead: after a turn (its live
   widgets, replaced when it settles, are the turn's cyclic garbage) and every IDLE_S while no
   reply streams. Left to CPython, it would come in the middle of a long reply and walk
   everything the reply had rendered so far (35-60 ms each, five in an 8,000-token reply).
4. Code loaded after start-up on purpose (the warm-up's API client and message widgets) is
   frozen too, with `freeze()`.
5. Building one large result of acyclic objects (listing 100,000 sessions: about a million
   tuples, dicts and dataclasses) runs `with bulk():`. Every 700 allocations CPython would
   otherwise collect the young generation, and each older pass walks the result built so
   far: a third of the listing's time, for no garbage at all.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

YOUNG_THRESHOLD = 10_000  # allocations between young collections (CPython: 700)
NO_AUTOMATIC_FULL = 1_000_000  # middle collections between full ones: never, in practice
IDLE_S = 60.0  # a full collection at least this often while no reply streams


def pause() -> None:
    """No collection from here on (start-up), until `resume` or `settle`."""
    gc.disable()


def resume() -> None:
    """CPython's own policy again: the CLI's commands are short and allocate little."""
    gc.enable()


def settle() -> None:
    """The TUI drew its first frame: freeze what start-up made, keep the young generation
    large and full collections for `collect`, and turn the collector on."""
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 10, NO_AUTOMATIC_FULL)
    gc.enable()


def freeze() -> None:
    """Take what was loaded since (long-lived code and classes) out of the collector's sight."""
    gc.freeze()


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """No collection while the block builds its result (nothing it makes is cyclic); the
    collector is as it was afterwards (off during start-up, say)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def collect() -> None:
    """A full collection now: call it only where no reply is streaming."""
    gc.collect()
