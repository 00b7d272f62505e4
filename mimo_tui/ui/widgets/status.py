"""The status line: model, thinking, and the numbers of the last reply and of the session."""

from __future__ import annotations

from textual.widgets import Static

from mimo_tui.model import Message, Usage


def human_tokens(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 10_000 else str(n)


def usage_text(usage: Usage) -> str:
    text = f"{human_tokens(usage.prompt_tokens)} in · {human_tokens(usage.completion_tokens)} out"
    if usage.reasoning_tokens:
        text += f" ({human_tokens(usage.reasoning_tokens)} reasoning)"
    return text


class StatusLine(Static):
    """One line under the input. The screen calls `show_*` methods; it never reads state."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        padding: 0 1;
        background: $status-background;
        color: $status-foreground;
    }
    StatusLine.-busy { color: $text; }
    StatusLine.-error { color: $error-foreground; }
    """

    def __init__(self, model: str, thinking: bool, demo: bool) -> None:
        super().__init__(markup=False)
        self.model = model
        self.thinking = thinking
        self.demo = demo
        self.last = ""
        self.session = Usage()
        self.tools = 0
        self.api = "openai"  # the session's wire format; shown when it is not the default

    def _head(self) -> str:
        parts = []
        if self.demo:
            parts.append("OFFLINE DEMO")
        parts.append(self.model)
        if self.api != "openai":
            parts.append(f"{self.api} format")
        parts.append(f"thinking {'on' if self.thinking else 'off'}")
        if self.tools:
            parts.append(f"{self.tools} tool{'s' if self.tools != 1 else ''}")
        return " · ".join(parts)

    def _compose_line(self, middle: str) -> None:
        tail = f"session {usage_text(self.session)}" if self.session.total_tokens else ""
        # One line high whatever it says: a repaint, not a screen-wide layout, per tick.
        self.update(" │ ".join(p for p in (self._head(), middle, tail) if p), layout=False)

    def show_idle(self) -> None:
        self.remove_class("-busy", "-error")
        self._compose_line(self.last)

    def show_waiting(self, seconds: float) -> None:
        self.add_class("-busy")
        # Whole seconds: MiMo's cold start can take minutes, and this is what the user
        # watches meanwhile (the first-token limit is first_token_timeout_s).
        self._compose_line(f"waiting for the first token… {int(seconds)} s · Esc cancels")

    def show_streaming(self, phase: str, seconds: float, tokens: int) -> None:
        self.add_class("-busy")
        rate = tokens / seconds if seconds > 0 else 0
        self._compose_line(f"{phase}… {seconds:.1f} s · {rate:.0f} tok/s")

    def show_reply(self, message: Message) -> None:
        """The numbers of a finished reply: tokens, time to first token, tokens per second."""
        parts = []
        if message.usage:
            parts.append(f"last {usage_text(message.usage)}")
        if message.ttft_ms is not None:
            parts.append(f"TTFT {message.ttft_ms / 1000:.2f} s")
        rate = message.tokens_per_second
        if rate:
            parts.append(f"{rate:.0f} tok/s")
        self.last = " · ".join(parts)
        self.show_idle()

    def add_usage(self, usage: Usage | None) -> None:
        if usage:
            self.session = self.session + usage

    def show_error(self, text: str) -> None:
        self.remove_class("-busy")
        self.add_class("-error")
        self._compose_line(text)
