"""What a reply and a session cost, and how full the context is: the arithmetic of the meter.

MiMo caches prompt prefixes by itself, and a cache hit is billed at a small fraction of a miss.
mimo-tui replays the whole history on every request, so the hit rate decides what a long chat
costs. Everything here is plain arithmetic over `Usage` and the catalogue's price table; the TUI
status line, the reply's stats line and `mimo-tui usage` all format what this module computes.

Unknown is not zero: a reply whose usage did not say how much of the prompt was cached counts
its whole prompt as missed for the cost (the estimate is then an upper bound, `at_most`) and is
left out of the hit rate. Every amount is an *estimate* from a dated, third-party price table
(catalogue.PRICES_AS_OF, overridable in config.toml).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from mimo_tui.catalogue import PRICES_AS_OF, Catalogue, ModelInfo, Price
from mimo_tui.model import Usage, UsageRow

SYMBOLS = {"CNY": "¥", "USD": "$"}
CONTEXT_WARNING = 0.8  # the share of the window at which the meter warns


def price_of(usage: Usage, price: Price) -> float:
    """The cost of one request in `price.currency`: missed prompt tokens at the miss rate,
    cached ones at the hit rate (the miss rate when the table has none), output (reasoning
    included, as MiMo bills it) at the output rate. Prices are per million tokens."""
    cached = min(usage.cached_tokens or 0, usage.prompt_tokens)
    missed = usage.prompt_tokens - cached
    hit = price.input_hit if price.input_hit is not None else price.input_miss
    total = missed * price.input_miss + cached * hit + usage.completion_tokens * price.output
    return total / 1_000_000


class UsageGroup(NamedTuple):
    """The replies of a path with one model and the same cache knowledge, summed.

    `usage.cached_tokens` is the sum of min(cached, prompt) per reply (what is billed at
    the hit rate) when `cache_known`, else None; `Meter.add(usage, info, requests,
    known_prompt)` then counts the group exactly as it counts its replies one by one."""

    model: str | None
    usage: Usage
    requests: int
    known_prompt: int
    cache_known: bool


class PathTotals(NamedTuple):
    """The active path's token totals (superseded replies included: they were requests
    too), by model for the cost, and the usage of the last reply that is replayed."""

    session: Usage
    groups: list[UsageGroup]
    replayed: Usage | None

    def meter(self, catalogue: Catalogue, default_model: str) -> Meter:
        """The requests' meter, each group priced as its model (`default_model` for replies
        stored without one), as Meter.add counts them one by one."""
        meter = Meter()
        for group in self.groups:
            info = catalogue.lookup(group.model or default_model)
            meter.add(group.usage, info, group.requests, group.known_prompt)
        return meter


def reply_costs(usage: Usage, info: ModelInfo) -> dict[str, float]:
    """Currency -> the estimated cost of one request, for every currency the table prices."""
    return {p.currency: price_of(usage, p) for p in info.prices}


def hit_rate(usage: Usage) -> float | None:
    """The share of the prompt served from the cache, 0-1; None when unknown or no prompt."""
    if usage.cached_tokens is None or usage.prompt_tokens <= 0:
        return None
    return min(usage.cached_tokens, usage.prompt_tokens) / usage.prompt_tokens


@dataclass
class Meter:
    """Usage and cost summed over requests (the replies of a session, a day's rows, ...)."""

    requests: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0  # summed over the requests whose cache count is known
    prompt_known: int = 0  # prompt tokens of those requests: the hit rate's denominator
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    costs: dict[str, float] = field(default_factory=dict)
    unpriced: int = 0  # requests to models without a price
    unknown_cache: int = 0  # requests whose cache count was not reported

    def add(
        self, usage: Usage, info: ModelInfo, requests: int = 1, known_prompt: int | None = None
    ) -> None:
        """Count `usage` (one request, or `requests` summed into it) made with model `info`.

        For a sum, `known_prompt` is the prompt tokens of the requests that reported their
        cache hits (`usage.cached_tokens` is then their sum)."""
        self.requests += requests
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        self.reasoning_tokens += usage.reasoning_tokens
        if known_prompt is None:
            known_prompt = 0 if usage.cached_tokens is None else usage.prompt_tokens
        if known_prompt < usage.prompt_tokens or usage.cached_tokens is None:
            self.unknown_cache += requests
        if usage.cached_tokens is not None:
            self.cached_tokens += min(usage.cached_tokens, usage.prompt_tokens)
            self.prompt_known += known_prompt
        if not info.prices:
            self.unpriced += requests
        for currency, amount in reply_costs(usage, info).items():
            self.costs[currency] = self.costs.get(currency, 0.0) + amount

    @property
    def uncached_tokens(self) -> int:
        """Prompt tokens not known to be cached (missed, or of requests that did not say)."""
        return self.prompt_tokens - self.cached_tokens

    @property
    def hit_rate(self) -> float | None:
        return self.cached_tokens / self.prompt_known if self.prompt_known else None

    @property
    def at_most(self) -> bool:
        """The cost is an upper bound: some requests did not report their cache hits."""
        return self.unknown_cache > 0 and bool(self.costs)


def session_meter(
    replies: Iterable[tuple[str | None, Usage | None]], catalogue: Catalogue, default_model: str
) -> Meter:
    """A Meter over (model, usage) pairs; a reply without a model counts as `default_model`."""
    meter = Meter()
    for model, usage in replies:
        if usage is not None:
            meter.add(usage, catalogue.lookup(model or default_model))
    return meter


def money(currency: str, amount: float) -> str:
    """`¥0.0123`, `$1.24`: enough digits that a cheap reply is not shown as 0."""
    symbol = SYMBOLS.get(currency, currency + " ")
    if amount == 0:
        return f"{symbol}0"
    if amount < 0.01:
        return f"{symbol}{amount:.4f}"
    if amount < 100:
        return f"{symbol}{amount:.2f}"
    return f"{symbol}{amount:,.0f}"


def costs_text(costs: dict[str, float], at_most: bool = False) -> str:
    """`¥0.0031 + $0.0004`, CNY first; `≤` when the cache was not always reported."""
    if not costs:
        return ""
    order = sorted(costs, key=lambda c: (c != "CNY", c != "USD", c))
    text = " + ".join(money(c, costs[c]) for c in order)
    return ("≤ " if at_most else "") + text


def approx(cost: str) -> str:
    """`~¥0.01` for an estimate; an upper bound already says `≤`."""
    return cost if cost.startswith("≤") else "~" + cost


def estimate_note() -> str:
    """What every cost shown carries: it is an estimate from a dated table."""
    return f"estimate, prices as of {PRICES_AS_OF}"


def percent(rate: float | None) -> str:
    return "?" if rate is None else f"{rate * 100:.0f}%"


def compact(n: int) -> str:
    """Token counts as the context meter writes them: 950, 83k, 1M, 1.5M, 262k."""
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n // 1000}k" if n >= 10_000 else f"{n / 1000:.1f}k".replace(".0k", "k")
    m = n / 1_048_576 if n % 1_048_576 == 0 else n / 1_000_000
    return f"{m:.1f}".rstrip("0").rstrip(".") + "M"


class ContextFill(NamedTuple):
    """How much of the model's window the next request will use."""

    used: int
    window: int

    @property
    def fraction(self) -> float:
        return self.used / self.window if self.window > 0 else 0.0

    @property
    def warning(self) -> bool:
        return self.fraction >= CONTEXT_WARNING

    def text(self) -> str:
        """`83k / 1M`, and `(85%)` once the warning is due."""
        shown = f"{compact(self.used)} / {compact(self.window)}"
        return f"{shown} ({self.fraction * 100:.0f}%)" if self.warning else shown


def context_fill(last: Usage | None, info: ModelInfo) -> ContextFill | None:
    """The context in use after the last request: its prompt and its reply (the reply,
    reasoning included, is replayed in the next request). None before any reply."""
    if last is None or not (last.prompt_tokens or last.completion_tokens):
        return None
    return ContextFill(last.prompt_tokens + last.completion_tokens, info.context_window)


def reply_stats(usage: Usage, info: ModelInfo) -> list[str]:
    """The parts a reply's stats line adds: its prompt with the cache's share, its cost."""
    rate = hit_rate(usage)
    prompt = f"{compact(usage.prompt_tokens)} in"
    parts = [prompt if rate is None else f"{prompt}, {percent(rate)} cached"]
    cost = costs_text(reply_costs(usage, info), at_most=usage.cached_tokens is None)
    if cost:
        parts.append(approx(cost))  # `~`: an estimate (the status line says from when)
    return parts


def _rate(amount: float, symbol: str) -> str:
    return f"{symbol}{amount:g}"


def describe_model(info: ModelInfo) -> str:
    """One line for the model picker: window, max output, inputs, thinking default, price.

    `mimo-v2.5-pro · 1M ctx · 131k out · text · thinking on · ¥3 / ¥0.025 cached / ¥6 out
    per M`; an id mimo-tui has no entry for says so (with the defaults it assumes)."""
    if not info.known:
        return f"{info.id} · unknown to mimo-tui (assumed {compact(info.context_window)} ctx, text)"
    inputs = ", ".join(kind for kind in ("text", "image", "audio", "video") if info.accepts(kind))
    parts = [
        info.id,
        f"{compact(info.context_window)} ctx",
        f"{compact(info.max_output)} out",
        inputs,
        f"thinking {'on' if info.thinking_default else 'off'}",
    ]
    for price in info.prices:
        symbol = SYMBOLS.get(price.currency, price.currency + " ")
        hit = "" if price.input_hit is None else f" / {_rate(price.input_hit, symbol)} cached"
        parts.append(
            f"{_rate(price.input_miss, symbol)} in{hit} / {_rate(price.output, symbol)} out per M"
        )
    if info.note:
        parts.append(info.note)
    return " · ".join(parts)


def picker_label(info: ModelInfo) -> str:
    """One short line per model in the picker (its full description goes under it):
    `mimo-v2.6-pro · 1M · text+image · thinking on · $0.435/M in`."""
    if not info.known:
        return f"{info.id} · unknown to mimo-tui"
    others = [kind for kind in ("image", "audio", "video") if info.accepts(kind)]
    parts = [
        info.id,
        compact(info.context_window),
        "+".join(["text", *others]),
        f"thinking {'on' if info.thinking_default else 'off'}",
    ]
    if info.prices:
        price = info.prices[0]
        parts.append(f"{_rate(price.input_miss, SYMBOLS.get(price.currency, ''))}/M in")
    return " · ".join(parts)


def picker_models(
    catalogue: Catalogue, listed: Iterable[str] | None, current: str
) -> list[tuple[str, str]]:
    """(label, id) for the model picker: the catalogue's models (and config.toml's), the
    current one, then the ids the server lists that the catalogue does not know, marked."""
    ids = [m.id for m in catalogue.models()]
    extra = [current] if current not in ids else []
    unknown = sorted({m for m in listed or () if m not in ids and m != current})
    return [(picker_label(catalogue.lookup(m)), m) for m in [*ids, *extra, *unknown]]


# ---- the usage report (`mimo-tui usage`, the palette's Usage screen) -----------------


def _hit_cell(rate: float | None, mark: bool) -> str | float:
    """The cache hit rate: `68%` in the table, the plain fraction (0.68) in CSV."""
    if rate is None:
        return ""
    return percent(rate) if mark else round(rate, 4)


def usage_table(
    rows: list[UsageRow], catalogue: Catalogue, mark: bool = True
) -> tuple[list[str], list[list[Any]], Meter]:
    """The report's header and rows (cache hits and estimated costs added), and the total.

    Cached tokens are blank where no request of the row reported them (unknown, not 0); a
    cost is blank for a model without a price, and an upper bound (`≤`) where some requests
    did not say what the cache served."""
    header = [
        "day",
        "model",
        "requests",
        "prompt_tokens",
        "cached_tokens",
        "cache_hit",
        "completion_tokens",
        "reasoning_tokens",
        "cost_cny",
        "cost_usd",
    ]
    table: list[list[Any]] = []
    total = Meter()
    for r in rows:
        meter = Meter()
        for m in (meter, total):
            m.add(r.usage, catalogue.lookup(r.model or ""), r.requests, r.cache_known_prompt)
        table.append(
            [
                r.day,
                r.model,
                r.requests,
                r.usage.prompt_tokens,
                "" if r.usage.cached_tokens is None else r.usage.cached_tokens,
                _hit_cell(meter.hit_rate, mark),
                r.usage.completion_tokens,
                r.usage.reasoning_tokens,
                *(cost_cell(meter, c, mark) for c in ("CNY", "USD")),
            ]
        )
    return header, table, total


def cost_cell(meter: Meter, currency: str, mark: bool = True) -> str:
    """The cost as a plain number (CSV: no mark, a spreadsheet sums it), `≤` when a bound."""
    if currency not in meter.costs:
        return ""
    return ("≤" if mark and meter.at_most else "") + f"{meter.costs[currency]:.4f}"


def totals_cells(total: Meter) -> list[Any]:
    """The usage table's total row after its day and model columns (CLI and TUI alike)."""
    return [
        total.requests,
        total.prompt_tokens,
        total.cached_tokens if total.prompt_known else "",
        "" if total.hit_rate is None else percent(total.hit_rate),
        total.completion_tokens,
        total.reasoning_tokens,
        *(cost_cell(total, c) for c in ("CNY", "USD")),
    ]
