"""Split families: money is conserved across the family, and a family stays with one customer."""

from django.db.models import F, Sum

from oms.invariants import rule
from oms.money import quantize

from ..models import Order


@rule("orders.split_family_total")
def split_family_total() -> list[str]:
    """The totals of a family (root + every order split off it) equal the root's expected family total:
    the total before the first split, adjusted by the changes committed since (see services/split.py)."""
    roots = (
        Order.objects.filter(family_expected_total__isnull=False)
        .annotate(children_total=Sum("family__total_gross"))
        .values_list("number", "total_gross", "children_total", "family_expected_total")
    )
    # quantize: SQLite sums decimals as floats.
    sums = [(number, quantize(own + (children or 0)), expected) for number, own, children, expected in roots]
    return [
        f"Split family {n}: parts add up to {total}, expected {expected}"
        for n, total, expected in sums
        if total != expected
    ]


@rule("orders.split_child_same_customer")
def split_child_same_customer() -> list[str]:
    """Every split-off order belongs to its parent's (and its root's) customer."""
    wrong = Order.objects.filter(parent__isnull=False).exclude(
        customer_id=F("parent__customer_id"), root__customer_id=F("customer_id")
    )
    return [f"Order {number}: customer differs from its parent's" for number in wrong.values_list("number", flat=True)]
