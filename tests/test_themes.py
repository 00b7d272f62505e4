"""User theme files as a user writes them: copies of the bundled ones, `code-theme`, names."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import mimo_tui.themes as bundled_themes
import pytest

from mimo_tui.ui.themes import load_themes
from tests.conftest import PYTHON, cli_env, cli_paths, run_python
from tests.tui_helpers import make_app, wait_until

BUNDLED = sorted(Path(bundled_themes.__file__).parent.glob("*.toml"))


def _copy_renamed(bundled: Path, folder: Path, name: str) -> None:
    """What README suggests for a theme of one's own: a bundled file, its name changed
    (`sed 's/name = "mimo-dark"/name = "my-theme"/'`)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = bundled.read_text(encoding="utf-8")
    old = f'name = "{bundled.stem}"'
    assert old in text
    (folder / f"{name}.toml").write_text(text.replace(old, f'name = "{name}"'), encoding="utf-8")


def themes_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "mimo_tui", "themes", *args],
        env=cli_env(tmp_path, None),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("bundled", BUNDLED, ids=lambda p: p.stem)
def test_a_renamed_copy_of_each_bundled_theme_loads_as_a_user_theme(tmp_path, bundled):
    folder = tmp_path / "themes"
    _copy_renamed(bundled, folder, "my-theme")
    themes, problems = load_themes(folder)
    assert problems == []
    by_name = {t.name: t for t in themes}
    assert by_name["my-theme"].variables == by_name[bundled.stem].variables


def test_themes_lists_every_renamed_copy_as_the_users_without_a_complaint(tmp_path):
    folder = cli_paths(tmp_path).themes_dir
    for bundled in BUNDLED:
        _copy_renamed(bundled, folder, f"my-{bundled.stem}")
    result = themes_cli(tmp_path, "--json")
    assert result.returncode == 0 and result.stderr == ""
    rows = {row["name"]: row["source"] for row in json.loads(result.stdout)}
    assert all(rows[f"my-{bundled.stem}"] == "user" for bundled in BUNDLED)


def test_loading_a_theme_with_a_code_theme_does_not_import_pygments(tmp_path):
    """Start-up loads the user's themes; Pygments (~6 ms) waits for the first code block."""
    folder = tmp_path / "themes"
    _copy_renamed(BUNDLED[0], folder, "my-theme")
    out = run_python(
        "import sys\nfrom pathlib import Path\nfrom mimo_tui.ui.themes import load_themes\n"
        f"themes, problems = load_themes(Path({str(folder)!r}))\n"
        "print(problems, 'my-theme' in {t.name for t in themes}, 'pygments' in sys.modules)\n",
        tmp_path,
        None,
    )
    assert out.split() == ["[]", "True", "False"]


def test_the_bundled_themes_name_pygments_styles_that_exist():
    from pygments.styles import get_style_by_name

    for theme in load_themes()[0]:
        if "code-theme" in (theme.variables or {}):
            get_style_by_name(theme.variables["code-theme"])  # ClassNotFound fails the test


def _theme_with_code_theme(folder: Path, name: str, code_theme: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.toml").write_text(
        f'name = "{name}"\nprimary = "#00AAFF"\n[variables]\ncode-theme = "{code_theme}"\n'
    )


def test_an_unknown_code_theme_is_named_and_the_theme_still_loads(tmp_path):
    folder = cli_paths(tmp_path).themes_dir
    _theme_with_code_theme(folder, "typo", "githib-dark")
    _theme_with_code_theme(folder, "notaname", "#fff")
    result = themes_cli(tmp_path)
    assert result.returncode == 0
    assert "typo " in result.stdout and "notaname" not in result.stdout
    [typo] = [line for line in result.stderr.splitlines() if "typo.toml" in line]
    assert "'githib-dark' is not a Pygments style" in typo
    [bad] = [line for line in result.stderr.splitlines() if "notaname.toml" in line]
    assert "'#fff' is not a Pygments style name" in bad


async def test_the_app_names_an_unknown_code_theme_once_it_has_drawn(settings, paths):
    _theme_with_code_theme(paths.themes_dir, "typo", "githib-dark")
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(110, 36)) as pilot:

        def said() -> list[str]:
            return [str(n.message) for n in app._notifications if "githib-dark" in str(n.message)]

        await wait_until(pilot, lambda: bool(said()))
        assert "typo.toml" in said()[0] and "not a Pygments style" in said()[0]
        assert "typo" in app.available_themes
    runtime.close()


def test_a_users_theme_named_like_a_bundled_one_replaces_it_and_is_listed_once(tmp_path):
    folder = cli_paths(tmp_path).themes_dir
    _copy_renamed(Path(bundled_themes.__file__).parent / "mimo-light.toml", folder, "mimo-dark")
    result = themes_cli(tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    [row] = [line for line in result.stdout.splitlines() if " mimo-dark " in line]
    assert row.split() == ["*", "mimo-dark", "light", "user", "(replaces", "the", "bundled", "one)"]
    rows = [
        r for r in json.loads(themes_cli(tmp_path, "--json").stdout) if r["name"] == "mimo-dark"
    ]
    assert rows == [
        {
            "name": "mimo-dark",
            "source": "user",
            "replaces": "mimo-tui",
            "dark": False,
            "current": True,
        }
    ]


async def test_the_app_uses_the_users_theme_over_a_bundled_one_of_the_same_name(settings, paths):
    _copy_renamed(
        Path(bundled_themes.__file__).parent / "mimo-light.toml", paths.themes_dir, "mimo-dark"
    )
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(110, 36)) as pilot:
        await pilot.pause()
        assert app.theme == "mimo-dark" and app.current_theme.dark is False
        assert "-light-mode" in app.classes
    runtime.close()


def test_two_user_files_with_one_theme_name_the_later_is_used_and_it_is_said(tmp_path):
    folder = tmp_path / "themes"
    _theme_with_code_theme(folder, "a", "default")
    (folder / "b.toml").write_text('name = "a"\nprimary = "#FF0000"\n')
    themes, problems = load_themes(folder)
    assert [t.primary for t in themes if t.name == "a"] == ["#FF0000"]
    assert len(problems) == 1 and "b.toml" in problems[0] and "a.toml" in problems[0]
