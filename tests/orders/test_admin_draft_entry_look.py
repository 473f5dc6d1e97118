"""Entering and changing orders in the admin: lines before addresses, product choices with price and stock, tax
rates and countries from lists; the edit adds products with the same autocomplete; the split previews both totals."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import TaxRate
from orders.models import Order, SplitReason
from orders.selectors.split_preview import split_preview
from orders.services.payments import order_payment_record
from orders.services.split import order_split
from tests import factories

AUTOCOMPLETE = reverse("admin:autocomplete")


def autocomplete(client, term):
    params = {"term": term, "app_label": "orders", "model_name": "orderline", "field_name": "product"}
    response = client.get(AUTOCOMPLETE, params)
    assert response.status_code == 200
    return response.json()["results"]


def test_product_choices_show_price_tax_rate_and_sellable_stock(client, desk, product, location, second_location):
    # given: 7 at one location, 5 at another, 2 of those reserved
    factories.stock(product, location, 7)
    factories.stock(product, second_location, 5)
    from catalog.models import StockLevel

    StockLevel.objects.filter(product=product, location=location).update(allocated=2)
    client.force_login(desk)
    # when
    [choice] = autocomplete(client, "MUG")
    # then
    assert choice["id"] == str(product.pk)
    assert (choice["price"], choice["tax_rate"], choice["sellable"]) == ("12.50", "21.00", 10)
    assert choice["text"] == "MUG-1 · Mug — 12.50 · 10 in stock"


def test_product_choices_take_the_same_queries_for_one_or_twenty_products(client, desk, location, tax_rate):
    # given
    client.force_login(desk)
    factories.stock(factories.ProductFactory(sku="CUP-0", name="Cup 0", tax_rate=tax_rate), location, 3)
    autocomplete(client, "CUP")  # warm the session and permission caches

    def queries():
        with CaptureQueriesContext(connection) as captured:
            autocomplete(client, "CUP")
        return len(captured)

    one = queries()
    for n in range(1, 20):
        factories.stock(factories.ProductFactory(sku=f"CUP-{n}", name=f"Cup {n}", tax_rate=tax_rate), location, 3)
    # when / then
    assert queries() == one


def test_the_draft_form_has_its_lines_before_the_addresses_and_lists_for_tax_rate_and_country(client, desk, tax_rate):
    # given
    TaxRate.objects.create(name="Reduced", rate=Decimal("9.00"))
    client.force_login(desk)
    # when
    html = client.get(reverse("admin:orders_order_add")).content.decode()
    # then: customer, then lines, then amounts with running totals, then the addresses
    assert html.index('id="id_customer"') < html.index('id="lines-group"') < html.index('id="draft-totals"')
    assert html.index('id="draft-totals"') < html.index('id="id_billing_street"')
    assert '<option value="9.00">9% · Reduced</option>' in html
    assert '<option value="NL">Netherlands</option>' in html
    assert "oms/draft_entry.js" in html


def test_a_country_chosen_from_the_list_is_stored_as_its_code(client, desk, customer, channel, product):
    from tests.orders.test_admin_draft_entry import draft_post

    client.force_login(desk)
    data = draft_post(customer, channel, [{"product": product.pk, "quantity": "1", "tax_rate": "21.00"}])
    data.update(shipping_name="Ann", shipping_street="Rue 1", shipping_postal_code="1000", shipping_city="Brussel",
                shipping_country="BE")  # fmt: skip
    assert client.post(reverse("admin:orders_order_add"), data).status_code == 302
    assert Order.objects.get().shipping_country == "BE"


# --- edit: the same product autocomplete
@pytest.fixture
def order(place_order, product, location):
    factories.stock(product, location, 30)
    return place_order([(product, 4)])


def test_the_edit_workspace_offers_the_product_autocomplete(client, desk, order):
    client.force_login(desk)
    html = client.get(reverse("admin:orders_order_page", args=(order.pk, "edit"))).content.decode()
    assert 'name="new_product"' in html and "admin-autocomplete" in html
    assert 'data-model-name="orderline"' in html and 'data-field-name="product"' in html


def test_a_product_picked_in_the_edit_is_staged(client, desk, order, location, tax_rate):
    # given
    cup = factories.ProductFactory(sku="CUP-1", name="Cup", unit_price=Decimal("4.00"), tax_rate=tax_rate)
    factories.stock(cup, location, 10)
    client.force_login(desk)
    url = reverse("admin:orders_order_page", args=(order.pk, "edit"))
    # when
    client.post(url, {"action": "add_product", "new_product": cup.pk, "new_qty": "3", "base_version": "1"})
    # then
    html = client.get(url).content.decode()
    assert "New: Cup" in html and 'id="new-total">62.00<' in html  # 4 × 12.50 + 3 × 4.00
    assert Order.objects.get(pk=order.pk).version == 1  # staged, not committed


# --- split: a preview of both orders' totals, and what was typed stays
def test_the_split_preview_equals_the_committed_split(place_order, product, location, staff):
    # given: a discounted, partly paid order of two lines
    rate = product.tax_rate
    other = factories.ProductFactory(sku="TEA-1", name="Tea towel", unit_price=Decimal("7.95"), tax_rate=rate)
    factories.stock(product, location, 20)
    factories.stock(other, location, 20)
    order = place_order([(product, 5), (other, 3)], discount_amount=Decimal("4.00"), shipping_fee=Decimal("4.95"))
    order_payment_record(order_id=order.pk, amount=Decimal("30.00"), method="card", actor=staff)
    order.refresh_from_db()
    mug, towel = order.lines.order_by("position")
    quantities = {mug.pk: 2, towel.pk: 3}
    # when
    preview = split_preview(order=order, lines=list(order.lines.order_by("position", "pk")), quantities=quantities)
    child = order_split(order_id=order.pk, quantities=quantities, reason=SplitReason.BACKORDER, actor=staff)
    order.refresh_from_db()
    # then: the same cents, field by field
    fields = ("lines_gross", "discount_total", "shipping_gross", "total_net", "total_tax", "total_gross", "amount_paid")
    assert [getattr(preview.kept, f) for f in fields] == [getattr(order, f) for f in fields]
    assert [getattr(preview.moved, f) for f in fields] == [getattr(child, f) for f in fields]


def test_the_split_page_previews_without_changing_anything(client, desk, order):
    # given
    line = order.lines.get()
    client.force_login(desk)
    url = reverse("admin:orders_order_page", args=(order.pk, "split"))
    # when
    response = client.post(url, {f"move_{line.pk}": "1", "reason": "backorder", "action": "preview"})
    # then
    html = response.content.decode()
    assert 'id="preview-kept-total">37.50<' in html and 'id="preview-moved-total">12.50<' in html
    assert f'name="move_{line.pk}" aria-label="Units of Mug to move" value="1"' in html
    assert '<option value="backorder" selected>' in html
    assert Order.objects.count() == 1 and Order.objects.get().version == 1


def test_a_refused_split_keeps_the_entered_quantities(client, desk, order):
    # given
    line = order.lines.get()
    client.force_login(desk)
    url = reverse("admin:orders_order_page", args=(order.pk, "split"))
    # when: more units than are open
    response = client.post(url, {f"move_{line.pk}": "9", "reason": "ship_later", "note": "pls", "action": "split"})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="split-error"' in html and "only 4 unshipped unit(s) can move, not 9" in html
    assert 'value="9"' in html and ">pls</textarea>" in html and '<option value="ship_later" selected>' in html
    assert Order.objects.count() == 1
