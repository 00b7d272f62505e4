"""Message text embedded in a Markdown transcript: raw HTML made inert, headings demoted.

A Markdown export is read by other renderers (GitHub, editors, static sites), and those run
raw HTML: a reply containing `<script>` or `<img onerror=...>` copied verbatim would run in
whatever shows the file. Every `<` outside code is written as `&lt;`, which any renderer
shows as `<` and none parses as a tag; code spans and blocks are left exact (`<` is literal
there already). The result is parsed once more and, should anything still parse as HTML
(renderers disagree on odd backtick nesting), every `<` outside code blocks is escaped.

Character references are decoded by those renderers too: `&#x1b;[2J` written by the model
is an ESC for a terminal viewer, `&#x202E;` a bidi override. A reference outside code whose
character the sanitizer would change is written with its `&` as `&amp;`, so it reads as
the text it is (what the TUI shows); `&amp;`, `&lt;` or `&eacute;` stay as written.

The transcript's own headings are `#` (the title) and `##` (`## You`, `## MiMo`); the model
writes `#` and `##` too, which put its sections at the level of the turns. Its headings
(ATX and setext, not inside code) move DEMOTE levels down, to `###` and below.

markdown-it stops at a nesting depth (`maxNesting`, 20 block levels; a list level is two)
and skips everything after it: a reply's last paragraphs vanished below a 12-level list, in the
chat and in the HTML export. Where we render, a text that reaches it is shown as written
instead (`parse_all`: a note, then the text in a code block), so nothing is lost; the
Markdown export keeps the text exact anyway.

Needs only markdown-it (a dependency of rich), not textual.
"""

from __future__ import annotations

import re
import string
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

DEMOTE = 2  # `#` -> `###`: below the transcript's `##` turns
TOO_DEEP = "*Nested too deeply to lay out; shown as written:*"
_PUNCT = set(string.punctuation)
_CODE = ("fence", "code_block")
_LEAVES = ("paragraph_open", "heading_open", "table_open", "html_block")
_HTML = ("html_block", "html_inline")
# Container markers that may precede a heading on its line: `> `, `- `, `1. `.
_PREFIX = r"(?:[ \t]*(?:>|[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t])))*[ \t]*"
_ATX = re.compile(rf"^({_PREFIX})(#{{1,6}})(?=[ \t]|$)")
_LEAD = re.compile(rf"^{_PREFIX}")
_UNDERLINE = re.compile(r"^[ \t>]*(?:=+|-+)[ \t]*$", re.M)  # what could end a setext heading
# An entity or numeric character reference, as CommonMark (and markdown-it) recognises one.
_REFERENCE = re.compile(r"&(?:#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});")


@cache
def _parser() -> MarkdownIt:
    """CommonMark with HTML on (to find it) and GFM tables (where renderers find code spans)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").enable("strikethrough")


def transcript_markdown(text: str) -> str:
    """`text` (already made visible) ready to sit under a transcript's `## ` headings."""
    if "<" not in text and "#" not in text and "&" not in text and not _UNDERLINE.search(text):
        return text  # most messages: nothing to escape, no heading (no parse: 20x faster)
    escaped = escape_html(text)
    return demote_headings(escaped, _tokens(escaped))


def parse_all(parser: MarkdownIt, text: str, env: dict[str, Any] | None = None) -> list[Token]:
    """`parser.parse(text)`, or, where that reached the parser's nesting limit and so
    skipped the rest of the text, the tokens of `shown_as_written(text)` (see the module
    doc). A container opened at the last level gets no content; a paragraph at that level
    counts too: erring that way shows a text as written a level early, never drops any."""
    tokens = parser.parse(text, env)
    limit = parser.options["maxNesting"]
    if any(t.level >= limit - 1 for t in tokens):
        return parser.parse(shown_as_written(text), env)
    return tokens


def shown_as_written(text: str) -> str:
    """Markdown that shows all of `text` as it is: TOO_DEEP, then the text in a fence."""
    return f"{TOO_DEEP}\n\n{fence(text)}\n"


def fence(text: str, lang: str = "") -> str:
    """A code fence longer than any backtick run inside, so the text cannot break out."""
    ticks = "`" * max(3, longest_backticks(text) + 1)
    return f"{ticks}{lang}\n{text}\n{ticks}"


def longest_backticks(text: str) -> int:
    best = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        best = max(best, run)
    return best


def _tokens(text: str) -> list[Token]:
    out: list[Token] = []
    for token in _parser().parse(text):
        out.append(token)
        out.extend(token.children or [])
    return out


def _code_lines(tokens: list[Token]) -> set[int]:
    lines: set[int] = set()
    for token in tokens:
        if token.type in _CODE and token.map:
            lines.update(range(*token.map))
    return lines


def escape_html(text: str) -> str:
    """Every `<` outside code as `&lt;`, so no renderer meets a tag, and every reference to
    a character the sanitizer would change as text (see the module doc)."""
    if "<" not in text and not any(_acts(m.group()) for m in _REFERENCE.finditer(text)):
        return text
    lines = text.split("\n")
    tokens = _tokens(text)
    code = _code_lines(tokens)
    block = [-1] * len(lines)  # the leaf block each line belongs to: code spans stay inside it
    for n, token in enumerate(tokens):
        if token.type in _LEAVES and token.map:
            for i in range(token.map[0], min(token.map[1], len(lines))):
                block[i] = n
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i in code:
            out.append(lines[i])
            i += 1
            continue
        j = i + 1
        while j < len(lines) and j not in code and block[j] == block[i] != -1:
            j += 1
        out.append(_escape_inline("\n".join(lines[i:j])))
        i = j
    escaped = "\n".join(out)
    if any(t.type in _HTML for t in _tokens(escaped)):  # a renderer quirk we did not foresee
        escaped = "\n".join(line if i in code else inert(line) for i, line in enumerate(lines))
        if any(t.type in _HTML for t in _tokens(escaped)):
            escaped = inert(text)  # inert above all, code blocks included
    return escaped


def inert(text: str) -> str:
    """`text` with every `<` as `&lt;` and every acting reference as text: for a line of
    ours that carries untrusted text (a title, a model id), where nothing is code."""
    text = text.replace("<", "&lt;")
    return _REFERENCE.sub(lambda m: _as_text(m.group()), text) if "&" in text else text


def _acts(reference: str) -> bool:
    """Whether a renderer decoding `reference` gets a character the sanitizer would change
    (a control, a bidi override, a zero-width space)."""
    from mimo_tui.text import visible

    decoded = _decoded(reference)
    return visible(decoded) != decoded


def _as_text(reference: str) -> str:
    return "&amp;" + reference[1:] if _acts(reference) else reference


def _decoded(reference: str) -> str:
    """The character(s) `&...;` stands for as CommonMark decodes it: numeric references by
    code point (U+FFFD for 0, surrogates and beyond U+10FFFF; no Windows-1252 remapping,
    unlike html.unescape), names from the HTML5 table."""
    body = reference[1:-1]
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        valid = 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
        return chr(code) if valid else "\ufffd"
    import html

    return html.unescape(reference)


def _escape_inline(text: str) -> str:
    """`<` as `&lt;` and acting references as text, except inside code spans; a backslash
    escape is kept as it reads."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in _PUNCT:
            # `\<` reads as `<`; not every renderer knows that escape, all know `&lt;`.
            out.append("&lt;" if text[i + 1] == "<" else text[i : i + 2])
            i += 2
        elif char == "`":
            run = _run(text, i)
            close = _closing(text, i + run, run)
            end = i + run if close < 0 else close + run
            out.append(text[i:end])
            i = end
        elif char == "&" and (ref := _REFERENCE.match(text, i)):
            out.append(_as_text(ref.group()))
            i = ref.end()
        else:
            out.append("&lt;" if char == "<" else char)
            i += 1
    return "".join(out)


def _run(text: str, at: int) -> int:
    end = at
    while end < len(text) and text[end] == "`":
        end += 1
    return end - at


def _closing(text: str, start: int, length: int) -> int:
    """Where a backtick run of exactly `length` starts after `start`, or -1."""
    i = text.find("`", start)
    while i >= 0:
        run = _run(text, i)
        if run == length:
            return i
        i = text.find("`", i + run)
    return -1


def demote_headings(text: str, tokens: list[Token] | None = None) -> str:
    """Each heading DEMOTE levels lower (at most `######`); setext ones become ATX."""
    tokens = _tokens(text) if tokens is None else tokens
    headings = [t for t in tokens if t.type == "heading_open" and t.map]
    if not headings:
        return text
    lines = text.split("\n")
    for token in reversed(headings):  # from the end: a setext heading shrinks to one line
        assert token.map is not None
        start, end = token.map
        level = min(6, int(token.tag[1]) + DEMOTE)
        if token.markup.startswith("#"):
            match = _ATX.match(lines[start])
            if match:
                lines[start] = match.group(1) + "#" * level + lines[start][match.end() :]
        elif end - start >= 2 and end <= len(lines):
            prefix = _LEAD.match(lines[start])
            lead = prefix.group(0) if prefix else ""
            words = [lines[start][len(lead) :].strip()]
            words += [re.sub(r"^[ \t>]*", "", ln).strip() for ln in lines[start + 1 : end - 1]]
            title = " ".join(w for w in words if w)
            if title.endswith("#"):  # would read as an ATX closing sequence
                title = title[:-1] + "\\#"
            lines[start:end] = [f"{lead}{'#' * level} {title}"]
    return "\n".join(lines)


def visible_decoded(tokens: list[Token]) -> list[Token]:
    """`tokens` with the text markdown-it decoded made visible, in place.

    The source was made visible before it was parsed, but the parser then turns entity and
    numeric character references (`&#x202E;`, `&rlm;`, `&ZeroWidthSpace;`) into the
    characters they name: a bidi override written as `&#x202E;` reached the screen and the
    HTML export raw. Text, image descriptions and link titles are where references are
    decoded (code keeps them literal)."""
    from mimo_tui.text import visible

    def walk(children: list[Token]) -> None:
        for child in children:
            if child.type in ("text", "image"):
                child.content = visible(child.content)
            title = child.attrs.get("title") if child.attrs else None
            if isinstance(title, str):
                child.attrs["title"] = visible(title)
            if child.children:
                walk(child.children)

    for token in tokens:
        if token.children:
            walk(token.children)
    return tokens
