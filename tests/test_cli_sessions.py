"""`mimo-tui sessions ...` and `mimo-tui usage` as a user runs them."""

from __future__ import annotations

import json
import os
import stat

from mimo_tui.fake.seed import seed_conversation
from mimo_tui.model import Message
from mimo_tui.store import Store
from tests.conftest import cli_paths
from tests.test_cli import mimo


def seeded(tmp_path) -> str:
    store = Store(cli_paths(tmp_path).store_file)
    sid = seed_conversation(store, tools=True)
    store.close()
    return sid


def test_list_and_list_json(tmp_path):
    sid = seeded(tmp_path)
    text = mimo(tmp_path, None, "sessions", "list")
    assert sid in text.stdout and "Show me a greeting function" in text.stdout
    (row,) = json.loads(mimo(tmp_path, None, "sessions", "list", "--json").stdout)
    assert row["id"] == sid and row["messages"] == 6 and row["reasoning_tokens"] == 69


def test_show_accepts_prefixes_and_last(tmp_path):
    sid = seeded(tmp_path)
    for ref in (sid, sid[:5], "last"):
        result = mimo(tmp_path, None, "sessions", "show", ref)
        assert result.returncode == 0 and "## You" in result.stdout and "def greet" in result.stdout
    bad = mimo(tmp_path, None, "sessions", "show", "zzz")
    assert bad.returncode == 2 and "no session matches 'zzz'" in bad.stderr


def test_search_text_and_json(tmp_path):
    sid = seeded(tmp_path)
    text = mimo(tmp_path, None, "sessions", "search", "type-hinted", "one-liner")
    assert sid in text.stdout and "«type-hinted»" in text.stdout
    (hit, *_) = json.loads(mimo(tmp_path, None, "sessions", "search", "CST", "--json").stdout)
    assert hit["session_id"] == sid


def test_export_import_rename_delete(tmp_path):
    sid = seeded(tmp_path)
    out = tmp_path / "s.json"
    result = mimo(tmp_path, None, "sessions", "export", "last", "--format", "json", "-o", str(out))
    assert result.returncode == 0 and stat.S_IMODE(os.stat(out).st_mode) == 0o600
    html = mimo(tmp_path, None, "sessions", "export", sid, "--format", "html")
    assert html.stdout.startswith("<!doctype html>")
    imported = mimo(tmp_path, None, "sessions", "import", str(out))
    new_id = imported.stdout.strip()
    assert imported.returncode == 0 and new_id != sid
    assert mimo(tmp_path, None, "sessions", "rename", new_id, "Copy").returncode == 0
    listed = json.loads(mimo(tmp_path, None, "sessions", "list", "--json").stdout)
    assert {r["title"] for r in listed} == {"Copy", "Show me a greeting function in Python."}
    refused = mimo(tmp_path, None, "sessions", "delete", new_id, input="")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert mimo(tmp_path, None, "sessions", "delete", new_id, "--yes").returncode == 0
    assert len(json.loads(mimo(tmp_path, None, "sessions", "list", "--json").stdout)) == 1


def test_counts_of_one_are_singular(tmp_path):
    """A one-message import says `(1 message)`, its one-character system prompt `(1
    character)`, the list `1 msg` (all said it in plural)."""
    one = tmp_path / "one.json"
    one.write_text('[{"role": "system", "content": "x"}, {"role": "user", "content": "hi"}]')
    imported = mimo(tmp_path, None, "sessions", "import", str(one))
    assert imported.returncode == 0 and "(1 message)\n" in imported.stderr
    assert "system prompt (1 character)," in imported.stderr
    listed = mimo(tmp_path, None, "sessions", "list").stdout
    assert "   1 msg   " in listed and "msgs" not in listed


def test_import_of_a_bad_file_writes_nothing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"role": "user", "content": 1}]')
    result = mimo(tmp_path, None, "sessions", "import", str(bad))
    assert result.returncode == 2 and "message 1: content must be a string" in result.stderr
    assert str(bad) in result.stderr and "Traceback" not in result.stderr
    assert json.loads(mimo(tmp_path, None, "sessions", "list", "--json").stdout) == []


def test_usage_table_csv_and_since(tmp_path):
    seeded(tmp_path)
    table = mimo(tmp_path, None, "usage")
    assert "mimo-v2.5-pro" in table.stdout and "total" in table.stdout
    rows = mimo(tmp_path, None, "usage", "--csv").stdout.splitlines()
    assert rows[0] == (
        "day,model,requests,prompt_tokens,cached_tokens,cache_hit,completion_tokens,"
        "reasoning_tokens,cost_cny,cost_usd"
    )
    # The seeded replies say nothing of the cache: blank, not 0; the cost counts it missed.
    assert rows[1].endswith(",mimo-v2.5-pro,3,477,,,188,69,0.0026,")
    assert "no requests" in mimo(tmp_path, None, "usage", "--since", "2999-01-01").stdout
    bad = mimo(tmp_path, None, "usage", "--since", "yesterday")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_usage_since_further_back_than_the_calendar_counts_everything(tmp_path):
    """More days than there are since year 1, or the first day of year 1 itself: every
    request, the table `usage` prints; never a traceback. A digit that is not 0-9 is a
    usage error that says what is expected."""
    seeded(tmp_path)
    everything = mimo(tmp_path, None, "usage").stdout
    assert "mimo-v2.5-pro" in everything
    for since in ("99999999d", "1000000000000000000000d", "9" * 5000 + "d", "0001-01-01"):
        result = mimo(tmp_path, None, "usage", "--since", since)
        assert result.returncode == 0 and "Traceback" not in result.stderr, since[:30]
        assert result.stdout == everything, since[:30]
    odd = mimo(tmp_path, None, "usage", "--since", "²d")
    assert odd.returncode == 2 and odd.stderr == (
        "mimo-tui: --since: expected YYYY-MM-DD or Nd, got '²d'\n"
    )


def test_an_unused_session_is_not_left_behind(tmp_path, fake):
    fake.queue("http_401")
    mimo(tmp_path, fake, "ask", "--session", "nope", "x")  # fails before any session
    code = (
        "from mimo_tui.config import Paths, Settings\n"
        "from mimo_tui.runtime import build_runtime\n"
        "r = build_runtime(Settings(), Paths.default())\n"
        "r.session()\n"
        "r.close()\n"
    )
    import subprocess

    from tests.conftest import PYTHON, cli_env

    subprocess.run([PYTHON, "-c", code], env=cli_env(tmp_path, None), check=True)
    assert json.loads(mimo(tmp_path, None, "sessions", "list", "--json").stdout) == []


HOSTILE = "T\u009b31mC1 \u202eRLO \u200bZW"  # a C1 CSI, a bidi override, a zero-width space
HIDDEN = ("\u009b", "\u202e", "\u200b", "\x1b")


def test_json_outputs_escape_invisible_characters_and_still_decode_to_the_text(tmp_path):
    """A hostile session title (a C1 CSI, a bidi override, a zero-width space) in every
    JSON a user prints on a terminal: each such character is a `\\uXXXX` escape, never
    raw, and the JSON decodes back to exactly the stored text."""
    store = Store(cli_paths(tmp_path).store_file)
    sid = seed_conversation(store, tools=True)
    store.rename_session(sid, HOSTILE)
    store.close()
    outputs = {
        "list": mimo(tmp_path, None, "sessions", "list", "--json"),
        "search": mimo(tmp_path, None, "sessions", "search", "greeting", "--json"),
        "export": mimo(tmp_path, None, "sessions", "export", sid, "--format", "json"),
    }
    for name, result in outputs.items():
        assert result.returncode == 0, (name, result.stderr)
        assert not any(c in result.stdout for c in HIDDEN), name
        assert "\\u009b" in result.stdout and "\\u202e" in result.stdout, name
    assert json.loads(outputs["list"].stdout)[0]["title"] == HOSTILE
    assert {hit["session_title"] for hit in json.loads(outputs["search"].stdout)} == {HOSTILE}
    assert json.loads(outputs["export"].stdout)["session"]["title"] == HOSTILE


def test_file_names_in_messages_are_shown_not_obeyed(tmp_path):
    """`sessions export -o` and `sessions import` name the file they wrote or read: a name
    holding ESC]52 and a C1 byte is printed with both made visible."""
    sid = seeded(tmp_path)
    name = tmp_path / "out\x1b]52;c;QVRUQUNL\x07\u009b31m.json"
    wrote = mimo(tmp_path, None, "sessions", "export", sid, "--format", "json", "-o", str(name))
    assert wrote.returncode == 0, wrote.stderr
    imported = mimo(tmp_path, None, "sessions", "import", str(name))
    assert imported.returncode == 0, imported.stderr
    for result in (wrote, imported):
        assert "\x1b" not in result.stderr and "\u009b" not in result.stderr
        assert "out␛]52;c;QVRUQUNL" in result.stderr


def test_an_export_that_cannot_be_written_says_so_without_a_traceback(tmp_path):
    """`-o` into a folder that does not exist, or naming a folder: a one-line message and
    exit 2; nothing is left behind."""
    sid = seeded(tmp_path)
    folder = tmp_path / "folder"
    folder.mkdir()
    for target, why in ((tmp_path / "no" / "x.json", "No such file"), (folder, "directory")):
        result = mimo(tmp_path, None, "sessions", "export", sid, "--format", "json", "-o", target)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert f"Could not write {target}: " in result.stderr and why in result.stderr
    assert list(folder.iterdir()) == [] and not list(tmp_path.glob(".*.tmp"))


def test_a_data_folder_that_cannot_be_made_is_named_with_what_to_do(tmp_path):
    """XDG_DATA_HOME is a file: every command that opens the store, the TUI included,
    names the store and what to check, exit 2, no traceback."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    for args in (["sessions", "list"], ["--demo", "ask", "hi"], ["--demo"]):
        result = mimo(tmp_path, None, *args, XDG_DATA_HOME=str(blocker))
        assert result.returncode == 2 and "Traceback" not in result.stderr, args
        assert "the store cannot be created (Not a directory)" in result.stderr, args
        assert "XDG_DATA_HOME" in result.stderr, args


def test_an_imported_file_turns_on_no_tools_or_web_search_and_says_what_it_brought(tmp_path, fake):
    """A transcript someone sent asked for tools, web search and a system prompt of its
    own: continuing it offers no tools and no search until the user chooses them, and the
    import said so, prompt included (it is sent, so the user should know it is there)."""
    settings = {"system_prompt": "HIDDEN-PROMPT", "tools": ["read_file"], "web_search": True}
    doc = {
        "format": "mimo-tui.session",
        "version": 1,
        "session": {"title": "sent to me", "model": "mimo-v2.5-pro", "settings": settings},
        "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],
    }
    (tmp_path / "sent.json").write_text(json.dumps(doc))
    done = mimo(tmp_path, fake, "sessions", "import", str(tmp_path / "sent.json"))
    assert done.returncode == 0, done.stderr
    assert "asked for tools (read_file) and web search: not turned on" in done.stderr
    assert "its own system prompt (13 characters)" in done.stderr
    fake.queue("text")
    asked = mimo(tmp_path, fake, "ask", "-c", "and now?")
    assert asked.returncode == 0, asked.stderr
    body = fake.chat_requests()[-1].body
    assert "tools" not in body  # no function tools, no web_search tool
    assert body["messages"][0] == {"role": "system", "content": "HIDDEN-PROMPT"}


# The byte 0x9b is not UTF-8: argv hands it on as a lone surrogate (surrogateescape), and
# subprocess turns this one back into that byte.
NOT_UTF8 = "zz\udc9b"


def test_a_session_id_that_is_not_utf8_matches_no_session_rather_than_crashing(tmp_path, fake):
    seeded(tmp_path)
    for command in (
        ["sessions", "show", NOT_UTF8],
        ["sessions", "export", NOT_UTF8],
        ["sessions", "rename", NOT_UTF8, "a title"],
        ["sessions", "delete", "-y", NOT_UTF8],
        ["sessions", "compact", NOT_UTF8],
        ["sessions", "uncompact", NOT_UTF8],
        ["--session", NOT_UTF8, "ask", "hi"],
        ["--session", NOT_UTF8],  # the chat: refused before it needs a terminal
    ):
        result = mimo(tmp_path, fake, *command)
        assert result.returncode == 2, (command, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stderr == "mimo-tui: no session matches 'zz\ufffd'\n", command
    assert fake.chat_requests() == []
    assert len(json.loads(mimo(tmp_path, None, "sessions", "list", "--json").stdout)) == 1


def test_a_title_or_search_words_not_in_utf8_have_the_bytes_replaced_as_a_prompt_does(
    tmp_path, fake
):
    fake.queue("text")
    asked = mimo(tmp_path, fake, "ask", f"{NOT_UTF8} question")
    assert asked.returncode == 0, asked.stderr
    renamed = mimo(tmp_path, None, "sessions", "rename", "last", f"title {NOT_UTF8}")
    assert renamed.returncode == 0 and "Traceback" not in renamed.stderr, renamed.stderr
    (row,) = json.loads(mimo(tmp_path, None, "sessions", "list", "--json").stdout)
    assert row["title"] == "title zz\ufffd"
    found = mimo(tmp_path, None, "sessions", "search", NOT_UTF8, "--json")
    assert found.returncode == 0 and "Traceback" not in found.stderr, found.stderr
    (hit,) = [h for h in json.loads(found.stdout) if h["role"] == "user"]
    assert hit["session_id"] == row["id"]


def test_search_says_which_hits_are_on_another_branch(tmp_path):
    """A reply regenerate replaced still matches: the listing and --json say it is off the
    session's active path."""
    store = Store(cli_paths(tmp_path).store_file)
    session = store.create_session("mimo-v2.5-pro")
    question = store.add_message(session.id, Message("user", "pick a colour"))
    store.add_message(session.id, Message("assistant", "teal, first answer"))
    store.branch_from(session.id, question.id)  # regenerate: a new reply beside the old
    store.add_message(session.id, Message("assistant", "teal, second answer"))
    store.close()
    listed = mimo(tmp_path, None, "sessions", "search", "teal")
    assert listed.returncode == 0, listed.stderr
    heads = [line for line in listed.stdout.splitlines() if not line.startswith(" ")]
    assert [h.endswith("(another branch)") for h in heads] == [False, True]
    hits = json.loads(mimo(tmp_path, None, "sessions", "search", "teal", "--json").stdout)
    assert [(h["snippet"], h["on_path"]) for h in hits] == [
        ("teal, second answer", True),
        ("teal, first answer", False),
    ]
