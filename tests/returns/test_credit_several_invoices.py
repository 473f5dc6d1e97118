"""A return whose units were invoiced on several debit invoices (the order's invoice and a supplementary one for
a line added later): the suggestion values each unit on the invoice that invoiced it, caps each invoice at what
was paid on it and not credited, and processing credits each of those invoices (expected values by hand)."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing.models import Invoice
from invoicing.services.supplements import invoice_supplement_locked
from oms.invariants import run_all
from orders.exceptions import OrderValidationError
from orders.services.line_add import order_line_add_locked
from orders.services.locks import order_lock
from returns.models import Refund, Return
from returns.services.credit import suggested_refund
from returns.services.returns import LineInput, return_create
from tests import factories
from tests.invoicing.helpers import issued, pay

pytestmark = pytest.mark.django_db


def _two_invoices(place_order, product, location, tax_rate, desk, *, big_price="30.00", big_paid=None):
    """2 mugs at 12.50 (invoice 1, 25.00, paid), then a BIG line (invoice 2, a supplement) paid `big_paid`
    (all of it by default); every unit shipped. Returns (order, mug line, big line, invoice 1, invoice 2)."""
    factories.stock(product, location, 10)
    big = factories.ProductFactory(sku="BIG", unit_price=Decimal(big_price), tax_rate=tax_rate)
    factories.stock(big, location, 10)
    order = place_order([(product, 2)])
    first = issued(order, desk)
    pay(order, order.total_gross)
    with transaction.atomic():
        locked = order_lock(order.pk, operation="invoice", extra_product_ids=[big.pk])
        added = order_line_add_locked(locked=locked, product_id=big.pk, quantity=1)
        second = invoice_supplement_locked(order=locked.order, lines=[added.line], actor=desk, note="Added later")
    big_amount = Decimal(big_price) if big_paid is None else Decimal(big_paid)
    if big_amount > 0:
        pay(order, big_amount)
    factories.ship(order.pk, {line.pk: line.quantity_open for line in order.lines.all() if line.quantity_open})
    order.refresh_from_db()
    mug_line = order.lines.get(product=product)
    return order, mug_line, added.line, first, second


def _line(order_line, units, reason, location):
    return LineInput(order_line.pk, units, reason.pk, "restock", location.pk)


def test_the_suggestion_reads_every_invoice_that_invoiced_the_returned_units(
    place_order, product, location, tax_rate, desk, reason
):
    # given
    order, mug, big, first, second = _two_invoices(place_order, product, location, tax_rate, desk)
    # when
    plan = suggested_refund(order=order, units={mug.pk: 1, big.pk: 1})
    # then: 12.50 on invoice 1, 30.00 on invoice 2 (the first invoice alone would suggest 12.50)
    assert [(part.invoice.pk, part.suggested) for part in plan.parts] == [
        (first.pk, Decimal("12.50")), (second.pk, Decimal("30.00")),
    ]  # fmt: skip
    assert (plan.suggested, plan.creditable, plan.capped) == (Decimal("42.50"), Decimal("55.00"), False)


def test_processing_credits_each_invoice_by_units_and_makes_their_refunds(
    place_order, product, location, tax_rate, desk, reason, refund_mode
):
    # given
    refund_mode("manual")
    order, mug, big, first, second = _two_invoices(place_order, product, location, tax_rate, desk)
    # when
    ret = return_create(order_id=order.pk, actor=desk, lines=[_line(mug, 1, reason, location), _line(big, 1, reason,
                        location)])  # fmt: skip
    # then: one credit invoice per debit invoice, by units, and a refund of each
    credits = {credit.credit_for_id: credit for credit in ret.credit_invoices.all()}
    assert set(credits) == {first.pk, second.pk} and ret.credit_invoice in credits.values()
    assert (credits[first.pk].total_gross, credits[second.pk].total_gross) == (Decimal("12.50"), Decimal("30.00"))
    assert all(credit.lines.filter(credited_line__isnull=False).exists() for credit in credits.values())
    assert (ret.suggested_amount, ret.credited_amount) == (Decimal("42.50"), Decimal("42.50"))
    assert sorted(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [
        Decimal("12.50"), Decimal("30.00"),
    ]  # fmt: skip
    order.refresh_from_db()
    assert (order.amount_credited, order.refund_due) == (Decimal("42.50"), Decimal("42.50"))
    # and the same units are not suggested again
    assert suggested_refund(order=order, units={mug.pk: 1, big.pk: 1}).suggested == Decimal("12.50")
    assert [(rule.name, rows) for rule, rows in run_all() if rows] == []


def test_each_invoice_is_capped_at_what_was_paid_on_it_and_a_correction_comes_off_the_last(
    place_order, product, location, tax_rate, desk, reason
):
    # given: the supplement (30.00) is paid 10.00 only
    order, mug, big, first, second = _two_invoices(place_order, product, location, tax_rate, desk, big_paid="10.00")
    # when
    plan = suggested_refund(order=order, units={mug.pk: 1, big.pk: 1})
    # then: 12.50 + min(30.00, 10.00)
    assert (plan.suggested, plan.creditable, plan.capped) == (Decimal("22.50"), Decimal("35.00"), True)
    assert [share for _, share in plan.shares(Decimal("17.50"))] == [Decimal("12.50"), Decimal("5.00")]
    assert [share for _, share in plan.shares(Decimal("30.00"))] == [Decimal("20.00"), Decimal("10.00")]
    # when processed with a correction of -5.00
    ret = return_create(order_id=order.pk, actor=desk, correction="-5.00",
                        lines=[_line(mug, 1, reason, location), _line(big, 1, reason, location)])  # fmt: skip
    # then: 12.50 by units on invoice 1, 5.00 as an amount on invoice 2
    credits = {credit.credit_for_id: credit for credit in ret.credit_invoices.all()}
    assert (credits[first.pk].total_gross, credits[second.pk].total_gross) == (Decimal("12.50"), Decimal("5.00"))
    assert not credits[second.pk].lines.filter(credited_line__isnull=False).exists()
    assert ret.credited_amount == Decimal("17.50")
    # and a correction above what both invoices may still credit is refused, changing nothing
    before = (Return.objects.count(), Invoice.objects.count())
    with pytest.raises(OrderValidationError, match="Correction"):
        return_create(order_id=order.pk, actor=desk, correction="100.00", lines=[_line(mug, 1, reason, location)])
    assert (Return.objects.count(), Invoice.objects.count()) == before


def test_the_create_return_page_names_each_invoice_and_its_part(client, place_order, product, location, tax_rate,
                                                                  desk, reason):  # fmt: skip
    from tests.returns.test_admin import form_data, page

    # given
    order, mug, big, first, second = _two_invoices(place_order, product, location, tax_rate, desk)
    client.force_login(desk)
    # when the live suggestion is asked for a mug and the BIG line
    units = {mug.sku: 1, big.sku: 1}
    html = client.post(page(order, "create-return"), form_data(order, location, reason, units, action=""),
                       HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
    # then
    assert "EUR 42.50" in html
    assert f"{first.number} EUR 12.50 · {second.number} EUR 30.00" in html


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])  # fmt: skip
@given(
    mugs=st.integers(0, 2), bigs=st.integers(0, 1), big_cents=st.integers(1_00, 80_00),
    big_paid_cents=st.integers(0, 80_00),
)  # fmt: skip
def test_the_suggestion_is_the_sum_over_invoices_of_min_value_and_paid(
    place_order, product, location, tax_rate, desk, mugs, bigs, big_cents, big_paid_cents
):
    try:
        with transaction.atomic():
            big_price = Decimal(big_cents) / 100
            paid = min(Decimal(big_paid_cents) / 100, big_price)
            order, mug, big, _, _ = _two_invoices(
                place_order, product, location, tax_rate, desk, big_price=str(big_price), big_paid=str(paid)
            )
            plan = suggested_refund(order=order, units={mug.pk: mugs, big.pk: bigs})
            # independently: a mug is 12.50 of a fully paid 25.00 invoice; BIG is its price, paid `paid`
            expected = Decimal("12.50") * mugs + (min(big_price, paid) if bigs else Decimal("0"))
            assert plan.suggested == expected
            raise _Rollback
    except _Rollback:
        pass


class _Rollback(Exception):
    pass
