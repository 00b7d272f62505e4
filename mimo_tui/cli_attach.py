"""`mimo-tui ask -a FILE [-a FILE ...]`: load the attachments, check them against the model.

`-a -` reads the attachment's bytes from stdin (`--type image/png` names their type when the
bytes alone do not say), so `screenshot | mimo-tui ask -a - "what is wrong here?"` works; the
prompt then has to be an argument. Problems exit 2 before anything is saved or sent.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from mimo_tui.attachments import AttachmentError, from_bytes, load, refusal, suggest
from mimo_tui.catalogue import Catalogue
from mimo_tui.model import Attachment
from mimo_tui.text import visible

if TYPE_CHECKING:
    import argparse

Loaded = list[tuple[Attachment, bytes | None]]


def add_arguments(ask: argparse.ArgumentParser) -> None:
    ask.add_argument(
        "-a",
        "--attach",
        action="append",
        default=[],
        metavar="FILE",
        help="attach an image, audio or video file, or an http(s) URL ('-': stdin); repeatable",
    )
    ask.add_argument(
        "--type",
        metavar="MIME",
        help="the type of stdin's bytes for -a -, or of a single -a FILE (e.g. image/png)",
    )


def load_all(args: Any) -> Loaded | str:
    """The attachments named by -a, or the message saying why one cannot be attached."""
    loaded: Loaded = []
    refs: list[str] = list(getattr(args, "attach", None) or [])
    if refs.count("-") > 1:
        return "-a - can be given once (stdin holds one file)"
    named = getattr(args, "type", None)
    if named and not refs:
        return "--type names the type of an attachment (-a); none was given"
    if named and len(refs) > 1 and "-" not in refs:
        return "--type applies to one attachment (-a - for stdin's bytes, or a single file)"
    try:
        for ref in refs:
            if ref == "-":
                data = sys.stdin.buffer.read()
                loaded.append(from_bytes(data, "stdin", getattr(args, "type", None)))
            else:
                loaded.append(load(ref, getattr(args, "type", None) if len(refs) == 1 else None))
    except AttachmentError as exc:
        return visible(str(exc))
    return loaded


def model_problem(loaded: Loaded, model: str, catalogue: Catalogue) -> str | None:
    """Why `model` cannot take these attachments, with a model that can, or None."""
    info = catalogue.lookup(model)
    kinds = {a.kind for a, _ in loaded}
    refused = {k for k in kinds if not info.accepts(k)}  # type: ignore[arg-type]
    if not refused:
        return None
    capable = suggest(catalogue, refused)
    text = refusal(visible(model), refused, capable)
    return f"{text} (use -m {capable[0]})" if capable else text
