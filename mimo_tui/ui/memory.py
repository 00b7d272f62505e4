"""Textual caches that outlive the widgets they were made for, and how we let them go."""

from __future__ import annotations


def release_render_caches() -> None:
    """Let removed widgets' rendered lines go (call when a turn ends).

    Textual's StylesCache.get_inner_outer is an lru_cache(1024) on an instance method, so its
    keys hold up to 1,024 StylesCache objects - each with the strips of a widget that may have
    been removed long ago. The cached values are two colours, cheap to compute again.
    """
    from textual._styles_cache import StylesCache

    StylesCache.get_inner_outer.cache_clear()
