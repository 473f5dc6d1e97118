"""The pay link: a signed URL that lets whoever holds it see one invoice's balance and pay it, no login.

The token is `django.core.signing` over the invoice's id and number (salted for this use), so it opens
that invoice only; an altered token, another invoice's number or a link older than
`OMS_PAYLINK_MAX_AGE_DAYS` is simply not found (404). The link carries no amount: what is due is read
from the invoice each time.

Paying: the customer chooses the balance, the next scheduled instalment or a smaller amount (a deposit
or a part payment); `paylink_payment_start` checks the amount against the balance and hands it to the
payment provider (outside any transaction). The provider's verified callback reaches
`provider_payment_record`, which records the payment on the invoice's order once per provider payment
id (the order payment's idempotency key); invoicing's payment hook applies it to the invoice, which
becomes partially paid or paid.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from oms.money import ZERO
from orders.exceptions import OrderValidationError
from orders.models import OrderEvent, OrderPayment
from orders.services.locks import order_lock
from orders.services.payments import order_payment_record, payment_amount_clean

from .models import Invoice
from .providers import CallbackResult, PaymentProvider, PaymentRequest, PaymentStart, provider_default
from .services.payments import paying_invoice

SALT = "invoicing.paylink"


def _refuse(field: str, message: str) -> OrderValidationError:
    return OrderValidationError(message, details={"field": field})


def paylink_token(invoice: Invoice) -> str:
    return signing.dumps({"i": invoice.pk, "n": invoice.number}, salt=SALT)


def invoice_pay_url(invoice: Invoice) -> str:
    """The absolute pay link put in the invoice's PDF and e-mail."""
    return settings.OMS_SITE_URL + reverse("paylink:pay", args=[paylink_token(invoice)])


def paylink_invoice_get(token: str) -> Invoice | None:
    """The issued debit invoice the token opens, or None (altered, expired, or a number that changed)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.OMS_PAYLINK_MAX_AGE_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not data.get("n"):
        return None
    return (
        Invoice.objects.select_related("order", "order__customer")
        .filter(pk=data["i"], number=data["n"], kind=Invoice.Kind.DEBIT)
        .first()
    )


@dataclass(frozen=True)
class Instalment:
    due_date: date
    amount: Decimal
    open_amount: Decimal  # what of it is still unpaid


@dataclass(frozen=True)
class PayFacts:
    """What the pay page shows and accepts, read from the invoice (no query beyond its instalments)."""

    invoice: Invoice
    balance: Decimal
    instalments: list[Instalment]

    @property
    def payable(self) -> bool:
        return self.balance > ZERO and self.invoice.status in Invoice.OPEN

    @property
    def next_instalment(self) -> Instalment | None:
        return next((item for item in self.instalments if item.open_amount > ZERO), None)


def paylink_facts(invoice: Invoice) -> PayFacts:
    """The balance and the schedule, what was paid or credited taken off the earliest instalments first."""
    balance = invoice.balance
    settled = invoice.total_gross - balance
    instalments = []
    for row in sorted(invoice.instalments.all(), key=lambda row: (row.due_date, row.position, row.pk)):
        covered = min(settled, row.amount)
        settled -= covered
        instalments.append(Instalment(row.due_date, row.amount, row.amount - covered))
    return PayFacts(invoice=invoice, balance=balance, instalments=instalments)


def paylink_amount_clean(facts: PayFacts, choice: str, amount_text: str = "") -> Decimal:
    """The amount the customer chose: "balance", "instalment", or "other" with their amount (at most the balance)."""
    if not facts.payable:
        raise _refuse("amount", f"Invoice {facts.invoice.number} has nothing left to pay.")
    if choice == "balance":
        return facts.balance
    if choice == "instalment" and facts.next_instalment:
        return min(facts.next_instalment.open_amount, facts.balance)
    if choice != "other":
        raise _refuse("choice", "Choose what to pay: the balance, the next instalment or another amount.")
    amount = payment_amount_clean(amount_text)
    if amount > facts.balance:
        currency = facts.invoice.currency
        raise _refuse("amount", f"Amount: at most the balance of {currency} {facts.balance}.")
    return amount


def paylink_payment_start(
    *, invoice: Invoice, amount: Decimal, return_url: str, provider: PaymentProvider | None = None
) -> PaymentStart:
    """Open a payment of `amount` (already checked) at the provider. No transaction: providers are remote."""
    provider = provider or provider_default()
    return provider.start(
        PaymentRequest(
            invoice_id=invoice.pk,
            invoice_number=invoice.number,
            amount=amount,
            currency=invoice.currency,
            description=f"Invoice {invoice.number}",
            return_url=return_url,
        )
    )


def _earlier(key: str) -> OrderPayment | None:
    earlier = OrderPayment.objects.filter(idempotency_key=key).first()
    if earlier is not None:
        earlier.replayed = True
    return earlier


@transaction.atomic
def provider_payment_record(*, provider: PaymentProvider, result: CallbackResult, actor=None) -> OrderPayment | None:
    """Record the payment a verified provider callback reports, once per provider payment id.

    Lock: `order_lock(operation="payment")` on the invoice's order, taken before the invoice's balance is
    read, so two callbacks (the same payment twice, or two payments) are decided one after the other.
    A callback seen before returns the first payment (`replayed` True) and changes nothing; a declined
    payment records nothing (None). Refused, changing nothing (OrderValidationError naming the field):
    an unknown or unpayable invoice, another currency, more than the balance.
    Side effects: `order_payment_record` (payment row, event, e-mail, the "payment" hooks that apply it
    to the invoice).
    """
    key = provider.idempotency_key(result)
    if earlier := _earlier(key):
        return earlier
    if not result.succeeded:
        return None
    invoice = Invoice.objects.filter(pk=result.invoice_id, kind=Invoice.Kind.DEBIT).first()
    if invoice is None:
        raise _refuse("invoice", f"Invoice {result.invoice_id} does not exist.")
    order_lock(invoice.order_id, operation="payment", change=result.amount, actor=actor)
    if earlier := _earlier(key):  # the same callback, on another connection, committed while we waited
        return earlier
    invoice.refresh_from_db()
    facts = paylink_facts(invoice)
    if result.currency != invoice.currency:
        raise _refuse("currency", f"Currency: the invoice is in {invoice.currency}, not {result.currency}.")
    paylink_amount_clean(facts, "other", str(result.amount))
    with paying_invoice(invoice.pk):  # the money pays this invoice first, not the order's oldest due one
        return order_payment_record(
            order_id=invoice.order_id,
            amount=result.amount,
            method=provider.method,
            reference=f"{invoice.number} · {provider.code} {result.payment_id[:16]}",
            idempotency_key=key,
            actor=actor,
            source=OrderEvent.Source.STOREFRONT,
        )
