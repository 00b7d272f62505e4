"""`mimo-tui ask -a FILE`: a real process, the fake over HTTP checking the bytes that arrived."""

from __future__ import annotations

import hashlib
import subprocess

from mimo_tui.fake import FakeMimo
from mimo_tui.store import Store
from tests.conftest import PYTHON, cli_env, cli_paths
from tests.media_helpers import big_png, png, write


def mimo(tmp_path, fake, *args, input: bytes | None = None):
    return subprocess.run(
        [PYTHON, "-m", "mimo_tui", *args],
        env=cli_env(tmp_path, fake),
        input=input,
        capture_output=True,
        timeout=60,
    )


def test_ask_with_an_image_prints_the_answer_about_the_exact_bytes(tmp_path, fake: FakeMimo):
    image = png(32, 16)
    photo = write(tmp_path, "photo.png", image)
    result = mimo(tmp_path, fake, "ask", "-a", str(photo), "-m", "mimo-v2.5", "describe")
    assert result.returncode == 0, result.stderr
    sha = hashlib.sha256(image).hexdigest()
    assert f"user#1 image image/png bytes={len(image)} sha256={sha}" in result.stdout.decode()
    store = Store(cli_paths(tmp_path).store_file)
    (user, _) = store.messages(store.get_session("last").id)
    assert user.attachments[0][:4] == ("photo.png", "image/png", "image", len(image))
    assert (user.attachments[0].width, user.attachments[0].height) == (32, 16)
    store.close()


def test_ask_reads_an_attachment_from_stdin_with_its_type(tmp_path, fake: FakeMimo):
    image = png(5, 5)
    result = mimo(
        tmp_path,
        fake,
        "ask",
        "-a",
        "-",
        "--type",
        "image/png",
        "-m",
        "mimo-v2.5",
        "what is it?",
        input=image,
    )
    assert result.returncode == 0, result.stderr
    assert (
        f"bytes={len(image)} sha256={hashlib.sha256(image).hexdigest()}" in result.stdout.decode()
    )


def test_ask_refuses_a_text_only_model_with_a_suggestion_before_sending(tmp_path, fake: FakeMimo):
    photo = write(tmp_path, "photo.png", png())
    result = mimo(tmp_path, fake, "ask", "-a", str(photo), "describe")  # default mimo-v2.5-pro
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "mimo-v2.5-pro does not accept image input" in err and "(use -m " in err
    assert fake.chat_requests() == []
    store = Store(cli_paths(tmp_path).store_file)
    assert store.list_sessions() == []  # nothing saved either
    store.close()


def test_ask_refuses_a_12_mb_image_naming_the_file_and_the_limit(tmp_path, fake: FakeMimo):
    photo = write(tmp_path, "big.png", big_png(12 * 1024 * 1024))
    result = mimo(tmp_path, fake, "ask", "-a", str(photo), "-m", "mimo-v2.5", "describe")
    assert result.returncode == 2
    assert (
        "big.png: 12.0 MB is over the 10 MB limit for image attachments" in result.stderr.decode()
    )
    assert fake.chat_requests() == []


def test_a_file_name_that_is_not_utf8_is_attached_under_a_readable_name(tmp_path, fake):
    """A file whose name holds a byte that is not UTF-8 (a C1 byte, as Latin-1 names do):
    it is sent and kept, its name with U+FFFD for the byte; no traceback, nothing lost."""
    import os

    image = png(4, 4)
    raw = os.fsencode(str(tmp_path)) + b"/RAW\x9b31m.png"
    with open(raw, "wb") as fh:
        fh.write(image)
    result = mimo(tmp_path, fake, "ask", "-a", raw, "-m", "mimo-v2.5", "describe")
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    store = Store(cli_paths(tmp_path).store_file)
    (user, _) = store.messages(store.get_session("last").id)
    assert user.content == "describe" and user.attachments[0].name == "RAW\ufffd31m.png"
    store.close()
    missing = mimo(tmp_path, fake, "ask", "-a", str(tmp_path / "nope.png"), "hi")
    assert missing.returncode == 2
    assert f"{tmp_path / 'nope.png'}: cannot be read".encode() in missing.stderr


def test_type_without_an_attachment_it_can_name_is_an_error_not_ignored(tmp_path, fake):
    """--type names one attachment's type (stdin's, or a single file's); given with none, or
    with several files, it was silently dropped and the question sent without it."""
    alone = mimo(tmp_path, fake, "ask", "--type", "image/png", "what is it?")
    assert alone.returncode == 2
    assert "--type names the type of an attachment (-a)" in alone.stderr.decode()
    one, two = write(tmp_path, "a.png", png()), write(tmp_path, "b.png", png())
    several = mimo(
        tmp_path, fake, "ask", "-a", str(one), "-a", str(two), "--type", "image/png", "what?"
    )
    assert several.returncode == 2
    assert "--type applies to one attachment" in several.stderr.decode()
    assert fake.chat_requests() == []


def test_a_file_name_with_a_newline_is_one_line_in_the_refusal(tmp_path, fake: FakeMimo):
    """The name is the file's (any byte but / and NUL): its newline is shown as ␊, so the
    error stays one line that says which file and why."""
    notes = write(tmp_path, "bad\nname.txt", b"some notes")
    result = mimo(tmp_path, fake, "ask", "-a", str(notes), "hi")
    assert result.returncode == 2
    assert result.stderr.decode().startswith("mimo-tui ask: bad␊name.txt: unknown file type;")
    assert result.stderr.decode().count("\n") == 1
