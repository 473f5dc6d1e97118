"""The one place where money is rounded and shared out.

Amounts are Decimal with two places; each line is rounded once, half-up, and totals are sums of
rounded lines. `allocate` shares an amount over weights so that the parts add up to the cent.
"""

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def quantize(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def tax_split(*, amount: Decimal, rate: Decimal, includes_tax: bool) -> tuple[Decimal, Decimal, Decimal]:
    """Return (net, tax, gross) of an amount at a percentage rate, each rounded once."""
    if includes_tax:
        gross = quantize(amount)
        net = quantize(gross * HUNDRED / (HUNDRED + rate))
        return net, gross - net, gross
    net = quantize(amount)
    tax = quantize(net * rate / HUNDRED)
    return net, tax, net + tax


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Share `amount` over `weights` in cents (largest remainder); the parts always sum to `amount`.

    With all weights zero the amount is shared equally.
    """
    amount = quantize(amount)
    if not weights:
        return []
    total_weight = sum(weights, Decimal(0))
    if total_weight == 0:
        weights = [Decimal(1)] * len(weights)
        total_weight = Decimal(len(weights))
    cents = int(amount / CENT)
    # Exact fractions: with Decimal's 28 digits, equal remainders of different sizes (1/3 and 4/3) compare
    # unequal, and the tie rule below would depend on the rounding of the division.
    raw = [Fraction(cents) * Fraction(w) / Fraction(total_weight) for w in weights]
    floors = [int(r) for r in raw]  # toward zero
    left = cents - sum(floors)
    # Hand the remaining cents to the largest remainders; ties go to the earliest weight.
    order = sorted(range(len(raw)), key=lambda i: (-abs(raw[i] - floors[i]), i))
    step = 1 if left >= 0 else -1
    for i in order[: abs(left)]:
        floors[i] += step
    return [Decimal(c) * CENT for c in floors]
