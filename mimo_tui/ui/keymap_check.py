"""Checks of config.toml's `[keys]` table against the bindings the UI declares.

Textual ignores a keymap entry whose id no binding has, so a misspelt id (`chat.serch`)
changed nothing and said nothing; and it lets an entry give a binding a key another binding
in the same place already has (`chat.search = "ctrl+q"`, Quit's key), so the footer showed
`^q Search` while Ctrl+Q still quit. The ids live in the widgets' BINDINGS, spread over every
UI module; they are all collected only when the user has a `[keys]` table, after the first
frame, so nobody else pays for importing the modules a new chat has not needed yet. Before
the first frame the app drops the clashing entries among the classes loaded by then, which
costs a walk over them and no import (the chat's first frame needs only keymap.keymap_of).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import NamedTuple

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode


def _import_ui_modules() -> None:
    import pkgutil

    import mimo_tui.ui
    import mimo_tui.ui.widgets

    for package in (mimo_tui.ui, mimo_tui.ui.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{info.name}")


def _mimo_classes() -> list[type[DOMNode]]:
    """Every mimo-tui app, screen and widget class imported so far (nothing is imported)."""
    found: list[type[DOMNode]] = []
    seen: set[type[DOMNode]] = set()
    todo: list[type[DOMNode]] = [DOMNode]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
        if cls.__module__.startswith("mimo_tui."):
            found.append(cls)
    return found


def _declared(cls: type[DOMNode]) -> list[Binding]:
    """The bindings with an id that `cls` itself declares, one per key, each key spelt as
    Textual matches it ("?" is question_mark)."""
    return [b for b in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])) if b.id]


def binding_ids() -> set[str]:
    """The id of every Binding declared by a mimo-tui screen or widget."""
    _import_ui_modules()
    return {b.id for cls in _mimo_classes() for b in _declared(cls) if b.id}


def unknown_binding_problems(keymap: dict[str, str], where: str) -> list[str]:
    """A notice for each `[keys]` id that names no binding (its entry does nothing)."""
    known = binding_ids()
    return [
        f"{where}: [keys] {binding_id}: no key binding has this id, so it changes nothing "
        "(F1 lists every id)"
        for binding_id in keymap
        if binding_id not in known
    ]


def _keys(spec: str) -> frozenset[str]:
    """The keys of a `[keys]` value ("f9,ctrl+k"), spelt as Textual matches them."""
    return frozenset(b.key for b in Binding.make_bindings([Binding(spec, "")]))


def _scopes(classes: Iterable[type[DOMNode]]) -> list[list[Binding]]:
    """The bindings that can be active together: each class's own and inherited ones, plus
    the app's, which work everywhere. (Which widget sits in which screen is not declared,
    so a widget's keys are not compared with its screen's.)"""
    classes = list(classes)
    mimo = set(classes)

    def own(cls: type[DOMNode]) -> list[Binding]:
        return [b for base in cls.__mro__ if base in mimo for b in _declared(base)]

    app_wide = [b for cls in classes if issubclass(cls, App) for b in own(cls)]
    scopes = []
    for cls in classes:
        bindings = own(cls)
        if bindings and not issubclass(cls, App):
            bindings += app_wide
        if bindings:
            scopes.append(bindings)
    return scopes


class _Clash(NamedTuple):
    key: str
    other: Binding  # the binding that has `key` too
    default: str  # the rebound binding's own key(s), which it keeps


def _clashes(keymap: dict[str, str], scopes: list[list[Binding]]) -> dict[str, _Clash]:
    """The `[keys]` entries that give a binding a key another binding of the same scope has
    with this keymap, where the two did not share it by default (f5 is both Retry's and
    Set key's on purpose: each runs only when the other cannot)."""
    found: dict[str, _Clash] = {}
    for scope in scopes:
        default: dict[str, set[str]] = {}
        first: dict[str, Binding] = {}
        for binding in scope:
            assert binding.id  # (_declared keeps only these)
            default.setdefault(binding.id, set()).add(binding.key)
            first.setdefault(binding.id, binding)
        now = {i: _keys(keymap[i]) if i in keymap else frozenset(k) for i, k in default.items()}
        for rebound in (i for i in keymap if i in now and i not in found):
            for other, keys in now.items():
                shared = (now[rebound] & keys) - (default[rebound] & default[other])
                if other != rebound and shared:
                    own = ",".join(sorted(default[rebound]))
                    found[rebound] = _Clash(min(shared), first[other], own)
                    break
    return found


def without_clashes(
    keymap: dict[str, str], where: str, import_all: bool = True
) -> tuple[dict[str, str], list[str]]:
    """`keymap` without the entries that would give a key to two bindings active together,
    and a notice naming both for each. Such an entry is ignored rather than applied: one of
    the two bindings would be hidden (the footer showed the new one while the key still ran
    the old), and which one depends on priorities no user sees. An entry whose ignoring
    brings back a default key another entry took is dropped in turn. `import_all=False`:
    only the classes imported so far (the app, before its first frame)."""
    if import_all:
        _import_ui_modules()
    scopes = _scopes(_mimo_classes())
    kept = dict(keymap)
    problems: list[str] = []
    while clashes := _clashes(kept, scopes):
        for binding_id, (key, other, default) in clashes.items():
            del kept[binding_id]
            desc = f"{other.description} ({other.id})" if other.description else str(other.id)
            if other.id in kept or other.id in clashes:
                why = f"[keys] gives {key} to {desc} too"
            else:
                why = f"{key} is already {desc} where {binding_id} works"
            problems.append(
                f"{where}: [keys] {binding_id} = {keymap[binding_id]!r}: {why}; ignored, so "
                f"{binding_id} keeps {default}"
            )
    return kept, problems
