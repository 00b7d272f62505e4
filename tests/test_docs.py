"""What a user reads besides the app: the README's key table and where it says themes are."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def key_rows() -> list[str]:
    """The first cell of each row of the README's table of chat keys."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## In the chat UI", 1)[1]
    table = section.split("| key | action |", 1)[1].split("\n\n", 1)[0]
    return [row.split("|")[1].strip() for row in table.splitlines() if row.startswith("| ")]


def test_the_readme_lists_each_key_once():
    rows = [row for row in key_rows() if row != "---"]
    assert "F4" in rows and "Ctrl+Y / Ctrl+B" in rows
    assert len(rows) == len(set(rows)), sorted(r for r in rows if rows.count(r) > 1)


def test_the_readme_names_the_folder_the_themes_ship_in():
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    folder = re.search(r"ship in the top-level `(\w+)/` folder", text)
    assert folder is not None and sorted((ROOT / folder[1]).glob("mimo-*.toml"))
