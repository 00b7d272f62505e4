"""The meter's arithmetic: cache-aware costs, hit rates, the context window, unknown ≠ 0."""

from __future__ import annotations

import pytest

from mimo_tui.catalogue import PRICES_AS_OF, Catalogue, ModelInfo, Price
from mimo_tui.cost import (
    Meter,
    compact,
    context_fill,
    costs_text,
    estimate_note,
    hit_rate,
    money,
    price_of,
    reply_stats,
    session_meter,
)
from mimo_tui.model import Usage

PRO = Catalogue().lookup("mimo-v2.5-pro")  # ¥3 / M miss, ¥0.025 / M hit, ¥6 / M out


def test_a_cache_hit_costs_the_hit_rate_and_a_miss_the_miss_rate() -> None:
    price = Price("CNY", 3.0, 0.025, 6.0)
    all_missed = price_of(Usage(1_000_000, 0, 0, 0), price)
    all_cached = price_of(Usage(1_000_000, 0, 0, 1_000_000), price)
    assert all_missed == pytest.approx(3.0) and all_cached == pytest.approx(0.025)
    # 800k of 1M cached, 100k out (reasoning included): 0.2*3 + 0.8*0.025 + 0.1*6
    assert price_of(Usage(1_000_000, 100_000, 40_000, 800_000), price) == pytest.approx(1.22)


def test_unknown_cache_is_counted_missed_and_left_out_of_the_hit_rate() -> None:
    unknown = Usage(1000, 10, 0, None)
    assert hit_rate(unknown) is None and hit_rate(Usage(1000, 10, 0, 0)) == 0.0
    meter = Meter()
    meter.add(unknown, PRO)
    meter.add(Usage(1000, 10, 0, 900), PRO)
    assert meter.hit_rate == pytest.approx(0.9)  # over the reply that said, only
    assert meter.cached_tokens == 900 and meter.uncached_tokens == 1100
    assert meter.at_most  # an upper bound: one reply did not say
    assert costs_text(meter.costs, meter.at_most).startswith("≤ ¥")


def test_a_hit_price_missing_from_the_table_falls_back_to_the_miss_price() -> None:
    flash = Catalogue().lookup("mimo-v2.6-flash")  # $0.14 in, no cached price known
    assert reply_costs_usd(flash, Usage(1_000_000, 0, 0, 1_000_000)) == pytest.approx(0.14)


def reply_costs_usd(info: ModelInfo, usage: Usage) -> float:
    meter = Meter()
    meter.add(usage, info)
    return meter.costs["USD"]


def test_session_meter_sums_per_model_and_counts_unpriced_models() -> None:
    meter = session_meter(
        [
            ("mimo-v2.5-pro", Usage(1000, 100, 0, 500)),
            ("mimo-v2.6-pro", Usage(2000, 100, 0, 1500)),
            ("mimo-v2-flash", Usage(10, 1, 0, 0)),  # no price in the table
            (None, None),  # a user message
        ],
        Catalogue(),
        "mimo-v2.5-pro",
    )
    assert set(meter.costs) == {"CNY", "USD"} and meter.unpriced == 1
    assert meter.hit_rate == pytest.approx(2000 / 3010)
    assert costs_text(meter.costs).index("¥") < costs_text(meter.costs).index("$")


def test_money_keeps_small_amounts_visible() -> None:
    assert money("CNY", 0.000123) == "¥0.0001"
    assert money("USD", 1.234) == "$1.23" and money("CNY", 0) == "¥0"
    assert PRICES_AS_OF in estimate_note() and "estimate" in estimate_note()


def test_context_fill_against_the_window_warns_at_80_percent() -> None:
    assert compact(1_048_576) == "1M" and compact(83_000) == "83k" and compact(262_144) == "262k"
    fill = context_fill(Usage(80_000, 3_000), PRO)
    assert fill is not None and fill.text() == "83k / 1M" and not fill.warning
    small = ModelInfo("m", 1000, 100)
    near = context_fill(Usage(700, 100), small)
    assert near is not None and near.warning and near.text() == "800 / 1k (80%)"
    assert context_fill(None, PRO) is None


def test_reply_stats_say_the_cache_share_and_the_estimate() -> None:
    assert reply_stats(Usage(2000, 10, 0, 1500), PRO)[0] == "2k in, 75% cached"
    assert reply_stats(Usage(2000, 10, 0, None), PRO)[1].startswith("≤ ¥")
    assert reply_stats(Usage(20, 1, 0, None), ModelInfo("x", 10, 1)) == ["20 in"]


def test_usage_sums_keep_unknown_apart_from_zero() -> None:
    assert (Usage(1, 1, 0, None) + Usage(1, 1, 0, None)).cached_tokens is None
    assert (Usage(1, 1, 0, None) + Usage(1, 1, 0, 0)).cached_tokens == 0
    assert (Usage(5, 1, 0, 2) + Usage(5, 1, 0, 3)).cached_tokens == 5


def test_config_models_table_overrides_and_reports_bad_values() -> None:
    from mimo_tui.catalogue import from_config

    notices: list[str] = []
    models = from_config(
        {
            "mimo-v2.5-pro": {"context_window": 2000, "max_output": "big"},
            "mimo-v9": {
                "inputs": ["text", "image"],
                "prices": [{"currency": "USD", "input_miss": 1, "output": 2}],
                "thinking_default": False,
            },
            "bad id!": {},
            "mimo-x": {"prices": [{"currency": "EUR", "input_miss": 1, "output": 2}]},
        },
        "config.toml",
        notices,
    )
    cat = Catalogue(extra=models)
    pro = cat.lookup("mimo-v2.5-pro[1m]")
    assert pro.context_window == 2000 and pro.max_output == 131_072  # bad one: the default
    assert pro.prices == Catalogue().lookup("mimo-v2.5-pro").prices  # untouched fields kept
    v9 = cat.lookup("mimo-v9")
    assert v9.known and v9.accepts("image") and not v9.thinking_default
    assert v9.prices == (Price("USD", 1.0, None, 2.0),) and v9.prices_as_of == "config.toml"
    assert cat.lookup("mimo-x").prices == ()
    assert len(notices) == 3
    assert any("max_output" in n and "using the default" in n for n in notices)
    assert any("'bad id!'" in n for n in notices) and any("EUR" in n for n in notices)


def test_config_toml_models_tables_reach_the_settings_with_notices(tmp_path) -> None:
    from mimo_tui.config import Paths, load_settings

    paths = Paths(tmp_path / "config", tmp_path / "data")
    paths.config_dir.mkdir(parents=True)
    paths.config_file.write_text(
        '[models."mimo-v2.5-pro"]\ncontext_window = 500_000\nthinking_default = "yes"\n'
        '[models."mimo-v3"]\ncontext_window = 2_000_000\ninputs = ["text", "image"]\n'
        '[[models."mimo-v3".prices]]\ncurrency = "USD"\ninput_miss = 0.5\noutput = 1.0\n'
    )
    settings = load_settings(paths, env={})
    cat = settings.catalogue
    assert cat.lookup("mimo-v2.5-pro").context_window == 500_000
    assert cat.lookup("mimo-v2.5-pro").thinking_default is True  # the bad value: default
    assert cat.lookup("mimo-v3").accepts("image") and cat.lookup("mimo-v3").prices[0].output == 1
    (notice,) = settings.notices
    assert "thinking_default" in notice and "using the default" in notice


def test_the_usage_csv_holds_the_cache_hit_rate_as_a_plain_number() -> None:
    """`usage --csv` is for spreadsheets: 0.68, not "68%" (the table keeps "68%")."""
    from mimo_tui.cost import usage_table
    from mimo_tui.model import UsageRow

    row = UsageRow("2026-12-01", "mimo-v2.5-pro", 2, Usage(1000, 10, 0, 680), 1000)
    _, table, _ = usage_table([row], Catalogue())
    _, csv_rows, _ = usage_table([row], Catalogue(), mark=False)
    assert table[0][5] == "68%" and csv_rows[0][5] == 0.68
