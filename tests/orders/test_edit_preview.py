"""The edit preview is computed in memory: it writes and locks nothing, and shows what the commit then stores."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.exceptions import StockUnavailable
from orders.models import Order, OrderLine, StagedEdit
from orders.services.edit import CustomItem, EditChanges, order_edit_commit, order_edit_preview
from orders.services.split import order_split
from tests.factories import ProductFactory, stock

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "SAVEPOINT")


@pytest.fixture
def products(tax_rate, location):
    made = {
        sku: ProductFactory(sku=sku, name=name, unit_price=Decimal(price), tax_rate=tax_rate)
        for sku, name, price in [("MUG-1", "Mug", "12.50"), ("CUP-1", "Cup", "4.00"), ("PLATE-1", "Plate", "7.35")]
    }
    for product in made.values():
        stock(product, location, 50)
    return made


@pytest.fixture
def order(place_order, products):
    # an order discount shared over the lines, so that re-sharing and rounding are part of what is compared
    return place_order([(products["MUG-1"], 3), (products["CUP-1"], 2)], shipping_fee=Decimal("4.95"),
                        discount_amount=Decimal("3.33"))  # fmt: skip


def _line(order, sku):
    return order.lines.get(sku=sku)


def _changes(order, products, case: str) -> EditChanges:
    mug, cup = _line(order, "MUG-1"), _line(order, "CUP-1")
    return {
        "quantity up": EditChanges(quantities={mug.pk: 5}),
        "quantity down": EditChanges(quantities={mug.pk: 1}),
        "remove a line": EditChanges(quantities={cup.pk: 0}),
        "add a product": EditChanges(added={products["PLATE-1"].pk: 3}),
        "custom item": EditChanges(custom_items=[CustomItem("Engraving", Decimal("2.49"), Decimal("9.00"), 3)]),
        "shipping fee": EditChanges(shipping_fee=Decimal("0.99")),
        "everything at once": EditChanges(
            quantities={mug.pk: 7, cup.pk: 0},
            added={products["PLATE-1"].pk: 1},
            custom_items=[CustomItem("Gift box", Decimal("1.15"), Decimal("21.00"), 1)],
            shipping_fee=Decimal("6.50"),
        ),
    }[case]


def _stored_state(order_id: int) -> tuple[dict, list]:
    order = Order.objects.get(pk=order_id)
    totals = {f: getattr(order, f) for f in ("lines_gross", "discount_total", "total_net", "total_tax", "total_gross",
                                              "shipping_fee")}  # fmt: skip
    lines = list(
        OrderLine.objects.filter(order_id=order_id)
        .order_by("position", "pk")
        .values_list("name", "quantity", "quantity_canceled", "discount_amount", "order_discount_share", "net",
                     "tax", "gross")
    )  # fmt: skip
    return totals, lines


CASES = ["quantity up", "quantity down", "remove a line", "add a product", "custom item", "shipping fee",
         "everything at once"]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_preview_writes_and_locks_nothing_and_equals_the_commit(order, products, case, staff):
    # given staged changes
    changes = _changes(order, products, case)
    before = _stored_state(order.pk)
    # when previewed
    with CaptureQueriesContext(connection) as queries:
        preview = order_edit_preview(order_id=order.pk, changes=changes, note="Thanks")
    # then no statement wrote or locked anything, and the stored order is as it was
    statements = [q["sql"].lstrip().upper() for q in queries.captured_queries]
    assert [sql for sql in statements if sql.startswith(WRITES) or "FOR UPDATE" in sql] == []
    assert _stored_state(order.pk) == before
    assert preview.error is None
    # when the same changes are committed
    order_edit_commit(order_id=order.pk, changes=changes, base_version=order.version, actor=staff)
    # then the stored totals and lines are those the preview showed
    totals, lines = _stored_state(order.pk)
    assert {key: preview.totals[key] for key in totals} == totals
    shown = [(line.name, line.quantity, line.quantity_canceled, line.discount_amount, line.order_discount_share,
              line.net, line.tax, line.gross) for line in preview.lines]  # fmt: skip
    assert shown == lines
    assert preview.diff["balance_due"] == Order.objects.get(pk=order.pk).balance_due
    edited = order.events.filter(type="edited").get().parameters
    assert preview.diff["summary"] == edited["summary"]


def test_preview_of_a_split_child_locks_nothing_either(order, staff):
    # given a split child (an edit of it locks its family's root at commit)
    mug = _line(order, "MUG-1")
    child = order_split(order_id=order.pk, quantities={mug.pk: 1}, reason="other")
    # when previewed
    with CaptureQueriesContext(connection) as queries:
        preview = order_edit_preview(order_id=child.pk, changes=EditChanges(shipping_fee=Decimal("1.00")))
    # then
    assert not [q for q in queries.captured_queries if "FOR UPDATE" in q["sql"].upper()]
    assert preview.error is None and preview.totals["shipping_fee"] == Decimal("1.00")


def test_preview_refuses_what_the_commit_refuses_without_writing(order, products):
    # given more mugs than there are: 47 sellable plus the 3 the order holds
    mug = _line(order, "MUG-1")
    # when
    with CaptureQueriesContext(connection) as queries:
        preview = order_edit_preview(order_id=order.pk, changes=EditChanges(quantities={mug.pk: 54}))
    # then
    assert preview.diff is None
    assert preview.error.code == "insufficient_stock"
    assert "MUG-1 (Mug): 54 needed, 50 available" in preview.error.message
    assert not [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert not StagedEdit.objects.exists()
    # and the commit refuses the same change
    with pytest.raises(StockUnavailable):
        order_edit_commit(order_id=order.pk, changes=EditChanges(quantities={mug.pk: 54}), base_version=order.version)
    # while one mug fewer is previewed and committed
    fits = EditChanges(quantities={mug.pk: 50})
    assert order_edit_preview(order_id=order.pk, changes=fits).error is None
    order_edit_commit(order_id=order.pk, changes=fits, base_version=order.version)
