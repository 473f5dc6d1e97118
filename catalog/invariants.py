"""Invariant rules of the stock ledger, each one aggregate query (they must run over millions of rows)."""

from django.db.models import F, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce

from oms.invariants import rule

from .models import StockLevel

SHOWN = 50


def listed(rows, describe) -> list[str]:
    """The first SHOWN breaking rows, described; one more line says when there are more."""
    rows = list(rows[: SHOWN + 1])
    described = [describe(row) for row in rows[:SHOWN]]
    if len(rows) > SHOWN:
        described.append(f"... and more (only the first {SHOWN} are shown)")
    return described


def _ledger_sum(field: str):
    return Coalesce(Sum(f"movements__{field}"), Value(0), output_field=IntegerField())


@rule("catalog: every stock level equals the sums of its movements")
def stock_levels_match_ledger() -> list[str]:
    levels = (
        StockLevel.objects.annotate(
            ledger_on_hand=_ledger_sum("on_hand_delta"),
            ledger_allocated=_ledger_sum("allocated_delta"),
            ledger_quarantined=_ledger_sum("quarantined_delta"),
        )
        .filter(
            ~Q(on_hand=F("ledger_on_hand"))
            | ~Q(allocated=F("ledger_allocated"))
            | ~Q(quarantined=F("ledger_quarantined"))
        )
        .order_by("pk")
        .values_list(
            "pk",
            "product__sku",
            "location__code",
            "on_hand",
            "allocated",
            "quarantined",
            "ledger_on_hand",
            "ledger_allocated",
            "ledger_quarantined",
        )
    )
    return listed(
        levels,
        lambda r: (
            f"level {r[0]} ({r[1]} @ {r[2]}): on_hand/allocated/quarantined {r[3]}/{r[4]}/{r[5]}, "
            f"ledger says {r[6]}/{r[7]}/{r[8]}"
        ),
    )


@rule("catalog: no stock quantity and no sellable figure is negative")
def stock_levels_not_negative() -> list[str]:
    levels = (
        StockLevel.objects.filter(
            Q(on_hand__lt=0)
            | Q(allocated__lt=0)
            | Q(quarantined__lt=0)
            | Q(on_hand__lt=F("allocated") + F("quarantined"))
        )
        .order_by("pk")
        .values_list("pk", "product__sku", "location__code", "on_hand", "allocated", "quarantined")
    )
    return listed(
        levels,
        lambda r: f"level {r[0]} ({r[1]} @ {r[2]}): on_hand {r[3]}, allocated {r[4]}, quarantined {r[5]}",
    )
