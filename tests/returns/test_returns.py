"""Returns: stock through the ledger per disposition, the credit invoice computed independently, refusals."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core import mail

from catalog.models import StockLevel, StockMovement
from invoicing.models import Invoice
from oms.invariants import run_all
from orders.exceptions import InvalidTransition, OrderValidationError
from orders.models import OrderEvent
from returns.models import Return, ReturnLine, ReturnRequest
from returns.services.credit import suggested_refund
from returns.services.quarantine import quarantine_resolve
from returns.services.requests import return_request_create
from returns.services.returns import LineInput, return_cancel, return_create, return_process
from tests.returns.conftest import lines_of

pytestmark = pytest.mark.django_db
D = ReturnLine.Disposition
CENT = Decimal("0.01")


def share(gross: Decimal, units: int, of: int) -> Decimal:
    return (gross * units / of).quantize(CENT, rounding=ROUND_HALF_UP)


def level(product, location) -> tuple[int, int, int]:
    row = StockLevel.objects.get(product=product, location=location)
    return row.on_hand, row.allocated, row.quarantined


def state():
    return (
        list(StockLevel.objects.order_by("pk").values_list("on_hand", "allocated", "quarantined")),
        StockMovement.objects.count(),
        Return.objects.count(),
        Invoice.objects.count(),
        OrderEvent.objects.count(),
    )


def broken():
    return {rule.name: rows for rule, rows in run_all() if rows}


def test_restock_returns_units_and_credits_their_invoiced_share(paid, stocked, location, reason, desk):
    # given
    mug, book = stocked
    lines = lines_of(paid)
    debit = Invoice.objects.get(order=paid, kind="debit")
    mug_debit = debit.lines.get(sku="MUG-1")
    before = level(mug, location)
    # when
    ret = return_create(
        order_id=paid.pk, actor=desk,
        lines=[LineInput(lines["MUG-1"].pk, 2, reason.pk, D.RESTOCK, location.pk)],
    )  # fmt: skip
    # then
    assert ret.status == Return.Status.PROCESSED and ret.number == f"{paid.number}-R1"
    assert level(mug, location) == (before[0] + 2, before[1], before[2])
    movement = StockMovement.objects.get(reference=ret.number)
    assert (movement.kind, movement.on_hand_delta, movement.quarantined_delta) == ("return", 2, 0)
    expected = share(mug_debit.gross, 2, mug_debit.quantity)
    assert ret.credit_invoice.total_gross == expected == ret.credited_amount == ret.suggested_amount
    assert ret.credit_invoice.credit_for_id == debit.pk
    assert [(x.credited_line_id, x.quantity) for x in ret.credit_invoice.lines.all()] == [(mug_debit.pk, 2)]
    assert OrderEvent.objects.filter(order=paid, type="return_processed", actor=desk).count() == 1
    assert broken() == {}


def test_each_disposition_moves_stock_through_the_ledger(paid, stocked, location, second_location, reason, desk):
    mug, book = stocked
    lines = lines_of(paid)
    mug_before, book_before = level(mug, location), level(book, location)
    ret = return_create(
        order_id=paid.pk, actor=desk, create_credit=False,
        lines=[
            LineInput(lines["MUG-1"].pk, 1, reason.pk, D.QUARANTINE, location.pk),
            LineInput(lines["MUG-1"].pk, 1, reason.pk, D.WRITE_OFF, location.pk),
            LineInput(lines["MUG-1"].pk, 1, reason.pk, D.MISSING, location.pk),
            LineInput(lines["BOOK-1"].pk, 2, reason.pk, D.RESTOCK, second_location.pk),
        ],
    )  # fmt: skip
    assert ret.credit_invoice is None and ret.credited_amount == 0
    # the mug: +1 quarantined, +1 -1 written off, missing changes nothing
    assert level(mug, location) == (mug_before[0] + 1, mug_before[1], mug_before[2] + 1)
    assert level(book, location) == book_before
    assert level(book, second_location) == (2, 0, 0)  # a level made at the new location
    kinds = sorted(
        StockMovement.objects.filter(reference=ret.number).values_list("kind", "on_hand_delta", "quarantined_delta")
    )
    assert kinds == sorted(
        [("return", 1, 1), ("return", 1, 0), ("adjustment", -1, 0), ("return", 0, 0), ("return", 2, 0)]
    )
    assert broken() == {}
    # quarantine: release one later... there is one; write-off of 2 is refused, release of 1 works
    quarantined = ret.lines.get(disposition=D.QUARANTINE)
    with pytest.raises(OrderValidationError, match="from 0 to 1"):
        quarantine_resolve(line_id=quarantined.pk, action="write_off", quantity=2, actor=desk)
    quarantine_resolve(line_id=quarantined.pk, action="release", quantity=1, actor=desk)
    assert level(mug, location) == (mug_before[0] + 1, mug_before[1], mug_before[2])
    with pytest.raises(OrderValidationError, match="from 0 to 0"):
        quarantine_resolve(line_id=quarantined.pk, action="release", quantity=1, actor=desk)
    assert broken() == {}


def test_quarantine_write_off_takes_units_off_hand(paid, stocked, location, reason, desk):
    mug, _ = stocked
    before = level(mug, location)
    ret = return_create(
        order_id=paid.pk, actor=desk, create_credit=False,
        lines=[LineInput(lines_of(paid)["MUG-1"].pk, 2, reason.pk, D.QUARANTINE, location.pk)],
    )  # fmt: skip
    line = ret.lines.get()
    quarantine_resolve(line_id=line.pk, action="write_off", quantity=2, actor=desk)
    assert level(mug, location) == before
    line.refresh_from_db()
    assert (line.quarantine_written_off, line.in_quarantine) == (2, 0)
    assert broken() == {}


def test_never_more_than_shipped_minus_returned(paid, location, reason, desk):
    mug = lines_of(paid)["MUG-1"]
    return_create(order_id=paid.pk, actor=desk, lines=[LineInput(mug.pk, 2, reason.pk, D.RESTOCK, location.pk)])
    before = state()
    with pytest.raises(OrderValidationError, match="more than the 1 shipped and not returned"):
        return_create(order_id=paid.pk, actor=desk, lines=[LineInput(mug.pk, 2, reason.pk, D.RESTOCK, location.pk)])
    with pytest.raises(OrderValidationError, match="1 is more than the 0"):
        return_create(
            order_id=paid.pk, actor=desk,
            lines=[LineInput(mug.pk, 1, reason.pk, D.RESTOCK, location.pk),
                   LineInput(mug.pk, 1, reason.pk, D.MISSING, location.pk)],
        )  # fmt: skip
    assert state() == before


@pytest.mark.parametrize(
    "change, message",
    [
        ({"quantity": "1.5"}, "not a whole number"),
        ({"quantity": 0}, "at least one"),
        ({"reason_id": "nope"}, "Reason"),
        ({"disposition": "burn"}, "Disposition"),
        ({"location_id": None}, "Location: choose"),
        ({"location_id": "999999"}, "not a stock location"),
        ({"order_line_id": "abc"}, "not a shipped line"),
    ],
)
def test_bad_lines_are_refused_and_change_nothing(paid, location, reason, desk, change, message):
    fields = {"order_line_id": lines_of(paid)["MUG-1"].pk, "quantity": 1, "reason_id": reason.pk,
              "disposition": D.RESTOCK, "location_id": location.pk, **change}  # fmt: skip
    before = state()
    with pytest.raises(OrderValidationError, match=message):
        return_create(order_id=paid.pk, actor=desk, lines=[LineInput(**fields)])
    assert state() == before


def test_shipping_refund_and_correction_within_what_was_paid(paid, location, reason, desk):
    lines = lines_of(paid)
    debit = Invoice.objects.get(order=paid, kind="debit")
    book_debit, ship_debit = debit.lines.get(sku="BOOK-1"), debit.lines.get(kind="shipping")
    units = {lines["BOOK-1"].pk: 1}
    plan = suggested_refund(order=paid, units=units, refund_shipping=True)
    expected = share(book_debit.gross, 1, book_debit.quantity) + ship_debit.gross
    assert plan.suggested == expected
    before = state()
    with pytest.raises(OrderValidationError, match="Correction: .* more than"):
        return_create(
            order_id=paid.pk, actor=desk, refund_shipping=True, correction=str(paid.total_gross),
            lines=[LineInput(lines["BOOK-1"].pk, 1, reason.pk, D.RESTOCK, location.pk)],
        )  # fmt: skip
    with pytest.raises(OrderValidationError, match="negative"):
        return_create(
            order_id=paid.pk, actor=desk, refund_shipping=True, correction="-1000",
            lines=[LineInput(lines["BOOK-1"].pk, 1, reason.pk, D.RESTOCK, location.pk)],
        )  # fmt: skip
    for bad in ("NaN", "Infinity", "1e400", "1.001"):
        with pytest.raises(OrderValidationError, match="Correction"):
            return_create(
                order_id=paid.pk, actor=desk, correction=bad,
                lines=[LineInput(lines["BOOK-1"].pk, 1, reason.pk, D.RESTOCK, location.pk)],
            )  # fmt: skip
    assert state() == before
    ret = return_create(
        order_id=paid.pk, actor=desk, refund_shipping=True, correction="-2.50",
        lines=[LineInput(lines["BOOK-1"].pk, 1, reason.pk, D.RESTOCK, location.pk)],
    )  # fmt: skip
    assert ret.credited_amount == ret.credit_invoice.total_gross == expected - Decimal("2.50")
    assert ret.suggested_amount == expected
    # the shipping is credited once: a second return with shipping suggests only the lines
    again = suggested_refund(order=paid, units={lines["BOOK-1"].pk: 1}, refund_shipping=True)
    assert again.shipping_amount == Decimal("0.00")
    debit.refresh_from_db()
    assert debit.amount_credited == ret.credited_amount
    assert broken() == {}


def test_unpaid_order_returns_stock_without_a_credit(shipped, location, reason, desk):
    mug = lines_of(shipped)["MUG-1"]
    ret = return_create(
        order_id=shipped.pk, actor=desk, lines=[LineInput(mug.pk, 1, reason.pk, D.RESTOCK, location.pk)]
    )
    assert ret.credit_invoice is None and ret.credited_amount == 0 and ret.suggested_amount == 0
    assert not Invoice.objects.filter(order=shipped).exists()  # not invoiced only to credit nothing


def test_paid_order_without_invoice_is_invoiced_then_credited(shipped, location, reason, desk):
    from tests.invoicing.helpers import pay

    pay(shipped, shipped.total_gross)
    shipped.refresh_from_db()
    mug = lines_of(shipped)["MUG-1"]
    expected = share(mug.gross, 1, mug.quantity_active)
    assert suggested_refund(order=shipped, units={mug.pk: 1}).suggested == expected
    ret = return_create(
        order_id=shipped.pk, actor=desk, lines=[LineInput(mug.pk, 1, reason.pk, D.RESTOCK, location.pk)]
    )
    debit = Invoice.objects.get(order=shipped, kind="debit")
    assert debit.status == Invoice.Status.PAID and debit.number
    assert ret.credit_invoice.credit_for_id == debit.pk and ret.credited_amount == expected
    assert broken() == {}


def test_processing_from_a_request_completes_it_and_emails_the_customer(
    paid, location, reason, desk, django_capture_on_commit_callbacks
):
    mug = lines_of(paid)["MUG-1"]
    request = return_request_create(
        order_id=paid.pk, customer=paid.customer, quantities={mug.pk: 2}, reason_id=reason.pk
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        # the actual items differ from the request: one came back
        ret = return_create(
            order_id=paid.pk, actor=desk, request_id=request.pk,
            lines=[LineInput(mug.pk, 1, reason.pk, D.RESTOCK, location.pk)],
        )  # fmt: skip
    request.refresh_from_db()
    assert request.status == ReturnRequest.Status.COMPLETED and ret.request_id == request.pk
    sent = [m for m in mail.outbox if "Return" in m.subject]
    assert [m.subject for m in sent] == [f"Return received for order {paid.number}"]
    assert f"return {ret.number}" in sent[0].body and "1 x Mug" in sent[0].body
    assert f"credit invoice {ret.credit_invoice.number} of EUR 12.50" in sent[0].body
    with pytest.raises(InvalidTransition, match="completed"):
        return_create(
            order_id=paid.pk, actor=desk, request_id=request.pk,
            lines=[LineInput(mug.pk, 1, reason.pk, D.RESTOCK, location.pk)],
        )  # fmt: skip


def test_draft_holds_units_then_processes_or_cancels(paid, stocked, location, reason, desk):
    mug_product, _ = stocked
    mug = lines_of(paid)["MUG-1"]
    before = level(mug_product, location)
    draft = return_create(
        order_id=paid.pk, actor=desk, process=False, lines=[LineInput(mug.pk, 3, reason.pk, D.RESTOCK, location.pk)]
    )
    assert draft.status == Return.Status.DRAFT and level(mug_product, location) == before
    with pytest.raises(OrderValidationError, match="more than the 0"):
        return_create(order_id=paid.pk, actor=desk, lines=[LineInput(mug.pk, 1, reason.pk, D.RESTOCK, location.pk)])
    return_cancel(return_id=draft.pk, actor=desk)
    second = return_create(
        order_id=paid.pk, actor=desk, process=False, lines=[LineInput(mug.pk, 3, reason.pk, D.RESTOCK, location.pk)]
    )
    processed = return_process(return_id=second.pk, actor=desk)
    assert processed.status == Return.Status.PROCESSED and level(mug_product, location)[0] == before[0] + 3
    with pytest.raises(InvalidTransition, match="only a draft"):
        return_process(return_id=second.pk, actor=desk)
    assert broken() == {}
