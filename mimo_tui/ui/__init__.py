"""The Textual UI: a thin layer that renders the engine's events. No HTTP, no SQL here."""
