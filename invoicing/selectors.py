"""Read queries of invoicing: the staff list and its tabs, one invoice's page, an order's invoices."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from oms.admin_lists import capped_counts

from .models import Invoice, InvoiceLine, InvoicePayment

S = Invoice.Status


@dataclass(frozen=True)
class InvoiceTab:
    slug: str
    label: str

    def condition(self) -> Q:
        today = timezone.localdate()
        return {
            "all": Q(),
            "draft": Q(status=S.DRAFT),
            "issued": Q(status__in=Invoice.OPEN),
            "overdue": Q(status__in=Invoice.OPEN, next_due_date__lt=today),
            "paid": Q(status=S.PAID),
            "cancelled": Q(status=S.CANCELLED),
        }[self.slug]


INVOICE_TABS = (
    InvoiceTab("all", "All"),
    InvoiceTab("draft", "Drafts"),
    InvoiceTab("issued", "Open"),
    InvoiceTab("overdue", "Overdue"),
    InvoiceTab("paid", "Paid"),
    InvoiceTab("cancelled", "Cancelled"),
)
TABS_BY_SLUG = {tab.slug: tab for tab in INVOICE_TABS}


def invoice_list_for_staff() -> QuerySet:
    return Invoice.objects.select_related("order", "credit_for").defer("pdf")


def invoice_tab_counts() -> dict:
    """Capped counts of every tab in one query."""
    base = Invoice.objects.all()
    return capped_counts({tab.slug: base.filter(tab.condition()) for tab in INVOICE_TABS})


def invoice_search(queryset: QuerySet, term: str) -> QuerySet:
    """Invoice number (whole or its start, e.g. INV-2026-0001) or order number; index look-ups only."""
    term = term.strip().lstrip("#")
    if not term:
        return queryset
    return queryset.filter(Q(number__istartswith=term) | Q(order__number=term))


def invoice_for_staff(pk) -> Invoice | None:
    return (
        Invoice.objects.select_related("order__customer", "credit_for", "terms", "created_by")
        .prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.select_related("source_order")),
            "instalments",
            Prefetch("applications", queryset=InvoicePayment.objects.select_related("payment", "order")),
            Prefetch("credits", queryset=Invoice.objects.defer("pdf").order_by("pk")),
        )
        .defer("pdf")
        .filter(pk=pk)
        .first()
    )


def invoices_of_order(order) -> list[Invoice]:
    """The order's invoices and credit invoices, its own and its family's combined ones, oldest first."""
    ids = Invoice.objects.filter(Q(order=order) | Q(lines__source_order=order)).values("pk")
    return list(Invoice.objects.filter(pk__in=ids).select_related("credit_for").defer("pdf").order_by("pk"))
