"""The keys as the user bound them, for the widgets that show keys (welcome, help, replies).

Checking a user's `[keys]` ids against every binding is keymap_check.py's job, apart from
this: it imports every UI module, which a new chat's first frame does not need.
"""

from __future__ import annotations

from textual.dom import DOMNode


def keymap_of(app: DOMNode) -> dict[str, str]:
    """The app's keymap (binding id -> keys), to show keys as the user bound them.

    Textual keeps it in a private attribute (App._keymap; there is no public getter): read
    here only, and tests/test_library_contracts.py fails if Textual renames it."""
    keymap = getattr(app, "_keymap", None)
    return dict(keymap) if isinstance(keymap, dict) else {}
