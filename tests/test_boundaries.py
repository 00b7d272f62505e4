"""The import-linter contracts (pyproject.toml, run by .ci/run) cover every core module.

A contract lists its modules by name, so a new core module would be left unchecked without
this test: every module of the package but the entry points and ui/ must be in the list.
"""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

import mimo_tui

ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINTS = {"mimo_tui.cli", "mimo_tui.__main__"}  # they choose between the core and ui/


def test_the_core_contract_lists_every_module_outside_ui_and_the_entry_points():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    core = next(c for c in contracts if "mimo_tui.ui" in c["forbidden_modules"])
    modules = {
        f"mimo_tui.{info.name}"
        for info in pkgutil.iter_modules(mimo_tui.__path__)
        if info.name not in ("ui", "themes")
    }
    assert modules - ENTRY_POINTS == set(core["source_modules"])
