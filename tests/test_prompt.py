"""MiMo's recommended system prompt, with the date and weekday of the moment it is sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from mimo_tui.fake import FakeMimo
from mimo_tui.prompt import system_prompt
from mimo_tui.store import Store
from tests.conftest import FROZEN, collect, make_engine


def test_english_prompt_is_the_vendors_wording_with_date_and_weekday():
    assert system_prompt(FROZEN, "en") == (
        "You are MiMo, an AI assistant developed by Xiaomi.\n"
        "Today's date: 2026-05-12 Tuesday. Your knowledge cutoff date is December 2024."
    )


def test_chinese_prompt_is_the_vendors_wording_with_date_and_weekday():
    assert system_prompt(FROZEN, "zh") == (
        "你是MiMo(中文名称也是MiMo),是小米公司研发的AI智能助手。\n"
        "今天的日期:2026-05-12 星期二,你的知识截止日期是2024年12月。"
    )


def test_custom_prompt_fills_date_and_week_and_leaves_other_braces():
    text = system_prompt(FROZEN, "en", "Be brief. {date} ({week}) {json: 1}")
    assert text == "Be brief. 2026-05-12 (Tuesday) {json: 1}"


async def test_each_request_renders_the_date_at_send_time(store: Store, settings, fake: FakeMimo):
    """A session left open past midnight sends the new date on its next request."""
    now = [FROZEN]
    engine = make_engine(store, settings, clock=lambda: now[0])
    session = store.create_session(settings.model)
    fake.queue("text", "text")
    await collect(engine.turn(session.id, "first"))
    now[0] = FROZEN + timedelta(days=1)
    await collect(engine.turn(session.id, "second"))
    sent = [r.body["messages"][0]["content"] for r in fake.chat_requests()]
    assert "2026-05-12 Tuesday" in sent[0]
    assert "2026-05-13 Wednesday" in sent[1]
    # The prompt actually sent is recorded with each request.
    replies = [m for m in store.messages(session.id) if m.role == "assistant"]
    recorded = [store.request_for(m.id) for m in replies]
    assert [r["system_prompt"] for r in recorded] == sent


async def test_no_system_sends_no_system_message(store: Store, settings, fake: FakeMimo):
    engine = make_engine(store, replace(settings, send_system_prompt=False))
    session = store.create_session(settings.model)
    fake.queue("text")
    await collect(engine.turn(session.id, "hi"))
    assert [m["role"] for m in fake.chat_requests()[0].body["messages"]] == ["user"]


async def test_chinese_setting_sends_chinese_prompt(store: Store, settings, fake: FakeMimo):
    engine = make_engine(store, replace(settings, lang="zh"))
    session = store.create_session(settings.model)
    fake.queue("text")
    await collect(engine.turn(session.id, "你好"))
    assert fake.chat_requests()[0].body["messages"][0]["content"].startswith("你是MiMo")
