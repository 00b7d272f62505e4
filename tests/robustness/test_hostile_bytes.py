"""Hostile text from the service or a file, checked at the byte level on a real terminal.

The real `mimo-tui` runs on a pty (tests/pty_helpers.py) against the fake with hostile
scenarios; the test presses keys as a person would and reads every byte the app writes. The
app itself draws with CSI/OSC sequences, so each payload sits next to a unique marker: a case
passes when the visible placeholder (e.g. `␛]52;c;UFdORUQ=`) was drawn, proving the text
reached the screen, and none of the raw sequences did.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest

from mimo_tui.fake import FakeMimo
from mimo_tui.fake.scenarios import HOSTILE_MODEL_IDS, Scenario, hostile_transcript
from tests.conftest import KEY, PYTHON, cli_env, cli_paths
from tests.pty_helpers import PtyApp, run_on_pty

AREA = "Hostile model output"
# Raw bytes that must never reach the terminal: each is the start of a planted payload
# (or, for C1 controls, any 8-bit control encoded as UTF-8: the app never writes one).
RAW = {
    "ESC]52": b"\x1b]52;c;UFdORUQ",  # clipboard write
    "ESC]0": b"\x1b]0;PWNED",  # window title
    "ESC[2J": b"\x1b[2J [@click",  # clear screen, next to its marker
    "C1 0x9b": "\x9b".encode(),  # CSI
    "C1 0x9d": "\x9d".encode(),  # OSC
    "C1 0x9c": "\x9c".encode(),  # ST
}
OSC52_SHOWN = "␛]52;c;UFdORUQ=".encode()
DEFAULT_MODEL = "mimo-v2.5-pro"


def raw_counts(out: bytes) -> dict[str, int]:
    return {name: out.count(raw) for name, raw in RAW.items()}


def assert_no_raw(out: bytes) -> str:
    """Fail if any raw payload byte sequence reached the terminal; a summary for observe()."""
    counts = raw_counts(out)
    assert counts == dict.fromkeys(RAW, 0), counts
    planted = " / ".join(name for name in RAW if not name.startswith("C1"))
    c1 = " / ".join(name[3:] for name in RAW if name.startswith("C1"))
    return (
        f"0 planted raw {planted} and 0 C1 {c1} in the {len(out):,} bytes written to the terminal"
    )


def shown(out: bytes, start: bytes, length: int = 60) -> str:
    """What a CLI printed from `start` on (for observe), cut at `length` characters."""
    at = out.find(start)
    assert at >= 0, start
    text = out[at : at + length * 4].decode("utf-8", "replace")
    return text.split("\x1b")[0][:length]


@pytest.fixture
def hostile_fake():
    with FakeMimo(api_key=KEY, extra_models=HOSTILE_MODEL_IDS) as server:
        yield server


def tui(tmp_path, fake, *args: str) -> PtyApp:
    app = PtyApp(list(args), cli_env(tmp_path, fake), cols=120, rows=40)
    app.wait_for(b"Sessions")  # the footer: the first frame is on the terminal
    return app


def import_hostile_session(tmp_path, fake, title: str = "IMPORTED-T") -> str:
    """Import a session whose stored model is hostile, the way a user does (the CLI)."""
    return import_file(tmp_path, fake, hostile_transcript(title))


def import_file(tmp_path, fake, text: str) -> str:
    """`mimo-tui sessions import` of a JSON transcript with this text; the new session id."""
    file = tmp_path / "hostile-session.json"
    file.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [PYTHON, "-m", "mimo_tui", "sessions", "import", str(file)],
        env=cli_env(tmp_path, fake),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def line_with(screen: str, text: str) -> str:
    """What the screen line showing `text` shows from there on, without the frame around it."""
    line = next(line for line in screen.splitlines() if text in line)
    return line[line.index(text) :].rstrip(" │▎▌█─╯")


def test_status_line_error_from_a_400_body(tmp_path, hostile_fake, observe):
    hostile_fake.queue("http_400_hostile")
    with tui(tmp_path, hostile_fake) as app:
        app.write("hi")
        app.press("enter")
        drawn = "Param Incorrect: X1Y2 ␛]52;c;UFdORUQ=␛\\"
        # The error is said once, in the notice under the reply; the status line says the
        # reply failed. Every wait is for the whole text: a frame can be read half-drawn.
        screen = app.wait_for_text(
            lambda text: drawn in text and "reply failed" in text.splitlines()[-2]
        )
        out = app.output
    notice = line_with(screen, "X1Y2")
    summary = assert_no_raw(out)
    observe(
        AREA,
        "ESC]52, ESC]0, C1 and markup in a 400 error body: the error notice (TUI, pty bytes)",
        f"the notice shows `{notice}`; {summary}",
    )


def test_model_ids_listed_by_the_api_in_settings(tmp_path, hostile_fake, observe):
    with tui(tmp_path, hostile_fake) as app:
        app.press("f8")
        app.wait_for_text("models from the API")
        app.press("tab", "enter")  # to the model list, and open it
        expected = (
            "M0D3L ␛]52;c;UFdORUQ=␛\\ ␛]0;PWNED-TITLE␛\\",
            "M1D3L ⟨U+009B⟩2J ⟨U+009D⟩0;C1-TITLE⟨U+009C⟩",
            "[@click=app.quit]Q[/]",  # M1D3L's end, wrapped: text, not parsed as markup
        )
        opened = app.wait_for_text(lambda text: all(part in text for part in expected))
        listed = [line_with(opened, "M0D3L"), line_with(opened, "M1D3L")]
        # The catalogue's five models come first, then the ids it does not know: a hostile one.
        app.press("down", "down", "down", "down", "down", "enter")
        screen = app.wait_for_text(f"Not a valid model id: {expected[0]}")
        refused = line_with(screen, "Not a valid model id")
        out = app.output
    summary = assert_no_raw(out)
    observe(
        AREA,
        "ESC]52, ESC]0, C1 and markup in model ids from GET /v1/models: the F8 model list",
        f"listed as `{listed[0]}` and `{listed[1]}`; picking one: `{refused}`; {summary}",
    )


def test_a_stored_session_model_in_the_status_line_and_f4(tmp_path, hostile_fake, observe):
    import_hostile_session(tmp_path, hostile_fake)
    hostile_fake.queue(Scenario(content="ANSWER-OK-7"))
    with tui(tmp_path, hostile_fake, "-c") as app:
        screen = app.wait_for_text(
            lambda text: (
                "This session's stored model (S3SS ␛]52;c;UFdORUQ=" in text
                and text.splitlines()[-2].strip().startswith(f"{DEFAULT_MODEL} · thinking on")
            )
        )
        notice = line_with(screen, "This session's stored model")
        status = screen.splitlines()[-2].strip()
        app.press("f4")
        screen = app.wait_for_text(" S3SS ␛]52;c;UFdORUQ=")  # the list's line, not the notice
        listed = line_with(screen, " S3SS ␛]52")
        app.press("escape")  # alone: what follows at once would read as Alt+key
        app.wait_for_text(lambda text: " S3SS ␛]52" not in text)
        app.write("again")
        app.press("enter")
        app.wait_for_text("ANSWER-OK-7")
        out = app.output
    sent = hostile_fake.chat_requests()[-1].body["model"]
    assert sent == DEFAULT_MODEL
    summary = assert_no_raw(out)
    observe(
        AREA,
        "ESC]52, ESC]0, C1 in an imported session's model: status line, notice, F4 list, request",
        f"status line `{status[:30]}`; notice `{notice}`; F4 shows `{listed}`; "
        f"the request used {sent}; {summary}",
    )


def test_an_imported_title_in_the_rename_dialog(tmp_path, hostile_fake, observe):
    import_hostile_session(tmp_path, hostile_fake, title="T1TLE \x1b]52;c;UFdORUQ=\x07 \x9b2J")
    with tui(tmp_path, hostile_fake, "-c") as app:
        app.press("f4")
        app.wait_for_text(" S3SS ␛]52;c;UFdORUQ=")
        app.write("r")
        shown = "T1TLE ␛]52;c;UFdORUQ=␇ ⟨U+009B⟩2J"
        screen = app.wait_for_text(lambda text: shown in text.partition("Rename session")[2])
        out = app.output
    field = line_with(screen.partition("Rename session")[2], shown)  # below the dialog's title
    summary = assert_no_raw(out)
    observe(
        AREA,
        "ESC]52 and C1 in an imported session's title: the rename dialog's prefilled field",
        f"the field shows `{field}`; {summary}",
    )


def test_toast_with_a_hostile_key_from_tools_toml(tmp_path, hostile_fake, observe):
    config = tmp_path / "config" / "mimo-tui"
    config.mkdir(parents=True)
    (config / "tools.toml").write_text(
        '[tools.echo]\ncommand = ["cat"]\n'
        '"T00L \\u001b]52;c;UFdORUQ=\\u001b\\\\ \\u009d0;C1\\u009c" = 1\n',
        encoding="utf-8",
    )
    with tui(tmp_path, hostile_fake) as app:
        # The toast wraps where the temporary path's length puts it: each part on its own.
        screen = app.wait_for_text(
            lambda text: all(
                part in text for part in ("Tool not loaded", "T00L", "␛]52;c;UFdORUQ=")
            )
        )
        out = app.output
    toast = [line_with(screen, "T00L")]
    summary = assert_no_raw(out)
    observe(
        AREA,
        "ESC]52 and C1 in a tools.toml key: the start-up toast (TUI, pty bytes)",
        f"the toast shows `{toast[0]}`; {summary}",
    )


def test_a_theme_variable_that_is_css_with_escapes_is_refused(tmp_path, hostile_fake, observe):
    """A user theme whose variable ends its declaration and carries ESC]52 and C1, chosen
    with --theme: the theme is not loaded (a toast names it), the app runs on the default,
    and none of the payload reaches the terminal."""
    themes = tmp_path / "config" / "mimo-tui" / "themes"
    themes.mkdir(parents=True)
    (themes / "evil.toml").write_text(
        'name = "evil"\nprimary = "#00ff00"\n[variables]\n'
        '"reasoning-foreground" = "red; zz: \\"\\u001b]52;c;UFdORUQ=\\u0007 \\u009d0;C1\\""\n',
        encoding="utf-8",
    )
    with tui(tmp_path, hostile_fake, "--theme", "evil") as app:
        screen = app.wait_for_text(lambda text: "Theme not loaded" in text and "evil" in text)
        app.write("still here")
        app.wait_for_text("still here")
        out = app.output
    summary = assert_no_raw(out)
    observe(
        AREA,
        "CSS, ESC]52 and C1 in a user theme's variable, chosen with --theme (TUI, pty bytes)",
        f"the toast says `{line_with(screen, 'Theme not loaded')}`; the app runs on and "
        f"takes input; {summary}",
    )


def test_sessions_list_and_ask_on_a_terminal(tmp_path, hostile_fake, observe):
    import_hostile_session(tmp_path, hostile_fake)
    env = cli_env(tmp_path, hostile_fake)
    listed, code = run_on_pty(["sessions", "list"], env)
    assert code == 0 and b"IMPORTED-T" in listed and b"S3SS " + OSC52_SHOWN in listed
    listed_summary = assert_no_raw(listed)
    hostile_fake.queue(Scenario(content="ASK-OK-9"))
    resumed, resumed_code = run_on_pty(["ask", "-c", "hi"], env)
    assert resumed_code == 0 and b"ASK-OK-9" in resumed
    resumed_model = hostile_fake.chat_requests()[-1].body["model"]
    assert resumed_model == DEFAULT_MODEL
    assert b"S3SS " + OSC52_SHOWN in resumed
    resumed_summary = assert_no_raw(resumed)
    hostile_fake.queue("http_400_hostile")
    failed, failed_code = run_on_pty(["ask", "hi"], env)
    assert failed_code == 1 and b"X1Y2 " + OSC52_SHOWN in failed
    failed_summary = assert_no_raw(failed)
    observe(
        AREA,
        "an imported session's hostile model in `mimo-tui sessions list` on a terminal",
        f"printed `{shown(listed, b'S3SS', 40)}`; {listed_summary}",
    )
    observe(
        AREA,
        "the same session resumed by `mimo-tui ask -c` on a terminal",
        f"printed `{shown(resumed, b'mimo-tui: This', 70)}`; the request used "
        f"{resumed_model}; {resumed_summary}",
    )
    observe(
        AREA,
        "ESC]52, ESC]0, C1 in a 400 error body: `mimo-tui ask` on a terminal",
        f"exit {failed_code}; printed `{shown(failed, b'X1Y2', 40)}`; {failed_summary}",
    )


def _stored_reply(tmp_path) -> tuple[str, str]:
    """The reply's status and text as written (read raw: opening a Store would tidy orphans)."""
    db = sqlite3.connect(cli_paths(tmp_path).store_file)
    try:
        status, content = db.execute(
            "SELECT status, content FROM messages WHERE role = 'assistant'"
        ).fetchone()
    finally:
        db.close()
    return status, content


@pytest.mark.parametrize(
    "controlling", [True, False], ids=["SIGHUP (window closed)", "no SIGHUP, tty gone"]
)
def test_the_tui_exits_when_its_terminal_goes(tmp_path, fake, controlling, observe):
    words = " ".join(f"w{i}" for i in range(600))
    fake.queue(Scenario(content=words, delay_s=0.05))  # ~30 s of streaming
    app = PtyApp([], cli_env(tmp_path, fake), controlling=controlling)
    try:
        app.wait_for(b"Sessions")
        app.write("hi")
        app.press("enter")
        app.wait_for(b"w12 ")
        app.hang_up()
        try:
            code = app.wait_exit(timeout=20)
        except subprocess.TimeoutExpired:
            code = None
    finally:
        app.close()
    status, content = _stored_reply(tmp_path)
    assert code == 129, code
    assert status == "interrupted" and content.startswith("w0 w1 w2") and len(content) < len(words)
    observe(
        "Crashes and concurrency",
        "the terminal closes while a reply streams "
        + ("(SIGHUP)" if controlling else "(no SIGHUP reaches the app; the tty hangs up)"),
        f"the app exited with {code}; the store keeps the reply's first {len(content)} of "
        f"{len(words)} characters, marked {status}",
    )


def test_config_text_in_mimo_tui_config_on_a_terminal(tmp_path, observe):
    config = tmp_path / "config" / "mimo-tui"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(
        'system_prompt = "P0MPT \\u001b]52;c;UFdORUQ=\\u0007 \\u009b2J"\n', encoding="utf-8"
    )
    out, code = run_on_pty(["config"], cli_env(tmp_path, None))
    assert code == 0 and b"P0MPT " + OSC52_SHOWN in out
    summary = assert_no_raw(out)
    observe(
        AREA,
        "ESC]52 and C1 in a config.toml string: `mimo-tui config` on a terminal",
        f"printed `{shown(out, b'P0MPT', 30)}`; {summary}",
    )


def test_web_sources_in_the_sources_panel(tmp_path, hostile_fake, observe):
    """Web search results are the web's text: their titles, sites and URLs reach the Sources
    panel under the reply made visible, never as raw escapes."""
    hostile_fake.search_results = [
        {
            "type": "url_citation",
            "url_citation": {
                "url": "https://src.test/\x1b]52;c;UFdORUQ=\x1b\\",
                "title": "SRC1 \x1b]52;c;UFdORUQ=\x1b\\ \x1b]0;PWNED-TITLE\x1b\\ \x9b2J",
            },
            "site_name": "S1TE \x9d0;C1-TITLE\x9c [b]B[/b]",
        }
    ]
    with tui(tmp_path, hostile_fake, "--web-search") as app:
        app.write("news")
        app.press("enter")
        screen = app.wait_for_text(lambda text: "SRC1" in text and "S1TE" in text)
        out = app.output
    source = line_with(screen, "SRC1")
    summary = assert_no_raw(out)
    observe(
        AREA,
        "ESC]52, ESC]0, C1 and markup in a web source's title, site and URL: the Sources panel",
        f"the panel shows `{source[:90]}`; {summary}",
    )


def test_an_imported_compaction_summary_unfolded(tmp_path, hostile_fake, observe):
    """A compaction summary is model text, and an imported one is a file's: unfolded at its
    marker it is drawn visibly, never as raw escapes or markup."""
    import json

    from mimo_tui.transcript_json import FORMAT, VERSION

    summary = "SUMM4RY \x1b]52;c;UFdORUQ=\x07 \x1b]0;PWNED\x07 \x9b2J [b]B[/b]"
    import_file(
        tmp_path,
        hostile_fake,
        json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "session": {"title": "COMPACTED", "model": DEFAULT_MODEL, "settings": {}},
                "messages": [
                    {"id": 1, "role": "user", "content": "first question"},
                    {"id": 2, "role": "assistant", "content": "first answer", "status": "complete"},
                    {"id": 3, "role": "user", "content": "second question"},
                    {"id": 4, "role": "assistant", "content": "LAST answer", "status": "complete"},
                ],
                "compactions": [{"before_id": 3, "summary": summary, "covered": 2, "active": True}],
            }
        ),
    )
    with tui(tmp_path, hostile_fake, "-c") as app:
        app.wait_for_text("Enter unfolds")
        # Up steps to the last reply, the question above it, then the marker; each step is
        # seen in the footer before the next key (a key sent earlier goes to the old focus).
        footer = [lambda s: "Regenerate" in s, lambda s: "Regenerate" not in s]
        footer.append(lambda s: "Undo compaction" in s)
        for seen in footer:
            app.press("up")
            app.wait_for_text(lambda text, seen=seen: seen(text.rstrip().rsplit("\n", 1)[-1]))
        app.press("enter")
        screen = app.wait_for_text("SUMM4RY")
        out = app.output
    unfolded = line_with(screen, "SUMM4RY")
    assert "␛]52;c;UFdORUQ=" in unfolded and "[b]B[/b]" in unfolded, unfolded
    summary_bytes = assert_no_raw(out)
    observe(
        AREA,
        "ESC]52, ESC]0, C1 and markup in an imported compaction summary: its marker unfolded",
        f"the marker shows `{unfolded[:80]}`; {summary_bytes}",
    )


def test_a_hostile_kept_lines_file_on_reopening_a_session(tmp_path, hostile_fake, observe):
    """The lines kept at exit for the next `-c` (ui/widgets/kept_lines.py) are a file like
    any other: planted escape sequences in it never reach the terminal."""
    from benchmarks.common import seed_long_session
    from mimo_tui.store import Store

    store = Store(cli_paths(tmp_path).store_file)
    seed_long_session(store, 40)
    kept = store.kept_lines_file
    store.close()
    assert kept is not None
    with tui(tmp_path, hostile_fake, "-c") as app:
        app.wait_for_text("first point about")
        app.press("ctrl+q")
        app.wait_exit()
    data = json.loads(kept.read_text(encoding="utf-8"))
    payload = "\x1b]52;c;UFdORUQ=\x07\x1b]0;PWNED\x07\x9b2J"
    for reply in data["replies"]:  # each line keeps its width: the payload is no cells wide,
        for line in reply["lines"]:  # its printable part takes the padding's place
            shown = sum(c.isprintable() for c in payload)
            if line[-2].endswith(" " * shown):
                line[-2] = line[-2][: len(line[-2]) - shown]
                line[0] += payload
    kept.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with tui(tmp_path, hostile_fake, "-c") as app:
        screen = app.wait_for_text("first point about")
        out = app.output
    assert "␛]52" not in screen  # not even shown made visible: the file was not used
    summary = assert_no_raw(out)
    observe(
        AREA,
        "ESC]52, ESC]0, C1 planted in every line of the kept-lines file, then `-c`",
        f"the file is not used: the newest reply is drawn from the store "
        f"(`{line_with(screen, 'first point about').strip()}`); {summary}",
    )
