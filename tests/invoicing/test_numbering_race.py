"""Issuing at once on PostgreSQL: 20 invoices in one series get 20 consecutive numbers, none skipped or repeated;
a rollback after taking a number gives it back."""

import threading
from datetime import date

import pytest
from django.db import connection, transaction

from invoicing.models import Invoice, InvoiceCounter
from invoicing.services.drafts import invoice_create
from invoicing.services.issue import invoice_issue, next_number

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
DAY = date(2026, 6, 1)


def _issue_all_at_once(invoice_ids) -> dict:
    start, results = threading.Barrier(len(invoice_ids)), {}

    def run(invoice_id):
        try:
            start.wait(10)
            results[invoice_id] = invoice_issue(invoice_id=invoice_id, issue_date=DAY).number
        except Exception as error:  # the test asserts on every outcome
            results[invoice_id] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(pk,)) for pk in invoice_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.parametrize("round_", range(3))
def test_twenty_at_once_get_twenty_consecutive_numbers(round_, place_order, stocked):
    drafts = [invoice_create(order_id=place_order([(stocked[0], 1)]).pk).pk for _ in range(20)]
    results = _issue_all_at_once(drafts)
    errors = [r for r in results.values() if isinstance(r, Exception)]
    assert errors == []
    numbers = sorted(results.values())
    assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 21)]
    assert InvoiceCounter.objects.get(series="INV", year=2026).last_number == 20
    assert Invoice.objects.filter(status=Invoice.Status.ISSUED).count() == 20


def test_a_rolled_back_issue_leaves_no_gap(order):
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number("INV", 2026)
        raise RuntimeError("the issue failed after taking its number")
    invoice = invoice_issue(invoice_id=invoice_create(order_id=order.pk).pk, issue_date=DAY)
    assert invoice.number == "INV-2026-000001"
