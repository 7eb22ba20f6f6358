"""`ledgerbus fraud evaluate` runs the scorer's own rules over each generator's data set and
prints, per generator and seed, every injected pattern's precision, recall and F1 and the share
of normal expenses flagged; its exit status says whether every data set met the targets."""

from __future__ import annotations

import pytest

from deploy import fraud_eval
from deploy.fraud_replay import PatternResult
from deploy.synthetic.fraud import catalog


def test_every_generator_has_tuning_and_held_out_seeds_apart() -> None:
    for name in catalog.GENERATORS:
        assert catalog.TUNING_SEEDS[name]
        assert catalog.HELD_OUT_SEEDS[name]
        assert not set(catalog.TUNING_SEEDS[name]) & set(catalog.HELD_OUT_SEEDS[name])


def test_a_report_counts_each_pattern_and_the_normal_flagged() -> None:
    report = fraud_eval.evaluate("statements", catalog.TUNING_SEEDS["statements"][0], users=12)
    assert {p.pattern for p in report.patterns} == set(catalog.PATTERNS_OF["statements"])
    assert all(p.labelled > 0 for p in report.patterns)
    assert 0 < report.normal < report.expenses
    assert 0.0 <= report.false_positive_rate <= 1.0


def test_the_targets_hold_on_every_data_set_not_on_average() -> None:
    good = PatternResult("duplicate", labelled=10, predicted=10, hits=10)
    poor = PatternResult("outlier", labelled=10, predicted=2, hits=2)
    base = dict(
        generator="g",
        seed=1,
        threshold=50,
        users=10,
        expenses=100,
        normal=90,
        confusion={},
        seconds=(0.001,),
        profile_bytes_max=1,
    )
    assert fraud_eval.Report(false_positives=0, patterns=(good,), **base).passed  # type: ignore[arg-type]
    assert not fraud_eval.Report(false_positives=0, patterns=(good, poor), **base).passed  # type: ignore[arg-type]
    assert not fraud_eval.Report(false_positives=1, patterns=(good,), **base).passed  # type: ignore[arg-type]


def test_the_command_prints_a_table_per_data_set_and_a_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed = catalog.TUNING_SEEDS["lognormal"][0]
    code = fraud_eval.main(
        ["--generator", "lognormal", "--seed", str(seed), "--users", "12", "--jobs", "1"]
    )
    out = capsys.readouterr().out
    assert f"lognormal, seed {seed}: 12 people" in out
    for pattern in catalog.PATTERNS_OF["lognormal"]:
        assert f"  {pattern} " in out
    assert "normal flagged:" in out
    assert out.rstrip().splitlines()[-1].startswith("targets (every data set")
    verdict = out.rstrip().rsplit(": ", 1)[1]
    assert verdict in ("met", "MISSED")
    assert code == (0 if verdict == "met" else 1)
