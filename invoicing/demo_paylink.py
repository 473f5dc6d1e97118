"""Demo data of the pay-link side, made through the services: invoices paid online through the pay link
(one in full, one by a deposit), and overdue invoices in each age bucket of the ageing report.

The online payments go the way a customer's do: the local provider opens the payment (`start`), and
its verified callback result is recorded by `provider_payment_record`. Safe to run again: the demo
payments' provider ids are fixed, so a second run finds them and adds nothing.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from orders.exceptions import OrderError
from orders.models import Order, OrderPayment

from .models import Invoice, PaymentTerms
from .paylink import paylink_facts, paylink_payment_start, provider_payment_record
from .providers import CallbackResult, provider_get
from .services.drafts import invoice_create
from .services.issue import invoice_issue

DEMO_CUSTOMER = "customer@example.com"  # the storefront demo login sees the paid and deposit invoices
# Overdue ones, oldest first so that numbers follow issue dates: (terms, issued days ago) = 75, 45 and 12 days
# overdue, one in each of the buckets 61-90, 31-60 and 0-30. (90+ needs an order older than the demo's 90 days.)
OVERDUE = (("immediate", 75), ("net_14", 59), ("net_30", 42))
MARK = "local:demo-"


def _candidates() -> list[Order]:
    """Placed demo orders with nothing paid and no invoice yet, oldest first."""
    return list(
        Order.objects.filter(status=Order.Status.PLACED, payment_status=Order.PaymentStatus.UNPAID, amount_paid=0)
        .filter(invoices__isnull=True)
        .select_related("customer")
        .order_by("created_at", "pk")
    )


def _issue(candidates: list[Order], terms_code: str, days_ago: int, *, customer_email: str = "") -> Invoice | None:
    """Invoice the oldest candidate placed by the issue date (of that customer, if given); None if none fits."""
    terms = PaymentTerms.objects.get(code=terms_code)
    issue_date = timezone.localdate() - timedelta(days=days_ago)
    for order in list(candidates):
        if timezone.localdate(order.created_at) > issue_date or (
            customer_email and order.customer.email != customer_email
        ):
            continue
        candidates.remove(order)
        try:
            draft = invoice_create(order_id=order.pk, terms_id=terms.pk, source="system")
            return invoice_issue(invoice_id=draft.pk, source="system", issue_date=issue_date)
        except OrderError:
            continue  # an order the guards refuse (changed by hand since): take the next
    return None


def _pay_online(invoice: Invoice, amount: Decimal, key: str) -> None:
    """What a customer does on the pay page, with the local provider's confirmation."""
    provider = provider_get("local")
    paylink_payment_start(invoice=invoice, amount=amount, return_url="/", provider=provider)
    result = CallbackResult(payment_id=f"demo-{key}", invoice_id=invoice.pk, amount=amount,
                            currency=invoice.currency, succeeded=True)  # fmt: skip
    provider_payment_record(provider=provider, result=result)


def seed_paylink_demo(stdout=None) -> int:
    """The step `orders.demo` runs; returns how many invoices it made (0 on a second run)."""
    if OrderPayment.objects.filter(idempotency_key__startswith=MARK).exists():
        return 0
    candidates = _candidates()
    made = [inv for terms, days in OVERDUE if (inv := _issue(candidates, terms, days))]
    for key, terms, days in (("paid", "net_14", 3), ("deposit", "deposit_30", 2)):
        invoice = _issue(candidates, terms, days, customer_email=DEMO_CUSTOMER) or _issue(candidates, terms, days)
        if invoice:
            facts = paylink_facts(invoice)
            _pay_online(invoice, facts.balance if key == "paid" else facts.next_instalment.open_amount, key)
            made.append(invoice)
    if stdout is not None:
        numbers = ", ".join(inv.number for inv in made)
        stdout.write(f"Pay link: overdue 75, 45 and 12 days, then paid in full and by a deposit online: {numbers}.")
    return len(made)
