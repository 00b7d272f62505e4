"""Bad files: a clear message naming the file (and line), defaults where safe, nothing
overwritten, the damaged store kept aside - through the real CLI."""

from __future__ import annotations

import subprocess

from mimo_tui.ui.themes import load_themes
from tests.conftest import PYTHON, cli_env, cli_paths


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
    observe(
        "Bad files",
        "a corrupt store (random bytes)",
        f"“{result.stderr.strip().splitlines()[0]}” — the reply still works in a fresh store",
    )


def test_a_truncated_store_is_kept_aside(tmp_path, fake, observe):
    paths = cli_paths(tmp_path)
    _make_store(tmp_path, fake)
    for extra in paths.data_dir.glob("*-wal"):
        extra.unlink()
    data = paths.store_file.read_bytes()
    paths.store_file.write_bytes(data[: len(data) // 3])
    fake.queue("text")
    result = mimo(tmp_path, fake, "ask", "hi")
    assert result.returncode == 0, result.stderr
    assert list(paths.data_dir.glob("*.corrupt-*")), result.stderr
    observe(
        "Bad files",
        "a truncated store (a third of the file)",
        "kept aside with a timestamp, never deleted; a fresh store is started and said so",
    )


def test_an_invalid_config_names_the_file_and_line_and_is_not_overwritten(tmp_path, fake, observe):
    paths = cli_paths(tmp_path)
    paths.config_file.parent.mkdir(parents=True)
    text = 'model = "mimo-v2.5-pro"\ntemperature = \n'
    paths.config_file.write_text(text)
    result = mimo(tmp_path, fake, "ask", "hi")
    assert result.returncode == 2
    assert str(paths.config_file) in result.stderr and "line 2" in result.stderr
    assert "Traceback" not in result.stderr and paths.config_file.read_text() == text
    observe("Bad files", "config.toml that is not valid TOML", f"exit 2: “{result.stderr.strip()}”")

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
    assert result.returncode == 0
    assert "good" in result.stdout and "[tools.bad]" not in result.stdout
    assert str(paths.tools_file) in result.stderr and "bad" in result.stderr
    observe("Bad files", "tools.toml with one bad tool", f"“{result.stderr.strip()}”; others load")

    paths.tools_file.write_text("[tools.x\n")
    result = mimo(tmp_path, fake, "tools")
    assert str(paths.tools_file) in result.stderr and "line 1" in result.stderr
    observe("Bad files", "tools.toml that is not valid TOML", f"“{result.stderr.strip()}”")


def test_bad_theme_files_are_named_and_skipped(tmp_path, observe):
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "syntax.toml").write_text("name = \n")
    (folder / "colour.toml").write_text('name = "c"\nprimary = "not-a-colour"\n')
    themes, problems = load_themes(folder)
    assert {"mimo-dark", "mimo-light"} <= {t.name for t in themes}
    assert any("syntax.toml" in p and "line 1" in p for p in problems)
    assert any("colour.toml" in p for p in problems)
    observe(
        "Bad files",
        "a user theme with a TOML error / a bad colour",
        " · ".join(f"“{p}”" for p in problems) + " — the app starts with the other themes",
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
    listed = mimo(tmp_path, fake, "sessions", "list", "--json")
    assert len(__import__("json").loads(listed.stdout)) == 1  # nothing half-imported
    assert paths.store_file.exists()
    observe(
        "Bad files",
        "an import file that is cut off / has a wrong field",
        f"“{result.stderr.strip()}” · “{result2.stderr.strip()}” — nothing is written",
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
