"""Dates the way a list is scanned: `just now`, `12 min ago`, `2 h ago`, `yesterday`, `Mon`,
`3 May`, `2025-05-03` (pure: no Textual, `now` passed in so tests and pictures are fixed)."""

from __future__ import annotations

from datetime import datetime


def relative_time(ts: float, now: float) -> str:
    """`ts` relative to `now` (both Unix seconds), in at most 10 cells."""
    delta = now - ts
    if delta < 60:
        return "just now"
    if delta < 3600:
        return f"{int(delta // 60)} min ago"
    if delta < 86400:
        return f"{int(delta // 3600)} h ago"
    moment, today = datetime.fromtimestamp(ts), datetime.fromtimestamp(now)
    days = (today.date() - moment.date()).days
    if days <= 1:
        return "yesterday"
    if days < 7:
        return moment.strftime("%a")
    if moment.year == today.year:
        return f"{moment.day} {moment:%b}"
    return moment.strftime("%Y-%m-%d")
