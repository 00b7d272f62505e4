"""What a user reads besides the app: the README's key table, where it says the themes are,
and the demo's sample code."""

from __future__ import annotations

import builtins
import re
import symtable
from pathlib import Path

from mimo_tui.fake.scenarios import demo_scenario
from mimo_tui.text import code_blocks

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


def unbound_names(source: str) -> set[str]:
    """Names a module uses that it neither defines nor imports (nor are builtins)."""
    table = symtable.symtable(source, "sample", "exec")
    return {
        s.get_name()
        for s in table.get_symbols()
        if s.is_referenced() and not (s.is_assigned() or s.is_imported())
    } - set(dir(builtins))


def test_the_demo_answers_sample_code_runs_as_written():
    """Copied with y1, it defines or imports every name it uses (it had no `import os`)."""
    answer = demo_scenario({"messages": [{"role": "user", "content": "hi"}]}).content
    (code,) = [block for block in code_blocks(answer) if "OpenAI" in block]
    compile(code, "sample", "exec")
    assert unbound_names(code) == set()
