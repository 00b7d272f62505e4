"""While the SDK retries a 429 or 5xx the user is told so, not just 'waiting'; a reply that
fails says its error once, in full, with the key that retries (F5)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from mimo_tui.fake.scenarios import scenario
from mimo_tui.ui.widgets.conversation import Notice
from mimo_tui.ui.widgets.status import StatusLine
from mimo_tui.ui.widgets.stored_reply import StoredReply
from tests.tui_helpers import make_app, screen_lines, send, wait_until


def status_text(app) -> str:
    return str(app.screen.query_one(StatusLine).render())


@pytest.mark.parametrize(
    ("first", "said"),
    [
        (scenario("http_429", retry_after="1"), "rate limited (429), retrying in "),
        (scenario("http_503", retry_after="1"), "server error 503, retrying in "),
    ],
)
async def test_the_status_line_says_the_sdk_is_retrying(settings, paths, fake, first, said):
    fake.queue(first, "text")
    app, runtime = make_app(replace(settings, max_retries=2), paths)
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, "hi")
        await wait_until(pilot, lambda: said in status_text(app))
        shown = status_text(app)
        assert re.search(r"retrying in \d\.\d s \(1/2\)", shown), shown
        assert "waiting for the first token" not in shown
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query(StoredReply).last().answer_text  # the retry got the answer
        assert "retrying" not in status_text(app)
    runtime.close()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_failed_reply_says_its_error_once_in_full_with_f5(settings, paths, fake, size):
    fake.queue("http_503", "http_503", "http_503")
    app, runtime = make_app(replace(settings, max_retries=2), paths)
    async with app.run_test(size=size) as pilot:
        await send(pilot, "hi")
        await app.workers.wait_for_complete()
        await pilot.pause()
        error = runtime.store.messages(app.screen.session_id)[-1].error
        assert error and "503" in error
        lines = screen_lines(app)
        screen = " ".join(line.replace("█", " ") for line in lines)
        flat = " ".join(screen.split())
        assert flat.count("HTTP 503") == 1  # once: not in the reply's footer, not in the status
        assert " ".join(error.split()) in flat  # in full, wrapped, not cut
        (notice,) = [n for n in app.screen.query(Notice) if n.has_class("-error")]
        assert "Press F5 to retry." in str(notice.render())
        assert "F5" in lines[-2]  # the status line points to the key
        assert all(len(line.rstrip()) <= size[0] for line in lines)
        fake.queue("text")
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query(StoredReply).last().answer_text
    runtime.close()
