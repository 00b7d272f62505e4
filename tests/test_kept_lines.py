"""The newest replies' lines kept from one run to the next (ui/widgets/kept_lines.py): a
reopened session draws them without rendering Markdown, and a kept file that is stale,
damaged or hostile is never drawn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console
from rich.style import Style

from benchmarks.common import REPLY, seed_long_session
from mimo_tui.store import Store
from mimo_tui.ui.widgets import kept_lines
from mimo_tui.ui.widgets.code_copy import CODE_META
from mimo_tui.ui.widgets.kept_lines import KeptLines
from mimo_tui.ui.widgets.lines import RENDERED, MarkdownBlocks
from tests.conftest import cli_paths
from tests.test_cli import mimo
from tests.tui_helpers import make_app, screen_lines

WIDTH = 60
SIZE = (100, 30)


def rendered_reply() -> list:
    """A reply as StoredReply draws it: code (with its numbered label), a list, a table,
    a link."""
    console = Console(width=WIDTH, force_terminal=True, color_system="truecolor")
    text = REPLY.format(n=7) + "\nSee [the docs](https://example.com/a%20b).\n"
    return MarkdownBlocks([text]).lines(console, WIDTH, Style())


def kept_file(tmp_path: Path, lines: list, key: str = "k", mark: int | None = 3) -> Path:
    path = tmp_path / "kept-lines.json"
    keeper = KeptLines()
    keeper.use(path)
    keeper.save([(key, lines, mark)])
    return path


def take(path: Path, key: str = "k", width: int = WIDTH):
    keeper = KeptLines()
    keeper.use(path)
    return keeper.take(key, width)


def test_kept_lines_read_back_exactly_as_they_were_drawn(tmp_path):
    lines = rendered_reply()
    assert any(CODE_META in s.style.meta for line in lines for s in line if s.style)
    assert any(s.style and s.style.link for line in lines for s in line)
    path = kept_file(tmp_path, lines)
    assert path.stat().st_mode & 0o777 == 0o600  # what the store holds, drawn: owner only
    back, mark = take(path)
    assert mark == 3
    assert back == lines  # every segment: text, colours, attributes, link, code number
    assert take(path, key="another") is None


def test_an_entry_is_used_once_and_only_at_its_width(tmp_path):
    path = kept_file(tmp_path, rendered_reply())
    keeper = KeptLines()
    keeper.use(path)
    assert keeper.take("k", WIDTH + 1) is None  # lines of another width are not laid out
    assert keeper.take("k", WIDTH) is None  # ...and that entry is gone with them


def append_to_first_text(data: dict, text: str) -> None:
    """`text` added to a line, as many of its trailing spaces taken off as `text` shows."""
    line = data["replies"][0]["lines"][-1]
    shown = sum(c.isprintable() for c in text)
    assert line[-2].endswith(" " * shown)
    line[-2] = line[-2][: len(line[-2]) - shown]
    line[0] += text


def hostile(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    "change",
    [
        # an escape sequence in the text (no cells wide: the line keeps its width)
        lambda d: append_to_first_text(d, "\x1b]0;pwned\x07"),
        lambda d: append_to_first_text(d, "\x9b31m"),  # a C1 CSI
        lambda d: (
            d["styles"].append(["link javascript:alert(1)", None])
            or d["replies"][0]["lines"][0].__setitem__(1, len(d["styles"]) - 1)
        ),
        lambda d: d["styles"].__setitem__(0, ["bold \x1b[5m", None]),
        lambda d: d["styles"].__setitem__(0, ["not a style at all ((", None]),
        lambda d: d["styles"].__setitem__(0, ["bold", "3"]),  # a code number that is no number
        lambda d: d["replies"][0]["lines"][0].__setitem__(1, 10_000),  # no such style
        lambda d: d["replies"][0]["lines"][0].append("extra"),  # wider than the key says
        lambda d: d["replies"][0].__setitem__("mark", "3"),
        lambda d: d.__setitem__("renderer", "another build"),  # drawn by other code
        lambda d: d.__setitem__("format", 99),
        lambda d: d.__setitem__("replies", {"k": 1}),
    ],
)
def test_a_damaged_or_hostile_kept_file_is_not_drawn(tmp_path, change):
    path = kept_file(tmp_path, rendered_reply())
    hostile(path, change)
    assert take(path) is None


@pytest.mark.parametrize(
    "content", [b"", b"{not json", b"\xff\xfe", b"[]", b'{"format": 1}', b"x" * 3_000_000]
)
def test_a_kept_file_that_is_not_one_is_ignored(tmp_path, content):
    path = tmp_path / "kept-lines.json"
    path.write_bytes(content)
    assert take(path) is None


def test_keeping_lines_where_nothing_can_be_written_loses_nothing(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    keeper = KeptLines()
    keeper.use(blocked / "kept-lines.json")  # its folder is a file: every write fails
    keeper.save([("k", rendered_reply(), None)])  # no exception
    assert take(blocked / "kept-lines.json") is None


def test_lines_drawn_by_other_renderer_code_are_not_used(tmp_path, monkeypatch):
    path = kept_file(tmp_path, rendered_reply())
    monkeypatch.setattr(kept_lines, "renderer_stamp", lambda: "edited since")
    assert take(path) is None


async def reopen(settings, paths, size=SIZE) -> list[str]:
    """Run the app on the newest session (as `-c` does) until its first frame, and quit."""
    RENDERED.clear()  # a new process: nothing drawn yet
    app, runtime = make_app(settings, paths, resume=True)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
    runtime.close()
    return lines


def newest_point(runtime, sid: str) -> str:
    """A line of the newest reply ("first point about N")."""
    last = runtime.store.message(runtime.store.last_id(sid, "user") or 0)
    return "first point about " + last.content.split(":")[0].rsplit(" ", 1)[1]


def retouch(paths, old: str, new: str) -> None:
    """Edit the kept file's text as only the kept file would show (same width)."""
    path = paths.kept_lines_file
    raw = path.read_text()
    assert old in raw
    path.write_text(raw.replace(old, new))


async def test_a_reopened_session_draws_its_newest_replies_from_the_lines_kept_at_exit(
    settings, paths
):
    _app, runtime = make_app(settings, paths)
    point = newest_point(runtime, seed_long_session(runtime.store, 40))
    runtime.close()
    first = await reopen(settings, paths)
    assert any(point in line for line in first)
    assert paths.kept_lines_file.exists()
    retouch(paths, point, point.upper())
    again = await reopen(settings, paths)
    assert any(point.upper() in line for line in again)  # drawn from the file


async def test_kept_lines_of_another_width_or_of_changed_text_are_not_drawn(settings, paths):
    _app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 40)
    point = newest_point(runtime, sid)
    runtime.close()
    await reopen(settings, paths)
    retouch(paths, point, point.upper())
    wider = await reopen(settings, paths, size=(120, 30))
    assert any(point in line for line in wider)
    assert not any("FIRST POINT" in line for line in wider)
    await reopen(settings, paths)  # keeps the lines at 100 columns again
    retouch(paths, point, point.upper())
    _app, runtime = make_app(settings, paths)
    newest = runtime.store.message(runtime.store.last_id(sid, "assistant") or 0)
    assert newest is not None
    runtime.store.db.execute(
        "UPDATE messages SET content = ? WHERE id = ?",
        (newest.content.replace("first point", "first idea"), newest.id),
    )
    runtime.store.db.commit()
    runtime.close()
    changed = await reopen(settings, paths)
    assert any(point.replace("first point", "first idea") in line for line in changed)
    assert not any("FIRST POINT" in line for line in changed)


async def test_deleting_a_session_in_the_app_drops_the_lines_kept_of_it(settings, paths):
    _app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, 40)
    runtime.close()
    await reopen(settings, paths)
    assert paths.kept_lines_file.exists()
    _app, runtime = make_app(settings, paths)
    runtime.delete_session(sid)
    runtime.close()
    assert not paths.kept_lines_file.exists()


def test_deleting_a_session_from_the_command_line_drops_the_lines_kept(tmp_path):
    paths = cli_paths(tmp_path)
    store = Store(paths.store_file)
    sid = seed_long_session(store, 4)
    store.close()
    keeper = KeptLines()
    keeper.use(paths.kept_lines_file)
    keeper.save([("k", rendered_reply(), None)])
    assert paths.kept_lines_file.exists()
    result = mimo(tmp_path, None, "sessions", "delete", sid, "--yes")
    assert result.returncode == 0, result.stderr
    assert not paths.kept_lines_file.exists()
