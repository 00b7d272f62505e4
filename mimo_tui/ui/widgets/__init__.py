"""Widgets of the chat screen; each owns its DEFAULT_CSS and its messages."""
