"""What mimo-tui knows about each MiMo model: context window, inputs, thinking default, prices.

One table in the core, so the model picker, the attachment check, the context meter and the
cost estimate all agree. The server's `/v1/models` lists ids only; an id it lists that this table
does not know is still usable (shown as unknown), and config.toml may add or override entries
for ids released after this table was written. Sources: ../shared/docs/mimo-wire.md §2 and §17
(context windows and prices are third-party reports, hence the dated `PRICES_AS_OF`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from mimo_tui.text import is_model_id

Input = Literal["text", "image", "audio", "video"]
INPUTS: tuple[Input, ...] = ("text", "image", "audio", "video")

# The date the price table below was last checked against public reports.
PRICES_AS_OF = "2026-10-02"


class Price(NamedTuple):
    """Per million tokens, in one currency: prompt tokens missed / hit in the cache, output."""

    currency: Literal["CNY", "USD"]
    input_miss: float
    input_hit: float | None
    output: float


class ModelInfo(NamedTuple):
    id: str
    context_window: int
    max_output: int
    inputs: frozenset[Input] = frozenset({"text"})
    thinking_default: bool = True
    prices: tuple[Price, ...] = ()
    note: str = ""  # e.g. "deprecated"
    known: bool = True  # False for ids only the server named
    prices_as_of: str = PRICES_AS_OF  # config.toml's own prices say "config.toml"

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
                return found if key == model_id else found._replace(id=model_id)
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


# ---- config.toml: [models."id"] tables ----------------------------------------------------

_MODEL_KEYS = (
    "context_window",
    "max_output",
    "inputs",
    "thinking_default",
    "prices",
    "prices_as_of",
    "note",
)


def _count(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"must be a whole number between {low:,} and {high:,}, got {value!r}")
    return value


def _rate(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e6:
        raise ValueError(f"{name} must be a price per million tokens ≥ 0, got {value!r}")
    if value != value:  # nan
        raise ValueError(f"{name} must be a number, got nan")
    return float(value)


def _prices(value: Any) -> tuple[Price, ...]:
    tables = value if isinstance(value, list) else [value]
    out = []
    for table in tables:
        if not isinstance(table, dict):
            raise ValueError(
                'must be tables like {currency = "USD", input_miss = 0.4, input_hit = 0.004, '
                f"output = 0.8}}, got {table!r}"
            )
        unknown = set(table) - {"currency", "input_miss", "input_hit", "output"}
        if unknown:
            raise ValueError(f"unknown price field {sorted(unknown)[0]!r}")
        currency = table.get("currency")
        if currency not in ("CNY", "USD"):
            raise ValueError(f"currency must be 'CNY' or 'USD', got {currency!r}")
        hit = table.get("input_hit")
        out.append(
            Price(
                currency,
                _rate(table.get("input_miss"), "input_miss"),
                None if hit is None else _rate(hit, "input_hit"),
                _rate(table.get("output"), "output"),
            )
        )
    return tuple(out)


def _field(name: str, value: Any) -> Any:
    """One checked field of a [models."id"] table; ValueError says what is wrong."""
    if name in ("context_window", "max_output"):
        return _count(value, 1, 100_000_000)
    if name == "inputs":
        if not isinstance(value, list) or not value or any(v not in INPUTS for v in value):
            raise ValueError(f"must be a list of {', '.join(INPUTS)}, got {value!r}")
        return frozenset(value)
    if name == "thinking_default":
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, got {value!r}")
        return value
    if name == "prices":
        return _prices(value)
    if not isinstance(value, str) or len(value) > 80:
        raise ValueError(f"must be a short string, got {value!r}")
    return value


def from_config(data: Any, where: str, notices: list[str]) -> dict[str, ModelInfo]:
    """The `[models]` table of config.toml: id -> its entry, over the built-in one if any.

    `[models."mimo-v2.5-pro"] context_window = 1_048_576` changes only what it names; an id
    the table does not know starts from the unknown-model defaults. A bad field is left out
    (its default used) and described in `notices`, like every other setting.
    """
    if not isinstance(data, dict):
        notices.append(f'{where}: [models] must be a table of [models."id"] tables; ignored')
        return {}
    out: dict[str, ModelInfo] = {}
    for model_id, table in data.items():
        if not is_model_id(model_id):
            notices.append(f"{where}: [models] {model_id!r} is not a model id; ignored")
            continue
        if not isinstance(table, dict):
            notices.append(f'{where}: [models."{model_id}"] must be a table; ignored')
            continue
        base = Catalogue().lookup(model_id)
        changes: dict[str, Any] = {"known": True}
        for name, value in table.items():
            if name not in _MODEL_KEYS:
                notices.append(
                    f'{where}: [models."{model_id}"] unknown field {name!r} ignored '
                    f"(known: {', '.join(_MODEL_KEYS)})"
                )
                continue
            try:
                changes[name] = _field(name, value)
            except ValueError as exc:
                notices.append(f'{where}: [models."{model_id}"] {name} {exc}; using the default')
        if "prices" in changes and "prices_as_of" not in changes:
            changes["prices_as_of"] = "config.toml"
        out[model_id] = base._replace(id=model_id, **changes)
    return out
