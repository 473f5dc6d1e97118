"""Issuing at once on PostgreSQL: 20 invoices in one series get 20 consecutive numbers, none skipped or repeated;
a rollback after taking a number gives it back."""

from datetime import date
from functools import partial

import pytest
from django.db import connection, transaction

from invoicing.models import Invoice, InvoiceCounter
from invoicing.services.drafts import invoice_create
from invoicing.services.issue import invoice_issue, next_number
from tests.threads import run_each

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
DAY = date(2026, 6, 1)


def _issue_all_at_once(invoice_ids) -> list:
    """Each draft issued from its own thread, all released at once: the numbers (or the errors) they got."""
    return run_each(
        *(partial(lambda pk: invoice_issue(invoice_id=pk, issue_date=DAY).number, pk) for pk in invoice_ids)
    )


@pytest.mark.parametrize("round_", range(3))
def test_twenty_at_once_get_twenty_consecutive_numbers(round_, place_order, stocked):
    drafts = [invoice_create(order_id=place_order([(stocked[0], 1)]).pk).pk for _ in range(20)]
    results = _issue_all_at_once(drafts)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    numbers = sorted(results)
    assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 21)]
    assert InvoiceCounter.objects.get(series="INV", year=2026).last_number == 20
    assert Invoice.objects.filter(status=Invoice.Status.ISSUED).count() == 20


def test_a_rolled_back_issue_leaves_no_gap(order):
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number("INV", 2026)
        raise RuntimeError("the issue failed after taking its number")
    invoice = invoice_issue(invoice_id=invoice_create(order_id=order.pk).pk, issue_date=DAY)
    assert invoice.number == "INV-2026-000001"


def _after_the_counter(queries) -> list[str]:
    """The statements run after the one that takes the number, up to the commit (as verb and table)."""
    sqls = [q["sql"] for q in queries]
    taken = max(i for i, sql in enumerate(sqls) if sql.startswith("UPDATE") and "invoicecounter" in sql)
    held = [" ".join(sql.replace('"', "").split()[:5]) for sql in sqls[taken + 1 :]]
    return held[: held.index("COMMIT")]  # then the PDF is rendered, after the commit


@pytest.mark.parametrize("paid_before", [False, True])
def test_the_number_is_taken_last_so_the_counter_is_held_shortest(order, paid_before):
    from django.test.utils import CaptureQueriesContext

    from tests.invoicing.helpers import pay

    draft = invoice_create(order_id=order.pk)
    if paid_before:
        pay(order, order.total_gross)
    # when
    with CaptureQueriesContext(connection) as captured:
        invoice = invoice_issue(invoice_id=draft.pk, issue_date=DAY)
    # then: after the number only the invoice row with its history (one statement) and its event are written ...
    after = _after_the_counter(captured.captured_queries)
    written = ["WITH changed AS (UPDATE invoicing_invoice", "INSERT INTO orders_orderevent (order_id, type,"]
    if not paid_before:
        assert after == written, after
    else:  # ... and, when the order holds money, its application to the invoice
        assert after[:2] == written and any("invoicing_invoicepayment" in sql for sql in after[2:]), after
        assert invoice.status == Invoice.Status.PAID
    assert invoice.number == "INV-2026-000001"
