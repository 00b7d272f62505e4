"""The tool-call inspector: every call of the session, and everything about the selected one.

It keeps the session's calls from the start, but its widgets exist only once it is first shown
(the chat screen mounts it then): a DataTable and its module are not worth building for a
first frame that does not show them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from mimo_tui.model import ToolRecord
from mimo_tui.text import visible
from mimo_tui.ui.widgets.tool_call import STATUS_ICONS

if TYPE_CHECKING:
    from textual.widgets import DataTable

Exchange = Callable[[int], tuple[str, str]]


def pretty_json(text: str) -> str:
    """Pretty JSON when it parses (ASCII-escaped: no control character survives), else text."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=True)
    except ValueError:
        return visible(text)


def mcp_parts(mcp: dict) -> list:
    """An MCP call's server, its MCP request and response JSON, and its server's log."""
    from rich.syntax import Syntax

    parts: list = [
        Text(f"\nMCP server {visible(str(mcp.get('server', '')))}", style="bold"),
        Text(visible(f"{mcp.get('transport', '')} · tool {mcp.get('tool', '')}")),
    ]
    for key, title in (("request", "MCP request"), ("response", "MCP response")):
        if isinstance(mcp.get(key), str):
            parts.append(Text(f"\n{title}", style="bold"))
            parts.append(Syntax(pretty_json(mcp[key]), "json", word_wrap=True, theme="ansi_dark"))
    log = mcp.get("log")
    if isinstance(log, str):
        try:
            tail = Path(log).read_bytes()[-4000:].decode("utf-8", "replace")
        except OSError:
            tail = ""
        parts.append(Text(visible(f"\nserver log (its stderr: {log})"), style="bold"))
        parts.append(Text(visible(tail) or "(empty)"))
    return parts


class ToolInspector(Vertical, can_focus=False):
    DEFAULT_CSS = """
    ToolInspector {
        display: none;
        width: 45%;
        border-left: vkey $tool-border;
        padding: 0 1;
    }
    ToolInspector.-open { display: block; }
    ToolInspector.-full { width: 1fr; border-left: none; }
    ToolInspector #calls {
        height: auto;
        max-height: 50%;
        scrollbar-size-horizontal: 0;
        margin: 0 0 1 0;
    }
    ToolInspector .heading { color: $primary; text-style: bold; margin: 1 0 0 0; }
    ToolInspector #inspector-title { color: $text; text-style: bold; }
    ToolInspector #detail { height: 1fr; }
    """

    BINDINGS = [
        Binding("a", "copy('arguments')", "Copy args", id="inspector.copy_arguments"),
        Binding("r", "copy('result')", "Copy result", id="inspector.copy_result"),
        Binding("q", "copy('request')", "Copy request", id="inspector.copy_request"),
        Binding("s", "copy('response')", "Copy response", id="inspector.copy_response"),
    ]

    def __init__(self, exchange: Exchange) -> None:
        super().__init__()
        self.exchange = exchange
        # Keyed by ToolRecord.key (reply, call id): servers reuse call ids across turns.
        self._records: dict[str, ToolRecord] = {}
        self._pending: Callable[[], list[ToolRecord]] | None = None
        self.selected: str | None = None
        self._raw: dict[str, str] = {}
        self.detail: Group | None = None
        self._built = False  # its table exists: it has been shown once

    def compose(self) -> ComposeResult:
        from textual.widgets import DataTable

        yield Static(
            Content("Tool calls · a/r/q/s copy"),
            id="inspector-title",
        )
        table: DataTable = DataTable(id="calls", cursor_type="row", zebra_stripes=True)
        table.add_columns("", "#", "round", "call", "tool", "status", "time")
        yield table
        with VerticalScroll(id="detail"):
            yield Static(id="detail-body", markup=False)

    @property
    def table(self) -> DataTable:
        return cast("DataTable", self.query_one("#calls"))

    def on_mount(self) -> None:
        self._built = True
        self._fill()

    @property
    def records(self) -> dict[str, ToolRecord]:
        """The session's calls by key, read on first use when they were given as a loader
        (see set_loader): calls added since are kept over the stored ones."""
        if self._pending is not None:
            load, self._pending = self._pending, None
            live, self._records = self._records, {r.key: r for r in load()}
            self._records.update(live)
        return self._records

    @records.setter
    def records(self, records: dict[str, ToolRecord]) -> None:
        self._pending, self._records = None, records

    def set_records(self, records: list[ToolRecord]) -> None:
        self.records = {record.key: record for record in records}
        self.selected = None
        if self._built:
            self._fill()

    def unfinished(self) -> list[ToolRecord]:
        """The calls known not to have ended, without reading the stored ones: a turn's
        own calls are always known (update_record), so a stopped turn in a long session
        does not wait for all of its history."""
        return [r for r in self._records.values() if not r.final]

    def set_loader(self, load: Callable[[], list[ToolRecord]]) -> None:
        """The session's calls, to be read when first needed (the inspector shown, a turn's
        cancel): every call of a long session is a read of all of it, not worth a first
        frame that does not show them."""
        self.set_records([])
        self._pending = load
        if self._built:
            self._fill()

    def _fill(self) -> None:
        """Show every record in the table (after mounting, or for another session)."""
        self.table.clear()
        records, self.records = list(self.records.values()), {}
        for record in records:
            self.update_record(record)
        self.table.styles.height = self.table.row_count + 1
        if not records:
            self.query_one("#detail-body", Static).update(
                Content("No tool calls in this session yet.")
            )

    def _index_in_round(self, record: ToolRecord) -> int:
        """1 for the first call of its round (its reply), 2 for a parallel second..."""
        same = [
            key
            for key, other in self.records.items()
            if other.assistant_message_id == record.assistant_message_id
            and other.round == record.round
        ]
        return same.index(record.key) + 1 if record.key in same else len(same) + 1

    def _row(self, record: ToolRecord, number: int) -> list[Text]:
        """`number` counts the session's calls (1, 2, 3...; rounds repeat in each turn),
        then the round, the call's place in its round (parallel calls share one), name,
        status and time."""
        took = f"{record.duration_ms / 1000:.2f} s" if record.duration_ms is not None else ""
        return [
            Text(STATUS_ICONS.get(record.status, "·")),
            Text(str(number), justify="right"),
            Text(str(record.round), justify="right"),
            Text(str(self._index_in_round(record)), justify="right"),
            Text(visible(record.name)),
            Text(record.status),
            Text(took, justify="right"),
        ]

    def update_record(self, record: ToolRecord) -> None:
        """Add or refresh one call (by its key); DataTable cells are Text, never markup."""
        key = record.key
        if not self._built:  # not read from the store for it: kept over the stored ones
            self._records[key] = record
            return
        table = self.table
        if key in self.records:
            cells = self._row(record, table.get_row_index(key) + 1)
            for column, cell in zip(table.columns, cells, strict=True):
                table.update_cell(key, column, cell)
        else:
            table.add_row(*self._row(record, table.row_count + 1), key=key)
        self.records[key] = record
        table.styles.height = table.row_count + 1  # every call, no scroller (up to 50%)
        if self.selected in (None, key):
            self.select(key)

    def select(self, key: str, call_id: str | None = None) -> None:
        """Show the call with this key (ToolRecord.key); a result imported without its
        reply's id names the call by `call_id` alone, the first such call then."""
        if key not in self.records:
            found = (k for k, r in self.records.items() if call_id and r.call_id == call_id)
            key = next(found, "")
        if key not in self.records:
            return
        self.selected = key
        if not self._built:
            return
        row = self.table.get_row_index(key)
        if self.table.cursor_row != row:
            self.table.move_cursor(row=row)
        self._show(self.records[key])

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if key and key != self.selected and key in self.records:
            self.selected = key
            self._show(self.records[key])

    def _show(self, record: ToolRecord) -> None:
        from rich.syntax import Syntax  # Pygments: loaded when a call is first shown

        request, response = ("", "")
        if record.assistant_message_id is not None:
            request, response = self.exchange(record.assistant_message_id)
        arguments = pretty_json(record.arguments)
        self._raw = {
            "arguments": arguments,
            "result": record.result,
            "request": request,
            "response": response,
            "model_arguments": (
                pretty_json(record.model_arguments) if record.model_arguments is not None else ""
            ),
        }
        parts: list = []

        def heading(text: str) -> None:
            parts.append(Text(text, style="bold"))

        place = f"round {record.round}, call {self._index_in_round(record)}"
        heading(f"{visible(record.name)} · {record.status} · {place}")
        parts.append(
            Text(
                visible("command: " + " ".join(record.argv))
                if record.argv
                else "command: (none ran)"
            )
        )
        # Only what is known: a built-in or MCP tool runs no process, so has no exit code.
        facts: list[str] = []
        if record.exit_code is not None:
            facts.append(f"exit code: {record.exit_code}")
        if record.duration_ms is not None:
            facts.append(f"duration: {record.duration_ms / 1000:.2f} s")
        if facts and record.truncated:
            facts.append("(output truncated)")
        if facts:
            parts.append(Text("   ".join(facts)))
        if record.model_arguments is not None:
            heading("\narguments (as run: edited before running)")
            parts.append(Syntax(arguments, "json", word_wrap=True, theme="ansi_dark"))
            heading("\narguments the model sent")
            original = pretty_json(record.model_arguments)
            parts.append(Syntax(original, "json", word_wrap=True, theme="ansi_dark"))
        else:
            heading("\narguments")
            parts.append(Syntax(arguments, "json", word_wrap=True, theme="ansi_dark"))
        heading("\nresult" + ("  (typed by hand)" if record.manual else ""))
        parts.append(Text(visible(record.result) or "(none yet)"))
        if record.stderr:
            heading("\nstderr")
            parts.append(Text(visible(record.stderr)))
        if record.mcp:
            parts.extend(mcp_parts(record.mcp))
        heading("\nrequest (this round, key redacted)")
        parts.append(Syntax(visible(request), "json", word_wrap=True, theme="ansi_dark"))
        heading("\nresponse (assembled from the stream)")
        parts.append(Syntax(visible(response), "json", word_wrap=True, theme="ansi_dark"))
        self.detail = Group(*parts)
        self.query_one("#detail-body", Static).update(self.detail)

    def action_copy(self, what: str) -> None:
        text = self._raw.get(what, "")
        if text:
            from mimo_tui.ui.clipboard import copy_and_notify

            copy_and_notify(self.app, text, f"the {what}")
