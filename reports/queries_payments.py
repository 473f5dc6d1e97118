"""Payment reconciliation: payments matched to invoices, payments matched to none, invoices paid but not fully
shipped.

Payments are order payments received (kind "payment") with `paid_on` in the range, of orders in the channel.
A payment is matched when it was applied to an invoice (`InvoicePayment` rows carry it); what a reversal
or a split transfer moves is not a payment received and is left out. Unmatched payments are those with no
application that were not reversed either (money on an order no invoice has taken yet).
"""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from invoicing.models import Invoice, InvoicePayment
from orders.models import Order, OrderPayment

from .forms import Filters
from .tables import Page, Table, cents

LIST_MAX = 100


def received(filters: Filters) -> QuerySet[OrderPayment]:
    payments = OrderPayment.objects.filter(
        kind=OrderPayment.Kind.PAYMENT, paid_on__gte=filters.since, paid_on__lte=filters.until
    )
    return payments.filter(order__channel_id=filters.channel_id) if filters.channel_id else payments


def summary(filters: Filters) -> Table:
    applied = InvoicePayment.objects.filter(payment=OuterRef("pk"))
    counts = (
        received(filters)
        .annotate(matched=Exists(applied))
        .values("order__currency")
        .annotate(
            payments=Count("pk"),
            received_sum=Sum("amount"),
            matched_n=Count("pk", filter=Q(matched=True)),
            unmatched_n=Count("pk", filter=Q(matched=False, reversal__isnull=True)),
            unmatched=Sum("amount", filter=Q(matched=False, reversal__isnull=True)),
        )
        .order_by("order__currency")
    )
    applied_sums = dict(
        InvoicePayment.objects.filter(payment__in=received(filters))
        .values("invoice__currency")
        .annotate(total=Sum("amount"))
        .values_list("invoice__currency", "total")
    )
    table = Table(
        "Payments received and matched to invoices",
        ["Currency", "Payments", "Received", "Matched payments", "Applied to invoices", "Unmatched payments",
         "Unmatched amount"],
    )  # fmt: skip
    table.rows = [
        (r["order__currency"], r["payments"], cents(r["received_sum"]), r["matched_n"],
         cents(applied_sums.get(r["order__currency"])), r["unmatched_n"], cents(r["unmatched"]))
        for r in counts
    ]  # fmt: skip
    return table


def unmatched(filters: Filters) -> Table:
    rows = (
        received(filters)
        .filter(invoice_applications__isnull=True, reversal__isnull=True)
        .values("paid_on", "order__number", "order__customer__name", "order__currency", "amount", "method", "reference")
        .order_by("paid_on", "pk")[:LIST_MAX]
    )
    table = Table(
        f"Unmatched payments (oldest first, first {LIST_MAX})",
        ["Paid on", "Order", "Customer", "Currency", "Amount", "Method", "Reference"],
    )
    table.rows = [
        (r["paid_on"], r["order__number"], r["order__customer__name"], r["order__currency"], cents(r["amount"]),
         r["method"], r["reference"])
        for r in rows
    ]  # fmt: skip
    return table


def paid_not_shipped(filters: Filters) -> Table:
    """Debit invoices paid in full whose order still has units to ship (work for the warehouse, or a refund)."""
    invoices = Invoice.objects.filter(kind=Invoice.Kind.DEBIT, status=Invoice.Status.PAID).exclude(
        Q(order__fulfillment_status=Order.FulfillmentStatus.FULFILLED) | Q(order__status=Order.Status.CANCELED)
    )
    if filters.channel_id:
        invoices = invoices.filter(order__channel_id=filters.channel_id)
    rows = invoices.values(
        "number", "order__number", "customer_name", "paid_at", "currency", "total_gross", "order__fulfillment_status"
    ).order_by("paid_at", "number")[:LIST_MAX]
    labels = dict(Order.FulfillmentStatus.choices)
    table = Table(
        f"Invoices paid, order not fully shipped (oldest payment first, first {LIST_MAX})",
        ["Invoice", "Order", "Customer", "Paid", "Currency", "Total gross", "Shipping status"],
    )
    table.rows = [
        (r["number"], r["order__number"], r["customer_name"],
         timezone.localdate(r["paid_at"]) if r["paid_at"] else None, r["currency"], cents(r["total_gross"]),
         labels[r["order__fulfillment_status"]])
        for r in rows
    ]  # fmt: skip
    return table


def report_payments(filters: Filters) -> Page:
    page = Page("payments", "Payment reconciliation", [summary(filters), unmatched(filters), paid_not_shipped(filters)])
    page.notes.append("Invoices paid but not fully shipped are those open now, whatever the date range.")
    return page
