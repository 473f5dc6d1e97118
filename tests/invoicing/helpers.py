from datetime import date

from invoicing.services.drafts import invoice_create
from invoicing.services.issue import invoice_issue
from orders.services.payments import order_payment_record


def issued(order, actor, *, terms=None, day: date | None = None):
    invoice = invoice_create(order_id=order.pk, actor=actor, terms_id=terms.pk if terms else None)
    return invoice_issue(invoice_id=invoice.pk, actor=actor, issue_date=day)


def pay(order, amount, actor=None, key: str = ""):
    return order_payment_record(
        order_id=order.pk, amount=amount, method="bank_transfer", idempotency_key=key, actor=actor
    )
