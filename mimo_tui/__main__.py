"""The `mimo-tui` console script and `python -m mimo_tui`.

The entry point turns the garbage collector off before anything else is imported (the
policy and its reasons: gc_policy.py).

It is also where the process ends the way a Unix tool does: a reader that went away
(`| head -1`) ends it quietly with 141 (see cli_signals), Ctrl+C outside a reply with 130.
"""

import sys

from mimo_tui import gc_policy


def main() -> int:
    gc_policy.pause()
    from mimo_tui.cli import EXIT_CANCELLED
    from mimo_tui.cli import main as cli_main
    from mimo_tui.cli_signals import EXIT_PIPE, quiet_stdout

    try:
        try:
            return cli_main()
        finally:  # what is still buffered must fail here, not in the interpreter's last flush
            sys.stdout.flush()
    except BrokenPipeError:
        quiet_stdout()
        return EXIT_PIPE
    except KeyboardInterrupt:
        print("\nmimo-tui: cancelled", file=sys.stderr)
        return EXIT_CANCELLED


if __name__ == "__main__":
    raise SystemExit(main())
