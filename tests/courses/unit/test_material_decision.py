"""The rule that decides a digital-material or distance course case's round (R-CRS-14,
services/courses/README.md): pass when the mean is at least 70 and no score is under 60;
otherwise revise when the mean is at least 60; else fail. Edges on each bound."""
from __future__ import annotations

from decimal import Decimal

import pytest

from servicekit.errors import Invalid
from services.courses.domain.materials import check_score, decide, mean_of


@pytest.mark.parametrize("scores, result", [
    ((70, 70, 70), "pass"),          # mean exactly 70
    ((60, 75, 75), "pass"),          # mean 70, lowest exactly 60
    ((100, 100, 100), "pass"),
    ((69, 70, 70), "revise"),        # mean 69.67: just under 70
    ((59, 80, 80), "revise"),        # mean 73 but one score under 60
    ((0, 100, 100), "revise"),       # mean 66.67, a zero
    ((60, 60, 60), "revise"),        # mean exactly 60
    ((59, 60, 61), "revise"),        # mean exactly 60 with a score under 60
    ((59, 60, 60), "fail"),          # mean 59.67: just under 60
    ((0, 0, 0), "fail"),
])
def test_the_rule_on_its_edges(scores, result) -> None:
    assert decide(scores) == result


def test_the_mean_is_compared_exactly_not_rounded() -> None:
    # 209 / 3 = 69.666…: shown as 69.67, still under 70
    assert decide((69, 70, 70)) == "revise"
    assert mean_of((69, 70, 70)) == Decimal("69.67")
    assert mean_of((70, 70, 70)) == Decimal("70.00")


def test_a_round_is_decided_on_three_scores() -> None:
    with pytest.raises(ValueError):
        decide((80, 80))


@pytest.mark.parametrize("score", [-1, 101, 1000, True])
def test_a_score_is_a_whole_number_from_0_to_100(score) -> None:
    with pytest.raises(Invalid) as refused:
        check_score(score)
    assert refused.value.slug == "score-out-of-range"


@pytest.mark.parametrize("score", [0, 59, 60, 100])
def test_scores_in_range_are_taken(score) -> None:
    check_score(score)
