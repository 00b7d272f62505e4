"""The palette's Screenshot on an account without a downloads folder, as a person runs it."""

from __future__ import annotations

import pytest

from tests.test_tui_compact import palette
from tests.tui_helpers import make_app, wait_until


@pytest.mark.parametrize("has_downloads", [True, False])
async def test_the_palette_screenshot_is_saved_and_says_where(
    settings, paths, tmp_path, monkeypatch, has_downloads
):
    """Textual saves to ~/Downloads and, without one, only said "Failed to save
    screenshot"; the home folder takes it then."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    folder = home / "Downloads" if has_downloads else home
    folder.mkdir(exist_ok=True)
    app, runtime = make_app(settings, paths)
    async with app.run_test(size=(100, 30)) as pilot:
        await palette(pilot, "Screenshot")
        await wait_until(pilot, lambda: any(folder.glob("*.svg")))
        await wait_until(
            pilot, lambda: any("Saved screenshot" in str(n.message) for n in app._notifications)
        )
        notes = [str(n.message) for n in app._notifications]
        assert not any("Failed" in note for note in notes)
        assert any(str(folder) in note for note in notes)
        (svg,) = folder.glob("*.svg")
        assert "<svg" in svg.read_text()
    runtime.close()
