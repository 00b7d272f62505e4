"""The exports' list of a session's other branches (see mimo_tui.tree): the export shows
the active path in full, then each branch point with its alternatives, the active one marked,
so nothing an edit or a regeneration left behind is hidden. The JSON export carries every
branch itself (parent_id, on_path)."""

from __future__ import annotations

from mimo_tui.mdtext import inert
from mimo_tui.text import visible
from mimo_tui.tree import Tree, branch_outline

HEADING = "Branches"
NOTE = "This export shows the active path; other branches of this conversation:"


def branches_markdown(tree: Tree) -> list[str]:
    outline = branch_outline(tree)
    if not outline:
        return []
    out = [f"## {HEADING}", "", NOTE, ""]
    for where, alts in outline:
        out.append(f"- {_line(where)}")
        for active, text in alts:
            out.append(f"  - {'**active** · ' if active else ''}{_line(text)}")
    return [*out, ""]


def branches_html(tree: Tree) -> str:
    import html  # loaded when first used, as transcripts.py does

    outline = branch_outline(tree)
    if not outline:
        return ""
    items = []
    for where, alts in outline:
        inner = "".join(
            f"<li>{'<b>active</b> · ' if active else ''}{html.escape(visible(text))}</li>"
            for active, text in alts
        )
        items.append(f"<li>{html.escape(visible(where))}<ul>{inner}</ul></li>")
    return (
        f"<section class=branches><h2>{HEADING}</h2><p>{NOTE}</p><ul>{''.join(items)}</ul>"
        "</section>"
    )


def _line(text: str) -> str:
    """One list item of untrusted text: visible, no HTML, no acting character reference, no
    Markdown emphasis or code."""
    return inert(visible(text)).replace("*", "\\*").replace("`", "'")
