"""Demo invoices (manage.py seed_demo runs this step after the orders): every status, made through the services.

Idempotent: it does nothing when demo invoices exist. Picks placed demo orders by what they are (paid, unpaid,
wholesale) in a fixed order, so the result is the same on every run of a fresh database.
"""

from datetime import timedelta

from django.utils import timezone

from orders.exceptions import OrderError
from orders.models import Order

from .models import Invoice, PaymentTerms
from .services.credits import invoice_credit
from .services.drafts import invoice_create
from .services.issue import invoice_issue
from .services.lifecycle import invoice_cancel, invoice_send

NOTE = "Demo invoice"


def _candidates():
    """Placed demo orders nobody invoiced yet, unshipped first (their lines can still be credited), oldest first."""
    return (
        Order.objects.filter(
            status=Order.Status.PLACED,
            external_reference__startswith="DEMO-",
            parent=None,
            root=None,
            invoices__isnull=True,
        )  # fmt: skip
        .order_by("placed_at", "pk")
        .select_related("customer")
    )


def _terms(code: str) -> int:
    return PaymentTerms.objects.values_list("pk", flat=True).get(code=code)


def seed_invoices(stdout=None) -> int:
    if Invoice.objects.filter(note__startswith=NOTE).exists():
        return 0
    unpaid = list(_candidates().filter(payment_status=Order.PaymentStatus.UNPAID)[:8])
    paid = list(_candidates().filter(payment_status=Order.PaymentStatus.PAID)[:3])
    made = 0
    today = timezone.localdate()
    steps = [
        (unpaid, "draft", "net_30", None),
        (unpaid, "issued", "net_14", today - timedelta(days=3)),
        (unpaid, "sent", "net_30", today - timedelta(days=5)),
        (unpaid, "overdue", "net_14", today - timedelta(days=45)),
        (unpaid, "deposit", "deposit_30", today - timedelta(days=10)),
        (unpaid, "cancelled", "immediate", today - timedelta(days=20)),
        (paid, "paid", "immediate", today - timedelta(days=15)),
        (paid, "credited", "net_30", today - timedelta(days=30)),
    ]
    for pool, what, terms, day in steps:
        if not pool:
            continue
        try:
            _one(pool.pop(0), what, _terms(terms), day)
            made += 1
        except OrderError as error:
            if stdout:
                stdout.write(f"Demo invoice ({what}) skipped: {error.message}")
    return made


def _one(order: Order, what: str, terms_id: int, day) -> None:
    invoice = invoice_create(order_id=order.pk, terms_id=terms_id, note=f"{NOTE} ({what}).")
    if what == "draft":
        return
    invoice = invoice_issue(invoice_id=invoice.pk, issue_date=day)
    if what == "cancelled":
        invoice_cancel(invoice_id=invoice.pk, reason="Wrong billing address; a new invoice follows.")
        return
    if what in ("sent", "overdue", "deposit", "credited", "paid"):
        invoice_send(invoice_id=invoice.pk)
    if what == "deposit":
        from orders.services.payments import order_payment_record

        deposit = invoice.instalments.order_by("position").first()
        order_payment_record(order_id=order.pk, amount=deposit.amount, method="bank_transfer",
                             reference=f"DEPOSIT-{invoice.number}")  # fmt: skip
    if what == "credited":
        line = invoice.lines.filter(kind="item").first()
        invoice_credit(invoice_id=invoice.pk, quantities={line.pk: 1}, reason="One unit arrived damaged.")
