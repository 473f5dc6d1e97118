"""Invariant rules of invoicing: an invoice's amounts are the sums of its rows, its status is what they give,
and the invoices agree with the order's payments (orders keeps the payment status; invoicing applies it).

Comparisons of sums allow half a cent, as orders' rules do: SQLite adds decimal columns as floats (on
PostgreSQL, with amounts in whole cents, the half cent changes no answer)."""

from decimal import Decimal

from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from catalog.invariants import listed
from oms.invariants import rule
from orders.invariants.totals import HALF_CENT, MONEY, differs
from orders.models import Order

from .models import Invoice, InvoiceLine, InvoicePayment

ZERO = Value(Decimal("0.00"))
S = Invoice.Status


def _sum(queryset, key: str, field: str):
    rows = queryset.filter(**{key: OuterRef("pk")}).order_by().values(key).annotate(total=Sum(field))
    return Coalesce(Subquery(rows.values("total"), output_field=MONEY), ZERO, output_field=MONEY)


@rule("invoicing: an invoice's totals are the sums of its rounded lines")
def totals_are_line_sums() -> list[str]:
    lines = InvoiceLine.objects
    invoices = (
        Invoice.objects.annotate(
            net=_sum(lines, "invoice", "net"), tax=_sum(lines, "invoice", "tax"), gross=_sum(lines, "invoice", "gross")
        )
        .filter(
            differs(F("total_net"), F("net"))
            | differs(F("total_tax"), F("tax"))
            | differs(F("total_gross"), F("gross"))
        )
        .order_by("pk")
        .values_list("pk", "number", "total_gross", "gross")
    )
    return listed(invoices, lambda r: f"invoice {r[1] or r[0]}: total {r[2]}, lines sum to {r[3]}")


@rule("invoicing: paid is the sum of applied payments, credited the sum of live credit invoices")
def paid_and_credited_are_row_sums() -> list[str]:
    credits = Invoice.objects.filter(kind=Invoice.Kind.CREDIT, status__in=Invoice.LIVE)
    invoices = (
        Invoice.objects.annotate(
            applied=_sum(InvoicePayment.objects, "invoice", "amount"),
            credited=_sum(credits, "credit_for", "total_gross"),
        )
        .filter(differs(F("amount_paid"), F("applied")) | differs(F("amount_credited"), F("credited")))
        .order_by("pk")
        .values_list("pk", "number", "amount_paid", "applied", "amount_credited", "credited")
    )
    return listed(
        invoices, lambda r: f"invoice {r[1] or r[0]}: paid {r[2]} (rows {r[3]}), credited {r[4]} (credits {r[5]})"
    )


@rule("invoicing: an invoice's status is what its paid and credited amounts give")
def status_follows_amounts() -> list[str]:
    open_amount = F("total_gross") - F("amount_credited") - F("amount_paid")
    debit = Invoice.objects.filter(kind=Invoice.Kind.DEBIT)
    wrong = (
        debit.filter(status=S.PAID).filter(
            Q(amount_paid__lte=0, amount_credited__lte=0)
            | Q(total_gross__gt=F("amount_credited") + F("amount_paid") + HALF_CENT)
        )
        | debit.filter(status=S.PARTIALLY_PAID).filter(
            Q(amount_paid__lte=0) | Q(total_gross__lte=F("amount_credited") + F("amount_paid") + HALF_CENT)
        )
        | debit.filter(status__in=[S.ISSUED, S.SENT, S.DRAFT, S.CANCELLED], amount_paid__gt=0)
    )
    rows = wrong.annotate(open_amount=open_amount).order_by("pk").values_list("pk", "number", "status", "open_amount")
    return listed(rows, lambda r: f"invoice {r[1] or r[0]}: status {r[2]} with {r[3]} open")


@rule("invoicing: an order's money applied to invoices is at most what it holds, and none waits beside an open invoice")
def payments_agree_with_invoices() -> list[str]:
    applied = _sum(InvoicePayment.objects, "order", "amount")
    own_open = Invoice.objects.filter(
        order=OuterRef("pk"), kind=Invoice.Kind.DEBIT, combined=False, status__in=Invoice.OPEN
    ).filter(total_gross__gt=F("amount_paid") + F("amount_credited") + HALF_CENT)
    orders = (
        Order.objects.filter(Q(invoices__isnull=False))
        .distinct()
        .annotate(
            applied=applied,
            open_invoices=Subquery(own_open.values("order").annotate(n=Sum("total_gross")).values("n")[:1]),
        )
        .filter(
            Q(applied__gt=Coalesce(F("amount_paid"), ZERO) + HALF_CENT) & Q(applied__gt=0)
            | Q(applied__lt=F("amount_paid") - HALF_CENT, open_invoices__isnull=False)
        )
        .order_by("pk")
        .values_list("number", "amount_paid", "applied")
    )
    return listed(orders, lambda r: f"order {r[0]}: holds {r[1]}, applied to invoices {r[2]}")
