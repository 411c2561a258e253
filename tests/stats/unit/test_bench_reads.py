"""The stats scenario reads the 1x and 10x histories interleaved (issue 13, "Measured"):
each report read on both, one right after the other, which goes first alternating, so
that both p95s see the same load."""
from __future__ import annotations

from bench import stats


def test_the_two_histories_are_read_in_turns_each_going_first_half_the_time() -> None:
    order: list[tuple[int, int]] = []
    one, ten = stats._interleaved(3, lambda side, item: order.append((side, item)))
    assert len(one) == len(ten) == 3 * stats.ROUNDS
    pairs = list(zip(order[::2], order[1::2], strict=True))
    assert all(a[1] == b[1] and {a[0], b[0]} == {0, 1} for a, b in pairs)
    first_at_1x = sum(1 for a, _ in pairs if a[0] == 0)
    assert abs(first_at_1x - len(pairs) / 2) <= 1
    # An item read first at 1x in one round is read first at 10x in the next.
    assert pairs[0][0][0] != pairs[3][0][0]
