"""Textual's Footer, without the leak that grew memory with every turn, recomposed once per
refresh however many binding changes came before it.

Each FooterKey binds `compact` to its Footer (`data_bind`), which registers a watcher on the
Footer. The Footer recomposes its keys whenever the bindings change (focus moves, a turn
starts or ends), but dead keys leave the watcher list only when `compact` itself changes —
which it never does. So every recompose kept the old keys, their styles and their rendered
strips alive: some 0.5 MB per turn (measured with the memory benchmark). Before composing
new keys, this Footer drops the watchers of keys that are gone, as Textual would on a change.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    _recompose_due = False

    def bindings_changed(self, screen: Screen) -> None:
        """Recompose once for any number of binding changes before the next refresh.

        Textual schedules a full recompose (every key a new widget) per change; at start-up
        that was 49 recomposes before the first frame.
        """
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._recompose_due:
            self._recompose_due = True
            self.call_after_refresh(self._recompose_once)

    async def _recompose_once(self) -> None:
        self._recompose_due = False
        await self.recompose()

    def compose(self) -> ComposeResult:
        watchers = getattr(self, "__watchers", {})
        for entries in watchers.values():
            entries[:] = [
                (node, callback)
                for node, callback in entries
                if not (getattr(node, "_closing", False) or getattr(node, "_closed", False))
            ]
        yield from super().compose()

    @property
    def watcher_count(self) -> int:
        """Watchers registered on this footer (a test checks they do not pile up)."""
        return sum(len(entries) for entries in getattr(self, "__watchers", {}).values())


def release_render_caches() -> None:
    """Let removed widgets' rendered lines go (call when a turn ends).

    Textual's StylesCache.get_inner_outer is an lru_cache(1024) on an instance method, so its
    keys hold up to 1,024 StylesCache objects - each with the strips of a widget that may have
    been removed long ago. The cached values are two colours, cheap to compute again.
    """
    from textual._styles_cache import StylesCache

    StylesCache.get_inner_outer.cache_clear()
