"""The newest replies' lines kept from one run to the next (ui/widgets/kept_lines.py): a
reopened session draws them without rendering Markdown, and a kept file that is stale,
damaged or hostile is never drawn."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console
from rich.style import Style

from benchmarks.common import REPLY, seed_long_session
from mimo_tui.catalogue import ModelInfo
from mimo_tui.store import Store
from mimo_tui.ui.widgets import kept_lines, lines
from mimo_tui.ui.widgets.code_copy import CODE_META
from mimo_tui.ui.widgets.kept_lines import KeptLines, drawing_context
from mimo_tui.ui.widgets.lines import RENDERED, MarkdownBlocks
from mimo_tui.ui.widgets.md_palette import current_palette
from tests.conftest import cli_paths
from tests.test_cli import mimo
from tests.tui_helpers import chat, make_app, screen_lines

WIDTH = 60
SIZE = (100, 30)
CONTEXT = "theme and keys"


def rendered_reply(text: str = "") -> list:
    """A reply as StoredReply draws it: code (with its numbered label), a list, a table,
    a link."""
    console = Console(width=WIDTH, force_terminal=True, color_system="truecolor")
    text = text or REPLY.format(n=7) + "\nSee [the docs](https://example.com/a%20b).\n"
    return MarkdownBlocks([text]).lines(console, WIDTH, Style())


def keeper_at(path: Path, context: str = CONTEXT) -> KeptLines:
    keeper = KeptLines()
    keeper.use(path, lambda: context)
    return keeper


def kept_file(tmp_path: Path, lines: list, key: str = "k", mark: int | None = 3) -> Path:
    path = tmp_path / "kept-lines.json"
    keeper_at(path).save([(key, lines, mark)])
    return path


def take(path: Path, key: str = "k", width: int = WIDTH, context: str = CONTEXT):
    return keeper_at(path, context).take(key, width)


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


def test_a_reply_with_code_wider_than_the_screen_is_kept_too(tmp_path):
    lines = rendered_reply("```python\nx = '" + "a" * 200 + "'\n```\n")
    assert max(sum(s.cell_length for s in line) for line in lines) > WIDTH  # it scrolls
    back, _mark = take(kept_file(tmp_path, lines, mark=None))
    assert back == lines


def test_an_entry_is_used_once_and_only_at_its_width(tmp_path):
    keeper = keeper_at(kept_file(tmp_path, rendered_reply()))
    assert keeper.take("k", WIDTH + 1) is None  # narrower lines than the widget: not used
    assert keeper.take("k", WIDTH) is None  # ...and that entry is gone with them


def test_lines_kept_in_another_context_are_not_used(tmp_path):
    path = kept_file(tmp_path, rendered_reply())
    assert take(path, context="another theme") is None
    base = drawing_context({"accent": "#ff0000"}, {}, {})
    info = ModelInfo("m", 1000, 100, inputs=frozenset({"text", "image", "audio"}))
    assert (
        len(
            {
                base,
                drawing_context({"accent": "#00ff00"}, {}, {}),  # a theme variable
                drawing_context({"accent": "#ff0000"}, {"stored.version_older": "comma"}, {}),
                drawing_context({"accent": "#ff0000"}, {}, {"m": info}),  # config.toml's models
            }
        )
        == 4
    )
    assert drawing_context({}, {}, {"m": info}) == drawing_context({}, {}, {"m": info})


def append_to_last_line(data: dict, text: str) -> None:
    """`text` added to a line, as many of its trailing spaces taken off as `text` shows."""
    line = data["replies"][0]["lines"][-1]
    shown = sum(c.isprintable() for c in text)
    assert line[-2].endswith(" " * shown)
    line[-2] = line[-2][: len(line[-2]) - shown]
    line[0] += text


def an_osc_title(data: dict) -> None:
    append_to_last_line(data, "\x1b]0;pwned\x07")


def a_c1_csi(data: dict) -> None:
    append_to_last_line(data, "\x9b31m")


def an_unsafe_link(data: dict) -> None:
    data["styles"].append(["link javascript:alert(1)", None])
    data["replies"][0]["lines"][0][1] = len(data["styles"]) - 1


def an_escape_in_a_link(data: dict) -> None:
    data["styles"][0] = ["link https://example.com/\x1b]8;;evil\x07", None]


def a_style_that_is_none(data: dict) -> None:
    data["styles"][0] = ["not a style at all ((", None]


def a_code_number_that_is_no_number(data: dict) -> None:
    data["styles"][0] = ["bold", "3"]


def no_such_style(data: dict) -> None:
    data["replies"][0]["lines"][0][1] = 10_000


def a_style_counted_from_the_end(data: dict) -> None:
    data["replies"][0]["lines"][0][1] = -2


def a_mark_past_the_lines(data: dict) -> None:
    data["replies"][0]["mark"] = 10_000


def a_mark_as_text(data: dict) -> None:
    data["replies"][0]["mark"] = "3"


def a_line_cut_short(data: dict) -> None:
    data["replies"][0]["lines"][0] = ["short", -1]


def a_text_and_no_style(data: dict) -> None:
    data["replies"][0]["lines"][0].append("extra")


def another_renderer(data: dict) -> None:
    data["renderer"] = "another build"


def another_format(data: dict) -> None:
    data["format"] = 99


def replies_not_a_list(data: dict) -> None:
    data["replies"] = {"k": 1}


def styles_by_the_thousand(data: dict) -> None:
    data["styles"] += [[f"color({i % 256})", None] for i in range(5_000)]


@pytest.mark.parametrize(
    "change",
    [
        an_osc_title,
        a_c1_csi,
        an_unsafe_link,
        an_escape_in_a_link,
        a_style_that_is_none,
        a_code_number_that_is_no_number,
        no_such_style,
        a_style_counted_from_the_end,
        a_mark_past_the_lines,
        a_mark_as_text,
        a_line_cut_short,
        a_text_and_no_style,
        another_renderer,
        another_format,
        replies_not_a_list,
        styles_by_the_thousand,
    ],
)
def test_a_damaged_or_hostile_kept_file_is_not_drawn(tmp_path, change):
    path = kept_file(tmp_path, rendered_reply())
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    assert take(path) is None


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b"\xff\xfe", b"[]", b'{"format": 2}', b"[" * 100_000, b"x" * 3_000_000],
    ids=["empty", "not json", "not utf-8", "a list", "no fields", "nested deep", "too big"],
)
def test_a_kept_file_that_is_not_one_is_ignored(tmp_path, content):
    path = tmp_path / "kept-lines.json"
    path.write_bytes(content)
    assert take(path) is None


def test_a_kept_file_that_is_a_fifo_does_not_block_the_start(tmp_path):
    path = tmp_path / "kept-lines.json"
    os.mkfifo(path)
    taken: list = []
    reader = threading.Thread(target=lambda: taken.append(take(path)), daemon=True)
    reader.start()
    reader.join(timeout=10)  # a blocking open would never return
    if reader.is_alive():  # let the stuck reader go, so this fails instead of hanging
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    assert taken == [None]


def test_keeping_lines_where_nothing_can_be_written_loses_nothing(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    keeper_at(blocked / "kept-lines.json").save([("k", rendered_reply(), None)])  # no error
    assert take(blocked / "kept-lines.json") is None
    assert list(tmp_path.iterdir()) == [blocked]  # no temporary file left behind


def test_lines_drawn_by_other_renderer_code_are_not_used(tmp_path, monkeypatch):
    path = kept_file(tmp_path, rendered_reply())
    monkeypatch.setattr(kept_lines, "renderer_stamp", lambda: "edited since")
    assert take(path) is None


def test_the_real_and_the_demo_store_keep_their_lines_apart(paths):
    real, demo = Store(paths.store_file), Store(paths.demo_store_file)
    assert real.kept_lines_file != demo.kept_lines_file
    assert real.kept_lines_file.parent == paths.data_dir
    real.close()
    demo.close()


async def reopen(settings, paths, size=SIZE) -> list[str]:
    """Run the app on the newest session (as `-c` does) until its code is coloured, and
    quit; the screen as drawn then."""
    RENDERED.clear()  # a new process: nothing drawn yet
    app, runtime = make_app(settings, paths, resume=True)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert current_palette().highlight  # after the plain first frame
        lines = screen_lines(app)
    runtime.close()
    return lines


def newest_point(runtime, sid: str) -> str:
    """A line of the newest reply ("first point about N")."""
    last = runtime.store.message(runtime.store.last_id(sid, "user") or 0)
    return "first point about " + last.content.split(":")[0].rsplit(" ", 1)[1]


def kept_path(paths) -> Path:
    store = Store(paths.store_file)
    path = store.kept_lines_file
    store.close()
    return path


def retouch(paths, old: str, new: str) -> None:
    """Edit the kept file's text as only the kept file would show (same width)."""
    path = kept_path(paths)
    raw = path.read_text()
    assert old in raw
    path.write_text(raw.replace(old, new))


def seeded(settings, paths, size: int = 40) -> tuple[str, str]:
    _app, runtime = make_app(settings, paths)
    sid = seed_long_session(runtime.store, size)
    point = newest_point(runtime, sid)
    runtime.close()
    return sid, point


async def test_a_reopened_session_draws_its_newest_replies_from_the_lines_kept_at_exit(
    settings, paths, monkeypatch
):
    _sid, point = seeded(settings, paths)
    first = await reopen(settings, paths)
    assert any(point in line for line in first)
    assert kept_path(paths).exists()
    retouch(paths, point, point.upper())
    rendered = []
    original = lines.render_block
    monkeypatch.setattr(lines, "render_block", lambda *a: rendered.append(1) or original(*a))
    again = await reopen(settings, paths)
    assert any(point.upper() in line for line in again)  # drawn from the file...
    assert rendered == []  # ...for the plain first frame and in colour after it


async def test_kept_lines_of_another_width_or_of_changed_text_are_not_drawn(settings, paths):
    sid, point = seeded(settings, paths)
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


async def test_kept_lines_are_not_drawn_once_the_keys_or_models_changed(settings, paths):
    _sid, point = seeded(settings, paths)
    for changed in (
        replace(settings, keymap={"stored.version_older": "comma"}),
        replace(settings, models={"mimo-v2.5-pro": ModelInfo("mimo-v2.5-pro", 1000, 100)}),
    ):
        await reopen(settings, paths)
        retouch(paths, point, point.upper())
        again = await reopen(changed, paths)
        assert any(point in line for line in again)
        assert not any("FIRST POINT" in line for line in again)


async def test_a_session_deleted_by_another_window_is_not_kept_at_exit(settings, paths):
    sid, point = seeded(settings, paths)
    RENDERED.clear()
    app, runtime = make_app(settings, paths, resume=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        other = Store(paths.store_file)  # another window deletes it
        other.delete_session(sid)
        other.close()
    runtime.close()
    kept = kept_path(paths)
    assert not kept.exists() or point not in kept.read_text()


async def test_a_new_chat_left_at_once_keeps_what_the_next_c_will_show(settings, paths):
    """Quitting a new chat (or after looking at an older session) keeps the lines of the
    session `-c` reopens: the last one updated."""
    _sid, point = seeded(settings, paths)
    await reopen(settings, paths)
    retouch(paths, point, point.upper())
    RENDERED.clear()
    app, runtime = make_app(settings, paths)  # a new chat, nothing drawn but the welcome
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
    runtime.close()
    again = await reopen(settings, paths)
    assert any(point.upper() in line for line in again)  # what the first run kept


def test_what_is_written_is_never_more_than_the_reader_takes(tmp_path):
    path = tmp_path / "kept-lines.json"
    small = rendered_reply()
    huge = rendered_reply("```python\n" + "x = 1\n" * 40_000 + "```\n")
    keeper_at(path).save([("small", small, None), ("huge", huge, None), ("after", small, None)])
    assert path.stat().st_size <= kept_lines.MAX_BYTES
    assert take(path, "small") is not None
    assert take(path, "huge") is None  # left out: it alone is over what a reader takes
    assert take(path, "after") is not None  # the replies after it are kept


def test_a_temporary_file_a_killed_writer_left_is_removed(tmp_path):
    stale = tmp_path / (kept_lines.TEMP_PREFIX + "dead")
    fresh = tmp_path / (kept_lines.TEMP_PREFIX + "writing")
    stale.write_text("half")
    fresh.write_text("half")
    old = time.time() - 2 * kept_lines.STALE_TEMP_S
    os.utime(stale, (old, old))
    kept_file(tmp_path, rendered_reply())
    assert not stale.exists()
    assert fresh.exists()  # another window may be writing it now


async def test_deleting_a_session_in_the_app_drops_the_lines_kept_of_it(settings, paths):
    sid, _point = seeded(settings, paths)
    await reopen(settings, paths)
    assert kept_path(paths).exists()
    _app, runtime = make_app(settings, paths)
    runtime.delete_session(sid)
    runtime.close()
    assert not kept_path(paths).exists()


def test_deleting_a_session_from_the_command_line_drops_the_lines_kept(tmp_path):
    paths = cli_paths(tmp_path)
    store = Store(paths.store_file)
    sid = seed_long_session(store, 4)
    path = store.kept_lines_file
    store.close()
    keeper_at(path).save([("k", rendered_reply(), None)])
    assert path.exists()
    result = mimo(tmp_path, None, "sessions", "delete", sid, "--yes")
    assert result.returncode == 0, result.stderr
    assert not path.exists()


def test_lines_are_written_under_the_stamp_of_the_code_that_drew_them(tmp_path, monkeypatch):
    """The renderer's files change on disk while the app runs (a pull, an upgrade): what
    it drew with the code it started with is written under that code's stamp, so the next
    start, on the new code, does not use it."""
    started_with = kept_lines.renderer_stamp()
    real_stat = os.stat
    later = 10**18  # every file now looks changed since
    monkeypatch.setattr(
        os, "stat", lambda p, *a, **k: os.stat_result((*real_stat(p)[:8], later, later))
    )
    path = kept_file(tmp_path, rendered_reply())
    assert json.loads(path.read_text())["renderer"] == started_with
    kept_lines.renderer_stamp.cache_clear()  # the next process, on the new code
    try:
        assert take(path) is None
    finally:
        monkeypatch.undo()
        kept_lines.renderer_stamp.cache_clear()


async def test_leaving_from_an_older_session_keeps_the_lines_of_the_newest(settings, paths):
    _app, runtime = make_app(settings, paths)
    older = seed_long_session(runtime.store, 10)
    newest = seed_long_session(runtime.store, 40)
    point = newest_point(runtime, newest)
    runtime.close()
    RENDERED.clear()
    app, runtime = make_app(settings, paths, resume=True)  # the newest, drawn
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await chat(app).open_session(older)  # F4, an older session, then Ctrl+Q
        await pilot.pause()
    runtime.close()
    retouch(paths, point, point.upper())  # the newest session's lines were kept...
    again = await reopen(settings, paths)
    assert any(point.upper() in line for line in again)  # ...and `-c` draws them
