"""The package's curated surface: every exported name exists and nothing else is promised."""

from __future__ import annotations

import authsift.analysis as analysis


def test_all_names_are_exported() -> None:
    for name in analysis.__all__:
        assert hasattr(analysis, name), name
    assert sorted(analysis.__all__) == sorted(set(analysis.__all__))
    assert {"Baseline", "Calibration", "Judgement", "Verdict", "judge", "confirm"} <= set(
        analysis.__all__
    )


def test_verdict_values_are_stable_strings() -> None:
    assert [v.value for v in analysis.Verdict] == ["accepted", "rejected", "inconclusive"]
