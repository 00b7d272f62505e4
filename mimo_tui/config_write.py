"""Writing config.toml: the settings dialog's and `mimo-tui config set`'s changes, in place.

Kept apart from reading (config.py), which runs at every start: writing needs tomlkit,
which only loads when the user saves.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from mimo_tui.atomic_file import write_atomic
from mimo_tui.config import ConfigError


def save_config(path: Path, changes: dict[str, Any], table: str | None = None) -> None:
    """Write `changes` into config.toml, keeping everything else in it byte for byte.

    Top-level keys (table None) are replaced where they stand or added among the others;
    keys of `table` (e.g. "keys") go into that table, created at the end if needed. A key
    that already exists keeps its spelling: `chat.search` (a dotted key) stays dotted,
    `"chat.search"` stays quoted. A value of None removes the key. The result is parsed
    back before it replaces the file, so a bug here can never leave the user with a config
    that does not load.

    tomlkit keeps comments, multi-line strings and the layout of what is not changed; it is
    imported here, when the user saves, not when the app starts.
    """
    import tomlkit
    import tomlkit.exceptions

    try:
        with open(path, encoding="utf-8", newline="") as fh:  # line endings as they are
            raw = fh.read()
    except FileNotFoundError:
        raw = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc}); not changed") from exc
    try:
        doc = tomlkit.parse(raw)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); not changed") from exc
    section: Any = doc
    if table is not None:
        if table not in doc:
            doc[table] = tomlkit.table()
        section = doc[table]
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: {table} is not a table; not changed")
    for name, value in changes.items():
        _set_key(section, name, value)
    content = tomlkit.dumps(doc)
    if "\r\n" in raw:  # tomlkit ends the lines it adds with \n: keep a Windows file uniform
        content = re.sub(r"(?<!\r)\n", "\r\n", content)
    try:
        tomllib.loads(content)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: could not update the file safely ({exc})") from exc
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(path, content, mode=None, newline="")  # its permissions kept


def _set_key(section: Any, name: str, value: Any) -> None:
    """Set (None: remove) `name` in a tomlkit table, as a dotted key where one is written."""
    head, dot, rest = name.partition(".")
    if name not in section and dot and isinstance(section.get(head), dict):
        _set_key(section[head], rest, value)  # `chat.search = ...`: the nested "chat" table
        return
    if value is None:
        if name in section:
            del section[name]
    else:
        section[name] = value
