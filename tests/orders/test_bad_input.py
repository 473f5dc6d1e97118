"""The inputs that once stored unshowable values or answered 500 (issue 7 §4): each is refused, naming the field,
and changes nothing; the pages that show the order keep working."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from catalog.models import StockLevel, TaxRate
from orders.exceptions import OrderValidationError
from orders.models import Order, OrderLine, StagedEdit
from orders.services.edit import CustomItem, EditChanges, order_edit_commit
from tests import factories
from tests.orders.test_admin_draft_entry import draft_post
from tests.snapshots import rows_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(place_order, product, location):
    factories.stock(product, location, 20)
    return place_order([(product, 3)], shipping_fee=Decimal("4.95"))


def edit_page(order):
    return reverse("admin:orders_order_page", args=(order.pk, "edit"))


def _pages_still_work(client, order):
    for url in (
        reverse("admin:orders_order_changelist"),
        reverse("admin:orders_order_change", args=(order.pk,)),
        edit_page(order),
    ):
        assert client.get(url).status_code == 200, url


# --- the edit ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (EditChanges(shipping_fee=Decimal("99999999999999")), "Shipping fee"),
        (EditChanges(shipping_fee=Decimal("NaN")), "Shipping fee"),
        (EditChanges(shipping_fee=Decimal("Infinity")), "Shipping fee"),
        (EditChanges(shipping_fee=Decimal("1e400")), "Shipping fee"),
        (EditChanges(custom_items=[CustomItem("Crate", Decimal("99999999999"), Decimal("21"), 1)]), "price"),
        (EditChanges(custom_items=[CustomItem("Crate", Decimal("1000000"), Decimal("21"), 100_000)]), "line total"),
        (EditChanges(custom_items=[CustomItem("Crate", Decimal("1"), Decimal("150"), 1)]), "tax rate"),
        (EditChanges(custom_items=[CustomItem("Crate", Decimal("1000000"), Decimal("21"), 100)] * 11), "Order total"),
    ],
)
def test_an_edit_commit_out_of_bounds_is_refused_and_changes_nothing(placed, staff, changes, field):
    # given
    before = rows_snapshot()
    # when
    with pytest.raises(OrderValidationError) as refused:
        order_edit_commit(order_id=placed.pk, changes=changes, base_version=placed.version, actor=staff)
    # then
    assert field.lower() in refused.value.message.lower()
    assert rows_snapshot() == before


@pytest.mark.parametrize(
    ("post", "field"),
    [
        ({"qty_LINE": "9300000000000000000"}, "Quantity of 'Mug'"),
        ({"qty_LINE": "1.0"}, "Quantity of 'Mug'"),
        ({"qty_LINE": " 3 "}, "Quantity of 'Mug'"),
        ({"shipping_fee": "NaN"}, "Shipping fee"),
        ({"shipping_fee": "Infinity"}, "Shipping fee"),
        ({"shipping_fee": "1e400"}, "Shipping fee"),
        ({"shipping_fee": "99999999999999"}, "Shipping fee"),
        ({"custom_name": "Crate", "custom_price": "99999999999", "custom_tax_rate": "21.00"}, "Price"),
        ({"custom_name": "Crate", "custom_price": "", "custom_tax_rate": "21.00"}, "Price"),
        ({"custom_name": "Crate", "custom_price": "5", "custom_tax_rate": "150"}, "Tax rate"),
        ({"custom_name": "Crate", "custom_price": "5", "custom_tax_rate": "21.00", "custom_qty": "2.0"}, "Quantity"),
        ({"new_sku": "MUG-1", "new_qty": "100001"}, "Quantity"),
    ],
)
def test_a_bad_staged_edit_is_refused_when_staged_and_the_edit_page_keeps_working(client, desk, placed, post, field):
    # given
    client.force_login(desk)
    line = placed.lines.get()
    post = {key.replace("LINE", str(line.pk)): value for key, value in post.items()}
    before = rows_snapshot()
    # when
    response = client.post(edit_page(placed), {"action": "update", **post}, follow=True)
    # then
    assert response.status_code == 200
    shown = [str(message) for message in response.context["messages"]]
    assert any(field in message for message in shown), shown
    assert StagedEdit.objects.get(order=placed).changes in ({}, EditChanges().to_json())
    assert rows_snapshot() == before
    _pages_still_work(client, placed)


def test_a_stage_stored_before_the_bounds_existed_is_emptied_and_the_page_renders(client, desk, placed):
    # given
    StagedEdit.objects.create(
        order=placed, staff=desk, base_version=placed.version, changes={"shipping_fee": "NaN", "quantities": {}}
    )
    client.force_login(desk)
    # when
    response = client.get(edit_page(placed))
    # then
    assert response.status_code == 200
    assert StagedEdit.objects.get(order=placed, staff=desk).changes == {}


# --- the draft --------------------------------------------------------------------------------------------


def test_a_draft_with_a_huge_shipping_fee_is_refused_on_the_field(client, desk, customer, channel, product):
    # given
    client.force_login(desk)
    before = rows_snapshot()
    # when
    response = client.post(
        reverse("admin:orders_order_add"),
        draft_post(customer, channel, [{"product": product.pk, "quantity": "1"}], shipping_fee="9999999999.99"),
    )
    # then
    assert response.status_code == 200
    assert "shipping_fee" in response.context["adminform"].form.errors
    assert rows_snapshot() == before


def test_a_draft_whose_lines_outgrow_the_order_total_is_refused_naming_it(client, desk, customer, channel, product):
    # given: eleven lines of 100 000 000.00 each, every one within its own bounds
    client.force_login(desk)
    lines = [{"name": f"Crate {i}", "quantity": "100", "unit_price": "1000000.00", "tax_rate": "21"} for i in range(11)]
    before = rows_snapshot()
    # when
    response = client.post(reverse("admin:orders_order_add"), draft_post(customer, channel, lines))
    # then
    assert response.status_code == 200
    assert "Order total" in str(response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert rows_snapshot() == before


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"name": "X", "quantity": "1.0", "unit_price": "1", "tax_rate": "21"}, "quantity"),
        ({"name": "X", "quantity": " 3 ", "unit_price": "1", "tax_rate": "21"}, "quantity"),
        ({"name": "X", "quantity": "100001", "unit_price": "1", "tax_rate": "21"}, "quantity"),
        ({"name": "X", "quantity": "1", "unit_price": "1", "tax_rate": "150"}, "tax_rate"),
        ({"name": "X", "quantity": "1", "unit_price": "1", "tax_rate": " "}, "tax_rate"),
        ({"name": "X", "quantity": "1", "unit_price": "1", "tax_rate": "NaN"}, "tax_rate"),
        ({"name": "X", "quantity": "1", "unit_price": "1000000.01", "tax_rate": "21"}, "unit_price"),
        ({"name": "X\x01", "quantity": "1", "unit_price": "1", "tax_rate": "21"}, "name"),
    ],
)
def test_a_draft_line_out_of_bounds_is_refused_on_its_field(client, desk, customer, channel, tax_rate, line, field):
    # given
    client.force_login(desk)
    before = rows_snapshot()
    # when
    response = client.post(reverse("admin:orders_order_add"), draft_post(customer, channel, [line]))
    # then
    assert response.status_code == 200
    assert field in response.context["inline_admin_formsets"][0].formset.errors[0]
    assert rows_snapshot() == before


# --- tax rates and stock ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", ["150", "999.99", "-1", "NaN"])
def test_a_tax_rate_above_100_percent_is_refused(client, superuser, rate):
    # given
    client.force_login(superuser)
    # when
    response = client.post(reverse("admin:catalog_taxrate_add"), {"name": "Odd", "rate": rate, "active": "on"})
    # then
    assert response.status_code == 200
    assert "rate" in response.context["adminform"].form.errors
    assert not TaxRate.objects.filter(name="Odd").exists()


@pytest.mark.parametrize("quantity", ["99999999999999999999", "9000000000000000000", "1000001", "1.0", " 3 ", "1e3"])
@pytest.mark.parametrize("url", ["admin:catalog_stock_receive", "admin:catalog_stock_adjust"])
def test_receiving_or_adjusting_a_quantity_out_of_bounds_is_refused_on_the_field(
    client, warehouse, product, location, quantity, url
):
    # given
    factories.stock(product, location, 5)
    client.force_login(warehouse)
    before = rows_snapshot()
    # when
    response = client.post(
        reverse(url), {"product": product.pk, "location": location.pk, "quantity": quantity, "reason": "count"}
    )
    # then
    assert response.status_code == 200
    assert "quantity" in response.context["form"].errors
    assert rows_snapshot() == before


# --- the database holds the bounds too --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Order, "shipping_fee", Decimal("1000000.01")),
        (Order, "total_gross", Decimal("1000000000.01")),
        (OrderLine, "quantity", 100_001),
        (OrderLine, "unit_price", Decimal("1000000.01")),
        (OrderLine, "tax_rate", Decimal("100.01")),
        (StockLevel, "on_hand", 1_000_000_001),
    ],
)
def test_the_database_refuses_a_value_beyond_its_bound(placed, model, field, value):
    # given
    row = {Order: placed, OrderLine: placed.lines.first(), StockLevel: StockLevel.objects.first()}[model]
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{field: value})
