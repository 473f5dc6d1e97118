"""The order's payments applied to invoices; credits; cancel; send; the guards on the order's operations."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from invoicing.models import Invoice, InvoicePayment
from invoicing.services.credits import invoice_credit
from invoicing.services.drafts import invoice_create
from invoicing.services.lifecycle import invoice_cancel, invoice_send
from oms.invariants import run_all
from orders.exceptions import InvalidTransition, OrderValidationError
from orders.models import Order
from orders.services.cancel import order_cancel, order_line_cancel
from orders.services.payments import order_payment_reverse
from orders.services.shipping import order_lines_ship
from tests.invoicing.helpers import issued, pay

pytestmark = pytest.mark.django_db
S = Invoice.Status


def broken():
    return {rule.name: rows for rule, rows in run_all() if rows and "invoicing" in rule.name}


def test_payments_apply_and_reversal_takes_back(order, finance):
    invoice = issued(order, finance)
    first = pay(order, Decimal("10.00"))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (
        S.PARTIALLY_PAID, Decimal("10.00"), order.total_gross - Decimal("10.00"),
    )  # fmt: skip
    pay(order, order.total_gross - Decimal("10.00"))
    invoice.refresh_from_db()
    assert invoice.status == S.PAID and invoice.balance == 0
    order_payment_reverse(payment_id=first.pk, reason="booked twice", actor=finance)
    invoice.refresh_from_db()
    assert invoice.status == S.PARTIALLY_PAID and invoice.balance == Decimal("10.00")
    assert sum(InvoicePayment.objects.filter(invoice=invoice).values_list("amount", flat=True)) == invoice.amount_paid
    assert broken() == {}


def test_money_paid_before_the_invoice_pays_it_at_issue(order, finance):
    pay(order, order.total_gross)
    invoice = issued(order, finance)
    assert invoice.status == S.PAID and invoice.amount_paid == order.total_gross
    assert broken() == {}


def test_credit_for_lines_and_amount_never_more_than_paid(order, finance):
    invoice = issued(order, finance)
    mug_line = invoice.lines.get(sku="MUG-1")
    before = Invoice.objects.count()
    with pytest.raises(OrderValidationError, match="not credited yet"):
        invoice_credit(invoice_id=invoice.pk, actor=finance, quantities={mug_line.pk: 1})
    assert Invoice.objects.count() == before
    pay(order, order.total_gross)
    credit = invoice_credit(invoice_id=invoice.pk, actor=finance, quantities={mug_line.pk: 1}, reason="Broken")
    assert credit.number.startswith("CRN-") and credit.is_credit and credit.credit_for_id == invoice.pk
    assert credit.total_gross == Decimal("12.50")
    invoice.refresh_from_db()
    assert invoice.amount_credited == Decimal("12.50")
    assert invoice.amount_paid == order.total_gross - Decimal("12.50")
    assert invoice.balance == 0 and invoice.status == S.PAID
    with pytest.raises(OrderValidationError):  # the second mug unit only
        invoice_credit(invoice_id=invoice.pk, actor=finance, quantities={mug_line.pk: 2})
    rest = invoice.amount_paid
    with pytest.raises(OrderValidationError, match="more than that"):
        invoice_credit(invoice_id=invoice.pk, actor=finance, amount=str(rest + Decimal("0.01")))
    credit2 = invoice_credit(invoice_id=invoice.pk, actor=finance, amount=str(rest), reason="Goodwill")
    assert credit2.total_gross == rest
    assert sum(line.gross for line in credit2.lines.all()) == rest
    invoice.refresh_from_db()
    assert invoice.amount_paid == 0 and invoice.amount_credited == invoice.total_gross and invoice.balance == 0
    assert broken() == {}


def _credit_state(order, invoice) -> tuple:
    order.refresh_from_db()
    invoice.refresh_from_db()
    return (
        Invoice.objects.count(), InvoicePayment.objects.count(), invoice.amount_paid, invoice.amount_credited,
        invoice.status, order.amount_paid, order.amount_credited, order.payment_status,
    )  # fmt: skip


def test_credits_in_a_row_on_a_partly_paid_invoice_never_pass_what_was_paid(order, finance):
    # given: 50.00 invoiced, 20.00 paid
    invoice = issued(order, finance)
    pay(order, Decimal("20.00"))
    # when: 10.00 credited; the invoice still asks 20.00, so the 10.00 the credit freed pays it again at once
    invoice_credit(invoice_id=invoice.pk, actor=finance, amount="10.00", reason="Goodwill")
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.amount_credited, invoice.balance) == (
        Decimal("20.00"), Decimal("10.00"), Decimal("20.00"),
    )  # fmt: skip
    # then: 20.00 paid less 10.00 credited leaves 10.00 to credit, not the 20.00 applied
    before = _credit_state(order, invoice)
    with pytest.raises(OrderValidationError, match="has EUR 10.00 paid that is not credited yet"):
        invoice_credit(invoice_id=invoice.pk, actor=finance, amount="10.01", reason="Too much")
    assert _credit_state(order, invoice) == before
    invoice_credit(invoice_id=invoice.pk, actor=finance, amount="10.00", reason="Goodwill")
    before = _credit_state(order, invoice)
    for refused in ("0.01", "20.00"):
        with pytest.raises(OrderValidationError, match="has EUR 0.00 paid that is not credited yet"):
            invoice_credit(invoice_id=invoice.pk, actor=finance, amount=refused, reason="Too much")
        assert _credit_state(order, invoice) == before
    # credited 20.00 = paid 20.00; the customer owes 10.00 on the 30.00 left
    assert before[2:] == (Decimal("20.00"), Decimal("20.00"), S.PARTIALLY_PAID, Decimal("20.00"), Decimal("20.00"),
                          Order.PaymentStatus.PARTIALLY_PAID)  # fmt: skip
    assert broken() == {}


def test_a_fully_paid_invoice_credited_in_parts_may_be_credited_up_to_what_was_paid(order, finance):
    # given: 50.00 invoiced and paid, 15.00 credited (the freed money waits for its refund)
    invoice = issued(order, finance)
    pay(order, order.total_gross)
    invoice_credit(invoice_id=invoice.pk, actor=finance, amount="15.00", reason="Goodwill")
    # when / then: the other 35.00 can be credited, no more
    with pytest.raises(OrderValidationError, match="has EUR 35.00 paid"):
        invoice_credit(invoice_id=invoice.pk, actor=finance, amount="35.01", reason="Too much")
    invoice_credit(invoice_id=invoice.pk, actor=finance, amount="35.00", reason="All of it")
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.amount_credited) == (Decimal("0.00"), Decimal("50.00"))


def test_cancel_draft_or_unpaid_issued_invoice_but_not_a_paid_one(order, finance):
    invoice = issued(order, finance)
    pay(order, Decimal("1.00"))
    with pytest.raises(InvalidTransition, match="credit invoice instead"):
        invoice_cancel(invoice_id=invoice.pk, actor=finance, reason="wrong")
    invoice.refresh_from_db()
    assert invoice.status == S.PARTIALLY_PAID


def test_cancelled_invoice_keeps_its_number_and_a_new_one_can_be_made(order, finance):
    invoice = issued(order, finance)
    invoice_cancel(invoice_id=invoice.pk, actor=finance, reason="wrong address")
    invoice.refresh_from_db()
    assert invoice.status == S.CANCELLED and invoice.number == f"INV-{invoice.issue_date.year}-000001"
    again = issued(order, finance)
    assert again.number.endswith("000002")
    timeline = [e.parameters.get("summary") for e in order.events.filter(type__startswith="invoice_")]
    assert any(s.startswith("cancelled invoice") for s in timeline)


def test_send_mails_the_stored_pdf(order, finance, django_capture_on_commit_callbacks):
    invoice = issued(order, finance)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_send(invoice_id=invoice.pk, actor=finance, note="Thank you")
    invoice.refresh_from_db()
    assert invoice.status == S.SENT and invoice.sent_at
    [message] = mail.outbox
    assert invoice.number in message.subject
    [(name, content, kind)] = message.attachments
    assert name == f"{invoice.number}.pdf" and kind == "application/pdf"
    assert content == bytes(invoice.pdf)


def test_send_refuses_a_draft(order, finance):
    draft = invoice_create(order_id=order.pk, actor=finance)
    with pytest.raises(InvalidTransition):
        invoice_send(invoice_id=draft.pk, actor=finance)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and draft.sent_at is None


def test_guards_on_order_operations(order, finance):
    invoice = issued(order, finance)
    line = order.lines.first()
    with pytest.raises(InvalidTransition, match=f"credit invoice against {invoice.number}"):
        order_line_cancel(order_id=order.pk, line_id=line.pk, quantity=1, actor=finance)
    with pytest.raises(InvalidTransition, match="invoiced"):
        order_cancel(order_id=order.pk, actor=finance)
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED and order.total_gross == invoice.total_gross


def test_edit_refused_once_sent_and_names_the_invoice(order, finance):
    from orders.hooks import refusal

    invoice = issued(order, finance)
    invoice_send(invoice_id=invoice.pk, actor=finance)
    assert f"{invoice.number} was sent" in refusal("edit", Order.objects.get(pk=order.pk))


def test_cancelling_the_order_voids_a_draft(order, finance):
    draft = invoice_create(order_id=order.pk, actor=finance)
    order_cancel(order_id=order.pk, actor=finance)
    draft.refresh_from_db()
    assert draft.status == S.CANCELLED and "was cancelled" in draft.cancel_reason


def test_due_on_fulfilment_gets_its_date_when_the_order_ships(order, finance):
    from invoicing.models import PaymentTerms

    invoice = issued(order, finance, terms=PaymentTerms.objects.get(code="on_fulfilment"), day=date(2026, 1, 5))
    assert invoice.due_date is None
    order_lines_ship(order_id=order.pk, quantities={line.pk: line.quantity for line in order.lines.all()})
    invoice.refresh_from_db()
    assert invoice.due_date is not None
