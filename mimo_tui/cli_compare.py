"""`mimo-tui ask --n N`: N candidate answers to one prompt, each kept as a branch.

The candidates are asked one after another (mimo_tui.compare) and printed at the end: with
`--json`, one object with every candidate (answer, reasoning, tokens, time, message id);
otherwise each answer under a labelled rule. The first candidate is the active branch; the
TUI's tree view (Ctrl+L) or the compare screen picks another.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from mimo_tui.compare import Candidate, ask_candidates, regenerations, summary
from mimo_tui.text import visible, visible_json

EXIT_OK, EXIT_API = 0, 1  # as cli.py's


def print_candidates(
    out: TextIO,
    session_id: str,
    candidates: list[Candidate],
    as_json: bool,
    reasoning: TextIO | None = None,
) -> None:
    """Each candidate under its rule; with `reasoning` (--show-reasoning), its reasoning is
    written there first, under the same label (stderr: stdout stays the answers)."""
    if as_json:
        data = {
            "session_id": session_id,
            "active": 0,
            "candidates": [c.as_json() for c in candidates],
        }
        out.write(visible_json(data) + "\n")
        return
    tty = out.isatty()
    for n, candidate in enumerate(candidates, 1):
        head = summary(candidate) + (" · active" if n == 1 else "")
        if n > 1:
            out.write("\n")
        if reasoning is not None and candidate.reasoning:
            out.flush()
            thought = candidate.reasoning.rstrip("\n")
            err_tty = reasoning.isatty()
            reasoning.write(f"── {visible(candidate.variant.label)} · reasoning ──\n")
            reasoning.write(f"\x1b[2m{visible(thought)}\x1b[0m\n" if err_tty else f"{thought}\n")
            reasoning.flush()
        out.write(f"── {visible(head)} ──\n")
        text = candidate.answer if candidate.error is None else f"error: {candidate.error}"
        out.write((visible(text) if tty else text).rstrip("\n") + "\n")
    out.flush()


async def ask_n(
    runtime: Any,
    session_id: str,
    prompt: str,
    n: int,
    as_json: bool,
    attachments: Any,
    show_reasoning: bool = False,
) -> int:
    """Ask for `n` candidates and print them; the exit status is an error's if all failed."""
    try:
        candidates = await ask_candidates(
            runtime.engine, session_id, regenerations(n), prompt=prompt, attachments=attachments
        )
    finally:
        await runtime.close_client()
    thoughts = sys.stderr if show_reasoning and not as_json else None
    print_candidates(sys.stdout, session_id, candidates, as_json, thoughts)
    for c in candidates:
        if c.error:
            print(f"mimo-tui: {c.variant.label}: {visible(c.error)}", file=sys.stderr)
    return EXIT_API if all(c.error for c in candidates) else EXIT_OK
