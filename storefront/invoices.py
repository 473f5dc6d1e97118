"""The customer's invoices and credit invoices, as the storefront order page lists them.

Only issued documents are shown (a draft is the back office's work in progress), and only to the
customer of the invoice's order: anything else is "not found", the same as someone else's order.
A combined invoice for a split family is listed on every order of the family it has lines for.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.urls import reverse

from invoicing.models import Invoice
from invoicing.paylink import paylink_token
from orders.models import Customer, Order


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    pdf_url: str
    pay_url: str  # empty when nothing can be paid

    @property
    def balance(self) -> Decimal:
        return self.invoice.balance

    @property
    def status_label(self) -> str:
        if self.invoice.is_overdue:
            return "Overdue"
        return self.invoice.get_status_display()

    @property
    def tone(self) -> str:
        status = self.invoice.status
        if self.invoice.is_overdue:
            return "waiting"
        return {"paid": "done", "partially_paid": "active", "sent": "active", "issued": "active"}.get(status, "muted")


def _issued() -> Q:
    return ~Q(status=Invoice.Status.DRAFT) & ~Q(number="")


def invoice_list_for_customer_order(*, customer: Customer, order: Order) -> list[InvoiceRow]:
    """The order's issued invoices and credit invoices, oldest first (one query)."""
    mine = Q(order=order) | Q(lines__source_order=order)
    invoices = (
        Invoice.objects.filter(_issued(), mine, order__customer=customer)
        .select_related("credit_for")
        .defer("pdf", "credit_for__pdf")
        .distinct()
        .order_by("issued_at", "pk")
    )
    rows = []
    for invoice in invoices:
        payable = not invoice.is_credit and invoice.status in Invoice.OPEN and invoice.balance > 0
        rows.append(
            InvoiceRow(
                invoice=invoice,
                pdf_url=reverse("storefront:invoice_pdf", args=[invoice.number]),
                pay_url=reverse("paylink:pay", args=[paylink_token(invoice)]) if payable else "",
            )
        )
    return rows


def invoice_get_for_customer(*, customer: Customer, number: str) -> Invoice | None:
    """One issued invoice or credit invoice of this customer's, by number; None for anyone else's."""
    return Invoice.objects.filter(_issued(), number=number, order__customer=customer).first()
