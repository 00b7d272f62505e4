"""Contracts with the private parts of Textual, Rich, openai and mcp that mimo-tui still uses.

Each of these is a name a library does not promise to keep. Where it is used, the code says
why; here each one is checked the way the code uses it, so an upgrade that renames or changes
it fails this file by name instead of breaking the app quietly (a cache never freed, keys
shown unbound, a word wrap that disagrees with Rich's, paste or Enter handled by TextArea).
"""

from __future__ import annotations

import inspect

import pytest


def test_textual_styles_cache_get_inner_outer_is_an_lru_cache():
    """ui/memory.py clears it when a turn ends: its keys hold removed widgets' strips."""
    from textual._styles_cache import StylesCache

    from mimo_tui.ui.memory import release_render_caches

    assert callable(StylesCache.get_inner_outer.cache_clear)
    assert hasattr(StylesCache.get_inner_outer, "cache_info")
    release_render_caches()
    assert StylesCache.get_inner_outer.cache_info().currsize == 0


def test_textual_app_keeps_the_keymap_set_by_set_keymap():
    """ui/keymap.keymap_of reads App._keymap (no public getter) to show rebound keys."""
    from textual.app import App

    from mimo_tui.ui.keymap import keymap_of

    app = App()
    app.set_keymap({"chat.search": "ctrl+k"})
    assert keymap_of(app) == {"chat.search": "ctrl+k"}


def test_textual_text_area_handles_keys_and_pastes_in_private_hooks():
    """PromptInput overrides TextArea._on_key / _on_paste (Enter sends, pasted paths attach)
    and calls the base class's for the rest: both must still be TextArea's handlers."""
    from textual.widgets import TextArea

    from mimo_tui.ui.widgets.prompt_input import PromptInput

    for name in ("_on_key", "_on_paste"):
        base = getattr(TextArea, name)
        assert inspect.iscoroutinefunction(base), name
        assert list(inspect.signature(base).parameters) == ["self", "event"], name
        assert getattr(PromptInput, name) is not base, name


def test_rich_divide_line_gives_the_offsets_text_wrap_uses():
    """ui/widgets/reasoning.py wraps plain strings with Rich's own divide_line, so reasoning
    folds exactly as Rich's Text.wrap would."""
    from rich._wrap import divide_line
    from rich.text import Text

    text = "the quick brown fox jumps over the lazy dog 長い中文の行です"
    for width in (5, 9, 16):
        offsets = divide_line(text, width, fold=True)
        pieces = Text(text).divide(offsets)
        wrapped = Text(text).wrap(_console(), width)
        assert [p.plain.rstrip() for p in pieces] == [w.plain.rstrip() for w in wrapped]


def _console():
    from rich.console import Console

    return Console(width=80, legacy_windows=False)


def test_rich_markdown_list_items_keep_their_elements_in_renderables():
    """md_elements.DocListItem reads ListItem.elements._renderables to draw `[ ]` tasks as
    boxes: a task list must still render with the boxes."""
    from rich.markdown import ListItem, Paragraph

    from mimo_tui.ui.widgets.markdown_render import markdown

    item = ListItem()
    item.on_child_close(None, Paragraph(justify="left"))  # type: ignore[arg-type]
    assert isinstance(item.elements._renderables[0], Paragraph)
    console = _console()
    with console.capture() as out:
        console.print(markdown("- [ ] write the test\n- [x] run it\n"))
    assert "☐ write the test" in out.get() and "☑ run it" in out.get()


def test_openai_generic_post_streams_raw_chunks():
    """client._post_streaming uses the SDK's generic `post` (cast_to=object, stream_cls,
    options) to skip building a pydantic model per chunk."""
    import openai

    params = inspect.signature(openai.AsyncOpenAI.post).parameters
    assert {"cast_to", "body", "options", "stream", "stream_cls"} <= set(params)
    assert openai.AsyncStream[object] is not None
    assert issubclass(openai.DefaultAsyncHttpxClient, object)


def test_mcp_http_client_factory():
    """mcp_hub builds the Streamable HTTP client with mcp's own factory (its defaults for
    timeouts and redirects), from a private module."""
    pytest.importorskip("mcp")
    from mcp.shared._httpx_utils import create_mcp_http_client

    params = inspect.signature(create_mcp_http_client).parameters
    assert "headers" in params


def test_textual_serve_server_builds_its_app_in_make_app():
    """ui/serve.py replaces Server._make_app (the routes, with our guarded handlers)."""
    pytest.importorskip("textual_serve")
    from textual_serve.server import Server

    from mimo_tui.ui.serve import MimoServer

    assert inspect.iscoroutinefunction(Server._make_app)
    assert MimoServer._make_app is not Server._make_app
