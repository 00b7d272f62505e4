"""Which binding ids config.toml's `[keys]` table may rebind: those the UI declares.

Textual ignores a keymap entry whose id no binding has, so a misspelt id (`chat.serch`)
changed nothing and said nothing. The ids live in the widgets' BINDINGS, spread over every
UI module; they are collected only when the user has a `[keys]` table, after the first
frame, so nobody else pays for importing the modules a new chat has not needed yet (this
module is imported then too: the chat's first frame needs only keymap.keymap_of).
"""

from __future__ import annotations

import importlib
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode


def _import_ui_modules() -> None:
    import mimo_tui.ui
    import mimo_tui.ui.widgets

    for package in (mimo_tui.ui, mimo_tui.ui.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{info.name}")


def binding_ids() -> set[str]:
    """The id of every Binding declared by a mimo-tui screen or widget."""
    _import_ui_modules()
    ids: set[str] = set()
    seen: set[type[DOMNode]] = set()
    todo: list[type[DOMNode]] = [DOMNode]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
        if cls.__module__.startswith("mimo_tui."):
            for binding in cls.__dict__.get("BINDINGS", []):
                if isinstance(binding, Binding) and binding.id:
                    ids.add(binding.id)
    return ids


def unknown_binding_problems(keymap: dict[str, str], where: str) -> list[str]:
    """A notice for each `[keys]` id that names no binding (its entry does nothing)."""
    known = binding_ids()
    return [
        f"{where}: [keys] {binding_id}: no key binding has this id, so it changes nothing "
        "(F1 lists every id)"
        for binding_id in keymap
        if binding_id not in known
    ]
