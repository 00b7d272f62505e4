"""Bad files: a clear message naming the file (and line), defaults where safe, nothing
overwritten, the damaged store kept aside - through the real CLI."""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest
from textual.command import CommandPalette
from textual.widgets import Input

from mimo_tui.model import Message
from mimo_tui.ui.chat import ChatScreen
from mimo_tui.ui.themes import load_themes
from mimo_tui.ui.widgets.dialogs import TextPrompt
from mimo_tui.ui.widgets.prompt_input import PromptInput
from mimo_tui.ui.widgets.stored_reply import StoredReply
from tests.conftest import PYTHON, cli_env, cli_paths
from tests.store_helpers import undecodable_schema, zero_table
from tests.tui_helpers import make_app, send, wait_until

REPLY = "Hello! I'm MiMo, Xiaomi's AI assistant."  # the fake's "text" scenario


def _short(stderr: str, tmp_path) -> str:
    """The first line of a message, the test's temporary folder shown as `…`."""
    return stderr.strip().splitlines()[0].replace(str(tmp_path), "…").replace("mimo-tui: ", "")


def _questions(tmp_path) -> list[str]:
    """The user messages of every session in the store the CLI uses."""
    from mimo_tui.store import Store

    store = Store(cli_paths(tmp_path).store_file)
    try:
        return [
            m.content
            for s in store.list_sessions()
            for m in store.messages(s.id)
            if m.role == "user"
        ]
    finally:
        store.close()


def mimo(tmp_path, fake, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-m", "mimo_tui", *args],
        env=cli_env(tmp_path, fake),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _make_store(tmp_path, fake) -> None:
    fake.queue("text")
    assert mimo(tmp_path, fake, "ask", "fill the store").returncode == 0


def test_a_corrupt_store_is_kept_aside_and_a_fresh_one_started(tmp_path, fake, observe):
    paths = cli_paths(tmp_path)
    paths.data_dir.mkdir(parents=True)
    paths.store_file.write_bytes(b"this is not a database\x00" * 200)
    fake.queue("text")
    result = mimo(tmp_path, fake, "ask", "hi")
    assert result.returncode == 0, result.stderr
    aside = list(paths.data_dir.glob("*.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not a database")
    assert "damaged" in result.stderr and str(aside[0].name) in result.stderr
    assert result.stdout.strip() == REPLY
    assert _questions(tmp_path) == ["hi"]  # a fresh store holding this turn alone
    observe(
        "Bad files",
        "a corrupt store (random bytes)",
        "exit 0, the reply printed; the new store holds only this question; the aside file has "
        f"the old bytes; “{_short(result.stderr, tmp_path)}”",
    )


def test_a_truncated_store_is_kept_aside(tmp_path, fake, observe):
    paths = cli_paths(tmp_path)
    _make_store(tmp_path, fake)
    for extra in paths.data_dir.glob("*-wal"):
        extra.unlink()
    data = paths.store_file.read_bytes()
    cut = data[: len(data) // 3]
    paths.store_file.write_bytes(cut)
    fake.queue("text")
    result = mimo(tmp_path, fake, "ask", "hi")
    assert result.returncode == 0, result.stderr
    (aside,) = paths.data_dir.glob("*.corrupt-????????-??????")  # its -shm beside it
    assert aside.read_bytes() == cut  # kept as it was, not deleted
    assert "damaged" in result.stderr and aside.name in result.stderr
    assert result.stdout.strip() == REPLY and _questions(tmp_path) == ["hi"]
    observe(
        "Bad files",
        "a truncated store (a third of the file)",
        "exit 0, the reply printed; the new store holds only this question; the aside file has "
        f"the {len(cut):,} bytes unchanged; “{_short(result.stderr, tmp_path)}”",
    )


def test_a_store_with_a_garbled_schema_is_kept_aside(tmp_path, fake, observe):
    """Random bytes in the schema can make SQLite's own error message undecodable."""
    paths = cli_paths(tmp_path)
    _make_store(tmp_path, fake)
    damaged = undecodable_schema(paths.store_file)
    result = mimo(tmp_path, fake, "sessions", "list")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    (aside,) = paths.data_dir.glob("*.corrupt-????????-??????")
    assert aside.read_bytes() == damaged
    assert "damaged" in result.stderr and aside.name in result.stderr
    observe(
        "Bad files",
        "a store whose schema is garbled into bytes that are not UTF-8",
        f"`sessions list` exits 0 with no session; “{_short(result.stderr, tmp_path)}”",
    )


def test_a_store_damaged_where_opening_does_not_read_says_so_and_is_kept_aside_next(
    tmp_path, fake, observe
):
    """Opening stays constant-time (no scan of the pages): damage in a table only a write
    reaches shows at that write, as a message saying what to do, and the next start sets
    the file aside, whatever command it is."""
    paths = cli_paths(tmp_path)
    _make_store(tmp_path, fake)
    damaged = zero_table(paths.store_file, "search_terms")
    listed = mimo(tmp_path, fake, "sessions", "list")
    assert listed.returncode == 0 and "fill the store" in listed.stdout  # still readable
    result = mimo(tmp_path, fake, "ask", "-c", "one more question")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert "is damaged (database disk image is malformed)" in result.stderr
    assert "Restart mimo-tui" in result.stderr and "Your message was not sent" in result.stderr
    assert len(fake.chat_requests()) == 1  # the first ask's: nothing more was sent
    told = _short(result.stderr, tmp_path)

    listed = mimo(tmp_path, fake, "sessions", "list")
    assert listed.returncode == 0 and listed.stdout == "", listed.stderr
    (aside,) = paths.data_dir.glob("*.corrupt-????????-??????")
    assert aside.read_bytes() == damaged  # renamed, never deleted
    assert "damaged" in listed.stderr and aside.name in listed.stderr
    fake.queue("text")
    again = mimo(tmp_path, fake, "ask", "hi")
    assert again.returncode == 0 and again.stdout.strip() == REPLY, again.stderr
    assert _questions(tmp_path) == ["hi"]
    observe(
        "Bad files",
        "a store with a damaged page that only a write reaches",
        f"`ask` exits 2, nothing sent: “{told}”; the next command keeps it aside, exit 0",
    )


def test_a_reply_whose_last_write_finds_the_store_damaged_is_printed_and_said(
    tmp_path, fake, observe
):
    """The question saves, the reply streams and prints; its final write fails. The reply
    left `streaming` in the damaged file must not break every later start."""
    paths = cli_paths(tmp_path)
    _make_store(tmp_path, fake)
    zero_table(paths.store_file, "search_terms")
    fake.queue("text")
    result = mimo(tmp_path, fake, "ask", "-c", "hi")  # two letters: no search terms of its own
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout.strip() == REPLY
    assert "is damaged" in result.stderr and "Restart mimo-tui" in result.stderr
    later = mimo(tmp_path, fake, "sessions", "list")
    assert later.returncode == 0 and later.stdout == "", later.stderr
    (aside,) = paths.data_dir.glob("*.corrupt-????????-??????")
    assert "damaged" in later.stderr and aside.name in later.stderr
    db = sqlite3.connect(aside)  # kept as it was: both questions are in it
    kept = [r[0] for r in db.execute("SELECT content FROM messages WHERE role = 'user'")]
    db.close()
    assert kept == ["fill the store", "hi"]
    observe(
        "Bad files",
        "a store damaged where a reply's final write goes",
        f"`ask` prints the reply and exits 2: “{_short(result.stderr, tmp_path)}”; the next "
        "start keeps the file aside",
    )


@pytest.mark.parametrize(
    "command",
    [["sessions", "show", "last"], ["sessions", "search", "store"], ["usage"]],
    ids=["show", "search", "usage"],
)
def test_reading_a_damaged_part_of_the_store_says_so_and_it_is_kept_aside_next(
    tmp_path, fake, observe, command
):
    paths = cli_paths(tmp_path)
    _make_store(tmp_path, fake)
    damaged = zero_table(paths.store_file, "messages")  # `sessions list` reads no message
    result = mimo(tmp_path, fake, *command)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "is damaged" in result.stderr
    assert "it could not be read" in result.stderr and "Restart mimo-tui" in result.stderr
    listed = mimo(tmp_path, fake, "sessions", "list")
    assert listed.returncode == 0 and listed.stdout == "", listed.stderr
    (aside,) = paths.data_dir.glob("*.corrupt-????????-??????")
    assert aside.read_bytes() == damaged and aside.name in listed.stderr
    observe(
        "Bad files",
        f"a store with a damaged page that `{' '.join(command)}` reads",
        f"exit 2: “{_short(result.stderr, tmp_path)}”; the next command keeps the file aside",
    )


async def test_a_send_in_the_tui_on_a_damaged_store_says_what_to_do(settings, paths, observe):
    from mimo_tui.store import Store
    from mimo_tui.ui.widgets.conversation import Notice

    store = Store(paths.store_file)
    store.add_message(store.create_session("m").id, Message("user", "an earlier question"))
    store.close()
    zero_table(paths.store_file, "search_terms")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await send(pilot, "one more question")
        await wait_until(pilot, lambda: bool(app.screen.query(Notice)))
        await app.workers.wait_for_complete()
        await pilot.pause()
        notice = str(app.screen.query(Notice).last().render())
        assert "is damaged" in notice and "start mimo-tui again" in notice
        assert "back in the input" in notice
        assert app.screen.query_one(PromptInput).text == "one more question"
        assert not [n for n in app._notifications if "Unexpected" in str(n.message)]
    runtime.close()
    again = Store(paths.store_file)
    assert again.recovered_from is not None and again.list_sessions() == []
    again.close()
    observe(
        "Bad files",
        "sending in the TUI on a store damaged where the write goes",
        f"a notice “{notice.splitlines()[-1]}”; the text is back in the input; the next "
        "start keeps the file aside",
    )


def test_an_invalid_config_names_the_file_and_line_and_is_not_overwritten(tmp_path, fake, observe):
    paths = cli_paths(tmp_path)
    paths.config_file.parent.mkdir(parents=True)
    text = 'model = "mimo-v2.5-pro"\ntemperature = \n'
    paths.config_file.write_text(text)
    result = mimo(tmp_path, fake, "ask", "hi")
    assert result.returncode == 2
    assert str(paths.config_file) in result.stderr and "line 2" in result.stderr
    assert "Fix it there, or move it aside to start from the defaults" in result.stderr
    assert "Traceback" not in result.stderr and paths.config_file.read_text() == text
    observe(
        "Bad files",
        "config.toml that is not valid TOML",
        f"exit 2: “{result.stderr.strip()}”; the file is unchanged",
    )

    paths.config_file.write_text("temperature = 7\n")
    fake.queue("text")
    result = mimo(tmp_path, fake, "ask", "hi")
    assert result.returncode == 0 and "between 0 and 1.5" in result.stderr
    assert paths.config_file.read_text() == "temperature = 7\n"
    observe(
        "Bad files",
        "config.toml with a value out of range",
        f"exit {result.returncode}, the reply still comes: “{result.stderr.strip()}”",
    )

    paths.config_file.unlink()
    paths.config_file.mkdir()  # unreadable as a file
    result = mimo(tmp_path, fake, "ask", "hi")
    assert result.returncode == 2 and "cannot read" in result.stderr
    observe("Bad files", "config.toml that cannot be read", f"exit 2: “{result.stderr.strip()}”")


def test_a_bad_tools_file_names_the_tool_and_the_rest_load(tmp_path, fake, observe):
    paths = cli_paths(tmp_path)
    paths.tools_file.parent.mkdir(parents=True)
    paths.tools_file.write_text(
        '[tools.good]\ncommand = ["echo"]\n\n[tools.bad]\ncommand = "echo hi"\n'
    )
    result = mimo(tmp_path, fake, "tools")
    assert result.returncode == 2  # the good tools list, yet a script sees the file is wrong
    listed = [line.split()[-3] for line in result.stdout.splitlines() if line[:1] == "["]
    assert "good" in listed and "bad" not in listed, result.stdout
    assert str(paths.tools_file) in result.stderr and "bad" in result.stderr
    observe(
        "Bad files",
        "tools.toml with one bad tool",
        f"`tools` exits {result.returncode}: “{_short(result.stderr, tmp_path)}”; it lists "
        f"{', '.join(listed)}",
    )

    paths.tools_file.write_text("[tools.x\n")
    result = mimo(tmp_path, fake, "tools")
    assert str(paths.tools_file) in result.stderr and "line 1" in result.stderr
    observe(
        "Bad files",
        "tools.toml that is not valid TOML",
        f"`tools` exits {result.returncode}: “{result.stderr.strip()}”",
    )


def test_bad_theme_files_are_named_and_skipped(tmp_path, observe):
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "syntax.toml").write_text("name = \n")
    (folder / "colour.toml").write_text('name = "c"\nprimary = "not-a-colour"\n')
    themes, problems = load_themes(folder)
    names = sorted(t.name for t in themes)
    assert {"mimo-dark", "mimo-light"} <= set(names) and "c" not in names
    assert any("syntax.toml" in p and "line 1" in p for p in problems)
    assert any("colour.toml" in p for p in problems)
    observe(
        "Bad files",
        "a user theme with a TOML error / a bad colour",
        " · ".join(f"“{p.replace(str(folder), '…')}”" for p in problems)
        + f" — load_themes still returns {', '.join(names)}",
    )


def test_theme_variables_that_are_not_css_values_and_files_not_utf8_are_skipped(tmp_path, observe):
    folder = tmp_path / "themes"
    folder.mkdir()
    head = 'primary = "#00ff00"\n[variables]\n'
    (folder / "inject.toml").write_text('name = "i"\n' + head + '"tool-done" = "red; x: 1"\n')
    (folder / "word.toml").write_text('name = "w"\n' + head + '"tool-done" = "notacolor"\n')
    (folder / "latin1.toml").write_bytes(b'name = "\xe9"\n')
    (folder / "good.toml").write_text(
        'name = "g"\n' + head + '"tool-done" = "#4cc38a 50%"\n"tool-failed" = "auto 70%"\n'
        '"link-style" = "bold underline"\n'
    )
    themes, problems = load_themes(folder)
    names = {t.name for t in themes}
    assert "g" in names and not names & {"i", "w"}
    assert len(problems) == 3
    assert any(
        "inject.toml" in p and "'tool-done'" in p and "not a CSS value" in p for p in problems
    )
    assert any("word.toml" in p and "not a colour" in p for p in problems)
    assert any("latin1.toml" in p and "not valid UTF-8" in p for p in problems)
    observe(
        "Bad files",
        "a user theme whose variable is CSS / not a colour, a theme file not in UTF-8",
        " · ".join(f"“{p.replace(str(folder), '…')}”" for p in problems)
        + " — a theme with `#4cc38a 50%`, `auto 70%` and a two-word text style loads",
    )


def test_a_tools_file_not_in_utf8_is_named_and_the_rest_starts(tmp_path, fake, observe):
    paths = cli_paths(tmp_path)
    paths.tools_file.parent.mkdir(parents=True, exist_ok=True)
    paths.tools_file.write_bytes(b"\xff\xfe = 1\n")
    result = mimo(tmp_path, fake, "tools")
    assert "Traceback" not in result.stderr
    assert str(paths.tools_file) in result.stderr and "not valid UTF-8" in result.stderr
    asked = mimo(tmp_path, fake, "ask", "hi")
    assert asked.returncode == 0 and "Traceback" not in asked.stderr
    observe(
        "Bad files",
        "tools.toml that is not UTF-8",
        f"`tools` exits {result.returncode}: “{_short(result.stderr, tmp_path)}”; `ask` "
        f"still answers (exit {asked.returncode})",
    )


def test_a_bad_import_file_is_named_and_nothing_is_written(tmp_path, fake, observe):
    paths = cli_paths(tmp_path)
    _make_store(tmp_path, fake)
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "mimo-tui-session",\n "messages": [\n')
    result = mimo(tmp_path, fake, "sessions", "import", str(bad))
    assert result.returncode != 0 and "broken.json" in result.stderr and "line" in result.stderr
    wrong = tmp_path / "wrong.json"
    wrong.write_text('[{"role": "user", "content": 42}]')
    result2 = mimo(tmp_path, fake, "sessions", "import", str(wrong))
    assert result2.returncode != 0 and "wrong.json" in result2.stderr
    count = _session_count(tmp_path, fake)
    assert count == 1  # nothing half-imported
    assert paths.store_file.exists()
    observe(
        "Bad files",
        "an import file that is cut off / has a wrong field",
        f"exit {result.returncode}: “{_short(result.stderr, tmp_path)}” · exit "
        f"{result2.returncode}: “{_short(result2.stderr, tmp_path)}” — `sessions list` still "
        f"shows {count} session",
    )


def _session_count(tmp_path, fake) -> int:
    listed = mimo(tmp_path, fake, "sessions", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return len(json.loads(listed.stdout))


def test_a_100000_deep_nested_import_is_refused_with_a_message(tmp_path, fake, observe):
    _make_store(tmp_path, fake)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    result = mimo(tmp_path, fake, "sessions", "import", str(deep))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    assert "deep.json" in result.stderr and "nested" in result.stderr
    count = _session_count(tmp_path, fake)
    assert count == 1  # nothing created
    observe(
        "Bad files",
        "an import file nested 100,000 levels deep",
        f"`sessions list` still shows {count} session; exit {result.returncode}: "
        f"“{_short(result.stderr, tmp_path)}”",
    )


async def test_a_100000_deep_nested_import_from_the_palette_says_why(
    settings, paths, tmp_path, observe
):
    deep = tmp_path / "deep.json"
    deep.write_text("{" + '"a": {' * 100_000 + "}" * 100_001)
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(100, 30)) as pilot:
        before = runtime.store.list_sessions()
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*["space" if c == " " else c for c in "Import transcript"])
        await wait_until(pilot, lambda: app.screen.query_one("CommandList").option_count > 0)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one(Input).value = str(deep)
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: any("deep.json" in str(n.message) for n in app._notifications)
        )
        shown = next(str(n.message) for n in app._notifications if "deep.json" in str(n.message))
        assert "nested" in shown and "RecursionError" not in shown
        assert isinstance(app.screen.query_one("PromptInput"), PromptInput)  # still usable
        assert len(runtime.store.list_sessions()) == len(before)
    runtime.close()
    observe(
        "Bad files",
        "the same file imported from the TUI's palette",
        f"the session count stays {len(before)}; a notice: “{shown.replace(str(tmp_path), '…')}”",
    )


def _exported(tmp_path, fake) -> dict:
    """A real export of a session with reasoning, usage and a tool call (ours, JSON)."""
    from mimo_tui.fake.seed import seed_conversation
    from mimo_tui.store import Store

    paths = cli_paths(tmp_path)
    store = Store(paths.store_file)
    seed_conversation(store, tools=True)
    store.close()
    result = mimo(tmp_path, fake, "sessions", "export", "last", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _first(messages: list[dict], **match) -> dict:
    return next(m for m in messages if all(m.get(k) == v for k, v in match.items()))


WRONG_FIELDS = [
    (
        "duration_ms is a word",
        lambda d: _first(d["messages"], role="assistant"),
        "duration_ms",
        "slow",
        "messages[1].duration_ms",
    ),
    (
        "tool_meta is not an object",
        lambda d: _first(d["messages"], role="tool"),
        "tool_meta",
        ["done"],
        "messages[4].tool_meta",
    ),
    (
        "tool-call arguments as an object",
        lambda d: next(m for m in d["messages"] if m["tool_calls"])["tool_calls"][0],
        "arguments",
        {"city": "Beijing"},
        "messages[3].tool_calls[0].arguments",
    ),
    (
        "usage counts as strings",
        lambda d: _first(d["messages"], role="assistant")["usage"],
        "prompt_tokens",
        "57",
        "messages[1].usage.prompt_tokens",
    ),
    (
        "an unknown status",
        lambda d: _first(d["messages"], role="assistant"),
        "status",
        "finished",
        "messages[1].status",
    ),
    (
        "tool_meta.argv not a list",
        lambda d: _first(d["messages"], role="tool")["tool_meta"],
        "argv",
        "date -u",
        "messages[4].tool_meta.argv",
    ),
    (
        "session settings of the wrong type",
        lambda d: d["session"]["settings"],
        "thinking",
        "yes",
        "session.settings.thinking",
    ),
]


@pytest.mark.parametrize(
    ("case", "where", "name", "value", "path"), WRONG_FIELDS, ids=[w[0] for w in WRONG_FIELDS]
)
def test_an_import_with_a_wrong_typed_field_names_the_field_and_writes_nothing(
    tmp_path, fake, observe, case, where, name, value, path
):
    data = _exported(tmp_path, fake)
    where(data)[name] = value
    bad = tmp_path / "typed.json"
    bad.write_text(json.dumps(data))
    result = mimo(tmp_path, fake, "sessions", "import", str(bad))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "typed.json" in result.stderr and f"{path}:" in result.stderr, result.stderr
    assert _session_count(tmp_path, fake) == 1  # only the seeded one
    observe("Bad files", f"an import in our format: {case}", f"exit 2: “{result.stderr.strip()}”")


def _damage_rows(tmp_path) -> None:
    """Bad rows written straight into the store, as another program or a hand edit could."""
    db = sqlite3.connect(cli_paths(tmp_path).store_file)
    with db:
        db.execute(
            "UPDATE messages SET duration_ms = 'slow' WHERE id = "
            "(SELECT min(id) FROM messages WHERE role = 'assistant')"
        )
        db.execute("UPDATE messages SET tool_meta = '[1, 2]' WHERE role = 'tool'")
        db.execute("UPDATE messages SET tool_calls = '{\"id\": 5' WHERE tool_calls IS NOT NULL")
    db.close()


def test_a_damaged_row_in_the_store_is_shown_as_damaged_by_every_cli_reader(
    tmp_path, fake, observe
):
    data = _exported(tmp_path, fake)
    _damage_rows(tmp_path)
    shown = {}
    for op in (
        ["show", "last"],
        *(["export", "last", "--format", f] for f in ("md", "html", "json")),
    ):
        result = mimo(tmp_path, fake, "sessions", *op)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        assert "[damaged message: " in result.stdout, op
        assert "China Standard Time" in data["messages"][-1]["content"]
        assert "China Standard Time" in result.stdout  # the good rows are there
        shown[op[-1]] = result.stdout
    line = next(x for x in shown["last"].splitlines() if "[damaged message" in x)
    assert "duration_ms" in line
    fake.queue("text")
    result = mimo(tmp_path, fake, "-c", "ask", "still there?")
    assert result.returncode == 0, result.stderr  # the replay works around the bad rows
    assert result.stdout.strip() == REPLY
    observe(
        "Bad files",
        "a bad row in the store (duration_ms 'slow', tool_meta a list, tool_calls cut JSON)",
        f"show and md / html / json exports exit 0 with a “[damaged message: …]” marker and "
        f"the good rows; ask -c exits {result.returncode} with the reply; show prints "
        f"“{line.strip()}”",
    )


async def test_a_damaged_row_opens_in_the_tui_as_damaged(settings, paths, fake, observe):
    from mimo_tui.fake.seed import seed_conversation
    from mimo_tui.store import Store

    store = Store(paths.store_file)
    seeded = seed_conversation(store, tools=True)
    store.close()
    db = sqlite3.connect(paths.store_file)
    with db:
        db.execute("UPDATE messages SET duration_ms = 'slow' WHERE role = 'assistant'")
        db.execute("UPDATE messages SET tool_meta = '{\"argv\": 5}' WHERE role = 'tool'")
    db.close()
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = next(s for s in app.screen_stack if isinstance(s, ChatScreen))
        await screen.open_session(seeded)
        await pilot.pause()
        texts = [w.answer_text for w in app.screen.query(StoredReply)]
        assert texts and all(t.startswith("[damaged message: duration_ms") for t in texts)
        await pilot.press("ctrl+r")  # fold / unfold on a damaged reply: nothing to break
        fake.queue("text")
        await send(pilot, "and now?")
        await app.workers.wait_for_complete()
        await pilot.pause()
        last = app.screen.query(StoredReply).last()
        assert last.answer_text == REPLY
    runtime.close()
    observe(
        "Bad files",
        "opening a session with bad rows in the TUI",
        f"each of the {len(texts)} stored replies shows “{texts[0]}”; after ctrl+r a new "
        f"question gets “{last.answer_text}”",
    )


def test_a_damaged_session_row_lists_as_damaged_everywhere(tmp_path, fake, observe):
    """A session row edited by another program: its title a BLOB holding ESC]52, its
    times text, its settings not JSON. Every reader lists it as damaged and goes on: the
    CLI's list, show, search, export, and the TUI (its first frame, F4)."""
    from tests.pty_helpers import PtyApp

    _make_store(tmp_path, fake)
    db = sqlite3.connect(cli_paths(tmp_path).store_file)
    with db:
        db.execute(
            "UPDATE sessions SET title = ?, created_at = 'garbage', updated_at = 'x', "
            "settings = 'not json'",
            (b"\x1b]52;c;QVRUQUNL\x07\xff",),
        )
    db.close()
    outputs = {}
    for op in (["list"], ["list", "--json"], ["show", "last"], ["search", "fill"]):
        result = mimo(tmp_path, fake, "sessions", *op)
        assert result.returncode == 0 and "Traceback" not in result.stderr, (op, result.stderr)
        assert "\x1b" not in result.stdout
        outputs[" ".join(op)] = result.stdout
    assert "(damaged title)" in outputs["list"] and "(damaged title)" in outputs["search fill"]
    assert json.loads(outputs["list --json"])[0]["title"] == "(damaged title)"
    with PtyApp(["-c"], cli_env(tmp_path, fake), cols=100, rows=30) as app:
        app.wait_for_text("fill the store")
        app.write(b"\x1bOS")  # F4
        screen = app.wait_for_text("(damaged title)")
        out = app.output
    assert b"Traceback" not in out and b"\x1b]52;c;QVRUQUNL" not in out
    listed = next(line for line in outputs["list"].splitlines() if "damaged" in line)
    observe(
        "Bad files",
        "a session row with a BLOB title (holding ESC]52), text times and settings not JSON",
        f"`sessions list` prints “{listed.split(maxsplit=1)[1].strip()}”; list --json, show "
        "and search exit 0; the TUI opens it with -c and F4 lists “(damaged title)”; no "
        f"traceback, no raw ESC]52 ({'F4' if '(damaged title)' in screen else ''})",
    )


def test_the_import_schema_knows_every_field_a_tool_record_stores(observe):
    """A field added to ToolRecord.meta() but not to the schema makes every stored tool
    result read back as damaged (seen when the edited-arguments field arrived)."""
    from mimo_tui.model import ToolRecord
    from mimo_tui.transcript_schema import TOOL_META

    record = ToolRecord("call_1", "echo", "{}", 1, "done", model_arguments='{"q": 1}')
    stored = sorted(record.meta())
    assert set(stored) <= set(TOOL_META.fields)
    observe(
        "Bad files",
        "the fields a tool result is stored with vs the import schema",
        f"all {len(stored)} fields ToolRecord.meta() writes ({', '.join(stored)}) are in the "
        f"schema's {len(TOOL_META.fields)}",
    )


def test_bad_numbers_urls_and_keys_in_config_are_named_and_defaults_used(tmp_path, fake, observe):
    paths = cli_paths(tmp_path)
    paths.config_file.parent.mkdir(parents=True)
    text = (
        "idle_timeout_s = nan\nmax_retries = 1e20\n"
        'base_url = "file:///etc/passwd"\n[keys]\nchat.search = "f99x"\n'
    )
    paths.config_file.write_text(text)
    fake.queue("text")
    result = mimo(tmp_path, fake, "ask", "hi")
    assert result.returncode == 0 and result.stdout.strip()
    problems = [line for line in result.stderr.splitlines() if line.startswith("mimo-tui:")]
    assert len(problems) == 4 and all(str(paths.config_file) in p for p in problems)
    assert paths.config_file.read_text() == text
    for needle, case in (
        ("idle_timeout_s", "idle_timeout_s = nan in config.toml"),
        ("max_retries", "max_retries = 1e20 in config.toml"),
        ("base_url", 'base_url = "file:///etc/passwd" in config.toml'),
        ("[keys]", '[keys] chat.search = "f99x" in config.toml'),
    ):
        [line] = [p for p in problems if needle in p]
        observe("Bad files", case, f"the reply still comes; “{line}”")
