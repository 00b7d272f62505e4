"""Foreign text for widgets: the one sanitizer (mimo_tui.text), and never markup.

Textual parses a `str` as markup almost everywhere (Static, Label, Option and Select prompts,
notify) and passes ESC and C1 controls to the terminal wherever it does not. A string that did
not come from our own code (an error body, a model id, a file name, an imported field)
reaches a widget through one of these helpers, so neither can happen by forgetting a flag:

- `safe_text(s)`: a `rich.text.Text` (never parsed as markup) of `visible(s)`, for any
  prompt, label, cell or `update()`;
- `notify_safe(node, message, title=...)`: a toast with both parts made visible and
  `markup=False`.

Rich and Textual are loaded already wherever a widget exists: this adds nothing to start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from mimo_tui.text import one_line, visible

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget


def safe_text(text: object, style: str = "", single_line: bool = False) -> Text:
    """`text` as a Text that shows every control and format character as a placeholder.

    `single_line` also shows newlines and tabs as ␊ ␉ (status lines, list entries, cells).
    """
    raw = str(text)
    return Text(one_line(raw) if single_line else visible(raw), style=style, end="")


def notify_safe(node: App[Any] | Widget, message: object, *, title: object = "", **kw: Any) -> None:
    """`node.notify(...)` (an App, Screen or Widget) with foreign text made safe."""
    node.notify(visible(str(message)), title=one_line(str(title)), markup=False, **kw)


IN_FULL = 2  # problems a notice shows in full; more are summarised
QUOTE_CHARS = 120  # a summary's quoted problem, cut to about three lines at 80 columns


def summary(problems: list[str], count: str, listed_by: str, folder: str = "") -> str:
    """One notice for a list of problems: all of them when they are few, else how many
    (`count`: "{n} settings problems" or the like), the command that lists them all, and
    the first, cut short. A toast per problem, or one with every problem in full, covered
    half the chat at 80x24 for the whole timeout; the CLI's full list loses nothing.
    `folder` (with its separator) is left out of the quoted problem's file name."""
    if len(problems) <= IN_FULL:
        return "\n\n".join(problems)
    first = problems[0].removeprefix(folder) if folder else problems[0]
    if len(first) > QUOTE_CHARS:
        first = first[: QUOTE_CHARS - 1] + "…"
    head = count.format(n=len(problems))
    return f"{head}; `{listed_by}` lists them all.\n• {first}\n… and {len(problems) - 1} more"
