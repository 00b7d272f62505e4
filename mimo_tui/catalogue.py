"""What mimo-tui knows about each MiMo model: context window, inputs, thinking default, prices.

One table in the core, so the model picker, the attachment check, the context meter and the
cost estimate all agree. The server's `/v1/models` lists ids only; an id it lists that this table
does not know is still usable (shown as unknown), and config.toml may add or override entries
for ids released after this table was written. Sources: ../shared/docs/mimo-wire.md §2 and §17
(context windows and prices are third-party reports, hence the dated `PRICES_AS_OF`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Input = Literal["text", "image", "audio", "video"]
INPUTS: tuple[Input, ...] = ("text", "image", "audio", "video")

# The date the price table below was last checked against public reports.
PRICES_AS_OF = "2026-10-02"


@dataclass(frozen=True)
class Price:
    """Per million tokens, in one currency: prompt tokens missed / hit in the cache, output."""

    currency: Literal["CNY", "USD"]
    input_miss: float
    input_hit: float | None
    output: float


@dataclass(frozen=True)
class ModelInfo:
    id: str
    context_window: int
    max_output: int
    inputs: frozenset[Input] = frozenset({"text"})
    thinking_default: bool = True
    prices: tuple[Price, ...] = ()
    note: str = ""  # e.g. "deprecated"
    known: bool = True  # False for ids only the server (or config) named

    def accepts(self, kind: Input) -> bool:
        return kind in self.inputs


_ONE_M = 1_048_576
_MEDIA: frozenset[Input] = frozenset({"text", "image", "audio", "video"})
_VISION: frozenset[Input] = frozenset({"text", "image"})

CATALOGUE: dict[str, ModelInfo] = {
    m.id: m
    for m in (
        ModelInfo(
            "mimo-v2.5-pro",
            _ONE_M,
            131_072,
            prices=(Price("CNY", 3.0, 0.025, 6.0),),
        ),
        ModelInfo("mimo-v2.5", _ONE_M, 131_072, inputs=_MEDIA),
        ModelInfo("mimo-v2-flash", 262_144, 8_192, thinking_default=False, note="deprecated"),
        ModelInfo(
            "mimo-v2.6-pro",
            _ONE_M,
            131_072,
            inputs=_VISION,
            prices=(Price("USD", 0.435, 0.0036, 0.87),),
        ),
        ModelInfo(
            "mimo-v2.6-flash",
            _ONE_M,
            131_072,
            inputs=_VISION,
            prices=(Price("USD", 0.14, None, 0.28),),
        ),
    )
}

DEFAULT_WINDOW = 131_072  # assumed for an id nobody described


def base_id(model_id: str) -> str:
    """The id without a route suffix such as `[1m]` (`mimo-v2.5-pro[1m]` → `mimo-v2.5-pro`)."""
    head, sep, _ = model_id.partition("[")
    return head if sep and model_id.endswith("]") else model_id


@dataclass
class Catalogue:
    """The built-in table plus config.toml's additions; lookups never fail."""

    extra: dict[str, ModelInfo] = field(default_factory=dict)

    def lookup(self, model_id: str) -> ModelInfo:
        """What is known about `model_id`; an unknown id gets text-only defaults, known=False."""
        for key in (model_id, base_id(model_id)):
            if key in self.extra:
                return self.extra[key]
            if key in CATALOGUE:
                found = CATALOGUE[key]
                return found if key == model_id else replace(found, id=model_id)
        return ModelInfo(model_id, DEFAULT_WINDOW, 8_192, known=False)

    def models(self) -> list[ModelInfo]:
        """Every described model, built-in first, then config's additions."""
        merged = {**CATALOGUE, **self.extra}
        return list(merged.values())

    def capable(self, kind: Input) -> list[str]:
        """Ids of described models that accept `kind`, newest first (the suggestion to switch)."""
        return sorted(
            (m.id for m in self.models() if m.accepts(kind) and m.note != "deprecated"),
            reverse=True,
        )


def default_catalogue() -> Catalogue:
    return Catalogue()
