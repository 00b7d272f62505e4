"""The `mimo-tui` console script and `python -m mimo_tui`.

The entry point turns the garbage collector off before anything is imported: start-up
allocates some 300,000 long-lived objects (textual, rich, our modules) and no cyclic garbage
worth a pass over them. `cli.main` turns it back on for every command but the TUI, which
keeps it off until its first frame is drawn (see MimoApp._tune_gc).
"""

import gc


def main() -> int:
    gc.disable()
    from mimo_tui.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    raise SystemExit(main())
