"""`python -m mimo_tui` is the same as the `mimo-tui` console script."""

from mimo_tui.cli import main

raise SystemExit(main())
