"""Hostile model output: shown as visible text everywhere, never executed; the store keeps it.

Each payload goes through the real app (reasoning, answer, tool arguments and tool name, the
session title), `ask` on a pseudo-terminal and in a pipe, and the text exports.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
import unicodedata

import pytest

from mimo_tui.fake.scenarios import Scenario
from mimo_tui.text import visible
from mimo_tui.transcripts import export
from mimo_tui.ui.widgets.approval import ApprovalScreen
from tests.conftest import PYTHON, cli_env, cli_paths
from tests.tui_helpers import make_app, screen_lines, send, wait_until

PAYLOADS = {
    "Rich markup": "[bold red]red[/bold red] [link=https://evil.example]x[/link]",
    "markup that runs an action ([@click=app.quit])": "[@click=app.quit]click me[/]",
    "a stray closing tag": "text [/bold] more",
    "ANSI CSI (clear screen, colours)": "\x1b[2J\x1b[31mred\x1b[0m",
    "OSC window title": "\x1b]0;pwned\x07",
    "OSC 52 clipboard write": "\x1b]52;c;ZXZpbA==\x07",
    "OSC 8 hyperlink": "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "8-bit C1 controls (0x9b, 0x9d)": "\x9b2J \x9d0;title\x9c",
    "other C0 controls": "bell\x07 bs\x08 vt\x0b ff\x0c nul\x00 del\x7f",
    "bidi overrides": "\u202eevil\u202c \u2066iso\u2069",
    "zero-width characters": "zero\u200bwidth\u200d\ufeffjoin",
    "invalid surrogates": "bad \ud800 surrogate",
    # Markdown decodes these after the text was made visible: a bidi override by reference.
    "character references (&#x202E; &rlm; &ZeroWidthSpace; &#x2028;)": (
        "ref &#x202E;evil&#x202C; &rlm;x &ZeroWidthSpace;y &#x2028;z &#x9b;c1"
    ),
}
UNSAFE = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def unsafe_chars(text: str) -> set[str]:
    return {c for c in text if c != "\n" and unicodedata.category(c) in UNSAFE}


def screen_text(app) -> str:
    """Every character the terminal would be sent for the current screen."""
    update = app.screen._compositor.render_update(full=True)
    return "".join(segment.text for strip in update.strips for segment in strip)


def stored_form(payload: str) -> str:
    """What the store can hold: lone surrogates are not text and become U+FFFD."""
    return payload.replace("\ud800", "\ufffd")


@pytest.mark.parametrize("name", list(PAYLOADS))
async def test_hostile_text_in_the_tui(name, settings, paths, fake, observe):
    payload = PAYLOADS[name]
    fake.queue(Scenario(reasoning=f"think {payload}", content=f"answer {payload}"))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, f"title {payload}")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("ctrl+r")  # the reasoning panel open too
        await pilot.pause()
        shown = screen_text(app)
        assert unsafe_chars(shown) == set()
        assert "answer" in shown and "think" in shown and "title" in shown
        assert app.is_running  # [@click=app.quit] and friends did nothing
        messages = runtime.store.messages(app.screen.session_id)
        title = runtime.store.get_session(app.screen.session_id).title
    runtime.close()
    assert messages[1].content == stored_form(f"answer {payload}")
    assert messages[1].reasoning_content == stored_form(f"think {payload}")
    assert title.startswith("title")
    start = shown.index("answer ") + len("answer ")
    on_screen = shown[start : start + len(visible(stored_form(payload)))]
    observe(
        "Hostile model output",
        f"{name} in reasoning, answer and title (TUI)",
        f"shown as `{on_screen[:70]}`; the rendered screen (reasoning open) has no control or "
        "format character; the app keeps running; the store keeps the text exactly"
        + (" (lone surrogates become U+FFFD)" if "surrogate" in name else ""),
    )


async def test_hostile_tool_name_and_arguments(settings, paths, fake, tmp_path, observe):
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.tools_file.write_text(
        '[tools.echo]\ndescription = "echo"\ncommand = ["cat"]\napprove = "ask"\n'
        'parameters = { type = "object" }\n'
    )
    evil = "\x1b]0;pwned\x07\u202e[@click=app.quit]x[/]\u200b"
    fake.queue(
        Scenario(
            reasoning="use tools",
            tool_calls=(
                {"name": f"ghost{evil}", "arguments": "{}"},
                {"name": "echo", "arguments": json.dumps({"q": evil})},
            ),
        ),
        "text",
    )
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(130, 40)) as pilot:
        await send(pilot, "go")
        await wait_until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
        await wait_until(pilot, lambda: app.screen.armed)
        prompt = screen_text(app)
        assert unsafe_chars(prompt) == set()
        # The arguments stay editable JSON, every invisible character as an escape.
        assert "\\u001b]0;pwned\\u0007\\u202e" in prompt and "\\u200b" in prompt
        at = prompt.index("\\u001b]0;pwned")
        arguments = prompt[at : at + 60].split("\\u200b")[0] + "\\u200b"
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        after = screen_text(app)
        assert unsafe_chars(after) == set() and app.is_running
        stored = runtime.store.messages(app.screen.session_id)
    runtime.close()
    results = [m.content for m in stored if m.role == "tool"]
    unknown = next(r for r in results if "unknown tool" in r)
    denied = next(r for r in results if "denied" in r)
    observe(
        "Hostile model output",
        "control, bidi and markup characters in a tool name and in tool arguments",
        f"the approval prompt shows `{arguments}`; no control or format character on screen "
        f"before or after; the tool results: “{unknown.split(chr(92))[0]}…” · “{denied}”",
    )


def _ask_pty(tmp_path, fake, *args: str) -> bytes:
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [PYTHON, "-m", "mimo_tui", "ask", *args],
        env=cli_env(tmp_path, fake),
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    while proc.poll() is None or select.select([master], [], [], 0.1)[0]:
        assert time.monotonic() < deadline
        if select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    proc.wait(timeout=10)
    os.close(master)
    return seen


def test_hostile_text_in_ask_on_a_terminal_and_in_a_pipe(tmp_path, fake, observe):
    payload = "".join(v for k, v in PAYLOADS.items() if "surrogate" not in k)
    fake.queue(Scenario(reasoning=f"r {payload}", content=f"a {payload}"))
    seen = _ask_pty(tmp_path, fake, "hi")
    raw = {
        "ESC]0": b"\x1b]0;",
        "ESC]52": b"\x1b]52;",
        "ESC]8": b"\x1b]8;",
        "ESC[2J": b"\x1b[2J",
        **{f"U+{ord(c):04X}": c.encode() for c in "\x9b\x9d\x9c\u202e\u202c\u2066\u2069"},
    }
    counts = {name: seen.count(sequence) for name, sequence in raw.items()}
    assert counts == dict.fromkeys(raw, 0), counts
    assert "␛]0;pwned␇".encode() in seen
    fake.queue(Scenario(reasoning=f"r {payload}", content=f"a {payload}"))
    piped = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "ask", "hi"],
        env=cli_env(tmp_path, fake),
        capture_output=True,
        timeout=60,
    )
    assert piped.stdout == f"a {payload}\n".encode()  # scripts get the exact bytes
    fake.queue(Scenario(content=f"a {payload}"))
    as_json = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "ask", "--json", "hi"],
        env=cli_env(tmp_path, fake),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(as_json.stdout)["content"] == f"a {payload}"
    observe(
        "Hostile model output",
        "every escape/control/bidi payload through `mimo-tui ask` on a terminal",
        f"“␛]0;pwned␇” is printed; 0 raw {' / '.join(raw)} in the {len(seen):,} bytes "
        "written to the terminal",
    )
    observe(
        "Hostile model output",
        "the same through `ask` into a pipe, and `ask --json`",
        f"stdout is the reply's exact {len(piped.stdout) - 1:,} bytes plus a newline; --json "
        "holds the exact string",
    )


def test_hostile_text_in_exports(tmp_path, fake, settings, paths, observe):
    from mimo_tui.runtime import build_runtime

    payload = "".join(v for k, v in PAYLOADS.items() if "surrogate" not in k)
    payload += "<script>alert(1)</script>"
    runtime = build_runtime(settings, paths)
    session = runtime.new_session()
    fake.queue(Scenario(reasoning=payload, content=payload))
    import asyncio

    from tests.conftest import collect

    asyncio.run(collect(runtime.engine.turn(session.id, payload)))
    session = runtime.store.get_session(session.id)
    md = export(runtime.store, session, "md")
    html = export(runtime.store, session, "html")
    exact = json.loads(export(runtime.store, session, "json"))
    runtime.close()
    assert unsafe_chars(md) == set() and unsafe_chars(html) == set()
    assert "␛]0;pwned␇" in md and "␛]0;pwned␇" in html  # shown, not dropped
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert exact["messages"][1]["content"] == payload
    observe(
        "Hostile model output",
        "escapes, controls, bidi and raw HTML in Markdown / HTML / JSON exports",
        "Markdown and HTML: 0 control or format characters, the title escape shown as "
        "“␛]0;pwned␇”; HTML has “&lt;script&gt;”, not the raw tag; the JSON export keeps "
        f"the exact {len(payload)}-character text",
    )


async def test_a_200000_character_line_and_a_1_mb_reply(settings, paths, fake, tmp_path, observe):
    line = "x" * 200_000
    fake.queue(Scenario(content=line))
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, "long line")
        await app.workers.wait_for_complete()
        await pilot.pause()
        rows = sum(1 for strip in screen_lines(app) if "x" * 60 in strip)
        assert rows > 1 and app.is_running  # wrapped over several screen rows
        prompt = app.screen.query_one("PromptInput")
        await pilot.press("o", "k")  # still takes keys
        await wait_until(pilot, lambda: prompt.text == "ok")
        session_id = app.screen.session_id
    assert runtime.store.messages(session_id)[1].content == line
    runtime.close()
    big = ("y" * 99 + " ") * 10_100  # 1.01 MB in ~10,000 chunks
    fake.queue(Scenario(content=big))
    piped = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "ask", "big"],
        env=cli_env(tmp_path, fake),
        capture_output=True,
        timeout=120,
    )
    assert piped.returncode == 0 and piped.stdout == (big + "\n").encode()
    from mimo_tui.store import Store

    store = Store(cli_paths(tmp_path).store_file)
    (stored,) = [m for m in store.messages(store.list_sessions()[0].id) if m.role == "assistant"]
    store.close()
    assert stored.content == big and len(big) > 1_000_000
    observe(
        "Hostile model output",
        "a 200,000-character line (TUI) and a 1 MB reply (`ask`)",
        f"TUI: the line fills {rows} screen rows, the store holds all {len(line):,} characters, "
        f"the input then takes keys; `ask`: exit {piped.returncode}, stdout and the store hold "
        f"the {len(big):,} characters exactly",
    )
