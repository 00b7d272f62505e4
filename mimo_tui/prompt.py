"""MiMo's recommended system prompt, filled in with the local date and weekday at send time.

The wording is the vendor's, exactly ("强烈建议使用以下系统提示词"); the date is rendered for
every request, so a session left open past midnight sends the new date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

PROMPTS = {
    "en": (
        "You are MiMo, an AI assistant developed by Xiaomi.\n"
        "Today's date: {date} {week}. Your knowledge cutoff date is December 2024."
    ),
    "zh": (
        "你是MiMo(中文名称也是MiMo),是小米公司研发的AI智能助手。\n"
        "今天的日期:{date} {week},你的知识截止日期是2024年12月。"
    ),
}

WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "zh": ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"],
}

Clock = Callable[[], datetime]


def local_now() -> datetime:
    """The local wall clock; injected everywhere so tests can freeze it."""
    return datetime.now().astimezone()


def render_date(now: datetime, lang: str) -> tuple[str, str]:
    """Return (date, weekday) the way the prompt in `lang` writes them."""
    week = WEEKDAYS.get(lang, WEEKDAYS["en"])[now.weekday()]
    return now.strftime("%Y-%m-%d"), week


def system_prompt(
    now: datetime,
    lang: str = "en",
    custom: str | None = None,
) -> str:
    """The system prompt to send now: a custom template (may use {date}/{week}) or MiMo's own."""
    date, week = render_date(now, lang)
    template = custom if custom else PROMPTS.get(lang, PROMPTS["en"])
    # Only the two documented placeholders are filled; other braces in a custom prompt stay as is.
    return template.replace("{date}", date).replace("{week}", week)
