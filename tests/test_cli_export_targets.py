"""`mimo-tui sessions export -o` to what is not a plain new file: a symlink is written
through, `-` is stdout, a terminal, a pipe or a device is written to (its errors said).

The devices are reached through a symlink in tmp_path (`out -> /proc/self/fd/1`,
`full -> /dev/full`): the path written through is the same, and a build that renamed over
the target (the bug these tests catch) replaces only that link, never /dev/full itself,
even when the tests run as root.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mimo_tui import attachments
from mimo_tui.fake.seed import seed_conversation
from mimo_tui.model import Message
from mimo_tui.store import Store
from tests.conftest import cli_paths
from tests.media_helpers import png
from tests.test_cli import mimo


def seeded(tmp_path: Path, with_image: bool = False) -> str:
    store = Store(cli_paths(tmp_path).store_file)
    sid = seed_conversation(store)
    if with_image:
        image, data = attachments.from_bytes(png(4, 3), "car.png")
        store.blobs.put(image.sha256, data)
        store.add_message(sid, Message("user", "and this?", attachments=(image,)))
    store.close()
    return sid


def leftovers(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_symlinked_export_replaces_the_file_it_points_to_and_stays_a_link(tmp_path):
    seeded(tmp_path)
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "chat.md"
    target.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    result = mimo(tmp_path, None, "sessions", "export", "last", "-o", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and link.resolve() == target
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Show me a greeting function")
    assert f"wrote {link} (md, {len(text)} characters)" in result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # an export is owner-only
    assert leftovers(tmp_path, dotfiles) == []


def test_dash_and_dev_stdout_write_the_export_to_stdout(tmp_path):
    """`-o -` is stdout (no file named `-`); `-o /dev/stdout` (here a pipe) gets the export."""
    seeded(tmp_path)
    plain = mimo(tmp_path, None, "sessions", "export", "last").stdout
    assert plain.startswith("# Show me a greeting function")
    dash = mimo(tmp_path, None, "sessions", "export", "last", "-o", "-", cwd=tmp_path)
    assert dash.returncode == 0 and dash.stdout == plain
    assert not (tmp_path / "-").exists() and "wrote" not in dash.stderr
    out = tmp_path / "out"
    out.symlink_to("/proc/self/fd/1")
    piped = mimo(tmp_path, None, "sessions", "export", "last", "--format", "json", "-o", out)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith("{\n") and '"format": "mimo-tui.session"' in piped.stdout
    assert f"wrote {out} (json, {len(piped.stdout)} characters)" in piped.stderr
    assert out.is_symlink() and os.readlink(out) == "/proc/self/fd/1"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_device_is_an_error_not_a_success(tmp_path):
    seeded(tmp_path)
    full = tmp_path / "full"
    full.symlink_to("/dev/full")
    result = mimo(tmp_path, None, "sessions", "export", "last", "-o", full)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == f"mimo-tui: Could not write {full}: No space left on device\n"
    assert full.is_symlink() and stat.S_ISCHR(full.stat().st_mode)


def test_markdown_to_stdout_says_the_attachments_were_not_written(tmp_path):
    """There is no folder beside a pipe: none is made (`out.files`, `-.files`), and stderr
    says what was left out and how to keep it."""
    seeded(tmp_path, with_image=True)
    out = tmp_path / "out"
    out.symlink_to("/proc/self/fd/1")
    note = "1 attachment file(s) linked but not written"
    for target in (out, "-"):
        result = mimo(tmp_path, None, "sessions", "export", "last", "-o", target, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "## You\n\nand this?" in result.stdout and note in result.stderr
    assert not list(tmp_path.glob("*.files"))
    file = mimo(tmp_path, None, "sessions", "export", "last", "-o", tmp_path / "chat.md")
    assert note not in file.stderr and len(list((tmp_path / "chat.files").iterdir())) == 1


def copy_name(tmp_path: Path) -> str:
    """The name a Markdown export gives the seeded picture's copy (anyone can predict it)."""
    probe = tmp_path / "probe"
    probe.mkdir()
    assert mimo(tmp_path, None, "sessions", "export", "last", "-o", probe / "c.md").returncode == 0
    (name,) = [p.name for p in (probe / "c.files").iterdir()]
    return name


def test_a_link_planted_in_the_attachment_folder_is_not_written_through(tmp_path):
    """`chat.files/<predictable name> -> victim`: the victim keeps its bytes, the export still
    succeeds, and stderr says which attachment was not copied and why."""
    seeded(tmp_path, with_image=True)
    name = copy_name(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    (tmp_path / "chat.files").mkdir()
    (tmp_path / "chat.files" / name).symlink_to(victim)
    result = mimo(tmp_path, None, "sessions", "export", "last", "-o", tmp_path / "chat.md")
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == "mine"
    assert (tmp_path / "chat.md").read_text().count(f"chat.files/{name}") == 1
    assert (
        f"mimo-tui: attachment car.png not written: chat.files/{name} is a symbolic link; "
        "nothing is written through it\n"
    ) in result.stderr
    assert (tmp_path / "chat.files" / name).is_symlink()
    assert leftovers(tmp_path / "chat.files") == []


def test_a_hard_link_in_the_attachment_folder_is_replaced_not_written_through(tmp_path):
    seeded(tmp_path, with_image=True)
    name = copy_name(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    (tmp_path / "chat.files").mkdir()
    os.link(victim, tmp_path / "chat.files" / name)
    result = mimo(tmp_path, None, "sessions", "export", "last", "-o", tmp_path / "chat.md")
    assert result.returncode == 0 and "not written" not in result.stderr, result.stderr
    assert victim.read_text() == "mine"
    copy = tmp_path / "chat.files" / name
    assert copy.read_bytes() == (tmp_path / "probe" / "c.files" / name).read_bytes()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600


def test_a_symlinked_attachment_folder_receives_nothing(tmp_path):
    seeded(tmp_path, with_image=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "chat.files").symlink_to(elsewhere)
    result = mimo(tmp_path, None, "sessions", "export", "last", "-o", tmp_path / "chat.md")
    assert result.returncode == 0, result.stderr
    assert list(elsewhere.iterdir()) == []
    assert (tmp_path / "chat.md").read_text().startswith("# Show me a greeting function")
    assert (
        "mimo-tui: attachment car.png not written: chat.files is a symbolic link; "
        "nothing is written through it\n"
    ) in result.stderr


def test_an_attachment_folder_of_another_user_is_refused(tmp_path, store, monkeypatch):
    """Not ours (here: our uid made to look like another's): nothing is copied into it."""
    from mimo_tui.transcript_media import write_files

    image, data = attachments.from_bytes(png(4, 3), "car.png")
    store.blobs.put(image.sha256, data)
    (tmp_path / "chat.files").mkdir()
    monkeypatch.setattr(os, "getuid", lambda: os.stat(tmp_path).st_uid + 1)
    result = write_files(
        store.blobs, [Message("user", "hi", attachments=(image,))], tmp_path / "chat.md"
    )
    assert result.written == 0 and list((tmp_path / "chat.files").iterdir()) == []
    assert [(s.name, s.reason) for s in result.skipped] == [
        ("car.png", "chat.files belongs to another user")
    ]
