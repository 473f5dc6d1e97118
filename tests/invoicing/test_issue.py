"""Creating and issuing invoices: snapshot of the order, terms, gap-free numbers, stored PDF."""

import hashlib
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest

from invoicing.models import Invoice, InvoiceCounter, InvoiceLine
from invoicing.services.drafts import invoice_create, invoice_update_draft
from invoicing.services.issue import invoice_issue, invoice_pdf_store
from orders.exceptions import InvalidTransition, OrderValidationError

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def test_create_copies_the_order_lines_and_totals(order, finance):
    invoice = invoice_create(order_id=order.pk, actor=finance)
    lines = list(invoice.lines.all())
    assert [(line.sku, line.quantity) for line in lines] == [("MUG-1", 2), ("BOOK-1", 1), ("", 1)]
    assert lines[-1].kind == InvoiceLine.Kind.SHIPPING
    assert (invoice.total_net, invoice.total_tax, invoice.total_gross) == (
        order.total_net,
        order.total_tax,
        order.total_gross,
    )
    assert invoice.status == Invoice.Status.DRAFT and invoice.number == ""
    assert order.events.filter(type="invoice_created").count() == 1


def test_one_live_invoice_per_order(order, finance):
    first = invoice_create(order_id=order.pk, actor=finance)
    with pytest.raises(InvalidTransition, match="already has Invoice"):
        invoice_create(order_id=order.pk, actor=finance)
    assert Invoice.objects.filter(order=order).count() == 1
    assert first.pk


def test_draft_order_is_refused(place_order, stocked, finance):
    draft = place_order([(stocked[0], 1)], place=False)
    with pytest.raises(InvalidTransition, match="draft"):
        invoice_create(order_id=draft.pk, actor=finance)
    assert not Invoice.objects.exists()


def test_issue_numbers_and_due_date_from_net_30(order, finance, net30):
    invoice = invoice_create(order_id=order.pk, actor=finance, terms_id=net30.pk)
    issued = invoice_issue(invoice_id=invoice.pk, actor=finance, issue_date=date(2026, 3, 10))
    assert issued.status == Invoice.Status.ISSUED
    assert issued.number == "INV-2026-000001"
    assert issued.due_date == date(2026, 4, 9)
    assert "Net 30" in issued.terms_text
    assert InvoiceCounter.objects.get(series="INV", year=2026).last_number == 1


def test_numbers_are_consecutive_per_series_and_year(place_order, stocked, finance):
    numbers = []
    for day in (date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 1)):
        order = place_order([(stocked[0], 1)])
        invoice = invoice_create(order_id=order.pk, actor=finance)
        numbers.append(invoice_issue(invoice_id=invoice.pk, actor=finance, issue_date=day).number)
    assert numbers == ["INV-2026-000001", "INV-2026-000002", "INV-2027-000001"]


def test_issued_invoice_is_immutable(order, finance, net30):
    invoice = invoice_issue(invoice_id=invoice_create(order_id=order.pk, actor=finance).pk, actor=finance)
    before = Invoice.objects.values().get(pk=invoice.pk)
    with pytest.raises(InvalidTransition, match="never changes"):
        invoice_update_draft(invoice_id=invoice.pk, actor=finance, terms_id=net30.pk, note="changed")
    with pytest.raises(InvalidTransition):
        invoice_issue(invoice_id=invoice.pk, actor=finance)
    invoice.note = "sneaky"
    with pytest.raises(ValueError, match="never changes"):
        invoice.save()
    assert Invoice.objects.values().get(pk=invoice.pk) == before


def test_draft_update_refuses_bad_input(order, finance):
    invoice = invoice_create(order_id=order.pk, actor=finance)
    with pytest.raises(OrderValidationError) as caught:
        invoice_update_draft(invoice_id=invoice.pk, actor=finance, terms_id="999999")
    assert caught.value.details["field"] == "terms"
    with pytest.raises(OrderValidationError):
        invoice_update_draft(invoice_id=invoice.pk, actor=finance, note="bad\x00")
    invoice.refresh_from_db()
    assert invoice.note == "" and invoice.terms.code == "immediate"


def test_schedule_terms_make_instalments(order, finance):
    from invoicing.models import PaymentTerms

    deposit = PaymentTerms.objects.get(code="deposit_30")
    invoice = invoice_create(order_id=order.pk, actor=finance, terms_id=deposit.pk)
    invoice = invoice_issue(invoice_id=invoice.pk, actor=finance, issue_date=date(2026, 5, 1))
    parts = list(invoice.instalments.values_list("due_date", "amount"))
    assert [day for day, _ in parts] == [date(2026, 5, 1), date(2026, 5, 31)]
    assert sum(amount for _, amount in parts) == invoice.total_gross
    assert parts[0][1] == (invoice.total_gross * Decimal("0.30")).quantize(Decimal("0.01"))
    assert invoice.due_date == date(2026, 5, 1)


def test_pdf_is_stored_once_with_its_digest(order, finance):
    invoice = invoice_issue(invoice_id=invoice_create(order_id=order.pk, actor=finance).pk, actor=finance)
    data = invoice_pdf_store(invoice.pk)
    invoice.refresh_from_db()
    assert invoice.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert invoice_pdf_store(invoice.pk) == data
    text = pdf_text(data)
    assert invoice.number in text and "Mug" in text and "Book" in text
    assert f"{invoice.total_gross}" in text
    assert "Tax 21.00 %" in text and "Tax 9.00 %" in text


def test_due_date_of_end_of_month_terms():
    from invoicing.models import PaymentTerms
    from invoicing.services.terms import schedule

    terms = PaymentTerms(kind="end_of_month", days=30)
    assert schedule(terms, issue_date=date(2026, 2, 10), total=Decimal("1")).due_date == date(2026, 2, 28) + timedelta(
        days=30
    )
