"""Transcripts: export a session to Markdown, JSON or self-contained HTML, and import JSON.

JSON is lossless (every stored field, plus an OpenAI-style `messages` array that can be sent to
the API as is). Markdown and HTML are for people: reasoning folds into <details>, tool calls
show their arguments and results, each reply its usage; a regenerated reply's superseded
versions fold next to the active one. Text is made visible (no control characters), raw HTML
in it is escaped (mdtext.py for Markdown) and the API key is scrubbed from every export.
Files are written atomically, owner-only; a device or a pipe is written directly.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from mimo_tui.atomic_file import is_stream, write_atomic
from mimo_tui.compaction import Compaction
from mimo_tui.mdtext import (
    fence,
    inert,
    longest_backticks,
    parse_all,
    transcript_markdown,
    visible_decoded,
)
from mimo_tui.model import Message, Session
from mimo_tui.store import Store
from mimo_tui.text import one_line, scrub, visible
from mimo_tui.tool_ids import ran_call, rounds
from mimo_tui.transcript_branches import branches_html, branches_markdown
from mimo_tui.transcript_json import export_json
from mimo_tui.transcript_sources import sources_html, sources_markdown
from mimo_tui.versions import TurnVersions, combined, reply_versions, version_label

if TYPE_CHECKING:  # imported when a Markdown export writes its files
    from mimo_tui.transcript_media import Skipped

FORMATS = ("md", "json", "html")


class TranscriptError(ValueError):
    """An import file that cannot be used; the message says where and why."""


# ---- export ----------------------------------------------------------------------------------


def _code_span(text: str) -> str:
    """`text` as inline code on one line: the backtick run is longer than any inside, so
    a tool name like ``x` <img onerror=...> `y`` stays code (HTML and references are literal
    there)."""
    text = one_line(text)
    ticks = "`" * (longest_backticks(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M")


def _reasoning_summary(msg: Message) -> str:
    tokens = msg.usage.reasoning_tokens if msg.usage else 0
    return f"Reasoning · {tokens} tokens" if tokens else "Reasoning"


def _reply_heading(msg: Message) -> str:
    parts = ["MiMo"]
    if msg.model:
        parts.append(msg.model)
    if msg.usage:
        u = msg.usage
        # The Anthropic format reports no reasoning count: say nothing rather than "0".
        split = f" ({u.reasoning_tokens} reasoning)" if u.reasoning_tokens else ""
        cached = f", {u.cached_tokens} cached" if u.cached_tokens is not None else ""
        parts.append(f"{u.prompt_tokens} in{cached} / {u.completion_tokens} out{split}")
    if msg.duration_ms:
        parts.append(f"{msg.duration_ms / 1000:.1f} s")
    if msg.status != "complete":
        parts.append(msg.status)
    return " · ".join(parts)


def _md(text: str) -> str:
    """Message text for the Markdown export: visible, raw HTML inert, headings demoted."""
    return transcript_markdown(visible(text))


def _md_line(text: str) -> str:
    """One line of ours carrying untrusted text (a title, a model id, an error): no HTML,
    no reference a renderer would decode to a control character."""
    return inert(visible(text))


def _version_notes(versions: dict[int | None, TurnVersions]) -> dict[int | None, str]:
    """` · version 3 of 3` by the first message of each regenerated turn's active reply."""
    return {
        t.active_id: f" · {version_label(t.total, t.total)}"
        for t in versions.values()
        if t.active_id is not None
    }


def _superseded_md(turn: TurnVersions | None) -> list[str]:
    """A turn's superseded replies, each folded in <details> marked "Superseded reply"."""
    out: list[str] = []
    for n, version in enumerate(turn.superseded if turn else [], 1):
        reply = combined(version)
        label = version_label(n, turn.total if turn else n)
        out += [
            f"<details><summary>Superseded reply · {label} · "
            f"{_md_line(_reply_heading(reply))}</summary>",
            "",
        ]
        if reply.reasoning_content:
            reasoning = _md(reply.reasoning_content)
            out += ["<details><summary>Reasoning</summary>", "", reasoning, "", "</details>", ""]
        if reply.content:
            out += [_md(reply.content), ""]
        if reply.tool_calls:
            names = ", ".join(
                "`" + visible(c.name).replace("`", "'") + "`" for c in reply.tool_calls
            )
            out += [f"*Tool calls:* {names}", ""]
        out += ["</details>", ""]
    return out


def export_markdown(
    store: Store, session: Session, key: str | None = None, media_folder: str = "attachments"
) -> str:
    """Attachments are linked as `media_folder/<file>`; write_markdown puts them there."""
    tree = store.tree(session.id)
    messages = tree.path()
    results = _results_by_call(messages)
    versions = reply_versions(tree)
    notes = _version_notes(versions)
    out = [
        f"# {_md_line(session.title or 'Untitled session')}",
        "",
        f"*session `{session.id}` · {_md_line(session.model)} · started "
        f"{_when(session.created_at)}*",
        "",
        *_superseded_md(versions.get(None)),
    ]
    # Each where it cuts, in the order of the messages (an undone one can cut later than the
    # active one made after it); one cut after the last message goes at the end.
    pending = sorted(store.compactions(session.id), key=lambda c: (c.before_id, c.id))
    for msg in messages:
        while pending and pending[0].before_id <= (msg.id or 0):
            out += _compaction_md(pending.pop(0))
        if msg.role == "user":
            out += ["## You", "", _md(msg.content), ""]
            if msg.attachments:
                from mimo_tui.transcript_media import markdown_lines

                out += markdown_lines(msg, media_folder, _md_line)
            out += _superseded_md(versions.get(msg.id))
        elif msg.role == "assistant":
            out += [f"## {_md_line(_reply_heading(msg))}{notes.get(msg.id, '')}", ""]
            if msg.reasoning_content:
                out += [
                    f"<details><summary>{_reasoning_summary(msg)}</summary>",
                    "",
                    _md(msg.reasoning_content),
                    "",
                    "</details>",
                    "",
                ]
            if msg.content:
                out += [_md(msg.content), ""]
            out += sources_markdown(msg.sources)
            for call, res in results.get(msg.id, []):
                status = (res.tool_meta or {}).get("status", "done") if res else "no result"
                out += [
                    f"**Tool call** {_code_span(call.name)} ({status})",
                    "",
                    fence(visible(_pretty(call.arguments)), "json"),
                    "",
                ]
                if res is not None:
                    out += ["Result:", "", fence(visible(res.content)), ""]
            if msg.error:
                out += [f"> error: {_md_line(msg.error)}", ""]
    for c in pending:
        out += _compaction_md(c)
    out += branches_markdown(tree)
    return scrub("\n".join(out), key)


def _compaction_md(c: Compaction) -> list[str]:
    """A compaction's summary where it takes over: the messages above it are kept in full."""
    state = "replayed instead of the messages above" if c.active else "undone, not replayed"
    return [
        f"<details><summary>Summary of {c.covered} earlier messages ({state})</summary>",
        "",
        _md(c.summary),
        "",
        "</details>",
        "",
    ]


def _results_by_call(messages: list[Message]) -> dict[int | None, list[Any]]:
    """Each reply's calls with their own results (ids may repeat across turns), the
    arguments as they ran."""
    return {
        msg.id: [(ran_call(call, res), res) for call, res in zip(calls, results, strict=True)]
        for msg, calls, results in rounds(messages)
        if calls
    }


def _pretty(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except ValueError:
        return arguments


_CSS = """
body { font: 15px/1.55 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto;
       padding: 0 1rem; color: #1d1d1f; background: #fff; }
h1 { font-size: 1.5rem; } .meta { color: #777; font-size: .85rem; }
.msg { margin: 1.2rem 0; padding: .6rem 1rem; border-radius: 8px; }
.user { background: #fff3eb; border-left: 4px solid #ff6900; }
.assistant { background: #f7f7f9; border-left: 4px solid #bbb; }
.tool { background: #f2f7f4; border-left: 4px solid #4cc38a; font-size: .9rem; }
details { margin: .4rem 0; color: #555; } summary { cursor: pointer; }
pre { overflow-x: auto; padding: .6rem; background: #f0f0f3; border-radius: 6px; }
code { font-family: ui-monospace, "Fira Code", monospace; font-size: .9em; }
.error { color: #b00020; }
.superseded { opacity: .8; border-left-style: dashed; } .superseded > summary { color: #777; }
"""


def _markdown_html(text: str) -> str:
    """Markdown to HTML with raw HTML escaped, headings demoted below the page's and code
    highlighted inline (no network)."""
    from markdown_it import MarkdownIt  # a dependency of rich and textual
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    def code(source: str, lang: str, attrs: str) -> str:
        try:
            lexer = get_lexer_by_name(lang) if lang else TextLexer()
        except ClassNotFound:
            lexer = TextLexer()
        # Spans only: markdown-it wraps them in its own <pre><code class="language-...">
        # (a formatter's own <div><pre> inside that made a block within a block).
        return str(
            highlight(source, lexer, HtmlFormatter(nowrap=True, noclasses=True, style="friendly"))
        )

    md = MarkdownIt("commonmark", {"html": False, "highlight": code}).enable("table")
    env: dict[str, object] = {}
    tokens = parse_all(md, transcript_markdown(text), env)  # headings below the page's own
    return str(md.renderer.render(visible_decoded(tokens), md.options, env))


def _superseded_html(turn: TurnVersions | None) -> list[str]:
    """A turn's superseded replies, each a folded <details> marked "Superseded reply"."""
    import html

    out: list[str] = []
    for n, version in enumerate(turn.superseded if turn else [], 1):
        reply = combined(version)
        label = version_label(n, turn.total if turn else n)
        part = [
            "<details class='msg assistant superseded'><summary>Superseded reply · "
            f"{label} · {html.escape(visible(_reply_heading(reply)))}</summary>"
        ]
        if reply.reasoning_content:
            part.append(
                "<details><summary>Reasoning</summary>"
                f"{_markdown_html(visible(reply.reasoning_content))}</details>"
            )
        if reply.content:
            part.append(_markdown_html(visible(reply.content)))
        if reply.tool_calls:
            names = ", ".join(
                f"<code>{html.escape(visible(c.name))}</code>" for c in reply.tool_calls
            )
            part.append(f"<p>Tool calls: {names}</p>")
        part.append("</details>")
        out.append("".join(part))
    return out


def export_html(store: Store, session: Session, key: str | None = None) -> str:
    import html  # its entity table is 2 ms of the TUI's start-up otherwise

    tree = store.tree(session.id)
    messages = tree.path()
    results = _results_by_call(messages)

    def esc(text: str) -> str:
        return html.escape(visible(text))

    versions = reply_versions(tree)
    notes = _version_notes(versions)
    body = [
        f"<h1>{esc(session.title or 'Untitled session')}</h1>",
        f"<p class=meta>session {esc(session.id)} · {esc(session.model)} · started "
        f"{_when(session.created_at)}</p>",
        *_superseded_html(versions.get(None)),
    ]
    for msg in messages:
        if msg.role == "user":
            files = ""
            if msg.attachments:
                from mimo_tui.transcript_media import html_parts

                files = html_parts(store.blobs, msg)
            body.append(
                f"<div class='msg user'><b>You</b>{_markdown_html(visible(msg.content))}"
                f"{files}</div>"
            )
            body += _superseded_html(versions.get(msg.id))
        elif msg.role == "assistant":
            heading = esc(_reply_heading(msg) + notes.get(msg.id, ""))
            part = [f"<div class='msg assistant'><b>{heading}</b>"]
            if msg.reasoning_content:
                part.append(
                    f"<details><summary>{_reasoning_summary(msg)}</summary>"
                    f"{_markdown_html(visible(msg.reasoning_content))}</details>"
                )
            if msg.content:
                part.append(_markdown_html(visible(msg.content)))
            part.append(sources_html(msg.sources))
            for call, res in results.get(msg.id, []):
                status = (res.tool_meta or {}).get("status", "done") if res else "no result"
                part.append(
                    f"<details class='msg tool' open><summary>Tool call "
                    f"<code>{esc(call.name)}</code> ({esc(status)})</summary>"
                    f"<pre><code>{esc(_pretty(call.arguments))}</code></pre>"
                )
                if res is not None:
                    part.append(f"<p>Result:</p><pre><code>{esc(res.content)}</code></pre>")
                part.append("</details>")
            if msg.error:
                part.append(f"<p class=error>error: {esc(msg.error)}</p>")
            part.append("</div>")
            body.append("".join(part))
    body.append(branches_html(tree))
    page = (
        "<!doctype html><html><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{esc(session.title or 'mimo-tui session')}</title><style>{_CSS}</style>"
        f"</head><body>{''.join(body)}</body></html>\n"
    )
    return scrub(page, key)


def export(store: Store, session: Session, fmt: str, key: str | None = None) -> str:
    return {"md": export_markdown, "json": export_json, "html": export_html}[fmt](
        store, session, key
    )


class Written(NamedTuple):
    """What write_export wrote: the export's length, how many attachment files a Markdown
    export left out because it went to a terminal or a pipe (no folder beside it), and the
    copies it refused or failed to write beside a file (see transcript_media.write_files)."""

    characters: int
    attachments_left_out: int
    attachments_skipped: tuple[Skipped, ...] = ()


def markdown_attachments(store: Store, session: Session) -> int:
    """How many attachment files a Markdown export of `session` copies beside the .md."""
    from mimo_tui.transcript_media import copied_files

    return len(copied_files(store.messages(session.id)))


def write_export(store: Store, session: Session, fmt: str, path: Path, key: str | None) -> Written:
    """Export to `path`; Markdown also writes the attachments beside it, in `<stem>.files/`.
    To a device or a pipe (-o /dev/stdout) there is nowhere beside it: they are counted, not
    written (`/dev/stdout.files` is no place for a conversation's pictures)."""
    path = path.expanduser()
    if fmt != "md":
        text = export(store, session, fmt, key)
        write_atomic(path, text)
        return Written(len(text), 0)
    if is_stream(path):
        text = export_markdown(store, session, key)
        write_atomic(path, text)
        return Written(len(text), markdown_attachments(store, session))
    from mimo_tui.transcript_media import files_dir, write_files

    folder = files_dir(path)
    text = export_markdown(store, session, key, folder.name)
    write_atomic(path, text)
    copies = write_files(store.blobs, store.messages(session.id), path)
    return Written(len(text), 0, copies.skipped)
