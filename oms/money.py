"""The one place where money is rounded and shared out.

Amounts are Decimal with two places; each line is rounded once, half-up, and totals are sums of
rounded lines. `allocate` shares an amount over weights so that the parts add up to the cent.
"""

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

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

    With all weights zero the amount is shared equally. Remainders are compared exactly (integers), so
    equal remainders always go to the earliest weight: with Decimal division, 1/3 and 4/3 carry
    different rounding and the tie rule would depend on it.
    """
    amount = quantize(amount)
    if not weights:
        return []
    places = max(0, *(-Decimal(w).as_tuple().exponent for w in weights))
    units = [int(Decimal(w).scaleb(places)) for w in weights]  # exact: every weight as an integer
    if any(u < 0 for u in units):
        raise ValueError("allocate: weights cannot be negative.")
    total = sum(units)
    if total == 0:
        units, total = [1] * len(units), len(units)
    cents = int(amount / CENT)
    sign, cents = (-1 if cents < 0 else 1), abs(cents)
    shares = [divmod(cents * u, total) for u in units]
    parts = [whole for whole, _ in shares]
    # Hand the remaining cents to the largest remainders; ties go to the earliest weight.
    order = sorted(range(len(units)), key=lambda i: (-shares[i][1], i))
    for i in order[: cents - sum(parts)]:
        parts[i] += 1
    return [Decimal(sign * part) * CENT for part in parts]
