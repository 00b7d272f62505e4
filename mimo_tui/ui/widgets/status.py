"""The status line: model, thinking, and the numbers of the last reply and of the session.

It is one line whatever the width, so it is made of parts, each with a priority and shorter
forms (see `fit`): when the line is too wide, parts are shortened and then dropped whole,
lowest priority first; a part is never cut, so no number is shown half.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static

from mimo_tui.catalogue import PRICES_AS_OF, Catalogue
from mimo_tui.cost import ContextFill, Meter, PathTotals, approx, context_fill, costs_text, percent
from mimo_tui.model import Message, Usage
from mimo_tui.text import one_line

PART_SEP = " · "
SECTION_SEP = " │ "

# Priorities: what the line is for first (the state of the reply, the model), then the
# numbers people look at most; the lowest go first when the line is too narrow.
STATE = 100  # waiting, streaming, retrying, failed
DEMO = 95
CONTEXT_FULL = 92  # the context meter once the window is 80 % full
MODEL = 90
LAST = 70  # the last reply's tokens
CONTEXT = 54  # context used against the model's window
THINKING = 60
REASONING = 57  # the last reply's reasoning tokens: what thinking cost
TTFT = 56  # time to first token: how the service is doing
SESSION = 55  # the session's totals
API = 50
COST = 47  # the session's estimated cost
CACHE = 45  # the session's cache hits
RATE = 38  # tokens per second
SESSION_REASONING = 33
TOOLS = 30


class Part(NamedTuple):
    """One piece of the line: its section (head, reply, session), priority, and forms from
    the fullest to the shortest."""

    section: int
    priority: int
    forms: tuple[str, ...]


def human_tokens(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 10_000 else str(n)


def short_tokens(n: int) -> str:
    """Tokens in at most ~4 characters: 987, 1.2k, 45k, 1.2M."""
    if n < 1000:
        return str(n)
    if n < 10_000:
        return f"{n / 1000:.1f}k"
    if n < 1_000_000:
        return f"{n // 1000}k"
    return f"{n / 1_000_000:.1f}M"


DROPPED = -1


def render_parts(parts: list[Part], chosen: list[int]) -> str:
    """The line for each part's chosen form (DROPPED: left out)."""
    text, section = "", None
    for part, form in zip(parts, chosen, strict=True):
        if form == DROPPED:
            continue
        if section is not None:
            text += PART_SEP if part.section == section else SECTION_SEP
        text += part.forms[form]
        section = part.section
    return text


def fit(parts: list[Part], width: int) -> str:
    """The fullest line of `parts` that fits in `width` cells.

    While too wide, the part of lowest priority gives way one step: its next shorter form,
    or, at its shortest, it is left out whole. Then, where a drop left room, parts get
    longer forms back, highest priority first.
    """
    chosen = [0] * len(parts)

    def too_wide() -> bool:
        return cell_len(render_parts(parts, chosen)) > width

    by_priority = sorted(range(len(parts)), key=lambda i: parts[i].priority)
    for i in by_priority:
        while too_wide() and chosen[i] != DROPPED:
            chosen[i] = chosen[i] + 1 if chosen[i] + 1 < len(parts[i].forms) else DROPPED
        if not too_wide():
            break
    for i in reversed(by_priority):  # room left by a drop: longer forms again
        while chosen[i] > 0:
            chosen[i] -= 1
            if too_wide():
                chosen[i] += 1
                break
    return render_parts(parts, chosen)


def usage_parts(
    section: int, usage: Usage, label: str, priority: int, reasoning: int = REASONING
) -> list[Part]:
    """`last 1234 in · 567 out` and its reasoning count, as parts."""
    inp, out = usage.prompt_tokens, usage.completion_tokens
    parts = [
        Part(
            section,
            priority,
            (
                f"{label} {human_tokens(inp)} in · {human_tokens(out)} out",
                f"{label} {short_tokens(inp)} in · {short_tokens(out)} out",
                f"{label} {short_tokens(out)} out",
            ),
        )
    ]
    if usage.reasoning_tokens:
        r = usage.reasoning_tokens
        parts.append(
            Part(section, reasoning, (f"{human_tokens(r)} reasoning", f"{short_tokens(r)} rsn"))
        )
    return parts


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
        self.last: list[Part] = []  # the last reply's numbers
        self.session = Usage()
        self.catalogue = Catalogue()  # the screen sets config.toml's (windows, prices)
        self.meter = Meter()  # the session's requests: cache hits, cost
        self.replayed: Usage | None = None  # the last reply the next request replays
        self.tools = 0
        self.api = "openai"  # the session's wire format; shown when it is not the default
        self.parts: list[Part] = []

    def _head(self) -> list[Part]:
        parts = []
        if self.demo:
            parts.append(Part(0, DEMO, ("OFFLINE DEMO", "DEMO")))
        # A stored session's model is foreign text.
        parts.append(Part(0, MODEL, (one_line(self.model),)))
        if self.api != "openai":
            parts.append(Part(0, API, (f"{self.api} format", self.api)))
        on = "on" if self.thinking else "off"
        parts.append(Part(0, THINKING, (f"thinking {on}", f"think {on}")))
        if self.tools:
            parts.append(Part(0, TOOLS, (f"{self.tools} tool{'s' if self.tools != 1 else ''}",)))
        return parts

    def _meter_parts(self) -> list[Part]:
        """The session's cache hits and estimated cost, and the context meter."""
        parts = []
        meter = self.meter
        if meter.hit_rate is not None:
            rate = percent(meter.hit_rate)
            parts.append(
                Part(
                    2,
                    CACHE,
                    (
                        f"{short_tokens(meter.cached_tokens)} cached / "
                        f"{short_tokens(meter.uncached_tokens)} uncached ({rate})",
                        f"{rate} cached",
                    ),
                )
            )
        cost = costs_text(meter.costs, meter.at_most)
        if cost:
            cost = approx(cost)
            dated = f"{cost} estimate (prices of {PRICES_AS_OF})"
            parts.append(Part(2, COST, (dated, f"{cost} est.", cost)))
        fill = self.context
        if fill is not None:
            if fill.warning:
                forms: tuple[str, ...] = (f"⚠ context {fill.text()}", f"⚠ ctx {fill.text()}")
                parts.append(Part(2, CONTEXT_FULL, forms))
            else:
                parts.append(Part(2, CONTEXT, (f"context {fill.text()}", f"ctx {fill.text()}")))
        return parts

    def _compose_line(self, middle: list[Part]) -> None:
        tail = (
            usage_parts(2, self.session, "session", SESSION, SESSION_REASONING)
            if self.session.total_tokens
            else []
        )
        self.parts = self._head() + middle + tail + self._meter_parts()
        # One line high whatever it says: a repaint, not a screen-wide layout, per tick.
        self.refresh(layout=False)

    def render(self) -> Content:
        return Content(fit(self.parts, self.size.width))

    def on_resize(self) -> None:
        self.refresh(layout=False)

    def show_idle(self) -> None:
        self.remove_class("-busy", "-error")
        self._compose_line(self.last)

    def show_waiting(self, seconds: float, note: tuple[str, str] | None = None) -> None:
        """Waiting for the first token; `note` (full, short) says why it takes long."""
        self.add_class("-busy")
        if note:
            forms: tuple[str, ...] = note
        else:
            # Whole seconds: MiMo's cold start can take minutes, and this is what the user
            # watches meanwhile (the first-token limit is first_token_timeout_s).
            forms = (
                f"waiting for the first token… {int(seconds)} s · Esc cancels",
                f"waiting… {int(seconds)} s · Esc cancels",
                f"waiting… {int(seconds)} s",
            )
        self._compose_line([Part(1, STATE, forms)])

    def show_streaming(self, phase: str, seconds: float, tokens: int) -> None:
        self.add_class("-busy")
        rate = tokens / seconds if seconds > 0 else 0
        phase = one_line(phase)
        self._compose_line(
            [
                Part(1, STATE, (f"{phase}… {seconds:.1f} s",)),
                Part(1, RATE, (f"{rate:.0f} tok/s",)),
            ]
        )

    def show_reply(self, message: Message) -> None:
        """The numbers of a finished reply: tokens, time to first token, tokens per second."""
        parts = usage_parts(1, message.usage, "last", LAST) if message.usage else []
        if message.ttft_ms is not None:
            s = message.ttft_ms / 1000
            parts.append(Part(1, TTFT, (f"TTFT {s:.2f} s", f"TTFT {s:.1f}s")))
        rate = message.tokens_per_second
        if rate:
            parts.append(Part(1, RATE, (f"{rate:.0f} tok/s",)))
        self.last = parts
        self.show_idle()

    def add_usage(self, usage: Usage | None, model: str | None = None) -> None:
        """Count one finished request of the session (made with `model`)."""
        if usage:
            self.session = self.session + usage
            self.meter.add(usage, self.catalogue.lookup(model or self.model))
            self.replayed = usage

    def set_totals(self, totals: PathTotals) -> None:
        """The totals of a session opened, summed by the store along the active path (see
        Store.path_totals): superseded replies count, they were requests too; the context
        is the last reply that is replayed."""
        self.session, self.replayed = totals.session, totals.replayed
        self.meter = totals.meter(self.catalogue, self.model)

    @property
    def context(self) -> ContextFill | None:
        """The context the next request uses, against the window of the model it goes to."""
        return context_fill(self.replayed, self.catalogue.lookup(self.model))

    def show_error(self, text: str, short: str = "") -> None:
        self.remove_class("-busy")
        self.add_class("-error")
        # `text` may quote an API error body: made visible here.
        forms = (one_line(text), one_line(short)) if short else (one_line(text),)
        self._compose_line([Part(1, STATE, forms)])

    @property
    def text(self) -> str:
        """The line as shown at the current width."""
        return str(self.render())
