"""Which key names a `[keys]` entry in config.toml may use, checked without loading Textual.

Textual takes any string as a binding's key: a typo such as "f99x" binds nothing, yet the
footer advertises it as the key to press. The settings are read before the UI (and by CLI
commands that never load Textual), so the names Textual's terminal driver can produce are
listed here; a contract test keeps the list true to the installed Textual.
"""

from __future__ import annotations

import unicodedata

# Modifiers Textual's input parser puts in front of a key name ("ctrl+shift+up").
MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})

# Named keys (textual.keys.Keys without modifiers), plus the function keys f1-f24.
NAMED_KEYS = frozenset(
    {
        "escape",
        "enter",
        "return",
        "tab",
        "space",
        "backspace",
        "delete",
        "insert",
        "home",
        "end",
        "pageup",
        "pagedown",
        "up",
        "down",
        "left",
        "right",
        *(f"f{n}" for n in range(1, 25)),
    }
)

# Textual's friendlier names for some characters (textual.keys.KEY_NAME_REPLACEMENTS).
CHARACTER_ALIASES = frozenset({"slash", "backslash", "at", "minus", "plus", "underscore"})


def _is_character_name(name: str) -> bool:
    """A printable character's Unicode name in Textual's spelling ("question_mark")."""
    if name in CHARACTER_ALIASES:
        return True
    if not name.replace("_", "").isalnum():
        return False
    try:
        char = unicodedata.lookup(name.replace("_", " ").upper())
    except KeyError:
        # Names with a hyphen (HYPHEN-MINUS, LESS-THAN SIGN) lose it in Textual's spelling.
        try:
            char = unicodedata.lookup(name.replace("_", "-", 1).replace("_", " ").upper())
        except KeyError:
            return False
    return char.isprintable() and not char.isspace()


def _key_problem(key: str) -> str | None:
    parts = key.split("+")
    *modifiers, name = parts
    if not name:
        return f"{key!r} has no key after its last '+'"
    unknown = [m for m in modifiers if m.lower() not in MODIFIERS]
    if unknown:
        return f"{unknown[0]!r} in {key!r} is not a modifier (ctrl, shift, alt, meta, super)"
    if len(name) == 1:
        return None if name.isprintable() and not name.isspace() else f"{key!r} is not a key"
    if name.lower() in NAMED_KEYS or _is_character_name(name.lower()):
        return None
    return (
        f"{key!r} is not a key name Textual knows "
        "(examples: ctrl+k, f9, escape, pageup, question_mark)"
    )


def key_spec_problem(spec: str) -> str | None:
    """Why `spec` ("ctrl+k" or "f9,ctrl+k") names no key a terminal can send, or None."""
    keys = [k.strip() for k in spec.split(",")]
    if not any(keys):
        return "no key given"
    for key in keys:
        if not key:
            return f"{spec!r} has an empty entry between commas"
        problem = _key_problem(key)
        if problem:
            return problem
    return None
