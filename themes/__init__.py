"""The bundled themes: one TOML file per theme, shipped in the wheel as `mimo_tui.themes`."""
