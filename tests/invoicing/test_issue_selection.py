"""Issuing a selection of drafts at once (`invoices_issue`, the list's "Issue the selected drafts"): one number
range in primary-key order, each invoice's own terms, all or nothing, and a constant number of statements."""

from datetime import date, timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoicing.models import Instalment, Invoice, InvoiceCounter, PaymentTerms
from invoicing.services.drafts import invoice_create
from invoicing.services.issue import ISSUE_SELECTION_MAX, invoice_issue, invoices_issue
from orders.exceptions import InvalidTransition, OrderNotFound, OrderValidationError
from orders.models import OrderEvent, SplitReason
from orders.services.cancel import order_cancel
from orders.services.locks import orders_lock
from orders.services.split import order_split
from tests.invoicing.helpers import pay
from tests.threads import run_each

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 1)


def _drafts(place_order, stocked, count: int, terms: list | None = None) -> list[Invoice]:
    terms = terms or [None] * count
    return [invoice_create(order_id=place_order([(stocked[0], 1)]).pk, terms_id=t.pk if t else None) for t in terms]


def _state() -> tuple:
    """Everything issuing writes, to assert that a refused selection changed nothing."""
    return (
        list(Invoice.objects.order_by("pk").values_list("pk", "status", "number", "due_date")),
        list(InvoiceCounter.objects.values_list("series", "year", "last_number")),
        Instalment.objects.count(),
        OrderEvent.objects.filter(type="invoice_issued").count(),
        Invoice.history.filter(history_type="~").count(),
    )


def test_a_selection_gets_consecutive_numbers_in_the_order_the_drafts_were_made(place_order, stocked, finance):
    net30, deposit = PaymentTerms.objects.get(code="net_30"), PaymentTerms.objects.get(code="deposit_30")
    drafts = _drafts(place_order, stocked, 3, terms=[net30, deposit, None])
    before = invoice_issue(invoice_id=_drafts(place_order, stocked, 1)[0].pk, issue_date=DAY)
    # when: selected in another order than they were made
    issued = invoices_issue(invoice_ids=[drafts[2].pk, drafts[0].pk, drafts[1].pk], actor=finance, issue_date=DAY)
    # then
    assert [inv.pk for inv in issued] == [d.pk for d in drafts]
    assert [inv.sequence for inv in issued] == [before.sequence + 1, before.sequence + 2, before.sequence + 3]
    stored = {inv.pk: inv for inv in Invoice.objects.filter(pk__in=[d.pk for d in drafts])}
    net, schedule, immediate = (stored[d.pk] for d in drafts)
    assert net.due_date == DAY + timedelta(days=30) and net.terms_text == "Net 30 days"
    assert immediate.due_date == DAY and immediate.status == Invoice.Status.ISSUED
    parts = list(Instalment.objects.filter(invoice=schedule).order_by("position").values_list("due_date", "amount"))
    assert [day for day, _ in parts] == [DAY, DAY + timedelta(days=30)]
    assert sum(amount for _, amount in parts) == schedule.total_gross
    assert parts[0][1] == (schedule.total_gross * Decimal("0.30")).quantize(Decimal("0.01"))
    assert schedule.due_date == DAY and schedule.next_due_date == DAY
    # each issue is in the row's history (with who did it) and on its order's timeline
    for invoice in stored.values():
        change = invoice.history.filter(history_type="~").get()
        assert (change.status, change.number, change.history_user_id) == ("issued", invoice.number, finance.pk)
        assert OrderEvent.objects.filter(order=invoice.order, type="invoice_issued").count() == 1


def test_money_an_order_already_holds_pays_its_invoice_when_the_selection_is_issued(place_order, stocked):
    paid, unpaid = _drafts(place_order, stocked, 2)
    pay(paid.order, paid.total_gross)
    invoices_issue(invoice_ids=[paid.pk, unpaid.pk], issue_date=DAY)
    paid.refresh_from_db(), unpaid.refresh_from_db()
    assert (paid.status, paid.amount_paid) == (Invoice.Status.PAID, paid.total_gross)
    assert (unpaid.status, unpaid.amount_paid) == (Invoice.Status.ISSUED, Decimal("0.00"))


def test_one_invoice_that_is_not_a_draft_refuses_the_whole_selection(place_order, stocked):
    drafts = _drafts(place_order, stocked, 3)
    invoice_issue(invoice_id=drafts[1].pk, issue_date=DAY)
    before = _state()
    with pytest.raises(InvalidTransition, match="only a draft can be issued"):
        invoices_issue(invoice_ids=[d.pk for d in drafts], issue_date=DAY)
    assert _state() == before


def test_an_order_the_guard_refuses_refuses_the_whole_selection_and_names_it(place_order, stocked):
    drafts = _drafts(place_order, stocked, 2)
    order_cancel(order_id=drafts[1].order_id)  # voids its draft: issuing it is refused by the order's state
    Invoice.objects.filter(pk=drafts[1].pk).update(status=Invoice.Status.DRAFT)  # as if a draft were left behind
    before = _state()
    with pytest.raises(InvalidTransition, match=f"Order {drafts[1].order.number}: "):
        invoices_issue(invoice_ids=[d.pk for d in drafts], issue_date=DAY)
    assert _state() == before


def test_unknown_invoices_and_too_large_selections_are_refused(place_order, stocked):
    [draft] = _drafts(place_order, stocked, 1)
    before = _state()
    with pytest.raises(OrderNotFound, match="Invoice 999999 does not exist"):
        invoices_issue(invoice_ids=[draft.pk, 999999])
    with pytest.raises(OrderValidationError, match=f"at most {ISSUE_SELECTION_MAX}") as refused:
        invoices_issue(invoice_ids=range(1, ISSUE_SELECTION_MAX + 2))
    assert refused.value.details == {"field": "invoices"}
    assert _state() == before


def test_the_order_lock_of_a_selection_is_for_operations_without_stock(order):
    with pytest.raises(ValueError, match="changes stock"):
        orders_lock([order.pk], operation="ship")
    with pytest.raises(type(order).DoesNotExist):
        orders_lock([order.pk, 999999], operation="invoice")


@pytest.mark.postgres
@pytest.mark.parametrize("size", [1, 5, 25])
def test_a_selection_takes_the_same_statements_whatever_its_size(size, place_order, stocked):
    """BEGIN, the invoices' orders, the orders with their roots locked, the invoices locked, the money the orders
    hold, the counter, the rows with their history (one statement), the events (one insert), COMMIT (the year's
    counter row exists: the year's first issue makes it first)."""
    drafts = _drafts(place_order, stocked, size + 1)
    invoice_issue(invoice_id=drafts.pop().pk, issue_date=DAY)
    with CaptureQueriesContext(connection) as captured:
        invoices_issue(invoice_ids=[d.pk for d in drafts], issue_date=DAY)
    assert len(captured.captured_queries) == 9, "\n".join(q["sql"][:70] for q in captured.captured_queries)


def test_the_list_action_needs_the_issue_permission(client, place_order, stocked, finance, staff):
    drafts = _drafts(place_order, stocked, 2)
    url = reverse("admin:invoicing_invoice_changelist")
    data = {"action": "issue_selected", "_selected_action": [d.pk for d in drafts], "index": 0}
    client.force_login(staff)  # the order desk: may view invoices, not issue them
    client.post(url, data)
    assert not Invoice.objects.exclude(number="").exists()
    client.force_login(finance)
    response = client.post(url, data, follow=True)
    assert "Issued 2 invoices" in response.content.decode()
    assert Invoice.objects.filter(status=Invoice.Status.ISSUED).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(5))
def test_overlapping_selections_and_single_issues_at_once_never_deadlock_or_skip(round_, place_order, stocked):
    """Four selections over shared drafts (a split family among them) and single issues, all at once: every
    draft issued once, the numbers 1..N, refusals only for drafts another one issued first, no deadlock."""
    orders = [place_order([(stocked[0], 2), (stocked[1], 1)]) for _ in range(6)]
    mug = orders[0].lines.get(product=stocked[0])
    child = order_split(order_id=orders[0].pk, quantities={mug.pk: 1}, reason=SplitReason.BACKORDER, notify=False)
    drafts = [invoice_create(order_id=o.pk).pk for o in [*orders, child]]
    jobs = [drafts[0:4], drafts[3:7], drafts[::2], list(reversed(drafts[1::2])), [drafts[6]], [drafts[2]]]
    results = run_each(*(partial(invoices_issue, invoice_ids=ids, issue_date=DAY) for ids in jobs[:4]),
                       *(partial(invoice_issue, invoice_id=ids[0]) for ids in jobs[4:]))  # fmt: skip
    # a refusal is a draft of this selection that another one issued first (nothing of it changed); any other
    # error (a deadlock) fails the test
    errors = [r for r in results if isinstance(r, Exception) and not isinstance(r, InvalidTransition)]
    assert errors == []
    numbers = sorted(Invoice.objects.exclude(number="").values_list("sequence", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert InvoiceCounter.objects.get(series="INV").last_number == len(numbers)
    issued_events = OrderEvent.objects.filter(type="invoice_issued").count()
    assert issued_events == len(numbers) > 0
