"""What every benchmark reports, the same way (imported by the scripts in bench/).

- A RESULT comparing two sides is the ratio of their *totals* over all rounds (the
  honest figure: a median of per-round ratios hides rounds that went badly), printed
  with the min/median/max of the per-round ratios beside it.
- Rounds alternate which side goes first (``rotation``), so drift hits every side alike.
- Each RESULT is checked against its target; ``finish`` exits 1 when one missed, so
  ``make bench`` fails.

Lines look like ``RESULT <name> <value> target <op> <number>``.
"""

from __future__ import annotations

import operator
import statistics
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}
_missed: list[str] = []


def rotation(sides: Sequence[T], round_number: int) -> list[T]:
    """The sides in this round's order: each round starts one side later."""
    k = round_number % len(sides)
    return [*sides[k:], *sides[:k]]


def spread(values: Sequence[float]) -> str:
    """``min/median/max`` of per-round values."""
    if not values:
        return "no rounds"
    return f"min {min(values):.3f} / median {statistics.median(values):.3f} / max {max(values):.3f}"


def result(name: str, value: float, op: str, target: float, *, digits: int = 3) -> bool:
    """Print one RESULT line; remember it when it misses its target."""
    print(f"RESULT {name} {value:.{digits}f} target {op} {target:g}")
    if not OPS[op](value, target):
        _missed.append(f"{name} {value:.{digits}f} (target {op} {target:g})")
        return False
    return True


def ratio_result(
    name: str,
    numerator: Sequence[float],
    denominator: Sequence[float],
    op: str,
    target: float,
) -> bool:
    """RESULT = sum(numerator) / sum(denominator), with the rounds' ratios beside it."""
    rounds = [n / d for n, d in zip(numerator, denominator, strict=True) if d > 0]
    print(f"{name} per round: {spread(rounds)} ({len(rounds)} rounds)")
    return result(name, sum(numerator) / sum(denominator), op, target)


def finish() -> None:
    """Exit 1 (after saying which) when a RESULT missed its target, else 0."""
    if _missed:
        print("MISSED: " + "; ".join(_missed), file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
