"""mimo-tui: a terminal chat client for Xiaomi MiMo.

The package is split into a UI-free core (config, prompt, store, client, engine, text) that the
CLI and the TUI both drive, a loopback fake of the MiMo API (`fake/`), and a thin Textual UI
(`ui/`). Nothing at this level imports textual or openai, so `mimo-tui --help` and `ask` start fast.
"""

__version__ = "0.1.0"
