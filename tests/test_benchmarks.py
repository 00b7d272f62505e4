"""The benchmark runner's command line (the benchmarks themselves run on demand, not here)."""

from __future__ import annotations

import pytest

from benchmarks.__main__ import NAMES, parse_args


def test_no_names_runs_every_benchmark_and_names_pick_some():
    assert parse_args([]).names == NAMES
    assert parse_args(["--quick"]).quick is True
    assert parse_args(["store", "memory"]).names == ["store", "memory"]


def test_an_unknown_benchmark_is_refused(capsys):
    with pytest.raises(SystemExit):
        parse_args(["nonsense"])
    assert "invalid choice" in capsys.readouterr().err
