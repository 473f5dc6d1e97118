"""The daily roll-ups (reports/rollups.py) equal the live aggregates of the orders and their lines, to the cent,
after every kind of change the services make (place, pay, ship, edit by line cancel, split, cancel, refund),
after a raw update that bypasses the services, and before and after compaction; and the reports' tables read
the same from the roll-ups as from the orders.

PostgreSQL only: the roll-up is kept by PostgreSQL triggers; SQLite reads the orders (nothing to compare).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from orders.models import Order, OrderLine, OrderPayment, SplitReason
from reports import rollups
from reports.forms import Filters
from reports.models import OrderDay, OrderDayChange, PaymentDay, PaymentDayChange, ProductDay, ProductDayChange
from reports.queries_orders import report_orders, report_top
from reports.queries_payments import report_payments
from reports.queries_stock import report_inventory
from tests import factories

D = Decimal
KEY = ("day", "channel_id", "currency", "status", "payment_status", "fulfillment_status", "customer_order")
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the roll-up's triggers are PostgreSQL's"),
]


def live() -> dict:
    """The placed orders grouped as the roll-up groups them, computed from the orders (Django's date in the
    shop's time zone, not the trigger's SQL)."""
    rows = (
        Order.objects.exclude(status=Order.Status.DRAFT)
        .filter(placed_at__isnull=False)
        .annotate(
            day=TruncDate("placed_at"),
            customer_order=ExpressionWrapper(Q(parent__isnull=True), output_field=BooleanField()),
        )
        .values(*KEY)
        .annotate(orders=Count("pk"), net=Sum("total_net"), gross=Sum("total_gross"))
    )
    return {tuple(row[k] for k in KEY): (row["orders"], row["net"], row["gross"]) for row in rows}


def rolled_up(model=rollups.OrderDayFigures) -> dict:
    rows = model.objects.values(*KEY).annotate(orders=Sum("n_orders"), net=Sum("sum_net"), gross=Sum("sum_gross"))
    out = {}
    for row in rows:
        if row["orders"] == 0:  # a group whose changes cancelled out: it must hold no money either
            assert (row["net"], row["gross"]) == (0, 0), row
            continue
        out[tuple(row[k] for k in KEY)] = (row["orders"], row["net"], row["gross"])
    return out


PRODUCT_KEY = ("day", "channel_id", "currency", "product_id")


def live_products() -> dict:
    rows = (
        OrderLine.objects.filter(product__isnull=False, order__placed_at__isnull=False)
        .exclude(order__status__in=[Order.Status.DRAFT, Order.Status.CANCELED])
        .annotate(day=TruncDate("order__placed_at"), channel_id=F("order__channel_id"), currency=F("order__currency"))
        .values(*PRODUCT_KEY)
        .annotate(units=Sum(F("quantity") - F("quantity_canceled")), lines=Count("pk"), gross=Sum("gross"))
    )
    return {tuple(row[k] for k in PRODUCT_KEY): (row["units"], row["lines"], row["gross"]) for row in rows}


def rolled_up_products(model=rollups.ProductDayFigures) -> dict:
    rows = model.objects.values(*PRODUCT_KEY).annotate(
        units=Sum("sum_units"), lines=Sum("n_lines"), gross=Sum("sum_gross")
    )
    out = {}
    for row in rows:
        if row["lines"] == 0:  # a group whose changes cancelled out: nothing else may be left in it
            assert (row["units"], row["gross"]) == (0, 0), row
            continue
        out[tuple(row[k] for k in PRODUCT_KEY)] = (row["units"], row["lines"], row["gross"])
    return out


PAYMENT_KEY = ("day", "channel_id", "currency")
PAYMENT_SUMS = ("n_payments", "sum_received", "n_matched", "n_open", "sum_open", "sum_applied")


def live_payments() -> dict:
    """Payments received per day, channel and currency, worked out payment by payment in Python."""
    from invoicing.models import InvoicePayment

    out: dict[tuple, list] = {}
    for p in OrderPayment.objects.filter(kind="payment").select_related("order"):
        applied = [a.amount for a in InvoicePayment.objects.filter(payment=p)]
        is_open = not applied and not OrderPayment.objects.filter(reverses=p).exists()
        sums = out.setdefault((p.paid_on, p.order.channel_id, p.order.currency), [0, D("0"), 0, 0, D("0"), D("0")])
        for i, value in enumerate((1, p.amount, int(bool(applied)), int(is_open), p.amount if is_open else 0,
                                   sum(applied, D("0")))):  # fmt: skip
            sums[i] += value
    return {key: tuple(sums) for key, sums in out.items()}


def rolled_up_payments(model=rollups.PaymentDayFigures) -> dict:
    rows = model.objects.values(*PAYMENT_KEY).annotate(**{f"t_{s}": Sum(s) for s in PAYMENT_SUMS})
    out = {}
    for row in rows:
        sums = tuple(row[f"t_{s}"] for s in PAYMENT_SUMS)
        if sums[0] == 0:  # a group whose changes cancelled out: nothing else may be left in it
            assert not any(sums), row
            continue
        out[tuple(row[k] for k in PAYMENT_KEY)] = sums
    return out


@pytest.fixture
def busy_day(place_order, finance, superuser, location, tax_rate, django_capture_on_commit_callbacks):
    """Orders changed every way the services change them, across two channels and two days."""
    from orders.services.cancel import order_cancel, order_line_cancel
    from orders.services.payments import order_payment_record
    from orders.services.split import order_split
    from returns.models import Refund
    from returns.services.refunds import refund_approve, refund_confirm_payout

    mug = factories.ProductFactory(sku="MUG-R", unit_price=D("12.50"), tax_rate=tax_rate)
    book = factories.ProductFactory(sku="BOOK-R", unit_price=D("19.99"), tax_rate=tax_rate)
    factories.stock(mug, location, 500)
    factories.stock(book, location, 500)
    phone = factories.ChannelFactory(code="phone-r", name="Phone")
    unpaid = place_order([(mug, 2)])
    paid = place_order([(mug, 1), (book, 3)], shipping_fee=D("4.95"))
    order_payment_record(order_id=paid.pk, amount=paid.total_gross, method="bank_transfer")
    part = place_order([(book, 2)], channel=phone)
    order_payment_record(order_id=part.pk, amount=D("10.00"), method="bank_transfer")
    shipped = place_order([(mug, 1), (book, 1)])
    factories.ship(shipped.pk, {shipped.lines.order_by("pk").first().pk: 1})
    edited = place_order([(mug, 3), (book, 1)], channel=phone)
    order_line_cancel(order_id=edited.pk, line_id=edited.lines.order_by("pk").first().pk, quantity=2)
    family = place_order([(mug, 4), (book, 2)])
    order_split(order_id=family.pk, quantities={family.lines.order_by("pk").first().pk: 3},
                reason=SplitReason.BACKORDER)  # fmt: skip
    cancelled = place_order([(book, 1)])
    order_cancel(order_id=cancelled.pk, reason="test")
    refunded = place_order([(mug, 2)], channel=phone)
    order_payment_record(order_id=refunded.pk, amount=refunded.total_gross, method="bank_transfer")
    order_cancel(order_id=refunded.pk, reason="test")  # its refund hook makes the refund of what is owed back
    refund = Refund.objects.get(order=refunded)
    with django_capture_on_commit_callbacks(execute=True):
        refund_approve(refund_id=refund.pk, actor=finance)
    refund_confirm_payout(refund_id=refund.pk, actor=finance)
    place_order([(mug, 1)], place=False)  # a draft: in no group
    # payments applied to an invoice (matched), and a payment reversed
    from orders.services.payments import order_payment_reverse
    from tests.invoicing.helpers import issued

    invoiced = place_order([(book, 1)], channel=phone)
    issued(invoiced, superuser)
    order_payment_record(order_id=invoiced.pk, amount=D("5.00"), method="bank_transfer")
    order_payment_record(order_id=invoiced.pk, amount=invoiced.total_gross - D("5.00"), method="bank_transfer")
    mistaken = order_payment_record(order_id=shipped.pk, amount=D("1.00"), method="bank_transfer")
    order_payment_reverse(payment_id=mistaken.pk, reason="Wrong order")
    # a raw update of a payment's day, as a data fix would write
    OrderPayment.objects.filter(pk=mistaken.pk).update(paid_on=timezone.localdate() - timedelta(days=2))
    # a raw update, as a data fix or the bulk loader would write: the trigger sees it too
    Order.objects.filter(pk=unpaid.pk).update(placed_at=timezone.now() - timedelta(days=3))
    return {"paid": paid, "refunded": refunded}


def test_the_roll_up_equals_the_live_aggregate_before_and_after_compaction(busy_day):
    # given: the changes are still waiting in the change table
    expected = live()
    assert OrderDayChange.objects.exists()
    products = live_products()
    payments = live_payments()
    assert ProductDayChange.objects.exists() and PaymentDayChange.objects.exists()
    assert any(sums[2] for sums in payments.values()) and any(sums[3] for sums in payments.values())
    # then: the views (roll-up + changes) already have the exact figures
    assert rolled_up() == expected
    assert rolled_up_products() == products
    assert rolled_up_payments() == payments
    # when
    rollups.compact()
    # then: everything moved into the roll-ups, which alone equal the orders and lines, to the cent
    assert not OrderDayChange.objects.exists() and not ProductDayChange.objects.exists()
    assert rolled_up(OrderDay) == expected == rolled_up()
    assert rolled_up_products(ProductDay) == products == rolled_up_products()
    assert rolled_up_payments(PaymentDay) == payments == rolled_up_payments()
    assert not PaymentDayChange.objects.exists()
    assert not OrderDay.objects.filter(n_orders=0).exists()
    assert not ProductDay.objects.filter(n_lines=0).exists()


def test_changes_after_a_compaction_are_added_to_it_exactly(busy_day, finance):
    from orders.services.cancel import order_line_cancel

    # given
    rollups.compact()
    paid = busy_day["paid"]
    # when: a later change, then another compaction
    order_line_cancel(order_id=paid.pk, line_id=paid.lines.order_by("pk").last().pk, quantity=1)
    assert rolled_up() == live()
    assert rolled_up_products() == live_products()
    rollups.compact()
    # then
    assert rolled_up(OrderDay) == live()
    assert rolled_up_products(ProductDay) == live_products()


def test_an_update_that_changes_nothing_the_roll_up_keeps_writes_no_change_row(busy_day):
    # given
    rollups.compact()
    order = Order.objects.get(pk=busy_day["paid"].pk)
    order.memo = "Leave at the door"
    # when
    order.save()
    # then
    assert not OrderDayChange.objects.exists() and not ProductDayChange.objects.exists()


def test_a_rebuild_gives_the_same_roll_up(busy_day):
    # given
    rollups.compact()
    before = rolled_up(OrderDay), rolled_up_products(ProductDay), rolled_up_payments(PaymentDay)
    # when
    rollups.rebuild()
    # then
    after = rolled_up(OrderDay), rolled_up_products(ProductDay), rolled_up_payments(PaymentDay)
    assert after == before == (live(), live_products(), live_payments())


@pytest.mark.parametrize("report", [report_orders, report_top, report_inventory, report_payments])
def test_the_reports_read_the_same_from_the_roll_ups_as_from_the_orders(report, busy_day, monkeypatch):
    today = timezone.localdate()
    for filters in (
        Filters(since=today - timedelta(days=10), until=today, period="day"),
        Filters(since=today - timedelta(days=60), until=today, period="month"),
        Filters(
            since=today - timedelta(days=10), until=today, period="week", channel_id=busy_day["refunded"].channel_id
        ),
    ):
        # when
        from_rollup = report(filters)
        with monkeypatch.context() as patch:
            patch.setattr(rollups, "in_use", lambda: False)
            from_orders = report(filters)
        # then
        assert [t.rows for t in from_rollup.tables] == [t.rows for t in from_orders.tables]
        assert (from_rollup.chart and from_rollup.chart.series) == (from_orders.chart and from_orders.chart.series)
        assert from_rollup.tables[0].rows  # not trivially equal


def test_beat_compacts_the_roll_up_every_minute(busy_day):
    from reports.tasks import order_days_compact_task

    entry = settings.CELERY_BEAT_SCHEDULE["reports-compact-order-days"]
    assert (entry["task"], entry["schedule"]) == ("reports.tasks.order_days_compact_task", 60.0)
    assert order_days_compact_task() > 0
    assert not OrderDayChange.objects.exists() and not ProductDayChange.objects.exists()
