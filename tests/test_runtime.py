"""A session reopens with its own settings; a flag given for this run still wins."""

from __future__ import annotations

from dataclasses import replace

from mimo_tui.runtime import build_runtime
from tests.conftest import collect


async def test_a_session_reopens_with_its_model_thinking_and_language(settings, paths, fake):
    first = build_runtime(replace(settings, model="mimo-v2.5", thinking=False, lang="zh"), paths)
    sid = first.session().id
    fake.queue("text")
    await collect(first.engine.turn(sid, "你好"))
    first.close()

    again = build_runtime(settings, paths)  # defaults: mimo-v2.5-pro, thinking on, en
    assert again.session(resume=True).id == sid
    fake.queue("text")
    await collect(again.engine.turn(sid, "再来"))
    body = fake.chat_requests()[-1].body
    assert body["model"] == "mimo-v2.5" and body["thinking"] == {"type": "disabled"}
    assert body["messages"][0]["content"].startswith("你是MiMo")
    again.close()

    flagged = build_runtime(
        replace(settings, thinking=True, explicit=frozenset({"thinking"})), paths
    )
    flagged.session(resume=True)
    assert flagged.settings.thinking is True and flagged.settings.model == "mimo-v2.5"
    flagged.close()
