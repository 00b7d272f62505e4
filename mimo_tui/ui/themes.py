"""Load the app's themes from TOML files (bundled `mimo_tui.themes`, then the user's folder).

A user's theme is checked when it loads (every colour it implies is generated), so a bad one
is reported with its file instead of failing at first paint. The bundled themes are checked
by the test suite instead of at every start (~2 ms of it).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import NamedTuple

from textual.theme import BUILTIN_THEMES, Theme

import mimo_tui.themes as bundled_themes

_ALLOWED = {f.name for f in fields(Theme)}

# App-specific theme variables, with defaults for themes (Textual's built-ins) that lack them.
# Each names the part of the screen it styles, so a theme file can restyle just that part.
VARIABLE_DEFAULTS = {
    "reasoning-foreground": "#9E9E9E",  # the reasoning panel's text and title
    "reasoning-border": "#5A5A5A",  # the bar left of a reasoning panel
    "status-background": "#2A2A2A",  # the status line under the input
    "status-foreground": "#9E9E9E",
    "tool-border": "#5A5A5A",  # a tool call waiting in the conversation
    "tool-running": "#FF8A3D",  # ... awaiting approval or running
    "tool-done": "#4CC38A",
    "tool-failed": "#FF5C5C",  # failed or cancelled
    "tool-denied": "#F0B429",
    "error-foreground": "#FF5C5C",  # error notices and the status line's errors
    "turn-rule": "#3A3A44",  # the rule between two turns of the conversation
}


class ThemeFileError(Exception):
    pass


class LoadedTheme(NamedTuple):
    """A theme that loaded, where it came from ("mimo-tui" | "user") and its file (a
    bundled one by its name), so a later check can still name the file; `replaces`: the
    source of a theme of the same name it stands in for ("mimo-tui" | "textual")."""

    theme: Theme
    source: str
    origin: str
    replaces: str | None = None


def theme_from_toml(text: str, origin: str, check_colours: bool = True) -> Theme:
    """Parse one theme file; ThemeFileError names the file and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"{origin}: not valid TOML ({exc})") from exc
    unknown = set(data) - _ALLOWED
    if unknown:
        raise ThemeFileError(f"{origin}: unknown key(s) {', '.join(sorted(unknown))}")
    if "name" not in data or "primary" not in data:
        raise ThemeFileError(f"{origin}: a theme needs at least `name` and `primary`")
    try:
        theme = Theme(**data)
        if check_colours:
            generated = theme.to_color_system().generate()  # bad colours fail here
    except Exception as exc:
        raise ThemeFileError(f"{origin}: {exc}") from exc
    if check_colours:
        _check_variables(theme.variables, generated, origin)
    return theme


_NAME = re.compile(r"[a-z][a-z0-9-]*")
# What a variable's value may hold: colours (`#4cc38a 50%`, `auto 70%`), text styles. Not
# `;`, `:`, `{`, quotes or controls, which would end the declaration it goes into and start
# another. (`$primary 50%` passes here, but Textual cannot resolve it: the parse refuses it.)
_VALUE = re.compile(r"[A-Za-z0-9#$%.,()_ -]*")
# `code-theme` is not CSS but the Pygments style code is highlighted with (md_palette).
CODE_THEME = "code-theme"
_STYLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def _check_variables(variables: dict[str, str], generated: dict[str, str], origin: str) -> None:
    """Every variable a CSS value, checked as it will be used (`code-theme` as a Pygments
    style's name, `…-style` as a text style, the rest as a colour), so a bad one is reported
    with its file instead of stopping the app at the stylesheet (and a value is never CSS
    that declares something else)."""
    from textual.css.stylesheet import Stylesheet, StylesheetParseError

    for name, value in variables.items():
        if not (isinstance(value, str) and _NAME.fullmatch(name) and _VALUE.fullmatch(value)):
            raise ThemeFileError(f"{origin}: variable {name!r} = {value!r} is not a CSS value")
        if name == CODE_THEME:
            # Only the form: whether Pygments has the style is code_theme_problems' job,
            # as importing Pygments (~6 ms) has no place in start-up.
            if not _STYLE_NAME.fullmatch(value):
                raise ThemeFileError(
                    f"{origin}: variable {name!r} = {value!r} is not a Pygments style name "
                    "(such as github-dark, monokai or default)"
                )
            continue
        sheet = Stylesheet(variables={**generated, **variables})
        prop = "text-style" if name.endswith("style") else "color"
        sheet.add_source(f"Screen {{ {prop}: ${name}; }}", read_from=(origin, name))
        try:
            sheet.parse()
        except StylesheetParseError:
            why = "a text style" if prop == "text-style" else "a colour"
            raise ThemeFileError(f"{origin}: variable {name!r} = {value!r} is not {why}") from None


def code_theme_problems(loaded: list[LoadedTheme]) -> list[str]:
    """A message for each theme whose `code-theme` names no Pygments style: it loads, and its
    code is drawn in the terminal's colours (markdown_render.syntax_theme's fallback), which
    reads like a bug unless it is said. Imports Pygments: call it off the start-up path (the
    app does after its first frame, `mimo-tui themes` and `config` whenever)."""
    from pygments.styles import get_style_by_name
    from pygments.util import ClassNotFound

    problems = []
    for theme, _, origin, _ in loaded:
        name = (theme.variables or {}).get(CODE_THEME)
        if name is None:
            continue
        try:
            get_style_by_name(name)
        except ClassNotFound:
            problems.append(
                f"{origin}: code-theme {name!r} is not a Pygments style, so this theme draws "
                "code in the terminal's colours (styles include github-dark, monokai, default)"
            )
    return problems


def load_theme_files(user_dir: Path | None) -> tuple[list[LoadedTheme], list[str]]:
    """Every theme that loads, one per name (the user's over a bundled one), with its
    source and file; one message per file that does not load or loses to another."""
    problems: list[str] = []
    # The package is a folder once installed (a wheel is never run zipped), so no
    # importlib.resources machinery (~2 ms to import) is needed to read it.
    bundled = Path(bundled_themes.__file__).parent
    sources = [
        (p.name, p.read_text(encoding="utf-8"), "mimo-tui") for p in sorted(bundled.glob("*.toml"))
    ]
    if user_dir and user_dir.is_dir():
        for path in sorted(user_dir.glob("*.toml")):
            try:
                sources.append((str(path), path.read_text(encoding="utf-8"), "user"))
            except OSError as exc:
                problems.append(f"{path}: cannot read ({exc.strerror})")
            except UnicodeDecodeError as exc:
                problems.append(f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start})")
    # Bundled first, then the user's: a user's theme with the name of a bundled one (or of
    # one of Textual's, which the app registers before these) replaces it, in the app as in
    # the listing, as one's own file over a default is expected to.
    by_name: dict[str, LoadedTheme] = {}
    for origin, text, source in sources:
        try:
            theme = theme_from_toml(text, origin, check_colours=source == "user")
        except ThemeFileError as exc:
            problems.append(str(exc))
            continue
        earlier = by_name.get(theme.name)
        if earlier is None:
            replaces = "textual" if source == "user" and theme.name in BUILTIN_THEMES else None
        elif earlier.source == "user":  # two files of the user's: the later one's, and said
            problems.append(
                f"{origin}: theme {theme.name!r} is also in {earlier.origin}; this file's is used"
            )
            replaces = earlier.replaces
        else:
            replaces = earlier.source
        by_name[theme.name] = LoadedTheme(theme, source, origin, replaces)
    return list(by_name.values()), problems


def load_themes(user_dir: Path | None = None) -> tuple[list[Theme], list[str]]:
    """Every theme that loads, and one message per file that does not."""
    loaded, problems = load_theme_files(user_dir)
    return [t.theme for t in loaded], problems


def theme_catalogue(user_dir: Path | None, current: str) -> tuple[list[dict], list[str]]:
    """Every theme the TUI can use (ours, the user's, Textual's built-ins), once each, for
    `mimo-tui themes`; `current` marks the one it starts with, `replaces` the source of the
    theme a user's of the same name stands in for."""
    loaded, problems = load_theme_files(user_dir)
    problems += code_theme_problems([t for t in loaded if t.source == "user"])
    rows = [
        {
            "name": t.theme.name,
            "source": t.source,
            "replaces": t.replaces,
            "dark": t.theme.dark,
            "current": t.theme.name == current,
        }
        for t in loaded
    ]
    known = {row["name"] for row in rows}
    rows += [
        {
            "name": name,
            "source": "textual",
            "replaces": None,
            "dark": t.dark,
            "current": name == current,
        }
        for name, t in sorted(BUILTIN_THEMES.items())
        if name not in known
    ]
    return rows, problems
