"""The one sanitizer for untrusted text (model output, tool output, titles) entering a terminal.

Rich and Textual strip only a handful of C0 controls: ESC, the 8-bit C1 controls and bidi
overrides in model text would reach the real terminal byte for byte (set the window title, write
the clipboard with OSC 52, reorder a line). Every place that shows model or tool text on a
terminal passes it through `visible()` first; the store always keeps the original text exactly.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# C0 controls become their Unicode "control picture" (U+2400 + code): ESC shows as ␛.
_KEEP = {"\n", "\t"}
_PLACEHOLDER_CACHE: dict[str, str] = {}


def _placeholder(char: str) -> str:
    cached = _PLACEHOLDER_CACHE.get(char)
    if cached is not None:
        return cached
    code = ord(char)
    if code < 0x20:
        out = chr(0x2400 + code)
    elif code == 0x7F:
        out = "\u2421"  # ␡
    elif 0xD800 <= code <= 0xDFFF:
        out = "\ufffd"  # a lone surrogate cannot be encoded: show the replacement character
    else:
        out = f"⟨U+{code:04X}⟩"
    _PLACEHOLDER_CACHE[char] = out
    return out


def _is_unsafe(char: str) -> bool:
    if char in _KEEP:
        return False
    category = unicodedata.category(char)
    # Cc: C0/C1 controls and DEL; Cf: format characters (bidi overrides, zero-width joiners,
    # BOM, soft hyphen...); Cs: lone surrogates; Zl/Zp: line/paragraph separators.
    return category in {"Cc", "Cf", "Cs", "Zl", "Zp"}


# The patterns are compiled when first used (~1.2 ms for the four, which a new chat's first
# frame does not need: its few strings take visible()'s printable-ASCII path).


@cache
def _unsafe_re() -> re.Pattern[str]:
    return re.compile(
        "["
        "\x00-\x08\x0b-\x1f\x7f-\x9f"
        "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u08e2\u180e"
        "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
        "\ufeff\ufff9-\ufffb"
        "\ud800-\udfff"
        "]"
    )


def visible(text: str) -> str:
    """Return `text` with every control and format character made visible.

    Newlines and tabs are kept. The result is safe to hand to a terminal and idempotent:
    `visible(visible(s)) == visible(s)`. A fast regex pass covers the common ranges; a
    category check catches the rare format characters outside them.
    """
    if text.isascii() and text.isprintable():  # nothing to replace: most titles and chunks
        return text
    out = _unsafe_re().sub(lambda m: _placeholder(m.group()), text)
    if out.isascii():
        return out
    return "".join(_placeholder(c) if _is_unsafe(c) else c for c in out)


def one_line(text: str) -> str:
    """`visible(text)` on one line: newlines and tabs too become control pictures (␊ ␉).

    For what must stay a single line (the status line, a table cell, a list entry), so that
    a foreign string cannot break the layout around it either.
    """
    out = visible(text)
    if "\n" in out or "\t" in out:
        out = out.replace("\n", "\u240a").replace("\t", "\u2409")
    return out


def plural(count: int, noun: str) -> str:
    """`noun` as a count of `count` needs it: `1 message`, `2 messages`, `0 messages` (the
    CLI's nouns all take an s)."""
    return noun if count == 1 else noun + "s"


# A model id as MiMo names them (mimo-v2.5-pro, vendor/model:tag, model[1m]): short and
# printable. Anything else stored or listed is someone else's text, never sent as a model.
MODEL_ID_MAX = 128


@cache
def _model_id_re() -> re.Pattern[str]:
    return re.compile(rf"[A-Za-z0-9._:/\[\]-]{{1,{MODEL_ID_MAX}}}")


def is_model_id(text: object) -> bool:
    """Whether `text` can be a model id: 1-128 of `A-Z a-z 0-9 . _ : / [ ] -`, nothing else."""
    return isinstance(text, str) and _model_id_re().fullmatch(text) is not None


def redact(secret: str | None) -> str:
    """Show a key as its first four characters and its length, never the whole of it."""
    if not secret:
        return "(not set)"
    head = secret[:4] if len(secret) > 12 else ""
    return f"{head}…({len(secret)} chars)"


@cache
def _secret_forms(secret: str) -> tuple[str, ...]:
    """`secret` as it is written out by the encoders an error text or export goes through:
    as is, JSON-escaped, repr-escaped (str and bytes, as in "Illegal header value b'…'"),
    URL-encoded. Longest first, so a form containing another is replaced whole."""
    import json
    from urllib.parse import quote, quote_plus

    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "backslashreplace"))[2:-1],
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        quote(secret),
    }
    # A line-broken key may be quoted one line at a time: each long enough piece goes too.
    forms.update(part for part in re.split(r"[\r\n]+", secret) if len(part) >= 8)
    return tuple(sorted(forms, key=len, reverse=True))


def scrub(text: str, secret: str | None) -> str:
    """Remove every occurrence of `secret` from `text` (error messages, raw JSON, logs),
    written out plainly or in an escaped form (see _secret_forms)."""
    if not secret or len(secret) < 4:
        return text
    for form in _secret_forms(secret):
        if form in text:
            text = text.replace(form, "[redacted]")
    return text


@cache
def _key_re() -> re.Pattern[str]:
    return re.compile(r"\b(?:sk|tp)-[A-Za-z0-9_-]{20,}")


def secret_in(text: str, known_key: str | None = None) -> str | None:
    """Why `text` looks like it carries an API key (to warn before sending it), or None."""
    if known_key and len(known_key) >= 8 and known_key in text:
        return "your MiMo API key"
    match = _key_re().search(text)
    if match:
        return f"something shaped like an API key ({match.group()[:5]}…)"
    return None


@cache
def _fence_re() -> re.Pattern[str]:
    return re.compile(
        r"^ {0,3}(?P<fence>(?P<char>[`~])(?P=char){2,})(?P<info>[^\n]*)\n(?P<code>.*?)"
        r"(?:^ {0,3}(?P=fence)(?P=char)*[ \t]*$\n?|\Z)",
        re.M | re.S,
    )


def split_code(source: str) -> list[tuple[str, str | None]]:
    """(text, None) and (code, language) parts of Markdown, in order (an unclosed last
    fence runs to the end, as Markdown renders it)."""
    parts: list[tuple[str, str | None]] = []
    at = 0
    for match in _fence_re().finditer(source):
        if source[at : match.start()].strip():
            parts.append((source[at : match.start()], None))
        info = match.group("info").strip().split(" ")[0]
        parts.append((match.group("code").rstrip("\n"), info or "text"))
        at = match.end()
    if source[at:].strip():
        parts.append((source[at:], None))
    return parts


def code_blocks(markdown: str) -> list[str]:
    """The contents of every fenced code block in `markdown`, in order."""
    return [code for code, language in split_code(markdown) if language is not None]


@cache
def _surrogate_re() -> re.Pattern[str]:
    return re.compile("[\ud800-\udfff]")


def valid_unicode(text: str) -> str:
    """`text` with lone surrogates (a JSON "\\ud800" decodes to one) replaced by U+FFFD.

    They are not text: UTF-8, SQLite and terminals cannot hold them, so they are replaced where
    model output enters the client, once, as a UTF-8 decoder replaces invalid bytes.
    """
    if not _surrogate_re().search(text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _json_escape(char: str) -> str:
    code = ord(char)
    if code > 0xFFFF:  # outside the BMP: a JSON escape is a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def visible_json(data: object, indent: int | None = 2) -> str:
    """JSON (pretty by default) in which every invisible character is a `\\uXXXX` escape.

    Still valid JSON that decodes to exactly `data` (so it can be edited and sent), but a
    bidi override or zero-width space in a tool argument shows as `\\u202e`, not as nothing.
    """
    import json

    text = json.dumps(data, indent=indent, ensure_ascii=False)
    if text.isascii():
        return text
    return "".join(_json_escape(c) if _is_unsafe(c) else c for c in text)
