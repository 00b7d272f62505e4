"""The scenes the README's screenshots and the snapshot tests both show, as Pilot steps.

One definition per scene so `scripts/screenshots.py` and `tests/test_snapshots*.py` cannot
drift apart: each step takes a running app's pilot and leaves the screen ready to be taken.
"""

from __future__ import annotations

from mimo_tui.fake.seed import sample_approval
from mimo_tui.model import Message
from mimo_tui.tool_runner import ApprovalRequest
from mimo_tui.tools import BUILTINS
from mimo_tui.ui.widgets.approval import ApprovalScreen
from tests.tui_helpers import wait_until


async def reasoning_open(pilot) -> None:
    await pilot.press("ctrl+r")


async def inspector_open(pilot) -> None:
    await pilot.press("f3")


async def sessions_open(pilot) -> None:
    await pilot.press("f4")


async def search_open(pilot) -> None:
    """Ctrl+F, then a word the seeded sessions contain: the hits are listed as it is typed."""
    await pilot.press("ctrl+f")
    await pilot.pause()
    pilot.app.screen.query_one("#query").cursor_blink = False
    await pilot.press(*"greeting")
    await pilot.pause()


async def approval(pilot) -> None:
    record, pretty = sample_approval()
    pilot.app.push_screen(ApprovalScreen(ApprovalRequest(record, BUILTINS["read_file"], pretty)))


async def help_open(pilot) -> None:
    await pilot.press("f1")


async def settings_open(pilot) -> None:
    """F8, once the model list request (refused: no server there) has settled."""
    await pilot.press("f8")
    await pilot.pause()
    hint = pilot.app.screen.query_one("#models-hint")
    await wait_until(pilot, lambda: "Loading" not in str(hint.render()))


async def nothing(pilot) -> None:
    """The screen as it opens (the meter: the status line and each reply's stats line)."""


async def attachments_shown(pilot) -> None:
    """A question sent with a photo (its attachment line, the model's answer) and a second
    file waiting as a chip above the input."""
    from mimo_tui import attachments
    from mimo_tui.pixels import thumbnail  # noqa: F401  (the preview's decoder: PNG)
    from tests.media_helpers import png

    app = pilot.app
    store = app.screen.runtime.store
    session_id = app.screen.session_id
    photo, data = attachments.from_bytes(png(1280, 960, (40, 90, 200)), "street-photo.png")
    store.blobs.put(photo.sha256, data)
    store.add_message(
        session_id,
        Message(role="user", content="What colour is the car?", attachments=(photo,)),
    )
    store.add_message(
        session_id,
        Message(
            role="assistant",
            content="The car in the photo is **blue**, parked at the kerb on the left.",
            model="mimo-v2.5",
        ),
    )
    await app.screen.load_session(session_id)
    clip, clip_data = attachments.from_bytes(png(640, 480), "dashboard.png")
    await app.screen.attach.attachment_bar.add(clip, clip_data)
    app.screen.query_one("PromptInput").text = "and this one?"
    await pilot.pause(0.05)


async def sources_shown(pilot) -> None:
    """A web-search reply: `[n]` references in the answer and its numbered Sources panel."""
    app = pilot.app
    store = app.screen.runtime.store
    session_id = app.screen.session_id
    store.add_message(session_id, Message(role="user", content="latest news about MiMo"))
    reply = store.add_message(session_id, Message(role="assistant", model="mimo-v2.5-pro"))
    reply.content = (
        "Xiaomi released the **MiMo V2.5** family with a 1M-token context [1], and the "
        "open-weight models are on Hugging Face [2]. The API adds built-in web search, "
        "billed per search [3]."
    )
    reply.sources = [
        {
            "type": "url_citation",
            "url_citation": {"url": url, "title": title, "start_index": 0, "end_index": 0},
            "site_name": site,
        }
        for url, title, site in (
            ("https://news.example.org/mimo-v2-5", "MiMo V2.5: longer context", "news.example.org"),
            ("https://models.example.org/XiaomiMiMo", "XiaomiMiMo weights", "models.example.org"),
            ("https://docs.example.org/mimo/web-search", "Web search plugin", "docs.example.org"),
        )
    ]
    store.update_message(reply)
    await app.screen.load_session(session_id)
    await pilot.pause(0.05)
