"""The invariant auditor: a clean database passes; a break planted behind the services' back is reported."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from catalog.models import StockLevel
from oms.invariants import run_all
from orders.models import Allocation, Order, OrderLine
from orders.services.cancel import order_cancel
from tests.factories import ProductFactory, ship, stock


def check_invariants() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("check_invariants", stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def broken_rules() -> dict[str, list[str]]:
    return {rule.name: rows for rule, rows in run_all() if rows}


@pytest.fixture
def busy_shop(place_order, product, location, second_location, tax_rate, allocation_by_priority):
    """Orders in every state the services produce: placed, partly shipped, line-cancelled, cancelled."""
    cup = ProductFactory(sku="CUP-1", tax_rate=tax_rate, unit_price=Decimal("3.33"))
    stock(product, location, 5)
    stock(product, second_location, 20)
    stock(cup, location, 50)
    placed = place_order([(product, 7), (cup, 3)], shipping_fee=Decimal("4.95"), discount_amount=Decimal("2.00"))
    shipped = place_order([(product, 2), (cup, 2)])
    ship(shipped.pk, {shipped.lines.get(sku="CUP-1").pk: 1})
    cancelled = place_order([(cup, 4)])
    order_cancel(order_id=cancelled.pk, reason="test")
    return placed


@pytest.mark.django_db
def test_a_clean_database_passes_every_rule_and_exits_zero(busy_shop):
    # when
    code, output = check_invariants()
    # then
    assert code == 0, output
    assert "BROKEN" not in output
    assert output.count("OK") >= 6
    assert "All invariants hold." in output


@pytest.mark.django_db
def test_a_stock_level_changed_without_a_movement_is_reported_with_its_row(busy_shop, product, location):
    # given
    level = StockLevel.objects.get(product=product, location=location)
    StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + 3)
    # when
    code, output = check_invariants()
    # then
    assert code == 1
    assert "BROKEN catalog: every stock level equals the sums of its movements" in output
    assert f"level {level.pk} (MUG-1 @ main): on_hand/allocated/quarantined 8/5/0, ledger says 5/5/0" in output
    assert list(broken_rules()) == ["catalog: every stock level equals the sums of its movements"]


@pytest.mark.django_db
def test_an_allocation_changed_behind_the_services_back_breaks_both_allocation_rules(busy_shop):
    # given
    allocation = Allocation.objects.filter(line__order=busy_shop, line__sku="CUP-1").get()
    Allocation.objects.filter(pk=allocation.pk).update(quantity=1)
    # when
    broken = broken_rules()
    # then
    line_rule = "orders: every line's allocations equal its open quantity (none for draft or cancelled orders)"
    assert broken[line_rule] == [
        f"order {busy_shop.number} (placed) line {allocation.line_id} CUP-1: 1 allocated, 3 expected"
    ]
    level_rows = broken["orders: each stock level's allocated count equals the sum of its allocations"]
    assert len(level_rows) == 1 and "(CUP-1 @ main): allocated 4, allocations sum to 2" in level_rows[0]


@pytest.mark.django_db
def test_a_cancelled_order_that_still_holds_stock_is_reported(busy_shop):
    # given: the status flipped by a raw update, so nothing was released
    Order.objects.filter(pk=busy_shop.pk).update(status=Order.Status.CANCELED)
    # when
    rows = broken_rules()[
        "orders: every line's allocations equal its open quantity (none for draft or cancelled orders)"
    ]
    # then
    assert sorted(row.split(":")[1].strip() for row in rows) == ["3 allocated, 0 expected", "7 allocated, 0 expected"]
    assert all(row.startswith(f"order {busy_shop.number} (canceled)") for row in rows)


@pytest.mark.django_db
def test_an_order_total_that_is_not_the_sum_of_its_lines_is_reported(busy_shop):
    # given
    Order.objects.filter(pk=busy_shop.pk).update(total_gross=F("total_gross") + Decimal("0.01"))
    # when
    code, output = check_invariants()
    # then
    assert code == 1
    assert "BROKEN orders: order totals equal the sums of their stored rounded lines plus shipping" in output
    assert f"order {busy_shop.number}: lines_gross/net/tax/gross/discount" in output
    assert list(broken_rules()) == ["orders: order totals equal the sums of their stored rounded lines plus shipping"]


@pytest.mark.django_db
def test_a_line_whose_net_and_tax_do_not_add_up_is_reported(busy_shop):
    # given
    line = busy_shop.lines.get(sku="MUG-1")
    OrderLine.objects.filter(pk=line.pk).update(tax=F("tax") - Decimal("0.01"))
    # when
    broken = broken_rules()
    # then
    assert broken["orders: every line's net plus tax equals its gross"] == [
        f"order {busy_shop.number} line {line.pk} MUG-1: net {line.net} + tax {line.tax - Decimal('0.01')} "
        f"!= gross {line.gross}"
    ]
    assert "orders: order totals equal the sums of their stored rounded lines plus shipping" in broken


@pytest.mark.django_db
def test_many_breaks_are_listed_up_to_a_limit(place_order, product, location):
    # given
    stock(product, location, 60)
    for _ in range(55):
        place_order([(product, 1)])
    Allocation.objects.update(quantity=2)
    # when
    rows = broken_rules()[
        "orders: every line's allocations equal its open quantity (none for draft or cancelled orders)"
    ]
    # then
    assert len(rows) == 51
    assert rows[-1].startswith("... and more")


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_negative_stock_figure_is_reported(busy_shop, product, location):
    # given: the database refuses negative stock, so drop its guard inside this test's transaction
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending deferred FK checks
        cursor.execute("ALTER TABLE catalog_stocklevel DROP CONSTRAINT stock_sellable_not_negative")
    level = StockLevel.objects.get(product=product, location=location)
    StockLevel.objects.filter(pk=level.pk).update(allocated=F("on_hand") + 1)
    # when
    rows = broken_rules()["catalog: no stock quantity and no sellable figure is negative"]
    # then
    assert rows == [f"level {level.pk} (MUG-1 @ main): on_hand 5, allocated 6, quarantined 0"]
