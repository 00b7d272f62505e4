"""The colours replies are drawn with, taken from the theme: code blocks, inline code,
headings, links, quotes, tables, rules.

A theme file may set any of these as variables (`code-background = "#202028"`); a theme that
does not (Textual's built-ins) gets colours mixed from its own background, foreground and
accents, so every theme reads like a document. Kept apart from markdown_render (which
imports markdown-it and Pygments) so the app can set the palette at start-up for free.
"""

from __future__ import annotations

from typing import NamedTuple

from textual.color import Color
from textual.theme import Theme

# Theme variables a theme may set for replies, and what each styles.
MARKDOWN_VARIABLES = {
    "code-background": "the tint behind a fenced code block",
    "code-border": "the frame around a code block",
    "code-label": "the code block's language, number and copy hint",
    "code-theme": "the Pygments style code is highlighted with (a name, not a colour)",
    "inline-code-foreground": "`inline code`",
    "inline-code-background": "the box behind `inline code`",
    "heading-foreground": "headings (bold, never underlined)",
    "heading-rule": "the line under level 1 and 2 headings",
    "link-foreground": "links (underlined)",
    "quote-bar": "the bar left of a block quote",
    "table-border": "table borders and the header rule",
    "turn-rule": "the rule between two turns of the conversation",
}


class MarkdownPalette(NamedTuple):
    """Colours as `#rrggbb` strings (Rich parses them), and the Pygments style name."""

    dark: bool = True
    foreground: str = "#E8E6E3"
    muted: str = "#A8A29E"
    heading: str = "#FFFFFF"
    heading_rule: str = "#FF6900"
    code_background: str = "#1E1E24"
    code_border: str = "#3A3A44"
    code_label: str = "#A8A29E"
    code_theme: str = "github-dark"
    inline_code: str = "#FFA05C"
    inline_code_background: str = "#26262E"
    link: str = "#7AB8FF"
    quote_bar: str = "#FF6900"
    table_border: str = "#4A4A58"
    turn_rule: str = "#3A3A44"
    highlight: bool = True  # code in colour; False: plain, laid out the same (see below)

    def coloured(self) -> MarkdownPalette:
        """This palette with code in colour: what a first frame drawn plain turns into."""
        return self._replace(highlight=True)


def _hex(color: Color) -> str:
    return color.hex6


def palette_from_theme(theme: Theme) -> MarkdownPalette:
    """The palette for `theme`: its own variables where set, the rest mixed from its colours."""
    variables = theme.variables or {}
    background = Color.parse(theme.background or ("#121212" if theme.dark else "#F5F5F5"))
    foreground = Color.parse(theme.foreground or ("#E0E0E0" if theme.dark else "#1F1F1F"))
    primary = Color.parse(theme.primary)
    accent = Color.parse(theme.accent or theme.primary)
    secondary = Color.parse(theme.secondary or theme.primary)

    def mix(amount: float) -> str:
        return _hex(background.blend(foreground, amount))

    # Links: blue reads as a link in every convention; tuned for contrast on the background.
    link = "#7AB8FF" if theme.dark else "#0B57D0"
    derived = {
        "code-background": mix(0.06 if theme.dark else 0.045),
        "code-border": mix(0.22),
        "code-label": mix(0.6),
        "code-theme": "github-dark" if theme.dark else "default",
        "inline-code-foreground": _hex(secondary if theme.dark else accent.darken(0.1)),
        "inline-code-background": mix(0.1 if theme.dark else 0.07),
        "heading-foreground": _hex(foreground.lighten(0.08) if theme.dark else foreground),
        "heading-rule": _hex(primary),
        "link-foreground": link,
        "quote-bar": _hex(primary),
        "table-border": mix(0.3),
        "turn-rule": mix(0.16),
    }
    values = {name: str(variables.get(name, derived[name])) for name in MARKDOWN_VARIABLES}
    for name, value in values.items():
        if name != "code-theme":
            try:
                values[name] = _hex(Color.parse(value))
            except Exception:  # a broken variable: the derived colour rather than no reply
                values[name] = str(derived[name])
    return MarkdownPalette(
        dark=theme.dark,
        foreground=_hex(foreground),
        muted=mix(0.6),
        heading=values["heading-foreground"],
        heading_rule=values["heading-rule"],
        code_background=values["code-background"],
        code_border=values["code-border"],
        code_label=values["code-label"],
        code_theme=values["code-theme"],
        inline_code=values["inline-code-foreground"],
        inline_code_background=values["inline-code-background"],
        link=values["link-foreground"],
        quote_bar=values["quote-bar"],
        table_border=values["table-border"],
        turn_rule=values["turn-rule"],
    )


_current = MarkdownPalette()


def set_palette(theme: Theme) -> MarkdownPalette:
    """Draw replies in `theme` from now on (the app calls this whenever its theme changes)."""
    global _current
    _current = palette_from_theme(theme)._replace(highlight=_current.highlight)
    return _current


def set_highlighting(on: bool) -> None:
    """Draw code in colour from now on, or plain (the same cells, the theme's text colour).

    The app draws its first frame with code plain and colours it right after: building a
    Pygments lexer compiles its regular expressions (~20 ms for Python's), a tenth of
    `mimo-tui -c`'s first frame, and the colours are the one thing there that can wait."""
    global _current
    _current = _current._replace(highlight=on)


def current_palette() -> MarkdownPalette:
    """The palette of the app's theme (part of every rendered reply's cache key)."""
    return _current
